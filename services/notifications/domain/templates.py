"""The Chinese SMS templates, signed 【宁夏住房公积金】, and their rendering in a Jinja sandbox."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from jinja2 import StrictUndefined, UndefinedError, meta
from jinja2.exceptions import SecurityError, TemplateSyntaxError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from chassis.money import parse_money, round_fen
from chassis.pii import mask_mobile
from services.notifications.domain.errors import TemplateError

SIGNATURE = "【宁夏住房公积金】"
HOTLINE = "12329"


@dataclass(frozen=True)
class SmsTemplate:
    key: str
    title: str  # the heading of the in-app message
    body: str  # Jinja source, without the signature
    params: frozenset[str]
    urgent: bool = False  # urgent notices ignore quiet hours and the per-number rate limit
    secret_params: frozenset[str] = frozenset()  # masked in `describe_for_log`
    in_app: bool = True  # also kept in the user's message centre (never for codes)
    sms: bool = True  # also sent as a text (not for what only matters inside the hall, e.g. a certificate issued)
    stale_after: timedelta | None = None  # not worth delivering later than this after it was asked for


def _template(key, title, body, params, **options) -> SmsTemplate:
    return SmsTemplate(key=key, title=title, body=body, params=frozenset(params.split()), **options)


def _code_template(key: str, doing: str) -> SmsTemplate:
    return _template(
        key,
        "短信验证码",
        f"您正在{doing}，验证码{{{{ code }}}}，{{{{ valid_minutes }}}}分钟内有效。"
        "工作人员不会向您索取验证码，请勿告知他人。",
        "code valid_minutes",
        urgent=True,
        secret_params=frozenset({"code"}),
        in_app=False,
        stale_after=timedelta(minutes=5),
    )


_LOAN = "您的住房公积金贷款申请（编号{{ application_no }}）"
_WITHDRAWAL = "您的住房公积金提取申请（编号{{ application_no }}，{{ reason }}）"

_ALL = (
    _code_template("sms_code.register", "注册宁夏住房公积金网上业务大厅账号"),
    _code_template("sms_code.reset_password", "找回宁夏住房公积金网上业务大厅密码"),
    _template(
        "user.welcome",
        "注册成功",
        "{{ name }}，您已成功注册宁夏住房公积金网上业务大厅，登录账号{{ username }}。"
        "该账号与宁夏住房公积金服务APP通用。",
        "name username",
    ),
    # Security notices go at once: if it was not the user, they need to know now, whatever the hour.
    _template(
        "user.password_changed",
        "密码已修改",
        f"{{{{ name }}}}，您的网上业务大厅登录密码已于{{{{ changed_at | cn_datetime }}}}修改。"
        f"如非本人操作，请立即通过密码找回重置密码或拨打{HOTLINE}热线。",
        "name changed_at",
        urgent=True,
    ),
    _template(
        "user.password_reset",
        "密码已重置",
        f"{{{{ name }}}}，您的网上业务大厅登录密码已于{{{{ reset_at | cn_datetime }}}}通过密码找回重置。"
        f"如非本人操作，请立即拨打{HOTLINE}热线。",
        "name reset_at",
        urgent=True,
    ),
    _template(
        "loan.submitted",
        "贷款申请已提交",
        "{{ name }}，" + _LOAN + "已提交，请等待中心审核。",
        "name application_no",
    ),
    _template(
        "loan.prereviewed",
        "贷款申请预审通过",
        "{{ name }}，" + _LOAN + "已通过预审，请携带以下材料到柜台办理：{{ materials | join('、') }}。",
        "name application_no materials",
    ),
    _template(
        "loan.accepted",
        "贷款申请已受理",
        "{{ name }}，" + _LOAN + "柜台已受理，正在审核。",
        "name application_no",
    ),
    _template(
        "loan.preliminarily_approved",
        "贷款申请初审通过",
        "{{ name }}，" + _LOAN + "已通过初审，正在等待中心审批。",
        "name application_no",
    ),
    _template(
        "loan.approved",
        "贷款申请审批通过",
        "{{ name }}，" + _LOAN + "已通过中心审批，贷款金额{{ amount | yuan }}，期限{{ term_months }}个月。"
        "请等候委托银行通知签订《贷款合同》。",
        "name application_no amount term_months",
    ),
    _template(
        "loan.rejected",
        "贷款申请未通过",
        "{{ name }}，" + _LOAN + f"未通过审核。审核意见：{{{{ opinion }}}}。如有疑问请拨打{HOTLINE}热线。",
        "name application_no opinion",
    ),
    _template(
        "loan.contract_signed",
        "贷款合同已签订",
        "{{ name }}，" + _LOAN + "已与委托银行签订《贷款合同》，请到房管局办理抵押登记手续。",
        "name application_no",
    ),
    _template(
        "loan.mortgage_registered",
        "抵押登记已完成",
        "{{ name }}，" + _LOAN + "抵押登记已完成，委托银行将为您办理放款手续。",
        "name application_no",
    ),
    _template(
        "loan.disbursed",
        "贷款已发放",
        "{{ name }}，您的住房公积金贷款{{ amount | yuan }}已于{{ disbursed_on | cn_date }}发放，"
        "首期还款日{{ first_due_date | cn_date }}，月还款额{{ monthly_payment | yuan }}。",
        "name amount disbursed_on first_due_date monthly_payment",
    ),
    _template(
        "repayment.posted",
        "还款已入账",
        "{{ name }}，您的住房公积金贷款第{{ period }}期还款{{ amount | yuan }}已于{{ paid_on | cn_date }}入账"
        "（本金{{ principal | yuan }}，利息{{ interest | yuan }}），剩余本金{{ remaining | yuan }}。",
        "name period amount paid_on principal interest remaining",
    ),
    _template(
        "repayment.posted_entrusted",
        "还款已入账（委托提取）",
        "{{ name }}，您的住房公积金贷款第{{ period }}期还款{{ amount | yuan }}已于{{ paid_on | cn_date }}入账，"
        "其中公积金账户委托提取{{ fund_amount | yuan }}，还款银行卡扣款{{ card_amount | yuan }}；"
        "剩余本金{{ remaining | yuan }}。",
        "name period amount paid_on fund_amount card_amount remaining",
    ),
    _template(
        "entrusted.retrying",
        "委托提取未成功",
        "{{ name }}，您的住房公积金贷款第{{ period }}期委托提取公积金{{ amount | yuan }}未成功（{{ reason }}），"
        "将于{{ retry_on | cn_date }}再次提取。",
        "name period amount reason retry_on",
    ),
    _template(
        "entrusted.gave_up",
        "委托提取未成功，改由银行卡扣款",
        "{{ name }}，您的住房公积金贷款第{{ period }}期委托提取公积金{{ amount | yuan }}多次未成功（{{ reason }}），"
        f"本期未提取部分将由还款银行卡扣款，请确保余额充足。如有疑问请拨打{HOTLINE}热线。",
        "name period amount reason",
    ),
    _template(
        "entrusted.signed_up",
        "委托提取已签约",
        "{{ name }}，您已签约委托提取住房公积金偿还贷款（合同编号{{ contract_no }}）{{ with_spouse }}，"
        "自下一还款日起每月从公积金账户提取还款，不足部分由还款银行卡扣款。",
        "name contract_no with_spouse",
    ),
    _template(
        "entrusted.cancelled",
        "委托提取已取消",
        "{{ name }}，您已取消委托提取住房公积金偿还贷款（合同编号{{ contract_no }}），此后各期由还款银行卡扣款。",
        "name contract_no",
    ),
    _template(
        "repayment.due",
        "还款提醒",
        "{{ name }}，您的住房公积金贷款第{{ period }}期应还{{ amount | yuan }}，"
        "还款日{{ due_date | cn_date }}，请提前确保还款账户余额充足。",
        "name period amount due_date",
    ),
    _template(
        "loan.overdue",
        "贷款已逾期",
        "{{ name }}，您的住房公积金贷款已逾期，逾期金额{{ overdue_amount | yuan }}"
        "（应还日{{ due_date | cn_date }}），请尽快还款，以免影响个人信用。"
        f"如有疑问请拨打{HOTLINE}热线。",
        "name overdue_amount due_date",
    ),
    _template(
        "loan.paid_off",
        "贷款已结清",
        "{{ name }}，您的住房公积金贷款（合同编号{{ contract_no }}）已于{{ paid_off_on | cn_date }}全部结清。"
        "感谢您按时还款！",
        "name contract_no paid_off_on",
    ),
    _template(
        "certificate.issued",
        "电子证明已开具",
        "{{ name }}，您的{{ title }}已开具，验证码{{ code }}，有效期至{{ expires_on | cn_date }}。"
        "可在网上业务大厅“证明开具”中下载；收到证明的单位可在“证明核验”页凭验证码核验。",
        "name title code expires_on",
        sms=False,
    ),
    _template(
        "withdrawal.submitted",
        "提取申请已提交",
        "{{ name }}，" + _WITHDRAWAL + "已提交，申请金额{{ amount | yuan }}，请等待中心审核。",
        "name application_no reason amount",
    ),
    _template(
        "withdrawal.prereviewed",
        "提取申请预审通过",
        "{{ name }}，" + _WITHDRAWAL + "已通过预审，请携带以下材料到柜台办理：{{ materials | join('、') }}。",
        "name application_no reason materials",
    ),
    _template(
        "withdrawal.accepted",
        "提取申请已受理",
        "{{ name }}，" + _WITHDRAWAL + "柜台已受理，正在审批。",
        "name application_no reason",
    ),
    _template(
        "withdrawal.approved",
        "提取申请审批通过",
        "{{ name }}，" + _WITHDRAWAL + "已审批通过，金额{{ amount | yuan }}，"
        "将转入您尾号{{ bank_card_last4 }}的银行卡。",
        "name application_no reason amount bank_card_last4",
    ),
    _template(
        "withdrawal.rejected",
        "提取申请未通过",
        "{{ name }}，" + _WITHDRAWAL + f"未通过审核。审核意见：{{{{ opinion }}}}。如有疑问请拨打{HOTLINE}热线。",
        "name application_no reason opinion",
    ),
    _template(
        "withdrawal.paid",
        "提取已办结",
        "{{ name }}，您提取的住房公积金{{ amount | yuan }}已于{{ paid_on | cn_date }}转入您尾号"
        "{{ bank_card_last4 }}的银行卡。",
        "name amount paid_on bank_card_last4",
    ),
    _template(
        "appointment.booked",
        "提取预约成功",
        "{{ name }}，您已预约{{ date | cn_date }} {{ time_slot }}到{{ branch_name }}"
        "办理{{ reason }}提取业务，请携带：{{ materials | join('、') }}。",
        "name date time_slot branch_name reason materials",
    ),
    _template(
        "appointment.reminder",
        "预约办理提醒",
        "{{ name }}，温馨提示：您预约了明天（{{ date | cn_date }}）{{ time_slot }}到{{ branch_name }}"
        "办理提取业务，请携带相关材料按时前往。",
        "name date time_slot branch_name",
    ),
    _template(
        "appointment.cancelled",
        "提取预约已取消",
        "{{ name }}，您预约的{{ date | cn_date }} {{ time_slot }}在{{ branch_name }}办理的提取业务已取消。",
        "name date time_slot branch_name",
    ),
    _template(
        "deposit.posted",
        "缴存已入账",
        "{{ name }}，您{{ month | cn_month }}的住房公积金{{ amount | yuan }}已入账，账户余额{{ balance | yuan }}。",
        "name month amount balance",
    ),
    _template(
        "interest.settled",
        "年度结息",
        "{{ name }}，您的住房公积金账户{{ fund_year }}年度结息{{ interest | yuan }}"
        "已于{{ settled_on | cn_date }}入账，账户余额{{ balance | yuan }}。",
        "name fund_year interest settled_on balance",
    ),
)

TEMPLATES: dict[str, SmsTemplate] = {template.key: template for template in _ALL}


def yuan(value: object) -> str:
    """1201.02 → "1,201.02元". Takes Decimal, int or a decimal string (events carry money as strings);
    a float is refused rather than rounded into a wrong fen."""
    if isinstance(value, (bool, float)):
        raise TemplateError("TEMPLATE_BAD_VALUE", "金额须为 Decimal、整数或十进制字符串")
    try:
        amount = parse_money(value) if isinstance(value, str) else round_fen(Decimal(value))
    except (ValueError, TypeError, ArithmeticError) as error:
        raise TemplateError("TEMPLATE_BAD_VALUE", "金额格式不正确") from error
    return f"{amount:,.2f}元"


def cn_date(value: object) -> str:
    """2026-03-05 → "2026年3月5日"."""
    day = _as_date(value)
    return f"{day.year}年{day.month}月{day.day}日"


def cn_month(value: object) -> str:
    """2026-03 → "2026年3月"."""
    if isinstance(value, str) and len(value.strip()) == 7:
        value = value.strip() + "-01"
    day = _as_date(value)
    return f"{day.year}年{day.month}月"


def cn_datetime(value: object) -> str:
    """2026-03-05T14:07 → "2026年3月5日14:07" (local time as given)."""
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError as error:
        raise TemplateError("TEMPLATE_BAD_VALUE", "时间格式不正确") from error
    return f"{cn_date(moment)}{moment:%H:%M}"


def _as_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError as error:
        raise TemplateError("TEMPLATE_BAD_VALUE", "日期格式不正确") from error


# Immutable: a template can neither read private attributes nor change the lists it is given.
_sandbox = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
_sandbox.filters.update(yuan=yuan, cn_date=cn_date, cn_month=cn_month, cn_datetime=cn_datetime)
_compiled = {key: _sandbox.from_string(template.body) for key, template in TEMPLATES.items()}


def required_params(template_key: str) -> set[str]:
    return set(_template_named(template_key).params)


def render(template_key: str, params: Mapping[str, object]) -> str:
    """The SMS text, signature first. Raises TemplateError naming (never showing) what is wrong."""
    return SIGNATURE + _render_body(template_key, params)


def render_in_app(template_key: str, params: Mapping[str, object]) -> tuple[str, str]:
    """(title, text) for the message centre: the same words, without the signature."""
    template = _template_named(template_key)
    if not template.in_app:
        raise TemplateError("TEMPLATE_NOT_IN_APP", f"模板 {template_key} 不进入站内消息")
    return template.title, _render_body(template_key, params)


def render_untrusted(source: str, params: Mapping[str, object]) -> str:
    """Render wording that did not come from this module (a centre's own text) in the same sandbox."""
    try:
        compiled = _sandbox.from_string(source)
    except TemplateSyntaxError as error:
        raise TemplateError("TEMPLATE_SYNTAX", "模板语法错误") from error
    return _guarded(lambda: compiled.render(**params))


def undeclared_names(source: str) -> set[str]:
    """The names a Jinja source reads: what a template's declared params must equal."""
    return meta.find_undeclared_variables(_sandbox.parse(source))


def describe_for_log(template_key: str, params: Mapping[str, object]) -> dict[str, object]:
    """Params safe to log: secrets starred, mobiles masked."""
    template = _template_named(template_key)
    safe: dict[str, object] = {}
    for name, value in params.items():
        if name in template.secret_params:
            safe[name] = "******"
        elif isinstance(value, str) and name in ("mobile", "phone"):
            safe[name] = mask_mobile(value)
        else:
            safe[name] = value
    return safe


def _template_named(template_key: str) -> SmsTemplate:
    try:
        return TEMPLATES[template_key]
    except KeyError:
        raise TemplateError("TEMPLATE_UNKNOWN", f"没有名为 {template_key} 的短信模板") from None


def _render_body(template_key: str, params: Mapping[str, object]) -> str:
    template = _template_named(template_key)
    missing = sorted(name for name in template.params if params.get(name) is None)
    if missing:
        raise TemplateError("TEMPLATE_PARAMS_MISSING", f"模板 {template_key} 缺少参数：{', '.join(missing)}")
    given = {name: params[name] for name in template.params}
    return _guarded(lambda: _compiled[template_key].render(**given))


def _guarded(render_call) -> str:
    try:
        return render_call()
    except SecurityError as error:
        raise TemplateError("TEMPLATE_UNSAFE", "模板试图访问不允许的属性或方法") from error
    except OverflowError as error:  # the sandbox's answer to range(10**9)
        raise TemplateError("TEMPLATE_UNSAFE", "模板试图生成过大的序列") from error
    except UndefinedError as error:
        raise TemplateError("TEMPLATE_PARAMS_MISSING", "模板引用了未提供的参数") from error
