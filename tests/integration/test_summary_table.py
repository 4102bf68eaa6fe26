"""The 推荐汇总表 (issue 4, item 4): the written .xlsx is opened and checked as a clerk and a
printer would — title, header in the configured order, one row per subject, codes and phone
numbers as text, formula-looking text kept as text, widths, borders, frozen header, filter and
the print settings."""
from __future__ import annotations

import datetime as dt
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from exports.batch_data import BatchData, OfficeInfo, SubjectData
from exports.summary_table import (
    ColumnError,
    ColumnSpec,
    column_specs,
    default_column_specs,
    save_column_specs,
    text_width,
    write_summary_table,
)

DAY = dt.date(2026, 6, 30)
OFFICE = OfficeInfo("500112", "渝北区", "重庆市渝北区经济和信息化委员会", "渝北经信发", "张明", "李娟", "023-67821234")
DOMAIN_HEADERS = ["序号", "区县", "名称", "统一社会信用代码", "所属行业", "主要产品", "所在园区", "第三方评价机构",
                  "评价得分", "基本要求是否符合", "联系人", "联系电话", "初审意见", "备注"]


def _subject(i: int, **kw) -> SubjectData:
    values = dict(
        application_id=i, subject_kind="enterprise", title_kind="city_factory",
        name=f"重庆第{i}汽车零部件有限公司", credit_code="915001120000000018", district_code="500112",
        district_name="渝北区", industry_code="36", industry_name="汽车制造业", main_products="汽车座椅、变速器壳体",
        park_name="重庆空港工业园区", contact="李娟", phone="13800000000", evaluator="重庆某某节能技术服务有限公司",
        score=Decimal("92.5"), basic_requirements_met=True, review_opinion="同意推荐",
    )
    values.update(kw)
    return SubjectData(**values)


def _data(subjects) -> BatchData:
    return BatchData(7, 2026, "2026年度市级绿色工厂推荐", "city_factory", OFFICE, tuple(subjects))


@pytest.fixture
def sheet(tmp_path: Path):
    subjects = [
        _subject(1),
        _subject(2, name="=HYPERLINK(\"http://x\",\"点我\")", main_products="+86 型材", contact="@管理员",
                 phone="023-67821234", notes="-不含税"),
        _subject(3, name="重庆" + "很长的企业名称" * 8 + "有限公司", score=None, basic_requirements_met=False),
    ]
    path = write_summary_table(_data(subjects), tmp_path / "推荐汇总表.xlsx", date=DAY)
    return openpyxl.load_workbook(path)["推荐汇总表"], path


def test_title_office_date_and_the_default_header(sheet):
    ws, _ = sheet
    assert ws["A1"].value == "2026年度重庆市绿色工厂推荐汇总表"
    assert "A1:N1" in {str(r) for r in ws.merged_cells.ranges}
    assert ws["A2"].value == "推荐单位（盖章）：重庆市渝北区经济和信息化委员会"
    assert any(c.value == "填报日期：2026年6月30日" for c in ws[2])
    assert [c.value for c in ws[3]] == DOMAIN_HEADERS


def test_one_row_per_subject_numbered_in_order(sheet):
    ws, _ = sheet
    assert ws.max_row == 6
    assert [ws.cell(r, 1).value for r in range(4, 7)] == [1, 2, 3]
    assert ws.cell(4, 3).value == "重庆第1汽车零部件有限公司"
    assert ws.cell(4, 2).value == "渝北区"
    assert ws.cell(4, 5).value == "汽车制造业"
    assert ws.cell(4, 9).value == 92.5
    assert ws.cell(4, 10).value == "是"
    assert ws.cell(6, 10).value == "否"
    assert ws.cell(6, 9).value in (None, "")
    assert ws.cell(4, 13).value == "同意推荐"


def test_credit_codes_and_phone_numbers_are_text(sheet):
    ws, _ = sheet
    for r in range(4, 7):
        code, phone = ws.cell(r, 4), ws.cell(r, 12)
        assert code.data_type == "s" and code.number_format == "@"
        assert isinstance(code.value, str) and code.value == "915001120000000018"
        assert phone.data_type == "s" and phone.number_format == "@"
        assert isinstance(phone.value, str)
    assert ws.cell(4, 12).value == "13800000000"


def test_text_that_looks_like_a_formula_stays_text(sheet):
    ws, path = sheet
    name = ws.cell(5, 3)
    assert name.value == "=HYPERLINK(\"http://x\",\"点我\")"
    assert name.data_type == "s"
    assert name.quotePrefix
    assert ws.cell(5, 6).value == "+86 型材" and ws.cell(5, 6).data_type == "s"
    assert ws.cell(5, 11).value == "@管理员" and ws.cell(5, 11).data_type == "s"
    assert ws.cell(5, 14).value == "-不含税" and ws.cell(5, 14).data_type == "s"
    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in xml and "<f " not in xml  # no formula anywhere in the sheet


def test_widths_fit_the_text_counting_chinese_double(sheet):
    ws, _ = sheet
    width = {c: ws.column_dimensions[c].width for c in "ABCDEFGHIJKLMN"}
    assert width["D"] >= len("915001120000000018") + 2  # credit code never cut
    assert width["B"] >= text_width("渝北区")
    assert text_width("重庆第1汽车零部件有限公司") + 2 <= width["C"] <= 30  # long names wrap at 30
    assert text_width("渝北区") == 6 and text_width("AB") == 2
    # the long name wraps: its row is taller
    assert ws.row_dimensions[6].height > ws.row_dimensions[4].height
    assert ws.cell(6, 3).alignment.wrap_text


def test_borders_freeze_filter_and_print_settings(sheet):
    ws, _ = sheet
    for cell in (ws["A3"], ws["N3"], ws["C5"], ws["N6"]):
        for side in (cell.border.left, cell.border.right, cell.border.top, cell.border.bottom):
            assert side.style == "thin"
    assert ws.freeze_panes == "A4"
    assert ws.auto_filter.ref == "A3:N6"
    ps = ws.page_setup
    assert ps.orientation == "landscape"
    assert int(ps.paperSize) == 9  # A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert int(ps.fitToWidth) == 1 and int(ps.fitToHeight) == 0
    assert ws.print_title_rows == "$3:$3"
    assert ws.oddFooter.center.text == "第 &P 页 共 &N 页"


def test_the_default_columns_are_the_domain_list():
    assert [s.header for s in default_column_specs()] == DOMAIN_HEADERS


def test_an_office_chooses_its_columns_and_their_order(db, tmp_path):
    with db.uow() as uow:
        s = uow.session
        assert [c.header for c in column_specs(s)] == DOMAIN_HEADERS
        save_column_specs(s, [ColumnSpec("seq"), ColumnSpec("name", "企业名称"), ColumnSpec("credit_code"),
                              ColumnSpec("address"), ColumnSpec("score")])
        uow.commit()
    with db.uow() as uow:
        specs = column_specs(uow.session)
    assert [c.header for c in specs] == ["序号", "企业名称", "统一社会信用代码", "地址", "评价得分"]
    path = write_summary_table(_data([_subject(1, address="重庆市渝北区工业大道1号")]), tmp_path / "t.xlsx",
                               columns=specs, date=DAY)
    ws = openpyxl.load_workbook(path).active
    assert [c.value for c in ws[3]] == ["序号", "企业名称", "统一社会信用代码", "地址", "评价得分"]
    assert [c.value for c in ws[4]] == [1, "重庆第1汽车零部件有限公司", "915001120000000018",
                                        "重庆市渝北区工业大道1号", 92.5]
    assert ws.auto_filter.ref == "A3:E4"


def test_an_unknown_column_is_refused(db):
    with db.uow() as uow:
        with pytest.raises(ColumnError, match="未知的列"):
            save_column_specs(uow.session, [ColumnSpec("seq"), ColumnSpec("salary")])
