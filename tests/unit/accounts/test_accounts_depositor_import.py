from datetime import date
from decimal import Decimal

import pytest

from services.accounts.domain.depositor_import import ImportRules, validate_csv, validate_rows
from services.accounts.domain.directory import default_directory
from services.accounts.domain.errors import ImportRejected

TODAY = date(2026, 11, 22)
HEADER = (
    "center,name,id_number,mobile,employer_name,employer_account_no,"
    "deposit_base,employer_ratio,personal_ratio,opened_on,account_no"
)
ZHANG_WEI = "yinchuan,张伟,640105198506153219,13895000001,银川市第一中学,1001001,6000,0.12,0.12,2015-07-01,"
LI_NA = "wuzhong,李娜,64030219920720051X,13995000002,吴忠市人民医院,3002001,4050,0.07,0.07,2018-03-01,"


def good_row(**changes):
    row = {
        "center": "yinchuan",
        "name": "张伟",
        "id_number": "640105198506153219",
        "mobile": "13895000001",
        "employer_name": "银川市第一中学",
        "employer_account_no": "1001001",
        "deposit_base": "6000",
        "employer_ratio": "0.12",
        "personal_ratio": "0.12",
        "opened_on": "2015-07-01",
    }
    row.update(changes)
    return row


def rejected(call):
    with pytest.raises(ImportRejected) as refused:
        call()
    assert refused.value.code == "IMPORT_REJECTED"
    return {(error.row, error.field): error.message for error in refused.value.errors}


def test_a_clean_csv_gives_every_row_with_its_monthly_deposit():
    rows = validate_csv("\n".join([HEADER, ZHANG_WEI, LI_NA]), default_directory(), TODAY)
    assert [row.name for row in rows] == ["张伟", "李娜"]
    assert rows[0].monthly.total == Decimal("1440.00")
    assert rows[1].monthly.unit_amount == Decimal("284.00")
    assert rows[1].id_number == "64030219920720051X"
    assert rows[1].opened_on == date(2018, 3, 1)
    assert rows[0].account_no is None


def test_chinese_headers_and_an_excel_bom_are_accepted():
    header = "\ufeff所属中心,姓名,身份证号,手机号码,单位名称,单位账号,缴存基数,单位缴存比例,个人缴存比例,开户日期"
    rows = validate_csv(f"{header}\n{ZHANG_WEI.rstrip(',')}", default_directory(), TODAY)
    assert rows[0].center == "yinchuan"


def test_every_bad_row_of_a_csv_is_reported_and_nothing_is_returned():
    text = "\n".join(
        [
            HEADER,
            ZHANG_WEI,
            "yinchuan,王芳,640105198506153218,13895000003,银川市第一中学,1001001,6000,0.12,0.12,2020-01-01,",
            "guyuan,赵强,640402199001010011,2389500004,固原市医院,5001001,1800,0.12,0.12,2020-01-01,",
            "",
            "yinchuan,刘洋,640105198506153219,13895000005,银川市第一中学,1001001,6000,12,0.04,2020-01-01,",
            "beijing,陈静,640105199203150023,13895000006,某公司,9009009,6000,0.12,0.12,2030-01-01,",
            LI_NA,
        ]
    )
    errors = rejected(lambda: validate_csv(text, default_directory(), TODAY))
    assert (1, "id_number") not in errors
    assert "校验位" in errors[(2, "id_number")]
    assert errors[(3, "mobile")] == "手机号码格式不正确，应为11位手机号"
    assert errors[(3, "deposit_base")] == "缴存基数应在1,900.00元至26,835.00元之间，当前为1,800.00元"
    # row 4 is a blank line: skipped, but the rows after it keep their own numbers
    assert errors[(5, "id_number")] == "与第1条记录的身份证号重复"
    assert errors[(5, "employer_ratio")] == "单位缴存比例：比例请按小数填写，如12%填0.12"
    assert "个人缴存比例应在5%至12%之间" in errors[(5, "personal_ratio")]
    assert errors[(6, "center")].startswith("不存在的管理中心：beijing")
    assert errors[(6, "opened_on")] == "开户日期不能晚于今天"
    assert not any(row == 7 for row, _ in errors)
    assert len(errors) == 8


def test_json_rows_with_numbers_and_missing_fields_are_all_reported():
    rows = [
        good_row(deposit_base=6000, employer_ratio=0.12, personal_ratio=0.12),
        good_row(id_number="11010519491231002X", name="", mobile=None),
        "not an object",
    ]
    errors = rejected(lambda: validate_rows(rows, default_directory(), TODAY))
    assert errors == {
        (2, "name"): "姓名不能为空",
        (2, "mobile"): "手机号码不能为空",
        (3, "row"): "每条记录应为一个对象",
    }


def test_one_employer_account_number_with_two_names_is_refused():
    rows = [good_row(), good_row(id_number="11010519491231002X", employer_name="银川二中")]
    errors = rejected(lambda: validate_rows(rows, default_directory(), TODAY))
    assert "银川市第一中学" in errors[(2, "employer_name")]


def test_duplicate_account_numbers_are_refused():
    rows = [good_row(account_no="1234567"), good_row(id_number="11010519491231002X", account_no="1234567")]
    errors = rejected(lambda: validate_rows(rows, default_directory(), TODAY))
    assert errors == {(2, "account_no"): "与第1条记录的个人账号重复"}


def test_a_header_missing_columns_is_refused_before_any_row():
    errors = rejected(lambda: validate_csv("center,name\nyinchuan,张伟", default_directory(), TODAY))
    assert "id_number（身份证号）" in errors[(0, "header")]


def test_an_empty_import_and_too_many_rows_are_refused():
    assert rejected(lambda: validate_rows([], default_directory(), TODAY)) == {(0, "rows"): "没有可导入的记录"}
    errors = rejected(lambda: validate_rows([good_row()] * 3, default_directory(), TODAY, ImportRules(max_rows=2)))
    assert errors == {(0, "rows"): "一次最多导入2条记录，本次为3条"}


def test_the_rejection_maps_errors_by_row_and_field_for_problem_json():
    with pytest.raises(ImportRejected) as refused:
        validate_rows([good_row(mobile="12345")], default_directory(), TODAY)
    assert refused.value.errors_by_row() == {"1.mobile": ["手机号码格式不正确，应为11位手机号"]}
    assert refused.value.detail == "导入数据共有1处错误，未导入任何记录，请修改后重新导入"
