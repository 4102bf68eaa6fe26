"""Opening the office database on a real temporary file: pragmas, migrations, refusals, lock."""
from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text

from models.base import Base
from models.db import (
    DB_NAME,
    Database,
    DatabaseLockedError,
    NewerDatabaseError,
    NotOurDatabaseError,
    read_revision,
)
from models.entities import Enterprise
from models.migrations import HEAD

ROOT = Path(__file__).resolve().parents[2]
CODE = "9150000020286320X6"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tables_in(path: Path) -> set[str]:
    con = sqlite3.connect(path)
    try:
        return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        con.close()


def test_foreign_keys_and_wal_are_on(db):
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 5000


def test_foreign_key_is_enforced(db):
    from sqlalchemy.exc import IntegrityError

    with db.uow() as uow:
        uow.session.add(Enterprise(name="甲", credit_code=CODE, park_id=999))
        with pytest.raises(IntegrityError):
            uow.session.flush()


def test_migration_from_an_empty_file(data_dir):
    path = data_dir / DB_NAME
    path.write_bytes(b"")
    database = Database.open(data_dir, user="测试员")
    try:
        assert database.migrated_from is None
        assert database.backup_path is None  # nothing worth keeping in an empty file
        names = tables_in(path)
        assert set(Base.metadata.tables) | {"alembic_version"} == names
        with database.engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == HEAD
    finally:
        database.close()
    assert read_revision(path) == HEAD


def test_migrated_schema_matches_the_models(db):
    """What Alembic built equals what the ORM declares: no model change without a migration."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(ctx, Base.metadata) == []
        idx = {i["name"] for i in inspect(conn).get_indexes("enterprise")}
    assert "uq_enterprise_credit_code_live" in idx


def test_new_folder_is_created(tmp_path):
    target = tmp_path / "a" / "b"
    database = Database.open(target, user="测试员")
    try:
        assert (target / DB_NAME).is_file()
        assert read_revision(target / DB_NAME) == HEAD
    finally:
        database.close()


def test_reopen_keeps_data_and_user(data_dir):
    first = Database.open(data_dir, user="张三")
    with first.uow() as uow:
        assert uow.session.info["user"] == "张三"
        uow.session.add(Enterprise(name="重庆甲公司", credit_code=CODE))
        uow.commit()
    first.close()
    second = Database.open(data_dir, user="李四")
    try:
        with second.uow() as uow:
            assert uow.session.scalars(select(Enterprise.name)).all() == ["重庆甲公司"]
        assert second.migrated_from is None
    finally:
        second.close()


def test_uow_without_commit_rolls_back(db):
    with db.uow() as uow:
        uow.session.add(Enterprise(name="未提交", credit_code=CODE))
        uow.session.flush()
    with db.uow() as uow:
        assert uow.session.scalars(select(Enterprise)).all() == []


def _future(data_dir: Path) -> Path:
    database = Database.open(data_dir, user="测试员")
    with database.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num='ffff_future'"))
    database.close()
    return data_dir / DB_NAME


def test_newer_database_is_refused_untouched(data_dir):
    path = _future(data_dir)
    before = sha(path)
    backups_before = sorted((data_dir / "backups").glob("*")) if (data_dir / "backups").exists() else []
    with pytest.raises(NewerDatabaseError) as exc:
        Database.open(data_dir, user="测试员")
    msg = str(exc.value)
    assert "更新版本" in msg
    assert "ffff_future" in msg and HEAD in msg
    assert "数据未做任何改动" in msg
    assert sha(path) == before
    assert read_revision(path) == "ffff_future"
    # no backup taken, and the lock is released: the refusal repeats, it does not turn into 'locked'
    after = sorted((data_dir / "backups").glob("*")) if (data_dir / "backups").exists() else []
    assert after == backups_before
    with pytest.raises(NewerDatabaseError):
        Database.open(data_dir, user="测试员")


def test_foreign_sqlite_file_is_refused(data_dir):
    path = data_dir / DB_NAME
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE contacts (name TEXT)")
    con.execute("INSERT INTO contacts VALUES ('x')")
    con.commit()
    con.close()
    before = sha(path)
    with pytest.raises(NotOurDatabaseError, match="不是本程序的数据库"):
        Database.open(data_dir)
    assert sha(path) == before
    assert tables_in(path) == {"contacts"}


def test_non_database_file_is_refused(data_dir):
    path = data_dir / DB_NAME
    path.write_bytes(b"PK\x03\x04 this is a zip, not a database" * 100)
    with pytest.raises(NotOurDatabaseError, match="无法作为数据库打开"):
        Database.open(data_dir)


def test_second_open_is_locked_until_the_first_closes(data_dir):
    first = Database.open(data_dir, user="测试员")
    try:
        with pytest.raises(DatabaseLockedError) as exc:
            Database.open(data_dir, user="另一人")
        assert "已被另一个正在运行的" in str(exc.value)
        assert "关闭" in str(exc.value)
    finally:
        first.close()
    again = Database.open(data_dir, user="另一人")
    again.close()


LOCK_PROBE = textwrap.dedent("""
    import sys
    sys.path.insert(0, {root!r})
    from models.db import Database, DatabaseLockedError
    try:
        Database.open({data!r}).close()
    except DatabaseLockedError as exc:
        print(exc)
        sys.exit(3)
    print("opened")
""")


def _probe(data_dir: Path) -> subprocess.CompletedProcess:
    code = LOCK_PROBE.format(root=str(ROOT), data=str(data_dir))
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          encoding="utf-8", timeout=60)


def test_lock_holds_against_another_process(data_dir):
    first = Database.open(data_dir, user="测试员")
    try:
        r = _probe(data_dir)
        assert r.returncode == 3, r.stderr
        assert "已被另一个正在运行的绿色制造管理程序打开" in r.stdout
    finally:
        first.close()
    r = _probe(data_dir)
    assert r.returncode == 0, r.stderr
    assert "opened" in r.stdout


def test_lock_can_be_skipped_for_tools(data_dir):
    first = Database.open(data_dir, user="测试员")
    try:
        reader = Database.open(data_dir, lock=False, backup=False)
        reader.close()
    finally:
        first.close()
