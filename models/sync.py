"""Bulk writes for imports, with their audit entries; and the exchange state of records
(table ``sync_record``, migration 0003).

Imports write thousands of rows: ORM objects one by one would take most of the time. These
helpers write with one ``executemany`` per table (``insert``/``update`` through the session, so
in the import's own transaction) and write the audit entries the audit hook would have written
(models/audit.py: who, when, what, before and after), in one more statement.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterable, Mapping, Sequence

from sqlalchemy import String, Table, Text, bindparam, insert, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from .audit import ACTION_LABELS, AUDITED_TABLES, IGNORED_COLUMNS, jsonable
from .base import Base, new_uid, now
from .entities import TABLE_LABELS, AuditEntry


def table_label(table: str) -> str:
    try:
        from .review import REVIEW_TABLE_LABELS  # noqa: PLC0415 - optional, added by the review issue
    except ImportError:  # pragma: no cover
        REVIEW_TABLE_LABELS = {}
    return TABLE_LABELS.get(table) or REVIEW_TABLE_LABELS.get(table) or table


def _summary(action: str, table: str, name: str, note: str) -> str:
    return f"{ACTION_LABELS.get(action, action)}{table_label(table)}「{name}」{note}"[:200]


def _name_of(values: Mapping[str, Any], fallback: Any) -> str:
    for k in ("name", "bureau_name", "title", "original_name", "key"):
        v = values.get(k)
        if v:
            return str(v)
    return str(fallback)


def audit_enabled(session: Session, table: str) -> bool:
    return session.info.get("audit", True) and table in AUDITED_TABLES


def write_audit(session: Session, entries: Sequence[dict[str, Any]]) -> None:
    if entries:
        session.execute(insert(AuditEntry.__table__), list(entries))


def _table(model: Any) -> Table:
    return model if isinstance(model, Table) else model.__table__


def insert_rows(session: Session, model: Any, rows: Sequence[dict[str, Any]], *, note: str = "",
                names: Sequence[str] | None = None) -> dict[str, int]:
    """Insert ``rows`` (plain column values) into the table of ``model`` (a mapped class or a
    Table); returns uid → new id. Rows without a ``uid`` get one. Audit entries ("insert") are
    written for audited tables."""
    if not rows:
        return {}
    t = _table(model)
    table = t.name
    has_uid = "uid" in t.c
    if has_uid:
        for r in rows:
            r.setdefault("uid", new_uid())
    ids: dict[str, int] = {}
    if has_uid:
        for rid, uid in session.execute(insert(t).returning(t.c.id, t.c.uid), list(rows)):
            ids[uid] = rid
    else:
        session.execute(insert(t), list(rows))
    if audit_enabled(session, table):
        user = session.info.get("user", "")
        at = now()
        entries = []
        for i, r in enumerate(rows):
            after = {k: jsonable(v) for k, v in r.items() if k not in IGNORED_COLUMNS}
            rid = ids.get(r.get("uid", ""))
            after["id"] = rid
            name = names[i] if names is not None else _name_of(r, rid)
            entries.append({"at": at, "user": user, "action": "insert", "table_name": table, "record_id": rid,
                            "record_uid": r.get("uid"), "summary": _summary("insert", table, name, note),
                            "before": None, "after": after})
        write_audit(session, entries)
    return ids


def update_rows(session: Session, model: Any, changes: Iterable[tuple[int, dict[str, Any], dict[str, Any]]], *,
                note: str = "", names: Mapping[int, str] | None = None, uids: Mapping[int, str] | None = None,
                touch: bool = True) -> int:
    """Update rows by id: ``changes`` holds (id, before, after) with the changed columns only.
    Sets ``updated_at`` (when the table has it) and writes "update" audit entries, or "delete" /
    "restore" when ``deleted_at`` changes, as the audit hook does. Returns the number updated."""
    items = [(rid, before, after) for rid, before, after in changes if after]
    if not items:
        return 0
    t = _table(model)
    table = t.name
    stamp = now()
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for rid, _before, after in items:
        p = {f"v_{k}": v for k, v in after.items()}
        if touch and "updated_at" in t.c and "updated_at" not in after:
            p["v_updated_at"] = stamp
        p["b_id"] = rid
        groups.setdefault(tuple(sorted(p)), []).append(p)
    # one executemany per set of changed columns
    for keys, params in groups.items():
        cols = [k[2:] for k in keys if k.startswith("v_")]
        stmt = update(t).where(t.c.id == bindparam("b_id")).values({c: bindparam(f"v_{c}") for c in cols})
        session.connection().execute(stmt, params)
    if audit_enabled(session, table):
        user = session.info.get("user", "")
        entries = []
        for rid, before, after in items:
            action = "update"
            if "deleted_at" in after and (before.get("deleted_at") is None) != (after["deleted_at"] is None):
                action = "delete" if after["deleted_at"] is not None else "restore"
            b = {k: jsonable(v) for k, v in before.items() if k not in IGNORED_COLUMNS}
            a = {k: jsonable(v) for k, v in after.items() if k not in IGNORED_COLUMNS}
            if not a:
                continue
            name = (names or {}).get(rid) or _name_of(after, rid)
            entries.append({"at": stamp, "user": user, "action": action, "table_name": table, "record_id": rid,
                            "record_uid": (uids or {}).get(rid), "summary": _summary(action, table, name, note),
                            "before": b, "after": a})
        write_audit(session, entries)
    return len(items)


def same_value(a: Any, b: Any) -> bool:
    """Equal for the purpose of "did this field change": None and '' are the same, dates and
    datetimes compare as stored, numbers by value."""
    if a in (None, "") and b in (None, ""):
        return True
    if isinstance(a, dt.datetime) and isinstance(b, dt.datetime):
        return a.replace(microsecond=0) == b.replace(microsecond=0)
    return jsonable(a) == jsonable(b) or a == b


# --------------------------------------------------------------------------- exchange state

#: how many past content hashes a record keeps (each exchange adds at most two)
HISTORY_KEEP = 40


class SyncRecord(Base):
    """What exchange files have seen of one record: the content hashes it had at each export
    and import (newest last), and, for a record another PC created independently of an equal
    one here (same credit code …), the local record's uid it stands for (``alias_uid``).

    The merge of an exchange file (exports/exchange.py) compares histories: an incoming version
    this PC has already seen is old (keep ours); a local version the other PC has seen means
    theirs is newer (take theirs); neither means both changed it: a conflict for the clerk."""

    __tablename__ = "sync_record"
    table_name: Mapped[str] = mapped_column(String(40), primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), primary_key=True)
    hashes: Mapped[str] = mapped_column(Text, default="")  # space-separated, oldest first
    alias_uid: Mapped[str | None] = mapped_column(String(32), default=None)
    updated_at: Mapped[dt.datetime] = mapped_column(default=now)


def load_history(session: Session, table: str | None = None) -> dict[tuple[str, str], tuple[list[str], str | None]]:
    """(table, uid) → (hashes, alias uid) for every record with an exchange history."""
    q = select(SyncRecord.table_name, SyncRecord.uid, SyncRecord.hashes, SyncRecord.alias_uid)
    if table is not None:
        q = q.where(SyncRecord.table_name == table)
    return {(t, u): ((h or "").split(), a) for t, u, h, a in session.execute(q)}


def add_history(session: Session, entries: Iterable[tuple[str, str, Sequence[str], str | None]],
                known: Mapping[tuple[str, str], tuple[list[str], str | None]] | None = None) -> int:
    """Append hashes to records' histories: entries of (table, uid, new hashes, alias uid or
    None). ``known`` is the history already loaded (saves a query). Returns rows written."""
    known = known if known is not None else load_history(session)
    stamp = now()
    rows = []
    for table, uid, new, alias in entries:
        old, old_alias = known.get((table, uid), ([], None))
        hashes = list(old)
        for h in new:
            if h and (not hashes or hashes[-1] != h):
                if h in hashes:
                    hashes.remove(h)
                hashes.append(h)
        hashes = hashes[-HISTORY_KEEP:]
        alias = alias or old_alias
        if hashes == old and alias == old_alias:
            continue
        rows.append({"table_name": table, "uid": uid, "hashes": " ".join(hashes), "alias_uid": alias,
                     "updated_at": stamp})
    for chunk in range(0, len(rows), 5000):
        part = rows[chunk:chunk + 5000]
        stmt = sqlite_insert(SyncRecord.__table__)
        stmt = stmt.on_conflict_do_update(
            index_elements=["table_name", "uid"],
            set_={"hashes": stmt.excluded.hashes, "alias_uid": stmt.excluded.alias_uid,
                  "updated_at": stmt.excluded.updated_at},
        )
        session.execute(stmt, part)
    return len(rows)
