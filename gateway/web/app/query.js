// 信息查询 (manual §7): personal info, deposit records, withdrawal records, statement, and loan info.

import { h } from './dom.js';
import { formatField } from './format.js';
import { pageTitle, subnav } from './layout.js';
import { personalInfoSections } from './account.js';
import { recordList } from './records.js';
import { loansOverview } from './loans.js';

const QUERY_PAGES = [
  { path: '/query/personal', label: '个人信息', id: 'subnav-personal' },
  { path: '/query/deposits', label: '缴存记录', id: 'subnav-deposits' },
  { path: '/query/withdrawals', label: '提取记录', id: 'subnav-withdrawals' },
  { path: '/query/statement', label: '对账单', id: 'subnav-statement' },
  { path: '/query/loans', label: '贷款信息', id: 'subnav-loans' },
];

function frame(page, title, path) {
  page.append(pageTitle(title), subnav('信息查询', QUERY_PAGES, path));
  const card = h('section', { class: 'card' });
  page.append(card);
  return card;
}

function renderPersonal({ page }) {
  page.append(pageTitle('个人信息'), subnav('信息查询', QUERY_PAGES, '/query/personal'), personalInfoSections('query'));
}

function renderDeposits({ page, query }) {
  const card = frame(page, '缴存记录', '/query/deposits');
  card.append(h('p', { class: 'hint' }, '选择日期区间后点击“查询”可查看该区间内的缴存记录，点击“查看详情”可查看缴存记录的详细信息。'));
  recordList(card, {
    prefix: 'deposits',
    path: '/query/deposits',
    endpoint: '/accounts/me/deposits',
    query,
    caption: '缴存记录',
    detailTitle: '缴存记录详情',
    detailKeys: ['month', 'posted_on', 'kind', 'amount', 'unit_amount', 'personal_amount', 'balance', 'summary', 'business_no'],
    columns: [
      { key: 'month', label: '缴存年月' },
      { key: 'posted_on', label: '记账日期' },
      { key: 'kind', label: '业务类型' },
      { key: 'unit_amount', label: '单位缴存额', numeric: true },
      { key: 'personal_amount', label: '个人缴存额', numeric: true },
      { key: 'amount', label: '缴存金额', numeric: true },
    ],
  });
}

function renderWithdrawals({ page, query }) {
  const card = frame(page, '提取记录', '/query/withdrawals');
  card.append(h('p', { class: 'hint' }, '选择提取日期后点击“查询”可查询当前时间区间内所有提取记录，点击“查看详情”可查看详细信息。'));
  recordList(card, {
    prefix: 'withdrawals',
    path: '/query/withdrawals',
    endpoint: '/accounts/me/withdrawals',
    query,
    dateLabel: '提取日期',
    caption: '提取记录',
    detailTitle: '提取记录详情',
    detailKeys: ['posted_on', 'reason_name', 'reason', 'summary', 'amount', 'balance', 'bank_card', 'business_no'],
    columns: [
      { key: 'posted_on', label: '提取日期' },
      { label: '摘要', format: (row) => row.reason_name || row.summary || row.reason || '—' },
      { key: 'amount', label: '提取金额', numeric: true },
      { key: 'balance', label: '提取后余额', numeric: true },
    ],
  });
}

function renderStatement({ page, query }) {
  const card = frame(page, '对账单', '/query/statement');
  card.append(h('p', { class: 'hint' }, '对账单列出账户的汇缴、补缴、提取、结息等全部记账记录，余额为该笔记账后的账户余额。'));
  recordList(card, {
    prefix: 'statement',
    path: '/query/statement',
    endpoint: '/accounts/me/statement',
    query,
    caption: '对账单',
    detailTitle: '对账单详情',
    detailKeys: ['posted_on', 'kind', 'summary', 'amount', 'balance', 'month', 'unit_amount', 'personal_amount', 'business_no'],
    columns: [
      { key: 'posted_on', label: '记账日期' },
      { label: '业务类型', format: (row) => row.kind_label },
      { key: 'summary', label: '摘要' },
      { label: '发生额', numeric: true, format: (row) => formatField('amount', row.amount) },
      { key: 'balance', label: '余额', numeric: true },
    ],
  });
}

function renderLoans({ page }) {
  const card = frame(page, '贷款信息', '/query/loans');
  loansOverview(card, 'query');
}

export const routes = [
  { path: '/query/personal', title: '个人信息', render: renderPersonal },
  { path: '/query/deposits', title: '缴存记录', render: renderDeposits },
  { path: '/query/withdrawals', title: '提取记录', render: renderWithdrawals },
  { path: '/query/statement', title: '对账单', render: renderStatement },
  { path: '/query/loans', title: '贷款信息', render: renderLoans },
];
