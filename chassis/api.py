"""HTTP plumbing for service APIs: list arguments and pages, and Idempotency-Key replay for creating writes."""

import functools
import hashlib
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


# a claim whose request never finished (its process died between the write and storing the answer) is given up
# after this long, so the client's retry runs the request again rather than waiting for ever
IDEMPOTENCY_CLAIM_SECONDS = 60
_IN_PROGRESS = 0


def idempotent(db_of: Callable[[], Any]) -> Callable:
    """Replay the stored reply when the same caller sends the same Idempotency-Key again.

    `db_of()` returns the service's Database. The key is optional; without it the write just runs. Put it below
    the auth decorator so the key belongs to the signed-in caller. The first request claims the key before it runs;
    a duplicate arriving meanwhile gets 409 IDEMPOTENCY_IN_PROGRESS with Retry-After, one arriving after gets the
    stored answer, and the same key with another body or path gets 422 IDEMPOTENCY_KEY_REUSED. Never another error.
    """

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            key = request.headers.get("Idempotency-Key", "").strip()
            if not key:
                return view(*args, **kwargs)
            if len(key) > 64:
                raise ApiError("IDEMPOTENCY_KEY_INVALID", "Idempotency-Key 不能超过64个字符", 400)
            claim = _Claim(db_of(), _idempotency_owner(), key, _request_fingerprint())
            answered = claim.take()
            if answered is not None:
                return answered
            try:
                response = _as_response(view(*args, **kwargs))
            except BaseException:
                claim.release()
                raise
            if response.status_code >= 500:
                claim.release()  # nothing was done: a retry runs the request again
            else:
                claim.complete(response)
            return response

        return wrapper

    return decorate


def _request_fingerprint() -> str:
    digest = hashlib.sha256(request.get_data(cache=True)).hexdigest()[:16]
    return f"{request.method} {request.path}"[:180] + "#" + digest


class _Claim:
    """One caller's key: claimed by an insert (the primary key decides who was first), then completed or released."""

    def __init__(self, db: Any, caller: str, key: str, fingerprint: str):
        self.db, self.caller, self.key, self.fingerprint = db, caller, key, fingerprint

    def _row(self):
        return idempotency_keys.c.caller == self.caller, idempotency_keys.c.key == self.key

    def take(self) -> Response | None:
        """None when this request now holds the key; otherwise the answer to give."""
        for _attempt in range(3):
            try:
                with self.db.transaction() as session:
                    session.execute(
                        idempotency_keys.insert().values(
                            caller=self.caller,
                            key=self.key,
                            endpoint=self.fingerprint,
                            status=_IN_PROGRESS,
                            body="",
                            created_at=clock.now(),
                        )
                    )
                return None
            except IntegrityError:
                pass
            with self.db.transaction() as session:
                row = session.execute(select(idempotency_keys).where(*self._row())).first()
                if row is None:
                    continue  # released between our insert and our read: try to claim it again
                if row.endpoint not in (self.fingerprint, request.path[:200]):  # (the path alone: an older row)
                    raise ApiError("IDEMPOTENCY_KEY_REUSED", "该 Idempotency-Key 已用于其他请求", 422)
                if row.status != _IN_PROGRESS:
                    return _replay(row)
                if clock.now() - row.created_at < timedelta(seconds=IDEMPOTENCY_CLAIM_SECONDS):
                    raise _in_progress()
                session.execute(
                    idempotency_keys.delete().where(*self._row(), idempotency_keys.c.status == _IN_PROGRESS)
                )
        raise ApiError(
            "IDEMPOTENCY_IN_PROGRESS", "相同的请求正在处理中，请稍后查看结果", 409, headers={"Retry-After": "1"}
        )

    def complete(self, response: Response) -> None:
        with self.db.transaction() as session:
            session.execute(
                idempotency_keys.update()
                .where(*self._row())
                .values(status=response.status_code, body=response.get_data(as_text=True))
            )

    def release(self) -> None:
        with self.db.transaction() as session:
            session.execute(idempotency_keys.delete().where(*self._row(), idempotency_keys.c.status == _IN_PROGRESS))


def _in_progress() -> ApiError:
    return ApiError(
        "IDEMPOTENCY_IN_PROGRESS",
        "相同的请求正在处理中，请稍后查看结果",
        409,
        headers={"Retry-After": "1"},
        retry_after=1,
    )


def _idempotency_owner() -> str:
    """The signed-in caller; for writes before login (registration) the client address stands in."""
    from flask import g

    caller = getattr(g, "caller", None)
    if caller is not None:
        return caller.sub[:64]
    forwarded = request.headers.get("X-Forwarded-For", "").split(",")[0].strip()
    return ("anon:" + (forwarded or request.remote_addr or "unknown"))[:64]


def _replay(row) -> Response:
    response = Response(row.body, status=row.status, mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _as_response(result: Any) -> Response:
    from flask import current_app

    return current_app.make_response(result)


def json_body(response: Response) -> Any:
    return json.loads(response.get_data(as_text=True))
