"""Reading the cells of a checked file: .xlsx through python-calamine (fast, read-only), .csv in
UTF-8 (with or without BOM) or GBK/GB18030.

Every function here is called only after :func:`exports.importers.safety.inspect_file` passed.
A sheet comes back as a :class:`Grid`: ``rows[i][j]`` is the value of Excel row ``i + 1``,
column ``j + 1`` (``None`` for an empty cell), so row numbers in messages are the ones the clerk
sees in Excel. Numbers arrive as float (or int), dates as ``datetime.date``/``datetime``, text as
str, booleans as bool.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from .errors import FileRejected
from .safety import inspect_file


@dataclass
class Grid:
    """The cells of one sheet (or one CSV file)."""

    path: Path
    sheet: str
    rows: list[list[Any]]
    hidden: bool = False
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # (r1, c1, r2, c2), 0-based, inclusive

    @property
    def file(self) -> str:
        return self.path.name

    def value(self, r: int, c: int) -> Any:
        row = self.rows[r] if 0 <= r < len(self.rows) else ()
        return row[c] if 0 <= c < len(row) else None

    def fill_merged(self) -> None:
        """Give every cell of a merged range the value of its top-left cell (a 区县 merged over
        several rows applies to each of them)."""
        for r1, c1, r2, c2 in self.merged:
            v = self.value(r1, c1)
            if v is None:
                continue
            for r in range(r1, min(r2, len(self.rows) - 1) + 1):
                row = self.rows[r]
                if len(row) <= c2:
                    row.extend([None] * (c2 + 1 - len(row)))
                for c in range(c1, c2 + 1):
                    if row[c] is None:
                        row[c] = v


def _calamine_errors() -> tuple[type[BaseException], ...]:
    import python_calamine as pc

    return tuple(getattr(pc, n) for n in ("CalamineError", "XmlError", "ZipError", "PasswordError")
                 if hasattr(pc, n))


def open_workbook(path: Path):
    from python_calamine import CalamineWorkbook

    try:
        return CalamineWorkbook.from_path(str(path))
    except _calamine_errors() as exc:
        raise _damaged(path, exc) from None
    except (OSError, ValueError) as exc:
        raise _damaged(path, exc) from None


def _damaged(path: Path, exc: BaseException, sheet: str = "") -> FileRejected:
    name = type(exc).__name__
    if name == "PasswordError":
        from .safety import MSG_ENCRYPTED

        return FileRejected(path, "encrypted", MSG_ENCRYPTED)
    return FileRejected(path, "damaged", f"工作簿内容已损坏，无法读取（{exc}）。请用 Excel 打开后重新另存为 .xlsx 再导入。",
                        sheet=sheet)


def sheet_infos(book: Any) -> list[tuple[str, bool]]:
    """(name, hidden) of every worksheet, in order."""
    out = []
    for meta in book.sheets_metadata:
        typ = str(getattr(meta, "typ", "WorkSheet"))
        if "WorkSheet" not in typ and "Worksheet" not in typ:
            continue
        out.append((meta.name, "Visible" not in str(meta.visible)))
    return out


def read_sheet(book: Any, path: Path, name: str, *, hidden: bool = False, with_merged: bool = False) -> Grid:
    try:
        sheet = book.get_sheet_by_name(name)
        raw = sheet.to_python(skip_empty_area=False)
        merged = []
        if with_merged:
            for (r1, c1), (r2, c2) in (sheet.merged_cell_ranges or []):
                merged.append((r1, c1, r2, c2))
    except _calamine_errors() as exc:
        raise _damaged(path, exc, name) from None
    rows = [[None if v == "" else v for v in row] for row in raw]
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    return Grid(path, name, rows, hidden, merged)


def read_xlsx(path: Path, *, sheets: Iterable[str] | None = None, include_hidden: bool = False,
              with_merged: bool = False) -> list[Grid]:
    """The grids of the workbook's visible sheets (or the named ones)."""
    book = open_workbook(path)
    try:
        wanted = set(sheets) if sheets is not None else None
        out = []
        for name, hidden in sheet_infos(book):
            if wanted is not None and name not in wanted:
                continue
            if wanted is None and hidden and not include_hidden:
                continue
            out.append(read_sheet(book, path, name, hidden=hidden, with_merged=with_merged))
        return out
    finally:
        try:
            book.close()
        except Exception:  # pragma: no cover - close on an already closed book
            pass


ENCODINGS = ("utf-8-sig", "gb18030")


def decode_text(path: Path, data: bytes) -> str:
    if b"\x00" in data[:4096]:
        raise FileRejected(path, "not_text", "不是文本格式的 CSV 文件（含有二进制内容）。请用 Excel 打开后另存为 .xlsx 或 CSV 再导入。")
    for enc in ENCODINGS:
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise FileRejected(path, "encoding", "无法识别文件的文字编码（既不是 UTF-8 也不是 GBK）。请用 Excel 打开后另存为 .xlsx 再导入。")


def read_csv(path: Path) -> Grid:
    text = decode_text(path, path.read_bytes())
    if not text.strip():
        raise FileRejected(path, "empty", "文件里没有任何内容。请确认选择的是正确的名单文件。")
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;|")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    rows = []
    for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        rows.append([None if (v is None or v.strip() == "") else v for v in row])
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    return Grid(path, "", rows)


def read_grids(path: Path | str, *, with_merged: bool = True) -> tuple[str, list[Grid]]:
    """Check ``path`` and read its visible sheets: ("xlsx" | "csv", grids)."""
    path = Path(path)
    kind = inspect_file(path)
    if kind == "csv":
        return kind, [read_csv(path)]
    if kind == "xlsx":
        return kind, read_xlsx(path, with_merged=with_merged)
    raise FileRejected(path, "not_table", "这是本程序的交换文件，不是表格。请用“导入交换文件”。")
