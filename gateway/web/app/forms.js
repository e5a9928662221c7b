// Form fields with labels tied to inputs, errors beside each field, and the page's live announcements.

import { h, replace } from './dom.js';

let fieldCounter = 0;

/**
 * A labelled control. kind: input types, 'select' (options [{value, label}]), 'textarea', 'checkbox'.
 * The error slot is `<id>-error`, referenced by aria-describedby so screen readers read it.
 */
export function field({
  name,
  label,
  type = 'text',
  id = `f-${name.replace(/\W/g, '-')}-${++fieldCounter}`,
  required = false,
  hint = '',
  options = [],
  value,
  attrs = {},
  extra = null,
}) {
  const describedBy = [`${id}-error`, hint ? `${id}-hint` : null].filter(Boolean).join(' ');
  const common = {
    id,
    name,
    required,
    'aria-required': required ? 'true' : null,
    'aria-describedby': describedBy,
    ...attrs,
  };
  let control;
  if (type === 'select') {
    control = h(
      'select',
      common,
      options.map((o) => h('option', { value: o.value, selected: o.value === value }, o.label)),
    );
  } else if (type === 'textarea') {
    control = h('textarea', { ...common, rows: attrs.rows || 3 });
    if (value !== undefined) control.value = value;
  } else if (type === 'checkbox') {
    control = h('input', { ...common, type: 'checkbox', checked: Boolean(value) });
  } else {
    control = h('input', { ...common, type, value: value ?? null });
  }
  const mark = required ? h('span', { class: 'required', 'aria-hidden': 'true' }, '*') : null;
  const error = h('p', { class: 'field-error', id: `${id}-error`, dataset: { errorFor: name } });
  const hintEl = hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null;
  if (type === 'checkbox') {
    return h(
      'div',
      { class: 'field field-check', dataset: { field: name } },
      h('div', { class: 'check-row' }, control, h('label', { for: id }, label), extra),
      hintEl,
      error,
    );
  }
  return h(
    'div',
    { class: 'field', dataset: { field: name } },
    h('label', { for: id }, mark, label),
    h('div', { class: 'control-row' }, control, extra),
    hintEl,
    error,
  );
}

/** The values of a form's named controls: checkboxes as booleans, the rest as trimmed strings. */
export function values(form) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name || el.disabled) continue;
    if (el.type === 'checkbox') out[el.name] = el.checked;
    else if (el.type === 'radio') {
      if (el.checked) out[el.name] = el.value;
    } else out[el.name] = el.value.trim();
  }
  return out;
}

function summaryOf(form) {
  let summary = form.querySelector(':scope > .form-error');
  if (!summary) {
    summary = h('div', { class: 'form-error', role: 'alert', tabindex: '-1' });
    form.prepend(summary);
  }
  return summary;
}

export function clearErrors(form) {
  for (const el of form.querySelectorAll('.field-error')) el.textContent = '';
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  const summary = form.querySelector(':scope > .form-error');
  if (summary) {
    summary.textContent = '';
    summary.classList.remove('shown');
  }
}

/** {house: {price: ['x']}} → {'house.price': ['x']} */
function flattenErrors(errors, prefix = '', out = {}) {
  for (const [key, value] of Object.entries(errors || {})) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (Array.isArray(value)) out[name] = value.map(String);
    else if (value && typeof value === 'object') flattenErrors(value, name, out);
    else out[name] = [String(value)];
  }
  return out;
}

/**
 * Shows an ApiError (or {detail, errors}) on a form: each field's messages beside it, the detail and
 * any message without a field in the summary at the top; focus goes to the first invalid field.
 */
export function showErrors(form, error) {
  clearErrors(form);
  const summary = summaryOf(form);
  const unplaced = [];
  let first = null;
  for (const [name, messages] of Object.entries(flattenErrors(error.errors))) {
    const slot = form.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
    const control = form.querySelector(`[name="${CSS.escape(name)}"]`);
    if (slot) {
      slot.textContent = messages.join('；');
      if (control) control.setAttribute('aria-invalid', 'true');
      first ??= control;
    } else {
      unplaced.push(...messages);
    }
  }
  // Messages already spelled out in the detail are not repeated under it.
  const lines = [error.detail, ...unplaced.filter((m) => !(error.detail || '').includes(m))].filter(Boolean);
  if (lines.length) {
    replace(summary, lines.map((line) => h('p', {}, line)));
    summary.classList.add('shown');
  }
  // The summary is role="alert", so it is announced; the page's #flash stays for non-form messages.
  if (first) first.focus();
  else if (lines.length) summary.focus();
}

/** Client-side checks: rules {name: (value, all) => message | null}; true when all pass. */
export function validate(form, rules) {
  const all = values(form);
  const errors = {};
  for (const [name, rule] of Object.entries(rules)) {
    const message = rule(all[name], all);
    if (message) errors[name] = [message];
  }
  if (Object.keys(errors).length === 0) {
    clearErrors(form);
    return true;
  }
  showErrors(form, { detail: '请检查标注的项目。', errors });
  return false;
}

/** Disables the button while `work` runs, so a double click never sends twice. */
export async function busy(button, work) {
  if (button.disabled) return undefined;
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

/**
 * Speaks and shows a short message in the page's live region (#flash). `carry: true` keeps it across
 * the next navigation, for messages said just before moving to another page (登录成功, 已提交).
 */
export function announce(message, kind = 'info', { carry = false } = {}) {
  const flash = document.getElementById('flash');
  if (!flash) return;
  flash.className = `flash flash-${kind}`;
  flash.textContent = '';
  flash.dataset.carry = carry ? 'yes' : 'no';
  // A fresh text node after clearing makes screen readers announce a repeated message again.
  window.setTimeout(() => {
    flash.textContent = message;
  }, 30);
}

/** Called on every navigation: clears the live region unless its message was meant to carry over. */
export function clearAnnouncement() {
  const flash = document.getElementById('flash');
  if (!flash) return;
  if (flash.dataset.carry === 'yes') {
    flash.dataset.carry = 'no';
    return;
  }
  flash.textContent = '';
  flash.className = 'flash';
}

export const rules = {
  required: (text) => (value) => (value ? null : text),
  idNumber: (value) => (isValidIdNumber(value) ? null : '请输入正确的18位第二代居民身份证号'),
  mobile: (value) => (/^1[3-9]\d{9}$/.test(value || '') ? null : '请输入正确的11位手机号码'),
  smsCode: (value) => (/^\d{6}$/.test(value || '') ? null : '请输入6位短信验证码'),
  username: (value) => (/^[A-Za-z0-9]{6,16}$/.test(value || '') ? null : '用户名需为字母或数字或字母数字组合，长度为6-16位'),
  password: (value) => (/^[A-Za-z0-9]{6,24}$/.test(value || '') ? null : '密码需为字母或数字或字母数字组合，长度为6-24位'),
  bankCard: (value) => bankCardProblem(value),
};

// The hall's one bank card rule, word for word the server's (chassis/bank_cards.py): 16-19 digits, and the
// Luhn check digit unless the number starts with 9 (a bank's own domestic card, numbered without one).
export const BANK_CARD_SHAPE_MESSAGE = '银行卡号应为16至19位数字';
export const BANK_CARD_CHECK_DIGIT_MESSAGE = '银行卡号校验位不正确，请核对卡号';
const NO_CHECK_DIGIT_PREFIXES = ['9'];

/** Spaces typed between groups of four are not part of the number. */
export function normalizeBankCard(value) {
  return (value || '').replace(/\s+/g, '');
}

/** null for a good card number, else the message naming what is wrong. */
export function bankCardProblem(value) {
  const card = normalizeBankCard(value);
  if (!/^\d{16,19}$/.test(card)) return BANK_CARD_SHAPE_MESSAGE;
  if (NO_CHECK_DIGIT_PREFIXES.some((prefix) => card.startsWith(prefix))) return null;
  let sum = 0;
  [...card].reverse().forEach((c, i) => {
    let d = Number(c);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  });
  return sum % 10 === 0 ? null : BANK_CARD_CHECK_DIGIT_MESSAGE;
}

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/** GB 11643-1999: 17 digits, a check character and a real birth date. */
export function isValidIdNumber(value) {
  const text = (value || '').toUpperCase();
  if (!/^\d{17}[\dX]$/.test(text)) return false;
  const sum = ID_WEIGHTS.reduce((acc, w, i) => acc + w * Number(text[i]), 0);
  if ('10X98765432'[sum % 11] !== text[17]) return false;
  const [y, m, d] = [text.slice(6, 10), text.slice(10, 12), text.slice(12, 14)].map(Number);
  const birth = new Date(y, m - 1, d);
  return birth.getFullYear() === y && birth.getMonth() === m - 1 && birth.getDate() === d;
}

/** The display masks of DOMAIN.md, for echoing what the user typed (first 6 + last 4, 3 + 4). */
export function maskIdNumber(value) {
  return value && value.length > 10 ? `${value.slice(0, 6)}${'*'.repeat(value.length - 10)}${value.slice(-4)}` : value;
}

export function maskMobile(value) {
  return value && value.length === 11 ? `${value.slice(0, 3)}****${value.slice(-4)}` : value;
}
