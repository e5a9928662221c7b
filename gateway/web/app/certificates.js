// 证明开具 (个人账户): choose a certificate, issue it, see what it says, download the PDF; the history of issued
// certificates; and the public 证明核验 page (#/verify?code=) where anyone checks one by its code.

import { api, download } from './api.js';
import { h, replace } from './dom.js';
import { announce, busy, field, showErrors } from './forms.js';
import { date, dateTime } from './format.js';
import { keyValues, loadInto, pageTitle, subnav, table } from './layout.js';
import { ACCOUNT_PAGES } from './account.js';

// each kind and the service that issues it; the certificate's own words come from the API
const KINDS = [
  { value: 'deposit', label: '住房公积金缴存证明', service: 'accounts' },
  { value: 'statement', label: '住房公积金个人账户对账单', service: 'accounts' },
  { value: 'loan_status', label: '住房公积金贷款情况证明', service: 'loans' },
  { value: 'payoff', label: '住房公积金贷款结清证明', service: 'loans' },
];
const serviceOf = (kind) => KINDS.find((k) => k.value === kind)?.service || 'accounts';

function saveFile(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = h('a', { href: url, download: name, class: 'visually-hidden' }, name);
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 10000);
}

async function downloadPdf(certificate, button) {
  await busy(button, async () => {
    try {
      const service = serviceOf(certificate.kind);
      const blob = await download(`/${service}/me/certificates/${encodeURIComponent(certificate.id)}/pdf`);
      saveFile(blob, `${certificate.title}-${certificate.verification_code}.pdf`);
      announce('证明已下载。', 'success');
    } catch (error) {
      announce(error.detail, 'error');
    }
  });
}

/** What a verification answers: status, kind, facts (masked), dates — the same on both pages. */
function verifiedView(answer, prefix) {
  return h(
    'div',
    { id: `${prefix}-verified` },
    h(
      'p',
      { id: `${prefix}-status`, class: answer.valid ? 'notice notice-success' : 'notice notice-error', role: 'status' },
      `${answer.title}：${answer.status_label}`,
    ),
    keyValues([
      ['证明名称', answer.title],
      ['开具机构', answer.center_name],
      ['验证码', answer.verification_code],
      ...answer.facts.map((line) => [line.label, line.value]),
      ['开具时间', dateTime(answer.issued_at)],
      ['有效期至', dateTime(answer.expires_at)],
    ], { id: `${prefix}-facts` }),
    answer.table_rows?.length
      ? table(
          answer.table_columns.map((name, index) => ({ key: String(index), label: name, cell: (row) => row[index] })),
          answer.table_rows,
          { id: `${prefix}-table`, caption: '对账明细' },
        )
      : null,
  );
}

async function verify(code) {
  const path = `/certificates/${encodeURIComponent(code.trim())}`;
  try {
    return await api.get(`/accounts${path}`, undefined, { auth: false });
  } catch (error) {
    if (error.status !== 404) throw error;
    return api.get(`/loans${path}`, undefined, { auth: false });
  }
}

function renderIssue({ page }) {
  const result = h('div', { id: 'cert-result', 'aria-live': 'polite' });
  const history = h('div', { id: 'cert-history' });
  const kind = field({
    name: 'kind',
    id: 'cert-kind',
    label: '证明种类',
    type: 'select',
    required: true,
    options: KINDS.map((k) => ({ value: k.value, label: k.label })),
    value: 'deposit',
  });
  const balance = field({ name: 'include_balance', id: 'cert-include-balance', label: '在证明上显示账户余额', type: 'checkbox' });
  const from = field({ name: 'from', id: 'cert-from', label: '对账起始日期', type: 'date', hint: '不填为近一年' });
  const to = field({ name: 'to', id: 'cert-to', label: '对账截止日期', type: 'date', hint: '不填为今天' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'cert-submit' }, '开具证明');
  const form = h('form', { id: 'cert-form', class: 'form form-narrow', novalidate: true }, kind, balance, from, to, h('div', { class: 'form-actions' }, submit));
  const select = form.querySelector('#cert-kind');
  const showFields = () => {
    balance.hidden = select.value !== 'deposit';
    from.hidden = select.value !== 'statement';
    to.hidden = select.value !== 'statement';
  };
  select.addEventListener('change', showFields);
  showFields();

  function loadHistory() {
    const list = (service) => api.get(`/${service}/me/certificates`).catch(() => []);
    return loadInto(
      history,
      () => Promise.all([list('accounts'), list('loans')]).then(([a, l]) => [...a, ...l].sort((x, y) => String(y.issued_at).localeCompare(String(x.issued_at)))),
      (rows) =>
        table(
          [
            { key: 'title', label: '证明名称', cell: (row) => row.title },
            { key: 'verification_code', label: '验证码', cell: (row) => h('span', { dataset: { testid: 'cert-code' } }, row.verification_code) },
            { key: 'issued_at', label: '开具时间', cell: (row) => dateTime(row.issued_at) },
            { key: 'expires_at', label: '有效期至', cell: (row) => date(row.expires_at) },
            {
              key: 'actions',
              label: '操作',
              cell: (row) => {
                const button = h('button', { type: 'button', class: 'btn btn-light btn-small', dataset: { testid: 'cert-history-download', id: row.id } }, '下载PDF');
                button.addEventListener('click', () => downloadPdf(row, button));
                return button;
              },
            },
          ],
          rows,
          { id: 'cert-history-table', caption: '已开具的证明', empty: '尚未开具证明' },
        ),
    );
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const chosen = select.value;
    const body = { kind: chosen };
    if (chosen === 'deposit') body.include_balance = form.querySelector('#cert-include-balance').checked;
    if (chosen === 'statement') {
      const start = form.querySelector('#cert-from').value;
      const end = form.querySelector('#cert-to').value;
      if (start) body.from = start;
      if (end) body.to = end;
    }
    busy(submit, async () => {
      try {
        const issued = await api.post(`/${serviceOf(chosen)}/me/certificates`, body, { idempotent: true });
        const preview = await verify(issued.verification_code);
        const button = h('button', { type: 'button', class: 'btn btn-primary', id: 'cert-download' }, '下载PDF');
        button.addEventListener('click', () => downloadPdf(issued, button));
        replace(
          result,
          h(
            'section',
            { class: 'card', 'aria-labelledby': 'cert-result-title' },
            h('h2', { id: 'cert-result-title' }, `${issued.title}（预览）`),
            h('p', { class: 'hint' }, '证明已开具。下载的 PDF 带有二维码和验证码，收到证明的单位可在“证明核验”页核验。'),
            h('p', {}, '验证码：', h('strong', { id: 'cert-code' }, issued.verification_code)),
            verifiedView(preview, 'cert-preview'),
            h('div', { class: 'page-actions page-actions-left' }, button),
          ),
        );
        announce(`${issued.title}已开具。`, 'success');
        loadHistory();
      } catch (error) {
        showErrors(form, error);
      }
    });
  });

  page.append(
    pageTitle('证明开具'),
    subnav('个人账户', ACCOUNT_PAGES, '/account/certificates'),
    h('section', { class: 'card' }, h('p', { class: 'hint' }, '选择要开具的电子证明，开具后可预览并下载 PDF。'), form),
    result,
    h('section', { class: 'card', 'aria-labelledby': 'cert-history-title' }, h('h2', { id: 'cert-history-title' }, '已开具的证明'), history),
  );
  loadHistory();
}

function renderVerify({ page, query }) {
  const result = h('div', { id: 'verify-result', 'aria-live': 'polite' });
  const code = field({ name: 'code', id: 'verify-code', label: '验证码', required: true, value: query.code || '', hint: '证明上的16位验证码，例如 ABCD-EFGH-JKLM-NPQR', attrs: { maxlength: 24, autocomplete: 'off' } });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'verify-submit' }, '核验');
  const form = h('form', { id: 'verify-form', class: 'form form-narrow', novalidate: true }, code, h('div', { class: 'form-actions' }, submit));
  const check = () =>
    busy(submit, async () => {
      const text = form.querySelector('#verify-code').value;
      try {
        replace(result, verifiedView(await verify(text), 'verify'));
      } catch (error) {
        replace(result, h('div', { class: 'error-box', role: 'alert', id: 'verify-error' }, error.detail));
      }
    });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    check();
  });
  page.append(
    pageTitle('证明核验'),
    h('section', { class: 'card' }, h('p', { class: 'hint' }, '输入电子证明上的验证码，或用手机扫描证明上的二维码，核验证明的真伪与有效期。'), form, result),
  );
  if (query.code) check();
}

export const routes = [
  { path: '/account/certificates', title: '证明开具', render: renderIssue },
  { path: '/verify', title: '证明核验', render: renderVerify, public: true },
];
