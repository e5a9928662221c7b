// 个人账户 (manual §6): basic information, fund account information, and changing the password.

import { api } from './api.js';
import { h } from './dom.js';
import { announce, busy, field, rules, showErrors, validate, values } from './forms.js';
import { describe, keyValues, loadInto, pageTitle, subnav } from './layout.js';
import { href } from './router.js';
import { loadCenters } from './centers.js';

const BASIC_KEYS = [
  'name', 'id_number', 'mobile', 'center_name', 'account_no', 'employer_name', 'employer_account_no',
];
const ACCOUNT_KEYS = [
  'account_no', 'status', 'balance', 'available', 'reserved', 'deposit_base', 'employer_ratio',
  'personal_ratio', 'unit_monthly', 'personal_monthly', 'monthly_amount', 'paid_up_to', 'opened_on', 'employer_name',
];

export const ACCOUNT_PAGES = [
  { path: '/account', label: '个人账户信息', id: 'subnav-account' },
  { path: '/account/certificates', label: '证明开具', id: 'subnav-certificates' },
  { path: '/account/password', label: '密码修改', id: 'subnav-password' },
];

/** 个人基本信息 and 个人账户信息 side by side; ID and mobile arrive masked and are shown as they are. */
export function personalInfoSections(prefix) {
  const basic = h('div', { id: `${prefix}-basic-info` });
  const account = h('div', { id: `${prefix}-account-info` });
  // The centre arrives as a code; the directory turns it into the centre's name.
  loadInto(basic, () => Promise.all([api.get('/accounts/me'), loadCenters().catch(() => null)]).then(([me]) => me), (data) => keyValues(describe(data, BASIC_KEYS)));
  loadInto(account, () => api.get('/accounts/me/account'), (data) => keyValues(describe(data, ACCOUNT_KEYS)));
  return h(
    'div',
    { class: 'info-grid' },
    h('section', { class: 'card', 'aria-labelledby': `${prefix}-basic-title` }, h('h2', { id: `${prefix}-basic-title` }, '个人基本信息'), basic),
    h('section', { class: 'card', 'aria-labelledby': `${prefix}-account-title` }, h('h2', { id: `${prefix}-account-title` }, '个人账户信息'), account),
  );
}

function renderAccount({ page }) {
  page.append(
    pageTitle('个人账户'),
    subnav('个人账户', ACCOUNT_PAGES, '/account'),
    personalInfoSections('account'),
    h('div', { class: 'page-actions page-actions-left' }, h('a', { href: href('/account/password'), class: 'btn btn-secondary', id: 'account-change-password' }, '密码修改')),
  );
}

function renderPassword({ page }) {
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'pwd-submit' }, '提交');
  const form = h(
    'form',
    { id: 'pwd-form', class: 'form form-narrow', novalidate: true },
    field({ name: 'old_password', id: 'pwd-old', label: '当前密码', type: 'password', required: true, attrs: { autocomplete: 'current-password', maxlength: 24 } }),
    field({ name: 'new_password', id: 'pwd-new', label: '新密码', type: 'password', required: true, hint: '字母或数字或字母数字组合，长度为6-24位', attrs: { autocomplete: 'new-password', maxlength: 24 } }),
    field({ name: 'new_password_confirm', id: 'pwd-new-confirm', label: '确认新密码', type: 'password', required: true, attrs: { autocomplete: 'new-password', maxlength: 24 } }),
    h('div', { class: 'form-actions' }, submit, h('a', { href: href('/account'), class: 'btn btn-light', id: 'pwd-cancel' }, '返回')),
  );
  const done = h('div', { id: 'pwd-result', role: 'status' });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const ok = validate(form, {
      old_password: rules.required('请输入当前密码'),
      new_password: (value, all) => rules.password(value) || (value === all.old_password ? '新密码不能与当前密码相同' : null),
      new_password_confirm: (value, all) => (value && value === all.new_password ? null : '两次输入的新密码不一致'),
    });
    if (!ok) return;
    busy(submit, async () => {
      try {
        await api.put('/identity/me/password', values(form));
        form.reset();
        done.textContent = '密码修改完成。下次登录请使用新密码，其他设备上的登录已失效。';
        done.className = 'notice notice-success';
        announce('密码修改完成。', 'success');
      } catch (error) {
        showErrors(form, error);
      }
    });
  });
  page.append(
    pageTitle('密码修改'),
    subnav('个人账户', ACCOUNT_PAGES, '/account/password'),
    h('section', { class: 'card' }, h('p', { class: 'hint' }, '请填写当前旧密码和要修改后的密码，点击提交。'), done, form),
  );
}

export const routes = [
  { path: '/account', title: '个人账户', render: renderAccount },
  { path: '/account/password', title: '密码修改', render: renderPassword },
];
