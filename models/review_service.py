"""Writing and reading the review records: materials, reports, certificates, indicators,
evaluators, the watch list, stored check results and overrides.

Every function takes the unit of work's session and leaves committing to the caller
(``with db.uow() as uow: ...; uow.commit()``). Errors a clerk can fix raise ``ReviewError``
with a Chinese message; nothing here imports Qt or the rule engine.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from . import filestore
from .base import now
from .entities import Application
from .review import (
    CertKind,
    Certificate,
    CheckOverride,
    CheckRun,
    Evaluator,
    Indicator,
    Material,
    MaterialStatus,
    Outcome,
    ThirdPartyReport,
    WatchlistEntry,
    worst_outcome,
)

ProgressFn = Callable[[int, int, str], None]
StopFn = Callable[[], bool]

HIGHLIGHTS_MAX = 100


class ReviewError(ValueError):
    """Something the clerk must correct; ``str()`` says what, in Chinese."""


def _user(session: Session, user: str | None) -> str:
    return user if user is not None else session.info.get("user", "")


# --------------------------------------------------------------------------- 初审结论


#: The district's conclusion of the 初审 as stored in application.review_outcome ("" = not yet
#: decided); the 初审意见表 ticks the matching box (exports/review_sheet.DECISIONS).
REVIEW_DECISIONS = ("通过", "退回补正", "不予推荐")


def set_review_decision(session: Session, application_id: int, outcome: str, opinion: str) -> bool:
    """Keep the clerk's 初审 conclusion and opinion with the application (audited like any
    other change). Returns whether anything changed."""
    from .entities import Application

    outcome = (outcome or "").strip()
    if outcome and outcome not in REVIEW_DECISIONS:
        raise ReviewError(f"初审结论只能是：{'、'.join(REVIEW_DECISIONS)}，或留空。")
    app = session.get(Application, application_id)
    if app is None:
        raise ReviewError("找不到这条申报，可能已被删除。请刷新后重试。")
    opinion = (opinion or "").strip()
    if app.review_outcome == outcome and (app.review_opinion or "") == opinion:
        return False
    app.review_outcome = outcome
    app.review_opinion = opinion
    session.flush()
    return True


# --------------------------------------------------------------------------- materials


_TYPE_BY_KIND = {"pdf": "pdf", "docx": "docx", "xlsx": "xlsx", "jpeg": "jpg", "png": "png", "tiff": "tif"}


@dataclass
class AttachResult:
    """What receiving a file did: the new (or already present) material, warnings to show, or
    an error (then nothing was stored or recorded)."""

    material: Material | None = None
    warnings: list[str] = field(default_factory=list)
    error: str = ""
    duplicate: bool = False

    @property
    def ok(self) -> bool:
        return self.material is not None and not self.error


def attach_material(
    session: Session,
    files_dir: Path,
    application_id: int,
    item_key: str,
    src: Path,
    *,
    user: str | None = None,
    received_on: dt.date | None = None,
    declared_name: str = "",
    declared_credit_code: str = "",
) -> AttachResult:
    """Receive file ``src`` for checklist item ``item_key`` of an application.

    The file is inspected (content type by its first bytes, PDF pages through pypdf, Word/Excel
    parts), copied into the store under its SHA-256 (the original is never modified) and recorded
    with its name, size, type, page count, date and who received it. A zero-byte file or one
    whose content does not match its extension (an .exe renamed .pdf) is refused: ``error`` says
    why and nothing changes. A corrupt or encrypted PDF is recorded with ``read_error`` (the
    checks then fail it by name) and a warning. The same content already filed under the same
    item is not recorded twice.
    """
    src = Path(src)
    name = src.name
    app = session.get(Application, application_id)
    if app is None or app.deleted_at is not None:
        return AttachResult(error=f"申报（编号 {application_id}）不存在或已删除，文件「{name}」未收录。")
    if not src.is_file():
        return AttachResult(error=f"找不到文件「{name}」（{src.parent}），未收录。请确认文件仍在原处。")
    info = filestore.inspect_file(src, name)
    if info.error:
        return AttachResult(warnings=list(info.warnings), error=info.error)
    try:
        stored = filestore.store_file(files_dir, src)
    except filestore.StoreError as exc:
        return AttachResult(warnings=list(info.warnings), error=str(exc))
    same = session.scalars(
        select(Material).where(
            Material.application_id == application_id, Material.item_key == item_key,
            Material.sha256 == stored.sha256, Material.deleted_at.is_(None),
        )
    ).first()
    if same is not None:
        return AttachResult(same, info.warnings + [f"「{name}」与已收录的「{same.original_name}」内容相同，未重复收录。"],
                            duplicate=True)
    ext = Path(name).suffix.lower().lstrip(".")
    m = Material(
        application_id=application_id,
        item_key=item_key,
        original_name=name[:255],
        sha256=stored.sha256,
        size=stored.size,
        file_type=_TYPE_BY_KIND.get(info.kind, ext)[:16],
        page_count=info.page_count,
        received_on=received_on or dt.date.today(),
        received_by=_user(session, user),
        status=MaterialStatus.RECEIVED,
        read_error=info.read_error,
        stored_mtime_ns=stored.mtime_ns,
        verified_at=now(),
        declared_name=declared_name,
        declared_credit_code=declared_credit_code,
    )
    session.add(m)
    session.flush()
    warnings = list(info.warnings)
    if info.read_error:
        warnings.append(info.read_error.rstrip("。") + "。文件已收录，初审检查会标为不符合；可将其标记为“退回补正”。")
    return AttachResult(m, warnings)


def set_material_status(
    session: Session,
    material_id: int,
    status: MaterialStatus,
    *,
    reason: str = "",
    user: str | None = None,
) -> Material:
    """Mark a material accepted (已接收), returned for correction (退回补正, reason required) or
    back to received (待审核)."""
    m = session.get(Material, material_id)
    if m is None or m.deleted_at is not None:
        raise ReviewError("该材料不存在或已删除。")
    reason = (reason or "").strip()
    if status is MaterialStatus.RETURNED and not reason:
        raise ReviewError(f"退回「{m.original_name}」必须填写原因，申报单位据此补正。")
    m.status = status
    m.status_reason = reason
    m.status_by = _user(session, user)
    m.status_at = now()
    session.flush()
    return m


def update_material(session: Session, material_id: int, **values: Any) -> Material:
    """Change what the clerk may edit on a material: item_key, declared_name,
    declared_credit_code, received_on, notes."""
    allowed = {"item_key", "declared_name", "declared_credit_code", "received_on", "notes"}
    unknown = set(values) - allowed
    if unknown:
        raise ReviewError(f"材料的这些项不能修改：{'、'.join(sorted(unknown))}。")
    m = session.get(Material, material_id)
    if m is None or m.deleted_at is not None:
        raise ReviewError("该材料不存在或已删除。")
    for k, v in values.items():
        setattr(m, k, v)
    session.flush()
    return m


def delete_material(session: Session, material_id: int) -> Material:
    """Remove a material from the application (recoverably: ``deleted_at``). The stored file stays
    (other materials or backups may share it)."""
    m = session.get(Material, material_id)
    if m is None or m.deleted_at is not None:
        raise ReviewError("该材料不存在或已删除。")
    m.deleted_at = now()
    session.flush()
    return m


def material_path(files_dir: Path, material: Material) -> Path:
    """The stored copy of a material (open it read-only, e.g. in the system viewer)."""
    return filestore.stored_path(files_dir, material.sha256)


@dataclass(frozen=True)
class FileProblem:
    material_id: int
    application_id: int
    original_name: str
    state: str  # missing / changed
    message: str


def verify_materials(
    session: Session,
    files_dir: Path,
    *,
    application_ids: Sequence[int] | None = None,
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
) -> list[FileProblem]:
    """Full verification: rehash every stored file of the live materials (of ``application_ids``
    or all), whatever its time says. Unchanged files get their time and ``verified_at`` stored;
    missing or changed ones are returned, each with a Chinese message naming the file."""
    q = select(Material.id, Material.application_id, Material.original_name, Material.sha256, Material.size).where(
        Material.deleted_at.is_(None)
    )
    if application_ids is not None:
        q = q.where(Material.application_id.in_(list(application_ids)))
    rows = session.execute(q.order_by(Material.id)).all()
    problems: list[FileProblem] = []
    done_hash: dict[str, filestore.Integrity] = {}
    stamp = now()
    updates: list[dict[str, Any]] = []
    for i, (mid, app_id, name, sha, size) in enumerate(rows, start=1):
        if should_stop is not None and should_stop():
            break
        res = done_hash.get(sha) or filestore.full_verify(files_dir, sha, size)
        done_hash[sha] = res
        if res.state == "ok":
            updates.append({"b_id": mid, "mtime": res.mtime_ns or 0, "at": stamp})
        else:
            what = "已丢失" if res.state == "missing" else "收件后已被改动（SHA-256 不一致）"
            problems.append(FileProblem(mid, app_id, name, res.state, f"「{name}」的存档文件{what}，请重新收件。"))
        if progress is not None and (i % 50 == 0 or i == len(rows)):
            progress(i, len(rows), f"正在核对文件 {i}/{len(rows)}：{name}")
    if updates:
        from sqlalchemy import bindparam

        session.execute(
            update(Material.__table__).where(Material.__table__.c.id == bindparam("b_id"))
            .values(stored_mtime_ns=bindparam("mtime"), verified_at=bindparam("at")),
            updates,
        )
    return problems


# --------------------------------------------------------------------------- third-party report


REPORT_FIELDS = ("evaluator_id", "evaluator_name", "report_no", "report_date", "standard", "basic_requirements_met",
                 "score", "highlights", "self_evaluation_date", "subject_name", "subject_credit_code", "notes")


def report_for(session: Session, application_id: int) -> ThirdPartyReport | None:
    """The application's current (newest live) third-party report."""
    return session.scalars(
        select(ThirdPartyReport).where(ThirdPartyReport.application_id == application_id,
                                       ThirdPartyReport.deleted_at.is_(None))
        .order_by(ThirdPartyReport.id.desc())
    ).first()


def save_report(session: Session, application_id: int, values: Mapping[str, Any]) -> ThirdPartyReport:
    """Record (or update) the application's third-party report from clean values (keys:
    REPORT_FIELDS). ``evaluator_id`` fills ``evaluator_name`` from the registry; highlights at
    most 100 characters; score 0–100."""
    unknown = set(values) - set(REPORT_FIELDS)
    if unknown:
        raise ReviewError(f"第三方评价报告没有这些项：{'、'.join(sorted(unknown))}。")
    v = dict(values)
    if len(v.get("highlights") or "") > HIGHLIGHTS_MAX:
        raise ReviewError(f"亮点最多 {HIGHLIGHTS_MAX} 个字，现在 {len(v['highlights'])} 个字。")
    if v.get("score") is not None:
        try:
            score = Decimal(str(v["score"]))
        except InvalidOperation:
            raise ReviewError(f"评价得分「{v['score']}」不是数字。") from None
        if not (0 <= score <= 100):
            raise ReviewError(f"评价得分应在 0–100 之间，填写的是 {v['score']}。")
        v["score"] = score
    if v.get("evaluator_id") is not None:
        ev = session.get(Evaluator, v["evaluator_id"])
        if ev is None or ev.deleted_at is not None:
            raise ReviewError("所选第三方评价机构不存在或已删除。")
        v.setdefault("evaluator_name", ev.name)
        if not v.get("evaluator_name"):
            v["evaluator_name"] = ev.name
    app = session.get(Application, application_id)
    if app is None or app.deleted_at is not None:
        raise ReviewError(f"申报（编号 {application_id}）不存在或已删除。")
    rep = report_for(session, application_id)
    if rep is None:
        rep = ThirdPartyReport(application_id=application_id)
        session.add(rep)
    for k, val in v.items():
        setattr(rep, k, "" if val is None and k in ("evaluator_name", "report_no", "standard", "highlights",
                                                   "subject_name", "subject_credit_code", "notes") else val)
    session.flush()
    return rep


# --------------------------------------------------------------------------- certificates


CERT_FIELDS = ("kind", "standard", "number", "issuer", "issued_on", "expires_on", "notes")


def certificates_for(session: Session, *, enterprise_id: int | None = None, park_id: int | None = None) -> list[Certificate]:
    """The subject's live certificates, by kind then expiry."""
    col = Certificate.enterprise_id if enterprise_id is not None else Certificate.park_id
    key = enterprise_id if enterprise_id is not None else park_id
    return list(session.scalars(
        select(Certificate).where(col == key, Certificate.deleted_at.is_(None))
        .order_by(Certificate.kind, Certificate.expires_on)
    ))


def save_certificate(
    session: Session,
    values: Mapping[str, Any],
    *,
    enterprise_id: int | None = None,
    park_id: int | None = None,
    record: Certificate | None = None,
) -> Certificate:
    """Insert (give the subject) or update (give ``record``) a management-system certificate."""
    unknown = set(values) - set(CERT_FIELDS)
    if unknown:
        raise ReviewError(f"证书没有这些项：{'、'.join(sorted(unknown))}。")
    v = dict(values)
    if "kind" in v:
        try:
            v["kind"] = CertKind(v["kind"])
        except ValueError:
            raise ReviewError(f"证书类别「{v['kind']}」无效。") from None
    if v.get("issued_on") and v.get("expires_on") and v["expires_on"] < v["issued_on"]:
        raise ReviewError("证书有效期截止日早于发证日期，请核对。")
    if record is None:
        if (enterprise_id is None) == (park_id is None):
            raise ReviewError("证书必须属于一家企业或一个园区。")
        if "kind" not in v:
            raise ReviewError("请选择证书类别。")
        record = Certificate(enterprise_id=enterprise_id, park_id=park_id, **v)
        session.add(record)
    else:
        for k, val in v.items():
            setattr(record, k, val)
    session.flush()
    return record


def delete_certificate(session: Session, certificate_id: int) -> None:
    c = session.get(Certificate, certificate_id)
    if c is None or c.deleted_at is not None:
        raise ReviewError("该证书不存在或已删除。")
    c.deleted_at = now()
    session.flush()


# --------------------------------------------------------------------------- indicators


def set_indicator(
    session: Session,
    *,
    year: int,
    key: str,
    value: Decimal | float | int | str | None,
    enterprise_id: int | None = None,
    park_id: int | None = None,
    unit: str = "",
    source: str = "",
) -> Indicator | None:
    """Set one yearly indicator of a subject (insert or update); ``value`` None removes it."""
    if (enterprise_id is None) == (park_id is None):
        raise ReviewError("指标必须属于一家企业或一个园区。")
    col = Indicator.enterprise_id if enterprise_id is not None else Indicator.park_id
    subject_id = enterprise_id if enterprise_id is not None else park_id
    row = session.scalars(
        select(Indicator).where(col == subject_id, Indicator.year == year, Indicator.key == key,
                                Indicator.deleted_at.is_(None))
    ).first()
    if value is None or (isinstance(value, str) and not value.strip()):
        if row is not None:
            row.deleted_at = now()
            session.flush()
        return None
    try:
        dec = Decimal(str(value).strip().rstrip("%"))
    except InvalidOperation:
        raise ReviewError(f"{year}年指标「{key}」的值「{value}」不是数字。") from None
    if not dec.is_finite():
        raise ReviewError(f"{year}年指标「{key}」的值「{value}」不是数字。")
    if row is None:
        row = Indicator(enterprise_id=enterprise_id, park_id=park_id, year=year, key=key, value=dec,
                        unit=unit, source=source)
        session.add(row)
    else:
        row.value = dec
        if unit:
            row.unit = unit
        if source:
            row.source = source
    session.flush()
    return row


def indicators_for(
    session: Session, *, enterprise_id: int | None = None, park_id: int | None = None
) -> dict[tuple[int, str], Decimal]:
    """The subject's live indicators: (year, key) → value."""
    col = Indicator.enterprise_id if enterprise_id is not None else Indicator.park_id
    key = enterprise_id if enterprise_id is not None else park_id
    return {
        (y, k): v for y, k, v in session.execute(
            select(Indicator.year, Indicator.key, Indicator.value).where(col == key, Indicator.deleted_at.is_(None))
        )
    }


# --------------------------------------------------------------------------- evaluators


EVALUATOR_FIELDS = ("name", "credit_code", "list_years", "disqualified_on", "disqualified_reason", "contact", "notes")


def evaluators(session: Session, *, include_deleted: bool = False) -> list[Evaluator]:
    """The evaluator registry, by name."""
    q = select(Evaluator).order_by(Evaluator.name)
    if not include_deleted:
        q = q.where(Evaluator.deleted_at.is_(None))
    return list(session.scalars(q))


def save_evaluator(session: Session, values: Mapping[str, Any], *, record: Evaluator | None = None) -> Evaluator:
    """Insert or update an evaluator. ``list_years``: the years it is on the municipal list;
    ``disqualified_on`` needs ``disqualified_reason`` (第二十二条)."""
    unknown = set(values) - set(EVALUATOR_FIELDS)
    if unknown:
        raise ReviewError(f"评价机构没有这些项：{'、'.join(sorted(unknown))}。")
    v = dict(values)
    if "name" in v:
        v["name"] = (v["name"] or "").strip()
        if not v["name"]:
            raise ReviewError("请填写评价机构名称。")
        clash = session.scalars(select(Evaluator).where(Evaluator.name == v["name"], Evaluator.deleted_at.is_(None))).first()
        if clash is not None and clash is not record:
            raise ReviewError(f"评价机构「{v['name']}」已在名录中。")
    if "list_years" in v:
        v["list_years"] = sorted({int(y) for y in v["list_years"] or []})
    disq_on = v.get("disqualified_on", record.disqualified_on if record else None)
    disq_reason = v.get("disqualified_reason", record.disqualified_reason if record else "")
    if disq_on and not (disq_reason or "").strip():
        raise ReviewError("取消评价资格必须填写原因（第二十二条：弄虚作假或不负责任）。")
    if record is None:
        if not v.get("name"):
            raise ReviewError("请填写评价机构名称。")
        record = Evaluator(**v)
        session.add(record)
    else:
        for k, val in v.items():
            setattr(record, k, val)
    session.flush()
    return record


def set_listing(session: Session, evaluator_id: int, year: int, listed: bool = True) -> Evaluator:
    """Put an evaluator on (or take it off) the municipal list of ``year`` (第二十一条)."""
    ev = session.get(Evaluator, evaluator_id)
    if ev is None or ev.deleted_at is not None:
        raise ReviewError("该评价机构不存在或已删除。")
    years = set(ev.list_years or [])
    if listed:
        years.add(year)
    else:
        years.discard(year)
    ev.list_years = sorted(years)
    session.flush()
    return ev


def disqualify(session: Session, evaluator_id: int, on: dt.date | None, reason: str = "") -> Evaluator:
    """Record (or with ``on`` None, clear) a disqualification (第二十二条)."""
    ev = session.get(Evaluator, evaluator_id)
    if ev is None or ev.deleted_at is not None:
        raise ReviewError("该评价机构不存在或已删除。")
    return save_evaluator(session, {"disqualified_on": on, "disqualified_reason": reason if on else ""}, record=ev)


# --------------------------------------------------------------------------- watch list


WATCH_FIELDS = ("name", "credit_code", "list_name", "listed_on", "until", "source", "notes")


def add_watch_entry(session: Session, values: Mapping[str, Any]) -> WatchlistEntry:
    """Add one entry of a dishonesty/incident list (name or credit code required)."""
    unknown = set(values) - set(WATCH_FIELDS)
    if unknown:
        raise ReviewError(f"名单条目没有这些项：{'、'.join(sorted(unknown))}。")
    if not (values.get("name") or values.get("credit_code")):
        raise ReviewError("名单条目至少要有名称或统一社会信用代码。")
    e = WatchlistEntry(**dict(values))
    session.add(e)
    session.flush()
    return e


def watch_entries(session: Session) -> list[WatchlistEntry]:
    return list(session.scalars(
        select(WatchlistEntry).where(WatchlistEntry.deleted_at.is_(None)).order_by(WatchlistEntry.id)
    ))


# --------------------------------------------------------------------------- stored results


@dataclass(frozen=True)
class OverrideInfo:
    id: int
    outcome: Outcome
    base_outcome: str
    reason: str
    user: str
    at: dt.datetime
    superseded: bool = False


@dataclass(frozen=True)
class ResultRow:
    """One stored check result, with the override a person made (if any)."""

    rule_id: str
    article: str
    text: str
    severity: str
    outcome: Outcome  # as computed
    evidence: str
    override: OverrideInfo | None = None

    @property
    def final(self) -> Outcome:
        """The outcome that counts: the person's when overridden."""
        return self.override.outcome if self.override is not None else self.outcome

    @property
    def overridden(self) -> bool:
        return self.override is not None


@dataclass(frozen=True)
class CheckSheet:
    """An application's stored results: when, by whom, with which rule set."""

    application_id: int
    rule_set: str
    rule_set_name: str
    as_of: dt.date
    run_at: dt.datetime
    run_by: str
    rows: tuple[ResultRow, ...]

    @property
    def worst(self) -> Outcome | None:
        return worst_outcome(r.final for r in self.rows)

    def counts(self) -> dict[Outcome, int]:
        c = {o: 0 for o in Outcome}
        for r in self.rows:
            c[r.final] += 1
        return c


def _info(o: CheckOverride) -> OverrideInfo:
    return OverrideInfo(o.id, o.outcome, o.base_outcome, o.reason, o.user, o.at, o.deleted_at is not None)


def live_overrides(session: Session, application_ids: Iterable[int]) -> dict[int, dict[str, CheckOverride]]:
    """The current override of each (application, rule)."""
    ids = list(application_ids)
    out: dict[int, dict[str, CheckOverride]] = defaultdict(dict)
    for i in range(0, len(ids), 900):
        for o in session.scalars(
            select(CheckOverride).where(CheckOverride.application_id.in_(ids[i:i + 900]),
                                        CheckOverride.deleted_at.is_(None)).order_by(CheckOverride.id)
        ):
            out[o.application_id][o.rule_id] = o
    return out


def effective_worst(results: Sequence[Mapping[str, Any]], overrides: Mapping[str, Any]) -> str:
    """The worst outcome of stored result dicts after overrides ('' when there are none)."""
    w = worst_outcome(
        (overrides[r["rule_id"]].outcome if r["rule_id"] in overrides else r["outcome"]) for r in results
    )
    return w.value if w else ""


def store_check_runs(
    session: Session,
    runs: Sequence[Mapping[str, Any]],
    *,
    user: str | None = None,
    run_at: dt.datetime | None = None,
) -> None:
    """Replace the stored results of the given applications in bulk.

    Each run: ``{"application_id", "rule_set", "rule_set_name", "as_of", "results": [result
    dicts]}`` (result dict keys: rule_id, article, text, severity, check, outcome, evidence).
    Overrides are kept and applied to ``worst_outcome``.
    """
    if not runs:
        return
    ids = [r["application_id"] for r in runs]
    overrides = live_overrides(session, ids)
    stamp = run_at or now()
    who = _user(session, user)
    rows = []
    for r in runs:
        res = list(r["results"])
        computed = worst_outcome(x["outcome"] for x in res)
        rows.append({
            "application_id": r["application_id"], "rule_set": r.get("rule_set", ""),
            "rule_set_name": r.get("rule_set_name", ""), "as_of": r["as_of"], "run_at": stamp, "run_by": who,
            "computed_worst": computed.value if computed else "",
            "worst_outcome": effective_worst(res, overrides.get(r["application_id"], {})),
            "results": res,
        })
    for i in range(0, len(ids), 900):
        session.execute(delete(CheckRun).where(CheckRun.application_id.in_(ids[i:i + 900])))
    session.execute(insert(CheckRun), rows)


def _refresh_worst(session: Session, application_id: int) -> None:
    run = session.scalars(select(CheckRun).where(CheckRun.application_id == application_id)).first()
    if run is None:
        return
    run.worst_outcome = effective_worst(run.results, live_overrides(session, [application_id]).get(application_id, {}))
    session.flush()


def override_result(
    session: Session,
    application_id: int,
    rule_id: str,
    outcome: Outcome | str,
    reason: str,
    *,
    user: str | None = None,
) -> CheckOverride:
    """A person replaces one check's result, with a reason (required). The previous override
    of that rule is kept as history (superseded). Works before or after a run."""
    reason = (reason or "").strip()
    if not reason:
        raise ReviewError("人工改判必须填写理由。")
    outcome = Outcome(outcome)
    run = session.scalars(select(CheckRun).where(CheckRun.application_id == application_id)).first()
    base = ""
    if run is not None:
        base = next((r["outcome"] for r in run.results if r["rule_id"] == rule_id), "")
        if not base:
            raise ReviewError(f"本申报的检查结果中没有规则 {rule_id}。")
    stamp = now()
    for old in session.scalars(select(CheckOverride).where(
        CheckOverride.application_id == application_id, CheckOverride.rule_id == rule_id,
        CheckOverride.deleted_at.is_(None),
    )):
        old.deleted_at = stamp
    o = CheckOverride(application_id=application_id, rule_id=rule_id, outcome=outcome, base_outcome=base,
                      reason=reason, user=_user(session, user), at=stamp)
    session.add(o)
    session.flush()
    _refresh_worst(session, application_id)
    return o


def clear_override(session: Session, application_id: int, rule_id: str) -> bool:
    """Withdraw the current override of a rule (kept as history); True when there was one."""
    found = False
    for old in session.scalars(select(CheckOverride).where(
        CheckOverride.application_id == application_id, CheckOverride.rule_id == rule_id,
        CheckOverride.deleted_at.is_(None),
    )):
        old.deleted_at = now()
        found = True
    session.flush()
    _refresh_worst(session, application_id)
    return found


def override_history(session: Session, application_id: int, rule_id: str | None = None) -> list[OverrideInfo]:
    """Every override of the application (or of one rule), oldest first, superseded ones too."""
    q = select(CheckOverride).where(CheckOverride.application_id == application_id)
    if rule_id is not None:
        q = q.where(CheckOverride.rule_id == rule_id)
    return [_info(o) for o in session.scalars(q.order_by(CheckOverride.id))]


def check_sheet(session: Session, application_id: int) -> CheckSheet | None:
    """The stored results of one application with their overrides (None when never checked)."""
    run = session.scalars(select(CheckRun).where(CheckRun.application_id == application_id)).first()
    if run is None:
        return None
    ovs = live_overrides(session, [application_id]).get(application_id, {})
    rows = tuple(
        ResultRow(r["rule_id"], r["article"], r["text"], r.get("severity", "error"), Outcome(r["outcome"]),
                  r.get("evidence", ""), _info(ovs[r["rule_id"]]) if r["rule_id"] in ovs else None)
        for r in run.results
    )
    return CheckSheet(application_id, run.rule_set, run.rule_set_name, run.as_of, run.run_at, run.run_by, rows)


def worst_outcomes(session: Session, application_ids: Iterable[int] | None = None) -> dict[int, Outcome]:
    """Application id → its worst outcome after overrides (applications never checked are absent)."""
    q = select(CheckRun.application_id, CheckRun.worst_outcome).where(CheckRun.worst_outcome != "")
    out: dict[int, Outcome] = {}
    if application_ids is None:
        return {a: Outcome(w) for a, w in session.execute(q)}
    ids = list(application_ids)
    for i in range(0, len(ids), 900):
        for a, w in session.execute(q.where(CheckRun.application_id.in_(ids[i:i + 900]))):
            out[a] = Outcome(w)
    return out


#: the pseudo-outcome for applications that were never checked
UNCHECKED = "unchecked"


def applications_by_outcome(
    session: Session,
    outcomes: Iterable[Outcome | str],
    *,
    year: int | None = None,
    batch_id: int | None = None,
) -> list[int]:
    """Ids of live applications whose worst outcome (after overrides) is one of ``outcomes``;
    include ``"unchecked"`` for those never checked. One query."""
    wanted = {o.value if isinstance(o, Outcome) else str(o) for o in outcomes}
    q = (
        select(Application.id, CheckRun.worst_outcome)
        .outerjoin(CheckRun, CheckRun.application_id == Application.id)
        .where(Application.deleted_at.is_(None))
    )
    if year is not None:
        q = q.where(Application.year == year)
    if batch_id is not None:
        q = q.where(Application.batch_id == batch_id)
    return [a for a, w in session.execute(q.order_by(Application.id)) if (w or UNCHECKED) in wanted]
