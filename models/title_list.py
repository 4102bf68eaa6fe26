"""The 称号监管 list read with plain SQL (no SQLAlchemy): one row per live title, its ban
(第十八条), its yearly indicator report (第十六条), its re-review (第十六条) and the renamings
to report (第十九条).

The tab reads it through ``db.read()`` (a ``sqlite3`` connection), so opening it imports neither
SQLAlchemy nor the ORM records. ``models.supervision`` re-exports the names here and keeps
``title_rows(session, ...)`` as a wrapper over the same function. Stored values: dates as
'YYYY-MM-DD' text, enums by their value, settings as JSON text.
"""
from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Mapping

from .db import raw_rows
from .stages import ChangeKind, ReReviewOutcome, SubjectKind, TitleKind, TitleState
from .workdays import YearOverride

#: 第十八条: a unit whose title was revoked may not apply again for three years.
BAN_YEARS = 3
#: 第十六条: the yearly key indicators (the national measures: by 15 April).
DEFAULT_INDICATOR_DUE = (4, 15)
#: The titles whose holders report yearly indicators (green factories and green parks, 第十六条).
INDICATOR_TITLE_KINDS = frozenset({
    TitleKind.CITY_FACTORY, TitleKind.CITY_PARK, TitleKind.NATIONAL_FACTORY, TitleKind.NATIONAL_PARK,
})
HOLIDAYS_KEY = "holidays:{year}"
INDICATOR_DUE_KEY = "indicator_due:{year}"

SOURCE_LABELS = {"entered": "手工录入", "import": "名单导入"}

SubjectRef = tuple[SubjectKind, int]


def add_years(d: dt.date, years: int) -> dt.date:
    """The same day ``years`` later; 29 February becomes 28 February (民法典 第二百零二条: no
    corresponding day → the month's last day)."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


def ban_end(revoked_on: dt.date) -> dt.date:
    """第十八条: the day the three years are complete. An application is refused before this day
    and accepted from it on (the same boundary as the check ``not_revoked_recently``)."""
    return add_years(revoked_on, BAN_YEARS)


def _ref(enterprise_id: int | None, park_id: int | None) -> SubjectRef:
    return (SubjectKind.ENTERPRISE, enterprise_id) if enterprise_id is not None else (SubjectKind.PARK, park_id)  # type: ignore[return-value]


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text[:10]) if text else None


# --------------------------------------------------------------------------- settings


def setting_value(con: Any, key: str, default: Any = None) -> Any:
    """A Setting's value (stored as JSON text), or ``default``."""
    row = con.execute("SELECT value FROM setting WHERE key = ?", (key,)).fetchone()
    if row is None or row[0] is None:
        return default
    try:
        return json.loads(row[0])
    except (TypeError, ValueError):
        return row[0]


def indicator_due_date(con: Any, year: int) -> dt.date:
    """第十六条: the day the yearly indicators are due in ``year`` (they describe ``year - 1``).
    Setting "indicator_due:{year}", else 15 April."""
    value = setting_value(con, INDICATOR_DUE_KEY.format(year=year))
    if value:
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            pass
    return dt.date(year, *DEFAULT_INDICATOR_DUE)


def load_overrides(con: Any) -> dict[int, YearOverride]:
    """The years' holidays a clerk entered (Setting "holidays:{year}")."""
    out: dict[int, YearOverride] = {}
    for key, value in con.execute("SELECT key, value FROM setting WHERE key LIKE 'holidays:%'").fetchall():
        try:
            year = int(key.split(":", 1)[1])
        except ValueError:
            continue
        out[year] = YearOverride.from_json(json.loads(value) if isinstance(value, str) else value)
    return out


# --------------------------------------------------------------------------- open 第十九条 reports


@dataclass(frozen=True)
class OpenChange:
    id: int
    kind: ChangeKind
    enterprise_id: int | None
    park_id: int | None
    completed_on: dt.date
    due_on: dt.date
    due_fallback: bool


def open_changes(con: Any) -> list[OpenChange]:
    """Renamings and restructurings not yet reported, by due date."""
    return [
        OpenChange(i, ChangeKind(kind), ent, park, _date(done), _date(due), bool(fb))  # type: ignore[arg-type]
        for i, kind, ent, park, done, due, fb in con.execute(
            "SELECT id, kind, enterprise_id, park_id, completed_on, due_on, due_fallback FROM title_change"
            " WHERE reported_on IS NULL AND deleted_at IS NULL ORDER BY due_on, id").fetchall()
    ]


def fallback_years_open(con: Any) -> frozenset[int]:
    """The years counted Monday–Friday in the due dates of open renaming reports (for the warning)."""
    from .workdays import fallback_years_between

    overrides = load_overrides(con)
    years: set[int] = set()
    for ch in open_changes(con):
        if ch.due_fallback:
            years |= fallback_years_between(ch.completed_on, ch.due_on, overrides)
    return frozenset(years)


# --------------------------------------------------------------------------- 第十六条 indicators


def indicator_report_status(
    con: Any, year: int, catalogue: Mapping[str, Any] | None = None, *, one_step: bool = False
) -> dict[SubjectRef, tuple[bool, list[str]]]:
    """For each holder owing the indicators due in ``year`` (a green factory or park title
    recognised before ``year``, not revoked): (reported, labels of the indicators worse than the
    year before). ``catalogue``: key → an object with ``better`` and ``label``. ``one_step``:
    each query's rows read in one SQLite step (for a background thread: ``db.raw_rows``).

    SQLite does the work, per holder: whether a row of the data year exists, and a self-join of
    the data year with the year before on the covering indexes of migration 0006 (subject,
    year, key, value), so the tab opens without reading the years' 100,000 indicator values
    into Python. Values are compared at the 4 places the ORM gives them (``ROUND(value, 4)``:
    SQLite rounds through "%.4f", as the ORM's Numeric(18, 4) reads a stored float back)."""
    kinds = sorted(k.value for k in INDICATOR_TITLE_KINDS)
    data_year = year - 1
    directions = {k: getattr(d, "better", "") for k, d in (catalogue or {}).items()}
    directions = {k: b for k, b in directions.items() if b in ("lower", "higher")}
    order = {k: i for i, k in enumerate(directions)}  # the labels in the catalogue's order
    labels = {k: getattr(d, "label", k) for k, d in (catalogue or {}).items()}
    lower = [k for k, b in directions.items() if b == "lower"]
    higher = [k for k, b in directions.items() if b == "higher"]
    worse_cond = " OR ".join(
        f"(a.key IN ({','.join('?' * len(keys))}) AND ROUND(a.value, 4) {op} ROUND(b.value, 4))"
        for keys, op in ((lower, ">"), (higher, "<")) if keys)
    out: dict[SubjectRef, tuple[bool, list[str]]] = {}
    for column, index, kind in (("enterprise_id", "ix_indicator_enterprise_value", SubjectKind.ENTERPRISE),
                                ("park_id", "ix_indicator_park_value", SubjectKind.PARK)):
        holders = (f"SELECT DISTINCT {column} AS sid FROM title WHERE {column} IS NOT NULL"
                   f" AND deleted_at IS NULL AND state != ? AND year < ? AND title_kind IN ({','.join('?' * len(kinds))})")
        holder_params = (TitleState.REVOKED.value, year, *kinds)
        # the indexes are named: the planner would otherwise read the values from the table
        for sid, reported in raw_rows(
                con, f"SELECT h.sid AS sid, EXISTS (SELECT 1 FROM indicator a INDEXED BY {index} WHERE a.{column} = h.sid"
                f" AND a.year = ? AND a.deleted_at IS NULL) AS reported FROM ({holders}) h",
                (data_year, *holder_params),  # the parameters in the order of the text
                one_step=("sid", "reported") if one_step else None):
            out[(kind, sid)] = (bool(reported), [])
        if not worse_cond:
            continue
        worse: dict[int, list[str]] = defaultdict(list)
        for sid, key in raw_rows(
                con, f"SELECT a.{column} AS sid, a.key AS key FROM ({holders}) h"
                f" JOIN indicator a INDEXED BY {index} ON a.{column} = h.sid AND a.year = ? AND a.deleted_at IS NULL"
                f" JOIN indicator b INDEXED BY {index} ON b.{column} = a.{column} AND b.year = ?"
                f" AND b.key = a.key AND b.deleted_at IS NULL WHERE {worse_cond}",
                (*holder_params, data_year, data_year - 1, *lower, *higher),
                one_step=("sid", "key") if one_step else None):
            worse[sid].append(key)
        for sid, keys in worse.items():
            keys.sort(key=order.__getitem__)
            out[(kind, sid)] = (True, [labels.get(k, k) for k in keys])
    return out


# --------------------------------------------------------------------------- the titles table


@dataclass
class TitleRow:
    id: int
    subject: str
    subject_kind: SubjectKind
    subject_id: int
    title_kind: TitleKind
    year: int
    doc_number: str
    state: TitleState
    source: str
    recognised_on: dt.date | None
    revoked_on: dt.date | None
    cause: str
    revocation_doc: str
    ban_until: dt.date | None  # 第十八条: may apply again from this day; None when no ban runs
    indicators: str  # 已报 / 未报 / 指标下降⚠ / "" (no report owed)
    worse: list[str]
    todo: str
    overdue: bool
    fallback: bool  # a due date counted Monday–Friday

    @property
    def level(self) -> str:
        return self.title_kind.info.level

    @property
    def source_label(self) -> str:
        return SOURCE_LABELS.get(self.source, self.source)


#: the result columns of the titles query
_TITLE_COLUMNS = ("id", "title_kind", "enterprise_id", "park_id", "year", "doc_number", "state", "source",
                  "recognised_on", "revoked_on", "revocation_cause", "revocation_doc", "ename", "pname")


def title_rows(
    con: Any, today: dt.date, *, round_year: int | None = None, catalogue: Mapping[str, Any] | None = None,
) -> list[TitleRow]:
    """One row per live title (newest year first), with its indicator report of ``round_year``
    (default: this year), its ban, and what is to be done. ``con``: the ``sqlite3`` connection of
    ``db.read()`` (or ``models.db.dbapi(session)``)."""
    return build_title_rows(title_data(con, today, round_year=round_year, catalogue=catalogue), today)


@dataclass
class TitleData:
    """What ``title_rows`` reads (``title_data``), before it makes the rows (``build_title_rows``)."""

    due: dt.date  # the indicators of the round are due on this day
    status: dict[SubjectRef, tuple[bool, list[str]]]  # indicator_report_status
    changes: dict[SubjectRef, list[OpenChange]]
    last_review: dict[int, tuple[str, str]]  # title → (outcome, scheduled_on) of its latest review
    titles: list[tuple]  # the titles query's rows, newest year first


def title_data(
    con: Any, today: dt.date, *, round_year: int | None = None, catalogue: Mapping[str, Any] | None = None,
    one_step: bool = False,
) -> TitleData:
    """Every query of ``title_rows``. ``one_step``: the big ones read in one SQLite step each
    (for a background thread: ``db.raw_rows``); the same data."""
    round_year = round_year or today.year
    due = indicator_due_date(con, round_year)
    status = indicator_report_status(con, round_year, catalogue, one_step=one_step)
    changes: dict[SubjectRef, list[OpenChange]] = defaultdict(list)
    for ch in open_changes(con):
        changes[_ref(ch.enterprise_id, ch.park_id)].append(ch)
    last_review: dict[int, tuple[str, str]] = {}
    for title_id, on, outcome in con.execute(
            "SELECT title_id, scheduled_on, outcome FROM title_review WHERE deleted_at IS NULL"
            " ORDER BY scheduled_on, id").fetchall():
        last_review[title_id] = (outcome, on)
    raw = raw_rows(
        con, "SELECT t.id AS id, t.title_kind AS title_kind, t.enterprise_id AS enterprise_id, t.park_id AS park_id,"
        " t.year AS year, t.doc_number AS doc_number, t.state AS state, t.source AS source,"
        " t.recognised_on AS recognised_on, t.revoked_on AS revoked_on, t.revocation_cause AS revocation_cause,"
        " t.revocation_doc AS revocation_doc, e.name AS ename, p.name AS pname"
        " FROM title t LEFT JOIN enterprise e ON e.id = t.enterprise_id LEFT JOIN park p ON p.id = t.park_id"
        " WHERE t.deleted_at IS NULL ORDER BY t.year DESC, t.id", (),
        one_step=_TITLE_COLUMNS if one_step else None, order=lambda r: (-r[4], r[0]))  # newest year first
    return TitleData(due, status, dict(changes), last_review, raw)


def build_title_rows(data: TitleData, today: dt.date) -> list[TitleRow]:
    """The rows of ``title_rows`` from what ``title_data`` read (no database)."""
    due, status, changes, last_review = data.due, data.status, data.changes, data.last_review
    rows = []
    title_kinds = {k.value: k for k in TitleKind}  # dict lookups: 8,000 enum calls cost 30 ms
    title_states = {s.value: s for s in TitleState}
    for (tid, kind, ent, park, year, doc, state, source, recognised, revoked, cause, rdoc, ename, pname) in data.titles:
        ref = _ref(ent, park)
        title_kind, st_state = title_kinds[kind], title_states[state]
        revoked_on = _date(revoked)
        todo: list[str] = []
        overdue = fallback = False
        for ch in changes.get(ref, ()):
            late = ch.due_on < today
            overdue |= late
            fallback |= ch.due_fallback
            todo.append(f"{ch.kind.label}上报{'已逾期' if late else ''}（{ch.due_on.isoformat()}前）")
        last = last_review.get(tid)
        if last is not None and st_state is not TitleState.REVOKED:
            outcome, on = ReReviewOutcome(last[0]), _date(last[1])
            if outcome is ReReviewOutcome.PENDING:
                late = on < today  # type: ignore[operator]
                overdue |= late
                todo.append(f"复审{'已过期，待录入结果' if late else ''}（{on.isoformat()}）")  # type: ignore[union-attr]
            elif outcome is ReReviewOutcome.FAILED:
                overdue = True
                todo.append("复审不通过，待撤销（第十七条（二））")
        st = status.get(ref) if title_kind in INDICATOR_TITLE_KINDS else None
        ind = ""
        if st is not None:
            reported, worse = st
            ind = ("指标下降⚠" if worse else "已报") if reported else "未报"
            if not reported:
                late = due < today
                overdue |= late
                todo.append(f"年度指标{'逾期未报' if late else '待报'}（{due.isoformat()}前）")
        ban = ban_end(revoked_on) if st_state is TitleState.REVOKED and revoked_on else None
        rows.append(TitleRow(
            id=tid, subject=(ename if ent is not None else pname) or "", subject_kind=ref[0],
            subject_id=ref[1], title_kind=title_kind, year=year, doc_number=doc, state=st_state,
            source=source, recognised_on=_date(recognised), revoked_on=revoked_on, cause=cause,
            revocation_doc=rdoc, ban_until=ban if ban is not None and ban > today else None,
            indicators=ind, worse=list(st[1]) if st else [], todo="；".join(todo), overdue=overdue,
            fallback=fallback,
        ))
    return rows
