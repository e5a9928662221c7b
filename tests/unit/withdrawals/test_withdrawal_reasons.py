"""The reason catalogue: the national codes, their materials and rules, and each centre's overrides."""

from decimal import Decimal

import pytest

from services.withdrawals.domain.errors import RuleViolation
from services.withdrawals.domain.reason_catalogue import (
    CENTRE_CODES,
    DEFAULT_CATALOGUE,
    catalogue_for,
)
from services.withdrawals.domain.reasons import AccountStatus, FrequencyKind, RentCap


def test_catalogue_holds_the_ten_national_reasons_in_order():
    assert [(r.code, r.name) for r in DEFAULT_CATALOGUE.reasons] == [
        ("01", "购买住房"),
        ("02", "建造/翻修/大修"),
        ("03", "离休/退休"),
        ("04", "完全丧失劳动能力并终止劳动关系"),
        ("05", "户口迁出或出境定居"),
        ("06", "偿还购房贷款本息"),
        ("07", "租房"),
        ("08", "死亡"),
        ("09", "大病医疗"),
        ("99", "其他"),
    ]


@pytest.mark.parametrize("reason", DEFAULT_CATALOGUE.reasons, ids=lambda r: r.code)
def test_every_reason_asks_for_the_id_card_and_an_own_bank_card_first(reason):
    names = [material.name for material in reason.materials]
    assert names[:2] == ["本人身份证", "本人名下银行卡"]
    assert len(names) >= 3, "a reason also needs the proof of its event"


def test_only_retirement_emigration_and_death_take_the_whole_balance():
    closing = [r.code for r in DEFAULT_CATALOGUE.reasons if r.closes_account]
    assert closing == ["03", "05", "08"]


def test_rent_is_the_one_reason_a_sealed_account_cannot_use():
    refused = [r.code for r in DEFAULT_CATALOGUE.reasons if AccountStatus.SEALED not in r.rules.allowed_statuses]
    assert refused == ["07"]
    for reason in DEFAULT_CATALOGUE.reasons:
        assert AccountStatus.FROZEN not in reason.rules.allowed_statuses
        assert AccountStatus.CLOSED not in reason.rules.allowed_statuses


def test_rent_rules_follow_the_regional_defaults():
    rent = DEFAULT_CATALOGUE.get("07")
    assert rent.rules.rent_cap == RentCap(monthly=Decimal("1800.00"), yearly=Decimal("21600.00"))
    assert rent.rules.min_deposit_months == 3
    assert rent.rules.requires_no_home
    assert rent.rules.frequency.kind is FrequencyKind.ONCE_PER_YEAR
    assert [f.name for f in rent.fields] == ["monthly_rent", "lease_start", "lease_end", "no_home_declared"]


def test_purchase_is_once_per_house_and_capped_by_the_house_price():
    purchase = DEFAULT_CATALOGUE.get("01")
    assert purchase.rules.frequency.kind is FrequencyKind.ONCE_PER_REFERENCE
    assert purchase.rules.frequency.reference_field == "contract_no"
    assert purchase.rules.amount_within_fields == ("house_price",)


def test_rule_lines_describe_rent_in_chinese():
    assert DEFAULT_CATALOGUE.get("07").rule_lines() == [
        "每月不超过1,800.00元且不超过实际月租金，每年不超过21,600.00元",
        "须连续足额缴存满3个月",
        "正常状态的账户可办理",
        "本人及配偶在缴存地无自有住房",
        "有未结清住房公积金贷款的不能办理",
        "每12个月限提取一次",
    ]


def test_every_centre_starts_from_the_regional_catalogue():
    assert len(CENTRE_CODES) == 6
    for centre in CENTRE_CODES:
        assert catalogue_for(centre) == DEFAULT_CATALOGUE


def test_a_centre_overrides_a_reason_without_touching_the_others():
    overrides = {
        "yinchuan": {
            "07": {"rent_cap": RentCap(monthly=Decimal("1500"), yearly=Decimal("18000"))},
            "04": {"whole_balance": True},
            "99": {"enabled": False},
        },
        "guyuan": {},
    }
    yinchuan = catalogue_for("yinchuan", overrides)
    assert yinchuan.get("07").rules.rent_cap.yearly == Decimal("18000")
    assert yinchuan.get("07").rules.min_deposit_months == 3
    assert yinchuan.get("04").closes_account
    assert [r.code for r in yinchuan.offered()][-1] == "09"
    assert catalogue_for("guyuan", overrides).get("07").rules.rent_cap.yearly == Decimal("21600.00")


def test_an_override_naming_an_unknown_setting_is_a_configuration_error():
    with pytest.raises(ValueError, match="rent_limit"):
        DEFAULT_CATALOGUE.with_overrides({"07": {"rent_limit": Decimal("1")}})
    with pytest.raises(ValueError, match="42"):
        DEFAULT_CATALOGUE.with_overrides({"42": {"enabled": False}})


def test_an_unknown_centre_is_refused_in_chinese():
    with pytest.raises(RuleViolation) as refused:
        catalogue_for("beijing")
    assert refused.value.code == "UNKNOWN_CENTER"
    assert refused.value.detail == "不存在的管理中心：beijing"
