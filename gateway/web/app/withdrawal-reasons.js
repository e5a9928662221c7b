// The withdrawal reasons and their materials, shared by the pre-application and the appointment pages.

import { api, itemsOf } from './api.js';
import { h } from './dom.js';

export const WITHDRAWAL_PAGES = [
  { path: '/withdrawals', label: '提取事由及材料', id: 'subnav-reasons' },
  { path: '/withdrawals/apply', label: '提取预申请', id: 'subnav-withdrawal-apply' },
  { path: '/withdrawals/appointment', label: '预约办理', id: 'subnav-appointment' },
  { path: '/withdrawals/mine', label: '我的申请与预约', id: 'subnav-withdrawal-mine' },
];

let reasonsPromise = null;

export function loadReasons() {
  reasonsPromise ??= api.get('/withdrawals/reasons').then(itemsOf).catch((error) => {
    reasonsPromise = null;
    throw error;
  });
  return reasonsPromise;
}

function materialText(m) {
  if (typeof m === 'string') return m;
  return m.note ? `${m.name}（${m.note}）` : m.name;
}

export function materialsList(materials, id) {
  return h('ul', { class: 'materials', id }, (materials || []).map((m) => h('li', { dataset: { testid: 'material' } }, materialText(m))));
}

/** A reason's name from the catalogue when a record carries only its code. */
export function reasonName(record, reasons) {
  if (record.reason_name) return record.reason_name;
  if (record.reason && typeof record.reason === 'object') return record.reason.name;
  return reasons.find((r) => r.code === record.reason)?.name || record.reason || '—';
}
