"""Everything the checks need to know about many applications, read in a few queries.

``load_facts(session, ids, context)`` returns one :class:`ApplicationFacts` per application:
plain frozen data (no ORM objects, no lazy loading), so the rule engine in ``forms.rules`` runs
on it without the database and unit tests build it by hand. ``load_context(session, years)``
reads what is shared by a whole run (evaluators, the watch list, evaluator loads per batch,
park memberships) once.

Stored files are checked here too (``filestore.quick_verify``: one ``stat`` per file, a hash only
when size or time changed); the times of files found unchanged after a rehash come back in
``ApplicationFacts.refreshed_mtimes`` for the caller to store.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import filestore
from .entities import Application, Batch, Enterprise, Park, Title, TitleState
from .review import Certificate, Evaluator, Indicator, Material, MaterialStatus, ThirdPartyReport, WatchlistEntry
from .stages import Stage, SubjectKind, TitleKind

_NAME_NOISE = re.compile(r"[\s\u3000()（）\[\]【】〔〕]+")


@lru_cache(maxsize=65536)
def identity_key(name: str | None) -> str:
    """A name for equality checks: brackets and spaces dropped, full-width ASCII folded.
    (Unlike exports.names.normalise_name it keeps 有限责任公司 ≠ 有限公司: the legal name differs.)"""
    text = "".join(chr(ord(c) - 0xFEE0) if 0xFF01 <= ord(c) <= 0xFF5E else c for c in (name or ""))
    return _NAME_NOISE.sub("", text).upper()


# --------------------------------------------------------------------------- the facts


@dataclass(frozen=True, slots=True)
class SubjectFacts:
    kind: SubjectKind
    id: int
    name: str
    credit_code: str = ""
    credit_code_override: str = ""
    district_code: str = ""
    industry_code: str = ""
    park_id: int | None = None
    park_type: str = ""
    approval_level: str = ""
    managing_body: str = ""
    green_staff_count: int | None = None
    founded_on: dt.date | None = None


@dataclass(frozen=True, slots=True)
class MaterialFacts:
    """One live material as the checks see it (load_facts leaves ``file_type``, ``page_count``
    and ``received_on`` empty: no check reads them)."""

    id: int
    item_key: str
    original_name: str
    sha256: str
    size: int
    file_type: str = ""
    page_count: int | None = None
    status: MaterialStatus = MaterialStatus.RECEIVED
    status_reason: str = ""
    read_error: str = ""
    received_on: dt.date | None = None
    integrity: str = "ok"  # ok / missing / changed / unchecked
    declared_name: str = ""
    declared_credit_code: str = ""


@dataclass(frozen=True, slots=True)
class ReportFacts:
    id: int
    evaluator_id: int | None = None
    evaluator_name: str = ""
    report_no: str = ""
    report_date: dt.date | None = None
    standard: str = ""
    basic_requirements_met: bool | None = None
    score: Decimal | None = None
    highlights: str = ""
    self_evaluation_date: dt.date | None = None
    subject_name: str = ""
    subject_credit_code: str = ""


@dataclass(frozen=True, slots=True)
class CertificateFacts:
    id: int
    kind: str
    number: str = ""
    issuer: str = ""
    issued_on: dt.date | None = None
    expires_on: dt.date | None = None
    standard: str = ""


@dataclass(frozen=True, slots=True)
class TitleFacts:
    id: int
    title_kind: TitleKind
    year: int
    state: TitleState
    revoked_on: dt.date | None = None
    doc_number: str = ""
    revocation_doc: str = ""
    application_id: int | None = None


@dataclass(frozen=True, slots=True)
class EvaluatorFacts:
    id: int
    name: str
    credit_code: str = ""
    list_years: frozenset[int] = frozenset()
    disqualified_on: dt.date | None = None
    disqualified_reason: str = ""


@dataclass(frozen=True, slots=True)
class WatchHit:
    list_name: str
    name: str
    credit_code: str = ""
    listed_on: dt.date | None = None
    until: dt.date | None = None
    source: str = ""


@dataclass(frozen=True, slots=True)
class ApplicationFacts:
    """One application with everything its checks read."""

    id: int
    year: int
    title_kind: TitleKind
    subject: SubjectFacts
    stage: Stage = Stage.APPLIED
    batch_id: int | None = None
    batch_name: str = ""
    materials: tuple[MaterialFacts, ...] = ()
    report: ReportFacts | None = None
    evaluator: EvaluatorFacts | None = None
    certificates: tuple[CertificateFacts, ...] = ()
    indicators: dict[tuple[int, str], Decimal] = field(default_factory=dict)
    titles: tuple[TitleFacts, ...] = ()
    duplicates: tuple[tuple[int, Stage], ...] = ()
    watch_hits: tuple[WatchHit, ...] = ()
    watchlist_size: int = 0
    listing_years: frozenset[int] = frozenset()
    evaluator_load: int = 0
    evaluator_group: str = ""
    park_enterprises: int = 0
    park_titles: dict[int, frozenset[TitleKind]] = field(default_factory=dict)
    refreshed_mtimes: dict[int, int] = field(default_factory=dict)

    def materials_of(self, item_key: str) -> list[MaterialFacts]:
        return [m for m in self.materials if m.item_key == item_key]

    def indicator(self, year: int, key: str) -> Decimal | None:
        return self.indicators.get((year, key))


# --------------------------------------------------------------------------- shared context


@dataclass
class RunContext:
    """What one check run shares between its applications (read once)."""

    evaluators: dict[int, EvaluatorFacts] = field(default_factory=dict)
    evaluators_by_name: dict[str, int] = field(default_factory=dict)
    listing_years: frozenset[int] = frozenset()
    watch_by_code: dict[str, list[WatchHit]] = field(default_factory=lambda: defaultdict(list))
    watch_by_name: dict[str, list[WatchHit]] = field(default_factory=lambda: defaultdict(list))
    watchlist_size: int = 0
    #: (group key, evaluator key) → application ids
    evaluator_loads: dict[tuple, set[int]] = field(default_factory=lambda: defaultdict(set))
    batch_names: dict[int, str] = field(default_factory=dict)
    park_members: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    enterprise_titles: dict[int, frozenset[TitleKind]] = field(default_factory=dict)

    def evaluator_for(self, evaluator_id: int | None, name: str) -> EvaluatorFacts | None:
        if evaluator_id is not None and evaluator_id in self.evaluators:
            return self.evaluators[evaluator_id]
        found = self.evaluators_by_name.get(identity_key(name)) if name else None
        return self.evaluators.get(found) if found is not None else None


def _group_key(batch_id: int | None, year: int, title_kind: TitleKind) -> tuple:
    return ("batch", batch_id) if batch_id is not None else ("year", year, title_kind)


def _evaluator_key(ctx: RunContext, evaluator_id: int | None, name: str) -> object:
    ev = ctx.evaluator_for(evaluator_id, name)
    return ("id", ev.id) if ev is not None else ("name", identity_key(name))


def load_context(session: Session, years: Iterable[int], *, with_parks: bool = True) -> RunContext:
    """Read what a run over applications of ``years`` shares: a handful of queries."""
    ctx = RunContext()
    years = sorted(set(years))
    run = session.connection().execute  # Core execution: plain rows, no ORM result processing
    for e in run(
        select(Evaluator.id, Evaluator.name, Evaluator.credit_code, Evaluator.list_years,
               Evaluator.disqualified_on, Evaluator.disqualified_reason).where(Evaluator.deleted_at.is_(None))
    ).all():
        ev = EvaluatorFacts(e[0], e[1], e[2] or "", frozenset(int(y) for y in (e[3] or [])), e[4], e[5] or "")
        ctx.evaluators[ev.id] = ev
        ctx.evaluators_by_name.setdefault(identity_key(ev.name), ev.id)
    ctx.listing_years = frozenset(y for ev in ctx.evaluators.values() for y in ev.list_years)

    for w in run(
        select(WatchlistEntry.list_name, WatchlistEntry.name, WatchlistEntry.credit_code, WatchlistEntry.listed_on,
               WatchlistEntry.until, WatchlistEntry.source).where(WatchlistEntry.deleted_at.is_(None))
    ).all():
        hit = WatchHit(w[0] or "", w[1] or "", w[2] or "", w[3], w[4], w[5] or "")
        ctx.watchlist_size += 1
        if hit.credit_code:
            ctx.watch_by_code[hit.credit_code.upper()].append(hit)
        if hit.name:
            ctx.watch_by_name[identity_key(hit.name)].append(hit)

    ctx.batch_names = dict(run(select(Batch.id, Batch.name)).all())
    if years:
        q = (
            select(Application.id, Application.batch_id, Application.year, Application.title_kind,
                   ThirdPartyReport.evaluator_id, ThirdPartyReport.evaluator_name)
            .join(ThirdPartyReport, ThirdPartyReport.application_id == Application.id)
            .where(Application.deleted_at.is_(None), ThirdPartyReport.deleted_at.is_(None),
                   Application.year.in_(years))
        )
        for app_id, batch_id, year, kind, ev_id, ev_name in run(q).all():
            ctx.evaluator_loads[(_group_key(batch_id, year, kind), _evaluator_key(ctx, ev_id, ev_name or ""))].add(app_id)

    if with_parks:
        for ent_id, park_id in run(
            select(Enterprise.id, Enterprise.park_id).where(Enterprise.deleted_at.is_(None), Enterprise.park_id.is_not(None))
        ).all():
            ctx.park_members[park_id].append(ent_id)
        titled: dict[int, set[TitleKind]] = defaultdict(set)
        for ent_id, kind in run(
            select(Title.enterprise_id, Title.title_kind).where(
                Title.deleted_at.is_(None), Title.enterprise_id.is_not(None),
                Title.state.in_([TitleState.VALID, TitleState.UNDER_REVIEW]),
            )
        ).all():
            titled[ent_id].add(kind)
        ctx.enterprise_titles = {k: frozenset(v) for k, v in titled.items()}
    return ctx


# --------------------------------------------------------------------------- per application


def _chunks(seq: Sequence[int], n: int = 900) -> Iterable[Sequence[int]]:
    for i in range(0, len(seq), n):
        yield seq[i:i + n]


def _rows_by_ids(run, columns: Sequence[Any], key: Any, ids: Iterable[int], *where: Any) -> Iterable[Any]:
    """Rows of ``select(*columns)`` whose ``key`` column (selected first) is one of ``ids``.

    Dense ids (the usual bulk run over a year) are read with one BETWEEN range per 900 ids and
    filtered here, which spares SQLite and SQLAlchemy a long IN list; sparse ids use IN lists
    of 900 (under SQLite's parameter limit)."""
    for chunk in _chunks(sorted(set(ids))):
        lo, hi = chunk[0], chunk[-1]
        if hi - lo + 1 <= 2 * len(chunk):
            keep = set(chunk)
            for r in run(select(*columns).where(key.between(lo, hi), *where)).all():  # fetchall: not row by row
                if r[0] in keep:
                    yield r
        else:
            yield from run(select(*columns).where(key.in_(chunk), *where)).all()


def load_facts(
    session: Session,
    application_ids: Sequence[int],
    ctx: RunContext,
    *,
    files_dir: Path | None = None,
    verify_files: bool = True,
) -> list[ApplicationFacts]:
    """The facts of ``application_ids`` (in that order; unknown or deleted ids are left out).

    About a dozen queries whatever the number of applications. With ``verify_files`` every
    stored file is stat-ed (and rehashed only when its size or time changed); without it,
    integrity is ``unchecked``.
    """
    ids = list(dict.fromkeys(application_ids))
    run = session.connection().execute  # Core execution: plain rows, no ORM result processing
    apps: dict[int, tuple] = {
        r[0]: tuple(r) for r in _rows_by_ids(
            run, (Application.id, Application.year, Application.title_kind, Application.stage, Application.batch_id,
                  Application.enterprise_id, Application.park_id),
            Application.id, ids, Application.deleted_at.is_(None))
    }
    ent_ids = {a[5] for a in apps.values() if a[5] is not None}
    park_ids = {a[6] for a in apps.values() if a[6] is not None}
    years = sorted({a[1] for a in apps.values()})
    first_year = years[0] - 5 if years else 0

    enterprises: dict[int, SubjectFacts] = {
        e[0]: SubjectFacts(SubjectKind.ENTERPRISE, e[0], e[1], e[2] or "", e[3] or "", e[4] or "", e[5] or "", e[6],
                           founded_on=e[7])
        for e in _rows_by_ids(
            run, (Enterprise.id, Enterprise.name, Enterprise.credit_code, Enterprise.credit_code_override,
                  Enterprise.district_code, Enterprise.industry_code, Enterprise.park_id, Enterprise.founded_on),
            Enterprise.id, ent_ids)
    }
    parks: dict[int, SubjectFacts] = {
        p[0]: SubjectFacts(SubjectKind.PARK, p[0], p[1], p[2] or "", "", p[3] or "", "", None, park_type=p[4] or "",
                           approval_level=p[5] or "", managing_body=p[6] or "", green_staff_count=p[7])
        for p in _rows_by_ids(
            run, (Park.id, Park.name, Park.credit_code, Park.district_code, Park.park_type, Park.approval_level,
                  Park.managing_body, Park.green_staff_count),
            Park.id, park_ids)
    }

    materials: dict[int, list[MaterialFacts]] = defaultdict(list)
    refreshed: dict[int, dict[int, int]] = defaultdict(dict)
    check = verify_files and files_dir is not None
    store = str(files_dir) if files_dir is not None else ""
    for m in _rows_by_ids(
        run, (Material.application_id, Material.id, Material.item_key, Material.original_name, Material.sha256,
              Material.size, Material.status, Material.status_reason, Material.read_error, Material.stored_mtime_ns,
              Material.declared_name, Material.declared_credit_code),
        Material.application_id, apps, Material.deleted_at.is_(None),
    ):
        integrity = "unchecked"
        if check:
            res = filestore.quick_verify(store, m[4], m[5], m[9])
            integrity = res.state
            if res.state == "ok" and res.mtime_ns is not None and res.mtime_ns != m[9]:
                refreshed[m[0]][m[1]] = res.mtime_ns
        materials[m[0]].append(MaterialFacts(  # positional: 20,000 of these in a big run
            m[1], m[2], m[3], m[4], m[5], "", None, m[6], m[7] or "", m[8] or "", None, integrity, m[10] or "",
            m[11] or "",
        ))
    for lst in materials.values():
        lst.sort(key=lambda x: x.id)

    reports: dict[int, ReportFacts] = {}
    newest: dict[int, int] = {}
    for r in _rows_by_ids(
        run, (ThirdPartyReport.application_id, ThirdPartyReport.id, ThirdPartyReport.evaluator_id,
              ThirdPartyReport.evaluator_name, ThirdPartyReport.report_no, ThirdPartyReport.report_date,
              ThirdPartyReport.standard, ThirdPartyReport.basic_requirements_met, ThirdPartyReport.score,
              ThirdPartyReport.highlights, ThirdPartyReport.self_evaluation_date, ThirdPartyReport.subject_name,
              ThirdPartyReport.subject_credit_code),
        ThirdPartyReport.application_id, apps, ThirdPartyReport.deleted_at.is_(None),
    ):
        if r[1] > newest.get(r[0], 0):  # the newest live report wins
            newest[r[0]] = r[1]
            reports[r[0]] = ReportFacts(r[1], r[2], r[3] or "", r[4] or "", r[5], r[6] or "", r[7], r[8], r[9] or "",
                                        r[10], r[11] or "", r[12] or "")

    def per_subject(columns, ent_col, park_col, *where):
        """(by enterprise id, by park id) → rows, for the subjects of these applications."""
        by_ent: dict[int, list] = defaultdict(list)
        by_park: dict[int, list] = defaultdict(list)
        for r in _rows_by_ids(run, (ent_col, *columns), ent_col, ent_ids, *where):
            by_ent[r[0]].append(r)
        for r in _rows_by_ids(run, (park_col, *columns), park_col, park_ids, *where):
            by_park[r[0]].append(r)
        return by_ent, by_park

    certs_e, certs_p = per_subject(
        (Certificate.id, Certificate.kind, Certificate.number, Certificate.issuer, Certificate.issued_on,
         Certificate.expires_on, Certificate.standard),
        Certificate.enterprise_id, Certificate.park_id, Certificate.deleted_at.is_(None))
    ind_e, ind_p = per_subject(
        (Indicator.year, Indicator.key, Indicator.value), Indicator.enterprise_id, Indicator.park_id,
        Indicator.deleted_at.is_(None), Indicator.year >= first_year)
    titles_e, titles_p = per_subject(
        (Title.id, Title.title_kind, Title.year, Title.state, Title.revoked_on, Title.doc_number,
         Title.revocation_doc, Title.application_id),
        Title.enterprise_id, Title.park_id, Title.deleted_at.is_(None))
    sibs_e, sibs_p = per_subject(
        (Application.id, Application.year, Application.title_kind, Application.stage),
        Application.enterprise_id, Application.park_id, Application.deleted_at.is_(None), Application.year.in_(years))

    out: list[ApplicationFacts] = []
    for app_id in ids:
        a = apps.get(app_id)
        if a is None:
            continue
        _, year, kind, stage, batch_id, ent_id, park_id = a
        if ent_id is not None:
            subject = enterprises.get(ent_id)
            certs, inds, titles, sibs = certs_e[ent_id], ind_e[ent_id], titles_e[ent_id], sibs_e[ent_id]
        else:
            subject = parks.get(park_id)
            certs, inds, titles, sibs = certs_p[park_id], ind_p[park_id], titles_p[park_id], sibs_p[park_id]
        if subject is None:
            continue
        report = reports.get(app_id)
        evaluator = ctx.evaluator_for(report.evaluator_id, report.evaluator_name) if report else None
        load, group = 0, ""
        if report is not None:
            gk = _group_key(batch_id, year, kind)
            load = len(ctx.evaluator_loads.get((gk, _evaluator_key(ctx, report.evaluator_id, report.evaluator_name)), ()))
            group = (f"推荐批次「{ctx.batch_names.get(batch_id, batch_id)}」" if batch_id is not None
                     else f"{year}年度{kind.label}（未分批次）")
        hits: list[WatchHit] = []
        if subject.credit_code:
            hits.extend(ctx.watch_by_code.get(subject.credit_code.upper(), ()))
        for h in ctx.watch_by_name.get(identity_key(subject.name), ()):
            if h not in hits:
                hits.append(h)
        park_titles: dict[int, frozenset[TitleKind]] = {}
        members = 0
        if subject.kind is SubjectKind.PARK:
            member_ids = ctx.park_members.get(subject.id, [])
            members = len(member_ids)
            park_titles = {e: ctx.enterprise_titles[e] for e in member_ids if e in ctx.enterprise_titles}
        out.append(ApplicationFacts(
            id=app_id, year=year, title_kind=kind, subject=subject, stage=stage, batch_id=batch_id,
            batch_name=ctx.batch_names.get(batch_id, "") if batch_id is not None else "",
            materials=tuple(materials.get(app_id, ())),
            report=report, evaluator=evaluator,
            certificates=tuple(CertificateFacts(c[1], c[2].value, c[3] or "", c[4] or "", c[5], c[6], c[7] or "")
                               for c in certs),
            indicators={(r[1], r[2]): r[3] for r in inds},
            titles=tuple(TitleFacts(t[1], t[2], t[3], t[4], t[5], t[6] or "", t[7] or "", t[8]) for t in titles),
            duplicates=tuple((s[1], s[4]) for s in sibs if s[1] != app_id and s[2] == year and s[3] == kind),
            watch_hits=tuple(hits), watchlist_size=ctx.watchlist_size, listing_years=ctx.listing_years,
            evaluator_load=load, evaluator_group=group,
            park_enterprises=members, park_titles=park_titles,
            refreshed_mtimes=dict(refreshed.get(app_id, {})),
        ))
    return out
