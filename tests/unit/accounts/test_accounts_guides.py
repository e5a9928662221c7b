from datetime import date

import pytest

from services.accounts.domain.directory import default_directory
from services.accounts.domain.errors import RuleViolation
from services.accounts.domain.guides import GuideCategory, MalformedGuide, default_guides, parse_guide
from services.accounts.events import CONTINUITY_RULE_TEXT


def test_there_are_at_least_three_loan_and_three_withdrawal_articles_with_bodies():
    library = default_guides()
    for category in ("loan", "withdrawal"):
        articles = library.select(category=category)
        assert len(articles) >= 3
        assert all(len(article.body) > 200 and article.title for article in articles)


def test_there_are_at_least_two_deposit_and_two_other_articles():
    library = default_guides()
    assert len(library.select(category="deposit")) >= 2
    assert len(library.select(category="other")) >= 2


def test_the_other_articles_cover_registration_mobile_change_and_the_hotline():
    bodies = " ".join(guide.body for guide in default_guides().select(category="other"))
    assert "用户名" in bodies and "6-16位" in bodies
    assert "单位开具的介绍信" in bodies
    assert "12329" in bodies


def test_the_loan_process_follows_the_manuals_seven_steps():
    body = default_guides().get("loan-process").body
    assert "咨询 → 网厅预申请 → 审核审批 → 签订合同 → 抵押登记 → 贷款发放 → 贷款归还" in body


def test_a_centres_own_article_is_listed_only_for_that_centre():
    library = default_guides()
    assert "yinchuan-deposit-2026" in [guide.id for guide in library.select(center="yinchuan")]
    assert "yinchuan-deposit-2026" not in [guide.id for guide in library.select(center="guyuan")]
    assert len(library.select(center="guyuan")) == len([g for g in library.guides if g.center == "all"])


def test_the_deposit_guide_quotes_every_centres_bounds_from_the_directory():
    body = default_guides().get("deposit-base-ratio").body
    for center in default_directory().centers:
        rules = center.deposit_rules
        assert f"| {center.name} | {rules.base_min:,} | {rules.base_max:,} |" in body


def test_an_unknown_guide_or_category_is_refused():
    with pytest.raises(RuleViolation) as refused:
        default_guides().get("nope")
    assert refused.value.code == "GUIDE_NOT_FOUND"
    with pytest.raises(RuleViolation) as refused:
        default_guides().select(category="pension")
    assert refused.value.code == "UNKNOWN_CATEGORY"


def test_front_matter_is_parsed_by_hand():
    guide = parse_guide(
        "---\nid: a\ntitle: 标题: 含冒号\ncategory: other\ncenter: all\nupdated: 2026-07-01\n---\n\n正文\n"
    )
    assert (guide.id, guide.title, guide.category, guide.updated) == (
        "a",
        "标题: 含冒号",
        GuideCategory.OTHER,
        date(2026, 7, 1),
    )
    assert guide.body == "正文"


@pytest.mark.parametrize(
    "text",
    [
        "no front matter",
        "---\nid: a\n",
        "---\nid: a\ntitle: t\ncategory: pension\ncenter: all\nupdated: 2026-07-01\n---\nbody",
        "---\nid: a\ntitle: t\ncategory: loan\ncenter: all\nupdated: 2026-07-01\n---\n",
    ],
)
def test_a_malformed_article_is_refused_at_load_time(text):
    with pytest.raises(MalformedGuide):
        parse_guide(text)


def test_the_loan_conditions_article_quotes_the_continuity_rule_the_hall_counts_with():
    article = default_guides().get("loan-conditions")
    assert CONTINUITY_RULE_TEXT in article.body and "{{" not in article.body
