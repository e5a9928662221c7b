"""HTTP plumbing for service APIs: list arguments and pages, and Idempotency-Key replay for creating writes."""

import functools
import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from flask import Response, request
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from chassis import clock
from chassis.bus.tables import idempotency_keys
from chassis.errors import ApiError

MAX_PAGE_SIZE = 100


class ListArgs(Schema):
    """`from`, `to` (YYYY-MM-DD, inclusive), `page` (from 1), `page_size` (1-100)."""

    date_from = fields.Date(data_key="from", load_default=None)
    date_to = fields.Date(data_key="to", load_default=None)
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    page_size = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))

    @validates_schema
    def _range(self, data: dict, **_kwargs) -> None:
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError("开始日期不能晚于结束日期", field_name="from")


def page_schema(item: type[Schema], name: str | None = None) -> type[Schema]:
    """The response schema `{items, total, page, page_size}` for a list of `item`."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item)),
            "total": fields.Integer(),
            "page": fields.Integer(),
            "page_size": fields.Integer(),
        },
        name=name or f"{item.__name__.removesuffix('Schema')}Page",
    )


def within_dates(statement: Select, column: Any, args: dict) -> Select:
    """`from` and `to` are China dates, both included; a moment column is bounded by China midnights."""
    moments = getattr(column.type, "python_type", date) is datetime
    if args.get("date_from"):
        first = args["date_from"]
        statement = statement.where(column >= (clock.start_of_day(first) if moments else first))
    if args.get("date_to"):
        last = args["date_to"]
        if moments:
            statement = statement.where(column < clock.start_of_day(last + timedelta(days=1)))
        else:
            statement = statement.where(column <= last)
    return statement


def paginate(session: Session, statement: Select, args: dict) -> dict[str, Any]:
    """Run `statement` (already ordered) for one page; `total` counts the whole filtered result."""
    total = session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    page, size = args.get("page", 1), args.get("page_size", 20)
    items = session.scalars(statement.limit(size).offset((page - 1) * size)).all()
    return {"items": items, "total": total or 0, "page": page, "page_size": size}


def idempotent(db_of: Callable[[], Any]) -> Callable:
    """Replay the stored reply when the same caller sends the same Idempotency-Key again.

    `db_of()` returns the service's Database. The key is optional; without it the write just runs. Put it below
    the auth decorator so the key belongs to the signed-in caller.
    """

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            key = request.headers.get("Idempotency-Key", "").strip()
            if not key:
                return view(*args, **kwargs)
            if len(key) > 64:
                raise ApiError("IDEMPOTENCY_KEY_INVALID", "Idempotency-Key 不能超过64个字符", 400)
            caller = _idempotency_owner()
            db = db_of()
            stored = _stored_reply(db, caller, key)
            if stored is not None:
                return stored
            response = _as_response(view(*args, **kwargs))
            if response.status_code < 500:
                try:
                    with db.transaction() as session:
                        session.execute(
                            idempotency_keys.insert().values(
                                caller=caller,
                                key=key,
                                endpoint=request.path[:200],
                                status=response.status_code,
                                body=response.get_data(as_text=True),
                                created_at=clock.now(),
                            )
                        )
                except IntegrityError:
                    # the same key raced in twice: answer what the first one stored
                    return _stored_reply(db, caller, key) or response
            return response

        return wrapper

    return decorate


def _idempotency_owner() -> str:
    """The signed-in caller; for writes before login (registration) the client address stands in."""
    from flask import g

    caller = getattr(g, "caller", None)
    if caller is not None:
        return caller.sub[:64]
    from chassis.client_address import client_address

    return ("anon:" + client_address())[:64]


def _stored_reply(db: Any, caller: str, key: str) -> Response | None:
    with db.transaction() as session:
        row = session.execute(
            select(idempotency_keys).where(idempotency_keys.c.caller == caller, idempotency_keys.c.key == key)
        ).first()
    if row is None:
        return None
    if row.endpoint != request.path[:200]:
        raise ApiError("IDEMPOTENCY_KEY_REUSED", "该 Idempotency-Key 已用于其他请求", 422)
    response = Response(row.body, status=row.status, mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _as_response(result: Any) -> Response:
    from flask import current_app

    return current_app.make_response(result)


def json_body(response: Response) -> Any:
    return json.loads(response.get_data(as_text=True))
