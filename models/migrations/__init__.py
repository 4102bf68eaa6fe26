"""Alembic migrations of the program's database.

``REVISIONS`` lists every revision this program knows, oldest first. Start-up compares the
database's revision with it without importing Alembic: equal to the head means nothing to do;
unknown means a newer program wrote the database, which is refused. A test keeps this list equal
to the revision chain in versions/.
"""
from pathlib import Path

REVISIONS: tuple[str, ...] = ("0001", "0002", "0003", "0004", "0005", "0006")
HEAD = REVISIONS[-1]
HERE = Path(__file__).resolve().parent
