"""Rotating backups at start (keep the last 10 per reason) and restoring one."""
from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from sqlalchemy import select

from models import backup as bk
from models.db import DB_NAME, Database
from models.entities import Enterprise

CODES = ["9150000020286320X6", "914403001922038216", "9144030071526726XG"]


def open_close(data_dir, *, add: str | None = None, code: str | None = None):
    database = Database.open(data_dir, user="测试员")
    try:
        if add:
            with database.uow() as uow:
                uow.session.add(Enterprise(name=add, credit_code=code))
                uow.commit()
        return database.backup_path
    finally:
        database.close()


def names_in(path):
    con = sqlite3.connect(path)
    try:
        return sorted(r[0] for r in con.execute("SELECT name FROM enterprise WHERE deleted_at IS NULL"))
    finally:
        con.close()


def test_first_open_makes_no_backup_later_ones_do(data_dir):
    assert open_close(data_dir) is None
    assert bk.list_backups(data_dir / "backups") == []
    p = open_close(data_dir)
    assert p is not None and p.is_file()
    assert p.parent == data_dir / "backups"
    assert p.name.startswith("greendesk-") and p.name.endswith("-start.db")
    assert not list((data_dir / "backups").glob("*.part"))


def test_backup_holds_the_data_as_it_was_at_start(data_dir):
    open_close(data_dir, add="重庆甲公司", code=CODES[0])
    p = open_close(data_dir, add="重庆乙公司", code=CODES[1])
    assert names_in(p) == ["重庆甲公司"]
    assert names_in(data_dir / DB_NAME) == ["重庆乙公司", "重庆甲公司"]
    con = sqlite3.connect(p)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()


def test_keeps_the_last_ten_start_backups(data_dir):
    # each start after a change makes a backup: 12 of them, of which the newest 10 are kept
    made = [open_close(data_dir, add=f"重庆第{i}公司", code=_code(i)) for i in range(13)][1:]
    kept = sorted((data_dir / "backups").glob("*-start.db"))
    assert len(kept) == 10
    assert kept == sorted(made)[-10:]


def test_unchanged_database_makes_no_second_start_backup(data_dir):
    """A start backup identical to the newest one protects nothing: it is skipped, and the
    older, different backups are not pushed out of the ten."""
    open_close(data_dir, add="重庆甲公司", code=CODES[0])
    first = open_close(data_dir)
    assert first is not None
    assert open_close(data_dir) is None  # nothing changed since
    assert open_close(data_dir) is None
    open_close(data_dir, add="重庆乙公司", code=CODES[1])  # unchanged at start: no backup; then changes
    again = open_close(data_dir)  # changed since the last backup: backed up
    assert again is not None and names_in(again) == ["重庆乙公司", "重庆甲公司"]
    assert len(list((data_dir / "backups").glob("*-start.db"))) == 2


def _code(i: int) -> str:
    from models.demo import make_credit_code
    import random

    return make_credit_code(random.Random(i), "500112")


def test_prune_counts_each_reason_separately(data_dir, db):
    manual = db.path.parent / "backups"
    bk.make_backup(db.path, manual, reason="import")
    for _ in range(12):
        bk.make_backup(db.path, manual, reason="start")
    assert len(list(manual.glob("*-start.db"))) == 10
    assert len(list(manual.glob("*-import.db"))) == 1  # start-up backups never push it out


def test_list_backups_labels_newest_first(data_dir, db):
    d = data_dir / "backups"
    bk.make_backup(db.path, d, reason="start")
    bk.make_backup(db.path, d, reason="import")
    bk.make_backup(db.path, d, reason="manual")
    (d / "notes.txt").write_text("x")
    (d / "greendesk-garbage.db").write_bytes(b"")
    infos = bk.list_backups(d)
    assert [i.reason for i in infos] == ["手动备份", "导入前自动备份", "启动时自动备份"]
    assert infos[0].taken_at >= infos[1].taken_at >= infos[2].taken_at
    assert abs(infos[0].taken_at - dt.datetime.now()) < dt.timedelta(minutes=1)
    label = infos[0].label
    assert label.startswith(f"{infos[0].taken_at:%Y-%m-%d %H:%M:%S}")
    assert "手动备份" in label and label.endswith("KB)")
    assert infos[0].size == infos[0].path.stat().st_size > 0
    assert bk.list_backups(data_dir / "nothing") == []


def test_restore_brings_back_old_data(data_dir):
    open_close(data_dir, add="重庆甲公司", code=CODES[0])
    old = open_close(data_dir, add="重庆乙公司", code=CODES[1])
    open_close(data_dir, add="重庆丙公司", code=CODES[2])
    path = data_dir / DB_NAME
    assert names_in(path) == ["重庆丙公司", "重庆乙公司", "重庆甲公司"]
    bk.restore_backup(old, path)
    assert not (data_dir / "greendesk.restore.part").exists()
    database = Database.open(data_dir, user="测试员")
    try:
        with database.uow() as uow:
            assert uow.session.scalars(select(Enterprise.name)).all() == ["重庆甲公司"]
    finally:
        database.close()


def test_restore_drops_the_stale_wal(data_dir):
    open_close(data_dir, add="重庆甲公司", code=CODES[0])
    old = open_close(data_dir)
    database = Database.open(data_dir, user="测试员")  # leaves -wal/-shm while open
    with database.uow() as uow:
        uow.session.add(Enterprise(name="重庆乙公司", credit_code=CODES[1]))
        uow.commit()
    database.engine.dispose()
    bk.restore_backup(old, database.path)
    database.close()
    assert names_in(data_dir / DB_NAME) == ["重庆甲公司"]


@pytest.mark.parametrize("content", [
    b"this is not a database at all" * 50,
    b"SQLite format 3\x00" + b"\x00" * 84 + b"\xff" * 4000,  # a header and garbage
])
def test_corrupt_backup_is_refused(data_dir, content):
    open_close(data_dir, add="重庆甲公司", code=CODES[0])
    bad = data_dir / "backups" / "greendesk-20260101-120000-000000-start.db"
    bad.parent.mkdir(exist_ok=True)
    bad.write_bytes(content)
    path = data_dir / DB_NAME
    before = path.read_bytes()
    with pytest.raises(ValueError) as exc:
        bk.restore_backup(bad, path)
    assert "已损坏" in str(exc.value) and "未恢复" in str(exc.value)
    assert bad.name in str(exc.value)
    assert path.read_bytes() == before


def test_backup_while_open_is_consistent(db):
    with db.uow() as uow:
        uow.session.add(Enterprise(name="重庆甲公司", credit_code=CODES[0]))
        uow.commit()
    p = bk.make_backup(db.path, db.backups_dir, reason="manual")
    assert names_in(p) == ["重庆甲公司"]  # the committed row, even though it may sit in the WAL


def test_a_backup_cut_short_by_a_kill_is_removed_at_the_next_start(data_dir):
    """A ``.part`` file is what a backup killed part-way leaves; the next start removes it and
    lists only whole backups."""
    from models.backup import list_backups

    Database.open(data_dir).close()
    backups = data_dir / "backups"
    backups.mkdir(exist_ok=True)
    left = backups / "greendesk-20261121-101010-000000-import.db.part"
    left.write_bytes(b"half a database")
    Database.open(data_dir).close()
    assert not left.exists()
    assert all(not b.path.name.endswith(".part") for b in list_backups(backups))
