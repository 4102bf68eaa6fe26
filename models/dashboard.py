"""The figures of the 年度概览 (dashboard) and of the year summary: plain queries, plain data.

Each figure is one grouped SQL query on the session's connection (no ORM objects, no loading of
whole tables), so the dashboard stays quick on a database of 20,000 enterprises:

* :func:`stage_matrix` — the year's applications by title and stage;
* :func:`title_holdings` — titles held now, by title and state (有效 / 复审中 / 已撤销);
* :func:`year_titles` — titles recognised (and revoked) in a year, by title;
* :func:`expiring_certificates` — management-system certificates (第七条（六）) of subjects with a
  live application or a valid title, expiring soon or lately expired;
* :func:`target_rows` — the district's yearly targets (setting ``targets:{year}``) against what
  was achieved, with how many were recommended for the municipal titles;
* :func:`year_calendar` — the yearly calendar (setting ``calendar:{year}``, defaults from
  resources/data/year_calendar.json: domain.md "The yearly cycle");
* :func:`agenda` — what is due: the calendar's next days, the supervision duties of
  ``models.supervision.due_items`` (第十六、十八、十九条) and the certificates above.

The district's targets and the calendar's dates change with each year's notice: they are settings
per year, never constants. No Qt here.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable, Mapping, Sequence

from sqlalchemy.orm import Session

from .entities import TitleState
from .office import delete_setting, get_setting, set_setting
from .review import CertKind
from .stages import STAGES, TITLES, Stage, SubjectKind, TitleKind
from .subjects import raw_rows

#: applications that reached the recommendation: 已推荐, and the commission's results that follow it
RECOMMENDED_STAGES: tuple[Stage, ...] = (Stage.RECOMMENDED, Stage.RECOGNISED, Stage.REJECTED)
#: the titles a district recommends to the commission (市级): for them the targets also show 已推荐
MUNICIPAL_KINDS: tuple[TitleKind, ...] = tuple(k for k in TitleKind if TITLES[k].level == "市级")
#: the titles the 2027 targets count (seed 001): shown in the targets chart even without a target
TARGET_KINDS: tuple[TitleKind, ...] = (
    TitleKind.CITY_FACTORY, TitleKind.SUPPLY_CHAIN, TitleKind.CITY_PARK, TitleKind.NEAR_ZERO_PARK,
    TitleKind.VOLUNTARY_ASSESSMENT,
)

TARGETS_KEY = "targets:{year}"
CALENDAR_KEY = "calendar:{year}"

_TITLE_BY_VALUE = {k.value: k for k in TitleKind}
_STAGE_BY_VALUE = {s.value: s for s in STAGES}
_STATE_BY_VALUE = {s.value: s for s in TitleState}


def _date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


# ----------------------------------------------------------------------- applications by stage


@dataclass(frozen=True)
class StageMatrix:
    """How many live applications of ``year`` are in each (title, stage)."""

    year: int
    counts: Mapping[tuple[TitleKind, Stage], int]

    def total(self, kinds: Iterable[TitleKind] | TitleKind | None = None,
              stages: Iterable[Stage] | Stage | None = None) -> int:
        if isinstance(kinds, TitleKind):
            kinds = (kinds,)
        if isinstance(stages, Stage):
            stages = (stages,)
        ks = None if kinds is None else set(kinds)
        ss = None if stages is None else set(stages)
        return sum(n for (k, s), n in self.counts.items()
                   if (ks is None or k in ks) and (ss is None or s in ss))

    @property
    def kinds(self) -> list[TitleKind]:
        """The titles that have applications this year, in the program's order of titles."""
        present = {k for (k, _s), n in self.counts.items() if n}
        return [k for k in TitleKind if k in present]

    @property
    def applications(self) -> int:
        return self.total()

    @property
    def recommended(self) -> int:
        """Applications that reached 已推荐 (and those since decided: 已认定, 未通过)."""
        return self.total(stages=RECOMMENDED_STAGES)

    @property
    def recognised(self) -> int:
        return self.total(stages=Stage.RECOGNISED)

    @property
    def rejected(self) -> int:
        return self.total(stages=Stage.REJECTED)


_MATRIX_SQL = """
SELECT a.title_kind, a.stage, COUNT(*)
FROM application a
LEFT JOIN enterprise e ON e.id = a.enterprise_id
LEFT JOIN park p ON p.id = a.park_id
WHERE a.year = ? AND a.deleted_at IS NULL AND e.deleted_at IS NULL AND p.deleted_at IS NULL
GROUP BY a.title_kind, a.stage"""


def stage_matrix(session: Session, year: int) -> StageMatrix:
    """The year's applications by title and stage, in one grouped query (deleted applications
    and applications of deleted enterprises/parks left out, as on the pipeline board)."""
    counts: dict[tuple[TitleKind, Stage], int] = {}
    for kind, stage, n in raw_rows(session, _MATRIX_SQL, (year,)):
        k, s = _TITLE_BY_VALUE.get(kind), _STAGE_BY_VALUE.get(stage)
        if k is not None and s is not None:
            counts[(k, s)] = n
    return StageMatrix(year, counts)


# ----------------------------------------------------------------------- titles


@dataclass(frozen=True)
class TitleHoldings:
    """Titles held now (not deleted), by title and state."""

    counts: Mapping[tuple[TitleKind, TitleState], int]

    def total(self, state: TitleState | None = None, kind: TitleKind | None = None) -> int:
        return sum(n for (k, s), n in self.counts.items()
                   if (state is None or s is state) and (kind is None or k is kind))

    @property
    def valid(self) -> int:
        return self.total(TitleState.VALID)

    @property
    def under_review(self) -> int:
        return self.total(TitleState.UNDER_REVIEW)

    @property
    def revoked(self) -> int:
        return self.total(TitleState.REVOKED)

    @property
    def kinds(self) -> list[TitleKind]:
        present = {k for (k, _s), n in self.counts.items() if n}
        return [k for k in TitleKind if k in present]


_HOLDINGS_SQL = """
SELECT t.title_kind, t.state, COUNT(*)
FROM title t
LEFT JOIN enterprise e ON e.id = t.enterprise_id
LEFT JOIN park p ON p.id = t.park_id
WHERE t.deleted_at IS NULL AND e.deleted_at IS NULL AND p.deleted_at IS NULL
GROUP BY t.title_kind, t.state"""


def title_holdings(session: Session) -> TitleHoldings:
    counts: dict[tuple[TitleKind, TitleState], int] = {}
    for kind, state, n in raw_rows(session, _HOLDINGS_SQL):
        k, s = _TITLE_BY_VALUE.get(kind), _STATE_BY_VALUE.get(state)
        if k is not None and s is not None:
            counts[(k, s)] = n
    return TitleHoldings(counts)


@dataclass(frozen=True)
class YearTitles:
    """Titles recognised in ``year`` (the year of the recognition date, or the title's year when
    no date was recorded) and titles revoked in ``year``, by title."""

    year: int
    recognised: Mapping[TitleKind, int]
    revoked: Mapping[TitleKind, int]

    @property
    def recognised_total(self) -> int:
        return sum(self.recognised.values())

    @property
    def revoked_total(self) -> int:
        return sum(self.revoked.values())


#: the year a title counts as achieved in: its recognition date's year, else its own year
_RECOGNISED_YEAR = "COALESCE(CAST(strftime('%Y', t.recognised_on) AS INTEGER), t.year)"
_YEAR_TITLES_SQL = f"""
SELECT t.title_kind,
       SUM(CASE WHEN {_RECOGNISED_YEAR} = ? THEN 1 ELSE 0 END),
       SUM(CASE WHEN t.state = 'revoked' AND CAST(strftime('%Y', t.revoked_on) AS INTEGER) = ? THEN 1 ELSE 0 END)
FROM title t
LEFT JOIN enterprise e ON e.id = t.enterprise_id
LEFT JOIN park p ON p.id = t.park_id
WHERE t.deleted_at IS NULL AND e.deleted_at IS NULL AND p.deleted_at IS NULL
GROUP BY t.title_kind"""


def year_titles(session: Session, year: int) -> YearTitles:
    rec: dict[TitleKind, int] = {}
    rev: dict[TitleKind, int] = {}
    for kind, n_rec, n_rev in raw_rows(session, _YEAR_TITLES_SQL, (year, year)):
        k = _TITLE_BY_VALUE.get(kind)
        if k is None:
            continue
        if n_rec:
            rec[k] = int(n_rec)
        if n_rev:
            rev[k] = int(n_rev)
    return YearTitles(year, rec, rev)


@dataclass(frozen=True)
class TitleRow:
    """One title for the year summary's list."""

    id: int
    name: str
    credit_code: str
    title_kind: TitleKind
    year: int
    doc_number: str
    recognised_on: dt.date | None
    state: TitleState
    revoked_on: dt.date | None


_TITLE_ROWS_SQL = f"""
SELECT t.id, COALESCE(e.name, p.name), COALESCE(e.credit_code, p.credit_code, ''), t.title_kind, t.year,
       t.doc_number, t.recognised_on, t.state, t.revoked_on
FROM title t
LEFT JOIN enterprise e ON e.id = t.enterprise_id
LEFT JOIN park p ON p.id = t.park_id
WHERE t.deleted_at IS NULL AND e.deleted_at IS NULL AND p.deleted_at IS NULL
  AND ({_RECOGNISED_YEAR} = ? OR CAST(strftime('%Y', t.revoked_on) AS INTEGER) = ?)"""


def titles_of_year(session: Session, year: int) -> list[TitleRow]:
    """The titles recognised or revoked in ``year`` (the year summary's 称号 sheet)."""
    out = []
    for r in raw_rows(session, _TITLE_ROWS_SQL, (year, year)):
        kind, state = _TITLE_BY_VALUE.get(r[3]), _STATE_BY_VALUE.get(r[7])
        if kind is None or state is None:
            continue
        out.append(TitleRow(r[0], r[1] or "", r[2] or "", kind, r[4], r[5] or "", _date(r[6]), state, _date(r[8])))
    order = {k: i for i, k in enumerate(TitleKind)}
    out.sort(key=lambda t: (order[t.title_kind], t.recognised_on or dt.date.min, t.name))
    return out


# ----------------------------------------------------------------------- targets


@lru_cache(maxsize=1)
def municipal_targets() -> tuple[str, int, dict[TitleKind, int]]:
    """The municipal targets to 2027 (seed 001, 渝经信发〔2024〕3号): (document, until, targets)."""
    from resources import resource_path

    raw = json.loads(resource_path("data", "targets_2027.json").read_text("utf-8"))
    targets = {_TITLE_BY_VALUE[k]: int(v) for k, v in raw["targets"].items() if k in _TITLE_BY_VALUE}
    return raw.get("document", ""), int(raw.get("until", 2027)), targets


def get_targets(session: Session, year: int) -> dict[TitleKind, int]:
    """The district's targets for ``year`` (setting ``targets:{year}``: title value → number).
    Unknown titles and values that are not whole numbers ≥ 0 are ignored."""
    raw = get_setting(session, TARGETS_KEY.format(year=year), None)
    out: dict[TitleKind, int] = {}
    if isinstance(raw, Mapping):
        for key, value in raw.items():
            kind = _TITLE_BY_VALUE.get(str(key))
            try:
                n = int(value)
            except (TypeError, ValueError):
                continue
            if kind is not None and n >= 0 and not isinstance(value, bool):
                out[kind] = n
    return out


def set_targets(session: Session, year: int, targets: Mapping[TitleKind, int]) -> None:
    """Keep the district's targets for ``year`` (flushed; the caller commits). A target of 0 or
    None is removed."""
    clean: dict[str, int] = {}
    for kind, n in targets.items():
        if n is None:
            continue
        n = int(n)
        if n < 0:
            raise ValueError(f"「{kind.label}」的目标不能小于 0。")
        if n:
            clean[kind.value] = n
    set_setting(session, TARGETS_KEY.format(year=year), clean)


@dataclass(frozen=True)
class TargetRow:
    """One title's target for the year against what was achieved (titles recognised in the year);
    ``recommended`` (applications of the year that reached 已推荐) only for the municipal titles."""

    kind: TitleKind
    target: int | None
    achieved: int
    recommended: int | None

    @property
    def ratio(self) -> float | None:
        """achieved / target (0.4 for 2 of 5), None without a target."""
        return None if not self.target else self.achieved / self.target

    @property
    def percent_text(self) -> str:
        r = self.ratio
        return "—" if r is None else f"{r * 100:.1f}%"


def target_rows(session: Session, year: int, *, matrix: StageMatrix | None = None,
                titles: YearTitles | None = None) -> list[TargetRow]:
    """The titles of the 2027 targets, and any other title with a target or an achievement."""
    targets = get_targets(session, year)
    matrix = matrix if matrix is not None else stage_matrix(session, year)
    titles = titles if titles is not None else year_titles(session, year)
    shown = set(TARGET_KINDS) | set(targets) | {k for k, n in titles.recognised.items() if n}
    return [
        TargetRow(
            kind=k,
            target=targets.get(k),
            achieved=titles.recognised.get(k, 0),
            recommended=matrix.total(k, RECOMMENDED_STAGES) if k in MUNICIPAL_KINDS else None,
        )
        for k in TitleKind if k in shown
    ]


# ----------------------------------------------------------------------- the yearly calendar


@dataclass(frozen=True)
class CalendarEntry:
    date: dt.date
    what: str
    source: str = ""

    def to_json(self) -> dict[str, str]:
        return {"date": self.date.isoformat(), "what": self.what, "source": self.source}


@lru_cache(maxsize=1)
def _default_template() -> tuple[tuple[int, int, str, str], ...]:
    from resources import resource_path

    raw = json.loads(resource_path("data", "year_calendar.json").read_text("utf-8"))
    return tuple((int(e["month"]), int(e["day"]), e["what"], e.get("source", "")) for e in raw["entries"])


def default_calendar(year: int, *, indicator_due: dt.date | None = None) -> list[CalendarEntry]:
    """The yearly cycle of domain.md for ``year``; ``indicator_due`` replaces the 15 April date of
    the yearly indicator report when that year's notice set another (models.supervision)."""
    out = []
    for i, (month, day, what, source) in enumerate(_default_template()):
        d = dt.date(year, month, day)
        if i == 0 and indicator_due is not None:
            d = indicator_due
        out.append(CalendarEntry(d, what, source))
    return sorted(out, key=lambda e: e.date)


def parse_calendar(raw: Any) -> list[CalendarEntry]:
    """Entries from the setting's JSON list; an entry without a valid date or text is skipped."""
    out = []
    if isinstance(raw, list):
        for e in raw:
            if not isinstance(e, Mapping):
                continue
            try:
                d = _date(e.get("date"))
            except ValueError:
                continue
            what = str(e.get("what") or "").strip()
            if d is None or not what:
                continue
            out.append(CalendarEntry(d, what, str(e.get("source") or "").strip()))
    return sorted(out, key=lambda e: e.date)


def _indicator_due(session: Session, year: int) -> dt.date | None:
    try:
        from .supervision import indicator_due_date
    except ImportError:  # pragma: no cover - supervision not installed
        return None
    return indicator_due_date(session, year)


def year_calendar(session: Session, year: int) -> tuple[list[CalendarEntry], bool]:
    """The calendar of ``year`` and whether it is the default (nothing saved for the year)."""
    raw = get_setting(session, CALENDAR_KEY.format(year=year), None)
    if raw is None:
        return default_calendar(year, indicator_due=_indicator_due(session, year)), True
    return parse_calendar(raw), False


def set_year_calendar(session: Session, year: int, entries: Sequence[CalendarEntry] | None) -> None:
    """Keep the calendar of ``year`` (flushed; the caller commits); None goes back to the default."""
    key = CALENDAR_KEY.format(year=year)
    if entries is None:
        delete_setting(session, key)
        return
    for e in entries:
        if not e.what.strip():
            raise ValueError(f"{e.date.isoformat()} 的日程没有填写事项。")
    set_setting(session, key, [e.to_json() for e in sorted(entries, key=lambda e: e.date)])


# ----------------------------------------------------------------------- certificates


@dataclass(frozen=True)
class ExpiringCertificate:
    """A subject's latest certificate of one kind that expires soon (or lately expired)."""

    expires_on: dt.date
    kind: CertKind
    subject_kind: SubjectKind
    subject_id: int
    subject_name: str
    credit_code: str

    def days_left(self, today: dt.date) -> int:
        return (self.expires_on - today).days


_CERT_SQL = """
WITH latest AS (
  SELECT enterprise_id, park_id, kind, MAX(expires_on) AS expires_on
  FROM certificate
  WHERE deleted_at IS NULL AND expires_on IS NOT NULL
  GROUP BY enterprise_id, park_id, kind
)
SELECT l.expires_on, l.kind, l.enterprise_id, l.park_id, COALESCE(e.name, p.name),
       COALESCE(e.credit_code, p.credit_code, '')
FROM latest l
LEFT JOIN enterprise e ON e.id = l.enterprise_id
LEFT JOIN park p ON p.id = l.park_id
WHERE l.expires_on >= ? AND l.expires_on <= ?
  AND e.deleted_at IS NULL AND p.deleted_at IS NULL
  AND (EXISTS (SELECT 1 FROM application a WHERE a.enterprise_id = l.enterprise_id
                 AND a.deleted_at IS NULL AND a.stage NOT IN ('recognised', 'rejected'))
       OR EXISTS (SELECT 1 FROM application a WHERE a.park_id = l.park_id
                 AND a.deleted_at IS NULL AND a.stage NOT IN ('recognised', 'rejected'))
       OR EXISTS (SELECT 1 FROM title t WHERE t.enterprise_id = l.enterprise_id
                  AND t.deleted_at IS NULL AND t.state = 'valid')
       OR EXISTS (SELECT 1 FROM title t WHERE t.park_id = l.park_id
                  AND t.deleted_at IS NULL AND t.state = 'valid'))
ORDER BY l.expires_on, 5"""


def expiring_certificates(session: Session, today: dt.date, *, days: int = 90,
                          expired_days: int = 365) -> list[ExpiringCertificate]:
    """Management-system certificates (第七条（六）) expiring within ``days`` from ``today``, or
    expired within the last ``expired_days``, of enterprises and parks with a live application
    (not yet 已认定/未通过) or a valid title. Only each subject's latest certificate of a kind
    counts: a renewed certificate hides the old one."""
    since = today - dt.timedelta(days=expired_days)
    until = today + dt.timedelta(days=days)
    kinds = {k.value: k for k in CertKind}
    out = []
    for exp, kind, ent, park, name, code in raw_rows(session, _CERT_SQL, (since.isoformat(), until.isoformat())):
        k = kinds.get(kind)
        if k is None:
            continue
        sk = SubjectKind.ENTERPRISE if ent is not None else SubjectKind.PARK
        out.append(ExpiringCertificate(_date(exp), k, sk, ent if ent is not None else park, name or "", code or ""))
    return out


# ----------------------------------------------------------------------- what is due


#: kinds of agenda items, with the label the lists show
AGENDA_KINDS = {
    "calendar": "年度日程",
    "supervision": "监管事项",
    "ban": "禁止申报期满",
    "certificate": "证书到期",
}


@dataclass(frozen=True)
class AgendaItem:
    """Something due, for the dashboard's lists and the 本周待办 dialog. ``table``/``record_id``
    name the record a double-click opens (None: nothing to open)."""

    due: dt.date
    what: str
    subject: str
    source: str
    overdue: bool
    kind: str
    table: str | None = None
    record_id: int | None = None

    def days_left(self, today: dt.date) -> int:
        return (self.due - today).days

    def status(self, today: dt.date) -> str:
        n = self.days_left(today)
        if self.overdue or n < 0:
            return f"已逾期{-n}天" if n < 0 else "已逾期"
        if n == 0:
            return "今天"
        return f"{n}天后"


def _supervision_items(session: Session, today: dt.date, days: int) -> list[AgendaItem]:
    try:
        from .supervision import due_items
    except ImportError:  # pragma: no cover - supervision not installed
        return []
    out = []
    for d in due_items(session, today, days):
        kind = "ban" if "第十八条" in (d.article or "") else "supervision"
        out.append(AgendaItem(d.due, d.what, d.subject, d.article, bool(d.overdue), kind,
                              "title" if d.title_id is not None else None, d.title_id))
    return out


def upcoming_calendar(session: Session, today: dt.date, days: int = 30) -> list[CalendarEntry]:
    """Calendar entries in [today, today + days], across a year end if need be."""
    until = today + dt.timedelta(days=days)
    out: list[CalendarEntry] = []
    for year in range(today.year, until.year + 1):
        entries, _default = year_calendar(session, year)
        out.extend(e for e in entries if today <= e.date <= until)
    return sorted(out, key=lambda e: e.date)


@dataclass(frozen=True)
class Agenda:
    today: dt.date
    days: int
    items: list[AgendaItem] = field(default_factory=list)

    def of_kind(self, *kinds: str) -> list[AgendaItem]:
        return [i for i in self.items if i.kind in kinds]

    @property
    def overdue(self) -> list[AgendaItem]:
        return [i for i in self.items if i.overdue]

    @property
    def upcoming(self) -> list[AgendaItem]:
        """Not overdue, due within ``days`` (calendar, supervision, bans ending)."""
        until = self.today + dt.timedelta(days=self.days)
        return [i for i in self.items if not i.overdue and i.due <= until and i.kind != "certificate"]


def agenda(session: Session, today: dt.date, *, days: int = 30, cert_days: int = 90,
           certificates: list[ExpiringCertificate] | None = None) -> Agenda:
    """Everything due: calendar entries of the next ``days``, the supervision duties due within
    ``days`` or overdue (models.supervision.due_items), certificates expiring within
    ``cert_days`` (or lately expired: those count as overdue). Sorted by date."""
    items = [AgendaItem(e.date, e.what, "", e.source, False, "calendar") for e in upcoming_calendar(session, today, days)]
    items += _supervision_items(session, today, days)
    certs = certificates if certificates is not None else expiring_certificates(session, today, days=cert_days)
    for c in certs:
        table = "enterprise" if c.subject_kind is SubjectKind.ENTERPRISE else "park"
        items.append(AgendaItem(c.expires_on, f"{c.kind.label}到期", c.subject_name, "第七条（六）",
                                c.expires_on < today, "certificate", table, c.subject_id))
    items.sort(key=lambda i: (i.due, i.kind, i.subject))
    return Agenda(today, days, items)


def due_this_week(session: Session, today: dt.date) -> list[AgendaItem]:
    """What the 本周待办 dialog shows: everything overdue and everything due within 7 days
    (calendar, supervision, bans ending, certificates expiring within 7 days)."""
    ag = agenda(session, today, days=7, cert_days=7, certificates=expiring_certificates(session, today, days=7,
                                                                                        expired_days=0))
    return ag.items


# ----------------------------------------------------------------------- the whole dashboard


@dataclass(frozen=True)
class Dashboard:
    year: int
    today: dt.date
    matrix: StageMatrix
    holdings: TitleHoldings
    titles: YearTitles
    targets: list[TargetRow]
    calendar: list[CalendarEntry]
    calendar_is_default: bool
    agenda: Agenda


def load_dashboard(session: Session, year: int, today: dt.date | None = None, *, days: int = 30,
                   cert_days: int = 90) -> Dashboard:
    today = today or dt.date.today()
    matrix = stage_matrix(session, year)
    titles = year_titles(session, year)
    cal, is_default = year_calendar(session, year)
    return Dashboard(
        year=year,
        today=today,
        matrix=matrix,
        holdings=title_holdings(session),
        titles=titles,
        targets=target_rows(session, year, matrix=matrix, titles=titles),
        calendar=cal,
        calendar_is_default=is_default,
        agenda=agenda(session, today, days=days, cert_days=cert_days),
    )


def dashboard_years(session: Session, today: dt.date | None = None) -> list[int]:
    """The years to choose from: years with applications or titles, and the current year."""
    from .pipeline import years as app_years

    ys = set(app_years(session))
    ys.update(r[0] for r in raw_rows(session, "SELECT DISTINCT year FROM title WHERE deleted_at IS NULL"))
    ys.add((today or dt.date.today()).year)
    return sorted(y for y in ys if y)
