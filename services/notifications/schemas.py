"""Request and response schemas of the notifications API."""

from marshmallow import Schema, fields

from chassis.api import ListArgs, page_schema
from chassis.pii import mask_mobile


class MessageSchema(Schema):
    id = fields.String()
    title = fields.String()
    body = fields.String()
    template = fields.String()
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)
    read = fields.Function(lambda message: message.read_at is not None)


class MessagePageSchema(page_schema(MessageSchema, name="MessagePageBase")):
    unread = fields.Integer(metadata={"description": "未读消息数"})


class MessageListArgs(ListArgs):
    unread_only = fields.Boolean(load_default=False)


class DevTextSchema(Schema):
    id = fields.String()
    phone = fields.Function(lambda text: mask_mobile(text.mobile))
    body = fields.String()
    received_at = fields.DateTime()


class DevInboxArgs(Schema):
    phone = fields.String(load_default=None)
    limit = fields.Integer(load_default=50)
