"""Recommendation batches: one year's set of applications recommended together."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import String, func, select, type_coerce
from sqlalchemy.orm import Session

from .entities import Application, Batch, Enterprise, Park
from .pipeline import MoveError
from .stages import Stage, TitleKind

#: stages from which an application may be put into a batch
BATCHABLE = (Stage.UNDER_REVIEW, Stage.RECOMMENDED, Stage.RECOGNISED, Stage.REJECTED)


@dataclass(frozen=True)
class BatchRow:
    id: int
    year: int
    name: str
    title_kind: TitleKind | None
    count: int


def batch_years(session: Session) -> list[int]:
    """The years that have live batches, newest first."""
    return list(session.scalars(
        select(Batch.year).where(Batch.deleted_at.is_(None)).distinct().order_by(Batch.year.desc())))


def batch_rows(session: Session, *, year: int | None = None) -> list[BatchRow]:
    cond = [Application.deleted_at.is_(None), Application.batch_id.is_not(None)]
    if year is not None:
        cond.append(Application.batch_id.in_(select(Batch.id).where(Batch.year == year)))
    counts = (
        select(Application.batch_id, func.count().label("n"))
        .where(*cond)
        .group_by(Application.batch_id)
        .subquery()
    )
    q = (
        select(Batch.id, Batch.year, Batch.name, Batch.title_kind, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.batch_id == Batch.id)
        .where(Batch.deleted_at.is_(None))
        .order_by(Batch.year.desc(), Batch.id)
    )
    if year is not None:
        q = q.where(Batch.year == year)
    return [BatchRow(*r) for r in session.execute(q)]


def create_batch(session: Session, *, year: int, name: str, title_kind: TitleKind | None = None,
                 notes: str = "") -> Batch:
    name = name.strip()
    if not name:
        raise MoveError("请填写批次名称。")
    b = Batch(year=year, name=name, title_kind=title_kind, notes=notes)
    session.add(b)
    session.flush()
    return b


def delete_batch(session: Session, batch: Batch) -> None:
    n = session.scalar(
        select(func.count()).select_from(Application)
        .where(Application.batch_id == batch.id, Application.deleted_at.is_(None))
    )
    if n:
        raise MoveError(f"批次「{batch.name}」中还有{n}个申报，请先移出后再删除。")
    from .subjects import soft_delete

    soft_delete(session, "batch", batch.id)


def member_rows(session: Session, batch_id: int) -> list[tuple]:
    """(application id, subject name, credit code, title kind, stage, review outcome)."""
    return _app_rows(session, Application.batch_id == batch_id)


def candidate_rows(session: Session, batch: Batch) -> list[tuple]:
    """Applications of the batch's year and title that are reviewed or later and in no batch."""
    live_batches = select(Batch.id).where(Batch.deleted_at.is_(None))
    cond = [
        Application.year == batch.year,
        Application.stage.in_(list(BATCHABLE)),
        (Application.batch_id.is_(None)) | (Application.batch_id.not_in(live_batches)),
    ]
    if batch.title_kind is not None:
        cond.append(Application.title_kind == batch.title_kind)
    return _app_rows(session, *cond)


def _app_rows(session: Session, *where) -> list[tuple]:
    out: list[tuple] = []
    # title and stage come as their stored text and become enums through a dict: SQLAlchemy's
    # per-row enum processing costs more than the query for a few thousand rows
    titles = {k.value: k for k in TitleKind}
    titles.update({k.name: k for k in TitleKind})
    stages = {st.value: st for st in Stage}
    stages.update({st.name: st for st in Stage})
    for model, fk in ((Enterprise, Application.enterprise_id), (Park, Application.park_id)):
        q = (
            select(Application.id, model.name, model.credit_code, type_coerce(Application.title_kind, String),
                   type_coerce(Application.stage, String), Application.review_outcome)
            .join(model, model.id == fk)
            .where(Application.deleted_at.is_(None), model.deleted_at.is_(None), *where)
        )
        out.extend((r[0], r[1], r[2], titles[r[3]], stages[r[4]], r[5]) for r in session.execute(q))
    out.sort(key=lambda r: r[1])
    return out
