"""Everything a batch's letter, summary table and package need, read once into plain data.

``gather_batch(session, batch_id)`` returns a :class:`BatchData`: the office profile, the batch,
and per subject its enterprise or park fields, the third-party evaluator, score and
basic-requirements finding, the review opinion, and the received materials with where their
stored copies are. The writers (letter, summary table, package) take this plain data and never
query the database, so they run in a background thread or a benchmark without one.

``find_blockers(session, batch_id)`` lists what stops the batch from being sent: a failed check
nobody overrode, a missing required material, a stored file that is gone or changed, a review
that did not pass — each with the application id and a Chinese sentence, so the window can open
the application concerned.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from forms import codes
from models.entities import Application, Batch, Park
from models.office import get_profile
from models.stages import Stage, SubjectKind, TitleKind


class BatchDataError(Exception):
    """The batch cannot be read (unknown id, no batch that year …); ``str()`` is Chinese."""


@dataclass(frozen=True)
class OfficeInfo:
    district_code: str = ""
    district_name: str = ""
    bureau_name: str = ""
    doc_prefix: str = ""
    signatory: str = ""
    contact_person: str = ""
    contact_phone: str = ""


@dataclass(frozen=True)
class MaterialFile:
    """One received file of a subject, as the package copies it."""

    material_id: int | None
    item_key: str
    type_label: str  # 材料类型, short: 第三方评价报告
    original_name: str
    stored_path: Path
    sha256: str
    size: int
    required: bool = False
    read_error: str = ""  # why the file does not open ('' when it does)
    stored_mtime_ns: int = 0  # the stored copy's time when last hashed (models.filestore.quick_verify)


@dataclass(frozen=True)
class SubjectData:
    """One recommended subject (one application of the batch) with what the outputs print."""

    application_id: int
    subject_kind: str  # "enterprise" / "park"
    title_kind: str
    name: str
    credit_code: str = ""
    district_code: str = ""
    district_name: str = ""
    industry_code: str = ""
    industry_name: str = ""
    main_products: str = ""
    park_name: str = ""
    address: str = ""
    legal_rep: str = ""
    contact: str = ""
    phone: str = ""
    notes: str = ""
    stage: str = ""
    review_outcome: str = ""
    evaluator: str = ""
    report_date: dt.date | None = None
    score: Decimal | None = None
    basic_requirements_met: bool | None = None
    highlights: str = ""
    review_opinion: str = ""
    review_note: str = ""  # what the clerk wrote as 审查意见 (application.review_opinion)
    materials: tuple[MaterialFile, ...] = ()

    def value(self, key: str) -> Any:
        """A field by its forms.fields key (``district_code`` …) or attribute name."""
        return getattr(self, key, "")


@dataclass(frozen=True)
class BatchData:
    batch_id: int
    year: int
    name: str
    title_kind: str  # TitleKind value
    office: OfficeInfo
    subjects: tuple[SubjectData, ...] = ()

    @property
    def subject_kind(self) -> str:
        """"park" when every subject is a park, else "enterprise"."""
        if self.subjects and all(s.subject_kind == "park" for s in self.subjects):
            return "park"
        if not self.subjects and self.title_kind and TitleKind(self.title_kind).subject is SubjectKind.PARK:
            return "park"
        return "enterprise"

    @property
    def title_label(self) -> str:
        return TitleKind(self.title_kind).label if self.title_kind else ""


@dataclass(frozen=True)
class Blocker:
    """One reason the batch cannot be sent yet. ``application_id`` is None for the batch or the
    office as a whole (e.g. the office profile lacks the document-number prefix)."""

    application_id: int | None
    subject_name: str
    kind: str  # office / empty / review / not_checked / check / material_missing / file_missing / file_changed / file_unreadable
    message: str


# ----------------------------------------------------------------------------- finding a batch


def find_batch_id(session: Session, year: int, batch_id: int | None = None) -> int:
    """The batch to export: ``batch_id`` if given (it must belong to ``year``), else the only
    batch of that year that has applications. Raises BatchDataError with the reason."""
    from models.batches import batch_rows

    rows = batch_rows(session, year=year)
    if batch_id is not None:
        for r in rows:
            if r.id == batch_id:
                return batch_id
        b = session.get(Batch, batch_id)
        if b is None or b.deleted_at is not None:
            raise BatchDataError(f"没有编号为 {batch_id} 的推荐批次。")
        raise BatchDataError(f"推荐批次 {batch_id}（{b.name}）属于{b.year}年，不是{year}年。")
    live = [r for r in rows if r.count]
    if not live:
        raise BatchDataError(f"{year}年没有包含申报的推荐批次。请先在“推荐批次”中建立批次并加入申报。")
    if len(live) > 1:
        listing = "；".join(f"{r.id}：{r.name}（{r.count}个）" for r in live)
        raise BatchDataError(f"{year}年有多个推荐批次（{listing}），请用 --batch 指定批次编号。")
    return live[0].id


# ----------------------------------------------------------------------------- gathering


def office_info(session: Session) -> OfficeInfo:
    p = get_profile(session)
    return OfficeInfo(
        district_code=p.district_code or "",
        district_name=p.district_name or (codes.district_name(p.district_code) if p.district_code else ""),
        bureau_name=p.bureau_name or "",
        doc_prefix=p.doc_prefix or "",
        signatory=p.signatory or "",
        contact_person=p.contact_person or "",
        contact_phone=p.contact_phone or "",
    )


def _opinion(outcome: str) -> str:
    return {"通过": "同意推荐", "退回补正": "退回补正", "不予推荐": "不予推荐"}.get(outcome, outcome)


def gather_batch(session: Session, batch_id: int, *, files_dir: Path | None = None) -> BatchData:
    """Read the batch into plain data (one query per table, whatever the batch's size).

    ``files_dir`` is the attachment store (DATA_DIR/files); by default it is found next to the
    session's database file."""
    batch = session.get(Batch, batch_id)
    if batch is None or batch.deleted_at is not None:
        raise BatchDataError(f"没有编号为 {batch_id} 的推荐批次。")
    files_dir = Path(files_dir) if files_dir is not None else default_files_dir(session)
    apps = list(session.scalars(
        select(Application)
        .where(Application.batch_id == batch_id, Application.deleted_at.is_(None))
        .options(selectinload(Application.enterprise), selectinload(Application.park))
    ))
    apps = [a for a in apps if a.subject is not None and a.subject.deleted_at is None]
    title_kind = batch.title_kind.value if batch.title_kind else (
        _most_common([a.title_kind.value for a in apps]) or TitleKind.CITY_FACTORY.value)
    ids = [a.id for a in apps]
    reports = _reports(session, ids)
    materials = _materials(session, ids, files_dir, {a.id: a.title_kind.value for a in apps}, batch.year)
    park_names = dict(session.execute(select(Park.id, Park.name)).all())
    subjects = []
    for a in apps:
        s = a.subject
        ent = a.enterprise
        rep = reports.get(a.id)
        district = s.district_code or ""
        subjects.append(SubjectData(
            application_id=a.id,
            subject_kind=a.subject_kind.value,
            title_kind=a.title_kind.value,
            name=s.name,
            credit_code=s.credit_code or "",
            district_code=district,
            district_name=codes.district_name(district) if district else "",
            industry_code=ent.industry_code if ent else "",
            industry_name=codes.industry_name(ent.industry_code) if ent and ent.industry_code else "",
            main_products=ent.main_products if ent else "",
            park_name=park_names.get(ent.park_id, "") if ent and ent.park_id else "",
            address=ent.address if ent else "",
            legal_rep=ent.legal_rep if ent else "",
            contact=ent.contact if ent else "",
            phone=ent.phone if ent else "",
            notes="",
            stage=a.stage.value,
            review_outcome=a.review_outcome or "",
            evaluator=(rep.evaluator.name if rep and rep.evaluator else (rep.evaluator_name if rep else "")) or "",
            report_date=rep.report_date if rep else None,
            score=rep.score if rep else None,
            basic_requirements_met=rep.basic_requirements_met if rep else None,
            highlights=rep.highlights if rep else "",
            review_opinion=_opinion(a.review_outcome or ""),
            review_note=a.review_opinion or "",
            materials=tuple(materials.get(a.id, ())),
        ))
    subjects.sort(key=lambda s: (s.name, s.application_id))
    return BatchData(
        batch_id=batch.id, year=batch.year, name=batch.name, title_kind=title_kind,
        office=office_info(session), subjects=tuple(subjects),
    )


def default_files_dir(session: Session) -> Path:
    """DATA_DIR/files for the session's SQLite database."""
    url = session.get_bind().url
    db_path = Path(url.database or ".")
    return db_path.parent / "files"


def _most_common(values: Iterable[str]) -> str | None:
    counts: dict[str, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    return max(counts, key=counts.get) if counts else None


def _reports(session: Session, app_ids: list[int]) -> dict[int, Any]:
    """The latest third-party report of each application."""
    from models.review import ThirdPartyReport

    out: dict[int, Any] = {}
    if not app_ids:
        return out
    q = (select(ThirdPartyReport)
         .where(ThirdPartyReport.application_id.in_(app_ids), ThirdPartyReport.deleted_at.is_(None))
         .options(selectinload(ThirdPartyReport.evaluator))
         .order_by(ThirdPartyReport.id))
    for rep in session.scalars(q):
        out[rep.application_id] = rep  # the last one recorded wins
    return out


def short_type_label(label: str) -> str:
    """申报书（含基本信息表…） → 申报书: the checklist label up to its first bracket, for file
    names (``<材料类型>_<原文件名>``)."""
    for sep in ("（", "("):
        if sep in label:
            label = label.split(sep, 1)[0]
    return label.strip() or "材料"


def _materials(session: Session, app_ids: list[int], files_dir: Path, kinds: dict[int, str],
               year: int) -> dict[int, list[MaterialFile]]:
    from models.filestore import stored_path
    from models.review import Material, MaterialStatus

    out: dict[int, list[MaterialFile]] = {}
    if not app_ids:
        return out
    q = (select(Material)
         .where(Material.application_id.in_(app_ids), Material.deleted_at.is_(None),
                Material.status != MaterialStatus.RETURNED)  # returned for correction: not sent
         .order_by(Material.application_id, Material.id))
    for m in session.scalars(q):
        item = checklist_item(kinds.get(m.application_id, ""), year, m.item_key)
        label = item[0] if item else m.item_key
        out.setdefault(m.application_id, []).append(MaterialFile(
            material_id=m.id,
            item_key=m.item_key,
            type_label=short_type_label(label),
            original_name=m.original_name,
            stored_path=stored_path(files_dir, m.sha256),
            sha256=m.sha256,
            size=int(m.size),
            required=bool(item and item[1]),
            read_error=m.read_error or "",
            stored_mtime_ns=int(m.stored_mtime_ns or 0),
        ))
    for app_id, files in out.items():
        order = {k: i for i, (k, _l, _r) in enumerate(checklist(kinds.get(app_id, ""), year))}
        files.sort(key=lambda f: (order.get(f.item_key, len(order)), f.material_id or 0))
    return out


@lru_cache(maxsize=64)
def checklist(title_kind: str, year: int) -> tuple[tuple[str, str, bool], ...]:
    """(item key, label, required) of the materials checklist for a title and year
    (forms/materials.py; empty when no checklist applies)."""
    from forms.materials import checklist_for

    try:
        cl = checklist_for(TitleKind(title_kind), year)
    except ValueError:
        return ()
    return tuple((it.key, it.label, bool(it.required)) for it in cl.items) if cl else ()


def checklist_item(title_kind: str, year: int, key: str) -> tuple[str, bool] | None:
    for k, label, req in checklist(title_kind, year):
        if k == key:
            return label, req
    return None


# ----------------------------------------------------------------------------- blockers


def find_blockers(session: Session, batch_id: int, *, data: BatchData | None = None,
                  files_dir: Path | None = None, rehash: bool = True) -> list[Blocker]:
    """What stops the batch from being sent, in table order.

    ``rehash=True`` reads every stored file to compare its SHA-256; False rehashes only files whose
    size or modification time changed since they were last hashed (one ``stat`` each, for a list
    shown while the clerk works; the export itself compares every hash while copying).
    """
    from models.filestore import full_verify, quick_verify

    data = data or gather_batch(session, batch_id, files_dir=files_dir)
    out: list[Blocker] = []
    office = data.office
    if not office.doc_prefix or not office.bureau_name or not office.district_code:
        missing = "、".join(n for n, v in (("单位名称", office.bureau_name), ("所在区县", office.district_code),
                                           ("发文字号前缀", office.doc_prefix)) if not v)
        out.append(Blocker(None, "", "office", f"单位信息中缺少{missing}，推荐函无法生成。请在“单位信息”中补全。"))
    if not data.subjects:
        out.append(Blocker(None, "", "empty", f"推荐批次「{data.name}」中没有申报。请先加入通过初审的申报。"))
    checked, checks = _check_failures(session, [s.application_id for s in data.subjects])
    for s in data.subjects:
        if s.review_outcome in ("退回补正", "不予推荐"):
            out.append(Blocker(s.application_id, s.name, "review",
                               f"{s.name}：初审结论为“{s.review_outcome}”，不能推荐。请移出批次或重新初审。"))
        elif not s.review_outcome and s.stage in (Stage.UNDER_REVIEW.value, Stage.APPLIED.value):
            out.append(Blocker(s.application_id, s.name, "review",
                               f"{s.name}：初审尚未完成（没有初审结论）。请完成初审后再导出。"))
        if s.application_id not in checked:
            out.append(Blocker(s.application_id, s.name, "not_checked",
                               f"{s.name}：尚未运行初审检查，无法生成初审意见表。请先运行检查。"))
        for rule in checks.get(s.application_id, []):
            out.append(Blocker(s.application_id, s.name, "check",
                               f"{s.name}：检查“{rule}”结果为不符合，且没有人工改判。请补正或填写改判理由。"))
        present = {m.item_key for m in s.materials}
        for key, label, required in checklist(s.title_kind, data.year):
            if required and key not in present:
                out.append(Blocker(s.application_id, s.name, "material_missing",
                                   f"{s.name}：缺少必交材料“{short_type_label(label)}”。请收取后再导出。"))
        for m in s.materials:
            if m.read_error:
                out.append(Blocker(s.application_id, s.name, "file_unreadable",
                                   f"{s.name}：{m.read_error}"))
            store = m.stored_path.parent.parent
            if rehash:
                state = full_verify(store, m.sha256, m.size).state
            else:
                state = quick_verify(store, m.sha256, m.size, m.stored_mtime_ns).state
            if state == "missing":
                out.append(Blocker(s.application_id, s.name, "file_missing",
                                   f"{s.name}：材料文件“{m.original_name}”在资料库中找不到了。请重新收取该文件。"))
            elif state == "changed":
                out.append(Blocker(s.application_id, s.name, "file_changed",
                                   f"{s.name}：材料文件“{m.original_name}”在收取后被改动过（校验值不符）。请重新收取该文件。"))
    return out


def _check_failures(session: Session, app_ids: list[int]) -> tuple[set[int], dict[int, list[str]]]:
    """The applications that have stored check results, and per application the rules whose
    result (after the people's overrides) is 不符合."""
    from models.review import CheckRun, Outcome
    from models.review_service import live_overrides

    out: dict[int, list[str]] = {}
    checked: set[int] = set()
    if not app_ids:
        return checked, out
    overrides = live_overrides(session, app_ids)
    for run in session.scalars(select(CheckRun).where(CheckRun.application_id.in_(app_ids))):
        checked.add(run.application_id)
        mine = overrides.get(run.application_id, {})
        for r in run.results or []:
            rule = r.get("rule_id", "")
            outcome = Outcome(mine[rule].outcome if rule in mine else r.get("outcome", "pass"))
            if outcome is Outcome.FAIL:
                label = f"{r.get('article', '')} {r.get('text', rule)}".strip()
                out.setdefault(run.application_id, []).append(label)
    return checked, out
