// 用户注册 (manual §2) and 密码找回 (manual §3): identity step, then the account step, then success.

import { api } from './api.js';
import { h, replace } from './dom.js';
import { announce, busy, clearAnnouncement, field, maskIdNumber, maskMobile, rules, showErrors, validate, values } from './forms.js';
import { COMMON_TIPS, captchaField, identityStep } from './verification.js';
import { keyValues, openDialog, pageTitle, stepBar } from './layout.js';
import { href, navigate } from './router.js';

const REGISTER_STEPS = ['第一步 身份验证', '第二步 填写注册信息', '第三步 注册成功!'];
const RECOVER_STEPS = ['第一步 身份验证', '第二步 修改密码', '修改完成'];
const RETURN_SECONDS = 10;

const REGISTER_TIPS = [
  '本系统登录账号与“宁夏住房公积金服务APP”登录账号通用，如您在手机APP已经注册账号，可使用此账号直接登录网厅；',
  ...COMMON_TIPS,
];

const REGISTER_GUIDE = [
  '第一步 选择所属管理中心',
  '第二步 填写身份证号',
  '第三步 填写在中心预留的手机号码',
  '第四步 点击发送验证码按钮，查收短信',
  '第五步 填写收到的短信验证码',
  '第六步 点击下一步',
];

const AGREEMENT = [
  '一、本协议是您与宁夏住房公积金网上业务大厅（以下简称“网厅”）之间关于注册、使用网厅个人用户账号所订立的协议。您勾选“阅读并接受《个人用户注册协议》”即表示您已阅读并同意本协议的全部内容。',
  '二、注册条件：个人用户须在宁夏回族自治区缴存住房公积金，并在所属住房公积金管理中心预留本人手机号码。注册时须如实填写本人身份证号及预留手机号码，并通过短信验证码验证。',
  '三、账号与密码：用户名为字母或数字或字母数字组合，长度为6-16位；密码为字母或数字或字母数字组合，长度为6-24位。您应妥善保管账号和密码，因您保管不善造成的损失由您自行承担。本网厅账号与“宁夏住房公积金服务APP”账号通用。',
  '四、使用规范：您承诺仅为本人办理住房公积金相关业务，不得冒用他人身份，不得利用网厅从事任何违法违规活动，不得干扰网厅的正常运行。',
  '五、信息保护：网厅依法保护您的个人信息，身份证号、手机号码等信息仅用于身份核验和业务办理，页面展示时进行脱敏处理，未经您同意不向第三方提供，法律法规另有规定的除外。',
  '六、业务办理：通过网厅提交的预申请须经住房公积金管理中心审核，具体以管理中心的审核结果和相关规定为准。网上办理的业务与柜台办理具有同等效力。',
  '七、服务变更与中断：因系统维护、升级或不可抗力等原因，网厅可能暂停服务，管理中心将尽可能提前公告。',
  '八、其他：本协议的解释、效力及纠纷解决均适用中华人民共和国法律。如有疑问，请拨打12329住房公积金服务热线咨询。',
];

/** Step 2 shows who was verified; ID and mobile are echoed masked, never in full. */
function verifiedSummary(identity) {
  return keyValues(
    [
      ['所属中心', identity.center_name, 'verified-center'],
      ['身份证号', maskIdNumber(identity.id_number), 'verified-id-number'],
      ['手机号码', maskMobile(identity.phone), 'verified-phone'],
    ],
    { class: 'kv kv-compact', id: 'verified-identity' },
  );
}

function successPanel({ id, message, extra, buttonId, buttonText }) {
  return h(
    'section',
    { class: 'success-panel', id, role: 'status' },
    h('div', { class: 'success-icon', 'aria-hidden': 'true' }, '☺'),
    h('p', { class: 'success-message' }, message),
    extra,
    h('a', { href: href('/login'), class: 'btn btn-primary', id: buttonId }, buttonText),
  );
}

function renderRegister({ page, onLeave }) {
  const steps = h('div', {}, stepBar(REGISTER_STEPS, 0, 'reg-step-bar'));
  const body = h('div', { class: 'step-body' });
  page.append(h('section', { class: 'card' }, pageTitle('用户注册'), steps, body));

  function showStep1() {
    replace(
      body,
      identityStep({
        prefix: 'reg',
        purpose: 'register',
        verifyPath: '/identity/registrations/verify',
        tokenKey: 'registration_token',
        onVerified: showStep2,
        onLeave,
        tips: REGISTER_TIPS,
        guide: REGISTER_GUIDE,
      }),
    );
  }

  function showStep2(identity) {
    clearAnnouncement(); // the last step's notice (验证码已发送) is not this step's
    replace(steps, stepBar(REGISTER_STEPS, 1, 'reg-step-bar'));
    const captcha = captchaField('reg');
    const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'reg-submit' }, '提交');
    const agreementLink = h(
      'button',
      { type: 'button', class: 'link-button', id: 'reg-agreement-link', 'aria-haspopup': 'dialog' },
      '《个人用户注册协议》',
    );
    const form = h(
      'form',
      { id: 'reg-step2-form', class: 'form', novalidate: true },
      verifiedSummary(identity),
      field({ name: 'username', id: 'reg-username', label: '用户名', required: true, hint: '字母或数字或字母数字组合，长度为6-16位', attrs: { autocomplete: 'username', maxlength: 16 } }),
      field({ name: 'password', id: 'reg-password', label: '密码', type: 'password', required: true, hint: '字母或数字或字母数字组合，长度为6-24位', attrs: { autocomplete: 'new-password', maxlength: 24 } }),
      field({ name: 'password_confirm', id: 'reg-password-confirm', label: '确认密码', type: 'password', required: true, attrs: { autocomplete: 'new-password', maxlength: 24 } }),
      field({ name: 'email', id: 'reg-email', label: '电子邮箱', type: 'email', hint: '选填', attrs: { autocomplete: 'email', maxlength: 100 } }),
      captcha.element,
      field({ name: 'agreed', id: 'reg-agreed', label: '阅读并接受', type: 'checkbox', extra: agreementLink }),
      h('div', { class: 'form-actions' }, submit, h('a', { href: href('/login'), class: 'btn btn-light', id: 'reg-cancel' }, '取消')),
    );
    agreementLink.addEventListener('click', () => {
      const accept = h('button', { type: 'button', class: 'btn btn-primary', id: 'agreement-accept' }, '同意');
      const { close } = openDialog({
        title: '个人用户注册协议',
        id: 'agreement-dialog',
        content: h('div', { class: 'agreement-text' }, AGREEMENT.map((p) => h('p', {}, p))),
        actions: [accept],
      });
      accept.addEventListener('click', () => {
        form.querySelector('#reg-agreed').checked = true;
        close();
      });
    });
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const ok = validate(form, {
        username: rules.username,
        password: rules.password,
        password_confirm: (value, all) => (value && value === all.password ? null : '两次输入的密码不一致'),
        email: (value) => (!value || /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value) ? null : '请输入正确的电子邮箱'),
        captcha_answer: rules.required('请输入验证码'),
        agreed: (value) => (value ? null : '请阅读并接受《个人用户注册协议》'),
      });
      if (!ok) return;
      const v = values(form);
      const request = {
        registration_token: identity.token,
        username: v.username,
        password: v.password,
        password_confirm: v.password_confirm,
        agreed: v.agreed,
      };
      if (v.email) request.email = v.email;
      captcha.fill(request);
      busy(submit, async () => {
        try {
          await api.post('/identity/registrations', request, { auth: false, idempotent: true });
          showSuccess();
        } catch (error) {
          showErrors(form, error);
          captcha.load();
        }
      });
    });
    replace(body, form);
    captcha.load();
    form.querySelector('#reg-username').focus();
  }

  function showSuccess() {
    clearAnnouncement(); // the last step's notice (验证码已发送) is not this step's
    replace(steps, stepBar(REGISTER_STEPS, 2, 'reg-step-bar'));
    replace(
      body,
      successPanel({
        id: 'reg-success',
        message: '恭喜你，注册成功!',
        extra: h('p', {}, '请返回登录页面，使用注册的账号登录网厅。'),
        buttonId: 'reg-back-to-login',
        buttonText: '返回登录',
      }),
    );
    announce('注册成功。', 'success');
    body.querySelector('#reg-back-to-login').focus();
  }

  showStep1();
}

function renderRecover({ page, onLeave }) {
  const steps = h('div', {}, stepBar(RECOVER_STEPS, 0, 'rec-step-bar'));
  const body = h('div', { class: 'step-body' });
  page.append(h('section', { class: 'card' }, pageTitle('密码找回'), steps, body));

  function showStep1() {
    replace(
      body,
      identityStep({
        prefix: 'rec',
        purpose: 'reset_password',
        verifyPath: '/identity/password-resets/verify',
        tokenKey: 'reset_token',
        onVerified: showStep2,
        onLeave,
        tips: COMMON_TIPS,
      }),
    );
  }

  function showStep2(identity) {
    clearAnnouncement(); // the last step's notice (验证码已发送) is not this step's
    replace(steps, stepBar(RECOVER_STEPS, 1, 'rec-step-bar'));
    const captcha = captchaField('rec');
    const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'rec-submit' }, '提交');
    const form = h(
      'form',
      { id: 'rec-step2-form', class: 'form', novalidate: true },
      verifiedSummary(identity),
      field({ name: 'username', id: 'rec-username', label: '登录账号', required: true, attrs: { autocomplete: 'username', maxlength: 16 } }),
      field({ name: 'new_password', id: 'rec-new-password', label: '新密码', type: 'password', required: true, hint: '字母或数字或字母数字组合，长度为6-24位', attrs: { autocomplete: 'new-password', maxlength: 24 } }),
      field({ name: 'new_password_confirm', id: 'rec-new-password-confirm', label: '新密码确认', type: 'password', required: true, attrs: { autocomplete: 'new-password', maxlength: 24 } }),
      captcha.element,
      h('div', { class: 'form-actions' }, submit, h('a', { href: href('/login'), class: 'btn btn-light', id: 'rec-cancel' }, '取消')),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const ok = validate(form, {
        username: rules.required('请输入登录账号'),
        new_password: rules.password,
        new_password_confirm: (value, all) => (value && value === all.new_password ? null : '两次输入的密码不一致'),
        captcha_answer: rules.required('请输入验证码'),
      });
      if (!ok) return;
      const v = values(form);
      const request = {
        reset_token: identity.token,
        username: v.username,
        new_password: v.new_password,
        new_password_confirm: v.new_password_confirm,
      };
      captcha.fill(request);
      busy(submit, async () => {
        try {
          await api.post('/identity/password-resets', request, { auth: false });
          showSuccess();
        } catch (error) {
          showErrors(form, error);
          captcha.load();
        }
      });
    });
    replace(body, form);
    captcha.load();
    form.querySelector('#rec-username').focus();
  }

  function showSuccess() {
    clearAnnouncement(); // the last step's notice (验证码已发送) is not this step's
    replace(steps, stepBar(RECOVER_STEPS, 2, 'rec-step-bar'));
    let left = RETURN_SECONDS;
    const counter = h('span', { id: 'rec-countdown' }, String(left));
    replace(
      body,
      successPanel({
        id: 'rec-success',
        message: '恭喜你，密码修改成功!',
        extra: h('p', { class: 'countdown' }, counter, '秒后跳转至个人登录首页'),
        buttonId: 'rec-back-to-login',
        buttonText: '点击返回登录',
      }),
    );
    announce(`密码修改成功，${RETURN_SECONDS}秒后跳转至个人登录首页。`, 'success');
    const timer = window.setInterval(() => {
      left -= 1;
      counter.textContent = String(Math.max(left, 0));
      if (left <= 0) {
        window.clearInterval(timer);
        navigate('/login', { reason: 'reset' });
      }
    }, 1000);
    onLeave(() => window.clearInterval(timer));
    body.querySelector('#rec-back-to-login').focus();
  }

  showStep1();
}

export const routes = [
  { path: '/register', title: '用户注册', public: true, render: renderRegister },
  { path: '/recover', title: '密码找回', public: true, render: renderRecover },
];
