"""Staff operations over HTTP (role admin): import depositors, deposit batches, interest, mobile, seal/unseal."""

import functools
import json

from flask import request
from flask_smorest import Blueprint
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from chassis.api import idempotent
from chassis.auth import staff_required
from chassis.errors import ApiError
from chassis.runtime import current_runtime
from services.accounts import schemas
from services.accounts.cases import operations

blp = Blueprint("accounts_admin", __name__, url_prefix="/api/v1/accounts/admin", description="中心业务操作（管理员）")


def refusals_as_problems(view):
    """A concurrent duplicate of an operation becomes 409 (domain refusals map through the service's statuses)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except (IntegrityError, StaleDataError) as conflict:
            raise ApiError("CONFLICT", "该业务正在办理或已办理，请刷新后查看", 409) from conflict

    return wrapper


@blp.route("/depositors", methods=["POST"])
@staff_required("admin")
@idempotent(lambda: current_runtime().db)
@refusals_as_problems
@blp.response(201, schemas.ImportOut)
def import_depositors():
    """导入缴存职工（JSON数组或CSV，全部成功或全部不导入，逐行报告错误）"""
    if request.mimetype in ("text/csv", "text/plain"):
        records = request.get_data(as_text=True)
    else:
        try:
            records = json.loads(request.get_data(as_text=True) or "null")
        except ValueError as error:
            raise ApiError("BAD_REQUEST", "请求内容不是有效的JSON", 400) from error
        if isinstance(records, dict):
            records = records.get("depositors")
        if not isinstance(records, list):
            raise ApiError("BAD_REQUEST", "请提交缴存职工数组（JSON）或CSV文件", 400)
    return operations.import_records(current_runtime(), records)


@blp.route("/deposit-batches", methods=["POST"])
@staff_required("admin")
@idempotent(lambda: current_runtime().db)
@refusals_as_problems
@blp.arguments(schemas.DepositBatchIn)
@blp.response(201, schemas.DepositBatchOut)
def deposit_batch(body):
    """单位汇缴或补缴（同一单位、月份、类型只入账一次）"""
    outcome = operations.deposit_batch(current_runtime(), **body)
    return outcome, (200 if outcome["replayed"] else 201)


@blp.route("/interest-settlements", methods=["POST"])
@staff_required("admin")
@idempotent(lambda: current_runtime().db)
@refusals_as_problems
@blp.arguments(schemas.SettlementIn)
@blp.response(201, schemas.SettlementOut)
def settle_interest(body):
    """年度结息（6月30日，每年度只结一次）"""
    outcome = operations.settle_interest(current_runtime(), body["fund_year"])
    return outcome, (200 if outcome["replayed"] else 201)


@blp.route("/accounts/<account_no>/mobile", methods=["PUT"])
@staff_required("admin")
@refusals_as_problems
@blp.arguments(schemas.MobileIn)
@blp.response(200, schemas.AccountStatusOut)
def change_mobile(body, account_no):
    """变更预留手机号码"""
    return operations.change_reserved_mobile(current_runtime(), account_no, body["mobile"])


@blp.route("/accounts/<account_no>/seal", methods=["POST"])
@staff_required("admin")
@refusals_as_problems
@blp.response(200, schemas.AccountStatusOut)
def seal(account_no):
    """封存账户"""
    return operations.seal_account(current_runtime(), account_no, sealed=True)


@blp.route("/accounts/<account_no>/unseal", methods=["POST"])
@staff_required("admin")
@refusals_as_problems
@blp.response(200, schemas.AccountStatusOut)
def unseal(account_no):
    """启封账户"""
    return operations.seal_account(current_runtime(), account_no, sealed=False)
