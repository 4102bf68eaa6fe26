"""Opening the office database: lock, version check, backup, migrations, pragmas.

``Database.open(data_dir)`` is the one way in. It refuses a database that a second copy of the
program holds open, or one written by a newer program, with a message a clerk can act on.

Two ways to the data: ``db.uow()`` (SQLAlchemy's ORM session, for every write and for work on
records), and ``db.read()`` (a plain ``sqlite3`` connection for the lists the window shows).
SQLAlchemy is imported when the first session or engine is asked for, not at start: the window's
first screen is read with plain SQL, and importing the ORM would cost more than building it.
"""
from __future__ import annotations

import getpass
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence

from filelock import FileLock, Timeout

from .backup import make_backup, start_backup
from .migrations import HEAD, HERE as MIGRATIONS_DIR, REVISIONS

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session

    from .uow import UnitOfWork

DB_NAME = "greendesk.db"
APP_VERSION = "0.1.0"


class DatabaseError(Exception):
    """A database the program cannot open; ``str()`` is a Chinese message for the clerk."""


class NewerDatabaseError(DatabaseError):
    pass


class DatabaseLockedError(DatabaseError):
    pass


class NotOurDatabaseError(DatabaseError):
    pass


def read_revision(path: Path) -> str | None:
    """The schema revision stored in the file, or None for a new/empty database."""
    if not path.exists() or path.stat().st_size == 0:
        return None
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "alembic_version" not in tables:
            if tables:
                raise NotOurDatabaseError(
                    f"文件 {path} 不是本程序的数据库（没有版本信息）。请选择其他数据文件夹。"
                )
            return None
        row = con.execute("SELECT version_num FROM alembic_version").fetchone()
        return row[0] if row else None
    except sqlite3.DatabaseError as exc:
        if isinstance(exc, DatabaseError):
            raise
        raise NotOurDatabaseError(f"文件 {path} 无法作为数据库打开（{exc}）。") from exc
    finally:
        con.close()


def check_revision(path: Path, revision: str | None) -> None:
    if revision is not None and revision not in REVISIONS:
        raise NewerDatabaseError(
            f"数据库 {path} 由更新版本的程序写入（数据结构版本 {revision}），"
            f"本程序（版本 {APP_VERSION}，数据结构版本 {HEAD}）无法打开它。"
            "请安装最新版本的程序后再打开；数据未做任何改动。"
        )


def run_migrations(engine: Engine, *, down_to: str | None = None) -> None:
    """Upgrade to the head revision (imports Alembic only when there is work to do); with
    ``down_to``, run the migrations' downgrades to that revision instead (the tests of an
    upgrade start from the revision before)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        if down_to is None:
            command.upgrade(cfg, "head")
        else:
            command.downgrade(cfg, down_to)


def _set_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


def make_engine(path: Path) -> Engine:
    from sqlalchemy import create_engine, event

    engine = create_engine(f"sqlite:///{path}", future=True)
    event.listen(engine, "connect", _set_pragmas)
    return engine


def dbapi(source: Any) -> Any:
    """The DB-API connection behind ``source``: a ``sqlite3`` connection (``db.read()``) as it
    is, a SQLAlchemy ``Session`` or ``Connection`` by its own connection (same transaction)."""
    if isinstance(source, sqlite3.Connection) or hasattr(source, "cursor"):  # already DB-API (or the pool's proxy)
        return source
    if hasattr(source, "get_bind"):  # a Session
        return source.connection().connection
    return source.connection  # a Connection


def raw_rows(
    source: Any, sql: str, params: tuple = (), *, one_step: Sequence[str] | None = None,
    order: Callable[[tuple], Any] | None = None,
) -> list[tuple]:
    """Plain tuples straight from the DB-API cursor, for the big read-only lists where
    SQLAlchemy's row objects and type processing would cost more than the query. ``source``:
    the connection of ``db.read()`` or a session (then inside the session's transaction).

    ``one_step`` (the names of the result columns): the rows read in one SQLite step
    (``rows_in_one_step``, for a background thread), then sorted by ``order`` (the key that
    gives the query's ORDER BY; without it, in no particular order)."""
    if one_step is not None:
        rows = rows_in_one_step(source, sql, params, columns=one_step)
        if order is not None:
            rows.sort(key=order)
        return rows
    cur = dbapi(source).cursor()
    try:
        cur.execute(sql, params)
        return cur.fetchall()
    finally:
        cur.close()


def rows_in_one_step(source: Any, sql: str, params: tuple = (), *, columns: Sequence[str]) -> list[tuple]:
    """The rows of ``sql`` (a SELECT whose result columns are named ``columns``) as tuples,
    read in one SQLite step: SQLite packs them into one JSON array (``json_group_array``).

    For a background thread: ``sqlite3`` gives the GIL back at every step, once per row, and
    takes it back for the next; while the window's thread is busy in Python that wait is up to
    Python's switch interval (5 ms) per row, and 2,000 rows take a second instead of a tenth.
    The order of the rows is not kept (sort them after); integers, text and NULL come back as
    they were; no REAL columns (JSON writes 15 significant digits)."""
    import json

    packed = ", ".join(columns)
    cur = dbapi(source).cursor()
    try:
        try:
            cur.execute(f"SELECT json_group_array(json_array({packed})) FROM ({sql})", params)
        except sqlite3.OperationalError as exc:
            if "no such function" not in str(exc):
                raise
            cur.execute(sql, params)  # an SQLite built without JSON (before 3.38): row by row
            return cur.fetchall()
        (text,) = cur.fetchone()
    finally:
        cur.close()
    return [tuple(r) for r in json.loads(text)] if text else []


def default_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # pragma: no cover - platform oddities
        return "用户"


@dataclass
class Database:
    data_dir: Path
    path: Path
    lock: FileLock | None
    user: str = ""
    migrated_from: str | None = None
    backup_path: Path | None = None
    _engine: Engine | None = field(default=None, repr=False)
    _factory: Callable[[], Session] | None = field(default=None, repr=False)
    _reader: sqlite3.Connection | None = field(default=None, repr=False)
    _reader_thread: int | None = field(default=None, repr=False)
    _read_depth: int = field(default=0, repr=False)

    @classmethod
    def open(
        cls,
        data_dir: Path | str,
        *,
        user: str | None = None,
        lock: bool = True,
        backup: bool = True,
    ) -> "Database":
        data_dir = Path(data_dir)
        data_dir.mkdir(parents=True, exist_ok=True)
        path = data_dir / DB_NAME
        file_lock = None
        if lock:
            file_lock = FileLock(str(path) + ".lock", timeout=0)
            try:
                file_lock.acquire()
            except Timeout as exc:
                raise DatabaseLockedError(
                    f"数据库 {path} 已被另一个正在运行的绿色制造管理程序打开。"
                    "请切换到那个窗口继续工作，或先关闭它再打开。"
                ) from exc
        try:
            revision = read_revision(path)
            check_revision(path, revision)
            backup_path = None
            if backup and revision is not None:
                backup_path = start_backup(path, data_dir / "backups")
            db = cls(
                data_dir=data_dir,
                path=path,
                lock=file_lock,
                user=user or default_user(),
                migrated_from=revision if revision != HEAD else None,
                backup_path=backup_path,
            )
            if revision != HEAD:
                run_migrations(db.engine)
        except BaseException:
            if file_lock is not None:
                file_lock.release()
            raise
        return db

    @property
    def engine(self) -> Engine:
        """SQLAlchemy's engine, made (and SQLAlchemy imported) on first use."""
        if self._engine is None:
            self._engine = make_engine(self.path)
        return self._engine

    @property
    def session_factory(self) -> Callable[[], Session]:
        if self._factory is None:
            from sqlalchemy.orm import sessionmaker

            from . import audit as _audit  # noqa: F401  (registers the audit hook)

            self._factory = sessionmaker(self.engine, expire_on_commit=False)
        return self._factory

    def session(self) -> Session:
        s = self.session_factory()
        s.info["user"] = self.user
        return s

    def uow(self) -> "UnitOfWork":
        from .uow import UnitOfWork

        return UnitOfWork(self)

    # ------------------------------------------------------------------ plain reads
    def _connect_reader(self) -> sqlite3.Connection:
        con = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False)
        con.execute("PRAGMA busy_timeout=5000")
        con.execute("PRAGMA query_only=ON")  # this connection never writes
        return con

    @contextmanager
    def read(self, *, own: bool = False) -> Iterator[sqlite3.Connection]:
        """A plain ``sqlite3`` connection for reading, inside one read transaction (the queries
        of one ``with`` block see the same committed state). No SQLAlchemy: for the lists the
        window shows. The thread that reads first keeps its connection; other threads, and a
        block that asks for ``own``, get one of their own for the block."""
        me = threading.get_ident()
        if self._reader_thread is None and not own:
            self._reader_thread = me
        if own or self._reader_thread != me:
            con = self._connect_reader()
            try:
                con.execute("BEGIN")
                yield con
            finally:
                con.close()
            return
        if self._reader is None:
            self._reader = self._connect_reader()
        con = self._reader
        outer = self._read_depth == 0
        if outer:
            con.execute("BEGIN")
        self._read_depth += 1
        try:
            yield con
        finally:
            self._read_depth -= 1
            if outer and con.in_transaction:
                con.execute("COMMIT")

    def _close_reader(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        self._read_depth = 0

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    @property
    def backups_dir(self) -> Path:
        return self.data_dir / "backups"

    def backup_now(self, reason: str = "manual") -> Path:
        return make_backup(self.path, self.backups_dir, reason=reason)

    def restore(self, backup: Path) -> Path:
        """Replace the database with ``backup``. The current state is first saved as a backup
        (reason "restore"), so a restore can itself be undone. Returns that safety backup."""
        from .backup import restore_backup

        check_revision(backup, read_revision(backup))
        safety = make_backup(self.path, self.backups_dir, reason="restore")
        self._close_reader()
        if self._engine is not None:
            self._engine.dispose()
        restore_backup(backup, self.path)
        if read_revision(self.path) != HEAD:
            run_migrations(self.engine)
        return safety

    def close(self) -> None:
        self._close_reader()
        if self._engine is not None:
            self._engine.dispose()
        if self.lock is not None and self.lock.is_locked:
            # the lock file stays: deleting it would open a window in which two copies both
            # believe they hold the lock
            self.lock.release()
