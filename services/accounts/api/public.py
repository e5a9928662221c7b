"""Accounts' public API (no login): the centres, their branches (§5) and the service guides (§9)."""

from flask_smorest import Blueprint

from chassis.errors import ApiError
from services.accounts import schemas
from services.accounts.domain.directory import default_directory
from services.accounts.domain.guides import default_guides

blp = Blueprint("accounts_public", __name__, url_prefix="/api/v1/accounts", description="管理中心、网点与办事指南")


@blp.route("/centers")
@blp.response(200, schemas.CenterSchema(many=True))
def centers():
    """管理中心"""
    return list(default_directory().centers)


@blp.route("/centers/<code>/branches")
@blp.response(200, schemas.BranchSchema(many=True))
def branches(code):
    """某管理中心的服务网点：地址、电话、办公时间、地图位置"""
    directory = default_directory()
    if not directory.is_known(code):
        raise ApiError("CENTER_NOT_FOUND", f"不存在的管理中心：{code}", 404)
    return list(directory.branches(code))


@blp.route("/guides")
@blp.arguments(schemas.GuideArgs, location="query")
@blp.response(200, schemas.GuideRowSchema(many=True))
def guides(args):
    """办事指南列表（按中心、分类筛选）"""
    center = args.get("center")
    if center and not default_directory().is_known(center):
        raise ApiError("CENTER_NOT_FOUND", f"不存在的管理中心：{center}", 404)
    return default_guides().select(center=center, category=args.get("category"))


@blp.route("/guides/<guide_id>")
@blp.response(200, schemas.GuideSchema)
def guide(guide_id):
    return default_guides().get(guide_id)
