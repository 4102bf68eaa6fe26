"""Supervision of the titles a district's units hold (seed 002_e4cc3ba6cebebc4b.txt, 第五章):

* yearly key indicators, due by 15 April (editable per year), 第十六条;
* re-reviews (复审) and their outcome, 第十六条;
* revocation for one of the seven causes of 第十七条, with a 3-year ban on applying, 第十八条;
* renamings and restructurings to report within 30 working days, 第十九条;
* the 5-working-day public notice, 第十一条.

Every write is a plain ORM change inside the caller's unit of work, so the audit log records it.
No Qt. Dates a yearly notice sets are Setting rows keyed per year ("indicator_due:{year}",
"holidays:{year}").
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from .entities import (
    ChangeKind,
    Enterprise,
    Park,
    ReReviewOutcome,
    Setting,
    Title,
    TitleChange,
    TitleReview,
    TitleState,
)
from .office import delete_setting, set_setting
from .stages import SubjectKind, TitleKind
from . import title_list
from .db import dbapi
from .title_list import (  # noqa: F401  (defined there without SQLAlchemy, re-exported)
    BAN_YEARS,
    DEFAULT_INDICATOR_DUE,
    HOLIDAYS_KEY,
    INDICATOR_DUE_KEY,
    INDICATOR_TITLE_KINDS,
    SOURCE_LABELS,
    SubjectRef,
    TitleRow,
    _ref,
    add_years,
    ban_end,
)
from .workdays import NOTICE_WORKDAYS, WorkdayResult, YearOverride, add_workdays

#: 第十九条: a renaming or restructuring is reported within 30 working days of its formalities.
CHANGE_WORKDAYS = 30


class SupervisionError(ValueError):
    """A change that cannot be made; ``str()`` says why and what to do, in Chinese."""


# --------------------------------------------------------------------------- 第十七条, 第十八条


@dataclass(frozen=True)
class Cause:
    code: str  # "（一）" … "（七）", stored in Title.revocation_cause
    text: str  # the article's own words

    @property
    def label(self) -> str:
        return f"{self.code}{self.text}"


#: The seven causes of 第十七条, in the article's order.
CAUSES: tuple[Cause, ...] = (
    Cause("（一）", "未按规定参加复审或动态管理的"),
    Cause("（二）", "复审结果不合格的"),
    Cause("（三）", "被依法终止的"),
    Cause("（四）", "被发现提供虚假材料和数据的"),
    Cause("（五）", "发生较大及以上安全、环境、质量等事故的"),
    Cause("（六）", "被列入失信黑名单的"),
    Cause("（七）", "发生其他重大违法违纪行为的"),
)
CAUSE_BY_CODE = {c.code: c for c in CAUSES}
#: 第十七条（二）: the cause a failed re-review leads to.
FAILED_REVIEW_CAUSE = CAUSES[1]


def cause_label(code: str) -> str:
    """「第十七条（二）复审结果不合格的」 for a stored code; other stored text (from an imported
    list) as it is."""
    c = CAUSE_BY_CODE.get(code)
    return f"第十七条{c.label}" if c else code


def in_ban(revoked_on: dt.date | None, on: dt.date) -> bool:
    return revoked_on is not None and on < ban_end(revoked_on)


# --------------------------------------------------------------------------- settings per year


def load_overrides(session: Session) -> dict[int, YearOverride]:
    """The years' holidays a clerk entered (Setting "holidays:{year}"); read by
    ``title_list.load_overrides`` inside the session's transaction."""
    session.flush()
    return title_list.load_overrides(dbapi(session))


def save_override(session: Session, year: int, override: YearOverride | None) -> int:
    """Store (or with None remove) a year's holidays; due dates computed Monday–Friday are then
    computed again. Returns how many open renaming reports got a new due date."""
    for d in (override.holidays | override.workdays) if override else ():
        if d.year != year:
            raise SupervisionError(f"日期 {d.isoformat()} 不在 {year} 年内，请只录入 {year} 年的日期。")
    if override is not None and override.holidays & override.workdays:
        both = sorted(override.holidays & override.workdays)[0]
        raise SupervisionError(f"{both.isoformat()} 既是节假日又是调休上班日，请只保留一种。")
    key = HOLIDAYS_KEY.format(year=year)
    if override is None:
        delete_setting(session, key)
    else:
        set_setting(session, key, override.to_json())
    return refresh_due_dates(session)


def workdays_after(session: Session, start: dt.date, n: int) -> WorkdayResult:
    return add_workdays(start, n, load_overrides(session))


def notice_end(start: dt.date, overrides: Mapping[int, YearOverride] | None = None) -> WorkdayResult:
    """第十一条: the last day of a public notice of 5 working days published on ``start``."""
    return add_workdays(start, NOTICE_WORKDAYS, overrides)


def indicator_due_date(session: Session, year: int) -> dt.date:
    """第十六条: the day the yearly indicators are due in ``year`` (they describe ``year - 1``).
    Setting "indicator_due:{year}", else 15 April (``title_list.indicator_due_date`` inside the
    session's transaction)."""
    session.flush()
    return title_list.indicator_due_date(dbapi(session), year)


def set_indicator_due_date(session: Session, year: int, due: dt.date) -> None:
    if due.year not in (year, year + 1):
        raise SupervisionError(f"{year}年指标报送截止日期应在 {year} 年内，请重新选择日期。")
    set_setting(session, INDICATOR_DUE_KEY.format(year=year), due.isoformat())


# --------------------------------------------------------------------------- titles


def subject_of(title: Title | TitleChange) -> Enterprise | Park | None:
    return title.enterprise if title.enterprise_id is not None else title.park


def _live_title(session: Session, title_id: int) -> Title:
    t = session.get(Title, title_id)
    if t is None or t.deleted_at is not None:
        raise SupervisionError("该称号不存在或已删除，请刷新列表后重试。")
    return t


def add_title(
    session: Session,
    *,
    title_kind: TitleKind,
    year: int,
    enterprise_id: int | None = None,
    park_id: int | None = None,
    doc_number: str = "",
    recognised_on: dt.date | None = None,
    notes: str = "",
) -> Title:
    """A title entered by hand (source "entered"), e.g. one recognised before the program was used."""
    if (enterprise_id is None) == (park_id is None):
        raise SupervisionError("请选择持有称号的企业或园区（只能选一个）。")
    want = SubjectKind.ENTERPRISE if enterprise_id is not None else SubjectKind.PARK
    if title_kind.subject is not want:
        raise SupervisionError(f"「{title_kind.label}」只能授予{title_kind.subject.label}，请重新选择称号或单位。")
    model = Enterprise if enterprise_id is not None else Park
    subject = session.get(model, enterprise_id if enterprise_id is not None else park_id)
    if subject is None or subject.deleted_at is not None:
        raise SupervisionError(f"所选{want.label}不存在或已删除，请先在「{want.label}」页录入。")
    if not 2000 <= year <= 2100:
        raise SupervisionError(f"认定年度 {year} 不合理，请填写 2000–2100 之间的年份。")
    col = Title.enterprise_id if enterprise_id is not None else Title.park_id
    dup = session.scalars(select(Title).where(
        col == subject.id, Title.title_kind == title_kind, Title.year == year, Title.deleted_at.is_(None))).first()
    if dup is not None:
        raise SupervisionError(f"「{subject.name}」已有{year}年「{title_kind.label}」称号，不能重复录入。")
    t = Title(title_kind=title_kind, enterprise_id=enterprise_id, park_id=park_id, year=year,
              doc_number=doc_number.strip()[:60], recognised_on=recognised_on, source="entered",
              state=TitleState.VALID, notes=notes)
    session.add(t)
    session.flush()
    return t


def revoke_title(
    session: Session, title_id: int, *, cause: str, revoked_on: dt.date, doc: str = "", notes: str = ""
) -> Title:
    """第十七条: revoke a title for one of the seven causes (stored as its code 「（一）」…「（七）」).
    The ban of 第十八条 follows from ``revoked_on``."""
    t = _live_title(session, title_id)
    if t.state is TitleState.REVOKED:
        raise SupervisionError(f"该称号已于 {t.revoked_on or '（日期未录入）'} 撤销，无需再次撤销。")
    if cause not in CAUSE_BY_CODE:
        raise SupervisionError("请选择第十七条规定的撤销情形（一）至（七）之一。")
    if revoked_on is None:
        raise SupervisionError("请填写撤销日期（撤销文件的日期）。")
    if t.recognised_on is not None and revoked_on < t.recognised_on:
        raise SupervisionError(f"撤销日期 {revoked_on} 早于认定日期 {t.recognised_on}，请核对。")
    t.state = TitleState.REVOKED
    t.revoked_on = revoked_on
    t.revocation_cause = cause
    t.revocation_doc = doc.strip()[:60]
    line = f"{revoked_on.isoformat()} 依据{cause_label(cause)}撤销" + (f"（{t.revocation_doc}）" if t.revocation_doc else "")
    if notes.strip():
        line += f"：{notes.strip()}"
    t.notes = (t.notes + "\n" if t.notes else "") + line
    session.flush()
    return t


# --------------------------------------------------------------------------- 第十九条 renamings


def change_due(session: Session, completed_on: dt.date) -> WorkdayResult:
    """第十九条: 30 working days after the formalities were completed."""
    return workdays_after(session, completed_on, CHANGE_WORKDAYS)


def record_change(
    session: Session,
    *,
    kind: ChangeKind,
    completed_on: dt.date,
    enterprise_id: int | None = None,
    park_id: int | None = None,
    title_id: int | None = None,
    new_name: str = "",
    reported_on: dt.date | None = None,
    doc: str = "",
    notes: str = "",
    apply_name: bool = True,
) -> TitleChange:
    """Record a renaming or restructuring; the due date is computed (30 working days). A renaming
    with ``apply_name`` renames the enterprise or park through its ordinary save, so the audit log
    shows the old and the new name."""
    from .subjects import save_enterprise, save_park

    if title_id is not None and enterprise_id is None and park_id is None:
        t = _live_title(session, title_id)
        enterprise_id, park_id = t.enterprise_id, t.park_id
    if (enterprise_id is None) == (park_id is None):
        raise SupervisionError("请选择发生更名或重组的企业或园区。")
    model = Enterprise if enterprise_id is not None else Park
    subject = session.get(model, enterprise_id if enterprise_id is not None else park_id)
    if subject is None or subject.deleted_at is not None:
        raise SupervisionError("该单位不存在或已删除，请刷新列表后重试。")
    if completed_on is None:
        raise SupervisionError("请填写相关手续办结日期。")
    new_name = (new_name or "").strip()
    if kind is ChangeKind.RENAME and not new_name:
        raise SupervisionError("更名须填写新名称。")
    if kind is ChangeKind.RENAME and new_name == subject.name:
        raise SupervisionError(f"新名称与现名称「{subject.name}」相同，请核对。")
    if reported_on is not None and reported_on < completed_on:
        raise SupervisionError("上报日期早于手续办结日期，请核对。")
    due = change_due(session, completed_on)
    ch = TitleChange(
        kind=kind, enterprise_id=enterprise_id, park_id=park_id, title_id=title_id,
        completed_on=completed_on, due_on=due.date, due_fallback=due.is_fallback,
        old_name=subject.name, new_name=new_name[:120], reported_on=reported_on, doc=doc.strip()[:60],
        notes=notes,
    )
    session.add(ch)
    if kind is ChangeKind.RENAME and apply_name and new_name:
        note = f"{completed_on.isoformat()} 由「{subject.name}」更名为「{new_name}」（第十九条）"
        values = {"name": new_name[:120], "notes": (subject.notes + "\n" if subject.notes else "") + note}
        if isinstance(subject, Enterprise):
            save_enterprise(session, values, record=subject)
        else:
            save_park(session, values, record=subject)
    session.flush()
    return ch


def mark_change_reported(session: Session, change_id: int, reported_on: dt.date, doc: str = "") -> TitleChange:
    ch = session.get(TitleChange, change_id)
    if ch is None or ch.deleted_at is not None:
        raise SupervisionError("该更名/重组记录不存在或已删除，请刷新列表后重试。")
    if reported_on < ch.completed_on:
        raise SupervisionError("上报日期早于手续办结日期，请核对。")
    ch.reported_on = reported_on
    if doc.strip():
        ch.doc = doc.strip()[:60]
    session.flush()
    return ch


def refresh_due_dates(session: Session) -> int:
    """Compute again the due dates of open renaming reports that were counted Monday–Friday
    (after a clerk entered that year's holidays). Returns how many changed."""
    overrides = load_overrides(session)
    n = 0
    for ch in session.scalars(select(TitleChange).where(
            TitleChange.due_fallback.is_(True), TitleChange.reported_on.is_(None), TitleChange.deleted_at.is_(None))):
        res = add_workdays(ch.completed_on, CHANGE_WORKDAYS, overrides)
        if (res.date, res.is_fallback) != (ch.due_on, ch.due_fallback):
            ch.due_on, ch.due_fallback = res.date, res.is_fallback
            n += 1
    session.flush()
    return n


def fallback_years_open(session: Session) -> frozenset[int]:
    """The years counted Monday–Friday in the due dates of open renaming reports (for the warning)."""
    session.flush()
    return title_list.fallback_years_open(dbapi(session))


def open_changes(session: Session) -> list[TitleChange]:
    return list(session.scalars(select(TitleChange).where(
        TitleChange.reported_on.is_(None), TitleChange.deleted_at.is_(None)).order_by(TitleChange.due_on)))


# --------------------------------------------------------------------------- 第十六条 re-reviews


def _pending_review(session: Session, title_id: int) -> TitleReview | None:
    return session.scalars(select(TitleReview).where(
        TitleReview.title_id == title_id, TitleReview.outcome == ReReviewOutcome.PENDING,
        TitleReview.deleted_at.is_(None))).first()


def schedule_review(session: Session, title_id: int, scheduled_on: dt.date, notes: str = "", doc: str = "") -> TitleReview:
    """Schedule a re-review; the title is 复审中 until its outcome is recorded."""
    t = _live_title(session, title_id)
    if t.state is TitleState.REVOKED:
        raise SupervisionError("该称号已撤销，不能安排复审。")
    if _pending_review(session, title_id) is not None:
        raise SupervisionError("该称号已有待复审的安排，请先录入那次复审的结果。")
    if scheduled_on is None:
        raise SupervisionError("请填写复审日期。")
    r = TitleReview(title_id=title_id, scheduled_on=scheduled_on, outcome=ReReviewOutcome.PENDING,
                    doc=doc.strip()[:60], notes=notes)
    session.add(r)
    t.state = TitleState.UNDER_REVIEW
    session.flush()
    return r


def record_review_result(
    session: Session, review_id: int, *, outcome: ReReviewOutcome, held_on: dt.date, doc: str = "", notes: str = ""
) -> TitleReview:
    """The outcome of a re-review. Passed: the title is 有效 again. Failed: it stays 复审中 until
    it is revoked for 第十七条（二） (the window offers that at once)."""
    r = session.get(TitleReview, review_id)
    if r is None or r.deleted_at is not None:
        raise SupervisionError("该复审记录不存在或已删除，请刷新列表后重试。")
    if outcome is ReReviewOutcome.PENDING:
        raise SupervisionError("请选择复审结果：通过或不通过。")
    if held_on is None:
        raise SupervisionError("请填写复审完成日期。")
    r.outcome = outcome
    r.held_on = held_on
    if doc.strip():
        r.doc = doc.strip()[:60]
    if notes.strip():
        r.notes = (r.notes + "\n" if r.notes else "") + notes.strip()
    t = session.get(Title, r.title_id)
    if t is not None and t.state is not TitleState.REVOKED:
        t.state = TitleState.VALID if outcome is ReReviewOutcome.PASSED else TitleState.UNDER_REVIEW
    session.flush()
    return r


def reviews_of(session: Session, title_id: int) -> list[TitleReview]:
    return list(session.scalars(select(TitleReview).where(
        TitleReview.title_id == title_id, TitleReview.deleted_at.is_(None)).order_by(TitleReview.scheduled_on)))


# --------------------------------------------------------------------------- 第十六条 yearly indicators

@dataclass
class IndicatorStatus:
    """One holder's report for one year: reported or not, and which key indicators got worse."""

    subject: SubjectRef
    name: str
    reported: bool
    worse: list[str] = field(default_factory=list)  # labels of indicators worse than the year before

    @property
    def label(self) -> str:
        if not self.reported:
            return "未报"
        return "指标下降⚠" if self.worse else "已报"


def indicator_holders(session: Session, year: int) -> dict[SubjectRef, str]:
    """The units that owe the yearly indicators due in ``year``: they hold a green factory or park
    title recognised before ``year`` that is not revoked. → subject → name."""
    q = (select(Title.enterprise_id, Title.park_id, Enterprise.name, Park.name)
         .outerjoin(Enterprise, Enterprise.id == Title.enterprise_id)
         .outerjoin(Park, Park.id == Title.park_id)
         .where(Title.deleted_at.is_(None), Title.state != TitleState.REVOKED, Title.year < year,
                Title.title_kind.in_(list(INDICATOR_TITLE_KINDS))))
    out: dict[SubjectRef, str] = {}
    for ent, park, ename, pname in session.execute(q):
        out[_ref(ent, park)] = ename if ent is not None else pname
    return out


def indicator_status(
    session: Session, year: int, catalogue: Mapping[str, Any] | None = None
) -> dict[SubjectRef, IndicatorStatus]:
    """第十六条: for each holder owing the indicators due in ``year`` (data of ``year - 1``):
    reported or not, and the key indicators worse than the year before. ``catalogue``: key → an
    object with ``better`` ("lower"/"higher"/"") and ``label`` (forms.rules.loader.indicator_defs).
    The comparing is ``title_list.indicator_report_status`` (SQLite, on the covering indexes of
    migration 0006) inside the session's transaction; the 称号监管 tab reads the same."""
    holders = indicator_holders(session, year)
    session.flush()
    status = title_list.indicator_report_status(dbapi(session), year, catalogue)
    out = {}
    for ref, name in holders.items():
        reported, worse = status.get(ref, (False, []))
        out[ref] = IndicatorStatus(ref, name, reported, list(worse))
    return out


def missing_reports(session: Session, year: int) -> list[IndicatorStatus]:
    """Holders that have not filed the indicators due in ``year``, by name."""
    return sorted((s for s in indicator_status(session, year).values() if not s.reported), key=lambda s: s.name)


# --------------------------------------------------------------------------- what is due


@dataclass(frozen=True)
class DueItem:
    due: dt.date
    what: str
    subject: str
    title_id: int | None
    article: str
    overdue: bool


def _names(session: Session) -> tuple[dict[int, str], dict[int, str]]:
    ents = dict(session.execute(select(Enterprise.id, Enterprise.name)).all())
    parks = dict(session.execute(select(Park.id, Park.name)).all())
    return ents, parks


def due_items(session: Session, today: dt.date, days: int = 30) -> list[DueItem]:
    """Everything due in [today, today + days] and everything overdue and not done: renaming and
    restructuring reports (第十九条), missing yearly indicator reports (第十六条), scheduled
    re-reviews (第十六条), bans ending (第十八条, never overdue). Sorted by due date."""
    horizon = today + dt.timedelta(days=days)
    ents, parks = _names(session)

    def name(ent: int | None, park: int | None) -> str:
        return ents.get(ent, "") if ent is not None else parks.get(park, "")  # type: ignore[arg-type]

    items: list[DueItem] = []
    for ch in open_changes(session):
        if ch.due_on > horizon:
            continue
        what = f"{ch.kind.label}上报市经济信息委（{ch.completed_on.isoformat()} 办结）"
        items.append(DueItem(ch.due_on, what, name(ch.enterprise_id, ch.park_id), ch.title_id, "第十九条",
                             ch.due_on < today))
    q = (select(TitleReview.scheduled_on, TitleReview.title_id, Title.enterprise_id, Title.park_id, Title.title_kind)
         .join(Title, Title.id == TitleReview.title_id)
         .where(TitleReview.outcome == ReReviewOutcome.PENDING, TitleReview.deleted_at.is_(None),
                Title.deleted_at.is_(None), Title.state != TitleState.REVOKED, TitleReview.scheduled_on <= horizon))
    for on, title_id, ent, park, kind in session.execute(q):
        items.append(DueItem(on, f"「{kind.label}」复审", name(ent, park), title_id, "第十六条", on < today))
    for year in sorted({today.year, horizon.year}):
        due = indicator_due_date(session, year)
        if due > horizon:
            continue
        for st in missing_reports(session, year):
            items.append(DueItem(due, f"报送{year - 1}年度绿色制造关键指标", st.name, None, "第十六条", due < today))
    q2 = (select(Title.id, Title.revoked_on, Title.enterprise_id, Title.park_id, Title.title_kind)
          .where(Title.state == TitleState.REVOKED, Title.revoked_on.is_not(None), Title.deleted_at.is_(None),
                 Title.revoked_on <= add_years(horizon, -BAN_YEARS) + dt.timedelta(days=1),
                 Title.revoked_on >= add_years(today, -BAN_YEARS) - dt.timedelta(days=1)))
    for title_id, revoked_on, ent, park, kind in session.execute(q2):
        end = ban_end(revoked_on)
        if today <= end <= horizon:
            items.append(DueItem(end, f"「{kind.label}」撤销满三年，可重新申报", name(ent, park), title_id,
                                 "第十八条", False))
    items.sort(key=lambda i: (i.due, i.subject, i.what))
    return items


# --------------------------------------------------------------------------- the titles table


def title_rows(
    session: Session, today: dt.date, *, round_year: int | None = None, catalogue: Mapping[str, Any] | None = None
) -> list[TitleRow]:
    """One row per live title, with its indicator report of ``round_year`` (default: this year),
    its ban, and what is to be done: ``title_list.title_rows`` (plain SQL) inside the session's
    transaction."""
    session.flush()
    return title_list.title_rows(dbapi(session), today, round_year=round_year, catalogue=catalogue)


def subject_ban(
    session: Session, today: dt.date, *, enterprise_id: int | None = None, park_id: int | None = None
) -> tuple[dt.date, Title] | None:
    """第十八条: the latest-ending ban on a subject still running on ``today`` (until, title), or None."""
    col = Title.enterprise_id if enterprise_id is not None else Title.park_id
    sid = enterprise_id if enterprise_id is not None else park_id
    if sid is None:
        return None
    best: tuple[dt.date, Title] | None = None
    for t in session.scalars(select(Title).where(col == sid, Title.state == TitleState.REVOKED,
                                                 Title.revoked_on.is_not(None), Title.deleted_at.is_(None))):
        end = ban_end(t.revoked_on)  # type: ignore[arg-type]
        if end > today and (best is None or end > best[0]):
            best = (end, t)
    return best


def ban_text(until: dt.date, title: Title) -> str:
    """「2027-03-12前不得申报（市级绿色工厂称号于2024-03-12撤销，第十七条（二）…；第十八条）」"""
    cause = cause_label(title.revocation_cause)
    return (f"{until.isoformat()}前不得申报（{title.title_kind.label}称号于{title.revoked_on.isoformat() if title.revoked_on else ''}"
            f"撤销{('，' + cause) if cause else ''}{('，' + title.revocation_doc) if title.revocation_doc else ''}；第十八条）")
