"""Counter operations on one account: the reserved mobile, sealing (封存) and unsealing."""

from datetime import date

from sqlalchemy.orm import Session

from chassis.bus import publish
from chassis.pii import is_valid_mobile
from services.accounts.cases.postings import change_account_status, lock_account, state_of
from services.accounts.domain.errors import RuleViolation
from services.accounts.domain.ledger import AccountStatus, change_status
from services.accounts.events import CONTACT_CHANGED
from services.accounts.models import FundAccount


def account_or_refuse(session: Session, account_no: str) -> FundAccount:
    account = lock_account(session, account_no)
    if account is None:
        raise RuleViolation("ACCOUNT_NOT_FOUND", f"未找到个人账号为{account_no}的账户", field="account_no")
    return account


def change_mobile(session: Session, account_no: str, mobile: str) -> FundAccount:
    """Change the mobile reserved at the centre; identity and notifications learn it from the event."""
    mobile = (mobile or "").strip()
    if not is_valid_mobile(mobile):
        raise RuleViolation("MOBILE_INVALID", "手机号码格式不正确，应为11位手机号", field="mobile")
    account = account_or_refuse(session, account_no)
    depositor = account.depositor
    if depositor.mobile == mobile:
        return account
    depositor.mobile = mobile
    publish(
        session,
        CONTACT_CHANGED,
        {
            "depositor_id": str(depositor.id),
            "center": depositor.center,
            "id_number": depositor.id_number,
            "account_no": account.account_no,
            "mobile": mobile,
        },
    )
    return account


def set_sealed(session: Session, account_no: str, sealed: bool, on: date) -> FundAccount:
    """Seal (the employee left the employer) or unseal (a new employer deposits again)."""
    account = account_or_refuse(session, account_no)
    to = AccountStatus.SEALED if sealed else AccountStatus.NORMAL
    if account.status == to.value:
        return account
    if not sealed and account.status != AccountStatus.SEALED.value:
        raise RuleViolation("ACCOUNT_NOT_SEALED", "账户未处于封存状态，不能办理启封", field="status")
    change_status(state_of(account), to)
    change_account_status(session, account, to, on)
    return account
