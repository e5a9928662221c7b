// Display formats: money from decimal strings (no float arithmetic), dates, rates and Chinese labels.

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?$/;

/** "1201.02" → "1,201.02"; digits are grouped as text, so no precision is ever lost. */
export function groupDigits(value, fractionDigits = 2) {
  if (value === null || value === undefined || value === '') return '';
  const text = String(value).trim();
  const match = DECIMAL.exec(text);
  if (!match) return text;
  const [, sign, whole = '', fraction = ''] = match;
  const grouped = (whole.replace(/^0+(?=\d)/, '') || '0').replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const fixed = fraction.padEnd(fractionDigits, '0');
  const shown = fractionDigits > 0 ? `${grouped}.${fixed}` : grouped;
  return `${sign === '-' ? '-' : ''}${shown}`;
}

/** "1201.02" → "1,201.02 元" */
export function money(value) {
  if (value === null || value === undefined || value === '') return '—';
  return `${groupDigits(value)} 元`;
}

/** Moves the decimal point of a decimal string: shiftDecimal("0.026", 2) → "2.6". */
function shiftDecimal(value, places) {
  const match = DECIMAL.exec(String(value).trim());
  if (!match) return String(value);
  const [, sign, whole = '', fraction = ''] = match;
  let digits = whole + fraction;
  let point = whole.length + places;
  if (point < 0) {
    digits = '0'.repeat(-point) + digits;
    point = 0;
  }
  if (point > digits.length) digits = digits.padEnd(point, '0');
  let intPart = digits.slice(0, point).replace(/^0+(?=\d)/, '') || '0';
  let fracPart = digits.slice(point).replace(/0+$/, '');
  if (intPart === '') intPart = '0';
  return `${sign === '-' ? '-' : ''}${intPart}${fracPart ? `.${fracPart}` : ''}`;
}

/** A rate or ratio as a percentage; values below 1 are read as fractions (0.026 → 2.6%). */
export function percent(value) {
  if (value === null || value === undefined || value === '') return '—';
  const text = String(value).trim().replace(/%$/, '');
  const isFraction = DECIMAL.test(text) && Math.abs(Number(text)) < 1 && text !== '0';
  return `${isFraction ? shiftDecimal(text, 2) : text}%`;
}


// The hall's times are China's (the centres' wall clock), whatever time zone the browser is set to.
const CHINA_TIME = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** {year, month, day, hour, minute} of a moment on China's clock, as two-digit strings. */
export function chinaParts(d) {
  return Object.fromEntries(CHINA_TIME.formatToParts(d).map((p) => [p.type, p.value]));
}

/** YYYY-MM-DD from a date or ISO date-time string; a date-time's day in China time. */
export function date(value) {
  if (!value) return '—';
  const text = String(value);
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return text;
  const d = new Date(text);
  if (Number.isNaN(d.getTime())) return text;
  const p = chinaParts(d);
  return `${p.year}-${p.month}-${p.day}`;
}

/** YYYY-MM-DD HH:mm for ISO date-times (timeline, messages), in China time. */
export function dateTime(value) {
  if (!value) return '—';
  const text = String(value);
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return text;
  const d = new Date(text);
  if (Number.isNaN(d.getTime())) return text;
  const p = chinaParts(d);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/** "2024-06" or "202406" → "2024年06月" */
export function month(value) {
  if (!value) return '—';
  const m = /^(\d{4})-?(\d{2})/.exec(String(value));
  return m ? `${m[1]}年${m[2]}月` : String(value);
}





export const METHOD = { equal_installment: '等额本息', equal_principal: '等额本金' };




/** A label from a map, or the value itself when the API already speaks Chinese. */
export function label(map, value) {
  if (value === null || value === undefined || value === '') return '—';
  return map[value] ?? String(value);
}

export function yesNo(value) {
  if (value === null || value === undefined) return '—';
  return value ? '是' : '否';
}

/** Chinese labels of the fields the API returns (each name as the services' schemas spell it, no synonyms). */
export const FIELD_LABELS = {
  name: '姓名',
  id_number: '身份证号',
  mobile: '手机号码',
  phone: '手机号码',
  email: '电子邮箱',
  center: '所属中心',
  center_name: '所属中心',
  employer_name: '单位名称',
  employer_account_no: '单位账号',
  account_no: '个人账号',
  status: '状态',
  opened_on: '开户日期',
  balance: '余额',
  available: '可用余额',
  reserved: '冻结/预留金额',
  monthly_amount: '月缴存额',
  unit_monthly: '单位月缴存额',
  personal_monthly: '个人月缴存额',
  deposit_base: '缴存基数',
  employer_ratio: '单位缴存比例',
  personal_ratio: '个人缴存比例',
  paid_up_to: '缴至年月',
  month: '缴存年月',
  posted_on: '记账日期',
  kind: '业务类型',
  summary: '摘要',
  amount: '金额',
  unit_amount: '单位缴存额',
  personal_amount: '个人缴存额',
  reason: '提取原因',
  reason_name: '提取原因',
  bank_card: '收款银行卡',
  // business numbers only (TQ…, DK…): internal ids and references have no label, so they are never shown
  business_no: '业务编号',
  contract_no: '合同编号',
  application_no: '申请编号',
  term_months: '贷款期限（月）',
  method: '还款方式',
  annual_rate: '年利率',
  disbursed_on: '放款日期',
  first_due_date: '首次还款日',
  paid_off_on: '结清日期',
  penalty_accrued: '累计罚息',
  entrusted_bank_name: '委托银行',
  outstanding_principal: '剩余本金',
  monthly_payment: '月还款额',
  overdue: '是否逾期',
  entrusted_bank: '委托银行',
  repayment_card: '还款银行卡',
  period: '期次',
  due_date: '应还日期',
  paid_on: '还款日期',
  payment: '月供',
  principal: '本金',
  interest: '利息',
  penalty: '罚息',
  remaining: '剩余本金',
  created_at: '提交时间',
  submitted_at: '提交时间',
  updated_at: '更新时间',
  monthly_income: '月收入',
  opinion: '审核意见',
};

const MONEY_FIELDS = new Set([
  'balance', 'available', 'reserved', 'monthly_amount', 'deposit_base',
  'amount', 'unit_amount', 'personal_amount', 'outstanding_principal',
  'monthly_payment', 'payment', 'principal', 'interest', 'penalty', 'remaining',
  'monthly_income', 'price', 'first_payment',
  'total_interest', 'total_payment', 'total_principal', 'penalty_accrued', 'unit_monthly', 'personal_monthly',
]);
const DATE_FIELDS = new Set([
  'opened_on', 'posted_on', 'disbursed_on', 'due_date',
  'paid_on', 'date', 'first_due_date', 'paid_off_on',
]);
const DATETIME_FIELDS = new Set(['created_at', 'submitted_at', 'updated_at', 'time', 'at', 'slot_start']);
const PERCENT_FIELDS = new Set(['annual_rate', 'employer_ratio', 'personal_ratio']);

/** A record's field as text, by the field's name: money, dates, rates, states, kinds. */
export function formatField(key, value) {
  if (value === null || value === undefined || value === '') return '—';
  if (MONEY_FIELDS.has(key)) return money(value);
  if (DATE_FIELDS.has(key)) return date(value);
  if (DATETIME_FIELDS.has(key)) return dateTime(value);
  if (PERCENT_FIELDS.has(key)) return percent(value);
  if (key === 'month' || key === 'paid_up_to') return month(value);
  if (key === 'center') return centerName(value);
  if (key === 'method') return label(METHOD, value);
  if (typeof value === 'boolean') return yesNo(value);
  if (typeof value === 'object') return value.name ?? JSON.stringify(value);
  return String(value);
}

const centerNames = {};

/** Remembers centre names so codes such as "yinchuan" show as 银川住房公积金管理中心. */
export function rememberCenters(centers) {
  for (const c of centers) centerNames[c.code] = c.name;
}

export function centerName(code) {
  return centerNames[code] || code || '—';
}
