"""检查与修复 (issue 7, item 4): ``greendesk --data-dir DIR doctor`` checks the database, the
attachment store against its hashes and the backups, says what to do about each problem, exits
0 when all is well and 1 otherwise; ``doctor --restore NAME`` restores an automatic backup."""
from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from desktop.app import main
from models.backup import list_backups
from models.db import DB_NAME, Database, read_revision
from models.doctor import examine
from models.migrations import HEAD

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory) -> Path:
    """A small demo data folder (with stored material files and a start backup), made once."""
    from models import demo

    folder = tmp_path_factory.mktemp("doctor") / "data"
    db = Database.open(folder, user="测试员")
    try:
        demo.generate(db, enterprises=30)
    finally:
        db.close()
    Database.open(folder, user="测试员").close()  # a second start: the start backup holds the demo
    return folder


@pytest.fixture
def data(demo_folder, tmp_path) -> Path:
    """A copy of the demo folder this test may damage."""
    out = tmp_path / "数据"
    shutil.copytree(demo_folder, out)
    return out


def doctor(capsys, data: Path, *args: str) -> tuple[int, str, str]:
    rc = main(["--data-dir", str(data), "doctor", *args])
    out, err = capsys.readouterr()
    return rc, out, err


def a_material(data: Path, offset: int = 0) -> tuple[str, str, int, str]:
    """(original name, sha256, application id, subject name) of one live material."""
    con = sqlite3.connect(data / DB_NAME)
    try:
        return con.execute(
            "SELECT m.original_name, m.sha256, m.application_id, COALESCE(e.name, p.name) FROM material m "
            "JOIN application a ON a.id = m.application_id LEFT JOIN enterprise e ON e.id = a.enterprise_id "
            "LEFT JOIN park p ON p.id = a.park_id WHERE m.deleted_at IS NULL ORDER BY m.id LIMIT 1 OFFSET ?",
            (offset,)).fetchone()
    finally:
        con.close()


def stored(data: Path, sha: str) -> Path:
    return data / "files" / sha[:2] / sha


def listing(data: Path) -> list[str]:
    """The files of a data folder, without SQLite's own -wal/-shm companions (SQLite creates
    and removes those as connections come and go)."""
    return sorted(str(p.relative_to(data)) for p in data.rglob("*") if not p.name.endswith(("-wal", "-shm")))


def material_count(data: Path) -> int:
    con = sqlite3.connect(data / DB_NAME)
    try:
        return con.execute("SELECT COUNT(DISTINCT sha256) FROM material WHERE deleted_at IS NULL").fetchone()[0]
    finally:
        con.close()


def test_clean_demo_data_exits_0_and_says_what_was_checked(capsys, data):
    before = listing(data)
    db_bytes = (data / DB_NAME).read_bytes()
    rc, out, _ = doctor(capsys, data)
    assert rc == 0, out
    n = material_count(data)
    assert n > 20
    assert f"[正常] 附件存档：{n} 个存档文件都在，大小和 SHA-256 与登记的一致。" in out
    assert "[正常] 数据库：完整性检查（integrity_check）通过。" in out
    assert "[正常] 数据库：外键检查（foreign_key_check）通过" in out
    assert f"数据结构版本 {HEAD}，是本程序的最新版本" in out
    assert "统计图表组件 QtCharts 可以加载" in out
    assert "[问题]" not in out
    assert out.rstrip().endswith(f"检查完成，未发现问题（数据库完好，{n} 个存档文件与登记的 SHA-256 一致）。")
    # the check changes nothing: no file added or removed (no backup taken), the database as it was
    assert listing(data) == before
    assert (data / DB_NAME).read_bytes() == db_bytes


def test_changed_stored_file_is_reported_by_name_exit_1(capsys, data):
    name, sha, app_id, subject = a_material(data)
    path = stored(data, sha)
    os.chmod(path, 0o644)
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF  # one byte, same size: only the hash can tell
    path.write_bytes(bytes(raw))
    rc, out, _ = doctor(capsys, data)
    assert rc == 1
    line = next(ln for ln in out.splitlines() if ln.startswith("[问题] 附件存档："))
    assert f"「{name}」" in line and f"（申报 {app_id} {subject}）" in line
    assert "收件后已被改动（SHA-256 与登记的不一致）" in line
    fix = out.splitlines()[out.splitlines().index(line) + 1]
    assert fix.startswith("    处理办法：请向申报单位重新索取该文件，在该申报的「材料」中重新收件")
    assert f"{sha[:2]}/{sha}" in fix
    assert "发现 1 个问题" in out


def test_deleted_and_truncated_files_are_reported(capsys, data):
    name1, sha1, app1, _ = a_material(data, 0)
    name2, sha2, _, _ = a_material(data, 5)
    assert sha1 != sha2
    stored(data, sha1).unlink()
    p2 = stored(data, sha2)
    size = p2.stat().st_size
    os.chmod(p2, 0o644)
    p2.write_bytes(p2.read_bytes()[:100])
    rc, out, _ = doctor(capsys, data)
    assert rc == 1
    problems = [ln for ln in out.splitlines() if ln.startswith("[问题]")]
    assert len(problems) == 2
    assert any(f"「{name1}」" in ln and f"申报 {app1}" in ln and "存档文件已丢失" in ln for ln in problems)
    assert any(f"「{name2}」" in ln and f"收件后已被改动（登记 {size} 字节，现在 100 字节）" in ln for ln in problems)


def test_files_nobody_refers_to_are_listed_but_not_a_problem(capsys, data):
    extra = data / "files" / "ab" / ("ab" + "0" * 62)
    extra.parent.mkdir(exist_ok=True)
    extra.write_bytes(b"left over")
    (data / "files" / ".incoming-x1y2").write_bytes(b"half")  # an interrupted receive
    rc, out, _ = doctor(capsys, data)
    assert rc == 0
    assert "[提示] 附件存档：存档文件夹中有 2 个文件没有任何记录引用：" in out
    assert ".incoming-x1y2" in out and "ab" + "0" * 62 in out


def test_deleted_material_file_gone_is_not_a_problem(capsys, data):
    name, sha, _, _ = a_material(data)
    con = sqlite3.connect(data / DB_NAME)
    with con:
        con.execute("UPDATE material SET deleted_at = '2026-01-01 00:00:00' WHERE sha256 = ?", (sha,))
    con.close()
    stored(data, sha).unlink()
    rc, out, _ = doctor(capsys, data)
    assert rc == 0, out
    assert name not in out


def _damage_index(path: Path, index: str = "ix_enterprise_name") -> None:
    """Overwrite the cells of one index page (a disk or copy error inside the file)."""
    con = sqlite3.connect(path)
    page_size = con.execute("PRAGMA page_size").fetchone()[0]
    root = con.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (index,)).fetchone()[0]
    con.close()
    with open(path, "r+b") as f:
        f.seek(root * page_size - 600)  # the end of the page, where the cells are
        f.write(b"\xa5" * 590)


def test_damaged_database_is_reported_with_the_backup_to_restore(capsys, data):
    newest = list_backups(data / "backups")[0].path.name
    _damage_index(data / DB_NAME)
    rc, out, _ = doctor(capsys, data)
    assert rc == 1
    lines = out.splitlines()
    problem = next(ln for ln in lines if ln.startswith("[问题] 数据库："))
    assert problem.startswith("[问题] 数据库：完整性检查未通过，数据库文件已损坏：")
    fix = lines[lines.index(problem) + 1]
    assert fix.startswith(f'    处理办法：从备份恢复：greendesk --data-dir "{data}" doctor --restore {newest}（最近一份完好的备份是 {newest}')
    assert fix.endswith("或在程序中点 工具 → 检查与修复… → 备份与恢复…")


def test_file_that_is_no_database_is_reported(capsys, data):
    (data / DB_NAME).write_bytes(b"PK\x03\x04" + b"\x00" * 5000)
    rc, out, _ = doctor(capsys, data)
    assert rc == 1
    assert f"[问题] 数据库：文件 {DB_NAME} 无法作为数据库读取（file is not a database）。" in out
    assert "doctor --restore greendesk-" in out


def test_newer_database_is_a_problem_with_the_right_advice(capsys, data):
    con = sqlite3.connect(data / DB_NAME)
    with con:
        con.execute("UPDATE alembic_version SET version_num = '9999'")
    con.close()
    rc, out, _ = doctor(capsys, data)
    assert rc == 1
    assert f"数据库由更新版本的程序写入（数据结构版本 9999），本程序只认识到 {HEAD}。" in out
    assert "请安装最新版本的程序后再打开" in out


def test_missing_database_is_a_problem(capsys, tmp_path):
    rc, out, _ = doctor(capsys, tmp_path / "空文件夹")
    assert rc == 1
    assert f"数据文件夹中没有数据库文件 {DB_NAME}" in out
    assert "没有完好的备份可以恢复" in out


def test_report_lists_backups_and_flags_a_damaged_one(data):
    backups = list_backups(data / "backups")
    assert backups
    extra = data / "backups" / "greendesk-20250101-080000-000000-manual.db"
    extra.write_bytes(b"not a database at all" * 50)
    report = examine(data)
    assert [b.name for b in report.backups][-1] == extra.name
    assert report.best_backup().name == backups[0].path.name
    assert any(f"备份 {extra.name} 已损坏" in f.text for f in report.findings)
    assert report.ok  # a damaged old backup is a note, not a problem of the data


# --------------------------------------------------------------------------- restore


def enterprise_names(data: Path) -> list[str]:
    db = Database.open(data, user="测试员", backup=False)
    try:
        with db.engine.connect() as conn:
            return [r[0] for r in conn.exec_driver_sql("SELECT name FROM enterprise WHERE deleted_at IS NULL ORDER BY id")]
    finally:
        db.close()


def test_restore_from_a_backup_brings_the_data_back(capsys, data):
    names = enterprise_names(data)
    db = Database.open(data, user="测试员")
    backup = db.backup_now()
    with db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE enterprise SET deleted_at = '2026-05-01 00:00:00' WHERE id <= 10")
        conn.exec_driver_sql("UPDATE enterprise SET name = '误改的名称' WHERE id = 11")
    db.close()
    assert len(enterprise_names(data)) == len(names) - 10

    rc, out, err = doctor(capsys, data, "--restore", backup.name)
    assert rc == 0, out + err
    assert f"已从备份 {backup.name} 恢复数据库。" in out
    assert "恢复后的检查：" in out and "未发现问题" in out
    assert enterprise_names(data) == names
    # the state before the restore was kept: the restore can itself be undone
    safety = next(b for b in list_backups(data / "backups") if b.reason == "恢复前自动备份")
    assert f"恢复前的数据已另存为备份 {safety.path.name}" in out
    con = sqlite3.connect(safety.path)
    assert con.execute("SELECT name FROM enterprise WHERE id = 11").fetchone()[0] == "误改的名称"
    con.close()


def test_restore_works_when_the_database_no_longer_opens(capsys, data):
    names = enterprise_names(data)
    backup = list_backups(data / "backups")[0].path
    (data / DB_NAME).write_bytes(b"\x00garbage" * 1000)
    rc, out, err = doctor(capsys, data, "--restore", str(backup))
    assert rc == 0, out + err
    assert enterprise_names(data) == names
    kept = [b for b in list_backups(data / "backups") if b.reason == "恢复前自动备份"]
    assert len(kept) == 1 and kept[0].path.read_bytes() == b"\x00garbage" * 1000


def test_restore_an_older_schema_backup_upgrades_it(capsys, data):
    """A backup taken by the first release (schema 0001) is restored and upgraded."""
    old = data / "backups" / "greendesk-20250601-080000-000000-start.db"
    con = sqlite3.connect(old)
    con.executescript((FIXTURES / "schema_0001.sql").read_text(encoding="utf-8"))
    con.close()
    rc, out, err = doctor(capsys, data, "--restore", old.name)
    assert rc == 0, out + err
    assert read_revision(data / DB_NAME) == HEAD
    assert enterprise_names(data) == ["重庆渝北精密机械（集团）有限公司", "重庆两江绿能电池有限责任公司"]


def test_restore_is_refused_while_the_program_runs(capsys, data):
    backup = list_backups(data / "backups")[0].path.name
    db = Database.open(data, user="测试员")
    try:
        rc, out, err = doctor(capsys, data, "--restore", backup)
    finally:
        db.close()
    assert rc == 2 and out == ""
    assert "正被运行中的程序使用，不能在此恢复。请先关闭程序再运行本命令" in err


def test_restore_of_an_unknown_or_damaged_backup_changes_nothing(capsys, data):
    before = (data / DB_NAME).read_bytes()
    count = len(list_backups(data / "backups"))
    rc, _, err = doctor(capsys, data, "--restore", "greendesk-没有这个.db")
    assert rc == 2
    assert "找不到备份「greendesk-没有这个.db」；现有的备份：" in err
    assert list_backups(data / "backups")[0].path.name in err
    bad = data / "backups" / "greendesk-20250101-080000-000000-manual.db"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x01" * 5000)
    rc, _, err = doctor(capsys, data, "--restore", bad.name)
    assert rc == 2
    assert f"错误：备份 {bad.name} 不能恢复：" in err and "无法作为数据库打开" in err
    broken = data / "backups" / "greendesk-20250102-080000-000000-manual.db"
    shutil.copyfile(list_backups(data / "backups")[0].path, broken)
    _damage_index(broken)
    rc, _, err = doctor(capsys, data, "--restore", broken.name)
    assert rc == 2
    assert f"错误：备份 {broken.name} 已损坏（" in err and "未恢复。请选择其他备份。" in err
    assert (data / DB_NAME).read_bytes() == before
    assert len(list_backups(data / "backups")) == count + 2  # only the bad ones; no safety copy made


def test_no_files_skips_the_store_and_says_so(capsys, data):
    _name, sha, _, _ = a_material(data)
    stored(data, sha).unlink()
    rc, out, _ = doctor(capsys, data, "--no-files")
    assert rc == 0
    assert out.rstrip().endswith("检查完成，未发现问题（数据库完好；存档文件未核对）。")
    assert "附件存档" not in out
