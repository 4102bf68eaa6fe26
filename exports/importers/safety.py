"""Checking a file before any parser sees it.

:func:`inspect_file` looks at the bytes and the ZIP directory, never trusting the extension, and
either says what the file is (``"xlsx"``, ``"csv"``, ``"exchange"``) or raises
:class:`~exports.importers.errors.FileRejected` with a specific Chinese message naming the file:

* empty (0 bytes); an old .xls/.et (OLE) workbook → “请另存为 .xlsx 后再导入”; a password-protected
  (encrypted OLE package) workbook; not a ZIP at all; a truncated or damaged ZIP;
* archive members with absolute paths, drive letters or ``..`` (path traversal);
* sizes bounded: the number of members, the total uncompressed size, and the compression ratio
  of each large member (zip bombs) — counted while actually decompressing, so a lying directory
  does not help;
* XML parts declaring a DOCTYPE or entities (billion laughs, external entities) — refused before
  openpyxl or calamine parse anything. (openpyxl itself also parses through defusedxml / lxml's
  safe parser when those are installed.)
"""
from __future__ import annotations

import json
import zipfile
from pathlib import Path, PurePosixPath

from .errors import FileRejected

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")

#: limits for spreadsheets (uncompressed)
XLSX_MAX_TOTAL = 512 * 1024 * 1024
XLSX_MAX_MEMBERS = 5_000
#: limits for exchange files (attachments make them large, but they do not compress much)
EXCHANGE_MAX_TOTAL = 32 * 1024 * 1024 * 1024
EXCHANGE_MAX_MEMBERS = 500_000
#: a member larger than this must not be compressed more than MAX_RATIO times
RATIO_MIN_SIZE = 4 * 1024 * 1024
MAX_RATIO = 300
#: CSV files larger than this are refused (a published list is a few hundred KB)
CSV_MAX_SIZE = 200 * 1024 * 1024

EXCHANGE_FORMAT = "greendesk-exchange"
EXCHANGE_SUFFIXES = (".gdx",)
OLD_SUFFIXES = (".xls", ".et", ".ett", ".xlt")

MSG_OLD = "这是旧版 Excel（.xls）或 WPS 表格（.et）格式，程序不能直接读取。请用 Excel 或 WPS 打开，请另存为 .xlsx 后再导入。"
MSG_ENCRYPTED = ("文件设置了打开密码（已加密），程序无法读取。请在 Excel/WPS 中输入密码打开，"
                 "取消密码后另存为 .xlsx 再导入。")
MSG_EMPTY = "文件是空的（0 字节），可能保存或拷贝时出错。请重新获取该文件。"
MSG_NOT_ZIP = ("不是有效的 Excel 工作簿（.xlsx 文件本应是 ZIP 格式，这个文件不是），可能是改了扩展名的其他文件。"
               "请用 Excel 打开确认内容，另存为 .xlsx 后再导入。")
MSG_TRUNCATED = "文件不完整或已损坏（压缩结构无法读取），可能下载或拷贝没有完成。请重新获取文件后再导入。"
MSG_ENTITIES = ("文件中含有 XML 实体声明（DOCTYPE/ENTITY），正常的 Excel 文件不会有，可能是恶意构造的文件。"
                "已拒绝导入；请让对方用 Excel 重新另存后再发送。")

_XML_NEEDLES = tuple(
    needle.encode(enc) for needle in ("<!DOCTYPE", "<!ENTITY") for enc in ("utf-8", "utf-16-le", "utf-16-be")
)


def _reject(path: Path, code: str, message: str) -> FileRejected:
    return FileRejected(path, code, message)


def unsafe_member(name: str) -> bool:
    """True for an archive member that would land outside the folder it is extracted to."""
    if not name or "\x00" in name:
        return True
    norm = name.replace("\\", "/")
    if norm.startswith("/") or (len(norm) > 1 and norm[1] == ":"):
        return True
    parts = PurePosixPath(norm).parts
    return any(p == ".." for p in parts)


def head(path: Path, n: int = 8) -> bytes:
    with open(path, "rb") as f:
        return f.read(n)


def check_ole(path: Path) -> None:
    """An OLE compound file is either an encrypted OOXML package or an old binary workbook."""
    with open(path, "rb") as f:
        data = f.read(4 * 1024 * 1024)
    if "EncryptedPackage".encode("utf-16-le") in data or "EncryptionInfo".encode("utf-16-le") in data:
        raise _reject(path, "encrypted", MSG_ENCRYPTED)
    raise _reject(path, "old_xls", MSG_OLD)


def check_zip(path: Path, *, max_total: int, max_members: int, scan_xml: bool = True) -> zipfile.ZipFile:
    """Open ``path`` as a ZIP and check every member (paths, sizes, ratio, XML prolog).
    Returns the open ZipFile (the caller closes it)."""
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise _reject(path, "truncated", MSG_TRUNCATED) from None
    except OSError as exc:
        raise _reject(path, "unreadable", f"无法读取文件（{exc.strerror or exc}）。请确认文件没有被其他程序占用。") from None
    try:
        infos = zf.infolist()
        if len(infos) > max_members:
            raise _reject(path, "too_large", f"压缩包内有 {len(infos)} 个文件，超过上限 {max_members}，已拒绝导入。")
        declared = 0
        for info in infos:
            if unsafe_member(info.filename):
                raise _reject(path, "unsafe_path",
                              f"压缩包中含有不安全的路径「{info.filename}」（指向文件夹之外或为绝对路径），已拒绝导入。")
            declared += info.file_size
            if declared > max_total:
                raise _reject(path, "too_large",
                              f"解压后超过 {max_total // (1024 * 1024)} MB，已拒绝导入（可能是压缩炸弹）。")
            if info.file_size > RATIO_MIN_SIZE and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise _reject(path, "too_large",
                              f"压缩包成员「{info.filename}」压缩比异常（{info.file_size // max(info.compress_size, 1)} 倍），"
                              "可能是压缩炸弹，已拒绝导入。")
        if scan_xml:
            for info in infos:
                low = info.filename.lower()
                if low.endswith((".xml", ".rels", ".vml")):
                    _scan_member(path, zf, info)
        return zf
    except BaseException:
        zf.close()
        raise


def _scan_member(path: Path, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Decompress one XML member in chunks: refuse DOCTYPE/ENTITY, and count the real size."""
    real = 0
    tail = b""
    limit = max(info.file_size, 1)
    try:
        with zf.open(info) as f:
            while True:
                chunk = f.read(1024 * 1024)
                if not chunk:
                    break
                real += len(chunk)
                if real > limit or (real > RATIO_MIN_SIZE and real > MAX_RATIO * max(info.compress_size, 1)):
                    raise _reject(path, "too_large", f"压缩包成员「{info.filename}」解压后大小与声明不符，已拒绝导入。")
                window = tail + chunk
                if any(n in window for n in _XML_NEEDLES):
                    raise _reject(path, "entities", MSG_ENTITIES)
                tail = window[-24:]
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        if isinstance(exc, FileRejected):
            raise
        raise _reject(path, "truncated", MSG_TRUNCATED) from None
    except NotImplementedError:
        raise _reject(path, "unsupported", "压缩方式不受支持，请用 Excel 重新另存为 .xlsx 后再导入。") from None


def inspect_file(path: Path | str) -> str:
    """What ``path`` is: ``"xlsx"``, ``"csv"`` or ``"exchange"``; FileRejected when it cannot be
    imported. Checks the bytes, not the name (an .xlsx that is really an old .xls is caught)."""
    path = Path(path)
    if path.is_dir():
        raise _reject(path, "folder", "这是一个文件夹，请选择文件（或用“导入文件夹”）。")
    if not path.exists():
        raise _reject(path, "missing", "文件不存在，请确认路径。")
    suffix = path.suffix.lower()
    try:
        size = path.stat().st_size
        first = head(path)
    except OSError as exc:
        raise _reject(path, "unreadable", f"无法读取文件（{exc.strerror or exc}）。请确认文件没有被其他程序占用。") from None
    if size == 0:
        raise _reject(path, "empty", MSG_EMPTY)
    if first.startswith(OLE_MAGIC):
        check_ole(path)
    if suffix in OLD_SUFFIXES:
        raise _reject(path, "old_xls", MSG_OLD)
    if suffix in (".csv", ".txt"):
        if size > CSV_MAX_SIZE:
            raise _reject(path, "too_large", f"文件超过 {CSV_MAX_SIZE // (1024 * 1024)} MB，不像是一份名单，已拒绝导入。")
        return "csv"
    if not first.startswith(ZIP_MAGICS):
        if suffix in EXCHANGE_SUFFIXES:
            raise _reject(path, "not_zip", "不是本程序的交换文件（文件格式不对），可能已损坏或改了扩展名。")
        if first.lstrip().startswith((b"<", b"\xef\xbb\xbf<")):
            raise _reject(path, "not_zip",
                          "这是网页（HTML）格式的表格，不是真正的 Excel 文件。请用 Excel 打开，另存为 .xlsx 后再导入。")
        raise _reject(path, "not_zip", MSG_NOT_ZIP)
    exchange = suffix in EXCHANGE_SUFFIXES
    zf = check_zip(
        path,
        max_total=EXCHANGE_MAX_TOTAL if exchange else XLSX_MAX_TOTAL,
        max_members=EXCHANGE_MAX_MEMBERS if exchange else XLSX_MAX_MEMBERS,
        scan_xml=not exchange,
    )
    with zf:
        names = set(zf.namelist())
        if "manifest.json" in names:
            try:
                manifest = json.loads(zf.read("manifest.json").decode("utf-8"))
            except (ValueError, UnicodeDecodeError, zipfile.BadZipFile, EOFError, OSError):
                raise _reject(path, "truncated", "交换文件的清单（manifest.json）已损坏，无法导入。请重新导出。") from None
            if isinstance(manifest, dict) and manifest.get("format") == EXCHANGE_FORMAT:
                if not exchange:
                    # an exchange file renamed: check it again with the exchange limits
                    pass
                return "exchange"
        if exchange:
            raise _reject(path, "not_ours", "不是本程序导出的交换文件（缺少清单 manifest.json）。")
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "word/document.xml" in names:
            raise _reject(path, "not_xlsx",
                          "这是 Word 文档，不是 Excel 表格。请把其中的名单表格复制到 Excel，另存为 .xlsx 后再导入。")
        if "EncryptedPackage" in names:
            raise _reject(path, "encrypted", MSG_ENCRYPTED)
        raise _reject(path, "not_xlsx", "压缩包里没有 Excel 工作簿（缺少 xl/workbook.xml），不是 .xlsx 文件。")
