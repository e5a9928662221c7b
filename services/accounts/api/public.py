"""Accounts' public API (no login): the centres, their branches (§5), the service guides (§9) and the
verification of a certificate by its code."""

from flask_smorest import Blueprint

from chassis.certificates.api import PublicCertificateOut, not_found, public_answer
from chassis.errors import ApiError
from chassis.qr import qr_svg_data_uri
from chassis.runtime import current_runtime
from services.accounts import schemas
from services.accounts.cases.certificates import verify
from services.accounts.domain.access_links import access_links
from services.accounts.domain.certificates import KIND_LABELS
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


@blp.route("/access-links")
@blp.arguments(schemas.AccessLinksArgs, location="query")
@blp.response(200, schemas.AccessLinkSchema(many=True))
def links(args):
    """更多访问方式：本网厅、官方网站、微信公众号与手机APP的地址及其二维码（SVG）"""
    config = current_runtime().config
    directory = default_directory()
    center = args.get("center")
    if center and not directory.is_known(center):
        raise ApiError("CENTER_NOT_FOUND", f"不存在的管理中心：{center}", 404)
    website = (directory.center(center).website if center else None) or config.official_website
    addresses = {
        "hall": config.public_url.rstrip("/") + "/",
        "website": website,
        "wechat": config.wechat_url,
        "android": config.android_app_url,
        "ios": config.ios_app_url,
    }
    return [
        {"kind": link.kind, "label": link.label, "url": link.url, "qr_svg": qr_svg_data_uri(link.url, link.label)}
        for link in access_links(addresses)
    ]


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


@blp.route("/certificates/<code>")
@blp.response(200, PublicCertificateOut)
def verify_certificate(code):
    """证明核验：凭验证码查看证明的类型、内容（个人信息已脱敏）、开具日期与有效期"""
    runtime = current_runtime()
    with runtime.db.transaction() as session:
        verified = verify(session, runtime.config, code[:64])
        if verified is None:
            raise not_found()
        return public_answer(verified, KIND_LABELS)
