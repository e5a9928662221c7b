"""Withdrawals' public API (no login needed): the reasons with their materials and rules (by centre), the branches
that keep appointments, the days that may be booked and each day's slots with places left."""

from datetime import timedelta

from flask_smorest import Blueprint

from chassis import clock
from chassis.errors import ApiError
from chassis.runtime import current_runtime
from services.withdrawals.adapters.directory import directory_of
from services.withdrawals.cases import booking
from services.withdrawals.domain.reason_catalogue import CENTRE_CODES, catalogue_for
from services.withdrawals.schemas import (
    BookingWindowOut,
    BranchesOut,
    ReasonsArgs,
    ReasonsOut,
    SlotsArgs,
    SlotsOut,
    reason_out,
)

blp = Blueprint("withdrawals_public", __name__, url_prefix="/api/v1/withdrawals", description="提取事由与预约时段")


def _center(requested: str | None) -> str:
    center = requested or _caller_center()
    if center not in CENTRE_CODES:
        raise ApiError("UNKNOWN_CENTER", f"不存在的管理中心：{center}", 404)
    return center


def _caller_center() -> str:
    try:
        from chassis.auth import authenticate

        return authenticate(current_runtime().token_verifier).center or "yinchuan"
    except ApiError:
        return "yinchuan"  # the reasons page is public; without a login it shows the capital's centre


@blp.route("/reasons", methods=["GET"])
@blp.arguments(ReasonsArgs, location="query")
@blp.response(200, ReasonsOut)
def reasons(args):
    """提取事由：所需材料和办理条件（按管理中心）"""
    center = _center(args.get("center"))
    return {"center": center, "items": [reason_out(reason) for reason in catalogue_for(center).offered()]}


@blp.route("/centers/<center>/branches", methods=["GET"])
@blp.response(200, BranchesOut)
def branches(center):
    """可预约的网点"""
    branches = directory_of(current_runtime()).of_center(_center(center))
    return {"items": [branch.__dict__ for branch in branches]}


def branch_named(code: str):
    branch = directory_of(current_runtime()).find(code)
    if branch is None:
        raise ApiError("BRANCH_NOT_FOUND", "网点不存在", 404)
    return branch


@blp.route("/booking-window", methods=["GET"])
@blp.response(200, BookingWindowOut)
def booking_window():
    """可预约的日期范围（按北京时间的今天计算）"""
    today, days = clock.today(), current_runtime().config.max_days_ahead
    return {"today": today, "first_day": today, "last_day": today + timedelta(days=days), "max_days_ahead": days}


@blp.route("/branches/<code>/slots", methods=["GET"])
@blp.arguments(SlotsArgs, location="query")
@blp.response(200, SlotsOut)
def slots(args, code):
    """网点某日的预约时段与剩余名额"""
    branch = branch_named(code)
    with current_runtime().db.transaction() as session:
        open_slots = booking.open_slots(session, branch, args["date"], current_runtime().config)
    items = [
        {
            "start": slot.start.isoformat(),
            "end": slot.end.isoformat(),
            "label": slot.label,
            "capacity": slot.capacity,
            "places_left": left,
        }
        for slot, left in open_slots
    ]
    return {"branch_code": branch.code, "branch_name": branch.name, "date": args["date"], "items": items}
