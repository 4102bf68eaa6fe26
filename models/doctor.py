"""Check and repair (检查与修复): is the office database whole, are the received files unchanged,
which backups could bring the data back — and restoring one of them.

``examine(data_dir)`` reads everything without changing anything, through its own read-only
SQLite connection, so it also works on a database the program cannot open (damaged, written by
a newer program) and while the program is running:

* ``PRAGMA integrity_check`` and ``PRAGMA foreign_key_check``;
* the schema revision against the revisions this program knows;
* the attachment store: every file a live record refers to (each table with ``sha256`` and
  ``size`` columns, e.g. ``material``) exists, has its size and hashes to its SHA-256; files in
  the store no record refers to are listed;
* the automatic backups, each with its revision and whether it is itself whole.

Every problem comes with what to do next. ``restore(data_dir, name)`` puts a backup in place of
the database (with the program closed): the current file is kept as a backup first, whatever
state it is in, and the restored database is upgraded to this program's schema.

No Qt here: the command ``greendesk doctor`` (desktop/cli.py) and the menu 工具 → 检查与修复…
(desktop/doctor_ui.py) both print or show what this module returns.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from . import filestore
from .backup import PREFIX, BackupInfo, list_backups, make_backup, restore_backup
from .db import DB_NAME, DatabaseError, check_revision, make_engine, read_revision, run_migrations
from .migrations import HEAD, REVISIONS

ProgressFn = Callable[[int, int, str], None]
StopFn = Callable[[], bool]

OK, INFO, PROBLEM = "ok", "info", "problem"
LEVEL_LABELS = {OK: "正常", INFO: "提示", PROBLEM: "问题"}
#: at most this many lines of a failed integrity check are kept (SQLite can report thousands)
MAX_INTEGRITY_LINES = 20


class DoctorError(Exception):
    """A restore that cannot be done; ``str()`` says why and what to do, in Chinese."""


@dataclass(frozen=True)
class Finding:
    level: str  # ok / info / problem
    area: str  # 数据库 / 数据结构版本 / 附件存档 / 备份
    text: str
    fix: str = ""

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS[self.level]


@dataclass(frozen=True)
class FileIssue:
    """A stored file that live records refer to and that is missing or changed."""

    sha256: str
    state: str  # missing / changed
    names: tuple[str, ...]  # the files' names as received
    where: tuple[str, ...]  # 申报 12（重庆甲公司）…
    size: int  # as recorded
    actual_size: int | None = None

    @property
    def label(self) -> str:
        return "、".join(f"「{n}」" for n in self.names) or f"「{self.sha256[:12]}…」"


@dataclass(frozen=True)
class BackupState:
    info: BackupInfo
    revision: str | None
    whole: bool
    problem: str = ""

    @property
    def usable(self) -> bool:
        return self.whole and (self.revision is None or self.revision in REVISIONS)

    @property
    def name(self) -> str:
        return self.info.path.name


@dataclass
class DoctorReport:
    data_dir: Path
    db_path: Path
    exists: bool = False
    revision: str | None = None
    integrity: list[str] = field(default_factory=list)  # ["ok"] when whole
    foreign_keys: dict[str, int] = field(default_factory=dict)  # table → rows pointing nowhere
    files_checked: int = 0  # stored files looked at
    file_issues: list[FileIssue] = field(default_factory=list)
    orphans: list[Path] = field(default_factory=list)
    backups: list[BackupState] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    cancelled: bool = False
    files_were_checked: bool = False

    @property
    def problems(self) -> list[Finding]:
        return [f for f in self.findings if f.level == PROBLEM]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def best_backup(self) -> BackupState | None:
        """The newest backup that is whole and that this program can open."""
        return next((b for b in self.backups if b.usable), None)

    def summary(self) -> str:
        if self.ok and not self.files_were_checked:
            return "检查完成，未发现问题（数据库完好；存档文件未核对）。"
        if self.ok:
            return f"检查完成，未发现问题（数据库完好，{self.files_checked} 个存档文件与登记的 SHA-256 一致）。"
        return f"检查完成，发现 {len(self.problems)} 个问题，请按每个问题的处理办法处理。"

    def lines(self) -> list[str]:
        out = [f"数据文件夹：{self.data_dir}"]
        for f in self.findings:
            out.append(f"[{f.level_label}] {f.area}：{f.text}")
            if f.fix:
                out.append(f"    处理办法：{f.fix}")
        out.append(self.summary())
        return out

    def text(self) -> str:
        return "\n".join(self.lines())


# --------------------------------------------------------------------------- examining


def _connect_ro(path: Path, *, immutable: bool = False) -> sqlite3.Connection:
    """Read-only; ``immutable`` for a file nobody writes (a backup): no locks and no -shm file
    beside it (backups are copies of a WAL database, which SQLite would otherwise give one)."""
    return sqlite3.connect(f"file:{path}?mode=ro" + ("&immutable=1" if immutable else ""), uri=True)


def _tables(con: sqlite3.Connection) -> list[str]:
    return [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]


def _columns(con: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in con.execute(f'PRAGMA table_info("{table}")')]


def restore_hint(data_dir: Path, report: DoctorReport | None = None) -> str:
    """What to type (or click) to restore, naming the newest usable backup when there is one."""
    best = report.best_backup() if report is not None else None
    if report is not None and best is None:
        return ("没有完好的备份可以恢复。请把整个数据文件夹拷贝保存后联系技术支持；"
                "如有其他电脑导出的交换文件（.gdx），可在新的数据文件夹中导入。")
    name = best.name if best is not None else "备份文件名"
    where = f"（最近一份完好的备份是 {best.name}，{best.info.taken_at:%Y-%m-%d %H:%M}）" if best is not None else ""
    return (f"从备份恢复：greendesk --data-dir \"{data_dir}\" doctor --restore {name}{where}；"
            "或在程序中点 工具 → 检查与修复… → 备份与恢复…")


def examine(
    data_dir: Path | str,
    *,
    check_files: bool = True,
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
) -> DoctorReport:
    """Check the database, the attachment store and the backups of ``data_dir``. Changes nothing."""
    data_dir = Path(data_dir)
    path = data_dir / DB_NAME
    report = DoctorReport(data_dir, path, exists=path.is_file())
    report_progress = progress or (lambda *_: None)
    report_progress(0, 0, "正在检查备份……")
    report.backups = _examine_backups(data_dir / "backups")
    if not report.exists:
        report.findings.append(Finding(
            PROBLEM, "数据库", f"数据文件夹中没有数据库文件 {DB_NAME}。",
            "请确认数据文件夹是否选对（--data-dir）；如果数据库被误删，" + restore_hint(data_dir, report)))
        _backup_findings(report)
        return report
    report_progress(0, 0, "正在检查数据库……")
    try:
        con = _connect_ro(path)
    except sqlite3.Error as exc:
        report.findings.append(Finding(PROBLEM, "数据库", f"数据库文件无法打开（{exc}）。", restore_hint(data_dir, report)))
        _backup_findings(report)
        return report
    try:
        readable = _check_database(con, report)
        if readable and check_files:
            _check_files(con, report, data_dir / "files", report_progress, should_stop)
    finally:
        con.close()
    _backup_findings(report)
    return report


def _check_database(con: sqlite3.Connection, report: DoctorReport) -> bool:
    """Revision, integrity and foreign keys; False when the file cannot be read as a database."""
    hint = restore_hint(report.data_dir, report)
    try:
        tables = _tables(con)
    except sqlite3.DatabaseError as exc:
        report.findings.append(Finding(PROBLEM, "数据库", f"文件 {report.db_path.name} 无法作为数据库读取（{exc}）。", hint))
        return False
    # the revision
    if "alembic_version" not in tables:
        report.findings.append(Finding(
            PROBLEM, "数据结构版本", "数据库中没有版本信息：这不是本程序的数据库，或者已严重损坏。", hint))
    else:
        try:
            row = con.execute("SELECT version_num FROM alembic_version").fetchone()
            report.revision = row[0] if row else None
        except sqlite3.DatabaseError as exc:
            report.findings.append(Finding(PROBLEM, "数据结构版本", f"版本信息无法读取（{exc}）。", hint))
        rev = report.revision
        if rev is None:
            pass
        elif rev not in REVISIONS:
            report.findings.append(Finding(
                PROBLEM, "数据结构版本",
                f"数据库由更新版本的程序写入（数据结构版本 {rev}），本程序只认识到 {HEAD}。",
                "请安装最新版本的程序后再打开；不要用旧版本的备份覆盖它。"))
        elif rev != HEAD:
            report.findings.append(Finding(
                INFO, "数据结构版本", f"数据结构版本 {rev}，下次启动程序时将自动升级到 {HEAD}（升级前自动备份）。"))
        else:
            report.findings.append(Finding(OK, "数据结构版本", f"数据结构版本 {rev}，是本程序的最新版本。"))
    # integrity
    try:
        lines = [r[0] for r in con.execute(f"PRAGMA integrity_check({MAX_INTEGRITY_LINES})")]
    except sqlite3.DatabaseError as exc:
        lines = [str(exc)]
    report.integrity = lines
    if lines == ["ok"]:
        report.findings.append(Finding(OK, "数据库", "完整性检查（integrity_check）通过。"))
    else:
        shown = "；".join(lines[:5]) + ("……" if len(lines) > 5 else "")
        report.findings.append(Finding(PROBLEM, "数据库", f"完整性检查未通过，数据库文件已损坏：{shown}", hint))
    # foreign keys
    try:
        counts: dict[str, int] = defaultdict(int)
        parents: dict[str, set[str]] = defaultdict(set)
        for table, _rowid, parent, _fk in con.execute("PRAGMA foreign_key_check"):
            counts[table] += 1
            parents[table].add(parent)
        report.foreign_keys = dict(counts)
    except sqlite3.DatabaseError as exc:
        report.findings.append(Finding(PROBLEM, "数据库", f"外键检查无法完成（{exc}）。", hint))
        return lines == ["ok"]
    if counts:
        for table, n in sorted(counts.items()):
            report.findings.append(Finding(
                PROBLEM, "数据库",
                f"表 {table} 有 {n} 行引用了不存在的记录（{'、'.join(sorted(parents[table]))}）。", hint))
    else:
        report.findings.append(Finding(OK, "数据库", "外键检查（foreign_key_check）通过：没有指向不存在记录的数据。"))
    return True


def _file_references(con: sqlite3.Connection) -> tuple[dict[str, list[tuple]], set[str]]:
    """(sha256 → [(size, name, where)] of live records, every sha256 any record names) over the
    tables with ``sha256`` and ``size`` columns."""
    live: dict[str, list[tuple]] = defaultdict(list)
    every: set[str] = set()
    tables = _tables(con)
    subject = _subject_names(con, tables)
    for table in tables:
        cols = _columns(con, table)
        if "sha256" not in cols or "size" not in cols:
            continue
        name_col = "original_name" if "original_name" in cols else "''"
        app_col = "application_id" if "application_id" in cols else "NULL"
        deleted = "deleted_at" if "deleted_at" in cols else "NULL"
        q = f'SELECT sha256, size, {name_col}, {app_col}, {deleted} FROM "{table}"'
        for sha, size, name, app_id, deleted_at in con.execute(q):
            if not sha:
                continue
            every.add(sha)
            if deleted_at is not None:
                continue  # a deleted record's file is not needed (kept only for undo)
            where = f"申报 {app_id} {subject.get(app_id, '')}".rstrip() if app_id is not None else f"表 {table}"
            live[sha].append((int(size or 0), name or "", where))
    return live, every


def _subject_names(con: sqlite3.Connection, tables: list[str]) -> dict[int, str]:
    if not {"application", "enterprise", "park"} <= set(tables):
        return {}
    q = ("SELECT a.id, COALESCE(e.name, p.name, '') FROM application a "
         "LEFT JOIN enterprise e ON e.id = a.enterprise_id LEFT JOIN park p ON p.id = a.park_id")
    return {rid: name for rid, name in con.execute(q)}


def _check_files(con: sqlite3.Connection, report: DoctorReport, files_dir: Path, progress: ProgressFn,
                 should_stop: StopFn | None) -> None:
    try:
        live, every = _file_references(con)
    except sqlite3.DatabaseError as exc:
        report.findings.append(Finding(PROBLEM, "附件存档", f"存档文件的登记无法读取（{exc}）。",
                                       restore_hint(report.data_dir, report)))
        return
    report.files_were_checked = True
    total = len(live)
    for i, (sha, refs) in enumerate(sorted(live.items()), start=1):
        if should_stop is not None and should_stop():
            report.cancelled = True
            break
        size = refs[0][0]
        names = tuple(dict.fromkeys(r[1] for r in refs if r[1]))
        where = tuple(dict.fromkeys(r[2] for r in refs))
        progress(i - 1, total, f"正在核对存档文件 {i}/{total}：{names[0] if names else sha[:12]}")
        p = filestore.stored_path(files_dir, sha)
        report.files_checked += 1
        try:
            actual = p.stat().st_size
        except OSError:
            report.file_issues.append(FileIssue(sha, "missing", names, where, size))
            continue
        try:
            same = actual == size and filestore.hash_file(p) == sha
        except OSError:
            same = False
        if not same:
            report.file_issues.append(FileIssue(sha, "changed", names, where, size, actual))
    progress(total, total, "正在查找多余的文件……")
    report.orphans = _orphans(files_dir, every)
    for issue in report.file_issues:
        what = "已丢失" if issue.state == "missing" else (
            f"收件后已被改动（登记 {issue.size} 字节，现在 {issue.actual_size} 字节）" if issue.actual_size != issue.size
            else "收件后已被改动（SHA-256 与登记的不一致）")
        report.findings.append(Finding(
            PROBLEM, "附件存档", f"{issue.label}（{'；'.join(issue.where)}）的存档文件{what}。",
            "请向申报单位重新索取该文件，在该申报的「材料」中重新收件；"
            "如果另有整个数据文件夹的拷贝，也可以把其中 files 文件夹里的同名文件"
            f"（{issue.sha256[:2]}/{issue.sha256}）拷回。数据库的备份不含存档文件。"))
    if not report.file_issues and not report.cancelled:
        report.findings.append(Finding(
            OK, "附件存档", f"{report.files_checked} 个存档文件都在，大小和 SHA-256 与登记的一致。"))
    elif report.file_issues:
        fine = report.files_checked - len(report.file_issues)
        report.findings.append(Finding(OK, "附件存档", f"其余 {fine} 个存档文件都在，大小和 SHA-256 与登记的一致。"))
    if report.cancelled:
        report.findings.append(Finding(INFO, "附件存档", f"已取消：只核对了 {report.files_checked} 个存档文件。"))
    if report.orphans:
        shown = "、".join(str(p.relative_to(files_dir)) for p in report.orphans[:5])
        report.findings.append(Finding(
            INFO, "附件存档",
            f"存档文件夹中有 {len(report.orphans)} 个文件没有任何记录引用：{shown}{'……' if len(report.orphans) > 5 else ''}。",
            "这些文件不影响使用（可能是删除记录后留下的，或中断的收件留下的临时文件）；需要腾出空间时可以删除。"))


def _orphans(files_dir: Path, known: set[str]) -> list[Path]:
    out: list[Path] = []
    if not files_dir.is_dir():
        return out
    for root, _dirs, files in os.walk(files_dir):
        for name in files:
            if name not in known:
                out.append(Path(root) / name)
    return sorted(out)


def _examine_backups(backups_dir: Path) -> list[BackupState]:
    out = []
    for info in list_backups(backups_dir):
        revision, whole, problem = None, False, ""
        try:
            con = _connect_ro(info.path, immutable=True)
            try:
                ok = con.execute("PRAGMA quick_check(1)").fetchone()[0]
                whole = ok == "ok"
                problem = "" if whole else ok
                if "alembic_version" in _tables(con):
                    row = con.execute("SELECT version_num FROM alembic_version").fetchone()
                    revision = row[0] if row else None
            finally:
                con.close()
        except sqlite3.Error as exc:
            whole, problem = False, str(exc)
        out.append(BackupState(info, revision, whole, problem))
    return out


def _backup_findings(report: DoctorReport) -> None:
    if not report.backups:
        report.findings.append(Finding(
            INFO, "备份", "还没有自动备份（程序每次启动和每次导入前会自动备份）。",
            "建议现在打开程序一次，或在 文件 → 备份与恢复… 中点“立即备份”。"))
        return
    usable = [b for b in report.backups if b.usable]
    report.findings.append(Finding(
        OK if usable else INFO, "备份",
        f"有 {len(report.backups)} 份自动备份，其中 {len(usable)} 份完好可恢复；最近一份：{report.backups[0].name}。"))
    for b in report.backups:
        if not b.whole:
            report.findings.append(Finding(INFO, "备份", f"备份 {b.name} 已损坏（{b.problem}），不能用来恢复。"))
        elif not b.usable:
            report.findings.append(Finding(INFO, "备份", f"备份 {b.name} 由更新版本的程序写入（{b.revision}），本程序不能恢复它。"))


# --------------------------------------------------------------------------- the program itself

#: folders of resources/ the program cannot work without
RESOURCE_FOLDERS = ("data", "rules", "templates", "icons")


def install_findings() -> list[Finding]:
    """Is the installed program whole: a migration file for every schema revision it knows (the
    upgrade of an older database needs them) and its resource folders. A bundle missing a file
    shows up here rather than as a traceback at the next upgrade."""
    from resources import resource_path

    from .migrations import HERE

    out: list[Finding] = []
    versions = HERE / "versions"
    found = {p.name.split("_", 1)[0] for p in versions.glob("*.py")} if versions.is_dir() else set()
    missing = [r for r in REVISIONS if r not in found]
    if missing or not (HERE / "env.py").is_file():
        what = "、".join(missing) or "env.py"
        out.append(Finding(PROBLEM, "程序文件", f"缺少数据库升级脚本（{what}）：旧版本的数据库将无法升级。",
                           "程序安装不完整：请重新安装本程序（数据文件夹不受影响）。"))
    else:
        out.append(Finding(OK, "程序文件", f"数据库升级脚本齐全（{REVISIONS[0]}–{HEAD}）。"))
    absent = [f for f in RESOURCE_FOLDERS if not any(resource_path(f).glob("*"))]
    if absent:
        out.append(Finding(PROBLEM, "程序文件", f"程序的资源文件夹缺失或为空：{'、'.join(absent)}。",
                           "程序安装不完整：请重新安装本程序（数据文件夹不受影响）。"))
    else:
        out.append(Finding(OK, "程序文件", "资源文件（参考数据、规则、模板、图标）齐全。"))
    return out


# --------------------------------------------------------------------------- restoring


def find_backup(data_dir: Path | str, name: str) -> Path:
    """The backup called ``name`` (its file name, with or without .db, or a path to it)."""
    backups_dir = Path(data_dir) / "backups"
    candidates = [Path(name), backups_dir / name, backups_dir / f"{name}.db"]
    for c in candidates:
        if c.is_file() and c.suffix == ".db":
            return c
    names = [b.path.name for b in list_backups(backups_dir)]
    listed = "；现有的备份：" + "、".join(names[:10]) if names else "；数据文件夹中还没有备份"
    raise DoctorError(f"找不到备份「{name}」{listed}。请用 greendesk --data-dir \"{data_dir}\" doctor 查看备份列表。")


def _keep_current(db_path: Path, backups_dir: Path) -> Path:
    """A backup of the current database before it is replaced: through SQLite's backup API when
    it reads, else a plain copy of the file (with its WAL), whatever state it is in."""
    try:
        return make_backup(db_path, backups_dir, reason="restore")
    except sqlite3.Error:
        for part in backups_dir.glob("*.db.part"):  # what the failed backup left (we hold the lock)
            part.unlink(missing_ok=True)
        backups_dir.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        final = backups_dir / f"{PREFIX}{stamp}-restore.db"
        tmp = final.with_suffix(".db.part")
        shutil.copyfile(db_path, tmp)
        wal = Path(str(db_path) + "-wal")
        if wal.is_file():
            shutil.copyfile(wal, Path(str(final) + "-wal"))
        os.replace(tmp, final)
        return final


def _integrity(path: Path) -> str:
    """"ok", or the first thing SQLite finds wrong with the file."""
    try:
        con = _connect_ro(path, immutable=True)
        try:
            return con.execute("PRAGMA integrity_check(1)").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error as exc:
        return str(exc)


def restore(data_dir: Path | str, name: str) -> tuple[Path, Path | None]:
    """Replace the database of ``data_dir`` with the backup ``name`` while the program is closed.

    Returns (the backup restored, the backup of the replaced database or None when there was
    none). Refuses (DoctorError) when the program holds the database, the backup is damaged or
    was written by a newer program. The restored database is upgraded to this program's schema."""
    from filelock import FileLock, Timeout

    data_dir = Path(data_dir)
    db_path = data_dir / DB_NAME
    src = find_backup(data_dir, name)
    lock = FileLock(str(db_path) + ".lock", timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise DoctorError(
            f"数据库 {db_path} 正被运行中的程序使用，不能在此恢复。请先关闭程序再运行本命令，"
            "或在程序中点 工具 → 检查与修复… → 备份与恢复… 恢复。") from None
    try:
        try:
            check_revision(src, read_revision(src))
        except DatabaseError as exc:
            raise DoctorError(f"备份 {src.name} 不能恢复：{exc}") from None
        ok = _integrity(src)
        if ok != "ok":
            raise DoctorError(f"备份 {src.name} 已损坏（{ok}），未恢复。请选择其他备份。")
        safety = _keep_current(db_path, data_dir / "backups") if db_path.is_file() else None
        try:
            restore_backup(src, db_path)
        except ValueError as exc:
            raise DoctorError(str(exc)) from None
        if read_revision(db_path) != HEAD:
            engine = make_engine(db_path)
            try:
                run_migrations(engine)
            finally:
                engine.dispose()
    finally:
        lock.release()
    return src, safety
