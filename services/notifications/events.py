"""The notifications service's published contract: the events it sends, their schemas and versions."""

from marshmallow import Schema, fields

from chassis.bus.envelope import EventContract


class SmsDelivered(Schema):
    delivery_id = fields.String(required=True)
    source_event_id = fields.String(required=True)
    template = fields.String(required=True)
    mobile_masked = fields.String(required=True)
    delivered_at = fields.AwareDateTime(required=True)


class SmsFailed(Schema):
    delivery_id = fields.String(required=True)
    source_event_id = fields.String(required=True)
    template = fields.String(required=True)
    mobile_masked = fields.String(required=True)
    reason_code = fields.String(required=True)
    reason = fields.String(required=True)  # Chinese


SMS_DELIVERED = EventContract("notifications.sms.delivered", SmsDelivered)
SMS_FAILED = EventContract("notifications.sms.failed", SmsFailed)
