"""The command line, run as a clerk's script or CI would: a real subprocess each time."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from models.db import DB_NAME, Database
from models.migrations import HEAD

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, timeout: int = 180) -> subprocess.CompletedProcess:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONIOENCODING="utf-8")
    return subprocess.run([sys.executable, "-m", "desktop", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=timeout)


def count(path: Path, table: str) -> int:
    con = sqlite3.connect(path)
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        con.close()


def test_self_test_on_a_new_folder(tmp_path):
    d = tmp_path / "data"
    r = run("--data-dir", str(d), "--self-test")
    assert r.returncode == 0, r.stderr
    assert "自检通过" in r.stdout
    assert str(d / DB_NAME) in r.stdout
    assert "企业" in r.stdout  # the views it loaded
    con = sqlite3.connect(d / DB_NAME)
    assert con.execute("SELECT version_num FROM alembic_version").fetchone()[0] == HEAD
    con.close()
    # the lock is released when the program ends (the lock file itself may stay)
    from filelock import FileLock

    lock = FileLock(str(d / (DB_NAME + ".lock")), timeout=0)
    lock.acquire()
    lock.release()


def test_self_test_with_demo_data(tmp_path):
    d = tmp_path / "data"
    r = run("--data-dir", str(d), "--demo", "--self-test")
    assert r.returncode == 0, r.stderr
    assert "自检通过" in r.stdout
    assert count(d / DB_NAME, "enterprise") == 300
    # a second run keeps the data (no second demo on a filled database) and backs it up
    r = run("--data-dir", str(d), "--demo", "--self-test")
    assert r.returncode == 0, r.stderr
    assert count(d / DB_NAME, "enterprise") == 300
    assert list((d / "backups").glob("greendesk-*-start.db"))


def test_self_test_refuses_a_newer_database(tmp_path):
    d = tmp_path / "data"
    Database.open(d, user="测试员").close()
    con = sqlite3.connect(d / DB_NAME)
    con.execute("UPDATE alembic_version SET version_num='ffff_future'")
    con.commit()
    con.close()
    r = run("--data-dir", str(d), "--self-test")
    assert r.returncode != 0
    assert "自检失败" in r.stderr
    assert "更新版本" in r.stderr
    assert "自检通过" not in r.stdout


def test_self_test_refuses_a_locked_database(tmp_path):
    d = tmp_path / "data"
    db = Database.open(d, user="测试员")
    try:
        r = run("--data-dir", str(d), "--self-test")
    finally:
        db.close()
    assert r.returncode != 0
    assert "已被另一个正在运行的绿色制造管理程序打开" in r.stderr


def test_demo_command(tmp_path):
    d = tmp_path / "data"
    r = run("--data-dir", str(d), "demo", "--enterprises", "50")
    assert r.returncode == 0, r.stderr
    assert "已生成演示数据" in r.stdout and "enterprises 50" in r.stdout
    assert count(d / DB_NAME, "enterprise") == 50
    # a second time is refused: the database is no longer empty
    r = run("--data-dir", str(d), "demo", "--enterprises", "50")
    assert r.returncode == 1
    assert "只写入空数据库" in r.stderr
    assert count(d / DB_NAME, "enterprise") == 50


def test_help_lists_the_options():
    r = run("--help", timeout=60)
    assert r.returncode == 0
    for opt in ("--data-dir", "--self-test", "--demo", "demo"):
        assert opt in r.stdout
