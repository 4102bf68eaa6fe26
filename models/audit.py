"""The audit log: every insert, update and delete of a kept record, with who, when, before and after.

Written by a session hook inside the same transaction as the change itself, so a change and its
audit entry are committed or rolled back together. The user name comes from ``session.info["user"]``;
bulk generators may switch the log off with ``session.info["audit"] = False``.
"""
from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from sqlalchemy import event, insert, inspect, select
from sqlalchemy.orm import Session

from .base import now
from .entities import TABLE_LABELS, AuditEntry
from .labels import ACTION_LABELS  # defined there (no ORM), used here and re-exported

#: Tables whose changes are logged. stage_move is a history of its own; setting is configuration.
AUDITED_TABLES = frozenset({
    "office_profile", "park", "enterprise", "application", "batch", "title",
    # the review's records (issue 3): materials received, reports, certificates, indicators,
    # evaluators, watch lists, and every person's override of a check result
    "evaluator", "material", "third_party_report", "certificate", "indicator", "watchlist_entry",
    "check_override",
    # supervision of titles (issue 6): renamings/restructurings (第十九条) and re-reviews (第十六条)
    "title_change", "title_review",
})
IGNORED_COLUMNS = frozenset({"updated_at", "created_at"})


def jsonable(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def snapshot(obj: Any) -> dict[str, Any]:
    mapper = inspect(obj).mapper
    return {
        attr.key: jsonable(getattr(obj, attr.key))
        for attr in mapper.column_attrs
        if attr.key not in IGNORED_COLUMNS
    }


def _subject_name(session: Session, obj: Any) -> str:
    """The enterprise's or park's name of an application or title, without lazy loading inside
    the flush: from memory when loaded, else one SELECT on the flush's own connection."""
    subject = obj.__dict__.get("enterprise") or obj.__dict__.get("park")
    if subject is not None:
        return subject.name
    from .entities import Enterprise, Park

    if getattr(obj, "enterprise_id", None) is not None:
        q = select(Enterprise.name).where(Enterprise.id == obj.enterprise_id)
    elif getattr(obj, "park_id", None) is not None:
        q = select(Park.name).where(Park.id == obj.park_id)
    else:
        return ""
    return session.connection().execute(q).scalar() or ""


def _label(session: Session, obj: Any) -> str:
    table = obj.__table__.name
    name = (getattr(obj, "name", None) or getattr(obj, "bureau_name", None)
            or getattr(obj, "original_name", None))
    if name is None and table in ("application", "title"):
        kind = obj.title_kind.label if obj.title_kind else ""
        subject = _subject_name(session, obj)
        name = f"{subject + ' ' if subject else ''}{obj.year}年{kind}"
    return f"{TABLE_LABELS.get(table, table)}「{name or obj.id}」"


def _changes(obj: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    state = inspect(obj)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        if attr.key in IGNORED_COLUMNS:
            continue
        hist = state.attrs[attr.key].history
        if not hist.has_changes():
            continue
        old = hist.deleted[0] if hist.deleted else None
        new = hist.added[0] if hist.added else None
        if jsonable(old) == jsonable(new):
            continue
        before[attr.key] = jsonable(old)
        after[attr.key] = jsonable(new)
    return before, after


@event.listens_for(Session, "after_flush")
def _write_audit(session: Session, flush_context: Any) -> None:
    if not session.info.get("audit", True):
        return
    user = session.info.get("user", "")
    at = now()
    rows: list[dict[str, Any]] = []

    def add(obj: Any, action: str, before: dict | None, after: dict | None) -> None:
        rows.append(
            {
                "at": at,
                "user": user,
                "action": action,
                "table_name": obj.__table__.name,
                "record_id": getattr(obj, "id", None),
                "record_uid": getattr(obj, "uid", None),
                "summary": f"{ACTION_LABELS[action]}{_label(session, obj)}"[:200],
                "before": before,
                "after": after,
            }
        )

    for obj in session.new:
        if getattr(obj, "__tablename__", None) in AUDITED_TABLES:
            add(obj, "insert", None, snapshot(obj))
    for obj in session.dirty:
        if getattr(obj, "__tablename__", None) not in AUDITED_TABLES:
            continue
        if not session.is_modified(obj, include_collections=False):
            continue
        before, after = _changes(obj)
        if not after and not before:
            continue
        action = "update"
        if "deleted_at" in after:
            action = "delete" if after["deleted_at"] else "restore"
            if action == "delete":
                before = snapshot(obj) | before
        add(obj, action, before, after)
    for obj in session.deleted:
        if getattr(obj, "__tablename__", None) in AUDITED_TABLES:
            add(obj, "delete", snapshot(obj), None)
    if rows:
        session.connection().execute(insert(AuditEntry.__table__), rows)
