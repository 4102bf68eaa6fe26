"""Validators for what clerks type: phones, dates, districts, yes/no, numbers."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from forms.validators import (
    ValidationError,
    clean_text,
    parse_bool,
    parse_date,
    parse_decimal,
    parse_int,
    to_halfwidth,
    validate_date,
    validate_district,
    validate_phone,
)


# ------------------------------------------------------------------------------ text
def test_halfwidth_and_clean_text():
    assert to_halfwidth("ＡＢＣ１２３，（）") == "ABC123,()"
    assert to_halfwidth("重庆市") == "重庆市"
    assert clean_text("  重庆\u3000 瑞恒\u00a0\n公司 ") == "重庆 瑞恒 公司"
    assert clean_text(None) == ""


# ------------------------------------------------------------------------------ phones
@pytest.mark.parametrize("raw,expected", [
    ("13800138000", "13800138000"),
    ("138 0013 8000", "13800138000"),
    ("138-0013-8000", "13800138000"),
    ("１３８００１３８０００", "13800138000"),
    ("+86 138 0013 8000", "13800138000"),
    ("+8613800138000", "13800138000"),
    ("0086 13800138000", "13800138000"),
    (13800138000, "13800138000"),  # a number cell from Excel
    (13800138000.0, "13800138000"),
    ("023-67891234", "023-67891234"),
    ("02367891234", "023-67891234"),
    ("(023)67891234", "023-67891234"),
    ("（023）67891234", "023-67891234"),
    ("023—67891234", "023-67891234"),
    ("67891234", "023-67891234"),  # 8 digits: a Chongqing landline without area code
    ("023-67891234-801", "023-67891234-801"),
    ("023-67891234转801", "023-67891234-801"),
    ("+86 23 6789 1234", "023-67891234"),
    ("0755-12345678", "0755-12345678"),
    ("075512345678", "0755-12345678"),
    ("010-12345678", "010-12345678"),
])
def test_phone_accepts(raw, expected):
    assert validate_phone(raw) == expected


@pytest.mark.parametrize("raw,reason", [
    ("", "请填写联系电话"),
    ("1380013800", "手机号应为11位数字，现在是10位"),
    ("138001380001", "手机号应为11位数字，现在是12位"),
    ("电话待补", "电话格式不对"),
    ("12345", "手机号应为11位"),
    ("023-123", "电话格式不对"),
    ("abc-defg", "电话格式不对"),
])
def test_phone_rejects_with_reason(raw, reason):
    with pytest.raises(ValidationError, match=reason):
        validate_phone(raw)


def test_phone_message_shows_an_example():
    with pytest.raises(ValidationError) as exc:
        validate_phone("无")
    assert "023-67891234" in str(exc.value)


# ------------------------------------------------------------------------------ dates
@pytest.mark.parametrize("raw", [
    "2024-05-06", "2024/5/6", "2024.5.6", "2024年5月6日", "2024年05月06日", "20240506",
    "２０２４－０５－０６", " 2024-5-6 ", "2024-05-06 09:30", "2024-05-06 9:30",
    "2024-05-06 09:30:15", "2024-05-06T09:30:00", "2024年5月6日 9:30",
    45418, 45418.0, "45418", "45418.0",  # Excel serials, as numbers and as text
    dt.date(2024, 5, 6), dt.datetime(2024, 5, 6, 17, 45),
])
def test_date_accepts(raw):
    assert parse_date(raw) == dt.date(2024, 5, 6)


def test_excel_serial_epoch():
    assert parse_date(1) == dt.date(1899, 12, 31)
    assert parse_date(45292) == dt.date(2024, 1, 1)


@pytest.mark.parametrize("raw,reason", [
    ("2024-02-30", "不是存在的日期（2024年2月30日）"),
    ("2023-02-29", "不是存在的日期"),
    ("2024-13-01", "不是存在的日期"),
    ("2024年5月", "不是可识别的日期"),
    ("去年五月", "不是可识别的日期"),
    ("5/6/2024", "不是可识别的日期"),
    ("", "请填写日期"),
    (0, "不是有效的日期"),
    (-5, "不是有效的日期"),
    (float("nan"), "不是有效的日期"),
    (10**9, "不是有效的日期"),
])
def test_date_rejects_with_reason(raw, reason):
    with pytest.raises(ValidationError, match=reason):
        parse_date(raw)


def test_leap_day_is_a_real_date():
    assert parse_date("2024-02-29") == dt.date(2024, 2, 29)


def test_validate_date_limits():
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    with pytest.raises(ValidationError, match="晚于今天"):
        validate_date(tomorrow, not_after_today=True)
    assert validate_date(tomorrow) == tomorrow
    with pytest.raises(ValidationError, match="早于 1900-01-01"):
        validate_date("1899-12-31", earliest=dt.date(1900, 1, 1))


# ------------------------------------------------------------------------------ districts
@pytest.mark.parametrize("raw,code", [
    ("500112", "500112"),
    ("渝北区", "500112"),
    ("渝北", "500112"),
    ("重庆市渝北区", "500112"),
    ("500112 渝北区", "500112"),  # the label shown in lists and the Excel form's drop-down
    (" 渝北区 ", "500112"),
    ("５００１１２", "500112"),
    ("忠县", "500233"),
    ("石柱", "500240"),
    ("石柱土家族自治县", "500240"),
    ("彭水苗族土家族自治县", "500243"),
    ("秀山", "500241"),
    ("两江新区", "LJXQ"),
])
def test_district_accepts(raw, code):
    assert validate_district(raw) == code


def test_district_outside_chongqing_code():
    with pytest.raises(ValidationError) as exc:
        validate_district("110101")
    assert "110101 不是重庆市的区县" in str(exc.value)
    assert "5001xx" in str(exc.value)


@pytest.mark.parametrize("raw", ["北京市东城区", "渝北县", "abc"])
def test_district_unknown_name(raw):
    with pytest.raises(ValidationError, match="不是重庆市的区县，请从列表中选择"):
        validate_district(raw)


def test_district_empty():
    with pytest.raises(ValidationError, match="请选择区县"):
        validate_district("")


# ------------------------------------------------------------------------------ yes / no
@pytest.mark.parametrize("raw", ["是", "√", "✓", "Y", "y", "yes", "True", "TRUE", "1", 1, "有", "Ｙ", True])
def test_bool_yes(raw):
    assert parse_bool(raw) is True


@pytest.mark.parametrize("raw", ["否", "×", "X", "N", "n", "no", "false", "FALSE", "0", 0, "无", "不是", False])
def test_bool_no(raw):
    assert parse_bool(raw) is False


@pytest.mark.parametrize("raw", ["也许", "2", "", "是否"])
def test_bool_other(raw):
    with pytest.raises(ValidationError, match="请填写“是”或“否”"):
        parse_bool(raw)


# ------------------------------------------------------------------------------ numbers
@pytest.mark.parametrize("raw,value", [
    ("12", 12), ("１２", 12), ("1,234", 1234), ("１，２３４", 1234), (" 7 ", 7), ("5人", 5),
    ("3.0", 3), (4.0, 4), (9, 9), ("-2", -2), ("+8", 8),
])
def test_int_accepts(raw, value):
    assert parse_int(raw) == value


@pytest.mark.parametrize("raw", ["1.5", 1.5, "十二", "", True, "1" * 400, "1e5", float("inf")])
def test_int_rejects(raw):
    with pytest.raises(ValidationError):
        parse_int(raw)


def test_int_limits():
    with pytest.raises(ValidationError, match="不能小于 0"):
        parse_int("-1", minimum=0)
    with pytest.raises(ValidationError, match="不能大于 10"):
        parse_int("11", maximum=10)
    assert parse_int("0", minimum=0) == 0


@pytest.mark.parametrize("raw,value", [
    ("12.5", Decimal("12.5")), ("１２．５", Decimal("12.5")), ("1,234.50", Decimal("1234.50")),
    ("１，２３４．５", Decimal("1234.5")), ("85%", Decimal("85")), (3, Decimal("3")),
    (Decimal("0.1"), Decimal("0.1")), (" -0.25 ", Decimal("-0.25")),
])
def test_decimal_accepts(raw, value):
    assert parse_decimal(raw) == value


@pytest.mark.parametrize("raw", ["abc", "", "NaN", "Infinity", float("nan"), True, "1..2"])
def test_decimal_rejects(raw):
    with pytest.raises(ValidationError, match="数字"):
        parse_decimal(raw)


def test_decimal_minimum():
    with pytest.raises(ValidationError, match="不能小于 0"):
        parse_decimal("-0.5", minimum=Decimal(0))


def test_year_in_a_number_cell_is_not_taken_for_an_excel_serial():
    import pytest

    from forms.validators import ValidationError, parse_date

    with pytest.raises(ValidationError, match="像是年份"):
        parse_date(2024)


def test_district_with_chongqing_prefix_without_shi():
    from forms.validators import validate_district

    assert validate_district("重庆渝北区") == "500112"
