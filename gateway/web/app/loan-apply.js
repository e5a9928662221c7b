// 贷款预申请: the application form, the eligibility check listing every failed rule, and submission.

import { api, itemsOf, newIdempotencyKey } from './api.js';
import { h, replace } from './dom.js';
import { announce, busy, field, isValidIdNumber, normalizeBankCard, rules, showErrors, validate, values } from './forms.js';
import { money } from './format.js';
import { pageTitle, subnav } from './layout.js';
import { navigate } from './router.js';
import { LOAN_PAGES } from './loans.js';

const AMOUNT = /^\d{1,9}(\.\d{1,2})?$/;

/** The failed rules of an eligibility answer, whatever list name the service uses, as Chinese lines. */
function failedRules(result) {
  if (!result || typeof result !== 'object') return [];
  const text = (r) => (typeof r === 'string' ? r : r.detail || r.message || r.reason || r.description || r.name || r.rule || r.code);
  const failed = (list) => list.filter((r) => typeof r === 'string' || (r.passed ?? r.ok ?? r.satisfied) !== true).map(text);
  if (Array.isArray(result)) return failed(result);
  for (const key of ['failures', 'failed', 'failed_rules', 'violations', 'reasons']) {
    if (Array.isArray(result[key])) return result[key].map(text);
  }
  if (Array.isArray(result.rules)) return failed(result.rules);
  if (Array.isArray(result.results)) return failed(result.results);
  return [];
}

function eligibilityView(result) {
  const failures = failedRules(result);
  const eligible = result.eligible ?? result.ok ?? failures.length === 0;
  const max = result.max_amount ?? result.maximum_amount;
  if (eligible && !failures.length) {
    return h(
      'div',
      { class: 'notice notice-success', id: 'loan-eligible' },
      h('p', {}, '经检查，您符合公积金贷款申请条件，可以提交预申请。'),
      max ? h('p', { id: 'loan-max-amount' }, `可贷额度上限：${money(max)}`) : null,
    );
  }
  return h(
    'div',
    { class: 'notice notice-error', id: 'loan-not-eligible' },
    h('p', {}, `经检查，有 ${failures.length} 项条件不满足：`),
    h('ul', { id: 'loan-failures' }, failures.map((f) => h('li', { dataset: { testid: 'eligibility-failure' } }, f))),
    max ? h('p', { id: 'loan-max-amount' }, `可贷额度上限：${money(max)}`) : null,
  );
}

function bankField() {
  const wrapper = field({ name: 'entrusted_bank', id: 'loan-bank', label: '委托银行', type: 'select', required: true, options: [{ value: '', label: '请选择委托银行' }] });
  const select = wrapper.querySelector('select');
  api
    .get('/loans/banks')
    .then((data) => {
      replace(select, h('option', { value: '' }, '请选择委托银行'), itemsOf(data).map((b) => h('option', { value: b.code }, b.name)));
    })
    .catch((error) => {
      wrapper.querySelector('.field-error').textContent = `银行列表加载失败：${error.detail}`;
    });
  return wrapper;
}

function requestBody(form) {
  const v = values(form);
  const body = {
    amount: v.amount,
    term_months: Number(v.term_months),
    method: v.method,
    repayment_card: normalizeBankCard(v.repayment_card),
    entrusted_bank: v.entrusted_bank,
    house: {
      address: v['house.address'],
      area: v['house.area'],
      price: v['house.price'],
      first_home: v['house.first_home'],
      new_house: v['house.new_house'],
    },
  };
  if (v.monthly_income) body.monthly_income = v.monthly_income;
  if (v.has_co_borrower) body.co_borrower = { name: v['co_borrower.name'], id_number: v['co_borrower.id_number'].toUpperCase() };
  return body;
}

const CHECKS = {
  amount: (value) => (AMOUNT.test(value || '') && Number(value) > 0 ? null : '请输入正确的贷款金额（元，最多两位小数）'),
  term_months: (value) => (/^\d+$/.test(value || '') && Number(value) >= 12 && Number(value) <= 360 ? null : '贷款期限为12-360个月'),
  method: rules.required('请选择还款方式'),
  monthly_income: (value) => (!value || AMOUNT.test(value) ? null : '请输入正确的月收入（元）'),
  repayment_card: rules.bankCard,
  entrusted_bank: rules.required('请选择委托银行'),
  'house.address': rules.required('请输入房屋地址'),
  'house.area': (value) => (/^\d{1,5}(\.\d{1,2})?$/.test(value || '') && Number(value) > 0 ? null : '请输入正确的建筑面积（平方米）'),
  'house.price': (value) => (AMOUNT.test(value || '') && Number(value) > 0 ? null : '请输入正确的房屋总价（元）'),
  'co_borrower.name': (value, all) => (!all.has_co_borrower || value ? null : '请输入共同借款人姓名'),
  'co_borrower.id_number': (value, all) => (!all.has_co_borrower || isValidIdNumber(value) ? null : '请输入共同借款人正确的身份证号'),
};

function renderApply({ page }) {
  let idempotencyKey = newIdempotencyKey();
  const result = h('div', { id: 'loan-eligibility', 'aria-live': 'polite' });
  const check = h('button', { type: 'button', class: 'btn btn-secondary', id: 'loan-check' }, '资格检查');
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'loan-submit' }, '提交申请');
  const coBorrower = h(
    'div',
    { class: 'sub-fields', id: 'loan-co-borrower-fields', hidden: true },
    field({ name: 'co_borrower.name', id: 'loan-co-name', label: '共同借款人姓名', required: true, attrs: { maxlength: 30 } }),
    field({ name: 'co_borrower.id_number', id: 'loan-co-id-number', label: '共同借款人身份证号', required: true, attrs: { maxlength: 18, autocomplete: 'off' } }),
  );
  const form = h(
    'form',
    { id: 'loan-form', class: 'form', novalidate: true },
    h(
      'fieldset',
      {},
      h('legend', {}, '贷款信息'),
      field({ name: 'amount', id: 'loan-amount', label: '贷款金额（元）', required: true, attrs: { inputmode: 'decimal', maxlength: 12 } }),
      field({ name: 'term_months', id: 'loan-term', label: '贷款期限（月）', type: 'number', required: true, hint: '12-360个月，且不超过法定退休年龄后5年', attrs: { min: 12, max: 360, step: 1 } }),
      field({ name: 'method', id: 'loan-method', label: '还款方式', type: 'select', required: true, value: 'equal_installment', options: [{ value: 'equal_installment', label: '等额本息' }, { value: 'equal_principal', label: '等额本金' }] }),
      field({ name: 'monthly_income', id: 'loan-income', label: '月收入（元）', hint: '选填，未填写时以缴存基数作为月收入', attrs: { inputmode: 'decimal', maxlength: 12 } }),
      field({ name: 'repayment_card', id: 'loan-card', label: '还款银行卡号', required: true, hint: '须为本人名下银行卡', attrs: { inputmode: 'numeric', maxlength: 23, autocomplete: 'off' } }),
      bankField(),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, '房屋信息'),
      field({ name: 'house.address', id: 'loan-house-address', label: '房屋地址', required: true, attrs: { maxlength: 200 } }),
      field({ name: 'house.area', id: 'loan-house-area', label: '建筑面积（平方米）', required: true, attrs: { inputmode: 'decimal', maxlength: 9 } }),
      field({ name: 'house.price', id: 'loan-house-price', label: '房屋总价（元）', required: true, attrs: { inputmode: 'decimal', maxlength: 12 } }),
      field({ name: 'house.first_home', id: 'loan-house-first', label: '首套住房', type: 'checkbox', value: true }),
      field({ name: 'house.new_house', id: 'loan-house-new', label: '新建商品房', type: 'checkbox', value: true }),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, '共同借款人'),
      field({ name: 'has_co_borrower', id: 'loan-has-co', label: '有共同借款人（配偶）', type: 'checkbox', hint: '配偶正常缴存住房公积金的，其账户余额可计入可贷额度' }),
      coBorrower,
    ),
    h('div', { class: 'form-actions' }, check, submit),
  );
  const hasCo = form.querySelector('#loan-has-co');
  hasCo.addEventListener('change', () => {
    coBorrower.hidden = !hasCo.checked;
    for (const input of coBorrower.querySelectorAll('input')) input.disabled = !hasCo.checked;
  });
  for (const input of coBorrower.querySelectorAll('input')) input.disabled = true;
  // A changed form is a new application; an unchanged one resent (double click, retry) keeps its key.
  form.addEventListener('input', () => {
    idempotencyKey = newIdempotencyKey();
  });

  check.addEventListener('click', () => {
    if (!validate(form, CHECKS)) return;
    busy(check, async () => {
      try {
        replace(result, eligibilityView(await api.post('/loans/eligibility', requestBody(form))));
        result.querySelector('div')?.setAttribute('tabindex', '-1');
        result.querySelector('div')?.focus();
      } catch (error) {
        const failures = failedRules(error.problem);
        replace(result, failures.length ? eligibilityView({ ...error.problem, eligible: false }) : h('div'));
        showErrors(form, error);
      }
    });
  });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!validate(form, CHECKS)) return;
    busy(submit, async () => {
      try {
        const created = await api.post('/loans/applications', requestBody(form), { idempotent: idempotencyKey });
        announce('贷款预申请已提交，请等待后台审核。', 'success', { carry: true });
        navigate(`/loans/applications/${encodeURIComponent(created.id)}`);
      } catch (error) {
        const failures = failedRules(error.problem);
        if (failures.length) replace(result, eligibilityView({ ...error.problem, eligible: false }));
        showErrors(form, error);
      }
    });
  });

  page.append(
    pageTitle('贷款预申请'),
    subnav('我要贷款', LOAN_PAGES, '/loans/apply'),
    h(
      'section',
      { class: 'card' },
      h('p', { class: 'hint' }, '请如实填写贷款申请信息。可先点击“资格检查”查看是否符合贷款条件；提交后请等待后台审核，审核通过后携带相关资料到柜台办理。'),
      result,
      form,
    ),
  );
}

export const routes = [{ path: '/loans/apply', title: '贷款预申请', render: renderApply }];
