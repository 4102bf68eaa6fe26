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
        self._committed = False
        return self

    def __exit__(self, exc_type, *exc) -> None:
        # Work not committed is rolled back. After a commit the session is only closed: the
        # objects keep their loaded values (a rollback would expire them, and reading one after
        # the block would then fail).
        if exc_type is not None or not self._committed or self.session.dirty or self.session.new:
            self.session.rollback()
        self.session.close()

    def commit(self) -> None:
        self.session.commit()
        self._committed = True

    def rollback(self) -> None:
        self.session.rollback()
