"""Enterprises and parks: saving with the duplicate-code rule, deleting with undo, table rows."""
from __future__ import annotations

from typing import Any, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from .base import now
from .entities import Application, AuditEntry, Batch, Enterprise, Park, Title


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


MODELS: dict[str, type] = {
    "enterprise": Enterprise,
    "park": Park,
    "application": Application,
    "batch": Batch,
    "title": Title,
}


def find_enterprise_by_code(session: Session, code: str, *, exclude_id: int | None = None) -> Enterprise | None:
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
    obj = session.get(MODELS[table], record_id)
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
    obj = session.get(MODELS[table], record_id)
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
    entries = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action.in_(["delete", "restore"]), AuditEntry.table_name.in_(list(MODELS)))
        .order_by(AuditEntry.id.desc())
        .limit(200)
    ).all()
    for e in entries:
        if e.action != "delete":
            continue
        obj = session.get(MODELS[e.table_name], e.record_id)
        if obj is not None and obj.deleted_at is not None:
            return e
    return None


ENTERPRISE_COLUMNS = (
    "id", "name", "credit_code", "district_code", "industry_code", "park_name",
    "main_products", "contact", "phone", "above_scale", "updated_at",
)


def raw_rows(session: Session, sql: str, params: tuple = ()) -> list[tuple]:
    """Plain tuples straight from the DB-API cursor of the session's connection (same
    transaction), for the big read-only lists where SQLAlchemy's row objects and type
    processing would cost more than the query."""
    cur = session.connection().connection.cursor()
    try:
        cur.execute(sql, params)
        return cur.fetchall()
    finally:
        cur.close()


def enterprise_rows(session: Session) -> list[tuple]:
    """Plain tuples for the enterprise table, in ENTERPRISE_COLUMNS order, sorted by name
    (``above_scale`` as 0/1, ``updated_at`` as text to the minute: what the table shows)."""
    sql = ("SELECT e.id, e.name, e.credit_code, e.district_code, e.industry_code, p.name, e.main_products,"
           " e.contact, e.phone, e.above_scale, substr(e.updated_at, 1, 16)"
           " FROM enterprise e LEFT JOIN park p ON p.id = e.park_id AND p.deleted_at IS NULL"
           " WHERE e.deleted_at IS NULL ORDER BY e.name")
    # districts, industries, parks, products, contacts and update times repeat across thousands
    # of rows: keep one string per distinct value instead of one per row (a third of the memory)
    d, i, p, m, c, u = ({} for _ in range(6))
    cur = session.connection().connection.cursor()
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


def park_rows(session: Session) -> list[tuple]:
    q = select(
        Park.id, Park.name, Park.park_type, Park.approval_level, Park.district_code,
        Park.managing_body, Park.green_staff_count, Park.updated_at,
    ).where(Park.deleted_at.is_(None)).order_by(Park.name)
    return [tuple(r) for r in session.execute(q)]


def park_name_index(session: Session) -> dict[str, int]:
    return {name: pid for name, pid in session.execute(select(Park.name, Park.id).where(Park.deleted_at.is_(None)))}
