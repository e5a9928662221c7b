// The identity step shared by registration and password recovery (centre, ID, mobile, SMS code) and the captcha.

import { api } from './api.js';
import { h } from './dom.js';
import { announce, busy, field, rules, showErrors, validate, values } from './forms.js';
import { centerField, rememberLastCenter } from './centers.js';
import { href } from './router.js';

const RESEND_SECONDS = 60;

/**
 * An image captcha: the answer input, the picture and 换一张. `load()` fetches a new one (each is
 * single use), `fill(body)` adds captcha_id and captcha_answer to a request body.
 */
export function captchaField(prefix, { required = true } = {}) {
  let captchaId = '';
  const image = h('img', { id: `${prefix}-captcha-image`, class: 'captcha-image', alt: '图形验证码', width: 120, height: 40 });
  const refresh = h('button', { type: 'button', class: 'btn btn-light btn-small', id: `${prefix}-captcha-refresh` }, '换一张');
  const wrapper = field({
    name: 'captcha_answer',
    id: `${prefix}-captcha-answer`,
    label: '验证码',
    required,
    attrs: { autocomplete: 'off', inputmode: 'text', maxlength: 8, class: 'input-short' },
    extra: h('span', { class: 'captcha-box' }, image, refresh),
  });
  async function load() {
    try {
      const data = await api.post('/identity/captchas', {}, { auth: false });
      captchaId = data.captcha_id;
      image.src = data.image;
      // Only development servers send dev_answer; it lets automated browser tests pass the captcha.
      if (data.dev_answer) image.dataset.devAnswer = data.dev_answer;
      else delete image.dataset.devAnswer;
      wrapper.querySelector('input').value = '';
    } catch (error) {
      wrapper.querySelector('.field-error').textContent = `验证码加载失败：${error.detail}`;
    }
  }
  refresh.addEventListener('click', load);
  return {
    element: wrapper,
    load,
    fill(body) {
      body.captcha_id = captchaId;
      body.captcha_answer = wrapper.querySelector('input').value.trim();
      return body;
    },
  };
}

/** 发送验证码 with the 60-second countdown; `bodyFor()` returns the request or null when invalid. */
function smsButton(id, purpose, bodyFor, form, onLeave) {
  let timer = null;
  const button = h('button', { type: 'button', class: 'btn btn-secondary', id }, '发送验证码');
  function countdown(seconds) {
    let left = seconds;
    button.disabled = true;
    button.textContent = `${left}秒后重新发送`;
    timer = window.setInterval(() => {
      left -= 1;
      if (left <= 0) {
        window.clearInterval(timer);
        timer = null;
        button.disabled = false;
        button.textContent = '重新发送验证码';
      } else {
        button.textContent = `${left}秒后重新发送`;
      }
    }, 1000);
  }
  button.addEventListener('click', async () => {
    const body = bodyFor();
    if (!body) return;
    button.disabled = true;
    try {
      const answer = await api.post('/identity/sms-codes', { purpose, ...body }, { auth: false });
      announce('验证码已发送，请查收短信。', 'success');
      countdown(Number(answer.resend_after) || RESEND_SECONDS);
    } catch (error) {
      button.disabled = false;
      showErrors(form, error);
      const wait = Number(error.problem?.retry_after || error.problem?.resend_after);
      if (error.status === 429 && wait > 0) countdown(Math.min(wait, 3600));
    }
  });
  onLeave(() => timer && window.clearInterval(timer));
  return button;
}

/**
 * Step 1 of registration and recovery: choose the centre, enter ID and reserved mobile, send and enter
 * the SMS code, 下一步 → verifyPath; calls onVerified({center, center_name, id_number, phone, token}).
 */
export function identityStep({ prefix, purpose, verifyPath, tokenKey, onVerified, onLeave, tips, guide }) {
  const form = h('form', { id: `${prefix}-step1-form`, class: 'form', novalidate: true });
  const phoneField = field({
    name: 'phone',
    id: `${prefix}-phone`,
    label: '手机号码',
    type: 'tel',
    required: true,
    hint: '请填写在公积金中心预留的手机号码',
    attrs: { autocomplete: 'tel', inputmode: 'numeric', maxlength: 11 },
  });
  const identityRules = {
    center: rules.required('请选择所属中心'),
    id_number: rules.idNumber,
    phone: rules.mobile,
  };
  const send = smsButton(
    `${prefix}-send-sms`,
    purpose,
    () => {
      if (!validate(form, identityRules)) return null;
      const v = values(form);
      return { center: v.center, id_number: v.id_number.toUpperCase(), phone: v.phone };
    },
    form,
    onLeave,
  );
  const next = h('button', { type: 'submit', class: 'btn btn-primary', id: `${prefix}-next` }, '下一步 >');
  form.append(
    centerField({ id: `${prefix}-center` }),
    field({
      name: 'id_number',
      id: `${prefix}-id-number`,
      label: '身份证号',
      required: true,
      hint: '请使用第二代居民身份证号（18位）',
      attrs: { autocomplete: 'off', maxlength: 18, spellcheck: 'false' },
    }),
    phoneField,
    field({
      name: 'sms_code',
      id: `${prefix}-sms-code`,
      label: '短信验证码',
      required: true,
      attrs: { autocomplete: 'one-time-code', inputmode: 'numeric', maxlength: 6, class: 'input-short' },
      extra: send,
    }),
    h('div', { class: 'form-actions' }, next, h('a', { href: href('/login'), class: 'btn btn-light', id: `${prefix}-back-login` }, '返回登录')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!validate(form, { ...identityRules, sms_code: rules.smsCode })) return;
    const v = values(form);
    const body = { center: v.center, id_number: v.id_number.toUpperCase(), phone: v.phone, sms_code: v.sms_code };
    busy(next, async () => {
      try {
        const answer = await api.post(verifyPath, body, { auth: false });
        rememberLastCenter(v.center);
        const select = form.querySelector('select[name="center"]');
        onVerified({ ...body, center_name: select.selectedOptions[0]?.textContent || v.center, token: answer[tokenKey] });
      } catch (error) {
        showErrors(form, error);
      }
    });
  });
  return h(
    'div',
    { class: 'two-col' },
    h('div', { class: 'col-main' }, form),
    h(
      'aside',
      { class: 'col-side tips', 'aria-label': '操作指引与温馨提示' },
      guide ? h('ol', { class: 'guide-steps', id: `${prefix}-guide` }, guide.map((g) => h('li', {}, g))) : null,
      h('h2', { class: 'tips-title' }, '温馨提示：'),
      h('ol', { class: 'tips-list', id: `${prefix}-tips` }, tips.map((t) => h('li', {}, t))),
    ),
  );
}

export const COMMON_TIPS = [
  '输入身份证号与手机号码之后，点击“发送验证码”按钮，系统会自动向您身份证号所绑定的手机号发送验证短信；',
  '如果您的手机号码非宁夏本地号码或空号，短信验证码会发送失败；',
  '若提示您的手机号码与身份证号不匹配，请您携带本人身份证和单位开具的介绍信到公积金缴交银行柜台或公积金管理中心柜台变更您的身份证号或手机号码；',
  '如果还有其他疑问，请您拨打12329公积金热线进行咨询。',
];
