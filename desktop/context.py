"""What every view shares: the open database, the current user, and the signals by which one
view tells the others that data changed or asks the window to open a record."""
from __future__ import annotations

from PySide6.QtCore import QObject, QSettings, Signal

from models.db import Database


class AppContext(QObject):
    #: something was committed; argument: the table names touched ("*" = anything)
    data_changed = Signal(object)
    #: ask the main window to show a record: (table, id)
    open_record = Signal(str, int)
    #: a short message for the status bar
    status = Signal(str)

    def __init__(self, db: Database, settings: QSettings | None = None, prefetch=None) -> None:
        super().__init__()
        self.db = db
        self.settings = settings or QSettings("greendesk", "greendesk")
        #: reads started at start-up (desktop.prefetch.Prefetcher), or None
        self.prefetch = prefetch
        if prefetch is not None:
            self.data_changed.connect(lambda _tables: prefetch.discard())

    def read(self, fn, *args):
        """``fn(con, *args)`` on a plain read connection: the result read at start-up when
        there is one for exactly these arguments and nothing was written since (desktop.prefetch)."""
        from .prefetch import read

        return read(self.prefetch, self.db, fn, *args)

    @property
    def user(self) -> str:
        return self.db.user

    def changed(self, *tables: str) -> None:
        self.data_changed.emit(set(tables) or {"*"})
