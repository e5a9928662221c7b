// 委托提取 on a loan's page: sign the fund loan up for the monthly entrusted withdrawal (with the co-borrowing
// spouse's account when the spouse deposits) or cancel it, and each month's result: how much the fund accounts
// paid and how much the repayment card. Refusals and labels come from the API.

import { api, itemsOf } from './api.js';
import { h, replace } from './dom.js';
import { announce, busy, clearErrors, field, showErrors, values } from './forms.js';
import { formatField, money } from './format.js';
import { keyValues, loadInto, table } from './layout.js';

const SIGNUPS = '/withdrawals/entrusted-repayments';

/** The 委托提取 tab of a loan: its sign-up (or the form), then the months' results from the schedule. */
export function entrustedTab(body, loanId) {
  const signupBox = h('div', { id: 'entrusted-signup-box' });
  const months = h('div', { id: 'entrusted-months' });
  body.append(
    h('h2', {}, '委托提取住房公积金偿还贷款'),
    h('p', { class: 'hint' }, '签约后每月还款日从公积金账户提取当期还款（可加入配偶账户），余额不足部分由还款银行卡扣款。'),
    signupBox,
    h('h2', {}, '各期委托提取结果'),
    months,
  );
  const refresh = () => {
    loadInto(signupBox, () => api.get(SIGNUPS, { page: 1, page_size: 50 }), (data) => signupView(loanId, itemsOf(data), refresh));
    loadInto(months, () => api.get(`/loans/loans/${encodeURIComponent(loanId)}/schedule`), monthsTable);
  };
  refresh();
}

function signupView(loanId, signups, refresh) {
  const active = signups.find((item) => item.loan_id === loanId && item.status === 'active');
  if (active) {
    const cancel = h('button', { type: 'button', class: 'btn btn-danger', id: 'entrusted-cancel' }, '取消委托提取');
    const error = h('div', { id: 'entrusted-cancel-error', role: 'alert' });
    cancel.addEventListener('click', () =>
      busy(cancel, async () => {
        try {
          await api.del(`${SIGNUPS}/${encodeURIComponent(active.id)}`);
          announce('已取消委托提取，此后各期由还款银行卡扣款。', 'success');
          refresh();
        } catch (failure) {
          replace(error, h('div', { class: 'error-box' }, failure.detail));
        }
      }),
    );
    return [
      keyValues(
        [
          ['签约状态', active.status_label, 'entrusted-status'],
          ['签约时间', formatField('created_at', active.created_at), 'entrusted-created'],
          ['配偶账户', active.include_spouse ? `${active.spouse_name}（${active.spouse_account_no}）` : '未加入', 'entrusted-spouse'],
        ],
        { id: 'entrusted-fields' },
      ),
      h('div', { class: 'form-actions' }, cancel),
      error,
    ];
  }
  const spouse = field({ name: 'include_spouse', label: '同时从配偶（共同借款人）的公积金账户提取', type: 'checkbox', id: 'entrusted-spouse-box' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'entrusted-sign-up' }, '签约委托提取');
  const form = h('form', { id: 'entrusted-form', novalidate: true }, spouse, h('div', { class: 'form-actions' }, submit));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(submit, async () => {
      clearErrors(form);
      try {
        await api.post(SIGNUPS, { loan_id: loanId, include_spouse: values(form).include_spouse }, { idempotent: true });
        announce('委托提取已签约，自下一还款日起按月从公积金账户提取还款。', 'success');
        refresh();
      } catch (failure) {
        showErrors(form, failure);
      }
    });
  });
  return [h('p', { id: 'entrusted-status' }, '尚未签约委托提取。'), form];
}

function monthsTable(schedule) {
  const rows = (Array.isArray(schedule) ? schedule : itemsOf(schedule)).filter((row) => row.entrusted || row.status === 'paid');
  return table(
    [
      { key: 'period', label: '期次', numeric: true },
      { label: '应还日期', format: (r) => formatField('due_date', r.due_date) },
      { label: '月供', numeric: true, format: (r) => money(r.payment) },
      { label: '公积金提取', numeric: true, format: (r) => (r.fund_amount == null ? '—' : money(r.fund_amount)) },
      { label: '银行卡扣款', numeric: true, format: (r) => (r.card_amount == null ? '—' : money(r.card_amount)) },
      { label: '委托提取', format: (r) => (r.entrusted ? r.entrusted.state_label : '未委托') },
      { label: '说明', format: (r) => r.entrusted?.last_failure ?? '' },
    ],
    rows,
    { id: 'entrusted-months-table', caption: '各期还款来源', empty: '暂无已到期的还款' },
  );
}
