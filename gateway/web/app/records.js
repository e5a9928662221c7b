// A dated, paged record list with 查询 by date range and 查看详情 of a row (deposits, withdrawals, statement, repayments).

import { api, itemsOf } from './api.js';
import { h, loading, replace } from './dom.js';
import { field, showErrors, values } from './forms.js';
import { describe, keyValues, lastPage, openDialog, pagination, table } from './layout.js';
import { navigate } from './router.js';

export const PAGE_SIZE = 10;

/**
 * Renders into `container`: the 起始日期/截止日期 filter, the table of `endpoint` for the range and page
 * held in the hash query, and pagination. Filters live in the URL so back/forward keep them.
 * options: {prefix, path, endpoint, columns, detailKeys, detailTitle, dateLabel, query,
 *   detailFromRow (no `/<id>` endpoint: the dialog shows the row itself)}
 */
export function recordList(container, options) {
  const { prefix, path, endpoint, columns, query, dateLabel = '记账日期' } = options;
  const search = h('button', { type: 'submit', class: 'btn btn-primary', id: `${prefix}-search` }, '查询');
  const form = h(
    'form',
    { id: `${prefix}-filter`, class: 'filter-form', role: 'search', 'aria-label': `按${dateLabel}查询`, novalidate: true },
    field({ name: 'from', id: `${prefix}-from`, label: `${dateLabel}起`, type: 'date', value: query.from || '' }),
    field({ name: 'to', id: `${prefix}-to`, label: `${dateLabel}止`, type: 'date', value: query.to || '' }),
    h('div', { class: 'filter-actions' }, search, h('button', { type: 'button', class: 'btn btn-light', id: `${prefix}-reset`, on: { click: () => navigate(path, {}) } }, '重置')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const v = values(form);
    if (v.from && v.to && v.from > v.to) {
      showErrors(form, { detail: '起始日期不能晚于截止日期。', errors: { to: ['截止日期不能早于起始日期'] } });
      return;
    }
    navigate(path, { ...extraQuery(query), from: v.from, to: v.to, page: 1 });
  });
  const results = h('div', { class: 'results', id: `${prefix}-results`, 'aria-live': 'polite' });
  container.append(form, results);
  loadPage(results, options, Number(query.page) || 1);
}

function extraQuery(query) {
  const { from, to, page, ...rest } = query;
  return rest;
}

async function loadPage(results, options, page) {
  const { prefix, path, endpoint, columns, query, caption } = options;
  replace(results, loading('正在查询…'));
  try {
    const data = await api.get(endpoint, { from: query.from, to: query.to, page, page_size: PAGE_SIZE });
    const last = lastPage(data.total, data.page_size ?? PAGE_SIZE);
    if (page > last && data.total > 0) return loadPage(results, options, last); // ?page=999: the last page
    const rows = itemsOf(data);
    const withDetail = [
      ...columns,
      {
        label: '操作',
        cell: (row) =>
          h('button', { type: 'button', class: 'btn btn-light btn-small', dataset: { testid: `${prefix}-detail`, id: row.id }, on: { click: () => showDetail(options, row) } }, '查看详情'),
      },
    ];
    const summary = query.from || query.to ? `${query.from || '最早'} 至 ${query.to || '今天'}` : '全部记录';
    replace(
      results,
      h('p', { class: 'result-summary', id: `${prefix}-summary` }, `${summary}，共 ${data.total ?? rows.length} 条`),
      table(withDetail, rows, { id: `${prefix}-table`, caption, empty: '所选时间区间内暂无记录' }),
      pagination(
        { total: data.total ?? rows.length, page: data.page ?? page, page_size: data.page_size ?? PAGE_SIZE },
        (p) => navigate(path, { ...query, page: p }),
        `${prefix}-pager`,
      ),
    );
  } catch (error) {
    replace(results, h('div', { class: 'error-box', role: 'alert', id: `${prefix}-error` }, error.detail));
  }
}

/** 查看详情: fetches `<endpoint>/<id>` and shows every labelled field in a dialog. */
async function showDetail(options, row) {
  const { endpoint, detailKeys = [], detailTitle = '详细信息', detailFromRow = false } = options;
  const { body } = openDialog({ title: detailTitle, id: 'detail-dialog', content: loading('正在加载…') });
  try {
    const record = !detailFromRow && row.id !== undefined ? await api.get(`${endpoint}/${encodeURIComponent(row.id)}`) : row;
    replace(body, keyValues(describe(record, detailKeys), { id: 'detail-fields' }));
  } catch (error) {
    replace(body, h('div', { class: 'error-box', role: 'alert' }, error.detail), keyValues(describe(row, detailKeys)));
  }
}
