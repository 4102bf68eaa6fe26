"""Published lists coming in: the commission's recognition lists (and revoked or renamed units),
national lists, evaluator lists, dishonesty/incident lists — .xlsx or .csv as published.

::

    table = read_list(path)                         # finds the header row under title rows
    mapping = propose_mapping(session, table)       # column → meaning, with certainty
    spec, sure = guess_spec(table)                  # what list this is (kind, title, year, 文号)
    preview = match_list(session, table, mapping, spec)   # row → subject, with confidence
    preview.confirm(i, subject_id) / preview.reject(i)     # the clerk settles uncertain matches
    plan = plan_list(session, preview)              # what applying would change
    result = apply_list(db, preview)                # backup + one transaction
    save_mapping(session, table, mapping)           # remember the columns for next year

The file's layout is found, not assumed: title rows above the header, merged cells (filled
down/across), blank lines, totals rows (合计/总计), repeated headers and notes are skipped. Rows
are matched to enterprises/parks by credit code (confidence 1.0), else by normalised name
(exports/names.py: 0.9, 0.85 without a plant suffix), else fuzzily (< 0.85) — those need a
person's confirmation and are never applied without it.

A recognition list moves each matched application of that title and year to 已认定 (reason
naming the document), moves the year's 已推荐 applications that are not on the list to 未通过,
and records a title (source "import", with the document number). Revocation lists mark titles
revoked; renaming lists rename the subject and note it.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from forms import codes
from forms.validators import ValidationError, clean_text, to_halfwidth, validate_credit_code
from models.stages import Stage, SubjectKind, TitleKind

from .importers.errors import FileRejected, ImportRejected, Issue, Progress, column_letter
from .importers.tables import Grid, read_grids
from .names import AUTO_ACCEPT, HOW_LABELS, NameIndex, NameMatch, normalise_name

SETTING_HEADERS = "lists.header_map"

# --------------------------------------------------------------------------- columns


@dataclass(frozen=True)
class ListColumn:
    key: str
    label: str
    synonyms: tuple[str, ...]


LIST_COLUMNS: tuple[ListColumn, ...] = (
    ListColumn("seq", "序号", ("序号", "编号", "序", "排序", "NO", "NO.")),
    ListColumn("name", "名称", ("企业名称", "工厂名称", "园区名称", "园区", "名称", "单位名称", "企业（单位）名称",
                                 "企业(单位)名称", "申报单位", "申报单位名称", "公司名称", "企业", "工厂", "单位",
                                 "机构名称", "评价机构名称", "示范企业名称", "供应链管理企业名称", "主体名称")),
    ListColumn("credit_code", "统一社会信用代码", ("统一社会信用代码", "社会信用代码", "信用代码", "统一代码",
                                                   "组织机构代码", "纳税人识别号")),
    ListColumn("region", "区县/地区", ("区县", "地区", "所在区县", "所属区县", "区（县）", "区(县)", "省份", "省（区、市）",
                                       "省(区、市)", "所在地区", "地市", "区域", "所在地", "属地", "省市")),
    ListColumn("batch", "批次", ("批次", "批", "第几批")),
    ListColumn("evaluator", "第三方评价机构", ("第三方评价机构", "评价机构", "第三方机构", "第三方评价单位")),
    ListColumn("industry", "行业", ("行业", "所属行业", "行业类别", "行业分类")),
    ListColumn("old_name", "原名称", ("原名称", "原企业名称", "变更前名称", "更名前名称", "原单位名称", "原园区名称")),
    ListColumn("new_name", "新名称", ("新名称", "新企业名称", "变更后名称", "更名后名称", "现名称", "新单位名称")),
    ListColumn("cause", "原因", ("撤销原因", "原因", "撤销理由", "存在问题", "失信行为", "事由", "违法失信行为")),
    ListColumn("doc_number", "文号", ("文号", "认定文号", "文件编号", "发文字号")),
    ListColumn("year", "年度", ("年度", "年份", "认定年度")),
    ListColumn("date", "日期", ("日期", "认定日期", "列入日期", "公布日期", "撤销日期", "发布日期")),
    ListColumn("until", "有效期至", ("有效期至", "移出日期", "截止日期", "有效期")),
    ListColumn("contact", "联系方式", ("联系方式", "联系电话", "联系人")),
    ListColumn("note", "备注", ("备注", "说明")),
)
COLUMNS = {c.key: c for c in LIST_COLUMNS}
IGNORE = ""  # a column mapped to nothing


def _hkey(text: Any) -> str:
    """A header cell reduced for comparison (full-width, spaces, line breaks, brackets)."""
    t = to_halfwidth(clean_text(text)).replace(" ", "").replace("\n", "").upper()
    return re.sub(r"[*＊:：]", "", t)


_SYNONYMS: dict[str, str] = {}
for _c in LIST_COLUMNS:
    for _s in _c.synonyms:
        _SYNONYMS[_hkey(_s)] = _c.key


# --------------------------------------------------------------------------- reading


@dataclass
class ListTable:
    """A published list as read: its header and its data rows, with what was skipped."""

    path: Path
    sheet: str
    header_row: int  # Excel row number of the header
    headers: list[str]
    rows: list[tuple[int, list[Any]]]  # (Excel row number, values by column)
    title_lines: list[str] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (row, why): totals, blank, notes

    @property
    def file(self) -> str:
        return self.path.name


_TOTALS = re.compile(r"^(合计|总计|小计|共计|总数|合\s*计|总\s*计)")
_NOTE = re.compile(r"^(注|备注|说明|附注)[:：\s]")


def _header_score(row: Sequence[Any], learned: Mapping[str, str]) -> int:
    score = 0
    keys = set()
    for v in row:
        if v is None or not isinstance(v, str):
            continue
        k = _hkey(v)
        key = learned.get(k) or _SYNONYMS.get(k)
        if key and key not in keys:
            keys.add(key)
            score += 3 if key in ("name", "credit_code", "seq") else 2
    return score


def read_list(path: Path | str, *, learned: Mapping[str, str] | None = None, sheet: str | None = None) -> ListTable:
    """Read a published list and find its header row (the row in the first 30 that carries the
    most known column names). FileRejected when no sheet has a recognisable header."""
    path = Path(path)
    _kind, grids = read_grids(path, with_merged=True)
    learned = learned or {}
    best: tuple[int, Grid | None, int] = (0, None, -1)
    for grid in grids:
        if sheet is not None and grid.sheet != sheet:
            continue
        grid.fill_merged()
        for r in range(min(30, len(grid.rows))):
            score = _header_score(grid.rows[r], learned)
            if score > best[0]:
                best = (score, grid, r)
    score, grid, hr = best
    if grid is None or score < 3:
        first = grids[0] if grids else None
        raise FileRejected(path, "wrong_headers",
                           "找不到名单的表头行：前30行中没有「序号」「企业名称/工厂名称/园区」「统一社会信用代码」等列名。"
                           "请确认这是一份名单，或在 Excel 中补上表头后再导入。",
                           sheet=first.sheet if first else "")
    header = grid.rows[hr]
    width = len(header)
    while width and header[width - 1] is None:
        width -= 1
    headers = [clean_text(v) if v is not None else "" for v in header[:width]]
    titles = []
    for r in range(hr):
        texts = []
        for v in grid.rows[r]:
            t = clean_text(v)
            if t and t not in texts:
                texts.append(t)
        if texts:
            titles.append(" ".join(texts))
    table = ListTable(path, grid.sheet, hr + 1, headers, [], titles)
    head_keys = [_hkey(h) for h in headers]
    for r in range(hr + 1, len(grid.rows)):
        row = list(grid.rows[r][:width]) + [None] * max(0, width - len(grid.rows[r]))
        texts = [clean_text(v) for v in row if v is not None and clean_text(v)]
        if not texts:
            table.skipped.append((r + 1, "空行"))
            continue
        if any(_TOTALS.match(t) for t in texts[:3]):
            table.skipped.append((r + 1, "合计行"))
            continue
        if [_hkey(v) if v is not None else "" for v in row] == head_keys:
            table.skipped.append((r + 1, "重复的表头"))
            continue
        if len(texts) == 1 and (_NOTE.match(texts[0]) or len(texts[0]) > 40):
            table.skipped.append((r + 1, "说明行"))
            continue
        if len(texts) > 1 and len(set(texts)) == 1:  # a merged section title (一、绿色工厂 …)
            table.skipped.append((r + 1, "标题行"))
            continue
        table.rows.append((r + 1, row))
    return table


# --------------------------------------------------------------------------- mapping


@dataclass
class ColumnMapping:
    """Column index → list column key (IGNORE for none), and how each was found:
    "saved" (the clerk's earlier choice), "exact" (a known column name), "partial" (a known name
    inside a longer header: to be checked), "manual" (set now)."""

    keys: dict[int, str] = field(default_factory=dict)
    how: dict[int, str] = field(default_factory=dict)

    def column(self, key: str) -> int | None:
        for c, k in self.keys.items():
            if k == key:
                return c
        return None

    def set(self, col: int, key: str) -> None:
        """The clerk's correction: column ``col`` means ``key`` (IGNORE for nothing)."""
        if key:
            for c, k in list(self.keys.items()):
                if k == key and c != col:
                    self.keys[c] = IGNORE
                    self.how[c] = "manual"
        self.keys[col] = key
        self.how[col] = "manual"

    @property
    def problems(self) -> list[str]:
        """Why the mapping is not certain (empty when it is)."""
        out = []
        if self.column("name") is None and self.column("credit_code") is None and self.column("old_name") is None:
            out.append("没有找到名称或统一社会信用代码列")
        for c, h in self.how.items():
            if h == "partial" and self.keys.get(c):
                out.append(f"第{column_letter(c)}列按相近列名对应为「{COLUMNS[self.keys[c]].label}」，请核对")
        return out

    @property
    def certain(self) -> bool:
        return not self.problems


def learned_headers(session: Session | None) -> dict[str, str]:
    if session is None:
        return {}
    from models.office import get_setting

    value = get_setting(session, SETTING_HEADERS, {}) or {}
    return dict(value) if isinstance(value, dict) else {}


def propose_mapping(session: Session | None, table: ListTable) -> ColumnMapping:
    """Map each header to a list column: the clerk's saved choices first, then known names,
    then known names inside longer headers (uncertain)."""
    learned = learned_headers(session)
    m = ColumnMapping()
    used: set[str] = set()
    for c, h in enumerate(table.headers):
        k = _hkey(h)
        if not k:
            m.keys[c], m.how[c] = IGNORE, "exact"
            continue
        if k in learned:
            key, how = learned[k], "saved"
        elif k in _SYNONYMS:
            key, how = _SYNONYMS[k], "exact"
        else:
            key, how = IGNORE, "exact"
            for syn, skey in sorted(_SYNONYMS.items(), key=lambda kv: -len(kv[0])):
                if len(syn) >= 2 and syn in k and skey not in used:
                    key, how = skey, "partial"
                    break
        if key and key in used:
            key, how = IGNORE, "exact"
        m.keys[c], m.how[c] = key, how
        if key:
            used.add(key)
    return m


def save_mapping(session: Session, table: ListTable, mapping: ColumnMapping) -> None:
    """Remember this file's headers → columns for next year's list (setting lists.header_map)."""
    from models.office import set_setting

    learned = learned_headers(session)
    for c, h in enumerate(table.headers):
        k = _hkey(h)
        if k and c in mapping.keys:
            learned[k] = mapping.keys[c]
    set_setting(session, SETTING_HEADERS, learned)


# --------------------------------------------------------------------------- what list


ACTIONS = {
    "recognition": "认定名单",
    "revocation": "撤销名单",
    "renaming": "更名名单",
    "evaluators": "第三方评价机构名单",
    "evaluators_disqualified": "取消评价资格的机构名单",
    "watchlist": "失信/事故名单",
}


@dataclass
class ListSpec:
    """What the list is and what applying it does.

    ``action``: recognition / revocation / renaming / evaluators / evaluators_disqualified /
    watchlist. ``title_kind``: the title recognised/revoked (recognition, revocation, renaming
    use its subject kind). ``year``: the recognition year (titles' year; the year whose 已推荐
    applications are decided). ``batch_years`` turns a 批次 value into a year for multi-batch
    lists (a four-digit 批次 is a year by itself). ``reject_absent``: move that year's 已推荐
    applications not on the list to 未通过. ``chongqing_only``: rows whose 地区 is another
    province are out of scope (national lists)."""

    action: str = "recognition"
    title_kind: TitleKind | None = TitleKind.CITY_FACTORY
    year: int | None = None
    doc_number: str = ""
    date: dt.date | None = None
    list_name: str = ""
    reject_absent: bool = True
    chongqing_only: bool = True
    batch_years: dict[str, int] = field(default_factory=dict)

    @property
    def subject_kind(self) -> SubjectKind | None:
        if self.action in ("evaluators", "evaluators_disqualified", "watchlist"):
            return None
        return self.title_kind.subject if self.title_kind else None

    @property
    def source_text(self) -> str:
        """How the list is named in reasons and notes: its 文号, else its name."""
        return self.doc_number or self.list_name or "导入的名单"

    def describe(self) -> str:
        parts = [ACTIONS.get(self.action, self.action)]
        if self.title_kind and self.subject_kind is not None:
            parts.append(self.title_kind.label)
        if self.year:
            parts.append(f"{self.year}年度")
        if self.doc_number:
            parts.append(self.doc_number)
        return "，".join(parts)


_DOC = re.compile(r"[\u4e00-\u9fa5A-Za-z]{2,16}[〔\[［(（]\s*(\d{4})\s*[〕\]］)）]\s*\d{1,4}\s*号")
_YEAR = re.compile(r"(20\d{2})\s*年")


def guess_spec(table: ListTable) -> tuple[ListSpec, list[str]]:
    """Guess what the list is from its title rows and file name. Returns the spec and what is
    uncertain (empty when the title said everything)."""
    text = " ".join(table.title_lines + [table.path.stem])
    spec = ListSpec(list_name=(table.title_lines[0] if table.title_lines else table.path.stem)[:60])
    doubts: list[str] = []
    m = _DOC.search(text)
    if m:
        spec.doc_number = re.sub(r"\s+", "", m.group(0)).replace("[", "〔").replace("]", "〕")
    if "更名" in text or "名称变更" in text:
        spec.action = "renaming"
    elif "撤销" in text or "取消" in text and "称号" in text:
        spec.action = "revocation"
    elif "评价机构" in text and ("取消" in text or "暂停" in text):
        spec.action = "evaluators_disqualified"
    elif "评价机构" in text:
        spec.action = "evaluators"
    elif any(w in text for w in ("失信", "事故", "黑名单", "严重违法")):
        spec.action = "watchlist"
    else:
        spec.action = "recognition"
        if "认定" not in text and "名单" not in text and "公示" not in text:
            doubts.append("标题中没有说明是认定名单")
    national = any(w in text for w in ("国家", "工业和信息化部", "工信部")) or _looks_national(table)
    if "园区" in text:
        spec.title_kind = TitleKind.NATIONAL_PARK if national else TitleKind.CITY_PARK
    elif "供应链" in text:
        spec.title_kind = TitleKind.SUPPLY_CHAIN
    elif "工厂" in text:
        spec.title_kind = TitleKind.NATIONAL_FACTORY if national else TitleKind.CITY_FACTORY
    elif spec.subject_kind is not None:
        doubts.append("无法从标题判断是绿色工厂还是绿色园区")
    years = [int(y) for y in _YEAR.findall(text)]
    if m:
        years.insert(0, int(m.group(1)))
    if years:
        spec.year = years[0]
    elif spec.action in ("recognition", "evaluators"):
        doubts.append("无法从标题判断年度")
    spec.reject_absent = spec.action == "recognition" and not national
    return spec, doubts


def _looks_national(table: ListTable) -> bool:
    """True when the 地区 column names provinces other than Chongqing (a national list)."""
    mapping = propose_mapping(None, table)
    c = mapping.column("region")
    if c is None:
        return False
    values = {clean_text(r[c]) for _, r in table.rows[:400] if c < len(r) and r[c] is not None}
    return len(values) > 3 and any(not _in_chongqing(v) for v in values)


def _in_chongqing(region: str) -> bool:
    t = clean_text(region).replace(" ", "")
    if not t:
        return True
    if "重庆" in t or codes.district_by_name(t) or codes.district_by_code(t[:6]):
        return True
    return t in ("两江新区", "高新区", "万盛经开区", "西部科学城重庆高新区")


# --------------------------------------------------------------------------- matching


STATUS_LABELS = {
    "matched": "已匹配",
    "confirmed": "已确认",
    "uncertain": "待确认",
    "unmatched": "未找到",
    "rejected": "已否定",
    "out_of_scope": "非本市",
    "duplicate": "重复",
}


@dataclass
class ListRow:
    index: int
    row: int  # Excel row number
    values: dict[str, Any]  # by list column key
    name: str
    code: str
    status: str = "unmatched"
    candidates: list[NameMatch] = field(default_factory=list)
    subject_id: int | None = None
    confidence: float = 0.0
    how: str = ""
    note: str = ""
    year: int | None = None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def how_label(self) -> str:
        return HOW_LABELS.get(self.how, "")

    @property
    def usable(self) -> bool:
        return self.status in ("matched", "confirmed") and self.subject_id is not None


@dataclass
class ListPreview:
    table: ListTable
    mapping: ColumnMapping
    spec: ListSpec
    rows: list[ListRow] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out = {k: 0 for k in STATUS_LABELS}
        for r in self.rows:
            out[r.status] += 1
        return out

    def uncertain(self) -> list[ListRow]:
        return [r for r in self.rows if r.status == "uncertain"]

    def confirm(self, index: int, subject_id: int | None = None) -> None:
        """The clerk accepts a match (the best candidate, or the subject chosen)."""
        r = self.rows[index]
        if subject_id is None:
            if not r.candidates:
                raise ValueError(f"第{r.row}行没有候选对象，请指定。")
            subject_id = r.candidates[0].key  # type: ignore[assignment]
        r.subject_id = subject_id
        r.status = "confirmed"
        r.how = "manual" if all(c.key != subject_id for c in r.candidates) else r.how
        r.confidence = 1.0

    def reject(self, index: int) -> None:
        """The clerk says the row is none of the candidates."""
        r = self.rows[index]
        r.subject_id = None
        r.status = "rejected"


def _cell(row: Sequence[Any], col: int | None) -> Any:
    if col is None or col >= len(row):
        return None
    return row[col]


def _subject_index(session: Session, kind: SubjectKind | None, action: str) -> tuple[NameIndex, dict[str, int], Any]:
    from models.entities import Enterprise, Park

    if kind is None and action.startswith("evaluators"):
        from models.review import Evaluator

        model: Any = Evaluator
    elif kind is SubjectKind.PARK:
        model = Park
    else:
        model = Enterprise
    rows = session.execute(select(model.id, model.name, model.credit_code).where(model.deleted_at.is_(None))).all()
    index = NameIndex((rid, name) for rid, name, _ in rows)
    by_code = {code: rid for rid, _, code in rows if code}
    return index, by_code, model


def match_list(
    session: Session,
    table: ListTable,
    mapping: ColumnMapping,
    spec: ListSpec,
    *,
    progress: Callable[[int, int, str], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> ListPreview:
    """Match every row to an enterprise/park (or evaluator): by credit code, else by normalised
    name, else fuzzily (to be confirmed). Changes nothing."""
    prog = Progress(progress, should_stop)
    preview = ListPreview(table, mapping, spec)
    cols = {key: mapping.column(key) for key in COLUMNS}
    name_col = cols["old_name"] if spec.action == "renaming" and cols["old_name"] is not None else cols["name"]
    index, by_code, _model = _subject_index(session, spec.subject_kind, spec.action)
    watch = spec.action == "watchlist"
    seen: dict[tuple[int, int | None], ListRow] = {}
    total = len(table.rows)
    for i, (excel_row, row) in enumerate(table.rows):
        prog.tick(i, total, "正在匹配名单")
        values = {key: _cell(row, c) for key, c in cols.items() if c is not None}
        name = clean_text(_cell(row, name_col))
        raw_code = _cell(row, cols["credit_code"])
        code = ""
        lr = ListRow(len(preview.rows), excel_row, values, name, "")
        if raw_code not in (None, ""):
            try:
                code = validate_credit_code(raw_code, allow_bad_check=True)
            except ValidationError as exc:
                preview.issues.append(Issue(table.file, table.sheet, excel_row, column_letter(cols["credit_code"] or 0),
                                            table.headers[cols["credit_code"] or 0], raw_code, str(exc), "warning"))
        lr.code = code
        lr.year = _row_year(spec, values)
        preview.rows.append(lr)
        if not name and not code:
            lr.status = "unmatched"
            lr.note = "没有名称和信用代码"
            continue
        region = clean_text(values.get("region"))
        if spec.chongqing_only and region and not _in_chongqing(region) and not watch:
            lr.status = "out_of_scope"
            lr.note = f"地区为「{region}」"
            continue
        if code and code in by_code:
            sid = by_code[code]
            lr.candidates = [NameMatch(sid, index.names.get(sid, ""), 1.0, "code")]
            if name and normalise_name(name) != normalise_name(index.names.get(sid, "")):
                lr.note = f"名称不同：库中为「{index.names.get(sid, '')}」"
        elif name:
            lr.candidates = index.match(name)
            if code and lr.candidates and lr.candidates[0].how != "fuzzy":
                lr.note = "名单中的信用代码与库中不同（或库中未填）"
        if not lr.candidates:
            lr.status = "unmatched"
            continue
        best = lr.candidates[0]
        ties = [c for c in lr.candidates if c.confidence == best.confidence]
        lr.confidence, lr.how = best.confidence, best.how
        if best.confidence >= AUTO_ACCEPT and len(ties) == 1 and not (code and best.how != "code" and lr.note):
            lr.status, lr.subject_id = "matched", best.key  # type: ignore[assignment]
        else:
            lr.status = "uncertain"
            if len(ties) > 1:
                lr.note = (lr.note + "；" if lr.note else "") + f"有{len(ties)}个同名对象"
        if lr.subject_id is not None:
            key = (lr.subject_id, lr.year)
            if key in seen and spec.action in ("recognition", "revocation", "renaming"):
                lr.status = "duplicate"
                lr.note = f"与第{seen[key].row}行是同一对象"
            else:
                seen[key] = lr
    prog.report(total, total, "匹配完成")
    return preview


def _row_year(spec: ListSpec, values: Mapping[str, Any]) -> int | None:
    y = values.get("year")
    if y not in (None, ""):
        m = re.search(r"(19|20)\d{2}", to_halfwidth(str(y)))
        if m:
            return int(m.group(0))
    b = values.get("batch")
    if b not in (None, ""):
        text = to_halfwidth(clean_text(b))
        if isinstance(b, float) and b.is_integer():
            text = str(int(b))
        if text in spec.batch_years:
            return spec.batch_years[text]
        m = re.fullmatch(r"(?:第)?((?:19|20)\d{2})(?:年度?|批)?", text)
        if m:
            return int(m.group(1))
    return spec.year


# --------------------------------------------------------------------------- plan and apply


@dataclass
class PlannedChange:
    """One thing applying the list will do, for the preview and the report."""

    what: str  # recognise / reject / title_new / title_update / revoke / rename / evaluator_new / ...
    text: str  # Chinese, for people
    row: int | None = None  # Excel row of the list, None for a consequence of absence
    subject_id: int | None = None
    target_id: int | None = None  # the application / title / record touched


@dataclass
class ListResult:
    changes: list[PlannedChange] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[ListRow] = field(default_factory=list)  # uncertain / unmatched rows left out
    backup: Path | None = None
    tables: set[str] = field(default_factory=set)

    def count(self, what: str) -> int:
        return sum(1 for c in self.changes if c.what == what)

    def summary(self) -> str:
        labels = {"recognise": "认定", "reject": "未通过", "title_new": "新增称号", "title_update": "更新称号",
                  "revoke": "撤销称号", "rename": "更名", "evaluator_new": "新增评价机构",
                  "evaluator_update": "更新评价机构", "watch_new": "新增名单条目"}
        parts = [f"{label} {self.count(k)}" for k, label in labels.items() if self.count(k)]
        parts.append(f"无变化 {self.unchanged}")
        if self.skipped:
            parts.append(f"未处理 {len(self.skipped)}（未匹配或待确认）")
        return "，".join(parts)


def plan_list(session: Session, preview: ListPreview) -> ListResult:
    """What applying ``preview`` would change (reads only)."""
    return _run(session, preview, write=False)


def apply_list(
    db: Any,
    preview: ListPreview,
    *,
    progress: Callable[[int, int, str], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    backup: bool = True,
    save_columns: bool = True,
) -> ListResult:
    """Apply the list: backup, then one transaction (all or nothing). Rows still uncertain or
    unmatched are left out and reported in ``skipped``. The column mapping is remembered for
    next year (``save_columns``)."""
    spec = preview.spec
    if spec.action in ("recognition", "revocation") and spec.title_kind is None:
        raise ImportRejected("请先选择名单对应的称号（如 市级绿色工厂）。")
    if spec.action == "recognition" and not spec.year and any(r.usable and r.year is None for r in preview.rows):
        raise ImportRejected("请先填写名单的认定年度。")
    if all(preview.mapping.column(k) is None for k in ("name", "credit_code", "old_name")):
        raise ImportRejected("名单没有对应到名称或统一社会信用代码列，无法导入。请在列对应中指定。")
    prog = Progress(progress, should_stop)
    prog.report(0, len(preview.rows), "正在备份数据库")
    path = db.backup_now("import") if backup else None
    with db.uow() as uow:
        result = _run(uow.session, preview, write=True, prog=prog)
        result.backup = path
        if save_columns:
            save_mapping(uow.session, preview.table, preview.mapping)
        prog.check()
        uow.commit()
    return result


def _run(s: Session, preview: ListPreview, *, write: bool, prog: Progress | None = None) -> ListResult:
    spec = preview.spec
    result = ListResult()
    result.skipped = [r for r in preview.rows if r.status in ("uncertain", "unmatched")]
    usable = [r for r in preview.rows if r.usable]
    handler = {
        "recognition": _recognise,
        "revocation": _revoke,
        "renaming": _rename,
        "evaluators": _evaluators,
        "evaluators_disqualified": _evaluators,
        "watchlist": _watchlist,
    }[spec.action]
    handler(s, preview, usable, result, write, prog or Progress())
    if write:
        s.flush()
    return result


def _subject_filter(model: Any, spec: ListSpec, sid: int) -> Any:
    if spec.subject_kind is SubjectKind.PARK:
        return model.park_id == sid
    return model.enterprise_id == sid


def _recognise(s: Session, preview: ListPreview, usable: list[ListRow], result: ListResult, write: bool,
               prog: Progress) -> None:
    from models.entities import Application, Enterprise, Park, Title, TitleState
    from models.pipeline import move_application

    spec = preview.spec
    kind = spec.title_kind
    assert kind is not None
    subj_model = Park if spec.subject_kind is SubjectKind.PARK else Enterprise
    doc = spec.source_text
    recognised_ids: set[tuple[int, int]] = set()
    for n, r in enumerate(usable):
        prog.tick(n, len(usable), "正在写入认定结果")
        year = r.year or spec.year
        if year is None or r.subject_id is None:  # the clerk has not given the year yet
            result.skipped.append(r)
            continue
        recognised_ids.add((r.subject_id, year))
        subject = s.get(subj_model, r.subject_id)
        sname = subject.name if subject else r.name
        app = s.scalars(select(Application).where(
            _subject_filter(Application, spec, r.subject_id), Application.title_kind == kind,
            Application.year == year, Application.deleted_at.is_(None)).order_by(Application.id)).first()
        if app is not None and app.stage != Stage.RECOGNISED:
            result.changes.append(PlannedChange("recognise", f"「{sname}」{year}年{kind.label}：{app.stage.label} → 已认定",
                                                r.row, r.subject_id, app.id))
            if write:
                move_application(s, app, Stage.RECOGNISED, reason=f"依据{doc}认定")
        title = s.scalars(select(Title).where(
            _subject_filter(Title, spec, r.subject_id), Title.title_kind == kind, Title.year == year,
            Title.deleted_at.is_(None))).first()
        extra = "；".join(f"{COLUMNS[k].label}：{clean_text(r.values[k])}" for k in ("batch", "evaluator")
                         if clean_text(r.values.get(k)))
        if title is None:
            result.changes.append(PlannedChange("title_new", f"「{sname}」新增称号 {year}年{kind.label}（{doc}）",
                                                r.row, r.subject_id))
            if write:
                t = Title(title_kind=kind, year=year, doc_number=spec.doc_number[:60], recognised_on=spec.date,
                          state=TitleState.VALID, source="import", application_id=app.id if app else None,
                          notes=f"由名单「{preview.table.file}」导入" + (f"；{extra}" if extra else ""))
                if spec.subject_kind is SubjectKind.PARK:
                    t.park_id = r.subject_id
                else:
                    t.enterprise_id = r.subject_id
                s.add(t)
        elif spec.doc_number and title.doc_number != spec.doc_number[:60]:
            result.changes.append(PlannedChange("title_update",
                                                f"「{sname}」{year}年{kind.label}的文号：{title.doc_number or '（空）'} → {spec.doc_number}",
                                                r.row, r.subject_id, title.id))
            if write:
                title.doc_number = spec.doc_number[:60]
                if spec.date and title.recognised_on is None:
                    title.recognised_on = spec.date
        elif app is None or app.stage == Stage.RECOGNISED:
            result.unchanged += 1
    if not spec.reject_absent or not spec.year:
        return
    # recommended this year but not on the list: 未通过 — except subjects a pending row may be
    pending = {c.key for r in preview.rows if r.status == "uncertain" for c in r.candidates}
    apps = s.scalars(select(Application).where(
        Application.title_kind == kind, Application.year == spec.year, Application.stage == Stage.RECOMMENDED,
        Application.deleted_at.is_(None))).all()
    for app in apps:
        sid = app.park_id if spec.subject_kind is SubjectKind.PARK else app.enterprise_id
        if sid is None or (sid, spec.year) in recognised_ids or sid in pending:
            continue
        result.changes.append(PlannedChange("reject", f"「{app.subject_name}」{spec.year}年{kind.label}：已推荐 → 未通过（未列入名单）",
                                            None, sid, app.id))
        if write:
            move_application(s, app, Stage.REJECTED, reason=f"未列入{doc}认定名单")


def _revoke(s: Session, preview: ListPreview, usable: list[ListRow], result: ListResult, write: bool,
            prog: Progress) -> None:
    from models.entities import Title, TitleState

    spec = preview.spec
    for r in usable:
        assert r.subject_id is not None
        q = select(Title).where(_subject_filter(Title, spec, r.subject_id), Title.deleted_at.is_(None))
        if spec.title_kind is not None:
            q = q.where(Title.title_kind == spec.title_kind)
        titles = s.scalars(q).all()
        live = [t for t in titles if t.state != TitleState.REVOKED]
        if not live:
            result.unchanged += 1
            if not titles:
                preview.issues.append(Issue(preview.table.file, preview.table.sheet, r.row, "", "", r.name,
                                            "库中没有该对象的这一称号，未做处理。", "warning"))
            continue
        cause = clean_text(r.values.get("cause"))[:20]
        for t in live:
            result.changes.append(PlannedChange("revoke", f"「{r.name}」{t.year}年{t.title_kind.label}：撤销（{spec.source_text}）",
                                                r.row, r.subject_id, t.id))
            if write:
                t.state = TitleState.REVOKED
                t.revoked_on = spec.date or dt.date.today()
                t.revocation_doc = spec.doc_number[:60]
                t.revocation_cause = cause
                t.notes = (t.notes + "\n" if t.notes else "") + f"依据{spec.source_text}撤销" + (f"：{cause}" if cause else "")


def _rename(s: Session, preview: ListPreview, usable: list[ListRow], result: ListResult, write: bool,
            prog: Progress) -> None:
    from models.entities import Enterprise, Park

    spec = preview.spec
    model = Park if spec.subject_kind is SubjectKind.PARK else Enterprise
    for r in usable:
        new = clean_text(r.values.get("new_name"))
        subject = s.get(model, r.subject_id)
        if subject is None or not new:
            if not new:
                preview.issues.append(Issue(preview.table.file, preview.table.sheet, r.row, "", "新名称", "",
                                            "没有新名称，未做处理。", "warning"))
            result.unchanged += 1
            continue
        if subject.name == new:
            result.unchanged += 1
            continue
        result.changes.append(PlannedChange("rename", f"「{subject.name}」更名为「{new}」（{spec.source_text}）",
                                            r.row, r.subject_id, subject.id))
        if write:
            when = spec.date or dt.date.today()
            subject.notes = (subject.notes + "\n" if subject.notes else "") + \
                f"{when:%Y-%m-%d} 依据{spec.source_text}由「{subject.name}」更名为「{new}」"
            subject.name = new[:120]


def _evaluators(s: Session, preview: ListPreview, usable: list[ListRow], result: ListResult, write: bool,
                prog: Progress) -> None:
    from models.review import Evaluator

    spec = preview.spec
    disq = spec.action == "evaluators_disqualified"
    for r in preview.rows:
        if r.status not in ("matched", "confirmed", "unmatched") or not (r.name or r.code):
            continue
        ev = s.get(Evaluator, r.subject_id) if r.subject_id is not None else None
        if ev is None:
            if r.status != "unmatched":
                continue
            text = f"新增评价机构「{r.name}」" + (f"（取消资格：{spec.source_text}）" if disq else "")
            result.changes.append(PlannedChange("evaluator_new", text, r.row))
            if write:
                ev = Evaluator(name=r.name[:120], credit_code=r.code, source="import",
                               list_years=[spec.year] if spec.year and not disq else [],
                               contact=clean_text(r.values.get("contact"))[:80],
                               notes=f"由名单「{preview.table.file}」导入")
                if disq:
                    ev.disqualified_on = spec.date or dt.date.today()
                    ev.disqualified_reason = clean_text(r.values.get("cause")) or spec.source_text
                s.add(ev)
            continue
        changed = []
        if disq and ev.disqualified_on is None:
            changed.append("取消评价资格")
            if write:
                ev.disqualified_on = spec.date or dt.date.today()
                ev.disqualified_reason = clean_text(r.values.get("cause")) or spec.source_text
        if not disq and spec.year and spec.year not in (ev.list_years or []):
            changed.append(f"列入{spec.year}年名单")
            if write:
                ev.list_years = sorted(set(ev.list_years or []) | {spec.year})
        if r.code and not ev.credit_code:
            changed.append("补充信用代码")
            if write:
                ev.credit_code = r.code
        if changed:
            result.changes.append(PlannedChange("evaluator_update", f"评价机构「{ev.name}」：" + "、".join(changed),
                                                r.row, ev.id, ev.id))
        else:
            result.unchanged += 1


def _watchlist(s: Session, preview: ListPreview, usable: list[ListRow], result: ListResult, write: bool,
               prog: Progress) -> None:
    from models.review import WatchlistEntry
    from forms.validators import parse_date

    spec = preview.spec
    list_name = (spec.list_name or spec.source_text)[:60]
    existing = {(normalise_name(n), c or "", ln) for n, c, ln in s.execute(
        select(WatchlistEntry.name, WatchlistEntry.credit_code, WatchlistEntry.list_name)
        .where(WatchlistEntry.deleted_at.is_(None)))}
    for r in preview.rows:
        if r.status == "out_of_scope" or not (r.name or r.code):
            continue
        key = (normalise_name(r.name), r.code, list_name)
        if key in existing:
            result.unchanged += 1
            continue
        existing.add(key)

        def day(v: Any) -> dt.date | None:
            try:
                return parse_date(v) if v not in (None, "") else None
            except ValidationError:
                return None

        result.changes.append(PlannedChange("watch_new", f"「{r.name or r.code}」列入「{list_name}」", r.row, r.subject_id))
        if write:
            s.add(WatchlistEntry(name=r.name[:120], credit_code=r.code, list_name=list_name,
                                 listed_on=day(r.values.get("date")) or spec.date, until=day(r.values.get("until")),
                                 source=preview.table.file[:120],
                                 notes=clean_text(r.values.get("cause"))))
    # a watch list changes no subject: matches are shown for information only
    result.skipped = []


def preview_list_file(session: Session, path: Path | str, spec: ListSpec | None = None,
                      **kw: Any) -> tuple[ListPreview, list[str]]:
    """Read, map and match in one go (the CLI's and the wizard's first step). Returns the preview
    and the doubts (mapping problems and guessed list details) a person should look at."""
    learned = learned_headers(session)
    table = read_list(path, learned=learned)
    mapping = propose_mapping(session, table)
    doubts = list(mapping.problems)
    if spec is None:
        spec, spec_doubts = guess_spec(table)
        doubts.extend(spec_doubts)
    return match_list(session, table, mapping, spec, **kw), doubts


def subjects_in(session: Session, rows: Iterable[ListRow], kind: SubjectKind | None) -> dict[int, str]:
    """id → name of the subjects rows point at (for showing candidates)."""
    from models.entities import Enterprise, Park

    model = Park if kind is SubjectKind.PARK else Enterprise
    ids = {r.subject_id for r in rows if r.subject_id is not None}
    if not ids:
        return {}
    return dict(session.execute(select(model.id, model.name).where(model.id.in_(list(ids)))).all())
