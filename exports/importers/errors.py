"""What can go wrong in an import, as plain data with Chinese messages.

* :class:`FileRejected` — a whole file cannot be read (not a workbook, truncated, encrypted, an
  old .xls, unsafe content …). ``str()`` names the file and says what to do next.
* :class:`Issue` — one problem in one cell or row: file, sheet, row, column letter and header,
  the value as found and the reason. Previews collect these; the clerk sees them in a table and
  can export them to Excel.
* :class:`ImportRejected` — applying was refused (errors not excluded, stale preview, unresolved
  conflicts); nothing was changed.
* :class:`ImportCancelled` — the clerk pressed 取消; the transaction was rolled back.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class FileRejected(Exception):
    """A file that cannot be imported at all. ``code`` is a stable machine name of the cause
    (``empty``, ``not_zip``, ``truncated``, ``old_xls``, ``encrypted``, ``entities``,
    ``unsafe_path``, ``too_large``, ``wrong_headers``, ``not_ours``, ``newer_version`` …)."""

    def __init__(self, path: Path | str, code: str, message: str, *, sheet: str = "", row: int | None = None,
                 column: str = "") -> None:
        self.path = Path(path)
        self.code = code
        self.sheet = sheet
        self.row = row
        self.column = column
        where = f"文件「{self.path.name}」"
        if sheet:
            where += f"工作表「{sheet}」"
        if row is not None:
            where += f"第{row}行"
        if column:
            where += f"{column}列"
        super().__init__(f"{where}：{message}")
        self.reason = message


class ImportRejected(Exception):
    """Applying was refused; nothing changed. ``str()`` says why in Chinese."""


class ImportCancelled(Exception):
    """The clerk cancelled; everything done so far was rolled back."""


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    out = ""
    n = index + 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


@dataclass(frozen=True)
class Issue:
    """One problem found in a file: where, what was there, and why it is wrong."""

    file: str
    sheet: str
    row: int | None  # Excel row number (1-based); None for a problem of the whole sheet
    column: str  # column letter ("C"), "" when not about one cell
    header: str  # the column's header text as in the file ("统一社会信用代码")
    value: Any
    reason: str
    severity: str = "error"  # "error" blocks the row; "warning" is shown only

    @property
    def where(self) -> str:
        parts = [self.file]
        if self.sheet:
            parts.append(f"工作表「{self.sheet}」")
        if self.row is not None:
            parts.append(f"第{self.row}行")
        if self.column:
            parts.append(f"{self.column}列" + (f"（{self.header}）" if self.header else ""))
        return " ".join(parts)

    def __str__(self) -> str:
        value = "" if self.value in (None, "") or str(self.value) in self.reason else f"「{self.value}」"
        return f"{self.where}：{value}{self.reason}"


@dataclass
class Progress:
    """Adapter for the two callables every long import takes: ``progress(done, total, text)`` and
    ``should_stop() -> bool``. ``tick`` reports at most every ``every`` items and raises
    ImportCancelled when asked to stop."""

    progress: Any = None
    should_stop: Any = None
    every: int = 200
    _last: int = field(default=-1, repr=False)

    def report(self, done: int, total: int, text: str = "") -> None:
        if self.progress is not None:
            self.progress(done, total, text)
        self.check()

    def tick(self, done: int, total: int, text: str = "") -> None:
        if done - self._last >= self.every or done == total:
            self._last = done
            self.report(done, total, text)

    def check(self) -> None:
        if self.should_stop is not None and self.should_stop():
            raise ImportCancelled("已取消导入，数据库未做任何改动。")
