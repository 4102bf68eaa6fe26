"""Upgrades (issue 7, item 3): a database written by the first released program (schema revision
0001, tests/fixtures/schema_0001.sql, data in every table) upgrades through every migration to
the current one with nothing lost; a database from a newer program is refused with a clear
message, also when the window is started.

The checks run over whatever migrations exist (``REVISIONS``), not a fixed list: a new
migration that drops or rewrites a value of the first release fails here.
"""
from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import select

import models.db as dbmod
from models.db import DB_NAME, Database, NewerDatabaseError, read_revision
from models.migrations import HEAD, HERE, REVISIONS

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DUMP = FIXTURES / "schema_0001.sql"
FIRST = REVISIONS[0]


def load_fixture(path: Path) -> None:
    con = sqlite3.connect(path)
    try:
        con.executescript(DUMP.read_text(encoding="utf-8"))
    finally:
        con.close()


def snapshot(path: Path, tables: list[str] | None = None) -> dict[str, dict[tuple, dict]]:
    """table → primary key → {column: value} as SQLite stores it (no ORM in between)."""
    con = sqlite3.connect(path)
    con.row_factory = sqlite3.Row
    try:
        if tables is None:
            tables = [r[0] for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name != 'alembic_version'")]
        out = {}
        for t in tables:
            pk = [r["name"] for r in con.execute(f'PRAGMA table_info("{t}")') if r["pk"]]
            out[t] = {tuple(row[c] for c in pk): dict(row) for row in con.execute(f'SELECT * FROM "{t}"')}
        return out
    finally:
        con.close()


@pytest.fixture
def first_release(data_dir: Path) -> Path:
    """The data folder of a clerk who used the first release: its database, as it left it."""
    load_fixture(data_dir / DB_NAME)
    return data_dir


def test_fixture_is_revision_0001_with_data_in_every_table(first_release):
    path = first_release / DB_NAME
    assert FIRST == "0001"
    assert read_revision(path) == FIRST
    rows = snapshot(path)
    assert set(rows) == {"audit_entry", "batch", "office_profile", "park", "setting", "enterprise", "application",
                         "stage_move", "title", "issued_document"}
    assert all(rows[t] for t in rows), {t: len(r) for t, r in rows.items()}
    # NULLs where the first schema allows them, Chinese text, dates and times
    assert rows["park"][(2,)]["credit_code"] is None and rows["park"][(2,)]["green_staff_count"] is None
    assert rows["enterprise"][(2,)]["founded_on"] is None
    assert rows["audit_entry"][(5,)]["before"] is None and rows["audit_entry"][(5,)]["record_id"] is None
    assert rows["enterprise"][(1,)]["founded_on"] == "2003-07-01"
    assert rows["stage_move"][(1,)]["from_stage"] is None


def test_fixture_is_what_the_script_makes(tmp_path):
    """The committed dump and tests/fixtures/make_schema_0001.py agree (revision 0001 is frozen)."""
    out = tmp_path / "schema_0001.sql"
    proc = subprocess.run([sys.executable, str(FIXTURES / "make_schema_0001.py"), str(out)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert out.read_text(encoding="utf-8") == DUMP.read_text(encoding="utf-8")


def test_every_migration_step_keeps_every_row_and_value(tmp_path):
    """Upgrade one revision at a time: after each step every table, row and value of the first
    release is still there, unchanged."""
    path = tmp_path / DB_NAME
    load_fixture(path)
    before = snapshot(path)
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("sqlalchemy.url", f"sqlite:///{path}")
    for rev in REVISIONS[1:]:
        command.upgrade(cfg, rev)
        assert read_revision(path) == rev
        after = snapshot(path, list(before))
        for table, rows in before.items():
            assert len(after[table]) == len(rows), f"{rev}: {table} had {len(rows)} rows, now {len(after[table])}"
            for key, old in rows.items():
                new = after[table][key]
                lost = {c: (v, new.get(c, "<column gone>")) for c, v in old.items() if new.get(c, object()) != v}
                assert not lost, f"migration {rev} changed {table} {key}: {lost}"
    assert read_revision(path) == HEAD


def test_normal_start_upgrades_to_head_with_nothing_lost(first_release):
    """The program's own start (Database.open): backup first, then every migration, then the
    first release's data read back through today's models."""
    path = first_release / DB_NAME
    before = snapshot(path)
    db = Database.open(first_release, user="测试员")
    try:
        assert read_revision(path) == HEAD
        assert db.migrated_from == (FIRST if HEAD != FIRST else None)
        # the backup taken before upgrading is the first release's database, untouched
        assert db.backup_path is not None and read_revision(db.backup_path) == FIRST
        assert snapshot(db.backup_path) == before
        after = snapshot(path, list(before))
        assert {t: len(r) for t, r in after.items()} == {t: len(r) for t, r in before.items()}
        for table, rows in before.items():
            for key, old in rows.items():
                assert {c: after[table][key][c] for c in old} == old, (table, key)
        read_through_models(db)
        con = sqlite3.connect(path)
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        con.close()
    finally:
        db.close()
    # and the second start finds nothing to do
    again = Database.open(first_release, user="测试员")
    assert again.migrated_from is None
    again.close()


def read_through_models(db: Database) -> None:
    """A sample of every table, as today's program sees it: typed values, enums, JSON."""
    from models.entities import (
        Application,
        AuditEntry,
        Batch,
        Enterprise,
        IssuedDocument,
        OfficeProfile,
        Park,
        Setting,
        StageMove,
        Title,
        TitleState,
    )
    from models.stages import Stage, SubjectKind, TitleKind

    with db.uow() as uow:
        s = uow.session
        office = s.get(OfficeProfile, 1)
        assert (office.bureau_name, office.doc_prefix, office.contact_phone) == (
            "重庆市渝北区经济和信息化委员会", "渝北经信发", "023-67821234")
        assert office.is_complete
        settings = {x.key: x.value for x in s.scalars(select(Setting))}
        assert settings == {
            "summary/columns": ["序号", "区县", "名称", "统一社会信用代码", "评价得分"],
            "review/evaluator_limit": {"每批次上限": 15, "启用": True, "备注": None},
            "user/name": "李晓红",
            "calendar/2025/holidays": ["2025-10-01", "2025-10-02"],
        }
        p1, p2 = s.get(Park, 1), s.get(Park, 2)
        assert (p1.name, p1.green_staff_count, p1.deleted_at) == ("重庆空港工业园区", 3, None)
        assert "（全角括号）" in p1.notes
        assert (p2.credit_code, p2.green_staff_count, p2.deleted_at) == (None, None, dt.datetime(2025, 4, 9, 9, 15, 30, 123456))
        e1, e2, e3 = (s.get(Enterprise, i) for i in (1, 2, 3))
        assert e1.name == "重庆渝北精密机械（集团）有限公司" and e1.credit_code == "9150000020286320X6"
        assert (e1.founded_on, e1.above_scale, e1.park_id, e1.notes) == (dt.date(2003, 7, 1), True, 1, "第一行\n第二行")
        assert e1.created_at == dt.datetime(2025, 3, 10, 9, 15, 30, 123456)
        assert (e2.founded_on, e2.above_scale, e2.park_id) == (None, False, None)
        assert e2.credit_code_override == "营业执照原件如此，经核对无误"
        assert e3.deleted_at == dt.datetime(2025, 4, 19, 9, 15, 30, 123456)
        b1 = s.get(Batch, 1)
        assert (b1.name, b1.year) == ("2025年度市级绿色工厂推荐（第一批）", 2025)
        a2 = s.get(Application, 2)
        assert (a2.stage, a2.title_kind, a2.subject_kind) == (Stage.RECOMMENDED, TitleKind.CITY_FACTORY, SubjectKind.ENTERPRISE)
        assert (a2.batch_id, a2.carried_from_id, a2.review_outcome) == (1, 1, "通过")
        assert s.get(Application, 3).park_id == 1 and s.get(Application, 4).deleted_at is not None
        moves = s.scalars(select(StageMove).where(StageMove.application_id == 2).order_by(StageMove.id)).all()
        assert [(m.from_stage, m.to_stage) for m in moves] == [
            (None, Stage.CULTIVATING), (Stage.CULTIVATING, Stage.APPLIED), (Stage.UNDER_REVIEW, Stage.APPLIED),
            (Stage.APPLIED, Stage.RECOMMENDED)]
        assert moves[2].reason == "退回补正：第三方评价报告缺少评价机构承诺书" and moves[2].user == "王建国"
        t2 = s.get(Title, 2)
        assert (t2.state, t2.revoked_on, t2.revocation_doc) == (TitleState.REVOKED, dt.date(2024, 6, 30), "渝经信节能〔2024〕40号")
        assert s.get(Title, 3).park_id == 1 and s.get(Title, 1).recognised_on == dt.date(2022, 12, 20)
        d1, d2 = s.get(IssuedDocument, 1), s.get(IssuedDocument, 2)
        assert d1.doc_number == "渝北经信发〔2025〕12号" and d1.issued_on == dt.date(2025, 6, 30)
        assert (d2.batch_id, d2.issued_on) == (None, None)
        audit = {a.id: a for a in s.scalars(select(AuditEntry))}
        assert len(audit) == 5
        assert audit[1].after == {"name": "重庆渝北精密机械（集团）有限公司", "credit_code": "9150000020286320X6",
                                  "above_scale": True}
        assert (audit[2].before, audit[2].after) == ({"phone": ""}, {"phone": "13800138000"})
        assert (audit[5].before, audit[5].after, audit[5].record_id) == (None, None, None)


def test_upgraded_database_works_in_the_program(first_release):
    """After the upgrade the clerk's lists show the first release's records and new records can
    be added (the tables of later revisions exist and take rows)."""
    from models.entities import Enterprise
    from models.review import Evaluator

    db = Database.open(first_release, user="测试员")
    try:
        with db.uow() as uow:
            live = uow.session.scalars(select(Enterprise.name).where(Enterprise.deleted_at.is_(None))
                                       .order_by(Enterprise.id)).all()
            assert live == ["重庆渝北精密机械（集团）有限公司", "重庆两江绿能电池有限责任公司"]
            assert uow.session.scalar(select(Evaluator.id).limit(1)) is not None  # 0002 seeded the registry
            uow.session.add(Enterprise(name="升级后新增企业", credit_code="91500112MA5U7AMQ8X", district_code="500112"))
            uow.commit()
        from models.doctor import examine

        report = examine(first_release)
        assert report.ok, report.text()
        assert report.revision == HEAD
    finally:
        db.close()


# --------------------------------------------------------------------------- downgrades


def older_program(monkeypatch) -> str:
    """Make this process the previous release: it knows every revision but the newest.
    Returns the revision it does not know. (With a single revision there is nothing older.)"""
    if len(REVISIONS) < 2:
        pytest.skip("只有一个数据结构版本，没有更旧的程序")
    monkeypatch.setattr(dbmod, "REVISIONS", REVISIONS[:-1])
    monkeypatch.setattr(dbmod, "HEAD", REVISIONS[-2])
    return REVISIONS[-1]


def test_older_program_refuses_an_upgraded_database_and_says_why(first_release, monkeypatch):
    Database.open(first_release, user="测试员").close()  # upgraded by this program
    path = first_release / DB_NAME
    before = path.read_bytes()
    unknown = older_program(monkeypatch)
    with pytest.raises(NewerDatabaseError) as exc:
        Database.open(first_release, user="测试员")
    msg = str(exc.value)
    assert msg == (f"数据库 {path} 由更新版本的程序写入（数据结构版本 {unknown}），"
                   f"本程序（版本 {dbmod.APP_VERSION}，数据结构版本 {REVISIONS[-2]}）无法打开它。"
                   "请安装最新版本的程序后再打开；数据未做任何改动。")
    assert path.read_bytes() == before


def test_gui_start_shows_the_refusal_in_a_message_box_not_a_traceback(first_release, monkeypatch, qapp, capsys):
    from PySide6.QtWidgets import QApplication, QMessageBox

    from desktop.app import APP_TITLE, run_gui

    Database.open(first_release, user="测试员").close()
    unknown = older_program(monkeypatch)
    shown = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: shown.append((parent, title, text)))
    monkeypatch.setattr(QApplication, "exec", lambda *a: pytest.fail("the window must not start"))
    assert run_gui(first_release) == 2
    [(parent, title, text)] = shown
    assert (parent, title) == (None, APP_TITLE)
    assert f"由更新版本的程序写入（数据结构版本 {unknown}）" in text and "请安装最新版本的程序后再打开" in text
    assert "Traceback" not in capsys.readouterr().err
    # the lock was released: the newer program can still open it
    monkeypatch.undo()
    Database.open(first_release, user="测试员").close()
