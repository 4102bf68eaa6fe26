"""Shared by the import tests: the row count of every table, to show that nothing changed."""
from __future__ import annotations

import sqlite3
from pathlib import Path


def table_counts(db_or_path) -> dict[str, int]:
    """Rows per table (every table in the file, the exchange state and audit log included) of a
    Database or a database file."""
    path = Path(getattr(db_or_path, "path", db_or_path))
    con = sqlite3.connect(path)
    try:
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {n: con.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0] for n in names}
    finally:
        con.close()
