"""Filled-in information forms coming back: read, check every cell, preview, apply.

::

    preview = preview_forms(session, [path_or_folder, ...], progress=..., should_stop=...)
    preview.rows        # one RowResult per data row: create / update / unchanged / error
    preview.issues      # every problem with file, sheet, row, column (letter + header), value, reason
    result = apply_forms(db, preview, exclude=preview.error_rows())   # or rows=[...]

A file is recognised by the hidden marker its blank form carries (exports/xlsx_forms.py); a
workbook without the marker is still accepted when its header row carries the form's labels.
Every cell goes through the field definitions (``Field.parse``): what people really type is
understood there (forms/validators.py). Enterprises are matched by credit code, parks by name
(normalised: brackets, spaces, 有限责任公司). An empty cell never clears a stored value.

Applying is all-or-nothing: a backup first (``db.backup_now("import")``), then one transaction.
Selected rows with errors refuse the whole apply (exclude them first); a preview made before the
database changed is refused too (make it again).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from forms.fields import Field, FormSchema, Kind
from forms.validators import ValidationError, clean_text
from exports.names import normalise_name
from exports.xlsx_forms import MARKER_SHEET, REQUIRED_MARK, FormMarker, form_schemas, marker_from_rows

from .errors import FileRejected, ImportRejected, Issue, Progress, column_letter
from .safety import inspect_file
from .tables import Grid, open_workbook, read_sheet, sheet_infos

FORM_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".et", ".csv")
ACTION_LABELS = {"create": "新增", "update": "修改", "unchanged": "无变化", "error": "有错误"}


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class FieldChange:
    key: str
    label: str
    old: Any
    new: Any
    old_text: str
    new_text: str


@dataclass
class RowResult:
    """One data row of a filled form, checked and compared with the database."""

    index: int
    file: str
    sheet: str
    row: int
    kind: str  # form kind: "enterprise" / "park" / indicator kinds
    action: str  # create / update / unchanged / error
    key: str  # what identifies the record: credit code, park name
    name: str
    record_id: int | None = None
    values: dict[str, Any] = field(default_factory=dict)  # clean values of the filled cells
    changes: list[FieldChange] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    before: dict[str, Any] = field(default_factory=dict)  # stored values of the changed fields

    @property
    def ok(self) -> bool:
        return self.action != "error"

    @property
    def action_label(self) -> str:
        return ACTION_LABELS[self.action]


@dataclass
class FormPreview:
    """What importing the files would do. Plain data: the GUI shows it, the CLI prints it."""

    files: list[Path] = field(default_factory=list)
    rows: list[RowResult] = field(default_factory=list)
    rejected: list[FileRejected] = field(default_factory=list)  # files that could not be read at all
    warnings: list[Issue] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)  # file name → form kind

    def counts(self, rows: Iterable[RowResult] | None = None) -> dict[str, int]:
        out = {a: 0 for a in ACTION_LABELS}
        for r in rows if rows is not None else self.rows:
            out[r.action] += 1
        return out

    @property
    def issues(self) -> list[Issue]:
        """Every error: files that could not be read, then cell and row errors."""
        out = [Issue(r.path.name, r.sheet, r.row, r.column, "", "", r.reason) for r in self.rejected]
        for row in self.rows:
            out.extend(row.issues)
        return out

    @property
    def has_errors(self) -> bool:
        return bool(self.rejected) or any(not r.ok for r in self.rows)

    def error_rows(self) -> list[int]:
        return [r.index for r in self.rows if not r.ok]

    def good_rows(self) -> list[int]:
        return [r.index for r in self.rows if r.ok]


@dataclass
class ApplyResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    backup: Path | None = None
    tables: set[str] = field(default_factory=set)  # table names written (for ctx.changed)

    def summary(self) -> str:
        return f"新增 {self.created} 条，修改 {self.updated} 条，无变化 {self.unchanged} 条" + (
            f"，跳过 {self.skipped} 条" if self.skipped else "")


# --------------------------------------------------------------------------- targets


class NameRefs(Mapping[str, Any]):
    """Park names → id for the REF field, matched by normalised name (全角/半角括号, spaces)."""

    def __init__(self, items: Iterable[tuple[str, Any]]) -> None:
        self._by_norm: dict[str, Any] = {}
        self.names: dict[Any, str] = {}  # value → the name as stored, for display
        for name, value in items:
            self.add(name, value)

    def add(self, name: str, value: Any) -> None:
        self._by_norm.setdefault(normalise_name(name), value)
        self.names.setdefault(value, name)

    def __getitem__(self, name: str) -> Any:
        return self._by_norm[normalise_name(name)]

    def __contains__(self, name: object) -> bool:
        return normalise_name(name) in self._by_norm

    def __iter__(self):
        return iter(self._by_norm)

    def __len__(self) -> int:
        return len(self._by_norm)


@dataclass(frozen=True)
class NewRef:
    """A park that does not exist yet but is created by the same import."""

    name: str


class Target:
    """How one form kind meets the database: which record a row is, and how to write it."""

    kind: str
    schema: FormSchema
    table: str

    def load(self, session: Session) -> None:
        raise NotImplementedError

    def identify(self, clean: Mapping[str, Any]) -> tuple[str, str]:
        """(key, display name) of a row's record; ValidationError when it cannot say."""
        raise NotImplementedError

    def existing(self, key: str) -> tuple[int, dict[str, Any]] | None:
        raise NotImplementedError

    def write(self, session: Session, creates: list[RowResult], updates: list[RowResult],
              resolve: Callable[[Any], Any], note: str) -> None:
        raise NotImplementedError

    def compared(self) -> list[Field]:
        """The fields compared with the stored record (all by default)."""
        return list(self.schema.fields)

    def nothing_to_write(self, clean: Mapping[str, Any]) -> bool:
        """True for a row that identifies a record but carries no value to store."""
        return False

    def check_fresh(self, session: Session, creates: list[RowResult], updates: list[RowResult]) -> None:
        """Refuse a preview the database has moved away from (someone saved in between)."""
        fresh = self.reloaded(session)
        for r in creates:
            if fresh.existing(r.key) is not None:
                raise ImportRejected(f"「{r.name}」在预览之后已被录入数据库，请重新预览后再导入。")
        for r in updates:
            now_values = (fresh.existing(r.key) or (None, None))[1]
            if now_values is None:
                raise ImportRejected(f"「{r.name}」在预览之后已被删除，请重新预览后再导入。")
            for c in r.changes:
                if not _same(now_values.get(c.key), c.old):
                    raise ImportRejected(f"「{r.name}」的「{c.label}」在预览之后已被修改，请重新预览后再导入。")

    def reloaded(self, session: Session) -> "Target":
        raise NotImplementedError


class _SubjectTarget(Target):
    key_field: str

    def __init__(self, schema: FormSchema, model: type) -> None:
        self.schema = schema
        self.kind = schema.kind
        self.model = model
        self.table = model.__table__.name
        self._index: dict[str, tuple[int, dict[str, Any]]] = {}

    def _columns(self) -> list[Any]:
        return [getattr(self.model, f.key) for f in self.schema.fields]

    def load(self, session: Session) -> None:
        m = self.model
        q = select(m.id, *self._columns()).where(m.deleted_at.is_(None))
        keys = [f.key for f in self.schema.fields]
        for row in session.execute(q):
            values = dict(zip(keys, row[1:]))
            self._index[self.index_key(values)] = (row[0], values)

    def index_key(self, values: Mapping[str, Any]) -> str:
        raise NotImplementedError

    def reloaded(self, session: Session) -> "Target":
        fresh = type(self)(self.schema, self.model)
        fresh.load(session)
        return fresh

    def existing(self, key: str) -> tuple[int, dict[str, Any]] | None:
        return self._index.get(key)

    def write(self, session: Session, creates: list[RowResult], updates: list[RowResult],
              resolve: Callable[[Any], Any], note: str) -> dict[str, int]:
        from models.sync import insert_rows, update_rows

        defaults = {f.key: f.empty_value() for f in self.schema.fields}
        rows = []
        for r in creates:
            values = dict(defaults)
            for k, v in r.values.items():
                values[k] = resolve(v)
            rows.append(values)
        ids = insert_rows(session, self.model, rows, note=note, names=[r.name for r in creates])
        changes = []
        names = {}
        for r in updates:
            after = {c.key: resolve(c.new) for c in r.changes}
            changes.append((r.record_id, {c.key: c.old for c in r.changes}, after))
            names[r.record_id] = r.name
        update_rows(session, self.model, changes, note=note, names=names)
        return ids


class EnterpriseTarget(_SubjectTarget):
    def index_key(self, values: Mapping[str, Any]) -> str:
        return values.get("credit_code") or ""

    def identify(self, clean: Mapping[str, Any]) -> tuple[str, str]:
        code = clean.get("credit_code")
        if not code:
            raise ValidationError("缺少统一社会信用代码，无法确定是哪家企业。")
        return code, clean.get("name") or code


class ParkTarget(_SubjectTarget):
    def index_key(self, values: Mapping[str, Any]) -> str:
        return normalise_name(values.get("name"))

    def identify(self, clean: Mapping[str, Any]) -> tuple[str, str]:
        name = clean.get("name")
        if not name:
            raise ValidationError("缺少园区名称，无法确定是哪个园区。")
        key = normalise_name(name)
        if not key:  # only punctuation and spaces: nothing to tell one park from another by
            raise ValidationError(f"园区名称「{name}」只有标点或空格，无法确定是哪个园区，请填写园区全称。")
        return key, name


class IndicatorTarget(Target):
    """A yearly indicator form: a row is (subject, year); each indicator column is one
    models.review.Indicator row (long format). The subject must already exist."""

    table = "indicator"

    def __init__(self, schema: FormSchema, subject: str) -> None:
        self.schema = schema
        self.kind = schema.kind
        self.subject = subject  # "enterprise" / "park"
        self.keys = [f.key for f in schema.fields if f.kind is Kind.DECIMAL]
        self._subjects: dict[str, tuple[int, str]] = {}
        self._values: dict[tuple[int, int], dict[str, tuple[int, Any]]] = {}

    def _model(self) -> Any:
        from models.entities import Enterprise, Park

        return Enterprise if self.subject == "enterprise" else Park

    def load(self, session: Session) -> None:
        from models.review import Indicator

        m = self._model()
        for rid, name, code in session.execute(select(m.id, m.name, m.credit_code).where(m.deleted_at.is_(None))):
            key = code if self.subject == "enterprise" else normalise_name(name)
            if key:
                self._subjects[key] = (rid, name)
        col = Indicator.enterprise_id if self.subject == "enterprise" else Indicator.park_id
        q = select(col, Indicator.year, Indicator.key, Indicator.id, Indicator.value).where(
            col.is_not(None), Indicator.deleted_at.is_(None))
        for sid, year, key, iid, value in session.execute(q):
            self._values.setdefault((sid, year), {})[key] = (iid, value)

    def reloaded(self, session: Session) -> "Target":
        fresh = IndicatorTarget(self.schema, self.subject)
        fresh.load(session)
        return fresh

    def identify(self, clean: Mapping[str, Any]) -> tuple[str, str]:
        if self.subject == "enterprise":
            code = clean.get("credit_code")
            found = self._subjects.get(code or "")
            if found is None:
                raise ValidationError(f"库中没有统一社会信用代码为 {code} 的企业，请先导入或录入企业信息。")
        else:
            found = self._subjects.get(normalise_name(clean.get("name")))
            if found is None:
                raise ValidationError(f"库中没有名为「{clean.get('name')}」的园区，请先导入或录入园区信息。")
        year = clean.get("year")
        if not year:
            raise ValidationError("缺少年度。")
        return f"{found[0]}|{year}", f"{found[1]} {year}年"

    def existing(self, key: str) -> tuple[int, dict[str, Any]] | None:
        sid, year = (int(x) for x in key.split("|"))
        values = self._values.get((sid, year))
        if values is None:
            return None
        return sid, {k: v for k, (_iid, v) in values.items()}

    def compared(self) -> list[Field]:
        return [f for f in self.schema.fields if f.key in self.keys]

    def nothing_to_write(self, clean: Mapping[str, Any]) -> bool:
        return all(clean.get(k) is None for k in self.keys)

    def write(self, session: Session, creates: list[RowResult], updates: list[RowResult],
              resolve: Callable[[Any], Any], note: str) -> dict[str, int]:
        from forms.indicator_fields import unit_of
        from models.review import Indicator
        from models.sync import insert_rows, update_rows

        col = "enterprise_id" if self.subject == "enterprise" else "park_id"
        inserts, names, changes, change_names = [], [], [], {}
        for r in creates + updates:
            sid, year = (int(x) for x in r.key.split("|"))
            stored = self._values.get((sid, year), {})
            if r.action == "create":
                new = {k: r.values[k] for k in self.keys if r.values.get(k) is not None}
            else:
                new = {c.key: c.new for c in r.changes}
            for k, v in new.items():
                if k in stored:
                    iid, old = stored[k]
                    changes.append((iid, {"value": old}, {"value": v}))
                    change_names[iid] = f"{r.name} {k}"
                else:
                    inserts.append({col: sid, "year": year, "key": k, "value": v, "unit": unit_of(k),
                                    "source": "表格导入"})
                    names.append(f"{r.name} {k}")
        insert_rows(session, Indicator, inserts, note=note, names=names)
        update_rows(session, Indicator, changes, note=note, names=change_names)
        return {}


def make_target(schema: FormSchema) -> Target:
    from models.entities import Enterprise, Park

    if schema.kind == "enterprise":
        return EnterpriseTarget(schema, Enterprise)
    if schema.kind == "park":
        return ParkTarget(schema, Park)
    from forms.indicator_fields import KINDS  # the yearly indicator forms

    return IndicatorTarget(schema, KINDS[schema.kind])


# --------------------------------------------------------------------------- reading one file


def _label_key(text: Any) -> str:
    t = clean_text(text).replace(" ", "")
    for junk in (REQUIRED_MARK, "＊", "（必填）", "(必填)", "必填"):
        t = t.replace(junk, "")
    return normalise_name(t)


def header_map(schema: FormSchema) -> dict[str, Field]:
    """Header text (normalised) → field: the label, and the key for hand-made tables."""
    out: dict[str, Field] = {}
    for f in schema.fields:
        out[_label_key(f.label)] = f
        out[_label_key(f.key)] = f
    return out


def find_header(grid: Grid, schema: FormSchema, *, near: int = 1, scan: int = 15) -> tuple[int, dict[int, Field], list[int]]:
    """(0-based header row, column → field, unknown header columns) for the row that carries the
    most of the schema's labels in the first ``scan`` rows."""
    labels = header_map(schema)
    best = (-1, {}, [])
    best_score = 0
    for r in range(min(scan, len(grid.rows))):
        cols: dict[int, Field] = {}
        unknown: list[int] = []
        for c, v in enumerate(grid.rows[r]):
            if v is None:
                continue
            f = labels.get(_label_key(v))
            if f is not None and f not in cols.values():
                cols[c] = f
            else:
                unknown.append(c)
        score = len(cols) * 2 + (1 if r == near - 1 else 0)
        if len(cols) and score > best_score:
            best, best_score = (r, cols, unknown), score
    return best


@dataclass
class _FileForm:
    path: Path
    schema: FormSchema
    grid: Grid
    marker: FormMarker | None


def read_form_file(path: Path) -> _FileForm:
    """Check and read one filled form: its kind (marker or headers) and its data sheet."""
    kind = inspect_file(path)
    if kind == "exchange":
        raise FileRejected(path, "not_form", "这是本程序的交换文件，不是信息采集表。请用“导入交换文件”。")
    schemas = form_schemas()
    if kind == "csv":
        from .tables import read_csv

        grid = read_csv(path)
        return _FileForm(path, _guess_schema(path, grid, schemas), grid, None)
    book = open_workbook(path)
    try:
        infos = sheet_infos(book)
        marker = None
        if any(n == MARKER_SHEET for n, _ in infos):
            marker = marker_from_rows(read_sheet(book, path, MARKER_SHEET).rows)
        if marker is not None:
            schema = schemas.get(marker.kind)
            if schema is None:
                raise FileRejected(path, "newer_version",
                                   f"这是新版程序生成的「{marker.kind}」表，本程序不认识。请安装最新版本后再导入。")
            if marker.version > schema.version:
                raise FileRejected(path, "newer_version",
                                   f"这份表格是新版程序生成的（第{marker.version}版，本程序只认识到第{schema.version}版）。"
                                   "请安装最新版本后再导入。")
            names = [n for n, hidden in infos if not hidden]
            sheet = marker.data_sheet if marker.data_sheet in names else (schema.title if schema.title in names else None)
            if sheet is None:
                visible = [n for n in names if n not in ("说明",)]
                if not visible:
                    raise FileRejected(path, "wrong_headers", f"找不到「{schema.title}」工作表（可能被删除或改名）。")
                sheet = visible[0]
            grid = read_sheet(book, path, sheet)
            return _FileForm(path, schema, grid, marker)
        # no marker: a table the clerk made by hand, or a copy: recognise it by its headers
        for name, hidden in infos:
            if hidden:
                continue
            grid = read_sheet(book, path, name)
            try:
                return _FileForm(path, _guess_schema(path, grid, schemas), grid, None)
            except FileRejected:
                continue
        raise FileRejected(path, "wrong_headers",
                           "不是本程序的信息采集表：没有识别标记，表头中也找不到「企业名称」「统一社会信用代码」或「园区名称」等列。"
                           "如果是委员会发布的名单，请用“导入名单”。")
    finally:
        try:
            book.close()
        except Exception:  # pragma: no cover
            pass


def _guess_schema(path: Path, grid: Grid, schemas: Mapping[str, FormSchema]) -> FormSchema:
    best: tuple[int, FormSchema | None] = (0, None)
    for schema in schemas.values():
        _, cols, _ = find_header(grid, schema)
        required = [f for f in schema.fields if f.required]
        if all(f in cols.values() for f in required) and len(cols) > best[0]:
            best = (len(cols), schema)
    if best[1] is None:
        raise FileRejected(path, "wrong_headers",
                           "表头中找不到信息采集表的必填列（如「企业名称」「统一社会信用代码」「所在区县」）。"
                           "请使用程序导出的空白表填写。", sheet=grid.sheet, row=1)
    return best[1]


# --------------------------------------------------------------------------- preview


def _prepare(f: Field, raw: Any) -> Any:
    """Excel's number cells as the field expects them (12.0 → 12 for text and codes)."""
    if isinstance(raw, float) and f.kind not in (Kind.DECIMAL, Kind.DATE, Kind.INT, Kind.PHONE):
        if raw.is_integer():
            raw = int(raw)
    if isinstance(raw, (dt.datetime, dt.date)) and f.kind in (Kind.TEXT, Kind.MULTILINE):
        raw = raw.strftime("%Y-%m-%d")
    return raw


def _code_as_number(f: Field, raw: Any) -> str | None:
    if f.kind is Kind.CREDIT_CODE and isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if abs(raw) >= 1e15:
            return ("统一社会信用代码被 Excel 存成了数字，后几位已经丢失（Excel 只保留15位有效数字）。"
                    "请把该列设为“文本”后重新填写。")
    return None


def collect_files(paths: Iterable[Path | str]) -> list[Path]:
    """The files to import: files as given, folders searched (not recursively) for workbooks.
    Excel's lock files (~$名称.xlsx) are skipped."""
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            for child in sorted(p.iterdir()):
                if child.is_file() and child.suffix.lower() in FORM_SUFFIXES and not child.name.startswith("~$"):
                    out.append(child)
        else:
            out.append(p)
    return out


def preview_forms(
    session: Session,
    paths: Iterable[Path | str] | Path | str,
    *,
    progress: Callable[[int, int, str], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> FormPreview:
    """Read and check filled forms (files and/or folders) and compare them with the database.
    Changes nothing."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    files = collect_files(paths)
    prog = Progress(progress, should_stop)
    preview = FormPreview(files=files)
    forms: list[_FileForm] = []
    for i, path in enumerate(files):
        prog.report(i, len(files), f"正在读取 {path.name}")
        try:
            forms.append(read_form_file(path))
        except FileRejected as exc:
            preview.rejected.append(exc)
    # parks before enterprises: a park created by this import can be named by an enterprise
    order = {"park": 0, "enterprise": 1}
    forms.sort(key=lambda ff: order.get(ff.schema.kind, 2))
    targets: dict[str, Target] = {}
    refs = _park_refs(session)
    total_rows = sum(max(len(ff.grid.rows) - 1, 0) for ff in forms)
    done = 0
    seen: dict[tuple[str, str], RowResult] = {}
    for ff in forms:
        schema = ff.schema
        preview.kinds[ff.path.name] = schema.kind
        target = targets.get(schema.kind)
        if target is None:
            target = targets[schema.kind] = make_target(schema)
            target.load(session)

        def tick(r: int, ff: _FileForm = ff) -> None:
            nonlocal done
            done += 1
            prog.tick(done, total_rows, f"正在检查 {ff.path.name} 第{r}行")

        try:
            check_grid(ff.grid, schema, target, refs=refs, header_row=ff.marker.header_row if ff.marker else 1,
                       into=preview, seen=seen, tick=tick)
        except FileRejected as exc:
            preview.rejected.append(exc)
    prog.report(total_rows, total_rows, "检查完成")
    return preview


def check_grid(grid: Grid, schema: FormSchema, target: Target, *, refs: NameRefs | None = None,
               header_row: int = 1, into: FormPreview | None = None,
               seen: dict[tuple[str, str], RowResult] | None = None,
               tick: Callable[[int], None] | None = None) -> FormPreview:
    """Check every data row of one sheet against ``schema`` and compare it with ``target``
    (loaded). Adds the rows and warnings to ``into`` (a new FormPreview by default) and returns
    it; FileRejected when the header row is missing or lacks a required column."""
    preview = into if into is not None else FormPreview(files=[grid.path])
    refs = refs if refs is not None else NameRefs(())
    seen = seen if seen is not None else {}
    hr, cols, unknown = find_header(grid, schema, near=header_row)
    if hr < 0:
        raise FileRejected(grid.path, "wrong_headers", f"找不到表头行（应含「{schema.fields[0].label}」等列）。",
                           sheet=grid.sheet)
    missing = [f for f in schema.fields if f.required and f not in cols.values()]
    if missing:
        raise FileRejected(grid.path, "wrong_headers",
                           "表头缺少必填列" + "、".join(f"「{f.label}」" for f in missing) + "，请使用程序导出的表格填写。",
                           sheet=grid.sheet, row=hr + 1)
    headers = {c: clean_text(grid.rows[hr][c]).lstrip(REQUIRED_MARK + "＊ ") for c in cols}
    for c in unknown:
        preview.warnings.append(Issue(grid.file, grid.sheet, hr + 1, column_letter(c),
                                      clean_text(grid.rows[hr][c]), "", "不是表中的字段，该列已忽略。", "warning"))
    ff = _FileForm(grid.path, schema, grid, None)
    for r in range(hr + 1, len(grid.rows)):
        if tick is not None:
            tick(r + 1)
        result = _check_row(ff, r, cols, headers, target, refs, len(preview.rows), seen)
        if result is not None:
            preview.rows.append(result)
            if schema.kind == "park" and result.action == "create":
                refs.add(result.name, NewRef(result.name))
    return preview


def _park_refs(session: Session) -> NameRefs:
    from models.entities import Park

    return NameRefs(session.execute(select(Park.name, Park.id).where(Park.deleted_at.is_(None))).all())


def _check_row(ff: _FileForm, r: int, cols: Mapping[int, Field], headers: Mapping[int, str], target: Target,
               refs: NameRefs, index: int, seen: dict[tuple[str, str], RowResult]) -> RowResult | None:
    row = ff.grid.rows[r]
    raw: dict[str, Any] = {}
    where: dict[str, int] = {}
    for c, f in cols.items():
        v = row[c] if c < len(row) else None
        if v is None or (isinstance(v, str) and not v.strip()):
            continue
        raw[f.key] = v
        where[f.key] = c
    if not raw:
        return None  # an empty row
    file, sheet = ff.path.name, ff.grid.sheet
    issues: list[Issue] = []
    clean: dict[str, Any] = {}
    schema = ff.schema
    for f in schema.fields:
        if f.key not in raw:
            if f.required:
                c = next((c for c, ff_ in cols.items() if ff_ is f), None)
                issues.append(Issue(file, sheet, r + 1, column_letter(c) if c is not None else "",
                                    headers.get(c, f.label) if c is not None else f.label, "", f"「{f.label}」必须填写。"))
            continue
        value = raw[f.key]
        c = where[f.key]
        problem = _code_as_number(f, value)
        if problem:
            issues.append(Issue(file, sheet, r + 1, column_letter(c), headers[c], value, problem))
            continue
        override = ""
        if f.allow_override_key:
            override = clean_text(raw.get(f.allow_override_key, ""))
        try:
            clean[f.key] = f.parse(_prepare(f, value), refs={"park": refs}, override=override)
        except ValidationError as exc:
            issues.append(Issue(file, sheet, r + 1, column_letter(c), headers[c], value, str(exc)))
    result = RowResult(index, file, sheet, r + 1, schema.kind, "error", "", "", values=clean, issues=issues)
    try:
        result.key, result.name = target.identify(clean)
    except ValidationError as exc:
        if not issues:
            issues.append(Issue(file, sheet, r + 1, "", "", "", str(exc)))
        result.name = clean_text(raw.get("name", "")) or clean_text(next(iter(raw.values())))
        return result
    dup = seen.get((schema.kind, result.key))
    if dup is not None:
        issues.append(Issue(file, sheet, r + 1, "", "", result.key,
                            f"与「{dup.file}」第{dup.row}行重复（同一{'企业' if schema.kind == 'enterprise' else '记录'}只能填一行）。"))
    else:
        seen[(schema.kind, result.key)] = result
    if issues:
        return result
    existing = target.existing(result.key)
    if existing is None:
        result.action = "unchanged" if target.nothing_to_write(clean) else "create"
        return result
    rid, stored = existing
    result.record_id = rid
    for f in target.compared():
        if f.key not in clean:
            continue
        new, old = clean[f.key], stored.get(f.key)
        if isinstance(new, NewRef):
            same = False
        else:
            same = _same(new, old)
        if not same:
            result.changes.append(FieldChange(f.key, f.label, old, new, _display(f, old, refs), _display(f, new, refs)))
    result.before = {c.key: c.old for c in result.changes}
    result.action = "update" if result.changes else "unchanged"
    return result


def _same(a: Any, b: Any) -> bool:
    if a in (None, "") and b in (None, ""):
        return True
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        try:
            return Decimal(str(a)) == Decimal(str(b))
        except Exception:
            return False
    return a == b


def _display(f: Field, value: Any, refs: NameRefs) -> str:
    if isinstance(value, NewRef):
        return f"{value.name}（本次新增）"
    if f.kind is Kind.REF:
        return "" if value is None else refs.names.get(value, str(value))
    return f.display(value)


# --------------------------------------------------------------------------- apply


def select_rows(preview: FormPreview, rows: Iterable[int] | None = None, exclude: Iterable[int] | None = None) -> list[RowResult]:
    chosen = list(preview.rows) if rows is None else [preview.rows[i] for i in rows]
    if exclude is not None:
        skip = set(exclude)
        chosen = [r for r in chosen if r.index not in skip]
    return chosen


def apply_forms(
    db: Any,
    preview: FormPreview,
    *,
    rows: Iterable[int] | None = None,
    exclude: Iterable[int] | None = None,
    ignore_rejected_files: bool = False,
    progress: Callable[[int, int, str], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    backup: bool = True,
) -> ApplyResult:
    """Write the chosen rows of ``preview`` (all by default; ``rows`` picks, ``exclude`` leaves out
    row indices) in one transaction after a backup. Raises ImportRejected (nothing changed) when
    a chosen row has errors, a file was unreadable (unless ``ignore_rejected_files``), or the
    database changed since the preview; ImportCancelled when stopped."""
    chosen = select_rows(preview, rows, exclude)
    bad = [r for r in chosen if not r.ok]
    if bad:
        first = "；".join(str(i) for r in bad[:3] for i in r.issues[:1])
        raise ImportRejected(f"所选的行中有 {len(bad)} 行有错误，未导入任何数据。请改正文件后重新导入，或排除有错误的行。"
                             f"例如：{first}")
    if preview.rejected and not ignore_rejected_files:
        raise ImportRejected(f"有 {len(preview.rejected)} 个文件无法读取，未导入任何数据：{preview.rejected[0]}。"
                             "请处理这些文件，或选择忽略它们后再导入。")
    prog = Progress(progress, should_stop)
    result = ApplyResult(unchanged=sum(1 for r in chosen if r.action == "unchanged"),
                         skipped=len(preview.rows) - len(chosen))
    work = [r for r in chosen if r.action in ("create", "update")]
    if not work:
        return result
    prog.report(0, len(work), "正在备份数据库")
    if backup:
        result.backup = db.backup_now("import")
    with db.uow() as uow:
        s = uow.session
        order = {"park": 0, "enterprise": 1}
        kinds = sorted({r.kind for r in work}, key=lambda k: order.get(k, 2))
        schemas = form_schemas()
        new_parks: dict[str, int] = {}

        def resolve(value: Any) -> Any:
            if isinstance(value, NewRef):
                pid = new_parks.get(normalise_name(value.name))
                if pid is None:
                    raise ImportRejected(f"园区「{value.name}」不在本次导入的行中，请一并选择该园区的行。")
                return pid
            return value

        note = "（表格导入）"
        done = 0
        for kind in kinds:
            target = make_target(schemas[kind])
            creates = [r for r in work if r.kind == kind and r.action == "create"]
            updates = [r for r in work if r.kind == kind and r.action == "update"]
            target.check_fresh(s, creates, updates)
            prog.check()
            ids = target.write(s, creates, updates, resolve, note) or {}
            if kind == "park":
                from models.entities import Park

                for pid, name in s.execute(select(Park.id, Park.name).where(Park.uid.in_(list(ids)))):
                    new_parks[normalise_name(name)] = pid
            result.created += len(creates)
            result.updated += len(updates)
            result.tables.add(target.table)
            done += len(creates) + len(updates)
            prog.report(done, len(work), f"已写入 {done} 条")
        prog.check()
        uow.commit()
    return result


# --------------------------------------------------------------------------- errors to Excel


def export_issues(issues: Sequence[Issue], path: Path | str) -> Path:
    """The preview's problems as an .xlsx the clerk can send back to the enterprise."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    path = Path(path)
    wb = Workbook()
    ws = wb.active
    ws.title = "导入问题"
    heads = ("文件", "工作表", "行", "列", "表头", "填写的内容", "问题", "类型")
    ws.append(heads)
    for c in ws[1]:
        c.font = Font(bold=True)
    for i in issues:
        value = i.value
        if isinstance(value, (dt.date, dt.datetime)):
            value = value.strftime("%Y-%m-%d")
        elif value is not None and not isinstance(value, (int, float, str)):
            value = str(value)
        ws.append((i.file, i.sheet, i.row, i.column, i.header, "" if value is None else str(value), i.reason,
                   "错误" if i.severity == "error" else "提醒"))
    for letter, width in zip("ABCDEFGH", (28, 14, 6, 6, 18, 28, 60, 8)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    wb.save(path)
    return path

