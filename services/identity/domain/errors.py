"""Identity errors a user can cause: stable codes, the Chinese text users see, the HTTP status hint."""

from dataclasses import dataclass

from chassis.rules import RuleViolation

HOTLINE = "12329"

_ASK_THE_HOTLINE = f"如果还有其他疑问，请您拨打{HOTLINE}公积金热线进行咨询。"


@dataclass(frozen=True)
class ErrorText:
    status: int
    detail: str


# Wording follows the user manual (§2, §3) wherever the manual has one; the rest is ours in the same voice.
CATALOGUE: dict[str, ErrorText] = {
    "NOT_A_DEPOSITOR": ErrorText(
        404,
        "未查询到您在所选中心的住房公积金缴存信息。个人用户使用网厅需在宁夏回族自治区缴纳住房公积金，"
        "并在宁夏的公积金管理中心有预留手机号码方可注册。" + _ASK_THE_HOTLINE,
    ),
    "PHONE_MISMATCH": ErrorText(
        409,
        "您的手机号码与身份证号不匹配，请您携带本人身份证和单位开具的介绍信到公积金缴交银行柜台或"
        "公积金管理中心柜台变更您的身份证号或手机号码。" + _ASK_THE_HOTLINE,
    ),
    "NO_RESERVED_MOBILE": ErrorText(
        409,
        "您在中心没有预留手机号码，请携带相关证件到中心柜台办理手机业务。" + _ASK_THE_HOTLINE,
    ),
    "ALREADY_REGISTERED": ErrorText(
        409,
        "您已注册过网厅账号，无需重复注册。本网厅注册账号与宁夏住房公积金服务APP所使用账号通用，"
        "请直接登录；如忘记密码，请使用密码找回。",
    ),
    "NOT_REGISTERED": ErrorText(404, "您尚未注册网厅账号，请先注册。"),
    "TOO_MANY_REQUESTS": ErrorText(429, "操作过于频繁，请稍后再试。"),
    "SMS_CODE_INVALID": ErrorText(400, "短信验证码错误，请重新输入。"),
    "SMS_CODE_EXPIRED": ErrorText(400, "短信验证码已失效，请重新获取。"),
    "CAPTCHA_REQUIRED": ErrorText(428, "请输入图形验证码。"),
    "CAPTCHA_INVALID": ErrorText(400, "图形验证码错误或已失效，请刷新后重新输入。"),
    "BAD_CREDENTIALS": ErrorText(401, "用户名或密码错误。"),
    "ACCOUNT_LOCKED": ErrorText(423, "密码错误次数过多，账号已被临时锁定，请稍后再试。"),
    "USERNAME_TAKEN": ErrorText(409, "该用户名已被使用，请更换其他用户名。"),
    "PASSWORD_MISMATCH": ErrorText(422, "两次输入的密码不一致。"),
    "AGREEMENT_REQUIRED": ErrorText(422, "请阅读并同意《个人用户注册协议》。"),
    "INVALID_USERNAME": ErrorText(422, "用户名需为字母或数字或字母数字组合且长度为6-16位。"),
    "INVALID_PASSWORD": ErrorText(422, "密码需为字母或数字或字母数字组合且长度为6-24位。"),
    "INVALID_EMAIL": ErrorText(422, "电子邮箱格式不正确。"),
    "INVALID_ID_NUMBER": ErrorText(422, "身份证号不正确，身份证号需使用第二代居民身份证号（18位）。"),
    "INVALID_MOBILE": ErrorText(422, "手机号码格式不正确，请填写在中心预留的11位手机号码。"),
    "UNKNOWN_CENTER": ErrorText(422, "请选择所属公积金管理中心。"),
    "OLD_PASSWORD_WRONG": ErrorText(400, "当前密码不正确。"),
    "PASSWORD_UNCHANGED": ErrorText(422, "新密码不能与当前密码相同。"),
    "VERIFICATION_EXPIRED": ErrorText(400, "身份验证已过期，请返回第一步重新验证。"),
    "ACCOUNT_MISMATCH": ErrorText(400, "登录账号与身份验证信息不符，请核对后重新输入。"),
    "REFRESH_TOKEN_INVALID": ErrorText(401, "登录状态已失效，请重新登录。"),
    "NOT_FOUND": ErrorText(404, "用户不存在。"),
}

# the HTTP status of each code, for the service's one mapping (Service(error_statuses=...))
STATUSES: dict[str, int] = {code: text.status for code, text in CATALOGUE.items()}


class IdentityError(RuleViolation):
    """A refusal the user caused. `detail` defaults to the catalogue text; `errors` maps field → messages."""

    def __init__(
        self,
        code: str,
        detail: str | None = None,
        *,
        field: str | None = None,
        retry_after: int | None = None,
        errors: dict[str, list[str]] | None = None,
        extra: dict[str, object] | None = None,
    ):
        if code not in CATALOGUE:
            raise KeyError(f"unknown identity error code {code}")
        super().__init__(code, detail or CATALOGUE[code].detail, field)
        self._retry_after = retry_after
        self.errors = errors if errors is not None else ({field: [self.detail]} if field else {})
        self._extra = dict(extra or {})

    @property
    def status(self) -> int:
        return CATALOGUE[self.code].status

    @property
    def retry_after(self) -> int | None:
        return self._retry_after

    def field_errors(self) -> dict[str, list[str]]:
        return self.errors

    def problem_extra(self) -> dict[str, object]:
        return dict(self._extra)
