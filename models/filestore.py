"""The attachment store: received files kept under the data folder, named by their SHA-256.

    DATA_DIR/files/<sha256[:2]>/<sha256>

A file is copied (read only, never modified) to a temporary name in the store while it is
hashed, then renamed into place, so a half-written file never carries a real name. Identical
content is stored once. Nothing here touches the database: models.review_service records what
was stored.

``inspect_file`` says what a file really is (by its first bytes, not its name), whether it
opens (a PDF through pypdf, a Word/Excel file through its zip parts) and how many pages a PDF
has. Every problem comes back as a Chinese sentence naming the file, never as an exception.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

CHUNK = 1024 * 1024
#: files above this size are accepted with a warning (issue 3, "Bad input")
LARGE_FILE_BYTES = 200 * 1024 * 1024

#: extension → the content kind it must have
EXTENSION_KINDS = {
    ".pdf": "pdf",
    ".docx": "docx", ".docm": "docx",
    ".xlsx": "xlsx", ".xlsm": "xlsx",
    ".doc": "ole", ".xls": "ole", ".wps": "ole", ".et": "ole",
    ".jpg": "jpeg", ".jpeg": "jpeg",
    ".png": "png",
    ".tif": "tiff", ".tiff": "tiff",
    ".ofd": "zip",
    ".zip": "zip",
    ".txt": "text",
}
KIND_LABELS = {
    "pdf": "PDF 文档", "docx": "Word 文档", "xlsx": "Excel 表格", "ole": "Office 97-2003 文档",
    "jpeg": "JPEG 图片", "png": "PNG 图片", "tiff": "TIFF 图片", "zip": "压缩包", "exe": "可执行程序",
    "text": "文本文件", "unknown": "未知类型",
}


class StoreError(Exception):
    """A file that cannot be stored; ``str()`` is a Chinese sentence naming the file."""


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    path: Path
    mtime_ns: int


@dataclass
class FileInfo:
    """What ``inspect_file`` found. ``error`` makes the file unacceptable (nothing is stored);
    ``read_error`` means it was received but does not open; ``warnings`` are for the clerk."""

    kind: str = "unknown"
    file_type: str = ""
    page_count: int | None = None
    error: str = ""
    read_error: str = ""
    warnings: list[str] = field(default_factory=list)


def stored_path(files_dir: Path, sha256: str) -> Path:
    """Where the content with this SHA-256 lives in the store."""
    return Path(files_dir) / sha256[:2] / sha256


def hash_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def store_file(files_dir: Path, src: Path) -> StoredFile:
    """Copy ``src`` into the store (hashing while copying) and return where it went.

    The original is opened read-only and never changed. The copy is written under a temporary
    name in the store and renamed into place; identical content already stored is kept as it is.
    """
    src = Path(src)
    files_dir = Path(files_dir)
    files_dir.mkdir(parents=True, exist_ok=True)
    h = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(prefix=".incoming-", dir=files_dir)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out, open(src, "rb") as f:
            for chunk in iter(lambda: f.read(CHUNK), b""):
                h.update(chunk)
                out.write(chunk)
                size += len(chunk)
            out.flush()
            os.fsync(out.fileno())
        digest = h.hexdigest()
        dest = stored_path(files_dir, digest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        if dest.exists() and dest.stat().st_size == size and hash_file(dest) == digest:
            tmp.unlink()
        else:
            _make_writable(dest)
            os.replace(tmp, dest)
            _make_read_only(dest)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise StoreError(f"文件「{src.name}」无法存入资料库（{exc.strerror or exc}）。请检查磁盘空间和文件权限后重试。") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return StoredFile(digest, size, dest, dest.stat().st_mtime_ns)


def store_bytes(files_dir: Path, data: bytes) -> StoredFile:
    """Store ``data`` directly (demo data, generated files): same layout as ``store_file``."""
    digest = hashlib.sha256(data).hexdigest()
    dest = stored_path(files_dir, digest)
    if not dest.exists():
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".incoming-{digest}.{os.getpid()}")
        tmp.write_bytes(data)
        os.replace(tmp, dest)
        _make_read_only(dest)
    return StoredFile(digest, len(data), dest, dest.stat().st_mtime_ns)


def _make_read_only(path: Path) -> None:
    try:
        os.chmod(path, 0o444)
    except OSError:  # pragma: no cover - a file system without modes
        pass


def _make_writable(path: Path) -> None:
    if path.exists():
        try:
            os.chmod(path, 0o644)
        except OSError:  # pragma: no cover
            pass


# --------------------------------------------------------------------------- what a file is


def sniff(head: bytes) -> str:
    """The content kind from the first bytes (magic numbers)."""
    if head.startswith(b"%PDF-") or (b"%PDF-" in head[:1024]):
        return "pdf"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"II*\x00") or head.startswith(b"MM\x00*"):
        return "tiff"
    if head.startswith(b"MZ") or head.startswith(b"\x7fELF"):
        return "exe"
    return "unknown"


def _zip_kind(path: Path) -> str:
    """docx / xlsx / zip for a zip container, by the parts it holds."""
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
    except (zipfile.BadZipFile, OSError):
        return "zip"
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return "zip"


def inspect_file(path: Path, original_name: str | None = None) -> FileInfo:
    """Look at a file before (or after) it is stored. Never raises for a bad file."""
    path = Path(path)
    name = original_name or path.name
    info = FileInfo(file_type=Path(name).suffix.lower().lstrip("."))
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            head = f.read(2048)
    except OSError as exc:
        info.error = f"文件「{name}」无法读取（{exc.strerror or exc}）。请确认文件存在且未被其他程序占用。"
        return info
    if size == 0:
        info.error = f"文件「{name}」是空文件（0 字节），未收录。请让申报单位重新提供。"
        return info
    if size > LARGE_FILE_BYTES:
        info.warnings.append(
            f"文件「{name}」有 {size / 1024 / 1024:.0f} MB，超过 200 MB；已收录，但打包报送可能很慢，"
            "建议请申报单位压缩后重新提供。"
        )
    kind = sniff(head)
    if kind == "zip":
        kind = _zip_kind(path)
    info.kind = kind
    ext = Path(name).suffix.lower()
    expected = EXTENSION_KINDS.get(ext)
    if kind == "exe":
        info.error = (
            f"文件「{name}」的内容是{KIND_LABELS['exe']}，不是{KIND_LABELS.get(expected or '', '申报材料')}"
            "（扩展名与内容不符），未收录。请勿打开该文件，并请申报单位重新提供。"
        )
        return info
    if expected is not None and expected != "text" and kind != expected:
        # docx/xlsx are zip containers; .ofd is a zip too
        if not (expected == "zip" and kind in ("docx", "xlsx", "zip")):
            info.error = (
                f"文件「{name}」的扩展名是 {ext}，但内容是{KIND_LABELS.get(kind, '未知类型')}"
                f"（扩展名与内容不符），未收录。请核对后重新选择正确的文件。"
            )
            return info
    if expected is None and kind == "unknown":
        info.warnings.append(f"文件「{name}」的类型无法识别，已收录，请人工确认能否打开。")
    if kind == "pdf":
        info.page_count, info.read_error = _pdf_pages(path, name)
    elif kind in ("docx", "xlsx"):
        info.read_error = _ooxml_error(path, name, kind)
    return info


def _pdf_pages(path: Path, name: str) -> tuple[int | None, str]:
    """(page count, read error) of a PDF, through pypdf."""
    import logging
    import warnings

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(str(path), strict=False)
            if reader.is_encrypted:
                try:
                    ok = reader.decrypt("")
                except Exception:  # noqa: BLE001 - unsupported encryption is "cannot open"
                    ok = 0
                if not ok:
                    return None, f"「{name}」是加密的 PDF，需要密码才能打开。请让申报单位提供未加密的文件。"
            pages = len(reader.pages)
            if pages == 0:
                return 0, f"「{name}」是没有页面的 PDF。请让申报单位重新提供。"
            reader.pages[0]  # the first page must resolve
            return pages, ""
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError,
            RecursionError, AssertionError) as exc:
        return None, f"「{name}」无法作为 PDF 打开（文件已损坏：{type(exc).__name__}）。请让申报单位重新提供。"
    except Exception as exc:  # noqa: BLE001 - pypdf raises many kinds on broken input
        return None, f"「{name}」无法作为 PDF 打开（{type(exc).__name__}）。请让申报单位重新提供。"


def _ooxml_error(path: Path, name: str, kind: str) -> str:
    """'' when the Word/Excel file's main part parses (defusedxml), else the reason."""
    from defusedxml import ElementTree as SafeET

    part = "word/document.xml" if kind == "docx" else "xl/workbook.xml"
    label = "Word" if kind == "docx" else "Excel"
    try:
        with zipfile.ZipFile(path) as z:
            if z.testzip() is not None:
                raise zipfile.BadZipFile("crc")
            SafeET.fromstring(z.read(part))
    except Exception as exc:  # noqa: BLE001 - any failure means "does not open"
        return f"「{name}」无法作为 {label} 文件打开（文件已损坏：{type(exc).__name__}）。请让申报单位重新提供。"
    return ""


# --------------------------------------------------------------------------- checking stored files


@dataclass(frozen=True)
class Integrity:
    """The state of one stored file: ``ok``, ``missing`` or ``changed``; ``mtime_ns`` is the
    file's current time when it was (re)hashed and found unchanged (to be stored back)."""

    state: str
    rehashed: bool = False
    mtime_ns: int | None = None


def quick_verify(files_dir: Path, sha256: str, size: int, stored_mtime_ns: int) -> Integrity:
    """Is the stored copy still there and unchanged? Hashes only when its size or modification
    time differs from what was recorded (the usual case costs one ``stat``)."""
    # plain string paths: this runs once per material of every check run (20,000 in the benchmark)
    try:
        st = os.stat(f"{files_dir}{os.sep}{sha256[:2]}{os.sep}{sha256}")
    except OSError:
        return Integrity("missing")
    if st.st_size != size:
        return Integrity("changed")
    if st.st_mtime_ns == stored_mtime_ns:
        return Integrity("ok")
    return full_verify(files_dir, sha256, size)


_OK = Integrity("ok")
_MISSING = Integrity("missing")
_CHANGED = Integrity("changed")
_UNSEEN = object()
#: on Windows, list a whole shard folder (os.scandir) instead of stat-ing each file when a run
#: looks at this many files or more
SCAN_FROM = 64


def _shard_listing(files_dir: Path, shards: Iterable[str]) -> dict[str, tuple[int, int]]:
    """name → (size, mtime_ns) of the files in these shard folders, from the listing itself.

    On Windows the listing carries each file's size and time (no file is opened); on other
    systems ``DirEntry.stat`` costs what ``os.stat`` costs, so this is used on Windows only."""
    out: dict[str, tuple[int, int]] = {}
    for shard in shards:
        try:
            with os.scandir(os.path.join(files_dir, shard)) as it:
                for entry in it:
                    try:
                        if entry.is_file():
                            st = entry.stat()
                            out[entry.name] = (st.st_size, st.st_mtime_ns)
                    except OSError:
                        pass
        except OSError:
            pass
    return out


def quick_verify_many(
    files_dir: Path, files: Sequence[tuple[str, int, int]], *, listing: bool | None = None
) -> list[Integrity]:
    """``quick_verify`` for many files at once: one result per ``(sha256, size, stored_mtime_ns)``,
    in order. Each stored file is looked at once however many materials share it, and hashed at
    most once. ``listing``: read sizes and times from the shard folders' listings (default: on
    Windows, for ``SCAN_FROM`` files or more, where it spares opening every file)."""
    seen: dict[str, tuple[int, int] | None] = {}  # sha256 → (size, mtime_ns), None: not there
    if listing is None:
        listing = os.name == "nt" and len(files) >= SCAN_FROM
    if listing:
        shas = {f[0] for f in files}
        found = _shard_listing(files_dir, sorted({s[:2] for s in shas}))
        seen = {s: found.get(s) for s in shas}
    base, sep, stat, unseen = f"{files_dir}{os.sep}", os.sep, os.stat, _UNSEEN
    rehashed: dict[tuple[str, int], Integrity] = {}
    out: list[Integrity] = []
    append = out.append
    for sha, size, mtime in files:
        st = seen.get(sha, unseen)
        if st is unseen:
            try:
                s = stat(base + sha[:2] + sep + sha)
                st = (s.st_size, s.st_mtime_ns)
            except OSError:
                st = None
            seen[sha] = st
        if st is None:
            append(_MISSING)
        elif st[0] != size:
            append(_CHANGED)
        elif st[1] == mtime:
            append(_OK)
        else:
            res = rehashed.get((sha, size))
            if res is None:
                res = rehashed[(sha, size)] = full_verify(files_dir, sha, size)
            append(res)
    return out


def full_verify(files_dir: Path, sha256: str, size: int | None = None) -> Integrity:
    """Rehash the stored copy whatever its time says."""
    p = stored_path(files_dir, sha256)
    try:
        st = p.stat()
        if size is not None and st.st_size != size:
            return Integrity("changed", rehashed=False)
        digest = hash_file(p)
    except OSError:
        return Integrity("missing")
    if digest != sha256:
        return Integrity("changed", rehashed=True)
    return Integrity("ok", rehashed=True, mtime_ns=st.st_mtime_ns)


def copy_out(files_dir: Path, sha256: str, dest: Path) -> Path:
    """Copy a stored file out (to open it or put it in a package) without touching the store."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(stored_path(files_dir, sha256), dest)
    return dest
