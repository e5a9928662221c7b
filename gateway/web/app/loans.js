// 我要贷款 / 贷款信息 (manual §7.6, §8.2): applications and their progress, loans, schedule and repayment records.

import { api, itemsOf } from './api.js';
import { h } from './dom.js';
import { announce } from './forms.js';
import { formatField, money } from './format.js';
import { confirmAction, describe, keyValues, loadInto, pageTitle, subnav, table } from './layout.js';
import { href, navigate } from './router.js';
import { progressTimeline } from './timeline.js';
import { recordList } from './records.js';
import { entrustedTab } from './loan-entrusted.js';
import { prepaymentTab } from './loan-prepayment.js';

export const LOAN_PAGES = [
  { path: '/loans', label: '我的贷款信息', id: 'subnav-my-loans' },
  { path: '/loans/apply', label: '贷款预申请', id: 'subnav-loan-apply' },
  { path: '/loans/calculator', label: '贷款计算器', id: 'subnav-calculator' },
];

const FLOW_CHART = ['咨询', '网厅预申请', '审核审批', '签订合同', '抵押登记', '贷款发放', '贷款归还'];

const LOAN_KEYS = [
  'contract_no', 'application_no', 'status', 'overdue', 'amount', 'term_months', 'method', 'annual_rate', 'monthly_payment',
  'disbursed_on', 'first_due_date', 'outstanding_principal', 'penalty_accrued', 'paid_off_on', 'entrusted_bank_name',
];
const APPLICATION_KEYS = [
  'application_no', 'status', 'name', 'id_number', 'amount', 'term_months', 'method', 'annual_rate', 'monthly_income',
  'entrusted_bank_name', 'repayment_card', 'contract_no', 'submitted_at', 'updated_at',
];

function loanStatus(loan) {
  const text = loan.status_label;
  return loan.overdue ? `${text}（逾期）` : text;
}

/** The applications and loans of the signed-in depositor, used by 信息查询 and 我要贷款. */
export function loansOverview(container, prefix) {
  const applications = h('div', { id: `${prefix}-applications` });
  const loans = h('div', { id: `${prefix}-loans` });
  container.append(
    h('h2', {}, '贷款申请'),
    applications,
    h('h2', {}, '贷款列表'),
    h('p', { class: 'hint' }, '列表显示正在还款中或已经还清的贷款，点击“详情”可查看贷款详情、还款计划和还款记录。'),
    loans,
  );
  loadInto(
    applications,
    () => api.get('/loans/applications', { page: 1, page_size: 50 }),
    (data) =>
      table(
        [
          { label: '申请编号', format: (a) => a.application_no },
          { key: 'submitted_at', label: '提交时间', format: (a) => formatField('submitted_at', a.submitted_at) },
          { key: 'amount', label: '申请金额', numeric: true },
          { key: 'term_months', label: '期限（月）', numeric: true },
          { label: '状态', format: (a) => a.status_label },
          {
            label: '操作',
            cell: (a) => h('a', { href: href(`/loans/applications/${encodeURIComponent(a.id)}`), class: 'btn btn-light btn-small', dataset: { testid: 'application-progress', id: a.id } }, '查看进度'),
          },
        ],
        itemsOf(data),
        { id: `${prefix}-applications-table`, caption: '贷款申请', empty: '暂无贷款申请' },
      ),
  );
  loadInto(
    loans,
    () => api.get('/loans/loans', { page: 1, page_size: 50 }),
    (data) =>
      table(
        [
          { key: 'contract_no', label: '合同编号' },
          { key: 'amount', label: '贷款金额', numeric: true },
          { key: 'term_months', label: '期限（月）', numeric: true },
          { key: 'disbursed_on', label: '放款日期' },
          { label: '剩余本金', numeric: true, format: (l) => money(l.outstanding_principal) },
          { label: '状态', format: loanStatus },
          {
            label: '操作',
            cell: (l) =>
              h(
                'span',
                { class: 'row-actions' },
                h('a', { href: href(`/loans/loan/${encodeURIComponent(l.id)}`), class: 'btn btn-light btn-small', dataset: { testid: 'loan-detail', id: l.id } }, '详情'),
                h('a', { href: href(`/loans/loan/${encodeURIComponent(l.id)}`, { tab: 'repayments' }), class: 'btn btn-light btn-small', dataset: { testid: 'loan-repayments', id: l.id } }, '还款记录'),
                h('a', { href: href(`/loans/loan/${encodeURIComponent(l.id)}`, { tab: 'progress' }), class: 'btn btn-light btn-small', dataset: { testid: 'loan-progress', id: l.id } }, '还款进度'),
              ),
          },
        ],
        itemsOf(data),
        { id: `${prefix}-loans-table`, caption: '贷款列表', empty: '暂无贷款记录' },
      ),
  );
}

function renderMyLoans({ page }) {
  const card = h('section', { class: 'card' });
  page.append(
    pageTitle('我的贷款信息'),
    subnav('我要贷款', LOAN_PAGES, '/loans'),
    h(
      'section',
      { class: 'card flow-card', 'aria-labelledby': 'loan-flow-title' },
      h('h2', { id: 'loan-flow-title' }, '网厅贷款业务流程'),
      h('ol', { class: 'flow-chart', id: 'loan-flow' }, FLOW_CHART.map((step) => h('li', {}, step))),
      h('p', { class: 'hint' }, '在网厅填写并提交贷款预申请，后台审核通过后，请携带相关资料到柜台办理。'),
      h('a', { href: href('/loans/apply'), class: 'btn btn-primary', id: 'loans-apply-link' }, '我要申请贷款'),
    ),
    card,
  );
  loansOverview(card, 'loans');
}

const LOAN_TABS = [
  { tab: 'detail', label: '贷款详情' },
  { tab: 'schedule', label: '还款计划' },
  { tab: 'repayments', label: '还款记录' },
  { tab: 'progress', label: '还款进度' },
  { tab: 'prepayment', label: '提前还款' },
  { tab: 'entrusted', label: '委托提取' },
];

function renderLoan({ page, params, query }) {
  const tab = LOAN_TABS.some((t) => t.tab === query.tab) ? query.tab : 'detail';
  const path = `/loans/loan/${encodeURIComponent(params.id)}`;
  const base = `/loans/loans/${encodeURIComponent(params.id)}`;
  const body = h('section', { class: 'card', id: `loan-tab-${tab}` });
  page.append(
    pageTitle('贷款详情'),
    subnav('我要贷款', LOAN_PAGES, ''),
    h(
      'nav',
      { class: 'tabs', 'aria-label': '贷款信息' },
      LOAN_TABS.map((t) =>
        h('a', { href: href(path, t.tab === 'detail' ? {} : { tab: t.tab }), class: 'tab', id: `loan-tab-link-${t.tab}`, 'aria-current': t.tab === tab ? 'page' : null }, t.label),
      ),
    ),
    body,
    h('p', {}, h('a', { href: href('/loans'), id: 'loan-back' }, '‹ 返回我的贷款信息')),
  );
  if (tab === 'detail') {
    loadInto(body, () => api.get(base), (loan) => keyValues(describe(loan, LOAN_KEYS, { amount: '贷款金额' }), { id: 'loan-fields' }));
  } else if (tab === 'schedule') {
    loadInto(
      body,
      () => api.get(`${base}/schedule`),
      (data) =>
        table(
          [
            { key: 'period', label: '期次', numeric: true },
            { label: '应还日期', format: (r) => formatField('due_date', r.due_date) },
            { key: 'payment', label: '月供', numeric: true },
            { key: 'principal', label: '本金', numeric: true },
            { key: 'interest', label: '利息', numeric: true },
            { key: 'remaining', label: '剩余本金', numeric: true },
            { label: '公积金提取', numeric: true, format: (r) => (r.fund_amount == null ? '—' : money(r.fund_amount)) },
            { label: '银行卡扣款', numeric: true, format: (r) => (r.card_amount == null ? '—' : money(r.card_amount)) },
            { label: '状态', format: (r) => r.status_label },
          ],
          data,
          { id: 'loan-schedule-table', caption: '还款计划' },
        ),
    );
  } else if (tab === 'entrusted') {
    entrustedTab(body, params.id);
  } else if (tab === 'prepayment') {
    prepaymentTab(body, params.id);
  } else if (tab === 'repayments') {
    body.append(h('p', { class: 'hint' }, '选择业务时间后点击“查询”可查询当前时间区间内所有还款记录。'));
    recordList(body, {
      prefix: 'repayments',
      path,
      endpoint: `${base}/repayments`,
      query,
      dateLabel: '业务时间',
      caption: '还款记录',
      detailTitle: '还款记录详情',
      detailFromRow: true,
      detailKeys: ['paid_on', 'posted_on', 'period', 'amount', 'principal', 'interest', 'penalty', 'remaining', 'summary'],
      columns: [
        { label: '还款日期', format: (r) => formatField('paid_on', r.paid_on) },
        { key: 'period', label: '期次', numeric: true },
        { label: '还款金额', numeric: true, format: (r) => money(r.amount) },
        { key: 'principal', label: '本金', numeric: true },
        { key: 'interest', label: '利息', numeric: true },
        { key: 'penalty', label: '罚息', numeric: true },
      ],
    });
  } else {
    loadInto(
      body,
      async () => {
        const loan = await api.get(base);
        const application = loan.application_id ? await api.get(`/loans/applications/${encodeURIComponent(loan.application_id)}`) : null;
        return { loan, application };
      },
      ({ loan, application }) =>
        h(
          'div',
          {},
          h('p', {}, `当前状态：${loanStatus(loan)}`),
          repaymentProgress(loan.progress),
          h('h2', {}, '贷款办理进度'),
          progressTimeline(application?.timeline, { ahead: application?.steps_ahead }),
        ),
    );
  }
}

/** 还款进度: periods and principal repaid so far, and the next installment. */
function repaymentProgress(progress) {
  if (!progress || progress.periods_total === undefined) return null;
  const total = Number(progress.periods_total) || 0;
  const paid = Number(progress.periods_paid) || 0;
  return h(
    'section',
    { class: 'repayment-progress', id: 'loan-repayment-progress', 'aria-labelledby': 'loan-repayment-progress-title' },
    h('h2', { id: 'loan-repayment-progress-title' }, '还款进度'),
    h('progress', { id: 'loan-progress-bar', max: String(total || 1), value: String(paid), 'aria-label': `已还 ${paid} / ${total} 期` }),
    keyValues(
      [
        ['已还期数', `${paid} / ${total} 期`, 'progress-periods'],
        ['已还本金', money(progress.principal_repaid), 'progress-principal-repaid'],
        ['还款进度', progress.percent_repaid !== undefined ? `${progress.percent_repaid}%` : '—', 'progress-percent'],
        ['下次还款日', formatField('due_date', progress.next_due_date), 'progress-next-due'],
        ['下次还款额', money(progress.next_payment), 'progress-next-payment'],
      ],
      { id: 'loan-progress-fields' },
    ),
  );
}

function renderApplication({ page, params }) {
  const body = h('section', { class: 'card', id: 'application-detail' });
  page.append(pageTitle('贷款办理进度'), subnav('我要贷款', LOAN_PAGES, ''), body, h('p', {}, h('a', { href: href('/loans'), id: 'application-back' }, '‹ 返回我的贷款信息')));
  const path = `/loans/applications/${encodeURIComponent(params.id)}`;
  loadInto(
    body,
    () => api.get(path),
    (app) => {
      const parts = [
        keyValues(describe(app, APPLICATION_KEYS, { amount: '申请金额' }), { id: 'application-fields' }),
        app.house ? h('h2', {}, '房屋信息') : null,
        app.house ? keyValues(describe(app.house, ['address', 'area', 'price', 'first_home', 'new_house'], HOUSE_LABELS)) : null,
        h('h2', {}, '办理进度'),
        progressTimeline(app.timeline, { ahead: app.steps_ahead, id: 'application-timeline' }),
      ];
      if (app.status === 'prereviewed') {
        parts.splice(
          1,
          0,
          h(
            'div',
            { class: 'notice', id: 'application-bring-materials' },
            h('p', {}, '预审已通过，请携带以下材料到柜台办理：'),
            app.materials?.length ? h('ul', { id: 'application-materials' }, app.materials.map((m) => h('li', {}, m))) : null,
          ),
        );
      }
      if (app.can_cancel) {
        parts.push(h('div', { class: 'page-actions' }, h('button', { type: 'button', class: 'btn btn-danger', id: 'application-cancel', on: { click: () => confirmCancel(path, params.id) } }, '撤销申请')));
      }
      return parts;
    },
  );
}

const HOUSE_LABELS = { address: '房屋地址', area: '建筑面积（平方米）', price: '房屋总价', first_home: '是否首套住房', new_house: '是否新房' };

function confirmCancel(path, id) {
  confirmAction({
    title: '撤销贷款申请',
    question: '撤销后该申请将不再办理，确定要撤销吗？',
    confirmText: '确认撤销',
    act: () => api.post(`${path}/cancel`, {}),
    done: () => {
      announce('贷款申请已撤销。', 'success', { carry: true });
      navigate(`/loans/applications/${encodeURIComponent(id)}`);
    },
  });
}

export const routes = [
  { path: '/loans', title: '我的贷款信息', render: renderMyLoans },
  { path: '/loans/loan/:id', title: '贷款详情', render: renderLoan },
  { path: '/loans/applications/:id', title: '贷款办理进度', render: renderApplication },
];
