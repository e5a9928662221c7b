import re
from decimal import Decimal

import pytest

from services.accounts.domain.directory import default_directory
from services.accounts.domain.errors import RuleViolation

AREA_CODES = {
    "nx-region": "0951",
    "yinchuan": "0951",
    "shizuishan": "0952",
    "wuzhong": "0953",
    "guyuan": "0954",
    "zhongwei": "0955",
}


def test_the_six_centres_are_listed_in_order_with_their_chinese_names():
    directory = default_directory()
    assert directory.codes() == list(AREA_CODES)
    assert directory.center("nx-region").name == "宁夏住房资金管理中心（区直）"
    assert directory.center("zhongwei").name == "中卫市住房公积金管理中心"


@pytest.mark.parametrize("code", list(AREA_CODES))
def test_each_centre_has_two_to_four_branches_with_local_phones_and_positions_in_ningxia(code):
    branches = default_directory().branches(code)
    assert 2 <= len(branches) <= 4
    for branch in branches:
        assert branch.code.startswith(code)
        assert re.fullmatch(rf"{AREA_CODES[code]}-\d{{7,8}}", branch.phone)
        assert branch.address.startswith("宁夏")
        assert "周一至周五" in branch.hours
        assert 35.2 < branch.lat < 39.5 and 104.2 < branch.lng < 107.7


def test_branch_codes_are_unique_across_the_region():
    codes = [branch.code for center in default_directory().centers for branch in center.branches]
    assert len(codes) == len(set(codes))


def test_yinchuan_bounds_are_the_2026_figures_and_ratios_are_5_to_12_percent_everywhere():
    directory = default_directory()
    rules = directory.deposit_rules("yinchuan")
    assert (rules.base_min, rules.base_max) == (Decimal("2050"), Decimal("33747"))
    for center in directory.centers:
        assert center.deposit_rules.ratio_min == Decimal("0.05")
        assert center.deposit_rules.ratio_max == Decimal("0.12")
        assert center.deposit_rules.base_min < center.deposit_rules.base_max


def test_an_unknown_centre_is_refused_with_a_chinese_message():
    with pytest.raises(RuleViolation) as refused:
        default_directory().center("beijing")
    assert refused.value.code == "UNKNOWN_CENTER"
    assert "beijing" in refused.value.detail
