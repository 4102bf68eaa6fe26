"""Rotating backups of the database file, and restoring one.

A backup is a consistent copy made with SQLite's online backup API (safe while the database is
open, WAL included), written under a temporary name and renamed, so a crash never leaves a
half-written backup that looks whole.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

KEEP = 10
PREFIX = "greendesk-"


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    taken_at: dt.datetime
    reason: str
    size: int

    @property
    def label(self) -> str:
        return f"{self.taken_at:%Y-%m-%d %H:%M:%S}  {self.reason}  ({self.size / 1024:.0f} KB)"


REASONS = {"start": "启动时自动备份", "import": "导入前自动备份", "restore": "恢复前自动备份", "manual": "手动备份"}


def make_backup(db_path: Path, backups_dir: Path, *, reason: str = "start", keep: int = KEEP) -> Path:
    backups_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    final = backups_dir / f"{PREFIX}{stamp}-{reason}.db"
    tmp = final.with_suffix(".db.part")
    src = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    os.replace(tmp, final)
    prune(backups_dir, keep=keep, reason=reason)
    return final


SIGNATURE_FILE = "last-start-backup.json"


def _signature(db_path: Path) -> list:
    sig = []
    for p in (db_path, Path(str(db_path) + "-wal")):
        try:
            st = p.stat()
        except FileNotFoundError:
            continue
        if p is not db_path and st.st_size == 0:
            continue  # an empty WAL holds no data; SQLite touches it on every open
        sig.append([p.name, st.st_size, st.st_mtime_ns])
    return sig


def start_backup(db_path: Path, backups_dir: Path, *, keep: int = KEEP) -> Path | None:
    """The backup taken at every start — skipped when the database file has not changed since
    the newest start backup (same size and modification time, WAL included): a copy identical
    to the last one protects nothing and would push an older, different one out of the ten.
    Returns the new backup, or None when skipped."""
    import json

    marker = backups_dir / SIGNATURE_FILE
    # A backup the program was killed in the middle of: this runs once as the program opens the
    # data folder, holding its lock and before anything else can write here, so any ".part" is
    # a leftover, never one being written.
    if backups_dir.is_dir():
        for part in backups_dir.glob("*.part"):
            part.unlink(missing_ok=True)
    sig = _signature(db_path)
    try:
        last = json.loads(marker.read_text(encoding="utf-8"))
        if last.get("signature") == sig and (backups_dir / last.get("backup", "")).is_file():
            return None
    except (OSError, ValueError, AttributeError):
        pass
    path = make_backup(db_path, backups_dir, reason="start", keep=keep)
    tmp = marker.with_suffix(".part")
    tmp.write_text(json.dumps({"signature": sig, "backup": path.name}), encoding="utf-8")
    os.replace(tmp, marker)
    return path


def list_backups(backups_dir: Path) -> list[BackupInfo]:
    if not backups_dir.is_dir():
        return []
    out = []
    for p in backups_dir.glob(f"{PREFIX}*.db"):
        parts = p.stem[len(PREFIX):].split("-")
        try:
            taken = dt.datetime.strptime("-".join(parts[:3]), "%Y%m%d-%H%M%S-%f")
        except ValueError:
            continue
        reason = REASONS.get(parts[3] if len(parts) > 3 else "", "备份")
        out.append(BackupInfo(p, taken, reason, p.stat().st_size))
    out.sort(key=lambda b: b.taken_at, reverse=True)
    return out


def prune(backups_dir: Path, *, keep: int = KEEP, reason: str | None = None) -> None:
    """Keep the newest ``keep`` backups of each reason (start-up backups never push out the
    backup taken before an import)."""
    groups: dict[str, list[Path]] = {}
    for p in backups_dir.glob(f"{PREFIX}*.db"):
        key = p.stem.rsplit("-", 1)[-1]
        groups.setdefault(key, []).append(p)
    for key, paths in groups.items():
        if reason is not None and key != reason:
            continue
        for old in sorted(paths)[:-keep]:
            old.unlink(missing_ok=True)


def restore_backup(backup: Path, db_path: Path) -> None:
    """Replace the database file with a backup. The caller closes every connection first and
    takes a backup of the current state (reason "restore") so the restore itself can be undone."""
    try:
        check = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
        try:
            ok = check.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            check.close()
    except sqlite3.DatabaseError as exc:  # not a database at all, or unreadable
        ok = str(exc)
    if ok != "ok":
        raise ValueError(f"备份文件 {backup.name} 已损坏（{ok}），未恢复。请选择其他备份。")
    tmp = db_path.with_suffix(".restore.part")
    shutil.copyfile(backup, tmp)
    for suffix in ("-wal", "-shm"):
        Path(str(db_path) + suffix).unlink(missing_ok=True)
    os.replace(tmp, db_path)
