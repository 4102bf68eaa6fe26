"""Enterprises and parks: saving with the duplicate-code rule, deleting with undo, table rows.

The table rows are plain SQL (``enterprise_rows``/``park_rows`` take ``db.read()``'s connection
or a session); the ORM is imported by the functions that write, so the window can show its
lists without loading SQLAlchemy.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from .db import raw_rows  # noqa: F401  (its home was here; other modules import it from here)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from .entities import AuditEntry, Enterprise, Park


class DuplicateCreditCode(ValueError):
    """The code belongs to another live enterprise; ``existing_id`` lets the window open it."""

    def __init__(self, code: str, existing_id: int, existing_name: str) -> None:
        self.code = code
        self.existing_id = existing_id
        self.existing_name = existing_name
        super().__init__(
            f"统一社会信用代码 {code} 已属于「{existing_name}」，同一代码不能重复录入。"
            "可打开已有记录进行修改。"
        )


class RestoreConflict(ValueError):
    pass


#: the tables whose records can be deleted and restored
MODEL_TABLES = ("enterprise", "park", "application", "batch", "title")


def model_of(table: str) -> type:
    """The ORM class of one of ``MODEL_TABLES`` (KeyError for any other table)."""
    from . import entities

    return {"enterprise": entities.Enterprise, "park": entities.Park, "application": entities.Application,
            "batch": entities.Batch, "title": entities.Title}[table]


def __getattr__(name: str) -> Any:
    if name == "MODELS":  # table -> ORM class, built when asked for (imports the ORM)
        return {t: model_of(t) for t in MODEL_TABLES}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def find_enterprise_by_code(session: Session, code: str, *, exclude_id: int | None = None) -> Enterprise | None:
    from sqlalchemy import select

    from .entities import Enterprise

    q = select(Enterprise).where(Enterprise.credit_code == code, Enterprise.deleted_at.is_(None))
    if exclude_id is not None:
        q = q.where(Enterprise.id != exclude_id)
    return session.scalars(q).first()


def save_enterprise(session: Session, values: Mapping[str, Any], *, record: Enterprise | None = None) -> Enterprise:
    """Insert or update an enterprise from clean values (validated by forms.fields.ENTERPRISE)."""
    code = values.get("credit_code", record.credit_code if record else None)
    if code:
        dup = find_enterprise_by_code(session, code, exclude_id=record.id if record else None)
        if dup is not None:
            raise DuplicateCreditCode(code, dup.id, dup.name)
    if record is None:
        from .entities import Enterprise

        record = Enterprise(**dict(values))
        session.add(record)
    else:
        for k, v in values.items():
            if getattr(record, k) != v:
                setattr(record, k, v)
    session.flush()
    return record


def save_park(session: Session, values: Mapping[str, Any], *, record: Park | None = None) -> Park:
    if record is None:
        from .entities import Park

        record = Park(**dict(values))
        session.add(record)
    else:
        for k, v in values.items():
            if getattr(record, k) != v:
                setattr(record, k, v)
    session.flush()
    return record


def soft_delete(session: Session, table: str, record_id: int) -> Any:
    """Delete (recoverably): the record disappears from every list; undo brings it back.
    An enterprise's or park's live applications and titles go with it and come back with it."""
    from .base import now

    obj = session.get(model_of(table), record_id)
    if obj is None or obj.deleted_at is not None:
        raise ValueError("记录不存在或已删除。")
    stamp = now()
    for child in _children(session, table, record_id):
        if child.deleted_at is None:
            child.deleted_at = stamp
    # children first, in their own flush: the record's own audit entry is then the newest, so
    # undo (last_deletion) brings back the record with its children, not one child alone
    session.flush()
    obj.deleted_at = stamp
    session.flush()
    return obj


def restore(session: Session, table: str, record_id: int) -> Any:
    obj = session.get(model_of(table), record_id)
    if obj is None or obj.deleted_at is None:
        raise ValueError("记录不存在或未被删除。")
    if table == "enterprise":
        dup = find_enterprise_by_code(session, obj.credit_code)
        if dup is not None:
            raise RestoreConflict(
                f"无法恢复「{obj.name}」：统一社会信用代码 {obj.credit_code} 已被「{dup.name}」使用。"
            )
    if table in ("application", "title"):
        parent = obj.enterprise if obj.enterprise_id is not None else obj.park
        if parent is not None and parent.deleted_at is not None:
            kind = "企业" if obj.enterprise_id is not None else "园区"
            raise RestoreConflict(
                f"所属{kind}「{parent.name}」已被删除，请先恢复该{kind}（其下的申报和称号会一并恢复）。"
            )
    stamp = obj.deleted_at
    obj.deleted_at = None
    for child in _children(session, table, record_id):
        if child.deleted_at == stamp:
            child.deleted_at = None
    session.flush()
    return obj


def _children(session: Session, table: str, record_id: int) -> list[Any]:
    from sqlalchemy import select

    from .entities import Application, Title

    if table == "enterprise":
        return list(session.scalars(select(Application).where(Application.enterprise_id == record_id))) + list(
            session.scalars(select(Title).where(Title.enterprise_id == record_id))
        )
    if table == "park":
        return list(session.scalars(select(Application).where(Application.park_id == record_id))) + list(
            session.scalars(select(Title).where(Title.park_id == record_id))
        )
    return []


def last_deletion(session: Session) -> AuditEntry | None:
    """The newest delete that has not been undone since: what Ctrl+Z would bring back."""
    from sqlalchemy import select

    from .entities import AuditEntry

    entries = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action.in_(["delete", "restore"]), AuditEntry.table_name.in_(list(MODEL_TABLES)))
        .order_by(AuditEntry.id.desc())
        .limit(200)
    ).all()
    for e in entries:
        if e.action != "delete":
            continue
        obj = session.get(model_of(e.table_name), e.record_id)
        if obj is not None and obj.deleted_at is not None:
            return e
    return None


ENTERPRISE_COLUMNS = (
    "id", "name", "credit_code", "district_code", "industry_code", "park_name",
    "main_products", "contact", "phone", "above_scale", "updated_at",
)


def enterprise_rows(source: Any, *, limit: int | None = None) -> list[tuple]:
    """Plain tuples for the enterprise table, in ENTERPRISE_COLUMNS order, sorted by name (then
    id; ``above_scale`` as 0/1, ``updated_at`` as text to the minute: what the table shows);
    the first ``limit`` only when given. ``source``: ``db.read()``'s connection or a session."""
    sql = ("SELECT e.id, e.name, e.credit_code, e.district_code, e.industry_code, p.name, e.main_products,"
           " e.contact, e.phone, e.above_scale, substr(e.updated_at, 1, 16)"
           " FROM enterprise e LEFT JOIN park p ON p.id = e.park_id AND p.deleted_at IS NULL"
           " WHERE e.deleted_at IS NULL ORDER BY e.name, e.id")
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    # districts, industries, parks, products, contacts and update times repeat across thousands
    # of rows: keep one string per distinct value instead of one per row (a third of the memory)
    d, i, p, m, c, u = ({} for _ in range(6))
    from .db import dbapi

    cur = dbapi(source).cursor()
    try:
        cur.execute(sql)
        return [
            (r[0], r[1], r[2], d.setdefault(r[3], r[3]), i.setdefault(r[4], r[4]), p.setdefault(r[5], r[5]),
             m.setdefault(r[6], r[6]), c.setdefault(r[7], r[7]), r[8], r[9], u.setdefault(r[10], r[10]))
            for r in cur
        ]
    finally:
        cur.close()


PARK_COLUMNS = ("id", "name", "park_type", "approval_level", "district_code", "managing_body",
                "green_staff_count", "updated_at")


def park_rows(source: Any, *, limit: int | None = None) -> list[tuple]:
    """Plain tuples for the park table, in PARK_COLUMNS order, sorted by name then id
    (``updated_at`` as text to the minute); the first ``limit`` only when given."""
    return raw_rows(source, "SELECT id, name, park_type, approval_level, district_code, managing_body,"
                            " green_staff_count, substr(updated_at, 1, 16) FROM park"
                            " WHERE deleted_at IS NULL ORDER BY name, id"
                            + (f" LIMIT {int(limit)}" if limit is not None else ""))


def live_count(source: Any, table: str) -> int:
    """How many live (not deleted) records ``table`` ("enterprise", "park") holds."""
    if table not in ("enterprise", "park"):
        raise ValueError(table)
    return raw_rows(source, f"SELECT COUNT(*) FROM {table} WHERE deleted_at IS NULL")[0][0]


def park_name_index(source: Any) -> dict[str, int]:
    return {name: pid for name, pid in raw_rows(source, "SELECT name, id FROM park WHERE deleted_at IS NULL")}
