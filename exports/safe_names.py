"""File and folder names that Windows accepts, shortened predictably when too long.

Windows refuses ``<>:"/\\|?*`` and control characters in a name, the device names (CON, PRN, AUX,
NUL, COM1–COM9, LPT1–LPT9, with or without an extension), and silently drops a trailing dot or
space. Explorer and many tools still fail on full paths of 260 characters or more, so a package
keeps every full path under :data:`MAX_PATH` (240) characters. Lengths are counted as Windows
does, in UTF-16 code units (a Chinese character counts one, a rare character outside the BMP two).

A name that is too long keeps its start, gets ``~`` and the first 6 hex digits of the SHA-1 of the
full original name, then its extension: the same input always gives the same short name, and two
long names that share a start still differ.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata

MAX_PATH = 240  #: full path limit we keep under (Windows' MAX_PATH is 260 including the drive)
MAX_COMPONENT = 120  #: one file or folder name (NTFS allows 255; we leave room for the path)
#: one name in UTF-8 bytes: Linux and macOS file systems allow 255 bytes (85 Chinese characters),
#: and the package is also written and checked there (CI, a colleague's Mac)
MAX_COMPONENT_BYTES = 240

_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"} | {
    f"{dev}{n}" for dev in ("COM", "LPT") for n in (*"123456789", "¹", "²", "³")
}
_HASH_LEN = 6


def utf16_len(text: str) -> int:
    """Length as Windows counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def is_reserved(name: str) -> bool:
    """CON, nul.txt, Com1.pdf … (the device names, whatever the case or extension)."""
    stem = name.split(".", 1)[0].rstrip(" ")
    return stem.upper() in _RESERVED


def _split_ext(name: str) -> tuple[str, str]:
    """('报告', '.pdf'); an extension is a final dot-part of 1–8 letters/digits, not the whole name."""
    m = re.search(r"(\.[A-Za-z0-9]{1,8})$", name)
    if m and m.start() > 0:
        return name[: m.start()], m.group(1)
    return name, ""


def _cut(text: str, units: int, max_bytes: int = MAX_COMPONENT_BYTES) -> str:
    """The longest prefix of ``text`` of at most ``units`` UTF-16 code units and ``max_bytes``
    UTF-8 bytes."""
    out = []
    n = b = 0
    for ch in text:
        w = 2 if ord(ch) > 0xFFFF else 1
        nb = len(ch.encode("utf-8"))
        if n + w > units or b + nb > max_bytes:
            break
        out.append(ch)
        n += w
        b += nb
    return "".join(out)


def shorten(name: str, max_len: int, *, original: str | None = None) -> str:
    """``name`` cut to ``max_len`` UTF-16 units (and :data:`MAX_COMPONENT_BYTES` UTF-8 bytes),
    keeping its extension: start + ``~`` + 6 hex of the SHA-1 of ``original`` (default: ``name``)
    + extension. Unchanged when it already fits."""
    if utf16_len(name) <= max_len and len(name.encode("utf-8")) <= MAX_COMPONENT_BYTES:
        return name
    stem, ext = _split_ext(name)
    digest = hashlib.sha1((original if original is not None else name).encode("utf-8")).hexdigest()[:_HASH_LEN]
    tail = f"~{digest}{ext}"
    room = max_len - utf16_len(tail)
    if room < 1:  # absurdly small budget: keep the hash only
        return _cut(f"{digest}{ext}", max_len) or digest[: max(1, max_len)]
    head = _cut(stem, room, MAX_COMPONENT_BYTES - len(tail.encode("utf-8"))).rstrip(" .")
    return f"{head}{tail}"


def safe_name(name: str, *, max_len: int = MAX_COMPONENT, fallback: str = "未命名") -> str:
    """One file or folder name made safe on Windows.

    Forbidden characters become ``_``; leading and trailing spaces and trailing dots are removed;
    a reserved device name gets a ``_`` in front; an empty result becomes ``fallback``; a name
    longer than ``max_len`` UTF-16 units is shortened predictably (:func:`shorten`).
    """
    original = name
    text = unicodedata.normalize("NFC", str(name))
    text = _FORBIDDEN.sub("_", text)
    text = text.strip(" ").rstrip(". ")
    if not text or set(text) <= {"."}:
        text = fallback
    if is_reserved(text):
        text = "_" + text
    text = shorten(text, max_len, original=original)
    return text.rstrip(". ") or fallback


def numbered_folder(index: int, name: str, *, width: int = 2, max_len: int = MAX_COMPONENT) -> str:
    """``01_重庆××有限公司``: numbered so folders sort in the table's order."""
    prefix = f"{index:0{width}d}_"
    return prefix + safe_name(name, max_len=max(8, max_len - len(prefix)))


def fit_name(name: str, prefix_len: int, *, max_path: int = MAX_PATH) -> str:
    """``name`` shortened (predictably, :func:`shorten`) so that a full path of ``prefix_len``
    UTF-16 units, a separator and the name stays under ``max_path``.

    Raises ValueError with a Chinese message when not even a short name fits (the output folder
    is too deep)."""
    room = max_path - 1 - prefix_len - 1
    minimum = _HASH_LEN + 6  # a start character, ~, the hash and a short extension
    if room < minimum:
        raise ValueError(
            f"输出文件夹的路径太长（{prefix_len}个字符），包内文件的完整路径无法控制在{max_path}个字符以内。"
            "请选择路径较短的文件夹（例如 D:\\推荐材料）后重试。"
        )
    return shorten(name, room)


def unique_name(name: str, taken: set[str]) -> str:
    """``name``, or ``name (2)``, ``name (3)`` … so that no two files in a folder collide (the
    comparison ignores case, as Windows does). Adds the result to ``taken``."""
    stem, ext = _split_ext(name)
    candidate = name
    n = 2
    while candidate.casefold() in taken:
        candidate = f"{stem} ({n}){ext}"
        n += 1
    taken.add(candidate.casefold())
    return candidate
