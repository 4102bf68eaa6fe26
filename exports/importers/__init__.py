"""Importing files: filled forms, published lists, exchange files — one entry point for the
command line and the import wizard.

Every path here is Qt-free and follows the same rules:

* **look first** — ``detect(path)`` says what a file is; the preview functions
  (``forms_in.preview_forms``, ``exports.lists.preview_list_file``,
  ``exports.exchange.preview_exchange_file``) read and compare without changing anything;
* **all or nothing** — the apply functions take a backup (``db.backup_now("import")``, the last 10
  kept) and write in one transaction; any error or a cancel leaves the database as it was;
* **undo** — ``undo_import(db, result.backup)`` restores that backup (itself first saved, so the
  undo can be undone);
* **progress and cancel** — long functions take ``progress(done, total, text)`` and
  ``should_stop() -> bool``; stopping raises ``ImportCancelled`` after rolling back.

``import_path(db, path, dry_run=..., yes=...)`` runs the whole thing for the command line and
returns an :class:`ImportReport` (lines to print, issues, exit code).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .errors import FileRejected, ImportCancelled, ImportRejected, Issue, column_letter
from .safety import inspect_file

__all__ = [
    "FileRejected", "ImportCancelled", "ImportRejected", "Issue", "column_letter", "inspect_file",
    "detect", "import_path", "ImportReport", "undo_import", "start_new_year",
    "EXIT_OK", "EXIT_REJECTED", "EXIT_USAGE", "EXIT_NEEDS_CONFIRMATION",
]

EXIT_OK = 0
EXIT_REJECTED = 1  # errors in the file(s): nothing changed
EXIT_USAGE = 2  # the database cannot be opened, bad options
EXIT_NEEDS_CONFIRMATION = 3  # uncertain mapping/matches or conflicts: nothing changed

KIND_LABELS = {"forms": "信息采集表", "list": "名单", "exchange": "交换文件"}


def detect(path: Path | str) -> str:
    """What ``path`` is: "forms" (our filled forms, or a folder of them), "list" (a published
    list), or "exchange". FileRejected when the file cannot be imported at all."""
    path = Path(path)
    if path.is_dir():
        return "forms"
    kind = inspect_file(path)
    if kind == "exchange":
        return "exchange"
    from .forms_in import read_form_file

    if kind == "xlsx" and _has_marker(path):
        return "forms"
    try:
        ff = read_form_file(path)
    except FileRejected as exc:
        if exc.code != "wrong_headers":
            raise
        return "list"
    from .forms_in import find_header

    hr, cols, _ = find_header(ff.grid, ff.schema)
    header = [str(v).strip() for v in (ff.grid.rows[hr] if hr >= 0 else []) if v is not None]
    if "序号" in header:  # published lists number their rows; the forms do not
        return "list"
    return "forms" if len(cols) >= 4 else "list"


def _has_marker(path: Path) -> bool:
    from exports.xlsx_forms import MARKER_SHEET

    from .tables import open_workbook, sheet_infos

    book = open_workbook(path)
    try:
        return any(n == MARKER_SHEET for n, _ in sheet_infos(book))
    finally:
        try:
            book.close()
        except Exception:  # pragma: no cover
            pass


@dataclass
class ImportReport:
    """What an import did or would do, for printing."""

    path: Path
    kind: str = ""
    applied: bool = False
    exit_code: int = EXIT_OK
    counts: dict[str, int] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    backup: Path | None = None

    def text(self) -> str:
        return "\n".join(self.lines)


def undo_import(db: Any, backup: Path | str) -> Path:
    """Put the database back as it was before an import (restores the automatic backup taken
    then; the current state is saved first, so this can itself be undone). Returns that safety
    backup."""
    return db.restore(Path(backup))


def start_new_year(db: Any, from_year: int, *, backup: bool = True) -> tuple[int, Path | None]:
    """Start year ``from_year + 1``: unfinished applications of ``from_year`` carry forward
    (models.pipeline.start_new_year), finished ones stay in their year. Backup first, one
    transaction. Returns (applications carried, backup path)."""
    from models.pipeline import start_new_year as carry

    path = db.backup_now("import") if backup else None
    with db.uow() as uow:
        carried = carry(uow.session, from_year, user=uow.session.info.get("user", ""))
        uow.commit()
        return len(carried), path


def import_path(
    db: Any,
    path: Path | str,
    *,
    dry_run: bool = False,
    yes: bool = False,
    kind: str | None = None,
    spec: Any = None,
    keep: str | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> ImportReport:
    """Import one file or folder the way the command line does: recognise it (or take
    ``kind``), preview, print, and apply unless ``dry_run`` or something is rejected.

    ``yes`` accepts a list's guessed column mapping and list details (matches that need a
    person's confirmation are still left out). ``spec`` (exports.lists.ListSpec) overrides the
    guessed list details. ``keep`` ("local"/"incoming") settles an exchange file's conflicts."""
    from .run import run_import

    return run_import(db, Path(path), dry_run=dry_run, yes=yes, kind=kind, spec=spec, keep=keep,
                      progress=progress, should_stop=should_stop)
