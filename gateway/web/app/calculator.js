// 贷款计算器 (manual §8.3): amount, term, method and rate → result, 显示详情 schedule and a chart.

import { api, session } from './api.js';
import { h, replace } from './dom.js';
import { busy, field, showErrors, validate, values } from './forms.js';
import { METHOD, date, groupDigits, label, money, percent } from './format.js';
import { keyValues, pageTitle, subnav, table } from './layout.js';
import { paymentChart } from './chart.js';
import { LOAN_PAGES } from './loans.js';

const AMOUNT = /^\d{1,7}(\.\d{1,2})?$/;
const RATE_PERCENT = /^\d{1,2}(\.\d{1,4})?$/;

/** The published rate table as rows {label, rate, firstHome, min, max}; rates are percent strings ("2.60"). */
function rateRows(data) {
  const list = Array.isArray(data) ? data : data?.rates ?? data?.items ?? [];
  return list.map((r) => ({
    label: r.label || [r.first_home === false ? '第二套住房' : '首套住房', termText(r)].filter(Boolean).join('，'),
    rate: String(r.annual_rate ?? r.rate ?? ''),
    firstHome: r.first_home !== false,
    min: Number(r.min_term_months ?? 0),
    max: r.max_term_months === null || r.max_term_months === undefined ? Infinity : Number(r.max_term_months),
  }));
}

function termText(r) {
  if (r.max_term_months) return `${r.max_term_months / 12}年（含）以下`;
  if (r.min_term_months) return `${Math.floor(r.min_term_months / 12)}年以上`;
  return '';
}

/** The default (first home) rate for a term, as a percent string for the input, or '' when unknown. */
function defaultRatePercent(rows, term) {
  const row = rows.find((r) => r.firstHome && term >= r.min && term <= r.max);
  return row?.rate || '';
}

function renderCalculator({ page }) {
  let rates = [];
  let rateEdited = false;
  const rateTable = h('div', { id: 'calc-rates' });
  const result = h('section', { class: 'card', id: 'calc-result', 'aria-live': 'polite', hidden: true });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'calc-submit' }, '计算');
  const methodGroup = h(
    'fieldset',
    { class: 'field radio-group', dataset: { field: 'method' } },
    h('legend', {}, '还款方式'),
    [
      ['equal_installment', '等额本息', 'calc-method-equal-installment'],
      ['equal_principal', '等额本金', 'calc-method-equal-principal'],
    ].map(([value, text, id]) =>
      h('span', { class: 'radio' }, h('input', { type: 'radio', name: 'method', value, id, checked: value === 'equal_installment' }), h('label', { for: id }, text)),
    ),
    h('p', { class: 'field-error', dataset: { errorFor: 'method' } }),
  );
  const form = h(
    'form',
    { id: 'calc-form', class: 'form form-inline-grid', novalidate: true },
    field({ name: 'amount', id: 'calc-amount', label: '贷款金额（元）', required: true, hint: '1,000-1,200,000元', attrs: { inputmode: 'decimal', maxlength: 10 } }),
    field({ name: 'term_months', id: 'calc-term', label: '贷款期限（月）', type: 'number', required: true, hint: '12-360个月，如30年填360', attrs: { min: 12, max: 360, step: 1 } }),
    methodGroup,
    field({ name: 'annual_rate', id: 'calc-rate', label: '年利率（%）', hint: '默认为当前公积金贷款年利率（首套住房，按期限）', attrs: { inputmode: 'decimal', maxlength: 8 } }),
    h('div', { class: 'form-actions' }, submit, h('button', { type: 'reset', class: 'btn btn-light', id: 'calc-reset' }, '重置')),
  );
  const rateInput = form.querySelector('#calc-rate');
  const termInput = form.querySelector('#calc-term');
  rateInput.addEventListener('input', () => {
    rateEdited = rateInput.value.trim() !== '';
  });
  // the default rate follows the term, unless the user typed a rate of their own
  const prefillRate = () => {
    const term = Number(termInput.value);
    if (!rateEdited && term >= 12) rateInput.value = defaultRatePercent(rates, term);
  };
  termInput.addEventListener('input', prefillRate);
  form.addEventListener('reset', () => {
    rateEdited = false;
    result.hidden = true;
  });

  api
    .get('/loans/rates', null, { auth: session.isLoggedIn() })
    .then((data) => {
      rates = rateRows(data);
      prefillRate(); // the term may have been typed before the rates arrived
      const since = data?.effective_from ? `（自${date(data.effective_from)}起执行）` : '';
      replace(
        rateTable,
        h('h2', {}, `当前公积金贷款年利率${since}`),
        table(
          [
            { key: 'label', label: '类别', format: (r) => r.label },
            { key: 'rate', label: '年利率', numeric: true, format: (r) => percent(r.rate) },
          ],
          rates,
          { id: 'calc-rates-table', caption: '当前公积金贷款年利率' },
        ),
      );
    })
    .catch((error) => replace(rateTable, h('p', { class: 'hint' }, `利率表暂不可用：${error.detail}`)));

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const ok = validate(form, {
      amount: (v) => (AMOUNT.test(v || '') && Number(v) >= 1000 && Number(v) <= 1200000 ? null : '贷款金额须为1,000-1,200,000元，最多两位小数'),
      term_months: (v) => (/^\d+$/.test(v || '') && Number(v) >= 12 && Number(v) <= 360 ? null : '贷款期限为12-360个月'),
      annual_rate: (v) => (!v || (RATE_PERCENT.test(v) && Number(v) > 0) ? null : '请输入正确的年利率，如 2.6'),
    });
    if (!ok) {
      result.hidden = true; // the last result is not this form's answer any more
      return;
    }
    const v = values(form);
    const body = { amount: v.amount, term_months: Number(v.term_months), method: v.method };
    // Rates travel as percent strings ("2.60" is 2.60 %), as people type them.
    if (v.annual_rate) body.annual_rate = v.annual_rate;
    busy(submit, async () => {
      try {
        showResult(result, await api.post('/loans/calculator', body, { auth: session.isLoggedIn() }), body);
      } catch (error) {
        result.hidden = true;
        showErrors(form, error);
      }
    });
  });

  // Element.append writes a null as the text "null": the sub-navigation is left out, not passed as null
  page.append(
    pageTitle('贷款计算器'),
    ...(session.isLoggedIn() ? [subnav('我要贷款', LOAN_PAGES, '/loans/calculator')] : []),
    h('section', { class: 'card' }, h('p', { class: 'hint' }, '填写贷款金额、期限及还款方式后点击“计算”显示计算结果，点击“显示详情”显示每期还款明细。提供等额本息和等额本金两种计算方式。'), form),
    result,
    h('section', { class: 'card' }, rateTable),
  );
}

function showResult(container, data, body) {
  const schedule = data.schedule || [];
  const details = h('div', { id: 'calc-details', hidden: true });
  const toggle = h('button', { type: 'button', class: 'btn btn-secondary', id: 'calc-show-details', 'aria-expanded': 'false', 'aria-controls': 'calc-details' }, '显示详情');
  toggle.addEventListener('click', () => {
    const open = details.hidden;
    if (open && !details.firstChild) details.append(...scheduleByYear(schedule));
    details.hidden = !open;
    toggle.setAttribute('aria-expanded', String(open));
    toggle.textContent = open ? '隐藏详情' : '显示详情';
  });
  const last = schedule[schedule.length - 1];
  replace(
    container,
    h('h2', { id: 'calc-result-title' }, '计算结果'),
    keyValues(
      [
        ['贷款金额', money(data.amount ?? body.amount), 'calc-amount-value'],
        ['贷款期限', `${data.term_months ?? body.term_months}个月`, 'calc-term-value'],
        ['还款方式', data.method_label || label(METHOD, data.method ?? body.method), 'calc-method-value'],
        ['年利率', percent(data.annual_rate), 'calc-rate-value'],
        [body.method === 'equal_principal' ? '首月月供' : '每月月供', money(data.first_payment), 'calc-first-payment'],
        last && body.method === 'equal_installment' && last.payment !== data.first_payment ? ['末期月供', money(last.payment), 'calc-last-payment'] : null,
        last && body.method === 'equal_principal' ? ['末期月供', money(last.payment), 'calc-last-payment'] : null,
        ['利息总额', money(data.total_interest), 'calc-total-interest'],
        ['还款总额', money(data.total_payment), 'calc-total-payment'],
      ].filter(Boolean),
      { id: 'calc-summary' },
    ),
    h('figure', { class: 'chart-figure' }, paymentChart(schedule), h('figcaption', {}, '每期还款中本金（深色）与利息（浅色）的构成')),
    h('div', { class: 'page-actions' }, toggle),
    details,
  );
  container.hidden = false;
  container.querySelector('h2').setAttribute('tabindex', '-1');
  container.querySelector('h2').focus();
}

const fen = (value) => Math.round(Number(value) * 100);
const yuanOf = (cents) => groupDigits((cents / 100).toFixed(2));

/**
 * 还款明细 grouped by loan year: a table of each year's totals (360 periods are 30 rows, not 360), and one
 * year's months at a time, chosen beside it. Sums are counted in fen, so they add up to the fen.
 */
function scheduleByYear(schedule) {
  const years = [];
  schedule.forEach((row, index) => {
    const year = Math.floor(index / 12);
    years[year] ??= { year: year + 1, rows: [], payment: 0, principal: 0, interest: 0 };
    const y = years[year];
    y.rows.push(row);
    y.payment += fen(row.payment);
    y.principal += fen(row.principal);
    y.interest += fen(row.interest);
    y.remaining = row.remaining;
  });
  const months = h('div', { id: 'calc-year-months' });
  const picker = h(
    'select',
    { id: 'calc-year', 'aria-label': '查看某一年的每期明细' },
    years.map((y) => h('option', { value: String(y.year - 1) }, `第${y.year}年（第${y.rows[0].period}-${y.rows[y.rows.length - 1].period}期）`)),
  );
  const showYear = () => {
    const y = years[Number(picker.value)];
    replace(
      months,
      table(
        [
          { key: 'period', label: '期次', numeric: true },
          { key: 'payment', label: '月供（元）', numeric: true, format: (r) => groupDigits(r.payment) },
          { key: 'principal', label: '本金（元）', numeric: true, format: (r) => groupDigits(r.principal) },
          { key: 'interest', label: '利息（元）', numeric: true, format: (r) => groupDigits(r.interest) },
          { key: 'remaining', label: '剩余本金（元）', numeric: true, format: (r) => groupDigits(r.remaining) },
        ],
        y.rows,
        { id: 'calc-schedule-table', caption: `第${y.year}年还款明细` },
      ),
    );
  };
  picker.addEventListener('change', showYear);
  showYear();
  return [
    table(
      [
        { label: '年度', format: (y) => `第${y.year}年` },
        { label: '期次', format: (y) => `${y.rows[0].period}-${y.rows[y.rows.length - 1].period}` },
        { label: '还款额合计（元）', numeric: true, format: (y) => yuanOf(y.payment) },
        { label: '本金合计（元）', numeric: true, format: (y) => yuanOf(y.principal) },
        { label: '利息合计（元）', numeric: true, format: (y) => yuanOf(y.interest) },
        { label: '年末剩余本金（元）', numeric: true, format: (y) => groupDigits(y.remaining) },
      ],
      years,
      { id: 'calc-years-table', caption: '按年汇总的还款明细' },
    ),
    h('div', { class: 'field' }, h('label', { for: 'calc-year' }, '查看每期明细'), picker),
    months,
  ];
}

export const routes = [{ path: '/loans/calculator', title: '贷款计算器', public: true, render: renderCalculator }];
