"""The declarative base and the columns every record carries.

Every record has an integer primary key for joins, a stable ``uid`` (a UUID that travels with the
record to other PCs in exchange files), and ``created_at`` / ``updated_at`` stamps.
"""
from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import Date, DateTime, MetaData, Numeric, String, event
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def now() -> dt.datetime:
    """Local wall-clock time without tzinfo: what the clerk sees on the office PC."""
    return dt.datetime.now().replace(microsecond=0)


def new_uid() -> str:
    return uuid.uuid4().hex


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {
        dt.date: Date,
        dt.datetime: DateTime,
        Decimal: Numeric(18, 4),
        str: String,
    }


class RecordMixin:
    """Columns shared by every kept record."""

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True, default=new_uid)
    created_at: Mapped[dt.datetime] = mapped_column(default=now)
    updated_at: Mapped[dt.datetime] = mapped_column(default=now)


@event.listens_for(Base, "before_update", propagate=True)
def _touch(mapper, connection, target) -> None:  # pragma: no cover - trivial
    if hasattr(target, "updated_at"):
        target.updated_at = now()
