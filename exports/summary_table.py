"""The 推荐汇总表: one Excel row per recommended subject (openpyxl).

A title row, a line with the recommending office and the date, the header, then one row per
subject in the batch's order (the same numbers as the package's folders). The columns are
configuration: :data:`COLUMNS` is every column the program can fill (labels from forms/fields.py
where the field exists there), resources/data/summary_columns.json the default set and order
(domain.md), and an office's own choice is kept in the database setting
``exports.summary_columns`` (:func:`column_specs`, :func:`save_column_specs`).

What a clerk and a printer need: thin borders, widths that fit the text (a Chinese character
counts double), the header frozen and filterable, credit codes and phone numbers stored as text
(never numbers: no lost leading zeros, no 9.15E+17), enterprise text starting with = + - @
stored as text (never a formula), A4 landscape fitted to the page width, the header repeated on
every printed page, and 第 N 页 共 M 页 in the footer.
"""
from __future__ import annotations

import datetime as dt
import json
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from forms.fields import ENTERPRISE
from resources import resource_path

from .batch_data import BatchData, SubjectData

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

SETTING_KEY = "exports.summary_columns"
FONT_NAME = "宋体"
TITLE_FONT_NAME = "黑体"
THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_ROW = 3  # title, office/date line, header


class ColumnError(ValueError):
    """A column configuration that cannot be used; ``str()`` is Chinese."""


@dataclass(frozen=True)
class ColumnDef:
    """A column the program can fill. ``kind``: "text" (wrapped), "code" (text, never a number:
    credit codes, phone numbers), "int", "score" (one decimal)."""

    key: str
    label: str
    get: Callable[[int, SubjectData, BatchData], Any]
    kind: str = "text"
    max_width: int = 30
    min_width: int = 6
    align: str = ""  # "" = by kind: numbers and codes centred, text left


def _field_label(key: str) -> str:
    return ENTERPRISE.field(key).label


def _yes_no(v: bool | None) -> str:
    return "" if v is None else ("是" if v else "否")


def _score(v: Decimal | None) -> float | None:
    return None if v is None else float(v)


#: every column the program can fill, by key (field keys as in forms/fields.py)
COLUMNS: dict[str, ColumnDef] = {c.key: c for c in (
    ColumnDef("seq", "序号", lambda i, s, d: i, "int", max_width=6, min_width=5),
    ColumnDef("district_code", _field_label("district_code"), lambda i, s, d: s.district_name, max_width=12, align="center"),
    ColumnDef("name", "名称", lambda i, s, d: s.name, max_width=30, min_width=16),
    ColumnDef("credit_code", _field_label("credit_code"), lambda i, s, d: s.credit_code, "code", max_width=24, min_width=23),
    ColumnDef("industry_code", _field_label("industry_code"), lambda i, s, d: s.industry_name, max_width=18),
    ColumnDef("main_products", _field_label("main_products"), lambda i, s, d: s.main_products, max_width=22),
    ColumnDef("park_id", _field_label("park_id"), lambda i, s, d: s.park_name, max_width=20),
    ColumnDef("address", _field_label("address"), lambda i, s, d: s.address, max_width=30),
    ColumnDef("legal_rep", _field_label("legal_rep"), lambda i, s, d: s.legal_rep, max_width=10, align="center"),
    ColumnDef("evaluator", "第三方评价机构", lambda i, s, d: s.evaluator, max_width=24),
    ColumnDef("report_date", "评价报告日期", lambda i, s, d: s.report_date.strftime("%Y-%m-%d") if s.report_date else "", "code", max_width=12),
    ColumnDef("score", "评价得分", lambda i, s, d: _score(s.score), "score", max_width=8),
    ColumnDef("basic_requirements_met", "基本要求是否符合", lambda i, s, d: _yes_no(s.basic_requirements_met), max_width=10, align="center"),
    ColumnDef("highlights", "主要亮点", lambda i, s, d: s.highlights, max_width=40),
    ColumnDef("contact", _field_label("contact"), lambda i, s, d: s.contact, max_width=10, align="center"),
    ColumnDef("phone", _field_label("phone"), lambda i, s, d: s.phone, "code", max_width=18, min_width=15),
    ColumnDef("review_opinion", "初审意见", lambda i, s, d: s.review_opinion, max_width=20, align="center"),
    ColumnDef("title_kind", "申报类别", lambda i, s, d: _title_label(s.title_kind), max_width=16),
    ColumnDef("notes", _field_label("notes"), lambda i, s, d: s.notes, max_width=20),
)}


def _title_label(kind: str) -> str:
    from models.stages import TitleKind

    try:
        return TitleKind(kind).label
    except ValueError:
        return kind


@dataclass(frozen=True)
class ColumnSpec:
    """One column as configured: which column, and the header text (None: the default label)."""

    key: str
    label: str | None = None

    @property
    def definition(self) -> ColumnDef:
        return COLUMNS[self.key]

    @property
    def header(self) -> str:
        return self.label or self.definition.label


def _parse_specs(raw: Any) -> list[ColumnSpec]:
    items = raw.get("columns", raw) if isinstance(raw, dict) else raw
    if not isinstance(items, list) or not items:
        raise ColumnError("汇总表列设置为空或格式不对。")
    specs = []
    for it in items:
        key = it if isinstance(it, str) else it.get("key")
        if key not in COLUMNS:
            raise ColumnError(f"汇总表列设置中有未知的列“{key}”。可用的列：{'、'.join(COLUMNS)}。")
        label = None if isinstance(it, str) else (it.get("label") or None)
        specs.append(ColumnSpec(key, label))
    return specs


def default_column_specs() -> list[ColumnSpec]:
    """The default columns, from resources/data/summary_columns.json."""
    with open(resource_path("data", "summary_columns.json"), encoding="utf-8") as f:
        return _parse_specs(json.load(f))


def column_specs(session: "Session") -> list[ColumnSpec]:
    """The office's columns (setting ``exports.summary_columns``), else the default."""
    from models.office import get_setting

    raw = get_setting(session, SETTING_KEY)
    if raw:
        try:
            return _parse_specs(raw)
        except ColumnError:
            pass  # a setting written by a newer program: fall back rather than fail the export
    return default_column_specs()


def save_column_specs(session: "Session", specs: Sequence[ColumnSpec]) -> None:
    """Keep the office's column choice (flushed; the caller commits)."""
    from models.office import set_setting

    specs = list(specs)
    _parse_specs([{"key": s.key, "label": s.label} for s in specs])  # validates
    set_setting(session, SETTING_KEY, {"columns": [
        {"key": s.key, **({"label": s.label} if s.label else {})} for s in specs
    ]})


# ----------------------------------------------------------------------------- cell helpers


def text_width(text: str) -> int:
    """Display width in Excel's character units: East Asian wide/full-width characters count 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def put_text(cell, value: Any) -> None:
    """Store ``value`` as text, whatever it looks like: never a formula (= + - @ at the start),
    never a number. quotePrefix tells Excel to keep it text when someone edits the cell."""
    text = "" if value is None else str(value)
    cell.value = text
    cell.data_type = "s"
    cell.number_format = "@"
    if text[:1] in ("=", "+", "-", "@"):
        cell.quotePrefix = True


def put_value(cell, value: Any, kind: str) -> None:
    """One cell by its column's kind: text/code (always text), int, year, score, pct (a ratio
    shown as 0.0%, "—" when there is none) or date (yyyy-mm-dd)."""
    if kind == "pct":
        if value is None:
            put_text(cell, "—")
        else:
            cell.value = float(value)
            cell.number_format = "0.0%"
    elif kind == "date" and isinstance(value, dt.date):
        cell.value = value
        cell.number_format = "yyyy-mm-dd"
    elif kind in ("int", "year") and value is None:
        cell.value = None
    elif kind in ("text", "code", "date") or value is None or value == "":
        put_text(cell, value)
    elif kind in ("int", "year"):
        cell.value = int(value)
        cell.number_format = "0"
    elif kind == "score":
        cell.value = float(value)
        cell.number_format = "0.0#"
    else:  # pragma: no cover - every kind is handled above
        put_text(cell, value)


def fit_widths(ws: Worksheet, widths: dict[int, tuple[int, int]], values: dict[int, list[str]]) -> None:
    """Set each column's width to its longest line (CJK double) + 2, within (min, max)."""
    for col, (lo, hi) in widths.items():
        longest = max((text_width(line) for v in values.get(col, []) for line in str(v).split("\n")), default=0)
        ws.column_dimensions[get_column_letter(col)].width = max(lo, min(hi, longest + 2))


def fit_heights(ws: Worksheet, first_row: int, last_row: int, ncols: int, *, line_pt: float = 14.5) -> None:
    """Row heights for wrapped text, set explicitly: Excel does not grow a row on opening a file,
    and a printed table must not cut a long name in half."""
    widths = [ws.column_dimensions[get_column_letter(j)].width or 8 for j in range(1, ncols + 1)]
    for i in range(first_row, last_row + 1):
        lines = 1
        for j in range(1, ncols + 1):
            v = ws.cell(i, j).value
            if v is None or v == "":
                continue
            room = max(1.0, widths[j - 1] - 1.5)
            n = sum(max(1, -(-text_width(part) // int(room))) for part in str(v).split("\n"))
            lines = max(lines, n)
        ws.row_dimensions[i].height = round(line_pt * lines + 6, 1)


def print_setup(ws: Worksheet, *, header_rows: str, landscape: bool = True) -> None:
    """A4, landscape, all columns on one page width, header rows on every page, page footer."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = header_rows
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = 0.6
    ws.page_margins.bottom = 0.7
    ws.page_margins.footer = 0.3
    ws.oddFooter.center.text = "第 &P 页 共 &N 页"
    ws.oddFooter.center.font = FONT_NAME
    ws.oddFooter.center.size = 10


def write_table(ws: Worksheet, *, title: str, subtitle_left: str, subtitle_right: str,
                headers: list[str], kinds: list[str], rows: list[list[Any]],
                widths: list[tuple[int, int]], aligns: list[str] | None = None) -> None:
    """The shared layout of the program's Excel lists: title, subtitle line, header, rows."""
    ncols = len(headers)
    last = get_column_letter(ncols)
    ws.sheet_view.showGridLines = False
    # title
    ws.merge_cells(f"A1:{last}1")
    c = ws["A1"]
    put_text(c, title)
    c.font = Font(name=TITLE_FONT_NAME, size=16, bold=True)
    c.alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 32
    # recommending office and date
    split = max(1, ncols // 2)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=split)
    if ncols > split:
        ws.merge_cells(start_row=2, start_column=split + 1, end_row=2, end_column=ncols)
    put_text(ws.cell(2, 1), subtitle_left)
    ws.cell(2, 1).font = Font(name=FONT_NAME, size=11)
    ws.cell(2, 1).alignment = Alignment(horizontal="left", vertical="center")
    if ncols > split:
        put_text(ws.cell(2, split + 1), subtitle_right)
        ws.cell(2, split + 1).font = Font(name=FONT_NAME, size=11)
        ws.cell(2, split + 1).alignment = Alignment(horizontal="right", vertical="center")
    ws.row_dimensions[2].height = 22
    # header
    header_font = Font(name=TITLE_FONT_NAME, size=11, bold=True)
    for j, h in enumerate(headers, start=1):
        cell = ws.cell(HEADER_ROW, j)
        put_text(cell, h)
        cell.font = header_font
        cell.border = BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    # rows
    body_font = Font(name=FONT_NAME, size=11)
    seen: dict[int, list[str]] = {j: [h] for j, h in enumerate(headers, start=1)}
    horizontal = [(a or ("center" if k in ("int", "year", "score", "code", "pct", "date") else "left"))
                  for a, k in zip(aligns or [""] * ncols, kinds)]
    for i, row in enumerate(rows, start=HEADER_ROW + 1):
        for j, (value, kind) in enumerate(zip(row, kinds), start=1):
            cell = ws.cell(i, j)
            put_value(cell, value, kind)
            cell.font = body_font
            cell.border = BORDER
            cell.alignment = Alignment(horizontal=horizontal[j - 1], vertical="center", wrap_text=kind == "text")
            if value is not None:
                seen[j].append(str(value))
    # header widths: a header may wrap onto two lines, so count half of it
    for j, h in enumerate(headers, start=1):
        seen[j][0] = h[: max(1, (len(h) + 1) // 2)] if len(h) > 4 else h
    fit_widths(ws, {j: widths[j - 1] for j in range(1, ncols + 1)}, seen)
    fit_heights(ws, HEADER_ROW, HEADER_ROW + len(rows), ncols)
    last_row = HEADER_ROW + max(len(rows), 0)
    ws.freeze_panes = ws.cell(HEADER_ROW + 1, 1)
    ws.auto_filter.ref = f"A{HEADER_ROW}:{last}{max(last_row, HEADER_ROW)}"
    print_setup(ws, header_rows=f"{HEADER_ROW}:{HEADER_ROW}")


# ----------------------------------------------------------------------------- the table


def table_title(data: BatchData) -> str:
    from .letter import title_name

    return f"{data.year}年度{title_name(data.title_kind)}推荐汇总表"


def summary_rows(data: BatchData, specs: Sequence[ColumnSpec]) -> list[list[Any]]:
    """The table's cell values, row by row (numbered 1…N in the batch's order)."""
    return [[s_.definition.get(i, subj, data) for s_ in specs]
            for i, subj in enumerate(data.subjects, start=1)]


def write_summary_table(data: BatchData, path: Path | str, *, columns: Sequence[ColumnSpec] | None = None,
                        date: dt.date | None = None) -> Path:
    """Write the 推荐汇总表 .xlsx. Returns the path."""
    from .letter import format_date

    specs = list(columns) if columns else default_column_specs()
    wb = Workbook()
    ws = wb.active
    ws.title = "推荐汇总表"
    write_table(
        ws,
        title=table_title(data),
        subtitle_left=f"推荐单位（盖章）：{data.office.bureau_name}",
        subtitle_right=f"填报日期：{format_date(date or dt.date.today())}",
        headers=[s.header for s in specs],
        kinds=[s.definition.kind for s in specs],
        rows=summary_rows(data, specs),
        widths=[(s.definition.min_width, s.definition.max_width) for s in specs],
        aligns=[s.definition.align for s in specs],
    )
    wb.properties.title = table_title(data)
    wb.properties.creator = data.office.bureau_name or "GreenDesk"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(str(path))
    return path
