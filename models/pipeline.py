"""Applications and their moves through the pipeline.

What the board reads (``card_rows``, ``years``) is plain SQL on ``db.read()``'s connection or a
session; the ORM is imported by the functions that change records.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from .db import raw_rows
from .stages import FINISHED_STAGES, STAGES, Stage, SubjectKind, TitleKind, classify_move, move_needs_reason

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from .entities import Application, Batch, Enterprise, Park, StageMove


class MoveError(ValueError):
    """A move the rules do not allow; ``str()`` says why in Chinese."""


def create_application(
    session: Session,
    *,
    year: int,
    title_kind: TitleKind,
    enterprise: Enterprise | None = None,
    park: Park | None = None,
    stage: Stage = Stage.CULTIVATING,
    user: str = "",
    reason: str = "",
    at: dt.datetime | None = None,
) -> Application:
    from .base import new_uid, now
    from .entities import Application, StageMove

    subject_kind = SubjectKind.ENTERPRISE if enterprise is not None else SubjectKind.PARK
    if (enterprise is None) == (park is None):
        raise MoveError("申报必须对应一家企业或一个园区。")
    if title_kind.subject is not subject_kind:
        raise MoveError(f"「{title_kind.label}」只能由{title_kind.subject.label}申报。")
    app = Application(
        year=year,
        title_kind=title_kind,
        subject_kind=subject_kind,
        enterprise=enterprise,
        park=park,
        stage=stage,
        stage_changed_at=at or now(),
    )
    session.add(app)
    app.moves.append(
        StageMove(
            uid=new_uid(),
            from_stage=None,
            to_stage=stage,
            at=at or now(),
            user=user or session.info.get("user", ""),
            reason=reason or "纳入培育库",
        )
    )
    return app


def move_application(
    session: Session,
    app: Application,
    to: Stage,
    *,
    reason: str = "",
    user: str | None = None,
    at: dt.datetime | None = None,
) -> StageMove:
    """Move ``app`` to stage ``to``. Going back, skipping a stage, or changing a result needs a
    reason; every move is kept with date, person and reason."""
    from .base import new_uid, now
    from .entities import StageMove

    src = app.stage
    if src == to:
        raise MoveError(f"申报已处于「{to.label}」环节。")
    reason = (reason or "").strip()
    if move_needs_reason(src, to) and not reason:
        kind = classify_move(src, to).value
        what = {"back": "退回", "skip": "跳过环节", "lateral": "更改认定结果"}[kind]
        raise MoveError(f"从「{src.label}」到「{to.label}」属于{what}，必须填写原因。")
    when = at or now()
    move = StageMove(
        uid=new_uid(),
        from_stage=src,
        to_stage=to,
        at=when,
        user=user if user is not None else session.info.get("user", ""),
        reason=reason,
    )
    app.moves.append(move)
    app.stage = to
    app.stage_changed_at = when
    return move


@dataclass(frozen=True, slots=True)
class CardRow:
    """What the pipeline board shows for one application (plain data, no ORM object)."""

    id: int
    year: int
    title_kind: TitleKind
    stage: Stage
    subject_kind: SubjectKind
    subject_id: int
    name: str
    credit_code: str
    district_code: str
    batch_id: int | None
    stage_changed_at: dt.datetime
    review_outcome: str


_RANK_SQL = "CASE a.stage " + " ".join(f"WHEN '{s.value}' THEN {s.rank}" for s in STAGES) + " END"
_CARD_SQL = """
SELECT a.id AS app_id, a.year, a.title_kind, a.stage, {kind} AS subject_kind, s.id AS subject_id, s.name AS name,
       s.credit_code, s.district_code, a.batch_id, a.stage_changed_at, a.review_outcome, {rank} AS rank
FROM application a JOIN {table} s ON s.id = a.{fk}
WHERE a.deleted_at IS NULL AND s.deleted_at IS NULL{where}"""


#: the result columns of _card_sql(..., total=True)
_CARD_COLUMNS = ("app_id", "year", "title_kind", "stage", "subject_kind", "subject_id", "name", "credit_code",
                 "district_code", "batch_id", "stage_changed_at", "review_outcome", "rank", "n")


def _card_order(r: tuple) -> tuple:
    return r[12], r[6], r[0]  # _card_sql's ORDER BY: rank, name, id


def _card_sql(where: str, params: list, *, total: bool = False) -> tuple[str, list]:
    parts = [
        _CARD_SQL.format(kind="'enterprise'", table="enterprise", fk="enterprise_id", rank=_RANK_SQL, where=where),
        _CARD_SQL.format(kind="'park'", table="park", fk="park_id", rank=_RANK_SQL, where=where),
    ]
    sql = " UNION ALL ".join(parts)
    if total:
        sql = f"SELECT u.*, COUNT(*) OVER () AS n FROM ({sql}) u"
    return sql + " ORDER BY rank, name, app_id", params * 2


def card_rows(
    source: Any,
    *,
    year: int | None = None,
    title_kinds: Sequence[TitleKind] | None = None,
    ids: Iterable[int] | None = None,
    stages: Iterable[Stage] | None = None,
    batch_id: int | None = None,
    offset: int = 0,
    limit: int | None = None,
    per_stage: int | None = None,
    stage_totals: dict[Stage, int] | None = None,
    one_step: bool = False,
) -> list[CardRow]:
    """Applications for the board, enterprise and park ones, in one query, ordered by stage and
    name (then id). ``offset``/``limit`` page through that order; ``per_stage`` keeps only the
    first so many cards of every stage (the board's first page of each column); with it,
    ``stage_totals`` (a dict) is filled with how many cards each stage has in all, from the same
    query.

    Plain SQL on ``source`` (``db.read()``'s connection, or a session's): the board may show
    15,000 cards, and SQLAlchemy's per-row type processing (enums, datetimes) would cost more
    than the query itself. ``one_step`` (with ``per_stage``): each stage's page read in one
    SQLite step (``db.raw_rows(one_step=...)``), for a background thread; the same rows.
    """
    where = ""
    params: list = []
    if year is not None:
        where += " AND a.year = ?"
        params.append(year)
    if title_kinds:
        where += f" AND a.title_kind IN ({','.join('?' * len(title_kinds))})"
        params.extend(k.value for k in title_kinds)
    if stages is not None:
        stage_list = [s.value for s in stages]
        if not stage_list:
            return []
        where += f" AND a.stage IN ({','.join('?' * len(stage_list))})"
        params.extend(stage_list)
    if batch_id is not None:
        where += " AND a.batch_id = ?"
        params.append(batch_id)
    if ids is not None:
        id_list = [int(i) for i in ids]
        if not id_list:
            return []
        where += f" AND a.id IN ({','.join(str(i) for i in id_list)})"

    if per_stage is not None:
        # one query per stage, each through the (year, stage) index: quicker than numbering the
        # rows of every stage in one query; each row carries its stage's total
        raw = []
        for st in (STAGES if stages is None else list(stages)):
            sql, p = _card_sql(where + " AND a.stage = ?", params + [st.value], total=True)
            raw.extend(raw_rows(source, sql + " LIMIT ?", tuple(p + [int(per_stage)]),
                                one_step=_CARD_COLUMNS if one_step else None, order=_card_order))
    else:
        sql, p = _card_sql(where, params)
        if limit is not None or offset:
            sql += " LIMIT ? OFFSET ?"
            p.extend([-1 if limit is None else int(limit), int(offset)])
        raw = raw_rows(source, sql, tuple(p))
    titles = {k.value: k for k in TitleKind}
    stages = {s.value: s for s in STAGES}
    kinds = {k.value: k for k in SubjectKind}
    parse = dt.datetime.fromisoformat
    if per_stage is not None and stage_totals is not None:
        stage_totals.update({s: 0 for s in STAGES})
        stage_totals.update({stages[r[3]]: r[13] for r in raw})
    return [
        CardRow(r[0], r[1], titles[r[2]], stages[r[3]], kinds[r[4]], r[5], r[6], r[7] or "", r[8] or "",
                r[9], parse(r[10]) if r[10] else None, r[11] or "")
        for r in raw
    ]


def stage_counts(session: Session, *, year: int | None = None,
                 title_kinds: Sequence[TitleKind] | None = None) -> dict[Stage, int]:
    from sqlalchemy import func, select

    from .entities import Application

    q = select(Application.stage, func.count()).where(Application.deleted_at.is_(None))
    if year is not None:
        q = q.where(Application.year == year)
    if title_kinds:
        q = q.where(Application.title_kind.in_(list(title_kinds)))
    q = q.group_by(Application.stage)
    counts = {s: 0 for s in STAGES}
    for stage, n in session.execute(q):
        counts[stage] = n
    return counts


def years(source: Any) -> list[int]:
    """The years that have applications, oldest first (a skip scan over the year index: a
    few index look-ups instead of reading every application). ``source``: ``db.read()``'s
    connection or a session."""
    sql = (
        "WITH RECURSIVE y(v) AS (SELECT MIN(year) FROM application"
        " UNION ALL SELECT (SELECT MIN(year) FROM application WHERE year > v) FROM y WHERE v IS NOT NULL)"
        " SELECT v FROM y WHERE v IS NOT NULL AND EXISTS"
        " (SELECT 1 FROM application WHERE year = v AND deleted_at IS NULL)"
    )
    return [r[0] for r in raw_rows(source, sql)]


def history(session: Session, application_id: int) -> list[StageMove]:
    from sqlalchemy import select

    from .entities import StageMove

    return list(
        session.scalars(
            select(StageMove).where(StageMove.application_id == application_id).order_by(StageMove.id)
        )
    )


def history_rows(source: Any, application_id: int) -> list[tuple]:
    """The application's moves, oldest first, as plain tuples: (id, at, from stage or None,
    to stage, user, reason). What the board's history panel shows, without the ORM."""
    stages = {s.value: s for s in STAGES}
    parse = dt.datetime.fromisoformat
    return [
        (r[0], parse(r[1]) if r[1] else None, stages.get(r[2]) if r[2] else None, stages.get(r[3]), r[4] or "",
         r[5] or "")
        for r in raw_rows(source, "SELECT id, at, from_stage, to_stage, user, reason FROM stage_move"
                                  " WHERE application_id = ? ORDER BY id", (int(application_id),))
    ]


def application_key(source: Any, application_id: int) -> tuple[int, TitleKind] | None:
    """(year, title kind) of a live application, None when it is missing or deleted."""
    rows = raw_rows(source, "SELECT year, title_kind FROM application WHERE id = ? AND deleted_at IS NULL",
                    (int(application_id),))
    return (rows[0][0], TitleKind(rows[0][1])) if rows else None


def duplicate_applications(session: Session, app: Application) -> list[Application]:
    """Other live applications of the same subject for the same title in the same year."""
    from sqlalchemy import select

    from .entities import Application

    q = select(Application).where(
        Application.id != app.id,
        Application.year == app.year,
        Application.title_kind == app.title_kind,
        Application.deleted_at.is_(None),
    )
    if app.enterprise_id is not None:
        q = q.where(Application.enterprise_id == app.enterprise_id)
    else:
        q = q.where(Application.park_id == app.park_id)
    return list(session.scalars(q))


def start_new_year(session: Session, from_year: int, *, user: str = "") -> list[Application]:
    """Carry unfinished applications of ``from_year`` into ``from_year + 1``; finished ones stay."""
    from sqlalchemy import func, select

    from .entities import Application

    carried: list[Application] = []
    olds = session.scalars(
        select(Application).where(
            Application.year == from_year,
            Application.deleted_at.is_(None),
            Application.stage.not_in(list(FINISHED_STAGES)),
        )
    ).all()
    for old in olds:
        exists = session.scalar(
            select(func.count()).select_from(Application).where(Application.carried_from_id == old.id)
        )
        if exists:
            continue
        # the subject already has a live application for this title next year: no second one
        subject_col = Application.enterprise_id if old.enterprise_id is not None else Application.park_id
        already = session.scalar(
            select(func.count()).select_from(Application).where(
                Application.year == from_year + 1,
                Application.title_kind == old.title_kind,
                subject_col == (old.enterprise_id if old.enterprise_id is not None else old.park_id),
                Application.deleted_at.is_(None),
            )
        )
        if already:
            continue
        new = create_application(
            session, year=from_year + 1, title_kind=old.title_kind, enterprise=old.enterprise,
            park=old.park, stage=old.stage, user=user, reason=f"由{from_year}年度结转",
        )
        new.carried_from_id = old.id
        carried.append(new)
    return carried


def assign_batch(session: Session, apps: Iterable[Application], batch: Batch | None) -> int:
    n = 0
    for app in apps:
        if batch is not None and app.year != batch.year:
            raise MoveError(f"「{app.subject_name}」是{app.year}年度的申报，不能放入{batch.year}年度的批次。")
        app.batch = batch
        n += 1
    return n
