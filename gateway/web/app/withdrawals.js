// 我要提取: reasons with their materials, the online pre-application, my applications and their progress.

import { api, itemsOf, newIdempotencyKey } from './api.js';
import { h, replace } from './dom.js';
import { announce, busy, field, isValidIdNumber, normalizeBankCard, rules, showErrors, validate, values } from './forms.js';
import { formatField, money } from './format.js';
import { confirmAction, describe, keyValues, loadInto, pageTitle, subnav, table } from './layout.js';
import { href, navigate } from './router.js';
import { progressTimeline } from './timeline.js';
import { appointmentList } from './appointments.js';
import { WITHDRAWAL_PAGES, loadReasons, materialsList, reasonName } from './withdrawal-reasons.js';

const MONEY = /^\d{1,9}(\.\d{1,2})?$/;


function flowChart(title, steps, id) {
  return h('div', { class: 'flow-block' }, h('h3', {}, title), h('ol', { class: 'flow-chart', id }, steps.map((s) => h('li', {}, s))));
}

function renderReasons({ page }) {
  const list = h('div', { id: 'reason-list', class: 'reason-list' });
  page.append(
    pageTitle('我要提取'),
    subnav('我要提取', WITHDRAWAL_PAGES, '/withdrawals'),
    h(
      'section',
      { class: 'card flow-card' },
      h('h2', {}, '办理流程'),
      flowChart('网厅提取业务流程', ['咨询', '网厅预申请', '受理', '审核审批', '办结'], 'withdrawal-flow'),
      flowChart('网厅提取预约流程', ['网厅预约（选择提取项、网点和时间）', '按预约时间到柜台受理', '审核审批', '办结'], 'appointment-flow'),
      h('p', { class: 'hint' }, '办结时，职工持本人身份证到住房公积金管理中心业务窗口办理提取，或到经办银行办理取款、网银支付。'),
    ),
    h('section', { class: 'card' }, h('h2', {}, '提取事由及所需材料'), list),
  );
  loadInto(list, loadReasons, (reasons) =>
    reasons.map((reason) =>
      h(
        'article',
        { class: 'reason-card', dataset: { testid: 'reason', code: reason.code } },
        h('h3', {}, `${reason.code} ${reason.name}`),
        reason.description ? h('p', {}, reason.description) : null,
        h('h4', {}, '需携带材料'),
        materialsList(reason.materials, `materials-${reason.code}`),
        reason.rules.length ? [h('h4', {}, '办理条件'), h('ul', { class: 'rules' }, reason.rules.map((r) => h('li', {}, r)))] : null,
        h(
          'div',
          { class: 'row-actions' },
          h('a', { href: href('/withdrawals/apply', { reason: reason.code }), class: 'btn btn-primary btn-small', id: `reason-apply-${reason.code}` }, '在线预申请'),
          h('a', { href: href('/withdrawals/appointment', { reason: reason.code }), class: 'btn btn-secondary btn-small', id: `reason-book-${reason.code}` }, '预约办理'),
        ),
      ),
    ),
  );
}

/** The reason's own fields (rent: monthly_rent, lease_start, lease_end; purchase: contract_no, house_price...). */
function extraField(spec) {
  const id = `wd-field-${spec.name.replace(/_/g, '-')}`;
  const common = { name: spec.name, id, label: spec.label, required: spec.kind !== 'flag' };
  switch (spec.kind) {
    case 'money':
      return field({ ...common, label: `${common.label}（元）`, attrs: { inputmode: 'decimal', maxlength: 12 } });
    case 'date':
      return field({ ...common, type: 'date' });
    case 'flag':
      return field({ ...common, type: 'checkbox' });
    case 'choice':
      return field({ ...common, type: 'select', options: [{ value: '', label: '请选择' }, ...spec.choices.map((c) => ({ value: c, label: c }))] });
    case 'id_number':
      return field({ ...common, attrs: { maxlength: 18, autocomplete: 'off' } });
    default:
      return field({ ...common, attrs: { maxlength: spec.max_length } });
  }
}

function renderApply({ page, query }) {
  let idempotencyKey = newIdempotencyKey();
  let reasons = [];
  let available = null;
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'wd-submit' }, '提交申请');
  const materials = h('div', { id: 'wd-materials-box', class: 'notice', 'aria-live': 'polite' });
  const extra = h('div', { id: 'wd-extra-fields' });
  const reasonField = field({ name: 'reason', id: 'wd-reason', label: '提取原因', type: 'select', required: true, options: [{ value: '', label: '正在加载…' }] });
  const amountField = field({ name: 'amount', id: 'wd-amount', label: '提取金额（元）', required: true, attrs: { inputmode: 'decimal', maxlength: 12 } });
  const balanceNote = h('p', { class: 'hint', id: 'wd-available' });
  const form = h(
    'form',
    { id: 'wd-form', class: 'form', novalidate: true },
    reasonField,
    materials,
    amountField,
    balanceNote,
    field({ name: 'bank_card', id: 'wd-bank-card', label: '收款银行卡号', required: true, hint: '须为本人名下的银行卡', attrs: { inputmode: 'numeric', maxlength: 23, autocomplete: 'off' } }),
    extra,
    h('div', { class: 'form-actions' }, submit, h('a', { href: href('/withdrawals'), class: 'btn btn-light', id: 'wd-cancel-form' }, '返回')),
  );
  const select = form.querySelector('#wd-reason');
  const amountInput = form.querySelector('#wd-amount');

  function chosen() {
    return reasons.find((r) => r.code === select.value);
  }

  function showReason() {
    const reason = chosen();
    replace(extra);
    if (!reason) {
      replace(materials, h('p', {}, '请选择提取原因，系统将提示您需要携带的材料。'));
      return;
    }
    replace(materials, h('p', {}, h('strong', {}, `${reason.name}：请携带以下材料到柜台办理`)), materialsList(reason.materials, 'wd-materials'));
    const specs = reason.fields;
    if (specs.length) extra.append(h('fieldset', {}, h('legend', {}, `${reason.name}信息`), specs.map(extraField)));
    const whole = reason.closes_account;
    amountInput.readOnly = whole;
    if (whole) {
      amountInput.value = available ?? '';
      balanceNote.textContent = '该提取原因将提取账户全部余额并办理销户。';
    } else {
      balanceNote.textContent = available ? `当前可用余额：${money(available)}` : '';
    }
  }

  select.addEventListener('change', showReason);
  form.addEventListener('input', () => {
    idempotencyKey = newIdempotencyKey();
  });
  Promise.all([loadReasons(), api.get('/accounts/me/account').catch(() => ({}))])
    .then(([list, account]) => {
      reasons = list;
      available = account.available ?? null;
      replace(select, h('option', { value: '' }, '请选择提取原因'), list.map((r) => h('option', { value: r.code, selected: r.code === query.reason }, `${r.code} ${r.name}`)));
      showReason();
    })
    .catch((error) => {
      reasonField.querySelector('.field-error').textContent = `提取原因加载失败：${error.detail}`;
    });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const reason = chosen();
    const specs = reason ? reason.fields : [];
    const checks = {
      reason: (v) => (v ? null : '请选择提取原因'),
      amount: (v) => (MONEY.test(v || '') && Number(v) > 0 ? null : '请输入正确的提取金额（元，最多两位小数）'),
      bank_card: rules.bankCard,
    };
    for (const spec of specs) {
      if (spec.kind === 'flag') continue;
      checks[spec.name] =
        spec.kind === 'money'
          ? (v) => (MONEY.test(v || '') ? null : `请输入正确的${spec.label}`)
          : spec.kind === 'id_number'
            ? (v) => (isValidIdNumber(v) ? null : `请输入正确的${spec.label}`)
            : (v) => (v ? null : `请填写${spec.label}`);
    }
    if (!validate(form, checks)) return;
    const v = values(form);
    const body = { ...v, bank_card: normalizeBankCard(v.bank_card) };
    busy(submit, async () => {
      try {
        const created = await api.post('/withdrawals/applications', body, { idempotent: idempotencyKey });
        announce('提取预申请已提交，请等待后台审核。', 'success', { carry: true });
        navigate(`/withdrawals/applications/${encodeURIComponent(created.id)}`);
      } catch (error) {
        showErrors(form, error);
      }
    });
  });

  page.append(
    pageTitle('提取预申请'),
    subnav('我要提取', WITHDRAWAL_PAGES, '/withdrawals/apply'),
    h('section', { class: 'card' }, h('p', { class: 'hint' }, '选择提取项后填写并提交申请，等待后台审核通过后，携带相关资料到柜台办理。'), form),
  );
}

function renderMine({ page }) {
  const applications = h('div', { id: 'wd-applications' });
  const appointments = h('div', { id: 'wd-appointments' });
  page.append(
    pageTitle('我的申请与预约'),
    subnav('我要提取', WITHDRAWAL_PAGES, '/withdrawals/mine'),
    h('section', { class: 'card' }, h('h2', {}, '我的提取申请'), applications),
    h('section', { class: 'card' }, h('h2', {}, '我的预约'), appointments),
  );
  loadInto(
    applications,
    () => Promise.all([api.get('/withdrawals/applications', { page: 1, page_size: 50 }), loadReasons().catch(() => [])]),
    ([data, reasons]) =>
      table(
        [
          { label: '申请编号', format: (a) => a.application_no },
          { label: '提交时间', format: (a) => formatField('created_at', a.created_at) },
          { label: '提取原因', format: (a) => reasonName(a, reasons) },
          { key: 'amount', label: '提取金额', numeric: true },
          { label: '状态', format: (a) => a.status_label },
          {
            label: '操作',
            cell: (a) => h('a', { href: href(`/withdrawals/applications/${encodeURIComponent(a.id)}`), class: 'btn btn-light btn-small', dataset: { testid: 'wd-application-progress', id: a.id } }, '查看进度'),
          },
        ],
        itemsOf(data),
        { id: 'wd-applications-table', caption: '我的提取申请', empty: '暂无提取申请' },
      ),
  );
  appointmentList(appointments);
}

function renderApplication({ page, params }) {
  const body = h('section', { class: 'card', id: 'wd-application-detail' });
  const path = `/withdrawals/applications/${encodeURIComponent(params.id)}`;
  page.append(pageTitle('提取办理进度'), subnav('我要提取', WITHDRAWAL_PAGES, ''), body, h('p', {}, h('a', { href: href('/withdrawals/mine'), id: 'wd-application-back' }, '‹ 返回我的申请与预约')));
  loadInto(
    body,
    () => Promise.all([api.get(path), loadReasons().catch(() => [])]),
    ([app, reasons]) => [
      keyValues(
        describe({ ...app, reason_name: reasonName(app, reasons) }, ['application_no', 'status', 'reason_name', 'amount', 'bank_card', 'created_at'], { reason: '', amount: '提取金额' }),
        { id: 'wd-application-fields' },
      ),
      reasonFieldValues(app, reasons),
      app.materials?.length ? [h('h2', {}, '需携带材料'), materialsList(app.materials, 'wd-application-materials')] : null,
      h('h2', {}, '办理进度'),
      progressTimeline(app.timeline, { ahead: app.steps_ahead, id: 'wd-timeline' }),
      app.can_cancel
        ? h('div', { class: 'page-actions' }, h('button', { type: 'button', class: 'btn btn-danger', id: 'wd-cancel', on: { click: () => confirmCancel(path) } }, '撤销申请'))
        : null,
    ],
  );
}

/** The reason's own fields of an application (月租金, 租赁起始日期...), labelled as the reason names them. */
function reasonFieldValues(app, reasons) {
  const values = Object.entries(app.fields || {}).filter(([, v]) => v !== null && v !== '' && typeof v !== 'object');
  if (!values.length) return null;
  const specs = reasons.find((r) => r.code === app.reason)?.fields ?? [];
  const pairs = values.map(([name, value]) => {
    const spec = specs.find((f) => f.name === name);
    const text = spec?.kind === 'money' ? money(value) : spec?.kind === 'flag' ? (value ? '是' : '否') : formatField(name, value);
    return [spec?.label ?? name, text];
  });
  return [h('h2', {}, '申请信息'), keyValues(pairs, { id: 'wd-application-reason-fields' })];
}

function confirmCancel(path) {
  confirmAction({
    title: '撤销提取申请',
    question: '撤销后该申请将不再办理，确定要撤销吗？',
    confirmText: '确认撤销',
    act: () => api.post(`${path}/cancel`, {}),
    done: () => {
      announce('提取申请已撤销。', 'success', { carry: true });
      navigate(path);
    },
  });
}

export const routes = [
  { path: '/withdrawals', title: '我要提取', render: renderReasons },
  { path: '/withdrawals/apply', title: '提取预申请', render: renderApply },
  { path: '/withdrawals/mine', title: '我的申请与预约', render: renderMine },
  { path: '/withdrawals/applications/:id', title: '提取办理进度', render: renderApplication },
];
