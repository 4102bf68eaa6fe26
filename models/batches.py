"""Recommendation batches: one year's set of applications recommended together.

The lists (``batch_years``, ``batch_rows``, ``member_rows``, ``candidate_rows``) are plain SQL on
``db.read()``'s connection or a session; creating and deleting use the ORM.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .db import raw_rows
from .pipeline import MoveError
from .stages import Stage, TitleKind

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from .entities import Batch

#: stages from which an application may be put into a batch
BATCHABLE = (Stage.UNDER_REVIEW, Stage.RECOMMENDED, Stage.RECOGNISED, Stage.REJECTED)


@dataclass(frozen=True)
class BatchRow:
    id: int
    year: int
    name: str
    title_kind: TitleKind | None
    count: int


def batch_years(source: Any) -> list[int]:
    """The years that have live batches, newest first."""
    return [r[0] for r in raw_rows(source, "SELECT DISTINCT year FROM batch WHERE deleted_at IS NULL ORDER BY year DESC")]


def batch_rows(source: Any, *, year: int | None = None) -> list[BatchRow]:
    """The live batches (of ``year``), newest year first, with how many live applications each holds."""
    in_year = " AND batch_id IN (SELECT id FROM batch WHERE year = ?)" if year is not None else ""
    sql = ("SELECT b.id, b.year, b.name, b.title_kind, COALESCE(c.n, 0) FROM batch b LEFT JOIN"
           " (SELECT batch_id, COUNT(*) AS n FROM application"
           f"  WHERE deleted_at IS NULL AND batch_id IS NOT NULL{in_year} GROUP BY batch_id) c ON c.batch_id = b.id"
           " WHERE b.deleted_at IS NULL" + (" AND b.year = ?" if year is not None else "")
           + " ORDER BY b.year DESC, b.id")
    params = (year, year) if year is not None else ()
    return [BatchRow(r[0], r[1], r[2], _title_kind(r[3]), r[4]) for r in raw_rows(source, sql, params)]


def create_batch(session: Session, *, year: int, name: str, title_kind: TitleKind | None = None,
                 notes: str = "") -> Batch:
    from .entities import Batch

    name = name.strip()
    if not name:
        raise MoveError("请填写批次名称。")
    b = Batch(year=year, name=name, title_kind=title_kind, notes=notes)
    session.add(b)
    session.flush()
    return b


def delete_batch(session: Session, batch: Batch) -> None:
    from sqlalchemy import func, select

    from .entities import Application

    n = session.scalar(
        select(func.count()).select_from(Application)
        .where(Application.batch_id == batch.id, Application.deleted_at.is_(None))
    )
    if n:
        raise MoveError(f"批次「{batch.name}」中还有{n}个申报，请先移出后再删除。")
    from .subjects import soft_delete

    soft_delete(session, "batch", batch.id)


def member_rows(source: Any, batch_id: int) -> list[tuple]:
    """(application id, subject name, credit code, title kind, stage, review outcome)."""
    return _app_rows(source, "a.batch_id = ?", [batch_id])


def candidate_rows(source: Any, batch: Any) -> list[tuple]:
    """Applications of the batch's year and title that are reviewed or later and in no batch.
    ``batch``: anything with ``year`` and ``title_kind`` (a ``Batch`` or a ``BatchRow``)."""
    where = (f"a.year = ? AND a.stage IN ({','.join('?' * len(BATCHABLE))})"
             " AND (a.batch_id IS NULL OR a.batch_id NOT IN (SELECT id FROM batch WHERE deleted_at IS NULL))")
    params: list = [batch.year, *(st.value for st in BATCHABLE)]
    if batch.title_kind is not None:
        where += " AND a.title_kind = ?"
        params.append(TitleKind(batch.title_kind).value)
    return _app_rows(source, where, params)


_TITLES = {k.value: k for k in TitleKind} | {k.name: k for k in TitleKind}
_STAGES = {st.value: st for st in Stage} | {st.name: st for st in Stage}


def _title_kind(value: str | None) -> TitleKind | None:
    return _TITLES[value] if value else None


def _app_rows(source: Any, where: str, params: list) -> list[tuple]:
    out: list[tuple] = []
    # title and stage come as their stored text and become enums through a dict
    for table, fk in (("enterprise", "enterprise_id"), ("park", "park_id")):
        sql = (f"SELECT a.id, s.name, s.credit_code, a.title_kind, a.stage, a.review_outcome"
               f" FROM application a JOIN {table} s ON s.id = a.{fk}"
               f" WHERE a.deleted_at IS NULL AND s.deleted_at IS NULL AND {where}")
        out.extend((r[0], r[1], r[2], _TITLES[r[3]], _STAGES[r[4]], r[5]) for r in raw_rows(source, sql, tuple(params)))
    out.sort(key=lambda r: r[1])
    return out
