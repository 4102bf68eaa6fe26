"""Blank (or pre-filled) Excel information forms (信息采集表), made from the field definitions.

``write_form(path, "enterprise")`` writes a workbook a district sends out to enterprises:

* 说明 — how to fill it in, and one line per column (label, required, note);
* the data sheet (企业信息 / 园区信息 / 年度指标) — one header row with the Chinese labels (required
  ones marked ``*``), a cell comment per header with the field's note, drop-downs for districts,
  industries, park types, yes/no (long lists through ranges on a hidden sheet 选项), date cells
  formatted ``yyyy-mm-dd``, text cells (``@``) for credit codes and phones, the header row
  protected (sheet protection, data cells unlocked), frozen header and a filter;
* a very hidden sheet ``_greendesk`` holding the form's kind, version and column keys, and a
  defined name ``GreenDeskForm``: so the importer recognises the file when it comes back
  (:func:`read_marker`), even when the clerk renamed it.

Pre-filling: ``write_form(path, "enterprise", session=s, ids=[...])`` (or ``ids="all"``) writes
one row per record with what the database holds, shown as the drop-downs show it.

The columns are the schema's fields (``forms.fields.ENTERPRISE`` / ``PARK``, the indicator form
of ``forms.indicator_fields``): one definition serves the editor, this form and the importer.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from forms.fields import ENTERPRISE, PARK, Field, FormSchema, Kind

MARKER_SHEET = "_greendesk"
MARKER_NAME = "GreenDeskForm"
MARKER_FORMAT = "greendesk-form"
OPTIONS_SHEET = "选项"
INSTRUCTIONS_SHEET = "说明"
#: data rows formatted and unlocked in a blank form (more can be typed below; the column formats
#: carry on there in Excel)
BLANK_ROWS = 500

REQUIRED_MARK = "*"
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
REQUIRED_FONT = Font(bold=True, color="C00000")
HEADER_FONT = Font(bold=True)
THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
UNLOCKED = Protection(locked=False)
LOCKED = Protection(locked=True)

#: display width (characters) per kind; text fields by their maximum length
WIDTHS = {Kind.CREDIT_CODE: 22, Kind.PHONE: 16, Kind.DATE: 13, Kind.DISTRICT: 18, Kind.INDUSTRY: 26,
          Kind.BOOL: 10, Kind.INT: 12, Kind.DECIMAL: 14, Kind.CHOICE: 16, Kind.REF: 28, Kind.MULTILINE: 30}

#: what the form adds to a field's own note, by kind (the note says what, this says how)
KIND_HINTS = {
    Kind.CREDIT_CODE: "单元格已设为文本格式。",
    Kind.PHONE: "单元格已设为文本格式。",
    Kind.DATE: "日期写成 2024-05-06（2024/5/6、2024年5月6日 也可）。",
    Kind.DISTRICT: "请从下拉列表选择。",
    Kind.INDUSTRY: "请从下拉列表选择。",
    Kind.CHOICE: "请从下拉列表选择。",
    Kind.BOOL: "请从下拉列表选择“是”或“否”。",
    Kind.INT: "填整数。",
    Kind.DECIMAL: "填数字，不带单位。",
    Kind.REF: "须与已登记的名称一致，可从下拉列表选择。",
}


def form_schemas() -> dict[str, FormSchema]:
    """Every form kind the program writes and reads back, by kind."""
    out = {ENTERPRISE.kind: ENTERPRISE, PARK.kind: PARK}
    try:
        from forms.indicator_fields import indicator_schemas
    except ImportError:  # pragma: no cover - indicator definitions not available
        return out
    out.update(indicator_schemas())
    return out


def form_schema(kind: str) -> FormSchema:
    try:
        return form_schemas()[kind]
    except KeyError:
        raise ValueError(f"没有名为 {kind} 的信息采集表。") from None


def header_text(f: Field) -> str:
    return (REQUIRED_MARK if f.required else "") + f.label


def header_note(f: Field) -> str:
    parts = []
    if f.required:
        parts.append("必填。")
    if f.note:
        parts.append(f.note.rstrip("。") + "。")
    hint = KIND_HINTS.get(f.kind)
    if hint and hint.rstrip("。") not in f.note:
        parts.append(hint)
    if f.max_len and f.kind in (Kind.TEXT, Kind.MULTILINE):
        parts.append(f"最多{f.max_len}个字。")
    return "".join(parts) or f.label


def _width(f: Field) -> float:
    if f.kind in WIDTHS:
        return WIDTHS[f.kind]
    n = f.max_len or 20
    return max(len(f.label) * 2.2 + 4, min(32.0, n / 4 + 8))


@dataclass(frozen=True)
class FormMarker:
    """What the hidden sheet of one of our forms says."""

    kind: str
    version: int
    columns: tuple[str, ...]
    data_sheet: str
    header_row: int
    extra: dict[str, str]


def _choice_lists(schema: FormSchema, park_names: Sequence[str]) -> dict[str, list[str]]:
    """Per field key, the texts offered in its drop-down."""
    out: dict[str, list[str]] = {}
    for f in schema.fields:
        if f.kind in (Kind.DISTRICT, Kind.INDUSTRY):
            out[f.key] = [label for _, label in f.choice_list()]
        elif f.kind in (Kind.CHOICE, Kind.BOOL):
            out[f.key] = [label for _, label in f.choice_list()]
        elif f.kind is Kind.REF and f.ref == "park" and park_names:
            out[f.key] = sorted(park_names)
    return out


def display_value(f: Field, value: Any, *, park_names: dict[int, str] | None = None) -> Any:
    """A stored value as the form shows it (the drop-down's text, a real date, text codes)."""
    if value is None or value == "":
        return None
    if f.kind is Kind.DISTRICT or f.kind is Kind.INDUSTRY:
        for v, label in f.choice_list():
            if v == value:
                return label
        return str(value)
    if f.kind is Kind.BOOL:
        return "是" if value else "否"
    if f.kind is Kind.REF:
        return (park_names or {}).get(value, "")
    if f.kind is Kind.DATE:
        return value if isinstance(value, dt.date) else str(value)
    if f.kind in (Kind.INT, Kind.DECIMAL):
        return value
    if f.kind is Kind.CHOICE:
        for v, label in f.choice_list():
            if v == value:
                return label
    return str(value)


def write_form(
    path: Path | str,
    kind: str,
    *,
    session: Any = None,
    ids: Iterable[int] | str | None = None,
    rows: Iterable[dict[str, Any]] | None = None,
    year: int | None = None,
    blank_rows: int = BLANK_ROWS,
) -> Path:
    """Write the information form of ``kind`` ("enterprise", "park", or an indicator form kind
    such as "indicator_enterprise") to ``path`` (.xlsx).

    ``session`` (optional) gives the park names for the park drop-down and, with ``ids`` (a list
    of record ids, or "all"), the records to pre-fill. ``rows`` pre-fills from plain dicts of
    stored values instead. ``year`` is written into the marker (and pre-fills the 年度 column of
    indicator forms)."""
    path = Path(path)
    schema = form_schema(kind)
    park_names: dict[int, str] = {}
    if session is not None:
        from sqlalchemy import select

        from models.entities import Park

        park_names = dict(session.execute(select(Park.id, Park.name).where(Park.deleted_at.is_(None))).all())
    values: list[dict[str, Any]] = list(rows or [])
    if ids is not None and session is not None:
        values.extend(prefill_rows(session, schema, ids, year=year))
    if year is not None and any(f.key == "year" for f in schema.fields):
        for v in values:
            v.setdefault("year", year)

    wb = Workbook()
    ins = wb.active
    ins.title = INSTRUCTIONS_SHEET
    ws = wb.create_sheet(schema.title)
    opts = wb.create_sheet(OPTIONS_SHEET)
    opts.sheet_state = "hidden"
    meta = wb.create_sheet(MARKER_SHEET)
    meta.sheet_state = "veryHidden"

    fields = list(schema.fields)
    # ---- header
    for col, f in enumerate(fields, start=1):
        c = ws.cell(row=1, column=col, value=header_text(f))
        c.font = REQUIRED_FONT if f.required else HEADER_FONT
        c.fill = HEADER_FILL
        c.border = BOX
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        c.protection = LOCKED
        note = Comment(header_note(f), "绿色制造管理程序")
        note.width = 260
        note.height = 110
        c.comment = note
        letter = get_column_letter(col)
        dim = ws.column_dimensions[letter]
        dim.width = _width(f)
        dim.protection = UNLOCKED
        fmt = _number_format(f)
        if fmt:
            dim.number_format = fmt
    ws.row_dimensions[1].height = 30
    ws.freeze_panes = "A2"

    # ---- drop-downs, from ranges on the hidden options sheet
    lists = _choice_lists(schema, list(park_names.values()))
    n_rows = max(blank_rows, len(values) + 100)
    opt_col = 0
    for col, f in enumerate(fields, start=1):
        items = lists.get(f.key)
        if not items:
            continue
        opt_col += 1
        ol = get_column_letter(opt_col)
        opts.cell(row=1, column=opt_col, value=f.label)
        for i, item in enumerate(items, start=2):
            opts.cell(row=i, column=opt_col, value=item)
        letter = get_column_letter(col)
        dv = DataValidation(
            type="list",
            formula1=f"'{OPTIONS_SHEET}'!${ol}$2:${ol}${len(items) + 1}",
            allow_blank=True,
            showDropDown=False,  # (sic) False = show the in-cell arrow
            showErrorMessage=True,
            errorStyle="stop" if f.kind is not Kind.REF else "warning",
            errorTitle="请从列表中选择",
            error=f"「{f.label}」请从下拉列表中选择。" if f.kind is not Kind.REF
            else f"「{f.label}」不在已登记的名称中，导入时需要先登记。",
            showInputMessage=True,
            promptTitle=f.label[:32],
            prompt=header_note(f)[:255],
        )
        dv.add(f"{letter}2:{letter}{n_rows + 1}")
        ws.add_data_validation(dv)

    # ---- data rows: formats and unlocked cells, then the pre-filled values
    formats = [_number_format(f) for f in fields]
    for r in range(2, n_rows + 2):
        for col, fmt in enumerate(formats, start=1):
            c = ws.cell(row=r, column=col)
            c.protection = UNLOCKED
            c.border = BOX
            if fmt:
                c.number_format = fmt
    for r, rec in enumerate(values, start=2):
        for col, f in enumerate(fields, start=1):
            v = display_value(f, rec.get(f.key), park_names=park_names)
            if v is not None:
                ws.cell(row=r, column=col, value=v)

    last = get_column_letter(len(fields))
    ws.auto_filter.ref = f"A1:{last}{n_rows + 1}"
    ws.protection.sheet = True
    for allowed in ("formatCells", "formatColumns", "formatRows", "insertRows", "deleteRows", "sort", "autoFilter"):
        setattr(ws.protection, allowed, False)

    _page_setup(ws)
    ws.print_title_rows = "1:1"
    _write_instructions(ins, schema, year=year)
    _page_setup(ins)
    ins.page_setup.fitToHeight = 1  # the instructions on one page
    _write_marker(wb, meta, schema, ws.title, year=year)
    wb.active = wb.sheetnames.index(ws.title)
    ins.sheet_view.tabSelected = False
    ws.sheet_view.tabSelected = True
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    wb.save(tmp)
    tmp.replace(path)
    return path


def _page_setup(ws: Any) -> None:
    """A4 landscape, as wide as one page: what prints when a clerk presses 打印."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.4


def _number_format(f: Field) -> str | None:
    if f.kind in (Kind.CREDIT_CODE, Kind.PHONE):
        return "@"
    if f.kind is Kind.DATE:
        return "yyyy-mm-dd"
    if f.kind is Kind.INT:
        return "0"
    return None


def _write_instructions(ws: Any, schema: FormSchema, *, year: int | None) -> None:
    title = f"{schema.title}采集表 填写说明" + (f"（{year}年度）" if year else "")
    ws["A1"] = title
    ws["A1"].font = Font(bold=True, size=14)
    ws.merge_cells("A1:D1")
    def names(kinds: tuple[Kind, ...]) -> str:
        found = [f"「{f.label}」" for f in schema.fields if f.kind in kinds]
        return "".join(found[:4]) + ("等" if len(found) > 4 else "")

    how = []
    if names((Kind.DISTRICT, Kind.INDUSTRY, Kind.CHOICE, Kind.BOOL, Kind.REF)):
        how.append(names((Kind.DISTRICT, Kind.INDUSTRY, Kind.CHOICE, Kind.BOOL, Kind.REF)) + "列请从下拉列表选择")
    if names((Kind.DATE,)):
        how.append("日期写成 2024-05-06")
    if names((Kind.CREDIT_CODE, Kind.PHONE)):
        how.append(names((Kind.CREDIT_CODE, Kind.PHONE)) + "列已设为文本格式，请直接输入")
    if names((Kind.DECIMAL, Kind.INT)):
        how.append("数字列只填数字，不带单位")
    one = {"enterprise": "同一家企业只填一行", "park": "同一个园区只填一行"}.get(
        schema.kind, "同一对象同一年度只填一行")
    lines = [
        f"1. 请在「{schema.title}」工作表中填写，每行一条，从第2行开始；不要修改第1行表头，也不要改工作表名称。",
        f"2. 表头带 {REQUIRED_MARK} 的列必须填写；把鼠标停在表头上可看到每列的填写说明。",
        f"3. {'；'.join(how)}。" if how else "3. 按表头填写即可。",
        "4. 不要删除或改动隐藏的工作表，程序靠它识别本表；可以增加行，填好后保存为 .xlsx 发回区县经信委。",
        f"5. {one}；已有信息的可在原行上修改，程序导入时会逐项显示改动供核对。",
    ]
    for i, line in enumerate(lines, start=3):
        ws.cell(row=i, column=1, value=line)
        ws.merge_cells(start_row=i, start_column=1, end_row=i, end_column=4)
        ws.cell(row=i, column=1).alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[i].height = 32
    start = len(lines) + 4
    heads = ("列", "字段", "是否必填", "填写说明")
    for col, h in enumerate(heads, start=1):
        c = ws.cell(row=start, column=col, value=h)
        c.font = HEADER_FONT
        c.fill = HEADER_FILL
        c.border = BOX
    for i, f in enumerate(schema.fields, start=1):
        row = start + i
        for col, v in enumerate((get_column_letter(i), f.label, "是" if f.required else "", header_note(f)), start=1):
            c = ws.cell(row=row, column=col, value=v)
            c.border = BOX
            c.alignment = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCD", (6, max(24, max(len(f.label) for f in schema.fields) * 2 + 2), 10, 70)):
        ws.column_dimensions[letter].width = width
    ws.cell(row=start + len(schema.fields) + 2, column=1,
            value=f"表格版本：{schema.title} 第{schema.version}版；生成日期：{dt.date.today():%Y-%m-%d}")


def _write_marker(wb: Workbook, meta: Any, schema: FormSchema, data_sheet: str, *, year: int | None) -> None:
    from models.db import APP_VERSION

    items = [
        ("format", MARKER_FORMAT),
        ("kind", schema.kind),
        ("version", schema.version),
        ("data_sheet", data_sheet),
        ("header_row", 1),
        ("columns", ",".join(schema.keys)),
        ("app_version", APP_VERSION),
        ("generated_on", f"{dt.date.today():%Y-%m-%d}"),
    ]
    if year is not None:
        items.append(("year", year))
    for r, (k, v) in enumerate(items, start=1):
        meta.cell(row=r, column=1, value=k)
        meta.cell(row=r, column=2, value=str(v))
    meta.protection.sheet = True
    wb.defined_names[MARKER_NAME] = DefinedName(MARKER_NAME, attr_text=f'"{schema.kind}:{schema.version}"')


def marker_from_rows(rows: Sequence[Sequence[Any]]) -> FormMarker | None:
    """Parse the marker sheet's rows (key, value)."""
    kv: dict[str, str] = {}
    for r in rows:
        if len(r) >= 2 and r[0] not in (None, ""):
            kv[str(r[0]).strip()] = "" if r[1] is None else str(r[1]).strip()
    if kv.get("format") != MARKER_FORMAT or not kv.get("kind"):
        return None
    try:
        version = int(float(kv.get("version", "1")))
        header_row = int(float(kv.get("header_row", "1")))
    except ValueError:
        return None
    known = {"format", "kind", "version", "columns", "data_sheet", "header_row"}
    return FormMarker(
        kind=kv["kind"], version=version,
        columns=tuple(c for c in kv.get("columns", "").split(",") if c),
        data_sheet=kv.get("data_sheet", ""), header_row=header_row,
        extra={k: v for k, v in kv.items() if k not in known},
    )


def prefill_rows(session: Any, schema: FormSchema, ids: Iterable[int] | str, *, year: int | None = None) -> list[dict[str, Any]]:
    """Stored values of the records to pre-fill (enterprise or park forms; indicator forms ask
    forms.indicator_fields)."""
    from sqlalchemy import select

    from models.entities import Enterprise, Park

    if schema.kind.startswith("indicator"):
        from forms.indicator_fields import indicator_prefill

        return indicator_prefill(session, schema, ids, year=year)
    model = {"enterprise": Enterprise, "park": Park}[schema.kind]
    q = select(model).where(model.deleted_at.is_(None)).order_by(model.name)
    if ids != "all":
        q = q.where(model.id.in_(list(ids)))  # type: ignore[arg-type]
    out = []
    for rec in session.scalars(q):
        out.append({f.key: getattr(rec, f.key, None) for f in schema.fields})
    return out
