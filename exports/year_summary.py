"""The year summary (年度小结): the year's numbers for the bureau's own annual summary.

    xlsx, docx = write_year_summary(session, 2026, out_dir)

* an Excel workbook with five sheets — 概览 (the key figures), 各阶段申报 (applications by title
  and stage), 称号 (titles recognised or revoked in the year), 目标完成 (the district's targets
  against what was achieved), 待办与监管 (what is overdue or due, as of the export day) — each with
  a title, a header row that is frozen, filterable and repeated on every printed page, widths
  that fit the Chinese text, real numbers with number formats (counts ``0``, rates ``0.0%``,
  dates ``yyyy-mm-dd``), A4 fitted to the page width;
* a short Word report, 「XX区经信委2026年绿色制造工作年度小结」, in the official-document layout
  of exports/docx_style.py (title 方正小标宋, body 仿宋_GB2312 三号, headings 黑体, page numbers
  ``— N —``), with the numbers in sentences and one table.

The figures come from models.dashboard (the same queries as the 年度概览 tab), so the report and
the screen always agree. Both files are written under temporary names and renamed at the end: a
half-written file never replaces a good one. No Qt here.
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from models.dashboard import (
    AGENDA_KINDS,
    MUNICIPAL_KINDS,
    RECOMMENDED_STAGES,
    Dashboard,
    TitleRow,
    load_dashboard,
    municipal_targets,
    titles_of_year,
)
from models.stages import STAGES, Stage, SubjectKind, TitleKind

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


class YearSummaryError(Exception):
    """The summary cannot be written; ``str()`` says why and what to do, in Chinese."""


@dataclass(frozen=True)
class SummaryData:
    year: int
    today: dt.date
    bureau: str  # 重庆市渝北区经济和信息化委员会
    district: str  # 渝北区
    dashboard: Dashboard
    titles: list[TitleRow]

    @property
    def office_short(self) -> str:
        """The office as the report's title names it: the bureau's name, else 「XX区经信委」."""
        if self.bureau:
            return self.bureau
        return f"{self.district}经信委" if self.district else ""

    @property
    def report_title(self) -> str:
        return f"{self.office_short}{self.year}年绿色制造工作年度小结"


def summary_data(session: "Session", year: int, *, today: dt.date | None = None) -> SummaryData:
    from forms.codes import district_name
    from models.office import get_profile

    profile = get_profile(session)
    today = today or dt.date.today()
    return SummaryData(
        year=year,
        today=today,
        bureau=profile.bureau_name or "",
        district=profile.district_name or district_name(profile.district_code),
        dashboard=load_dashboard(session, year, today),
        titles=titles_of_year(session, year),
    )


def file_names(year: int) -> tuple[str, str]:
    return f"{year}年绿色制造工作年度小结_数据表.xlsx", f"{year}年绿色制造工作年度小结.docx"


def write_year_summary(session: "Session", year: int, out_dir: Path | str, *,
                       today: dt.date | None = None) -> tuple[Path, Path]:
    """Write the workbook and the report of ``year`` into ``out_dir``; returns their paths."""
    data = summary_data(session, year, today=today)
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise YearSummaryError(f"无法创建文件夹「{out}」（{exc.strerror or exc}）。请换一个文件夹后重试。") from exc
    xlsx_name, docx_name = file_names(year)
    xlsx, docx_path = out / xlsx_name, out / docx_name
    token = f"{os.getpid()}"
    tmp_x = out / f".{xlsx.stem}.{token}.tmp.xlsx"
    tmp_d = out / f".{docx_path.stem}.{token}.tmp.docx"
    try:
        build_workbook(data).save(str(tmp_x))
        build_report(data).save(str(tmp_d))
        _replace(tmp_x, xlsx)
        _replace(tmp_d, docx_path)
    finally:
        tmp_x.unlink(missing_ok=True)
        tmp_d.unlink(missing_ok=True)
    return xlsx, docx_path


def _replace(tmp: Path, final: Path) -> None:
    try:
        os.replace(tmp, final)
    except PermissionError as exc:
        raise YearSummaryError(
            f"无法写入「{final.name}」：文件可能正在被 Excel、Word 或 WPS 打开。请关闭该文件后重新导出。") from exc
    except OSError as exc:
        raise YearSummaryError(
            f"无法写入「{final.name}」（{exc.strerror or exc}）。请检查文件夹是否存在、磁盘是否已满。") from exc


# ----------------------------------------------------------------------------- numbers


def fmt_date(d: dt.date | None) -> str:
    return f"{d.year}年{d.month}月{d.day}日" if d else ""


def unit(kind: TitleKind) -> str:
    return "家" if kind.subject is SubjectKind.ENTERPRISE else "个"


#: the stages the report groups into three phrases
EARLY = (Stage.CULTIVATING, Stage.BUILDING)
EVALUATED = (Stage.SELF_EVALUATED, Stage.EVALUATED)
AT_DISTRICT = (Stage.APPLIED, Stage.UNDER_REVIEW)


def _pct(ratio: float | None) -> float | None:
    return None if ratio is None else round(ratio, 4)


# ----------------------------------------------------------------------------- the workbook


def build_workbook(data: SummaryData):
    from openpyxl import Workbook

    from .summary_table import print_setup

    d = data.dashboard
    wb = Workbook()
    wb.remove(wb.active)
    subtitle_left = f"填报单位：{data.bureau or data.office_short}"
    subtitle_right = f"统计日期：{fmt_date(data.today)}"

    # 概览
    ws = wb.create_sheet("概览")
    ag = d.agenda
    rows: list[list[Any]] = [
        ["本年度申报", d.matrix.applications, "个", "本年度全部申报（培育、创建至认定各环节）"],
        ["其中：企业申报", d.matrix.total([k for k in TitleKind if k.subject is SubjectKind.ENTERPRISE]), "家", ""],
        ["其中：园区申报", d.matrix.total([k for k in TitleKind if k.subject is SubjectKind.PARK]), "个", ""],
        ["已推荐", d.matrix.recommended, "个", "已推荐至市经济信息委（含已认定、未通过）"],
        ["已认定", d.matrix.recognised, "个", "本年度申报中已认定的"],
        ["未通过", d.matrix.rejected, "个", "本年度申报中未通过的"],
        ["本年度认定称号", d.titles.recognised_total, "个", "认定日期在本年度的称号（未录入认定日期的按称号年度）"],
        ["本年度撤销称号", d.titles.revoked_total, "个", "撤销日期在本年度的称号（第十七条）"],
        ["现有有效称号", d.holdings.valid, "个", f"截至{fmt_date(data.today)}"],
        ["复审中称号", d.holdings.under_review, "个", f"截至{fmt_date(data.today)}（第十六条）"],
        ["已撤销称号（累计）", d.holdings.revoked, "个", f"截至{fmt_date(data.today)}（第十八条：三年内不得重新申报）"],
        ["逾期未办监管事项", len([i for i in ag.overdue if i.kind != "certificate"]), "项",
         "年度指标未报、更名重组未上报、复审逾期等（第十六条、第十九条）"],
        ["30天内到期事项", len(ag.upcoming), "项", "年度日程、监管事项、禁止申报期满"],
        ["90天内到期或已过期的管理体系证书", len(ag.of_kind("certificate")), "张", "第七条（六）"],
    ]
    _table(ws, f"{data.year}年绿色制造工作概览", subtitle_left, subtitle_right,
           ["项目", "数值", "单位", "说明"], ["text", "int", "code", "text"], rows,
           [(16, 36), (8, 10), (6, 6), (20, 60)])
    print_setup(ws, header_rows="3:3", landscape=False)

    # 各阶段申报
    ws = wb.create_sheet("各阶段申报")
    kinds = d.matrix.kinds or [TitleKind.CITY_FACTORY]
    rows = [[k.label, *[d.matrix.total(k, s) for s in STAGES], d.matrix.total(k)] for k in kinds]
    rows.append(["合计", *[d.matrix.total(stages=s) for s in STAGES], d.matrix.total()])
    _table(ws, f"{data.year}年各称号申报环节分布", subtitle_left, subtitle_right,
           ["称号", *[s.label for s in STAGES], "合计"], ["text", *["int"] * (len(STAGES) + 1)], rows,
           [(14, 24), *[(6, 10)] * (len(STAGES) + 1)])
    _bold_last_row(ws, len(rows))

    # 称号
    ws = wb.create_sheet("称号")
    rows = [[i, t.name, t.credit_code, t.title_kind.label, t.title_kind.info.level, t.year, t.doc_number,
             t.recognised_on, t.state.label, t.revoked_on] for i, t in enumerate(data.titles, start=1)]
    _table(ws, f"{data.year}年认定及撤销的称号", subtitle_left, subtitle_right,
           ["序号", "名称", "统一社会信用代码", "称号", "级别", "称号年度", "认定文号", "认定日期", "状态", "撤销日期"],
           ["int", "text", "code", "text", "code", "year", "text", "date", "code", "date"], rows,
           [(5, 6), (20, 40), (22, 22), (12, 22), (6, 8), (8, 9), (16, 26), (11, 12), (7, 8), (11, 12)])

    # 目标完成
    ws = wb.create_sheet("目标完成")
    doc, until, city = municipal_targets()
    rows = [[r.kind.label, r.target, r.achieved, _pct(r.ratio), r.recommended if r.kind in MUNICIPAL_KINDS else None,
             city.get(r.kind)] for r in d.targets]
    _table(ws, f"{data.year}年度目标完成情况", subtitle_left, subtitle_right,
           ["称号", "年度目标", "已认定", "完成率", "已推荐（市级）", f"全市到{until}年目标"],
           ["text", "int", "int", "pct", "int", "int"], rows,
           [(16, 26), (9, 10), (8, 10), (8, 10), (15, 16), (13, 16)])
    r0 = 4 + len(rows) + 1
    note = ws.cell(r0, 1)
    note.value = (f"说明：已认定为认定日期在{data.year}年的称号；完成率＝已认定÷年度目标；"
                  f"全市目标见{doc}（重庆市推进制造业绿色低碳发展实施方案）。")
    _note_style(ws, r0, 6)
    print_setup(ws, header_rows="3:3", landscape=False)

    # 待办与监管
    ws = wb.create_sheet("待办与监管")
    rows = [[i.due, AGENDA_KINDS.get(i.kind, i.kind), i.what, i.subject, i.source, i.status(data.today)]
            for i in ag.items]
    _table(ws, f"待办与监管事项（截至{fmt_date(data.today)}）", subtitle_left, subtitle_right,
           ["日期", "类别", "事项", "单位", "依据", "状态"], ["date", "code", "text", "text", "text", "code"], rows,
           [(11, 12), (8, 14), (24, 50), (16, 36), (10, 30), (8, 12)])

    wb.properties.title = data.report_title
    wb.properties.creator = data.bureau or "GreenDesk"
    wb.active = 0
    return wb


def _table(ws, title: str, left: str, right: str, headers: list[str], kinds: list[str], rows: list[list[Any]],
           widths: list[tuple[int, int]]) -> None:
    from .summary_table import write_table

    write_table(ws, title=title, subtitle_left=left, subtitle_right=right, headers=headers, kinds=kinds,
                rows=rows, widths=widths)


def _bold_last_row(ws, n_rows: int) -> None:
    from openpyxl.styles import Font

    from .summary_table import FONT_NAME, HEADER_ROW

    row = HEADER_ROW + n_rows
    for c in ws[row]:
        c.font = Font(name=FONT_NAME, size=11, bold=True)


def _note_style(ws, row: int, ncols: int) -> None:
    from openpyxl.styles import Alignment, Font

    from .summary_table import FONT_NAME

    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=ncols)
    c = ws.cell(row, 1)
    c.font = Font(name=FONT_NAME, size=10)
    c.alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[row].height = 30


# ----------------------------------------------------------------------------- the report


def report_paragraphs(data: SummaryData) -> dict[str, list[str]]:
    """The report's text, section by section (plain strings: tests and the dialog read them)."""
    d = data.dashboard
    m = d.matrix
    area = data.district or "本区县"
    ent = m.total([k for k in TitleKind if k.subject is SubjectKind.ENTERPRISE])
    park = m.total([k for k in TitleKind if k.subject is SubjectKind.PARK])
    intro = (f"{data.year}年，{area}依据《重庆市绿色园区和绿色工厂认定管理办法》（渝经信规范〔2024〕4号），"
             "开展绿色工厂、绿色园区的培育、初审、推荐和监管工作。现将全年情况小结如下。")
    s1 = [
        f"全年纳入培育和申报的对象共{m.applications}个，其中企业{ent}家、园区{park}个。"
        f"处于培育、创建阶段的{m.total(stages=EARLY)}个，已完成自评价或第三方评价的{m.total(stages=EVALUATED)}个，"
        f"已申请或正在区县初审的{m.total(stages=AT_DISTRICT)}个；向市经济信息委推荐{m.recommended}个，"
        f"其中已认定{m.recognised}个、未通过{m.rejected}个，待市经济信息委认定{m.total(stages=Stage.RECOMMENDED)}个。"
        "各称号情况见表1。",
    ]
    with_target = [r for r in d.targets if r.target]
    if with_target:
        parts = [f"{r.kind.label}年度目标{r.target}{unit(r.kind)}，已认定{r.achieved}{unit(r.kind)}，完成{r.percent_text}"
                 for r in with_target]
        s2 = ["；".join(parts) + "。"]
    else:
        s2 = ["本年度未设定区县目标（可在「年度概览 → 编辑目标」中填写）。"]
    extra = [r for r in d.targets if not r.target and r.achieved]
    if extra:
        s2.append("此外，" + "，".join(f"{r.kind.label}认定{r.achieved}{unit(r.kind)}" for r in extra) + "。")
    ag = d.agenda
    overdue = [i for i in ag.overdue if i.kind != "certificate"]
    certs = ag.of_kind("certificate")
    s3 = [
        f"截至{fmt_date(data.today)}，全区持有有效称号{d.holdings.valid}个，复审中{d.holdings.under_review}个，"
        f"累计撤销{d.holdings.revoked}个；本年度新认定称号{d.titles.recognised_total}个，撤销{d.titles.revoked_total}个。",
        (f"目前逾期未办的监管事项{len(overdue)}项（年度指标未报、更名重组未上报、复审逾期等，第十六条、第十九条），"
         if overdue else "目前没有逾期未办的监管事项，")
        + f"今后30天内到期的事项{len(ag.upcoming)}项；"
        + (f"{len(certs)}张管理体系认证证书将在90天内到期或已过期，需提醒相关单位及时换证。"
           if certs else "没有90天内到期的管理体系认证证书。"),
    ]
    return {"intro": [intro], "一、培育与申报情况": s1, "二、年度目标完成情况": s2, "三、称号管理与监管情况": s3}


def report_table(data: SummaryData) -> list[list[str]]:
    """表1: one row per title with applications, a target or titles recognised in the year, and
    the total. 申报/已推荐 count the year's applications; 本年度认定 the titles recognised in
    the year (what the targets count)."""
    d = data.dashboard
    targets = {r.kind: r for r in d.targets}
    kinds = [k for k in TitleKind
             if d.matrix.total(k) or d.titles.recognised.get(k) or (k in targets and targets[k].target)]
    rows = [["称号", "申报", "已推荐", "本年度认定", "年度目标", "完成率"]]
    for k in kinds:
        t = targets.get(k)
        rows.append([k.label, str(d.matrix.total(k)), str(d.matrix.total(k, RECOMMENDED_STAGES)),
                     str(d.titles.recognised.get(k, 0)),
                     str(t.target) if t and t.target else "—", t.percent_text if t else "—"])
    rows.append(["合计", str(d.matrix.applications), str(d.matrix.recommended), str(d.titles.recognised_total),
                 "—", "—"])
    return rows


def build_report(data: SummaryData):
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    from . import docx_style as gb

    document = docx.Document()
    section = document.sections[0]
    gb.set_a4_official(section)
    normal = document.styles["Normal"]
    gb.set_fonts(normal.element, gb.FONT_BODY, size=gb.SIZE_SANHAO)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.space_after = Pt(0)
    gb.exact_line_spacing(normal.paragraph_format)

    def para(text: str, *, font: str = gb.FONT_BODY, size=gb.SIZE_SANHAO, align=None, indent: bool = True,
             keep_next: bool = False, right_chars: float | None = None):
        p = document.add_paragraph()
        if align is not None:
            p.alignment = align
        else:
            p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        if indent:
            gb.set_indent_chars(p._p, first_line=2)
        if right_chars is not None:
            gb.set_indent_chars(p._p, right=right_chars)
        p.paragraph_format.keep_with_next = keep_next
        for i, line in enumerate(text.split("\n")):
            r = p.add_run(line)
            gb.set_fonts(r._r, font, size=size, spacing=gb.CHAR_SPACING if size == gb.SIZE_SANHAO else None)
            if i < len(text.split("\n")) - 1:
                r.add_break()
        return p

    # title: 二号 小标宋, centred, the office on its own line when the whole does not fit one line
    title = data.report_title
    if data.office_short and gb.char_width(title) > 20:
        title = f"{data.office_short}\n{data.year}年绿色制造工作年度小结"
    para(title, font=gb.FONT_TITLE, size=gb.SIZE_ERHAO, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    para("", indent=False)

    sections = report_paragraphs(data)
    for text in sections.pop("intro"):
        para(text)
    for heading, texts in sections.items():
        para(heading, font=gb.FONT_HEADING1, keep_next=True)
        for text in texts:
            para(text)
        if heading.startswith("一、"):
            _report_table(document, data, para)

    # issuer and date, 4 characters from the right (as the letter)
    para("", indent=False)
    date_text = fmt_date(data.today)
    signer = data.bureau or data.office_short
    if signer:
        right = 4 + (gb.char_width(date_text) - gb.char_width(signer)) / 2
        para(signer, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False, right_chars=max(0.0, right))
    para(date_text, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False, right_chars=4)

    gb.enable_odd_even_footers(document)
    gb.page_number_footer(section.footer, odd=True)
    gb.page_number_footer(section.even_page_footer, odd=False)

    props = document.core_properties
    props.title = data.report_title
    props.author = data.bureau or ""
    props.keywords = "年度小结"
    props.comments = ""
    now = dt.datetime.now().replace(microsecond=0)
    props.created = now
    props.modified = now
    return document


def _report_table(document, data: SummaryData, para) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    from . import docx_style as gb

    rows = report_table(data)
    para(f"表1  {data.year}年各称号申报、推荐、认定情况", font=gb.FONT_HEADING1, size=gb.SIZE_SIHAO,
         align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, keep_next=True)
    widths = [54, 17, 19, 26, 22, 18]  # mm: 156 in all, the text width
    t = document.add_table(rows=len(rows), cols=len(widths))
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    for j, w in enumerate(widths):
        t.columns[j].width = Mm(w)
    for i, row in enumerate(rows):
        tr_pr = t.rows[i]._tr.get_or_add_trPr()
        tr_pr.append(OxmlElement("w:cantSplit"))
        if i == 0:
            tr_pr.append(OxmlElement("w:tblHeader"))
        for j, text in enumerate(row):
            cell = t.rows[i].cells[j]
            cell.width = Mm(widths[j])
            p = cell.paragraphs[0]
            p.alignment = WD_ALIGN_PARAGRAPH.LEFT if j == 0 and i > 0 else WD_ALIGN_PARAGRAPH.CENTER
            p.paragraph_format.line_spacing = 1.0
            off_grid = OxmlElement("w:snapToGrid")  # single spacing, not the body's 22-line grid
            off_grid.set(qn("w:val"), "0")
            p._p.get_or_add_pPr().append(off_grid)
            gb._sort_ppr(p._p.get_or_add_pPr())
            p.paragraph_format.space_before = Pt(3)
            p.paragraph_format.space_after = Pt(3)
            head = i == 0 or i == len(rows) - 1
            r = p.add_run(text)
            gb.set_fonts(r._r, gb.FONT_HEADING1 if head else gb.FONT_BODY, size=Pt(12))
