"""Alembic migrations: the program's list of revisions equals the chain in versions/, and an
old database is upgraded on start."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import select

from models.db import DB_NAME, Database, read_revision
from models.entities import Enterprise
from models.migrations import HEAD, HERE, REVISIONS


def script_dir() -> ScriptDirectory:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    return ScriptDirectory.from_config(cfg)


def test_revisions_match_the_alembic_chain():
    sd = script_dir()
    assert sd.get_heads() == [HEAD]
    chain = [r.revision for r in sd.walk_revisions("base", "heads")][::-1]  # oldest first
    assert tuple(chain) == REVISIONS
    assert sd.get_revision(REVISIONS[0]).down_revision is None
    for older, newer in zip(REVISIONS, REVISIONS[1:]):
        assert sd.get_revision(newer).down_revision == older


def test_upgrade_from_the_first_revision_keeps_data(data_dir):
    """A database left at the first revision (as the first release wrote it) opens, is upgraded
    to the head, and keeps its rows."""
    from alembic import command

    path = data_dir / DB_NAME
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("sqlalchemy.url", f"sqlite:///{path}")
    command.upgrade(cfg, REVISIONS[0])
    con = sqlite3.connect(path)
    con.execute(
        "INSERT INTO enterprise (uid, name, credit_code, credit_code_override, district_code, address,"
        " industry_code, main_products, legal_rep, contact, phone, above_scale, notes, created_at, updated_at)"
        " VALUES ('u1', '重庆甲公司', '9150000020286320X6', '', '500112', '', '36', '', '', '', '', 1, '',"
        " '2024-01-01 00:00:00', '2024-01-01 00:00:00')"
    )
    con.commit()
    con.close()
    assert read_revision(path) == REVISIONS[0]
    database = Database.open(data_dir, user="测试员")
    try:
        assert read_revision(path) == HEAD
        assert database.migrated_from == (REVISIONS[0] if REVISIONS[0] != HEAD else None)
        with database.uow() as uow:
            e = uow.session.scalars(select(Enterprise)).one()
            assert (e.name, e.credit_code, e.above_scale) == ("重庆甲公司", "9150000020286320X6", True)
    finally:
        database.close()


def _demo_database_at(data: Path, revision: str, enterprises: int) -> Path:
    """A demo database made at the head, then taken down to ``revision`` by the migrations' own
    downgrades: the state an older program left, for the upgrade to start from."""
    from sqlalchemy import create_engine

    from models.db import run_migrations
    from models.demo import generate

    db = Database.open(data)
    generate(db, enterprises=enterprises, review_files=False)
    path = db.path
    db.close()
    # without the program's pragmas: a downgrade that rebuilds a table (0005's drop_column)
    # would trip the foreign keys of the rows that point at it
    engine = create_engine(f"sqlite:///{path}")
    try:
        run_migrations(engine, down_to=revision)
    finally:
        engine.dispose()
    assert read_revision(path) == revision
    return path


def test_0005_keeps_every_application_and_starts_each_opinion_empty(tmp_path):
    """Upgrading from 0004 adds application.review_opinion, empty for the applications that
    were there, with their 初审结论 (review_outcome) unchanged."""
    data = tmp_path / "data"
    path = _demo_database_at(data, "0004", enterprises=20)
    con = sqlite3.connect(path)
    before = con.execute("SELECT id, review_outcome FROM application ORDER BY id").fetchall()
    con.close()
    Database.open(data).close()
    con = sqlite3.connect(path)
    after = con.execute("SELECT id, review_outcome, review_opinion FROM application ORDER BY id").fetchall()
    version = con.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    con.close()
    assert before and [(i, o) for i, o, _ in after] == before
    assert {op for _, _, op in after} == {""}
    assert version == HEAD  # and on through the later revisions


def test_0006_indexes_the_live_indicator_values_and_the_titles_tab_uses_them(tmp_path):
    """Upgrading from 0005 adds the covering indexes (subject, year, key, value) of the live
    indicators, keeping every indicator; the 称号监管 status query reads through them."""
    import datetime as dt

    from models.title_list import indicator_report_status

    data = tmp_path / "data"
    path = _demo_database_at(data, "0005", enterprises=30)
    con = sqlite3.connect(path)
    before = con.execute("SELECT id, value FROM indicator ORDER BY id").fetchall()
    assert not con.execute("SELECT name FROM sqlite_master WHERE name = 'ix_indicator_enterprise_value'").fetchall()
    con.close()
    db = Database.open(data)
    try:
        with db.read() as con:
            after = con.execute("SELECT id, value FROM indicator ORDER BY id").fetchall()
            indexes = {name: sql for name, sql in con.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'indicator'")}
            status = indicator_report_status(con, dt.date.today().year)
            plan = " ".join(str(r) for r in con.execute(
                "EXPLAIN QUERY PLAN SELECT DISTINCT enterprise_id FROM indicator INDEXED BY"
                " ix_indicator_enterprise_value WHERE enterprise_id IS NOT NULL AND deleted_at IS NULL"
                " AND year = 2025"))
    finally:
        db.close()
    assert before and after == before
    assert "deleted_at IS NULL AND enterprise_id IS NOT NULL" in indexes["ix_indicator_enterprise_value"]
    assert "deleted_at IS NULL AND park_id IS NOT NULL" in indexes["ix_indicator_park_value"]
    assert "COVERING INDEX ix_indicator_enterprise_value" in plan
    assert status  # the holders of the demo data owe this year's report
