"""Field.parse for every kind, and FormSchema.validate over the enterprise and park forms."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from forms.fields import ENTERPRISE, PARK, SCHEMAS, Field, Kind, plain_choices
from forms.validators import ValidationError

CODE = "9150000020286320X6"


def test_every_kind_has_a_field_in_the_tests():
    covered = {Kind.TEXT, Kind.MULTILINE, Kind.CREDIT_CODE, Kind.PHONE, Kind.DATE, Kind.CHOICE,
               Kind.DISTRICT, Kind.INDUSTRY, Kind.BOOL, Kind.INT, Kind.DECIMAL, Kind.REF}
    assert covered == set(Kind)


def test_text_folds_spaces_and_limits_length():
    f = Field("name", "企业名称", max_len=10)
    assert f.parse("  重庆\u3000瑞恒  公司 ") == "重庆 瑞恒 公司"
    with pytest.raises(ValidationError, match="「企业名称」最多10个字，现在11个字"):
        f.parse("重" * 11)


def test_multiline_keeps_line_breaks():
    f = Field("notes", "备注", Kind.MULTILINE, max_len=20)
    assert f.parse(" 第一行\n第二行 ") == "第一行\n第二行"


def test_required_and_empty_values():
    req = Field("name", "企业名称", required=True)
    with pytest.raises(ValidationError, match="「企业名称」必须填写"):
        req.parse("   ")
    with pytest.raises(ValidationError, match="必须填写"):
        req.parse(None)
    assert Field("a", "A").parse("") == ""
    assert Field("a", "A", Kind.PHONE).parse("") == ""
    assert Field("a", "A", Kind.BOOL).parse("") is False
    assert Field("a", "A", Kind.DATE).parse(None) is None
    assert Field("a", "A", Kind.INT).parse(" ") is None
    assert Field("a", "A", Kind.CREDIT_CODE).parse("") is None


def test_credit_code_field_and_override():
    f = ENTERPRISE.field("credit_code")
    assert f.parse("9150000020286320x6") == CODE
    bad = CODE[:17] + "7"
    with pytest.raises(ValidationError, match="应为「6」"):
        f.parse(bad)
    with pytest.raises(ValidationError):
        f.parse(bad, override="   ")  # a blank reason is no override
    assert f.parse(bad, override="经核对营业执照原件无误") == bad


def test_phone_date_district_fields():
    assert ENTERPRISE.field("phone").parse("67891234") == "023-67891234"
    founded = ENTERPRISE.field("founded_on")
    assert founded.parse("2015年3月1日") == dt.date(2015, 3, 1)
    with pytest.raises(ValidationError, match="晚于今天"):
        founded.parse(dt.date.today() + dt.timedelta(days=3))
    with pytest.raises(ValidationError, match="早于 1900-01-01"):
        founded.parse("1850-01-01")
    assert ENTERPRISE.field("district_code").parse("渝北") == "500112"


def test_industry_field():
    f = ENTERPRISE.field("industry_code")
    assert f.parse("36") == "36"
    assert f.parse(36) == "36"
    assert f.parse(36.0) == "36"
    assert f.parse("3670") == "36"  # a 4-digit 小类 code keeps its 大类
    assert f.parse("36 汽车制造业") == "36"
    assert f.parse("汽车制造业") == "36"
    assert f.parse(1) == "01"
    for bad in ("99", "汽车", 36.5, float("nan"), "C"):
        with pytest.raises(ValidationError, match="GB/T 4754-2017"):
            f.parse(bad)


def test_choice_field_by_value_or_label():
    f = Field("level", "批准层级", Kind.CHOICE, choices=lambda: [("national", "国家级"), ("city", "市级")])
    assert f.parse("national") == "national"
    assert f.parse("市级") == "city"
    with pytest.raises(ValidationError, match="「区级」不在可选项中（national、city）"):
        f.parse("区级")
    assert PARK.field("park_type").parse("高新区") == "高新区"
    assert plain_choices(["甲", "乙"])() == [("甲", "甲"), ("乙", "乙")]


def test_bool_int_decimal_fields():
    assert ENTERPRISE.field("above_scale").parse("√") is True
    assert ENTERPRISE.field("above_scale").parse("否") is False
    staff = PARK.field("green_staff_count")
    assert staff.parse("３人") == 3
    with pytest.raises(ValidationError, match="不能小于 0"):
        staff.parse("-1")
    dec = Field("score", "评价得分", Kind.DECIMAL, minimum=0)
    assert dec.parse("８７．５") == Decimal("87.5")
    with pytest.raises(ValidationError, match="不能小于 0"):
        dec.parse("-3")


def test_ref_field():
    f = ENTERPRISE.field("park_id")
    refs = {"park": {"重庆空港工业园区": 4}}
    assert f.parse("重庆空港工业园区", refs=refs) == 4
    assert f.parse(" 重庆空港工业园区 ", refs=refs) == 4
    assert f.parse(7) == 7
    assert f.parse("") is None
    with pytest.raises(ValidationError, match="找不到名为「不存在园区」的所在园区"):
        f.parse("不存在园区", refs=refs)


def test_choice_lists():
    districts = ENTERPRISE.field("district_code").choice_list()
    assert ("500112", "500112 渝北区") in districts
    assert len([c for c, _ in districts if c.startswith("50")]) == 38
    industries = ENTERPRISE.field("industry_code").choice_list()
    assert ("36", "36 汽车制造业") in industries
    assert ENTERPRISE.field("above_scale").choice_list() == [("是", "是"), ("否", "否")]
    # every label offered in a list parses back to its value
    f = ENTERPRISE.field("district_code")
    assert all(f.parse(label) == code for code, label in districts)


def test_display():
    assert ENTERPRISE.field("above_scale").display(True) == "是"
    assert ENTERPRISE.field("founded_on").display(dt.date(2015, 3, 1)) == "2015-03-01"
    assert ENTERPRISE.field("district_code").display("500112") == "渝北区"
    assert ENTERPRISE.field("industry_code").display("36") == "36 汽车制造业"
    assert ENTERPRISE.field("name").display(None) == ""


def test_schema_validate_collects_clean_values_and_errors():
    values = {
        "name": " 重庆瑞恒汽车零部件有限公司 ",
        "credit_code": "９１５０００００２０２８６３２０ｘ６",
        "district_code": "重庆市渝北区",
        "phone": "138-0013-8000",
        "above_scale": "是",
        "founded_on": "2099-01-01",
        "industry_code": "小卖部",
    }
    clean, errors = ENTERPRISE.validate(values)
    assert clean == {
        "name": "重庆瑞恒汽车零部件有限公司",
        "credit_code": CODE,
        "district_code": "500112",
        "phone": "13800138000",
        "above_scale": True,
    }
    assert set(errors) == {"founded_on", "industry_code"}
    assert "晚于今天" in errors["founded_on"]


def test_schema_validate_uses_the_override_field():
    bad = CODE[:17] + "7"
    clean, errors = ENTERPRISE.validate({"credit_code": bad})
    assert "credit_code" in errors and "校验位不符" in errors["credit_code"]
    clean, errors = ENTERPRISE.validate({"credit_code": bad, "credit_code_override": "执照原件如此"})
    assert errors == {}
    assert clean["credit_code"] == bad
    assert clean["credit_code_override"] == "执照原件如此"


def test_schema_required_fields_and_lookup():
    clean, errors = ENTERPRISE.validate({"name": "", "credit_code": "", "district_code": ""})
    assert errors == {
        "name": "「企业名称」必须填写。",
        "credit_code": "「统一社会信用代码」必须填写。",
        "district_code": "「所在区县」必须填写。",
    }
    assert SCHEMAS == {"enterprise": ENTERPRISE, "park": PARK}
    assert ENTERPRISE.keys[:2] == ["name", "credit_code"]
    with pytest.raises(KeyError):
        ENTERPRISE.field("nope")


def test_schema_keys_are_model_columns():
    from models.entities import Enterprise, Park

    assert set(ENTERPRISE.keys) <= set(Enterprise.__table__.columns.keys())
    assert set(PARK.keys) <= set(Park.__table__.columns.keys())


def test_park_credit_code_optional():
    clean, errors = PARK.validate({"name": "重庆空港工业园区", "park_type": "工业集聚区",
                                   "district_code": "500112", "credit_code": ""})
    assert errors == {}
    assert clean["credit_code"] is None
