"""Migration 0004 (supervision, issue 6): a database written at 0003 opens, gains the renaming
(第十九条) and re-review (第十六条) tables, and keeps its enterprises and titles."""
from __future__ import annotations

import datetime as dt
import sqlite3

from alembic import command
from alembic.config import Config
from sqlalchemy import select

from models.db import DB_NAME, Database, read_revision
from models.entities import ChangeKind, Enterprise, Title, TitleChange, TitleReview, TitleState
from models.migrations import HEAD, HERE
from models.supervision import record_change, schedule_review


def test_upgrade_from_0003_keeps_titles_and_adds_the_supervision_tables(data_dir):
    path = data_dir / DB_NAME
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("sqlalchemy.url", f"sqlite:///{path}")
    command.upgrade(cfg, "0003")
    con = sqlite3.connect(path)
    con.execute(
        "INSERT INTO enterprise (id, uid, name, credit_code, credit_code_override, district_code, address,"
        " industry_code, main_products, legal_rep, contact, phone, above_scale, notes, created_at, updated_at)"
        " VALUES (1, 'u1', '重庆甲公司', '9150000020286320X6', '', '500112', '', '36', '', '', '', '', 1, '',"
        " '2024-01-01 00:00:00', '2024-01-01 00:00:00')"
    )
    con.execute(
        "INSERT INTO title (id, uid, title_kind, enterprise_id, year, doc_number, state, source, revocation_cause,"
        " revocation_doc, notes, created_at, updated_at)"
        " VALUES (1, 't1', 'city_factory', 1, 2023, '渝经信节能〔2023〕7号', 'valid', 'import', '', '', '',"
        " '2024-01-01 00:00:00', '2024-01-01 00:00:00')"
    )
    con.commit()
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    con.close()
    assert read_revision(path) == "0003" and "title_change" not in tables

    database = Database.open(data_dir, user="测试员")
    try:
        assert read_revision(path) == HEAD
        assert database.migrated_from == "0003"
        with database.uow() as uow:
            s = uow.session
            t = s.scalars(select(Title)).one()
            assert (t.doc_number, t.state, t.source, s.get(Enterprise, 1).name) == (
                "渝经信节能〔2023〕7号", TitleState.VALID, "import", "重庆甲公司")
            record_change(s, kind=ChangeKind.RENAME, completed_on=dt.date(2026, 9, 24), title_id=1,
                          new_name="重庆乙公司")
            schedule_review(s, 1, dt.date(2026, 12, 3))
            uow.commit()
        with database.uow() as uow:
            s = uow.session
            ch = s.scalars(select(TitleChange)).one()
            assert (ch.due_on, ch.old_name, ch.new_name) == (dt.date(2026, 11, 12), "重庆甲公司", "重庆乙公司")
            assert s.scalars(select(TitleReview)).one().title_id == 1
            assert s.get(Title, 1).state is TitleState.UNDER_REVIEW
    finally:
        database.close()
