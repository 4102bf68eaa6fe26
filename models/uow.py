"""Unit of work: leaving ``with db.uow() as uow:`` without ``uow.commit()`` rolls back."""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from .db import Database


class UnitOfWork:
    session: Session

    def __init__(self, db: "Database") -> None:
        self.db = db

    def __enter__(self) -> "UnitOfWork":
        self.session = self.db.session()
        return self

    def __exit__(self, *exc) -> None:
        self.session.rollback()
        self.session.close()

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()
