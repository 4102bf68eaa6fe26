"""Rows as people fill them, checked without a database or files: header detection, every
cell through the field definitions, the error's place (row, column letter, header), list
headers and column mapping."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from exports.importers.errors import Issue, column_letter
from exports.importers.forms_in import EnterpriseTarget, ParkTarget, check_grid, find_header
from exports.importers.safety import unsafe_member
from exports.importers.tables import Grid
from exports.lists import ColumnMapping, ListSpec, ListTable, _row_year, guess_spec, propose_mapping
from forms.fields import ENTERPRISE, PARK
from models.entities import Enterprise, Park
from models.stages import TitleKind

CODE = "9150000020286320X6"
CODE2 = "91500112CEPE747K5C"
HEAD = ["*企业名称", "*统一社会信用代码", "校验位例外原因", "*所在区县", "地址", "所属行业", "主要产品", "所在园区",
        "法定代表人", "联系人", "联系电话", "规上企业", "成立日期", "备注"]


def grid(rows, name="企业信息.xlsx", sheet="企业信息") -> Grid:
    return Grid(Path(name), sheet, [list(r) for r in rows])


def enterprise_row(**kw):
    row = [None] * len(HEAD)
    for k, v in kw.items():
        row[ENTERPRISE.keys.index(k)] = v
    return row


def check(rows, schema=ENTERPRISE, target=None):
    target = target or EnterpriseTarget(ENTERPRISE, Enterprise)
    return check_grid(grid(rows), schema, target)


def test_column_letters():
    assert [column_letter(i) for i in (0, 1, 25, 26, 27, 51, 52, 701, 702)] == \
        ["A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]


def test_header_found_below_title_rows_and_with_marks():
    rows = [["2026年企业信息采集表"], [None], ["企业名称（必填）", "统一社会信用代码*", "所在区县", "不知道的列"]]
    hr, cols, unknown = find_header(grid(rows), ENTERPRISE)
    assert hr == 2
    assert {c: f.key for c, f in cols.items()} == {0: "name", 1: "credit_code", 2: "district_code"}
    assert unknown == [3]


@pytest.mark.parametrize("raw, expected", [
    ("2024/5/6", dt.date(2024, 5, 6)),
    ("2024.5.6", dt.date(2024, 5, 6)),
    ("2024年5月6日", dt.date(2024, 5, 6)),
    ("２０２４－０５－０６", dt.date(2024, 5, 6)),
    (45418.0, dt.date(2024, 5, 6)),  # an Excel serial in a number cell
    ("45418", dt.date(2024, 5, 6)),  # … or typed as text
    (dt.datetime(2024, 5, 6, 0, 0), dt.date(2024, 5, 6)),  # a real date cell
])
def test_dates_people_type(raw, expected):
    preview = check([HEAD, enterprise_row(name="重庆甲公司", credit_code=CODE, district_code="渝北区", founded_on=raw)])
    [row] = preview.rows
    assert row.action == "create", row.issues
    assert row.values["founded_on"] == expected


@pytest.mark.parametrize("raw, expected", [("是", True), ("否", False), ("√", True), ("×", False), ("Y", True),
                                           ("n", False), (" 是 ", True), ("ＹＥＳ", True)])
def test_yes_no_people_type(raw, expected):
    preview = check([HEAD, enterprise_row(name="甲", credit_code=CODE, district_code="500112", above_scale=raw)])
    assert preview.rows[0].values["above_scale"] is expected


def test_messy_codes_numbers_and_spaces():
    preview = check([HEAD, enterprise_row(
        name="  重庆甲机械（集团）有限公司  ", credit_code="９１５０ ００００ ２０２８ ６３２０ｘ６", district_code="500112 渝北区",
        industry_code=34.0, phone=13800138000.0, legal_rep="张三 ", notes="第一行\n第二行")])
    [row] = preview.rows
    assert row.ok, row.issues
    v = row.values
    assert v["name"] == "重庆甲机械（集团）有限公司"
    assert v["credit_code"] == CODE
    assert v["district_code"] == "500112"
    assert v["industry_code"] == "34"
    assert v["phone"] == "13800138000"
    assert v["legal_rep"] == "张三"
    assert v["notes"] == "第一行\n第二行"
    assert row.key == CODE


def test_each_bad_cell_is_reported_with_its_place():
    rows = [HEAD,
            enterprise_row(name="重庆甲公司", credit_code="915000002028632", district_code="北京市海淀区",
                           phone="12345", above_scale="也许", founded_on="2024-02-30")]
    preview = check(rows)
    [row] = preview.rows
    assert row.action == "error" and not row.ok
    by_col = {i.column: i for i in row.issues}
    assert set(by_col) == {"B", "D", "K", "L", "M"}
    assert (by_col["B"].row, by_col["B"].header, by_col["B"].value) == (2, "统一社会信用代码", "915000002028632")
    assert "应为18位，现在是15位" in by_col["B"].reason
    assert "不是重庆市的区县" in by_col["D"].reason
    assert "“是”或“否”" in by_col["L"].reason
    assert "不是存在的日期" in by_col["M"].reason
    text = str(by_col["M"])
    assert text.startswith("企业信息.xlsx 工作表「企业信息」 第2行 M列（成立日期）：")


def test_credit_code_stored_as_a_number_by_excel():
    preview = check([HEAD, enterprise_row(name="甲", credit_code=915000002028632016.0, district_code="500112")])
    [issue] = preview.rows[0].issues
    assert issue.column == "B"
    assert "Excel 存成了数字" in issue.reason


def test_required_cells_missing():
    preview = check([HEAD, enterprise_row(name="重庆甲公司", address="某路1号")])
    reasons = {i.column: i.reason for i in preview.rows[0].issues}
    assert reasons["B"] == "「统一社会信用代码」必须填写。"
    assert reasons["D"] == "「所在区县」必须填写。"


def test_empty_rows_are_skipped_and_duplicates_flagged():
    rows = [HEAD,
            enterprise_row(name="甲", credit_code=CODE, district_code="500112"),
            [None] * len(HEAD),
            ["  ", None, ""] + [None] * (len(HEAD) - 3),
            enterprise_row(name="甲（重复）", credit_code=CODE.lower(), district_code="500112")]
    preview = check(rows)
    assert [r.row for r in preview.rows] == [2, 5]
    assert preview.rows[0].action == "create"
    assert preview.rows[1].action == "error"
    assert "与「企业信息.xlsx」第2行重复" in preview.rows[1].issues[0].reason


def test_check_override_column_lets_a_real_bad_code_through():
    bad = CODE[:17] + "7"
    rows = [HEAD,
            enterprise_row(name="甲", credit_code=bad, district_code="500112"),
            enterprise_row(name="乙", credit_code=bad[:-1] + "8", district_code="500112",
                           credit_code_override="经核对营业执照原件无误")]
    preview = check(rows)
    assert preview.rows[0].action == "error" and "校验位不符" in preview.rows[0].issues[0].reason
    assert preview.rows[1].action == "create"


def test_park_rows_and_unknown_park_reference():
    head = ["*园区名称", "*园区类型", "批准层级", "*所在区县", "管理机构", "绿色发展专职人员数", "管理机构统一社会信用代码", "备注"]
    preview = check_grid(grid([head, ["重庆甲工业园区 ", "高新区", "国家级", "渝北", None, "3人", None, None]]),
                         PARK, ParkTarget(PARK, Park))
    [row] = preview.rows
    assert row.ok, row.issues
    assert row.values == {"name": "重庆甲工业园区", "park_type": "高新区", "approval_level": "国家级",
                          "district_code": "500112", "green_staff_count": 3}
    preview = check([HEAD, enterprise_row(name="甲", credit_code=CODE, district_code="500112", park_id="不存在的园区")])
    [issue] = preview.rows[0].issues
    assert issue.column == "H" and "找不到名为「不存在的园区」" in issue.reason


def test_wrong_headers_name_the_missing_columns():
    from exports.importers.errors import FileRejected

    with pytest.raises(FileRejected) as exc:
        check([["企业名称", "地址"], ["甲", "某路"]])
    assert exc.value.code == "wrong_headers"
    assert "「统一社会信用代码」" in str(exc.value) and "「所在区县」" in str(exc.value)


def test_issue_text_does_not_repeat_the_value():
    i = Issue("a.xlsx", "表1", 3, "D", "所在区县", "北京", "「北京」不是重庆市的区县，请从列表中选择。")
    assert str(i) == "a.xlsx 工作表「表1」 第3行 D列（所在区县）：「北京」不是重庆市的区县，请从列表中选择。"


@pytest.mark.parametrize("name, unsafe", [("xl/workbook.xml", False), ("../evil.txt", True), ("a/../../b", True),
                                          ("/etc/passwd", True), ("C:\\Windows\\x", True), ("files/ab/cd", False),
                                          ("a\\..\\..\\b", True), ("", True)])
def test_unsafe_archive_members(name, unsafe):
    assert unsafe_member(name) is unsafe


# --------------------------------------------------------------------------- lists


def table(headers, rows=(), titles=(), name="名单.xlsx") -> ListTable:
    return ListTable(Path(name), "Sheet1", len(titles) + 1, list(headers),
                     [(len(titles) + 2 + i, list(r)) for i, r in enumerate(rows)], list(titles))


def test_list_mapping_known_names_and_partial_ones():
    t = table(["序号", "区县", "企业名称（盖章）", "统一社会信用代码", "第三方评价机构", "批次", "其他"])
    m = propose_mapping(None, t)
    assert m.keys == {0: "seq", 1: "region", 2: "name", 3: "credit_code", 4: "evaluator", 5: "batch", 6: ""}
    assert m.how[2] == "partial" and not m.certain
    assert any("C列" in p for p in m.problems)
    m.set(2, "name")
    assert m.certain


def test_list_mapping_without_name_or_code_is_uncertain():
    m = propose_mapping(None, table(["序号", "区县", "批次"]))
    assert "没有找到名称或统一社会信用代码列" in m.problems
    m2 = ColumnMapping({0: "name"}, {0: "manual"})
    m2.set(1, "name")  # one column per meaning: the old one is cleared
    assert m2.keys == {0: "", 1: "name"}


def test_saved_headers_make_next_years_mapping_certain():
    from unittest import mock

    t = table(["序号", "单位全称（公章）", "代码"])
    assert not propose_mapping(None, t).certain
    learned = {"单位全称(公章)": "name", "代码": "credit_code"}
    with mock.patch("exports.lists.learned_headers", return_value=learned):
        m = propose_mapping(object(), t)  # type: ignore[arg-type]
    assert m.keys == {0: "seq", 1: "name", 2: "credit_code"}
    assert m.certain and m.how[1] == "saved"


@pytest.mark.parametrize("titles, action, kind, year, doc", [
    (["关于公布2024年度重庆市绿色工厂名单的通知", "渝经信节能〔2024〕25号"], "recognition", TitleKind.CITY_FACTORY, 2024,
     "渝经信节能〔2024〕25号"),
    (["2023年重庆市绿色园区名单"], "recognition", TitleKind.CITY_PARK, 2023, ""),
    (["关于撤销部分绿色工厂称号的通知（渝经信节能[2025]3号）"], "revocation", TitleKind.CITY_FACTORY, 2025,
     "渝经信节能〔2025〕3号"),
    (["绿色工厂更名名单"], "renaming", TitleKind.CITY_FACTORY, None, ""),
    (["2025年度第三方评价机构推荐名单"], "evaluators", None, 2025, ""),
    (["严重失信主体名单"], "watchlist", None, None, ""),
])
def test_guessing_what_a_list_is(titles, action, kind, year, doc):
    spec, doubts = guess_spec(table(["序号", "企业名称"], titles=titles))
    assert spec.action == action
    if kind is not None:
        assert spec.title_kind is kind
    assert spec.year == year
    assert spec.doc_number == doc


def test_national_list_recognised_by_its_provinces():
    rows = [[i, p, f"{p}某公司", 1] for i, p in enumerate(["北京", "天津", "河北", "重庆", "四川"])]
    spec, doubts = guess_spec(table(["序号", "地区", "工厂名称", "批次"], rows, name="绿色工厂名单.csv"))
    assert spec.title_kind is TitleKind.NATIONAL_FACTORY
    assert spec.reject_absent is False  # a national list says nothing about this year's 已推荐
    assert "无法从标题判断年度" in doubts


def test_row_year_from_batch():
    spec = ListSpec(year=2020, batch_years={"1": 2017})
    assert _row_year(spec, {"batch": "2021"}) == 2021
    assert _row_year(spec, {"batch": 1.0}) == 2017
    assert _row_year(spec, {"batch": "3"}) == 2020
    assert _row_year(spec, {"year": "2019年度"}) == 2019
    assert _row_year(spec, {}) == 2020

