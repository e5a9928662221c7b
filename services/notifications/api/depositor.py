"""The message centre (消息中心): a depositor's in-app messages, the unread count, marking read."""

from flask_smorest import Blueprint
from sqlalchemy import func, select

from chassis import clock
from chassis.api import paginate, within_dates
from chassis.auth import current_caller, depositor_required
from chassis.errors import ApiError
from chassis.runtime import current_runtime
from services.notifications.models import InAppMessage
from services.notifications.schemas import MessageListArgs, MessagePageSchema, MessageSchema

blp = Blueprint("notifications", __name__, url_prefix="/api/v1/notifications", description="消息中心")


def _owner() -> str:
    account_no = current_caller().acct
    if not account_no:
        raise ApiError("NO_ACCOUNT", "您的登录信息中没有公积金账号，请重新登录", 403)
    return account_no


@blp.route("/me", methods=["GET"])
@depositor_required
@blp.arguments(MessageListArgs, location="query")
@blp.response(200, MessagePageSchema)
def my_messages(args):
    """My messages, newest first, with the number still unread."""
    account_no = _owner()
    mine = InAppMessage.account_no == account_no
    statement = select(InAppMessage).where(mine)
    if args["unread_only"]:
        statement = statement.where(InAppMessage.read_at.is_(None))
    statement = within_dates(statement, InAppMessage.created_at, args)
    statement = statement.order_by(InAppMessage.created_at.desc(), InAppMessage.id)
    with current_runtime().db.transaction() as session:
        page = paginate(session, statement, args)
        page["unread"] = session.scalar(
            select(func.count()).select_from(InAppMessage).where(mine, InAppMessage.read_at.is_(None))
        )
    return page


@blp.route("/me/<message_id>/read", methods=["POST"])
@depositor_required
@blp.response(200, MessageSchema)
def mark_read(message_id: str):
    """Mark one of my messages read (again is fine); someone else's message is not found."""
    account_no = _owner()
    with current_runtime().db.transaction() as session:
        message = session.scalars(
            select(InAppMessage).where(InAppMessage.id == message_id, InAppMessage.account_no == account_no)
        ).first()
        if message is None:
            raise ApiError("MESSAGE_NOT_FOUND", "消息不存在", 404)
        if message.read_at is None:
            message.read_at = clock.now()
    return message
