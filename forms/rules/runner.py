"""Running the checks on one application, a list, a year or a batch, and storing the results.

Qt-free: progress goes to a plain callable ``progress(done, total, text)`` and cancelling is
asked of ``should_stop() -> bool`` (the window passes ``desktop.tasks.Progress.report`` and
``lambda: progress.cancelled``). A cancelled run stores nothing. Data for many applications is
read in a few queries per chunk (models.review_facts), the results are written in bulk
(models.review_service.store_check_runs), one row per application.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from models.entities import Application, Batch
from models.review import Material, Outcome, worst_outcome
from models.review_facts import ApplicationFacts, gc_paused, load_context, load_facts, override_outcomes
from models.review_service import store_check_runs
from models.stages import Stage

from .engine import RuleResult, evaluate
from .loader import RuleSet, load_rule_sets, rule_set_for

ProgressFn = Callable[[int, int, str], None]
StopFn = Callable[[], bool]

#: the stages whose applications a year or batch run checks by default (materials received,
#: decision not yet final)
REVIEW_STAGES: tuple[Stage, ...] = (Stage.APPLIED, Stage.UNDER_REVIEW, Stage.RECOMMENDED)


class RunError(ValueError):
    """A run that cannot start (unknown batch …); ``str()`` says why in Chinese."""


@dataclass
class AppOutcome:
    """The results of one application in a run (after the people's overrides)."""

    application_id: int
    name: str
    rule_set: RuleSet
    results: list[RuleResult]
    overridden: dict[str, Outcome] = field(default_factory=dict)

    def final(self, r: RuleResult) -> Outcome:
        return self.overridden.get(r.rule_id, r.outcome)

    @property
    def worst(self) -> Outcome | None:
        return worst_outcome(self.final(r) for r in self.results)


@dataclass
class RunSummary:
    """What a run did. ``skipped``: (application id, reason) for those without a rule set."""

    as_of: dt.date
    total: int = 0
    outcomes: list[AppOutcome] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)
    cancelled: bool = False
    stored: bool = False

    @property
    def checked(self) -> int:
        return len(self.outcomes)

    def worst_counts(self) -> dict[Outcome, int]:
        """How many applications have each worst outcome."""
        c = {o: 0 for o in Outcome}
        for a in self.outcomes:
            if a.worst is not None:
                c[a.worst] += 1
        return c

    def text(self) -> str:
        """A one-paragraph Chinese summary for a message box or the command line."""
        if self.cancelled:
            return "检查已取消，未保存任何结果。"
        parts = [f"{o.label} {n} 个" for o, n in self.worst_counts().items() if n]
        s = f"共检查 {self.checked} 个申报" + (f"（按最严重结果：{'，'.join(parts)}）" if parts else "")
        if self.skipped:
            s += f"；{len(self.skipped)} 个申报没有适用的规则集，未检查"
        return s + "。"


def select_applications(
    session: Session,
    *,
    year: int | None = None,
    batch_id: int | None = None,
    stages: Sequence[Stage] | None = REVIEW_STAGES,
) -> list[int]:
    """Ids of the live applications of a year and/or batch in ``stages`` (None: every stage).
    An unknown or deleted batch raises RunError."""
    if batch_id is not None:
        b = session.get(Batch, batch_id)
        if b is None or b.deleted_at is not None:
            raise RunError(f"推荐批次（编号 {batch_id}）不存在或已删除。")
    q = select(Application.id).where(Application.deleted_at.is_(None))
    if year is not None:
        q = q.where(Application.year == year)
    if batch_id is not None:
        q = q.where(Application.batch_id == batch_id)
    if stages is not None:
        q = q.where(Application.stage.in_(list(stages)))
    return list(session.scalars(q.order_by(Application.id)))


def evaluate_applications(
    session: Session,
    application_ids: Sequence[int],
    *,
    files_dir: Path | None,
    as_of: dt.date | None = None,
    verify_files: bool = True,
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
    chunk_size: int = 1000,
    rule_sets: tuple[RuleSet, ...] | None = None,
) -> tuple[RunSummary, dict[int, int]]:
    """Evaluate without writing results. Returns the summary and the stored-file times to
    refresh (material id → mtime_ns) found by the quick file check."""
    as_of = as_of or dt.date.today()
    ids = list(dict.fromkeys(application_ids))
    summary = RunSummary(as_of=as_of, total=len(ids))
    sets = rule_sets if rule_sets is not None else load_rule_sets()
    years: set[int] = set()
    for i in range(0, len(ids), 900):
        part = ids[i:i + 900]
        lo, hi = min(part), max(part)
        if hi - lo + 1 <= 2 * len(part):  # dense ids (a year, a batch): one range, no long IN list
            keep = set(part)
            years.update(y for a, y in session.execute(
                select(Application.id, Application.year).where(Application.id.between(lo, hi))) if a in keep)
        else:
            years.update(session.scalars(select(Application.year).where(Application.id.in_(part)).distinct()))
    ctx = load_context(session, years)
    refreshed: dict[int, int] = {}
    done = 0
    if progress is not None:
        progress(0, len(ids), "正在读取申报数据……")
    set_for: dict[tuple, RuleSet | None] = {}  # (title, year) → rule set, looked up once per run
    outcomes, skipped = summary.outcomes, summary.skipped
    # tens of thousands of small objects, none in cycles: see review_facts.gc_paused. Each chunk's
    # facts are dropped before the collector is back, so it only ever looks at the results.
    with gc_paused():
        for start in range(0, len(ids), chunk_size):
            if should_stop is not None and should_stop():
                summary.cancelled = True
                return summary, {}
            chunk = ids[start:start + chunk_size]
            last = _evaluate_chunk(session, chunk, ctx, sets, set_for, as_of, files_dir, verify_files, summary,
                                   refreshed)
            done += len(chunk)
            if progress is not None:
                progress(done, len(ids), f"已检查 {done}/{len(ids)} 个申报" + (f"：{last}" if last else ""))
    return summary, refreshed


def _evaluate_chunk(session: Session, chunk: Sequence[int], ctx, sets, set_for: dict, as_of: dt.date,
                    files_dir: Path | None, verify_files: bool, summary: RunSummary, refreshed: dict[int, int]) -> str:
    """Evaluate one chunk into ``summary``; returns the last subject's name (for the progress)."""
    outcomes, skipped = summary.outcomes, summary.skipped
    facts = load_facts(session, chunk, ctx, files_dir=files_dir, verify_files=verify_files)
    overrides = override_outcomes(session, chunk)
    seen = set()
    for f in facts:
        seen.add(f.id)
        key = (f.title_kind, f.year)
        try:
            rs = set_for[key]
        except KeyError:
            rs = set_for[key] = rule_set_for(f.title_kind, f.year, sets)
        if rs is None:
            skipped.append((f.id, f"没有适用于{f.year}年度「{f.title_kind.label}」的规则集"))
            continue
        results = evaluate(rs, f, as_of)
        ov = overrides.get(f.id)
        outcomes.append(AppOutcome(f.id, f.subject.name, rs, results, dict(ov) if ov else {}))
        if f.refreshed_mtimes:
            refreshed.update(f.refreshed_mtimes)
    for missing_id in chunk:
        if missing_id not in seen:
            skipped.append((missing_id, "申报不存在或已删除"))
    return facts[-1].subject.name if facts else ""


def run_checks_in(
    session: Session,
    files_dir: Path | None,
    application_ids: Sequence[int],
    *,
    as_of: dt.date | None = None,
    user: str | None = None,
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
    verify_files: bool = True,
    chunk_size: int = 1000,
) -> RunSummary:
    """Evaluate and store in the caller's session (the caller commits). Cancelled: nothing
    is written."""
    summary, refreshed = evaluate_applications(
        session, application_ids, files_dir=files_dir, as_of=as_of, verify_files=verify_files,
        progress=progress, should_stop=should_stop, chunk_size=chunk_size,
    )
    if summary.cancelled:
        return summary
    store_check_runs(session, [
        {"application_id": a.application_id, "rule_set": a.rule_set.id, "rule_set_name": a.rule_set.name,
         "as_of": summary.as_of, "results": [r.as_dict() for r in a.results]}
        for a in summary.outcomes
    ], user=user)
    if refreshed:
        t = Material.__table__
        session.execute(
            update(t).where(t.c.id == bindparam("b_id")).values(stored_mtime_ns=bindparam("b_mtime")),
            [{"b_id": k, "b_mtime": v} for k, v in refreshed.items()],
        )
    summary.stored = True
    return summary


def run_checks(
    db,
    application_ids: Iterable[int],
    *,
    as_of: dt.date | None = None,
    user: str | None = None,
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
    verify_files: bool = True,
    chunk_size: int = 1000,
) -> RunSummary:
    """Run the checks on ``application_ids`` and store the results in one transaction
    (``db``: models.db.Database). All or nothing: a cancelled or failed run stores nothing."""
    with db.uow() as uow:
        summary = run_checks_in(
            uow.session, db.files_dir, list(application_ids), as_of=as_of, user=user, progress=progress,
            should_stop=should_stop, verify_files=verify_files, chunk_size=chunk_size,
        )
        if summary.stored:
            uow.commit()
    return summary


def facts_for(session: Session, application_id: int, *, files_dir: Path | None = None) -> ApplicationFacts | None:
    """The facts of one application as the checks see them (for a detail view or a test)."""
    app = session.get(Application, application_id)
    if app is None:
        return None
    ctx = load_context(session, [app.year])
    found = load_facts(session, [application_id], ctx, files_dir=files_dir, verify_files=files_dir is not None)
    return found[0] if found else None
