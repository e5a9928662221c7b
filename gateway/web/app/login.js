// 用户登录 (manual §4): centre, username, password, and the captcha once the server asks for it.

import { api, session } from './api.js';
import { h } from './dom.js';
import { announce, busy, field, rules, showErrors, validate, values } from './forms.js';
import { centerField, rememberLastCenter } from './centers.js';
import { captchaField } from './verification.js';
import { href, navigate } from './router.js';
import { pageTitle } from './layout.js';

const REASONS = {
  idle: '您已超过15分钟未操作，系统已自动退出，请重新登录。',
  expired: '登录已失效，请重新登录。',
  logout: '您已安全退出。',
  reset: '密码已修改，请使用新密码登录。',
};

function renderLogin({ page, query }) {
  if (session.isLoggedIn()) {
    navigate('/home');
    return;
  }
  const captcha = captchaField('login');
  captcha.element.hidden = true;
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block', id: 'login-submit' }, '登录');
  const form = h(
    'form',
    { id: 'login-form', class: 'form', novalidate: true, 'aria-labelledby': 'page-title' },
    centerField({ id: 'login-center' }),
    field({ name: 'username', id: 'login-username', label: '用户名', required: true, attrs: { autocomplete: 'username', maxlength: 16 } }),
    field({ name: 'password', id: 'login-password', label: '密码', type: 'password', required: true, attrs: { autocomplete: 'current-password', maxlength: 24 } }),
    captcha.element,
    h('div', { class: 'form-actions' }, submit),
    h(
      'p',
      { class: 'login-links' },
      h('a', { href: href('/register'), id: 'login-register-link' }, '用户注册'),
      h('span', { 'aria-hidden': 'true' }, ' | '),
      h('a', { href: href('/recover'), id: 'login-recover-link' }, '忘记密码？密码找回'),
    ),
  );
  const notice = REASONS[query.reason];
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const captchaShown = !captcha.element.hidden;
    const checks = {
      center: rules.required('请选择所属中心'),
      username: rules.required('请输入用户名'),
      password: rules.required('请输入密码'),
    };
    if (captchaShown) checks.captcha_answer = rules.required('请输入验证码');
    if (!validate(form, checks)) return;
    const v = values(form);
    const body = { center: v.center, username: v.username, password: v.password };
    if (captchaShown) captcha.fill(body);
    busy(submit, async () => {
      try {
        const tokens = await api.post('/identity/sessions', body, { auth: false });
        session.save(tokens);
        rememberLastCenter(v.center);
        announce('登录成功。', 'success', { carry: true });
        const next = query.next && query.next.startsWith('/') && !query.next.startsWith('/login') ? query.next : '/home';
        const [path, search = ''] = next.split('?');
        navigate(path, Object.fromEntries(new URLSearchParams(search)));
      } catch (error) {
        if (error.code === 'CAPTCHA_REQUIRED' || captchaShown) {
          captcha.element.hidden = false;
          await captcha.load();
        }
        showErrors(form, error);
        if (error.code === 'CAPTCHA_REQUIRED') form.querySelector('#login-captcha-answer').focus();
      }
    });
  });
  page.append(
    h(
      'div',
      { class: 'login-layout' },
      h(
        'section',
        { class: 'card login-card' },
        pageTitle('个人用户登录'),
        notice ? h('p', { class: 'notice', id: 'login-notice', role: 'status' }, notice) : null,
        form,
      ),
      h(
        'section',
        { class: 'login-intro', 'aria-label': '网厅简介' },
        h('h2', {}, '足不出户，办理公积金业务'),
        h('p', {}, '全区统一网上业务大厅面向缴存职工，涵盖归集、提取、贷款等业务，实现网上业务的“在线办结、实时结算、记账同步”。'),
        h('p', {}, '本网厅注册账号与“宁夏住房公积金服务APP”登录账号通用，如您已在其他渠道注册，可直接登录。'),
        h(
          'ul',
          { class: 'intro-list' },
          h('li', {}, h('a', { href: href('/guides'), id: 'login-guides-link' }, '办事指南')),
          h('li', {}, h('a', { href: href('/loans/calculator'), id: 'login-calculator-link' }, '贷款计算器')),
        ),
      ),
    ),
  );
}

export const routes = [{ path: '/login', title: '个人用户登录', public: true, render: renderLogin }];
