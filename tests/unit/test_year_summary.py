"""The year summary (exports.year_summary) of the known database of test_dashboard, read back the
way a clerk would check it: the numbers in the workbook's cells and in the report's sentences."""
from __future__ import annotations

import datetime as dt
import os

import docx
import pytest
from docx.oxml.ns import qn
from openpyxl import load_workbook

from exports.year_summary import YearSummaryError, write_year_summary
from models.stages import STAGES, Stage

from .test_dashboard import TODAY, YEAR, build_known


@pytest.fixture
def written(db, tmp_path):
    build_known(db)
    with db.uow() as uow:
        xlsx, docx_path = write_year_summary(uow.session, YEAR, tmp_path / "out", today=TODAY)
    return xlsx, docx_path


def _rows(ws, first=4):
    return {r[0]: r for r in ws.iter_rows(min_row=first, values_only=True) if r[0] is not None}


def test_files_are_named_by_year_and_no_temporary_file_is_left(written, tmp_path):
    xlsx, docx_path = written
    assert xlsx.name == "2026年绿色制造工作年度小结_数据表.xlsx"
    assert docx_path.name == "2026年绿色制造工作年度小结.docx"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted([xlsx.name, docx_path.name])


def test_workbook_sheets_and_key_figures(written):
    wb = load_workbook(written[0])
    assert wb.sheetnames == ["概览", "各阶段申报", "称号", "目标完成", "待办与监管"]
    ws = wb["概览"]
    assert ws["A1"].value == "2026年绿色制造工作概览"
    assert [c.value for c in ws[3]] == ["项目", "数值", "单位", "说明"]
    rows = _rows(ws)
    assert rows["本年度申报"][1] == 9
    assert rows["其中：企业申报"][1] == 8 and rows["其中：园区申报"][1] == 1
    assert rows["已推荐"][1] == 4
    assert rows["已认定"][1] == 1
    assert rows["本年度认定称号"][1] == 3
    assert rows["本年度撤销称号"][1] == 1
    assert (rows["现有有效称号"][1], rows["复审中称号"][1], rows["已撤销称号（累计）"][1]) == (4, 1, 2)
    assert rows["逾期未办监管事项"][1] == 3
    assert rows["90天内到期或已过期的管理体系证书"][1] == 3
    assert ws["B4"].number_format == "0"


def test_applications_by_stage_sheet(written):
    ws = load_workbook(written[0])["各阶段申报"]
    header = [c.value for c in ws[3]]
    assert header == ["称号", *[s.label for s in STAGES], "合计"]
    rows = _rows(ws)
    factory = rows["市级绿色工厂"]
    assert factory[header.index(Stage.UNDER_REVIEW.label)] == 3
    assert factory[header.index(Stage.RECOMMENDED.label)] == 2
    assert factory[-1] == 7
    assert rows["合计"][-1] == 9
    assert ws.cell(ws.max_row, 1).font.bold


def test_titles_sheet_keeps_codes_as_text_and_dates_as_dates(written):
    ws = load_workbook(written[0])["称号"]
    rows = [r for r in ws.iter_rows(min_row=4, values_only=True)]
    assert len(rows) == 4  # T1, T2, T4 (revoked in 2026), T5
    states = sorted(r[8] for r in rows)
    assert states == ["已撤销", "有效", "有效", "有效"]
    code = ws.cell(4, 3)
    assert code.data_type == "s" and code.number_format == "@" and len(code.value) == 18
    dated = [ws.cell(i, 8) for i in range(4, 8) if ws.cell(i, 8).value]
    assert dated and all(isinstance(c.value, dt.datetime) and c.number_format == "yyyy-mm-dd" for c in dated)
    revoked = next(r for r in rows if r[8] == "已撤销")
    assert revoked[9].date() == dt.date(2026, 3, 12)


def test_targets_sheet_two_of_five_is_40_percent(written):
    ws = load_workbook(written[0])["目标完成"]
    assert [c.value for c in ws[3]] == ["称号", "年度目标", "已认定", "完成率", "已推荐（市级）", "全市到2027年目标"]
    rows = _rows(ws)
    factory = rows["市级绿色工厂"]
    assert factory[1:] == (5, 2, 0.4, 4, 200)
    rate = next(c for c in ws[4] if c.column == 4)
    assert rate.number_format == "0.0%"
    park = rows["市级绿色园区"]
    assert park[1] is None and park[3] == "—" and park[5] == 20


def test_agenda_sheet_lists_what_is_due(written):
    ws = load_workbook(written[0])["待办与监管"]
    rows = [r for r in ws.iter_rows(min_row=4, values_only=True)]
    kinds = [r[1] for r in rows]
    assert kinds.count("监管事项") == 3 and kinds.count("证书到期") == 3
    assert kinds.count("禁止申报期满") == 1 and kinds.count("年度日程") == 1
    ban = next(r for r in rows if r[1] == "禁止申报期满")
    assert ban[0].date() == dt.date(2026, 6, 20) and ban[4] == "第十八条" and ban[5] == "19天后"


def test_every_sheet_prints_on_a4_fitted_to_width_with_the_header_repeated(written):
    wb = load_workbook(written[0])
    for ws in wb.worksheets:
        assert int(ws.page_setup.paperSize) == 9, ws.title  # A4
        assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.print_title_rows == "$3:$3", ws.title
        assert ws.freeze_panes == "A4", ws.title
        assert all((ws.column_dimensions[c].width or 0) >= 5 for c in "ABC"), ws.title


def _text(document) -> str:
    return "\n".join(p.text for p in document.paragraphs)


def test_report_title_numbers_and_table(written):
    d = docx.Document(str(written[1]))
    title = d.paragraphs[0]
    assert title.text.replace("\n", "") == "重庆市渝北区经济和信息化委员会2026年绿色制造工作年度小结"
    rfonts = title.runs[0]._r.rPr.find(qn("w:rFonts"))
    assert rfonts.get(qn("w:eastAsia")) == "方正小标宋简体"
    text = _text(d)
    assert "全年纳入培育和申报的对象共9个，其中企业8家、园区1个" in text
    assert "向市经济信息委推荐4个，其中已认定1个、未通过1个" in text
    assert "市级绿色工厂年度目标5家，已认定2家，完成40.0%" in text
    assert "绿色供应链管理企业年度目标2家，已认定1家，完成50.0%" in text
    assert "全区持有有效称号4个，复审中1个，累计撤销2个" in text
    assert "逾期未办的监管事项3项" in text
    assert "3张管理体系认证证书" in text
    assert [p.text for p in d.paragraphs if p.text.startswith(("一、", "二、", "三、"))] == [
        "一、培育与申报情况", "二、年度目标完成情况", "三、称号管理与监管情况"]
    assert d.paragraphs[-1].text == "2026年6月1日"
    (table,) = d.tables
    cells = [[c.text for c in row.cells] for row in table.rows]
    assert cells[0] == ["称号", "申报", "已推荐", "本年度认定", "年度目标", "完成率"]
    assert ["市级绿色工厂", "7", "4", "2", "5", "40.0%"] in cells
    assert cells[-1][:4] == ["合计", "9", "4", "3"]


def test_report_is_an_official_document_page(written):
    d = docx.Document(str(written[1]))
    sec = d.sections[0]
    assert round(sec.page_width.mm) == 210 and round(sec.page_height.mm) == 297
    assert round(sec.top_margin.mm) == 37 and round(sec.left_margin.mm) == 28
    body = next(p for p in d.paragraphs if p.text.startswith("全年纳入"))
    fonts = body.runs[0]._r.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert body.runs[0].font.size.pt == 16
    footer_xml = sec.footer._element.xml
    assert "PAGE" in footer_xml and "— " in sec.footer.paragraphs[0].text
    assert d.settings.odd_and_even_pages_header_footer


def test_a_file_open_in_excel_is_reported_and_left_as_it_was(db, tmp_path, monkeypatch):
    build_known(db)
    out = tmp_path / "out"
    with db.uow() as uow:
        xlsx, _ = write_year_summary(uow.session, YEAR, out, today=TODAY)
    before = xlsx.read_bytes()

    def locked(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", locked)
    with db.uow() as uow, pytest.raises(YearSummaryError, match="正在被 Excel、Word 或 WPS 打开"):
        write_year_summary(uow.session, YEAR, out, today=TODAY)
    assert xlsx.read_bytes() == before
    assert not [p for p in out.iterdir() if ".tmp." in p.name]


def test_empty_year_still_writes_readable_files(db, tmp_path):
    with db.uow() as uow:
        xlsx, docx_path = write_year_summary(uow.session, 2030, tmp_path, today=dt.date(2030, 1, 5))
    wb = load_workbook(xlsx)
    assert _rows(wb["概览"])["本年度申报"][1] == 0
    text = _text(docx.Document(str(docx_path)))
    assert "全年纳入培育和申报的对象共0个" in text
    assert "本年度未设定区县目标" in text
    assert "2030年绿色制造工作年度小结" in docx.Document(str(docx_path)).paragraphs[0].text
