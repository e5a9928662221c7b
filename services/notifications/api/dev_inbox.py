"""The dev SMS inbox: what the `inbox` provider 'sent', readable only when config.dev_inbox is on."""

from flask import Blueprint, Response, render_template_string, request
from marshmallow import ValidationError
from sqlalchemy import select

from chassis.errors import ApiError
from chassis.pii import is_valid_mobile, mask_mobile
from chassis.runtime import current_runtime
from services.notifications.models import DevInboxText
from services.notifications.schemas import DevInboxArgs, DevTextSchema

blp = Blueprint("notifications_dev", __name__)

_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>开发短信收件箱</title>
<link rel="stylesheet" href="/dev/sms/static/inbox.css"></head>
<body><h1>开发短信收件箱</h1>
<p>开发环境不真正发送短信：每条短信都保存在这里。生产配置中没有此页面。</p>
<form method="get"><label>手机号码 <input name="phone" value="{{ phone or '' }}" maxlength="11"></label>
<button type="submit">查看</button></form>
{% if texts %}<table id="sms-list"><tr><th>时间</th><th>手机号码</th><th>短信内容</th></tr>
{% for text in texts %}<tr><td>{{ text.received_at }}</td><td>{{ masked(text.mobile) }}</td>
<td class="sms-body">{{ text.body }}</td></tr>{% endfor %}</table>
{% else %}<p id="sms-empty">暂无短信</p>{% endif %}
</body></html>"""


# served as a file, not a <style> block: the gateway's CSP allows 'self' styles only (and routes /dev/sms/* here)
_STYLES = """body{font-family:sans-serif;margin:2rem;max-width:60rem}
td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top}
table{border-collapse:collapse;width:100%}
"""


def _texts(phone: str | None, limit: int) -> list[DevInboxText]:
    if phone and not is_valid_mobile(phone):
        raise ApiError("VALIDATION_FAILED", "手机号码格式不正确", 422, errors={"phone": ["手机号码格式不正确"]})
    statement = select(DevInboxText).order_by(DevInboxText.received_at.desc()).limit(max(1, min(limit, 200)))
    if phone:
        statement = statement.where(DevInboxText.mobile == phone)
    with current_runtime().db.transaction() as session:
        return list(session.scalars(statement))


@blp.get("/api/v1/notifications/dev/sms")
def dev_sms_json():
    try:
        args = DevInboxArgs().load(request.args)
    except ValidationError as error:
        raise ApiError("VALIDATION_FAILED", "查询条件不正确", 422) from error
    return {"items": DevTextSchema(many=True).dump(_texts(args["phone"], args["limit"]))}


@blp.get("/dev/sms")
def dev_sms_page():
    phone = (request.args.get("phone") or "").strip() or None
    try:
        texts = _texts(phone, 50)
    except ApiError:
        texts = []
    return render_template_string(_PAGE, texts=texts, phone=phone, masked=mask_mobile)


@blp.get("/dev/sms/static/inbox.css")
def dev_sms_styles():
    return Response(_STYLES, mimetype="text/css", headers={"Cache-Control": "public, max-age=3600"})
