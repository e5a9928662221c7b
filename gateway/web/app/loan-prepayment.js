// 提前还款 on a loan's page: the trial on the loan's own schedule, then the application (amount or full payoff,
// shorter term or lower payment, repayment card or fund account), the applications with their timelines, cancel.
// Labels, choices, the minimum and whether one may apply come from the API (…/prepayments/options).

import { api, itemsOf } from './api.js';
import { h, replace } from './dom.js';
import { announce, busy, clearErrors, field, showErrors, values } from './forms.js';
import { formatField, money } from './format.js';
import { confirmAction, keyValues, loadInto, table } from './layout.js';
import { href, navigate } from './router.js';
import { progressTimeline } from './timeline.js';

/** The 提前还款 tab of a loan: trial and application form, then this loan's prepayment applications. */
export function prepaymentTab(body, loanId) {
  const base = `/loans/loans/${encodeURIComponent(loanId)}/prepayments`;
  const formBox = h('div', { id: 'prepayment-form-box' });
  const list = h('div', { id: 'prepayment-list' });
  body.append(h('h2', {}, '提前还款试算与申请'), formBox, h('h2', {}, '提前还款申请记录'), list);
  loadInto(formBox, () => api.get(`${base}/options`), (options) => prepaymentForm(base, loanId, options));
  loadInto(list, () => api.get(base, { page: 1, page_size: 50 }), (data) => prepaymentList(loanId, itemsOf(data)));
}

function prepaymentForm(base, loanId, options) {
  const facts = keyValues(
    [
      ['剩余本金', money(options.remaining_principal), 'prepayment-remaining'],
      ['已还期数', `${options.last_paid_period} 期`, 'prepayment-last-paid'],
      ['部分提前还款最低金额', money(options.minimum_amount), 'prepayment-minimum'],
    ],
    { id: 'prepayment-facts' },
  );
  if (!options.can_apply) {
    return [
      facts,
      h(
        'div',
        { class: 'notice', id: 'prepayment-not-now', role: 'status' },
        options.refusals.map((refusal) => h('p', { dataset: { code: refusal.code } }, refusal.detail)),
      ),
    ];
  }
  const kind = field({
    name: 'kind',
    label: '还款类型',
    type: 'select',
    id: 'prepayment-kind',
    options: [
      { value: 'partial', label: '提前部分还款' },
      { value: 'full', label: `提前结清（剩余本金 ${money(options.remaining_principal)}）` },
    ],
    value: 'partial',
  });
  const amount = field({
    name: 'amount',
    label: '提前还款金额（元）',
    id: 'prepayment-amount',
    attrs: { inputmode: 'decimal', autocomplete: 'off' },
    hint: `不少于 ${money(options.minimum_amount)}，且还款后至少保留 1,000 元本金；还清全部请选择提前结清`,
  });
  const mode = field({ name: 'mode', label: '还款后', type: 'select', id: 'prepayment-mode', options: options.modes, value: options.modes[0]?.value });
  const source = field({ name: 'source', label: '还款资金来源', type: 'select', id: 'prepayment-source', options: options.sources, value: options.sources[0]?.value });
  const result = h('div', { id: 'prepayment-trial', 'aria-live': 'polite' });
  const trialButton = h('button', { type: 'submit', class: 'btn btn-light', id: 'prepayment-try' }, '试算');
  const applyButton = h('button', { type: 'button', class: 'btn btn-primary', id: 'prepayment-apply', disabled: true }, '提交申请');
  const form = h('form', { id: 'prepayment-form', novalidate: true }, kind, amount, mode, source, h('div', { class: 'form-actions' }, trialButton, applyButton), result);
  const isFull = () => form.elements.kind.value === 'full';
  const sync = () => {
    amount.hidden = isFull();
    mode.hidden = isFull();
    applyButton.disabled = true;
    replace(result);
  };
  form.elements.kind.addEventListener('change', sync);
  for (const name of ['amount', 'mode', 'source']) form.elements[name].addEventListener('input', () => { applyButton.disabled = true; });
  const request = () => {
    const all = values(form);
    if (isFull()) return { full: true, source: all.source };
    return { amount: all.amount || null, mode: all.mode, source: all.source };
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(trialButton, async () => {
      clearErrors(form);
      try {
        const trial = await api.post(`${base}/trial`, request());
        replace(result, trialView(trial));
        applyButton.disabled = false;
      } catch (error) {
        replace(result);
        showErrors(form, error);
      }
    });
  });
  applyButton.addEventListener('click', () =>
    busy(applyButton, async () => {
      clearErrors(form);
      try {
        const created = await api.post(base, request(), { idempotent: true });
        announce(`提前还款申请已提交（编号 ${created.prepayment_no}），请等待受托银行确认。`, 'success', { carry: true });
        navigate(`/loans/loan/${encodeURIComponent(loanId)}/prepayments/${encodeURIComponent(created.id)}`);
      } catch (error) {
        showErrors(form, error);
      }
    }),
  );
  return [facts, form];
}

function trialView(trial) {
  const rows = [
    ['办理时点', `第 ${trial.after_period} 期还款后`, 'trial-after-period'],
    ['提前还款金额', money(trial.amount), 'trial-amount'],
    ['还款后剩余本金', money(trial.remaining_after), 'trial-remaining-after'],
    ['原下期月供', money(trial.original_next_payment), 'trial-original-payment'],
    ['新月供', trial.new_payment ? money(trial.new_payment) : '无（贷款结清）', 'trial-new-payment'],
    ['新贷款期限', `${trial.new_term_months} 个月（减少 ${trial.months_saved} 个月）`, 'trial-new-term'],
    ['节省利息', money(trial.interest_saved), 'trial-interest-saved'],
  ];
  return h(
    'section',
    { class: 'trial-result', 'aria-labelledby': 'trial-title' },
    h('h3', { id: 'trial-title' }, '试算结果（银行确认后按此执行）'),
    keyValues(rows, { id: 'trial-fields' }),
    trial.schedule.length ? scheduleTable(trial.schedule.slice(0, 12), 'trial-schedule', '新还款计划（前12期）') : null,
  );
}

function scheduleTable(rows, id, caption) {
  return table(
    [
      { key: 'period', label: '期次', numeric: true },
      { key: 'payment', label: '月供', numeric: true },
      { key: 'principal', label: '本金', numeric: true },
      { key: 'interest', label: '利息', numeric: true },
      { key: 'remaining', label: '剩余本金', numeric: true },
    ],
    rows,
    { id, caption },
  );
}

function prepaymentList(loanId, items) {
  return table(
    [
      { key: 'prepayment_no', label: '申请编号' },
      { label: '提交时间', format: (p) => formatField('submitted_at', p.submitted_at) },
      { key: 'kind_label', label: '类型' },
      { label: '金额', numeric: true, format: (p) => money(p.amount) },
      { key: 'source_label', label: '资金来源' },
      { label: '状态', format: (p) => p.status_label },
      {
        label: '操作',
        cell: (p) => h('a', { href: href(`/loans/loan/${encodeURIComponent(loanId)}/prepayments/${encodeURIComponent(p.id)}`), class: 'btn btn-light btn-small', dataset: { testid: 'prepayment-detail', id: p.id } }, '查看进度'),
      },
    ],
    items,
    { id: 'prepayment-table', caption: '提前还款申请', empty: '暂无提前还款申请' },
  );
}

function renderPrepayment({ page, params }) {
  const body = h('section', { class: 'card', id: 'prepayment-detail' });
  const back = `/loans/loan/${encodeURIComponent(params.id)}`;
  page.append(h('h1', { id: 'page-title', class: 'page-title' }, '提前还款办理进度'), body, h('p', {}, h('a', { href: href(back, { tab: 'prepayment' }), id: 'prepayment-back' }, '‹ 返回提前还款')));
  const path = `/loans/loans/${encodeURIComponent(params.id)}/prepayments/${encodeURIComponent(params.pid)}`;
  loadInto(
    body,
    () => api.get(path),
    (item) => {
      const figures = item.applied || item.quoted;
      const parts = [
        keyValues(
          [
            ['申请编号', item.prepayment_no, 'prepayment-no'],
            ['状态', item.status_label, 'prepayment-status'],
            ['类型', item.kind_label, 'prepayment-kind'],
            ['金额', money(item.amount), 'prepayment-amount'],
            ['还款后', item.mode_label || '贷款结清', 'prepayment-mode'],
            ['资金来源', item.source_label, 'prepayment-source'],
            ['新月供', figures.new_payment ? money(figures.new_payment) : '无（贷款结清）', 'prepayment-new-payment'],
            ['新贷款期限', `${figures.new_term_months} 个月（减少 ${figures.months_saved} 个月）`, 'prepayment-new-term'],
            ['节省利息', money(figures.interest_saved), 'prepayment-interest-saved'],
          ],
          { id: 'prepayment-fields' },
        ),
        h('h2', {}, '办理进度'),
        progressTimeline(item.timeline, { status: item.status, id: 'prepayment-timeline' }),
      ];
      if (item.can_cancel) {
        parts.push(h('div', { class: 'page-actions' }, h('button', { type: 'button', class: 'btn btn-danger', id: 'prepayment-cancel', on: { click: () => confirmCancel(path, params) } }, '撤销申请')));
      }
      return parts;
    },
  );
}

function confirmCancel(path, params) {
  confirmAction({
    title: '撤销提前还款申请',
    question: '撤销后该申请将不再办理，确定要撤销吗？',
    confirmText: '确认撤销',
    act: () => api.post(`${path}/cancel`, {}),
    done: () => {
      announce('提前还款申请已撤销。', 'success', { carry: true });
      navigate(`/loans/loan/${encodeURIComponent(params.id)}/prepayments/${encodeURIComponent(params.pid)}`);
    },
  });
}

export const routes = [{ path: '/loans/loan/:id/prepayments/:pid', title: '提前还款办理进度', render: renderPrepayment }];
