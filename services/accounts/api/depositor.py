"""The depositor's API (manual §6.3, §6.4, §7.2-7.5): basic info, account, statement, deposits, withdrawals, and
the electronic certificates (缴存证明, 对账单).

Every /me endpoint takes the person from the token (`current_caller().acct`, the account number), never from
the URL: another depositor's record simply is not found.
"""

from flask_smorest import Blueprint
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from chassis.api import ListArgs, idempotent, page_schema, paginate, within_dates
from chassis.auth import current_caller, depositor_required
from chassis.certificates.api import CertificateOut, CertificateRequest, describe, pdf_response
from chassis.errors import ApiError
from chassis.runtime import current_runtime
from services.accounts import schemas
from services.accounts.cases import certificates
from services.accounts.domain.certificates import KIND_LABELS
from services.accounts.domain.directory import default_directory
from services.accounts.domain.ledger import EntryKind
from services.accounts.models import Employer, FundAccount, LedgerEntry

blp = Blueprint("accounts", __name__, url_prefix="/api/v1/accounts", description="个人账户与信息查询")

DEPOSIT_KINDS = (EntryKind.REGULAR_DEPOSIT.value, EntryKind.SUPPLEMENTARY_DEPOSIT.value)
WITHDRAWAL_KINDS = (EntryKind.WITHDRAWAL.value,)
MAX_ENTRY_ID = 2**63 - 1  # a larger number in the URL is simply not found (PostgreSQL would refuse it)


def _my_account(session: Session) -> FundAccount:
    account_no = current_caller().acct
    account = None
    if account_no:
        account = session.scalars(select(FundAccount).where(FundAccount.account_no == account_no)).first()
    if account is None:
        raise _no_account()
    return account


def _no_account() -> ApiError:
    return ApiError("ACCOUNT_NOT_FOUND", "未找到您的住房公积金账户，请联系所属管理中心", 404)


def statement_query(account: FundAccount, kinds: tuple[str, ...] | None, args: dict):
    """One account's entries of `kinds` within the dates of `args`, newest first (the query every list runs)."""
    # newest first; (account_id, posted_on, id) is the index this walks
    statement = select(LedgerEntry).where(LedgerEntry.account_id == account.id)
    if kinds:
        statement = statement.where(LedgerEntry.kind.in_(kinds))
    statement = within_dates(statement, LedgerEntry.posted_on, args)
    return statement.order_by(LedgerEntry.posted_on.desc(), LedgerEntry.id.desc())


def _my_entries(kinds: tuple[str, ...] | None, args: dict) -> dict:
    with current_runtime().db.transaction() as session:
        return paginate(session, statement_query(_my_account(session), kinds, args), args)


def _my_entry(entry_id: int, kinds: tuple[str, ...] | None) -> LedgerEntry:
    with current_runtime().db.transaction() as session:
        account = _my_account(session)
        entry = session.get(LedgerEntry, entry_id) if entry_id <= MAX_ENTRY_ID else None
        if entry is None or entry.account_id != account.id or (kinds and entry.kind not in kinds):
            raise ApiError("RECORD_NOT_FOUND", "该记录不存在", 404)
        return entry


@blp.route("/me")
@depositor_required
@blp.response(200, schemas.PersonSchema)
def me():
    """个人基本信息（身份证号、手机号码已脱敏）"""
    with current_runtime().db.transaction() as session:
        account = _my_account(session)
        person = account.depositor
        return {
            "name": person.name,
            "id_number": person.id_number,
            "mobile": person.mobile,
            "center": person.center,
            "center_name": default_directory().center(person.center).name,
            "account_no": account.account_no,
            "employer_name": account.employer.name,
            "employer_account_no": account.employer.account_no,
        }


# the page everyone opens (and reopens at the end of June for the interest): one indexed statement, read
# outside a transaction, with no ORM objects built for a figure that is only shown
_ACCOUNTS = FundAccount.__table__
_EMPLOYERS = Employer.__table__
ACCOUNT_SNAPSHOT = (
    select(
        _ACCOUNTS.c.account_no,
        _ACCOUNTS.c.center,
        _EMPLOYERS.c.name.label("employer_name"),
        _ACCOUNTS.c.status,
        _ACCOUNTS.c.balance,
        _ACCOUNTS.c.reserved,
        _ACCOUNTS.c.deposit_base,
        _ACCOUNTS.c.employer_ratio,
        _ACCOUNTS.c.personal_ratio,
        _ACCOUNTS.c.unit_monthly,
        _ACCOUNTS.c.personal_monthly,
        _ACCOUNTS.c.monthly_amount,
        _ACCOUNTS.c.paid_up_to,
        _ACCOUNTS.c.opened_on,
    )
    .join(_EMPLOYERS, _EMPLOYERS.c.id == _ACCOUNTS.c.employer_id)
    .where(_ACCOUNTS.c.account_no == bindparam("account_no"))
)


@blp.route("/me/account")
@depositor_required
@blp.response(200, schemas.AccountSchema)
def my_account():
    """个人账户信息：余额、可用余额、月缴存额、缴存基数、比例、缴至年月、状态"""
    account_no = current_caller().acct
    row = None
    if account_no:
        with current_runtime().db.read() as connection:
            row = connection.execute(ACCOUNT_SNAPSHOT, {"account_no": account_no}).mappings().first()
    if row is None:
        raise _no_account()
    return {**row, "available": row["balance"] - row["reserved"]}


@blp.route("/me/statement")
@depositor_required
@blp.arguments(ListArgs, location="query")
@blp.response(200, page_schema(schemas.StatementRowSchema))
def my_statement(args):
    """对账单：每条记录带记账后余额"""
    return _my_entries(None, args)


@blp.route("/me/statement/<int:entry_id>")
@depositor_required
@blp.response(200, schemas.StatementDetailSchema)
def my_statement_entry(entry_id):
    return _my_entry(entry_id, None)


@blp.route("/me/deposits")
@depositor_required
@blp.arguments(ListArgs, location="query")
@blp.response(200, page_schema(schemas.DepositRowSchema))
def my_deposits(args):
    """缴存记录（汇缴、补缴）"""
    return _my_entries(DEPOSIT_KINDS, args)


@blp.route("/me/deposits/<int:entry_id>")
@depositor_required
@blp.response(200, schemas.DepositDetailSchema)
def my_deposit(entry_id):
    return _my_entry(entry_id, DEPOSIT_KINDS)


@blp.route("/me/withdrawals")
@depositor_required
@blp.arguments(ListArgs, location="query")
@blp.response(200, page_schema(schemas.WithdrawalRowSchema))
def my_withdrawals(args):
    """提取记录"""
    return _my_entries(WITHDRAWAL_KINDS, args)


@blp.route("/me/withdrawals/<int:entry_id>")
@depositor_required
@blp.response(200, schemas.WithdrawalDetailSchema)
def my_withdrawal(entry_id):
    return _my_entry(entry_id, WITHDRAWAL_KINDS)


@blp.route("/me/certificates", methods=["POST"])
@depositor_required
@idempotent(lambda: current_runtime().db)
@blp.arguments(CertificateRequest)
@blp.response(201, CertificateOut)
def issue_my_certificate(body):
    """开具电子证明：住房公积金缴存证明（deposit）或个人账户对账单（statement，可选 from/to）"""
    runtime = current_runtime()
    request = {"kind": body["kind"], "from": body["date_from"], "to": body["date_to"]}
    request["include_balance"] = body["include_balance"]
    with runtime.db.transaction() as session:
        certificate = certificates.issue_certificate(session, _my_account(session), runtime.config, request)
        return describe(certificate, KIND_LABELS)


@blp.route("/me/certificates", methods=["GET"])
@depositor_required
@blp.response(200, CertificateOut(many=True))
def my_certificates():
    """已开具的证明（最新在前）"""
    with current_runtime().db.transaction() as session:
        account = _my_account(session)
        return [describe(item, KIND_LABELS) for item in certificates.my_certificates(session, account.account_no)]


@blp.route("/me/certificates/<certificate_id>/pdf", methods=["GET"])
@depositor_required
def my_certificate_pdf(certificate_id):
    """证明的 PDF 文件（A4，带二维码与验证码）"""
    runtime = current_runtime()
    with runtime.db.transaction() as session:
        account = _my_account(session)
        certificate = certificates.my_certificate(session, account.account_no, certificate_id[:36])
        session.expunge(certificate)
    return pdf_response(certificate, runtime.config)
