"""The 初审意见表: open the written .docx and read what a clerk would read."""
from __future__ import annotations

import pytest
from docx import Document
from docx.oxml.ns import qn

from exports.review_sheet import ReviewSheetError, write_review_sheet
from forms.rules import Outcome
from forms.rules.runner import run_checks
from models.entities import Application
from models.review_service import check_sheet, override_result, save_report

from .review_fixtures import AS_OF, factory_application


@pytest.fixture
def checked_app(db, tmp_path):
    with db.uow() as uow:
        app_id = factory_application(uow.session, db.files_dir, tmp_path / "src", name="重庆绿源机械有限公司")
        save_report(uow.session, app_id, {"score": 76})  # 第七条（八） fails
        uow.commit()
    run_checks(db, [app_id], as_of=AS_OF)
    with db.uow() as uow:
        override_result(uow.session, app_id, "F7-2", Outcome.PASS, "近三年产值持续增长，行业排名全市前五", user="李娟")
        uow.commit()
    return app_id


def table_rows(doc) -> list[list[str]]:
    return [[c.text for c in row.cells] for t in doc.tables for row in t.rows]


def table_with_header(doc, header: list[str]) -> list[list[str]]:
    """The body rows of the table whose first row is ``header``."""
    for t in doc.tables:
        rows = [[c.text for c in row.cells] for row in t.rows]
        if rows and rows[0] == header:
            return rows[1:]
    raise AssertionError(f"no table with header {header}")


def test_sheet_shows_subject_every_check_and_the_override(db, checked_app, tmp_path):
    out = tmp_path / "out" / "初审意见表.docx"
    with db.uow() as uow:
        write_review_sheet(uow.session, checked_app, out, reviewer_opinion="建议退回补正第三方评价报告。",
                           decision="退回补正")
        code = uow.session.get(Application, checked_app).enterprise.credit_code
        sheet = check_sheet(uow.session, checked_app)
    doc = Document(str(out))
    text = "\n".join(p.text for p in doc.paragraphs)
    rows = table_rows(doc)
    assert "2026年度市级绿色工厂申报区县初审意见表" in text
    assert ["名称", "重庆绿源机械有限公司", "统一社会信用代码", code] in rows
    # every check: its article and its result in the same row, in rule order
    check_rows = table_with_header(doc, ["序号", "条款", "审查内容", "结果", "依据与说明"])
    assert [(r[1], r[2]) for r in check_rows] == [(x.article, x.text) for x in sheet.rows]
    by_article_text = {(r[1], r[2]): r[3] for r in check_rows}
    f78 = next(x for x in sheet.rows if x.rule_id == "F7-8")
    assert by_article_text[("第七条（八）", f78.text)] == "不符合"
    f72 = next(x for x in sheet.rows if x.rule_id == "F7-2")
    assert by_article_text[("第七条（二）", f72.text)] == "通过（人工改判；系统结果：需人工判断）"
    assert any("评价得分 76 分，低于 80 分" in r[4] for r in check_rows)
    # the override with its reason, author and computed result
    override_rows = table_with_header(doc, ["条款", "系统结果", "改判为", "理由", "改判人", "日期"])
    assert override_rows[0][0] == "第七条（二）" and override_rows[0][1:5] == ["需人工判断", "通过", "近三年产值持续增长，行业排名全市前五", "李娟"]
    # opinion, decision, blanks for signatures and date
    assert any("建议退回补正第三方评价报告。" in r[0] for r in rows)
    assert any("☑ 退回补正" in r[0] and "☐ 通过，同意推荐" in r[0] for r in rows)
    assert "审查人（签字）" in text and "日期：＿＿＿＿年＿＿月＿＿日" in text
    materials = table_with_header(doc, ["序号", "材料", "文件", "页数", "状态"])
    assert ["1", "申报书（含基本信息表、真实性承诺并签字盖章）", "application_form.pdf", "2", "已接收"] in materials


def test_sheet_is_a4_with_chinese_fonts_declared(db, checked_app, tmp_path):
    out = tmp_path / "out" / "sheet.docx"
    with db.uow() as uow:
        write_review_sheet(uow.session, checked_app, out)
    doc = Document(str(out))
    sec = doc.sections[0]
    assert (round(sec.page_width.mm), round(sec.page_height.mm)) == (210, 297)
    normal_fonts = doc.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert normal_fonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    title_run = doc.paragraphs[0].runs[0]
    assert title_run._r.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "黑体"
    headings = [p for p in doc.paragraphs if p.text.startswith(("一、", "四、"))]
    assert all(p.runs[0]._r.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "黑体" for p in headings)
    assert len(headings) == 2
    assert round(sec.left_margin.mm) == 25
    assert [p.name for p in out.parent.iterdir()] == ["sheet.docx"]  # no temporary file left


def test_unchecked_application_is_refused_with_what_to_do(db, tmp_path):
    with db.uow() as uow:
        app_id = factory_application(uow.session, db.files_dir, tmp_path / "src")
        uow.commit()
    with db.uow() as uow:
        with pytest.raises(ReviewSheetError, match="尚未运行初审检查。请先运行检查"):
            write_review_sheet(uow.session, app_id, tmp_path / "x.docx")
    assert not (tmp_path / "x.docx").exists()


def test_a_failed_write_keeps_the_old_file(db, checked_app, tmp_path, monkeypatch):
    out = tmp_path / "out" / "sheet.docx"
    out.parent.mkdir()
    out.write_bytes(b"old")
    import exports.review_sheet as rs

    def fail(*a, **k):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(rs.os, "replace", fail)
    with db.uow() as uow:
        with pytest.raises(ReviewSheetError, match="可能正在被 Word 或 WPS 打开"):
            write_review_sheet(uow.session, checked_app, out)
    assert out.read_bytes() == b"old"
    assert [p.name for p in out.parent.iterdir()] == ["sheet.docx"]
