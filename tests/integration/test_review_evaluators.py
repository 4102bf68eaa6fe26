"""The evaluator registry (第二十一、二十二条): seeded from the Chongqing rows of the national
lists by the 0002 migration, kept when an older database is upgraded, edited through the services."""
from __future__ import annotations

import csv
import datetime as dt
import sqlite3

import pytest
from sqlalchemy import select

from models.db import DB_NAME, Database
from models.review import Evaluator
from models.review_service import ReviewError, disqualify, evaluators, save_evaluator, set_listing
from resources import resource_path


def seed_names() -> list[str]:
    with open(resource_path("data", "evaluators.csv"), encoding="utf-8") as f:
        return [r["name"] for r in csv.DictReader(f)]


def test_seed_file_matches_the_chongqing_rows_of_the_national_lists(shared_dir):
    names = set()
    for path in (shared_dir / "reference" / "national-lists").glob("*.csv"):
        with open(path, encoding="utf-8") as f:
            names |= {r["第三方评价机构"].strip() for r in csv.DictReader(f)
                      if r["地区"].strip() == "重庆" and r["第三方评价机构"].strip()}
    assert set(seed_names()) == names
    assert "重庆市节能技术服务中心" in names


def test_a_new_database_has_the_seeded_evaluators(db):
    with db.uow() as uow:
        rows = evaluators(uow.session)
        assert sorted(e.name for e in rows) == sorted(seed_names())
        assert all(e.source == "seed" and e.list_years == [] for e in rows)


def test_upgrading_a_0001_database_keeps_its_data_and_adds_the_registry(data_dir):
    """A database written by the previous version (schema 0001) is upgraded in place."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine

    from models.migrations import HEAD, HERE

    path = data_dir / DB_NAME
    engine = create_engine(f"sqlite:///{path}")
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    engine.dispose()
    con = sqlite3.connect(path)
    con.execute("INSERT INTO enterprise (name, credit_code, credit_code_override, district_code, address, "
                "industry_code, main_products, legal_rep, contact, phone, above_scale, notes, uid, created_at, "
                "updated_at) VALUES ('重庆老数据有限公司', '91500000202863206X', '', '500112', '', '34', '', '', '', "
                "'', 0, '', 'u1', '2025-01-01 00:00:00', '2025-01-01 00:00:00')")
    con.commit()
    con.close()
    db = Database.open(data_dir, user="测试员")
    try:
        assert db.migrated_from == "0001" and db.backup_path is not None
        con = sqlite3.connect(path)
        assert con.execute("SELECT name FROM enterprise").fetchall() == [("重庆老数据有限公司",)]
        assert con.execute("SELECT count(*) FROM evaluator").fetchone()[0] == len(seed_names())
        assert con.execute("SELECT version_num FROM alembic_version").fetchone()[0] == HEAD
        con.close()
    finally:
        db.close()


def test_listing_years_and_disqualification(db):
    with db.uow() as uow:
        s = uow.session
        ev = save_evaluator(s, {"name": "重庆示例评价有限公司", "credit_code": "91500112MA5U7AMQ8X"})
        set_listing(s, ev.id, 2026)
        set_listing(s, ev.id, 2025)
        set_listing(s, ev.id, 2025, listed=False)
        with pytest.raises(ReviewError, match="必须填写原因"):
            disqualify(s, ev.id, dt.date(2026, 4, 1))
        disqualify(s, ev.id, dt.date(2026, 4, 1), "抽查发现报告数据不实")
        with pytest.raises(ReviewError, match="已在名录中"):
            save_evaluator(s, {"name": "重庆示例评价有限公司"})
        uow.commit()
    with db.uow() as uow:
        ev = uow.session.scalars(select(Evaluator).where(Evaluator.name == "重庆示例评价有限公司")).one()
        assert (ev.list_years, ev.disqualified_on, ev.disqualified_reason) == ([2026], dt.date(2026, 4, 1), "抽查发现报告数据不实")
        assert ev.disqualified_by(dt.date(2026, 4, 1)) and not ev.disqualified_by(dt.date(2026, 3, 31))
        disqualify(uow.session, ev.id, None)
        assert (ev.disqualified_on, ev.disqualified_reason) == (None, "")
