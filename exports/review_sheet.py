"""The 初审意见表: the district's review sheet of one application, as a Word document.

    write_review_sheet(session, application_id, path, reviewer_opinion="…", decision="通过")

Contents, in order: the subject's data; the third-party report; the materials received; every
check with its article, result and evidence (an override shows the person's result, with the
computed one beside it); the overrides with reason, author and date; the reviewer's opinion with
the three possible decisions; blanks for the signatures, the date and the seal.

A4 portrait; body 仿宋_GB2312, headings and the title 黑体, with ``w:eastAsia`` set so Word
and WPS print the Chinese text in those typefaces. Written to a temporary name and renamed, so a
half-written file never replaces a good one. python-docx is imported only here.
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from forms import codes
from forms.materials import checklist_for, material_rows
from models.entities import Application, OfficeProfile
from models.review import CERT_LABELS, Outcome
from models.review_service import CheckSheet, OverrideInfo, certificates_for, check_sheet, report_for

FONT_BODY = "仿宋_GB2312"
FONT_HEADING = "黑体"
DECISIONS = ("通过，同意推荐", "退回补正", "不予推荐")


class ReviewSheetError(Exception):
    """The sheet cannot be written; ``str()`` says why and what to do, in Chinese."""


@dataclass
class SheetData:
    """Everything the sheet prints, as plain text (built by ``sheet_data``)."""

    title: str
    application_id: int
    year: int
    subject_rows: list[tuple[str, str]]
    report_rows: list[tuple[str, str]]
    certificate_rows: list[tuple[str, str, str, str]]
    material_rows: list[tuple[str, str, str, str]]
    sheet: CheckSheet
    overrides: list[tuple[str, OverrideInfo]] = field(default_factory=list)
    bureau: str = ""


def _fmt_date(d: dt.date | dt.datetime | None) -> str:
    return f"{d.year}年{d.month}月{d.day}日" if d else ""


def sheet_data(session: Session, application_id: int) -> SheetData:
    """Collect the sheet's content; ReviewSheetError when the application was never checked."""
    app = session.get(Application, application_id)
    if app is None or app.deleted_at is not None:
        raise ReviewSheetError(f"申报（编号 {application_id}）不存在或已删除。")
    sheet = check_sheet(session, application_id)
    if sheet is None:
        raise ReviewSheetError(f"「{app.subject_name}」的申报尚未运行初审检查。请先运行检查，再打印初审意见表。")
    s = app.subject
    rows: list[tuple[str, str]] = [("名称", s.name), ("统一社会信用代码", s.credit_code or "")]
    if app.enterprise is not None:
        e = app.enterprise
        ind = codes.industry_by_code(e.industry_code)
        rows += [
            ("所在区县", codes.district_name(e.district_code)),
            ("所属行业", ind.label if ind else e.industry_code),
            ("所在园区", e.park.name if e.park is not None else ""),
            ("主要产品", e.main_products),
            ("法定代表人", e.legal_rep),
            ("联系人及电话", " ".join(x for x in (e.contact, e.phone) if x)),
        ]
    else:
        p = app.park
        rows += [
            ("所在区县", codes.district_name(p.district_code)),
            ("园区类型及批准层级", " ".join(x for x in (p.approval_level, p.park_type) if x)),
            ("管理机构", p.managing_body),
            ("绿色发展专职人员", "" if p.green_staff_count is None else f"{p.green_staff_count} 人"),
        ]
    rows += [
        ("申报称号", app.title_kind.label),
        ("申报年度", f"{app.year}年"),
        ("当前环节", app.stage.label),
        ("推荐批次", app.batch.name if app.batch is not None else "（未分批次）"),
    ]
    rep = report_for(session, application_id)
    report_rows: list[tuple[str, str]] = []
    if rep is not None:
        met = {True: "符合", False: "不符合", None: ""}[rep.basic_requirements_met]
        report_rows = [
            ("评价机构", rep.evaluator_name),
            ("报告编号", rep.report_no),
            ("报告日期", _fmt_date(rep.report_date)),
            ("自评价日期", _fmt_date(rep.self_evaluation_date)),
            ("依据标准", rep.standard),
            ("基本要求", met),
            ("评价得分", "" if rep.score is None else f"{rep.score.normalize():f} 分"),
            ("亮点", rep.highlights),
        ]
    certs = certificates_for(session, enterprise_id=app.enterprise_id) if app.enterprise_id else \
        certificates_for(session, park_id=app.park_id)
    cert_rows = [(CERT_LABELS[c.kind], c.number, c.issuer, _fmt_date(c.expires_on)) for c in certs]
    cl = checklist_for(app.title_kind, app.year)
    labels = {i.key: i.label for i in cl.items} if cl else {}
    mats = [
        (labels.get(m.item_key, m.item_key), m.original_name, "" if m.page_count is None else str(m.page_count),
         m.status_label + (f"（{m.status_reason}）" if m.status_reason else ""))
        for m in material_rows(session, application_id)
    ]
    overrides = [(r.article, r.override) for r in sheet.rows if r.override is not None]
    office = session.scalars(select(OfficeProfile)).first()
    return SheetData(
        title=f"{app.year}年度{app.title_kind.label}申报区县初审意见表",
        application_id=app.id, year=app.year, subject_rows=rows, report_rows=report_rows,
        certificate_rows=cert_rows, material_rows=mats, sheet=sheet, overrides=overrides,
        bureau=office.bureau_name if office else "",
    )


def result_text(outcome: Outcome, override: OverrideInfo | None) -> str:
    """What the result column says: the computed outcome, or the person's with the computed one."""
    if override is None:
        return outcome.label
    return f"{override.outcome.label}（人工改判；系统结果：{outcome.label}）"


def write_review_sheet(
    session: Session,
    application_id: int,
    path: Path,
    *,
    reviewer_opinion: str = "",
    decision: str | None = None,
) -> Path:
    """Write the 初审意见表 of one application to ``path`` (.docx) and return the path.

    ``reviewer_opinion``: the reviewer's written opinion (blank lines when empty, to fill in by
    hand); ``decision``: one of DECISIONS to tick, or None to leave the boxes empty.
    """
    if decision is not None and decision not in DECISIONS:
        raise ReviewSheetError(f"初审结论只能是：{'、'.join(DECISIONS)}。")
    data = sheet_data(session, application_id)
    return render(data, Path(path), reviewer_opinion=reviewer_opinion, decision=decision)


# --------------------------------------------------------------------------- the document


def render(data: SheetData, path: Path, *, reviewer_opinion: str = "", decision: str | None = None) -> Path:
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    from .docx_style import set_fonts

    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.bottom_margin = Mm(25), Mm(22)
    sec.left_margin, sec.right_margin = Mm(25), Mm(22)
    width_mm = 210 - 25 - 22

    normal = doc.styles["Normal"]
    set_fonts(normal.element, FONT_BODY, size=Pt(12))
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = 1.15

    def para(text: str = "", *, font: str = FONT_BODY, size: float = 12, bold: bool = False,
             align=None, space_before: float = 0, space_after: float = 0, keep_next: bool = False):
        p = doc.add_paragraph()
        if align is not None:
            p.alignment = align
        p.paragraph_format.space_before = Pt(space_before)
        p.paragraph_format.space_after = Pt(space_after)
        p.paragraph_format.keep_with_next = keep_next
        if text:
            r = p.add_run(text)
            set_fonts(r._r, font, size=Pt(size), bold=bold)
        return p

    def heading(text: str):
        return para(text, font=FONT_HEADING, size=14, space_before=10, space_after=4, keep_next=True)

    def cell_text(cell, text: str, *, bold: bool = False, align=None, size: float = 10.5, font: str = FONT_BODY):
        p = cell.paragraphs[0]
        p.paragraph_format.line_spacing = 1.0
        if align is not None:
            p.alignment = align
        lines = (text or "").split("\n")
        for i, line in enumerate(lines):
            r = p.add_run(line)
            set_fonts(r._r, font, size=Pt(size), bold=bold)
            if i < len(lines) - 1:
                r.add_break()

    def shade(cell, fill: str = "EDEDED"):
        tc_pr = cell._tc.get_or_add_tcPr()
        shd = OxmlElement("w:shd")
        shd.set(qn("w:val"), "clear")
        shd.set(qn("w:color"), "auto")
        shd.set(qn("w:fill"), fill)
        tc_pr.append(shd)

    def table(rows: list[list[str]], widths_mm: list[float], *, header: bool = True, label_cols: tuple[int, ...] = ()):
        t = doc.add_table(rows=len(rows), cols=len(widths_mm))
        t.style = "Table Grid"
        t.alignment = WD_TABLE_ALIGNMENT.CENTER
        t.autofit = False
        for j, w in enumerate(widths_mm):  # the grid (LibreOffice/WPS) and each cell (Word)
            t.columns[j].width = Mm(w)
        for i, row in enumerate(rows):
            cells = t.rows[i].cells
            tr_pr = t.rows[i]._tr.get_or_add_trPr()
            tr_pr.append(OxmlElement("w:cantSplit"))  # a row stays on one page
            if header and i == 0:
                tr_pr.append(OxmlElement("w:tblHeader"))  # repeated on every page
            for j, text in enumerate(row):
                c = cells[j]
                c.width = Mm(widths_mm[j])
                is_head = header and i == 0
                is_label = j in label_cols
                cell_text(c, text, bold=is_head, font=FONT_HEADING if is_head or is_label else FONT_BODY,
                          align=WD_ALIGN_PARAGRAPH.CENTER if is_head else None)
                if is_head or is_label:
                    shade(c)
        return t

    # title
    para(data.title, font=FONT_HEADING, size=18, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=6)
    sheet = data.sheet
    para(f"申报编号：{data.application_id}    检查日期：{_fmt_date(sheet.as_of)}    检查人：{sheet.run_by}",
         size=10.5, align=WD_ALIGN_PARAGRAPH.CENTER)
    para(f"适用规则：{sheet.rule_set_name}", size=10.5, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=4)

    # 一、subject
    heading("一、申报单位基本情况")
    half = width_mm / 2
    pairs = data.subject_rows
    grid = [[pairs[i][0], pairs[i][1], *(pairs[i + 1] if i + 1 < len(pairs) else ("", ""))]
            for i in range(0, len(pairs), 2)]
    table(grid, [half * 0.42, half * 0.58, half * 0.42, half * 0.58], header=False, label_cols=(0, 2))

    # 二、report and certificates
    heading("二、第三方评价及管理体系认证情况")
    if data.report_rows:
        rr = data.report_rows
        grid = [[rr[i][0], rr[i][1], *(rr[i + 1] if i + 1 < len(rr) else ("", ""))] for i in range(0, len(rr), 2)]
        table(grid, [half * 0.42, half * 0.58, half * 0.42, half * 0.58], header=False, label_cols=(0, 2))
    else:
        para("未录入第三方评价报告。")
    if data.certificate_rows:
        para("", space_after=2)
        table([["证书", "编号", "发证机构", "有效期至"]] + [list(r) for r in data.certificate_rows],
              [width_mm * 0.36, width_mm * 0.22, width_mm * 0.26, width_mm * 0.16])

    # 三、materials
    heading("三、申报材料")
    if data.material_rows:
        table([["序号", "材料", "文件", "页数", "状态"]]
              + [[str(i), *r] for i, r in enumerate(data.material_rows, start=1)],
              [width_mm * 0.07, width_mm * 0.36, width_mm * 0.3, width_mm * 0.07, width_mm * 0.2])
    else:
        para("未收到申报材料。")

    # 四、checks
    heading("四、初审检查结果")
    counts = sheet.counts()
    para("共 {} 项：".format(len(sheet.rows)) + "，".join(f"{o.label} {n} 项" for o, n in counts.items() if n) + "。",
         size=10.5, space_after=3)
    table([["序号", "条款", "审查内容", "结果", "依据与说明"]]
          + [[str(i), r.article, r.text, result_text(r.outcome, r.override), r.evidence]
             for i, r in enumerate(sheet.rows, start=1)],
          [width_mm * 0.07, width_mm * 0.12, width_mm * 0.3, width_mm * 0.13, width_mm * 0.38])

    # 五、overrides
    heading("五、人工改判记录")
    if data.overrides:
        table([["条款", "系统结果", "改判为", "理由", "改判人", "日期"]]
              + [[art, Outcome(o.base_outcome).label if o.base_outcome else "", o.outcome.label, o.reason, o.user,
                  _fmt_date(o.at)] for art, o in data.overrides],
              [width_mm * 0.13, width_mm * 0.12, width_mm * 0.11, width_mm * 0.38, width_mm * 0.11, width_mm * 0.15])
    else:
        para("无。")

    # 六、opinion, decision, signatures
    heading("六、初审意见")
    t = doc.add_table(rows=1, cols=1)
    t.style = "Table Grid"
    t.autofit = False
    t.columns[0].width = Mm(width_mm)
    c = t.rows[0].cells[0]
    c.width = Mm(width_mm)
    if reviewer_opinion.strip():
        cell_text(c, reviewer_opinion.strip(), size=12)
    for _ in range(1 if reviewer_opinion.strip() else 4):
        c.add_paragraph()
    boxes = "    ".join(("☑ " if decision == d else "☐ ") + d for d in DECISIONS)
    p = c.add_paragraph()
    r = p.add_run("初审结论：" + boxes)
    set_fonts(r._r, FONT_BODY, size=Pt(12))

    para("", space_after=6)
    para("审查人（签字）：＿＿＿＿＿＿＿＿    复核人（签字）：＿＿＿＿＿＿＿＿", space_before=6)
    para("日期：＿＿＿＿年＿＿月＿＿日", space_before=10)
    para(f"{data.bureau or '区县经信部门'}（盖章）", align=WD_ALIGN_PARAGRAPH.RIGHT, space_before=18)

    return _save_atomically(doc, path)


def _save_atomically(doc, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.docx")
    try:
        doc.save(str(tmp))
        os.replace(tmp, path)
    except PermissionError as exc:
        tmp.unlink(missing_ok=True)
        raise ReviewSheetError(f"无法写入「{path.name}」：文件可能正在被 Word 或 WPS 打开。请关闭该文件后重试。") from exc
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ReviewSheetError(f"无法写入「{path.name}」（{exc.strerror or exc}）。请检查文件夹是否存在、磁盘是否已满。") from exc
    return path
