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
import gc
import re
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from sqlalchemy.orm import Session

from . import filestore
from .entities import Application, Title, TitleState
from .review import CheckOverride, Certificate, Evaluator, Indicator, Material, MaterialStatus, Outcome, ThirdPartyReport
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


# --------------------------------------------------------------------------- reading fast
#
# A check run reads tens of thousands of rows. They are fetched as plain tuples from the
# session's own DB-API connection (same transaction), not through SQLAlchemy's result rows,
# and converted with SQLAlchemy's own result processors for the columns' types: an enum or a
# date is converted once per distinct stored value. The facts are built with constructors that
# fill the frozen dataclasses' slots directly (``quick_constructor``): the same objects as calling the
# class, at half the cost.


class _Memo(dict):
    """Stored value → converted value, each distinct stored value converted once."""

    __slots__ = ("_convert",)

    def __init__(self, convert) -> None:
        super().__init__()
        self._convert = convert

    def __missing__(self, raw):
        value = self[raw] = self._convert(raw)
        return value


def _processor(session: Session, column: Any):
    """SQLAlchemy's result processor for ``column`` (identity when the type needs none)."""
    dialect = session.get_bind().dialect
    impl = column.type.dialect_impl(dialect)
    return impl.result_processor(dialect, None) or (lambda v: v)


def quick_constructor(cls):
    """A positional constructor for the frozen slots dataclass ``cls``, several times faster
    than calling it (its ``__init__`` goes through ``object.__setattr__`` for every field).

    The fields are stored in an instance of a plain class with the same slots, which is then
    given the class ``cls`` (same slots: Python allows it): ``quick_constructor(C)(*values) == C(*values)``,
    same type, same hash, still frozen. Checked once here on a sample; where the check fails
    (another Python), the class itself is the constructor."""
    from dataclasses import fields

    names = [f.name for f in fields(cls)]
    slots = cls.__dict__.get("__slots__")
    if tuple(slots or ()) != tuple(names) or getattr(cls, "__post_init__", None) is not None:
        return cls
    twin = type(f"_{cls.__name__}Slots", (), {"__slots__": tuple(names)})
    args = ", ".join(f"v{i}" for i in range(len(names)))
    body = "".join(f"    o.{n} = v{i}\n" for i, n in enumerate(names))
    ns: dict[str, Any] = {"new": object.__new__, "twin": twin, "cls": cls}
    exec(f"def make({args}):\n    o = new(twin)\n{body}    o.__class__ = cls\n    return o\n", ns)  # noqa: S102
    make = ns["make"]
    try:
        sample = [object() for _ in names]
        made = make(*sample)
        if type(made) is not cls or made != cls(*sample):
            return cls
    except (TypeError, AttributeError):
        return cls
    return make


_new_subject = quick_constructor(SubjectFacts)
_new_material = quick_constructor(MaterialFacts)
_new_report = quick_constructor(ReportFacts)
_new_certificate = quick_constructor(CertificateFacts)
_new_title = quick_constructor(TitleFacts)
_new_application = quick_constructor(ApplicationFacts)


def _chunks(seq: Sequence[int], n: int = 900) -> Iterable[Sequence[int]]:
    for i in range(0, len(seq), n):
        yield seq[i:i + n]


def _rows_by_ids(cursor, table: str, columns: str, key: str, ids: Iterable[int], where: str = "",
                 params: Sequence[Any] = ()) -> list[tuple]:
    """Rows of ``SELECT columns FROM table`` whose ``key`` column (selected first) is one of
    ``ids``, ``where`` (`` AND …``, with ``params``) added.

    Dense ids (the usual bulk run over a year) are read with one BETWEEN range per 900 ids and
    filtered here, which spares SQLite a long IN list; sparse ids use IN lists of 900 (under
    SQLite's parameter limit)."""
    out: list[tuple] = []
    for chunk in _chunks(sorted(set(ids))):
        lo, hi = chunk[0], chunk[-1]
        if hi - lo + 1 <= 2 * len(chunk):
            rows = cursor.execute(
                f"SELECT {columns} FROM {table} WHERE {table}.{key} BETWEEN ? AND ?{where}", (lo, hi, *params)
            ).fetchall()
            if hi - lo + 1 != len(chunk):  # gaps: keep only the asked ids
                keep = set(chunk)
                rows = [r for r in rows if r[0] in keep]
            out.extend(rows)
        else:
            marks = ", ".join("?" * len(chunk))
            out.extend(cursor.execute(
                f"SELECT {columns} FROM {table} WHERE {table}.{key} IN ({marks}){where}", (*chunk, *params)
            ).fetchall())
    return out


@contextmanager
def gc_paused() -> Iterator[None]:
    """Hold off Python's cyclic garbage collector while a run builds its tens of thousands of
    small objects (none of them in cycles): otherwise it sweeps every live object over and over,
    which costs as much as building them. Nesting and other threads are fine: it is switched
    back on only by the block that switched it off."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _cursor(session: Session):
    """A DB-API cursor on the session's connection (its transaction, its uncommitted writes)."""
    return session.connection().connection.cursor()


def load_context(session: Session, years: Iterable[int], *, with_parks: bool = True) -> RunContext:
    """Read what a run over applications of ``years`` shares: a handful of queries."""
    ctx = RunContext()
    years = sorted(set(years))
    cur = _cursor(session)
    date = _Memo(_processor(session, Evaluator.disqualified_on))
    list_years = _processor(session, Evaluator.list_years)
    for e in cur.execute(
        "SELECT evaluator.id, evaluator.name, evaluator.credit_code, evaluator.list_years, evaluator.disqualified_on, "
        "evaluator.disqualified_reason FROM evaluator WHERE evaluator.deleted_at IS NULL"
    ).fetchall():
        ev = EvaluatorFacts(e[0], e[1], e[2] or "", frozenset(int(y) for y in (list_years(e[3]) or [])), date[e[4]],
                            e[5] or "")
        ctx.evaluators[ev.id] = ev
        ctx.evaluators_by_name.setdefault(identity_key(ev.name), ev.id)
    ctx.listing_years = frozenset(y for ev in ctx.evaluators.values() for y in ev.list_years)

    for w in cur.execute(
        "SELECT watchlist_entry.list_name, watchlist_entry.name, watchlist_entry.credit_code, watchlist_entry.listed_on, "
        "watchlist_entry.until, watchlist_entry.source FROM watchlist_entry WHERE watchlist_entry.deleted_at IS NULL"
    ).fetchall():
        hit = WatchHit(w[0] or "", w[1] or "", w[2] or "", date[w[3]], date[w[4]], w[5] or "")
        ctx.watchlist_size += 1
        if hit.credit_code:
            ctx.watch_by_code[hit.credit_code.upper()].append(hit)
        if hit.name:
            ctx.watch_by_name[identity_key(hit.name)].append(hit)

    ctx.batch_names = dict(cur.execute("SELECT batch.id, batch.name FROM batch").fetchall())
    kinds = _Memo(_processor(session, Application.title_kind))
    if years:
        loads = ctx.evaluator_loads
        by_id, by_name = ctx.evaluators, ctx.evaluators_by_name
        marks = ", ".join("?" * len(years))
        for app_id, batch_id, year, kind, ev_id, ev_name in cur.execute(
            "SELECT application.id, application.batch_id, application.year, application.title_kind, "
            "third_party_report.evaluator_id, third_party_report.evaluator_name FROM application "
            "JOIN third_party_report ON third_party_report.application_id = application.id "
            "WHERE application.deleted_at IS NULL AND third_party_report.deleted_at IS NULL "
            f"AND application.year IN ({marks})", years,
        ).fetchall():
            # _evaluator_key, inlined: a year's reports are thousands of rows
            if ev_id is not None and ev_id in by_id:
                ek = ("id", ev_id)
            else:
                key = identity_key(ev_name or "")
                found = by_name.get(key) if ev_name else None
                ek = ("id", found) if found is not None and found in by_id else ("name", key)
            gk = ("batch", batch_id) if batch_id is not None else ("year", year, kinds[kind])
            loads[(gk, ek)].add(app_id)

    if with_parks:
        for ent_id, park_id in cur.execute(
            "SELECT enterprise.id, enterprise.park_id FROM enterprise "
            "WHERE enterprise.deleted_at IS NULL AND enterprise.park_id IS NOT NULL"
        ).fetchall():
            ctx.park_members[park_id].append(ent_id)
        titled: dict[int, set[TitleKind]] = defaultdict(set)
        title_kinds = _Memo(_processor(session, Title.title_kind))
        for ent_id, kind in cur.execute(
            "SELECT title.enterprise_id, title.title_kind FROM title WHERE title.deleted_at IS NULL "
            "AND title.enterprise_id IS NOT NULL AND title.state IN (?, ?)",
            (TitleState.VALID.value, TitleState.UNDER_REVIEW.value),
        ).fetchall():
            titled[ent_id].add(title_kinds[kind])
        ctx.enterprise_titles = {k: frozenset(v) for k, v in titled.items()}
    return ctx


# --------------------------------------------------------------------------- per application

_MATERIAL_COLUMNS = (
    "material.application_id, material.id, material.item_key, material.original_name, material.sha256, "
    "material.size, material.status, material.status_reason, material.read_error, material.stored_mtime_ns, "
    "material.declared_name, material.declared_credit_code"
)
_REPORT_COLUMNS = (
    "third_party_report.application_id, third_party_report.id, third_party_report.evaluator_id, "
    "third_party_report.evaluator_name, third_party_report.report_no, third_party_report.report_date, "
    "third_party_report.standard, third_party_report.basic_requirements_met, third_party_report.score, "
    "third_party_report.highlights, third_party_report.self_evaluation_date, third_party_report.subject_name, "
    "third_party_report.subject_credit_code"
)


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
    with gc_paused():
        return _load_facts(session, application_ids, ctx, files_dir=files_dir, verify_files=verify_files)


def _load_facts(session: Session, application_ids: Sequence[int], ctx: RunContext, *, files_dir: Path | None,
                verify_files: bool) -> list[ApplicationFacts]:
    ids = list(dict.fromkeys(application_ids))
    cur = _cursor(session)
    date = _Memo(_processor(session, ThirdPartyReport.report_date))
    title_kind = _Memo(_processor(session, Application.title_kind))
    stage = _Memo(_processor(session, Application.stage))

    apps: dict[int, tuple] = {
        r[0]: (r[0], r[1], title_kind[r[2]], stage[r[3]], r[4], r[5], r[6]) for r in _rows_by_ids(
            cur, "application", "application.id, application.year, application.title_kind, application.stage, "
            "application.batch_id, application.enterprise_id, application.park_id",
            "id", ids, " AND application.deleted_at IS NULL")
    }
    ent_ids = {a[5] for a in apps.values() if a[5] is not None}
    park_ids = {a[6] for a in apps.values() if a[6] is not None}
    years = sorted({a[1] for a in apps.values()})
    first_year = years[0] - 5 if years else 0

    ENT, PARK = SubjectKind.ENTERPRISE, SubjectKind.PARK
    enterprises: dict[int, SubjectFacts] = {
        e[0]: _new_subject(ENT, e[0], e[1], e[2] or "", e[3] or "", e[4] or "", e[5] or "", e[6], "", "", "", None,
                           date[e[7]])
        for e in _rows_by_ids(
            cur, "enterprise", "enterprise.id, enterprise.name, enterprise.credit_code, enterprise.credit_code_override, "
            "enterprise.district_code, enterprise.industry_code, enterprise.park_id, enterprise.founded_on",
            "id", ent_ids)
    }
    parks: dict[int, SubjectFacts] = {
        p[0]: _new_subject(PARK, p[0], p[1], p[2] or "", "", p[3] or "", "", None, p[4] or "", p[5] or "",
                           p[6] or "", p[7], None)
        for p in _rows_by_ids(
            cur, "park", "park.id, park.name, park.credit_code, park.district_code, park.park_type, "
            "park.approval_level, park.managing_body, park.green_staff_count",
            "id", park_ids)
    }

    materials: dict[int, list[MaterialFacts]] = defaultdict(list)
    refreshed: dict[int, dict[int, int]] = defaultdict(dict)
    rows = _rows_by_ids(cur, "material", _MATERIAL_COLUMNS, "application_id", apps,
                        " AND material.deleted_at IS NULL")
    rows.sort()  # by application, then id (unique): each application's materials in id order
    if verify_files and files_dir is not None:
        states = filestore.quick_verify_many(files_dir, [(m[4], m[5], m[9]) for m in rows])
    else:
        states = [None] * len(rows)
    status = _Memo(_processor(session, Material.status))
    new = _new_material
    for m, res in zip(rows, states):
        if res is None:
            integrity = "unchecked"
        else:
            integrity = res.state
            if res.mtime_ns is not None and integrity == "ok" and res.mtime_ns != m[9]:
                refreshed[m[0]][m[1]] = res.mtime_ns
        materials[m[0]].append(new(
            m[1], m[2], m[3], m[4], m[5], "", None, status[m[6]], m[7] or "", m[8] or "", None, integrity,
            m[10] or "", m[11] or "",
        ))

    reports: dict[int, ReportFacts] = {}
    newest: dict[int, int] = {}
    boolean = _processor(session, ThirdPartyReport.basic_requirements_met)
    score = _processor(session, ThirdPartyReport.score)
    for r in _rows_by_ids(cur, "third_party_report", _REPORT_COLUMNS, "application_id", apps,
                          " AND third_party_report.deleted_at IS NULL"):
        if r[1] > newest.get(r[0], 0):  # the newest live report wins
            newest[r[0]] = r[1]
            reports[r[0]] = _new_report(r[1], r[2], r[3] or "", r[4] or "", date[r[5]], r[6] or "", boolean(r[7]),
                                        score(r[8]), r[9] or "", date[r[10]], r[11] or "", r[12] or "")

    def per_subject(table, columns, where="", params=()):
        """(by enterprise id, by park id) → rows, for the subjects of these applications."""
        by_ent: dict[int, list] = defaultdict(list)
        by_park: dict[int, list] = defaultdict(list)
        for r in _rows_by_ids(cur, table, f"{table}.enterprise_id, {columns}", "enterprise_id", ent_ids,
                              where, params):
            by_ent[r[0]].append(r)
        for r in _rows_by_ids(cur, table, f"{table}.park_id, {columns}", "park_id", park_ids, where, params):
            by_park[r[0]].append(r)
        return by_ent, by_park

    certs_e, certs_p = per_subject(
        "certificate", "certificate.id, certificate.kind, certificate.number, certificate.issuer, "
        "certificate.issued_on, certificate.expires_on, certificate.standard", " AND certificate.deleted_at IS NULL")
    value = _Memo(_processor(session, Indicator.value))
    ind_e, ind_p = per_subject(
        "indicator", 'indicator.year, indicator."key", indicator.value',
        " AND indicator.deleted_at IS NULL AND indicator.year >= ?", (first_year,))
    titles_e, titles_p = per_subject(
        "title", "title.id, title.title_kind, title.year, title.state, title.revoked_on, title.doc_number, "
        "title.revocation_doc, title.application_id", " AND title.deleted_at IS NULL")
    title_title_kind = _Memo(_processor(session, Title.title_kind))
    title_state = _Memo(_processor(session, Title.state))
    sibs_e, sibs_p = per_subject(
        "application", "application.id, application.year, application.title_kind, application.stage",
        f" AND application.deleted_at IS NULL AND application.year IN ({', '.join('?' * len(years))})", years)
    cert_kind = _Memo(lambda k: _processor(session, Certificate.kind)(k).value)

    batch_names = ctx.batch_names
    evaluators, by_name, loads = ctx.evaluators, ctx.evaluators_by_name, ctx.evaluator_loads
    watch_by_code, watch_by_name = ctx.watch_by_code, ctx.watch_by_name
    watchlist_size, listing_years = ctx.watchlist_size, ctx.listing_years
    new_cert, new_title = _new_certificate, _new_title
    out: list[ApplicationFacts] = []
    for app_id in ids:
        a = apps.get(app_id)
        if a is None:
            continue
        _, year, kind, app_stage, batch_id, ent_id, park_id = a
        if ent_id is not None:
            subject = enterprises.get(ent_id)
            certs, inds, titles, sibs = certs_e[ent_id], ind_e[ent_id], titles_e[ent_id], sibs_e[ent_id]
        else:
            subject = parks.get(park_id)
            certs, inds, titles, sibs = certs_p[park_id], ind_p[park_id], titles_p[park_id], sibs_p[park_id]
        if subject is None:
            continue
        report = reports.get(app_id)
        evaluator = None
        load, group = 0, ""
        if report is not None:
            # ctx.evaluator_for and _evaluator_key, inlined
            ev_id, ev_name = report.evaluator_id, report.evaluator_name
            if ev_id is not None and ev_id in evaluators:
                evaluator = evaluators[ev_id]
            elif ev_name:
                found = by_name.get(identity_key(ev_name))
                evaluator = evaluators.get(found) if found is not None else None
            ek = ("id", evaluator.id) if evaluator is not None else ("name", identity_key(ev_name))
            gk = ("batch", batch_id) if batch_id is not None else ("year", year, kind)
            load = len(loads.get((gk, ek), ()))
            group = (f"推荐批次「{batch_names.get(batch_id, batch_id)}」" if batch_id is not None
                     else f"{year}年度{kind.label}（未分批次）")
        hits: list[WatchHit] = []
        if subject.credit_code and watch_by_code:
            hits.extend(watch_by_code.get(subject.credit_code.upper(), ()))
        if watch_by_name:
            for h in watch_by_name.get(identity_key(subject.name), ()):
                if h not in hits:
                    hits.append(h)
        park_titles: dict[int, frozenset[TitleKind]] = {}
        members = 0
        if subject.kind is PARK:
            member_ids = ctx.park_members.get(subject.id, [])
            members = len(member_ids)
            park_titles = {e: ctx.enterprise_titles[e] for e in member_ids if e in ctx.enterprise_titles}
        mine = refreshed.get(app_id)
        out.append(_new_application(
            app_id, year, kind, subject, app_stage, batch_id,
            batch_names.get(batch_id, "") if batch_id is not None else "",
            tuple(materials.get(app_id, ())), report, evaluator,
            tuple([new_cert(c[1], cert_kind[c[2]], c[3] or "", c[4] or "", date[c[5]], date[c[6]], c[7] or "")
                   for c in certs]),
            {(r[1], r[2]): value[r[3]] for r in inds},
            tuple([new_title(t[1], title_title_kind[t[2]], t[3], title_state[t[4]], date[t[5]], t[6] or "",
                             t[7] or "", t[8]) for t in titles]) if titles else (),
            tuple([(s[1], stage[s[4]]) for s in sibs if s[1] != app_id and s[2] == year and title_kind[s[3]] == kind]),
            tuple(hits), watchlist_size, listing_years, load, group, members, park_titles,
            dict(mine) if mine else {},
        ))
    return out


def override_outcomes(session: Session, application_ids: Sequence[int]) -> dict[int, dict[str, Outcome]]:
    """application id → rule id → the outcome a person set (the newest live override of each
    rule): ``review_service.live_overrides`` as plain values, read without the ORM. Like the
    other readers here it does not flush the session."""
    rows = _rows_by_ids(_cursor(session), "check_override",
                        "check_override.application_id, check_override.id, check_override.rule_id, check_override.outcome",
                        "application_id", application_ids, " AND check_override.deleted_at IS NULL")
    if not rows:
        return {}
    outcome = _Memo(_processor(session, CheckOverride.outcome))
    out: dict[int, dict[str, Outcome]] = {}
    for app_id, _, rule_id, value in sorted(rows, key=lambda r: r[1]):  # by id: the newest override wins
        out.setdefault(app_id, {})[rule_id] = outcome[value]
    return out
