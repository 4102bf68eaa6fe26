"""Reads started at start-up (desktop.prefetch) and the one-step reads they use: a tab gets the
same rows from a prefetched read as from its own, and never a result that a write or time has
made stale."""
from __future__ import annotations

import datetime as dt
import sqlite3
import threading
import time

import pytest

from desktop import prefetch
from desktop.prefetch import Prefetcher
from models import pipeline as pl
from models.db import rows_in_one_step
from models.title_list import build_title_rows, title_data, title_rows


def test_rows_in_one_step_are_the_rows_with_their_types_in_any_order():
    con = sqlite3.connect(":memory:")
    con.execute("CREATE TABLE t (id INTEGER, name TEXT, code TEXT, n INTEGER)")
    rows = [(1, "重庆甲公司", None, 0), (2, "乙\"引号\"厂", "500112", -3), (3, "", "x\ny", 2**40)]
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", rows)
    got = rows_in_one_step(con, "SELECT id AS id, name AS name, code AS code, n AS n FROM t WHERE id > ?", (0,),
                           columns=("id", "name", "code", "n"))
    assert sorted(got) == rows
    assert [type(v) for v in sorted(got)[0]] == [int, str, type(None), int]
    assert rows_in_one_step(con, "SELECT id AS id FROM t WHERE id > 99", (), columns=("id",)) == []


def test_rows_in_one_step_on_an_sqlite_without_json_are_read_row_by_row(monkeypatch):
    """SQLite before 3.38 may lack the JSON functions: the same rows, read the usual way."""
    con = sqlite3.connect(":memory:")
    con.execute("CREATE TABLE t (id INTEGER, name TEXT)")
    con.executemany("INSERT INTO t VALUES (?, ?)", [(1, "甲"), (2, "乙")])

    class NoJson:  # a connection whose SQLite knows no json_group_array
        def cursor(self):
            real = con.cursor()

            class Cursor:
                def execute(self, sql, params=()):
                    if "json_group_array" in sql:
                        raise sqlite3.OperationalError("no such function: json_group_array")
                    return real.execute(sql, params)

                def __getattr__(self, name):
                    return getattr(real, name)
            return Cursor()

    import models.db as mdb

    monkeypatch.setattr(mdb, "dbapi", lambda source: source)
    got = rows_in_one_step(NoJson(), "SELECT id AS id, name AS name FROM t", (), columns=("id", "name"))
    assert sorted(got) == [(1, "甲"), (2, "乙")]


def test_the_board_read_in_one_step_is_the_same_page_with_the_same_totals(demo_db):
    year = dt.date.today().year
    with demo_db.read() as con:
        for kinds in (None, [pl.TitleKind.CITY_FACTORY]):
            totals, totals_one_step = {}, {}
            a = pl.card_rows(con, year=year, title_kinds=kinds, per_stage=7, stage_totals=totals)
            b = pl.card_rows(con, year=year, title_kinds=kinds, per_stage=7, stage_totals=totals_one_step,
                             one_step=True)
            assert a and a == b and totals == totals_one_step
            assert any(n > 7 for n in totals.values())  # some column has more than its first page


def test_the_titles_read_in_one_step_make_the_same_rows(demo_db):
    from forms.rules.loader import indicator_defs

    catalogue = indicator_defs()
    with demo_db.read() as con:
        for today in (dt.date.today(), dt.date(dt.date.today().year, 1, 2)):
            rows = title_rows(con, today, catalogue=catalogue)
            assert rows and build_title_rows(title_data(con, today, catalogue=catalogue, one_step=True), today) == rows
    assert any(r.indicators for r in rows)


def _reader(calls):
    def read(con, x):
        calls.append((threading.current_thread().name, x))
        return con.execute("SELECT COUNT(*) FROM enterprise").fetchone()[0] + x
    return read


def test_a_prefetched_read_is_handed_over_once_and_read_on_its_own_thread(demo_db):
    calls: list = []
    read = _reader(calls)
    p = Prefetcher(demo_db)
    try:
        p.submit(read, 1)
        assert p.take(read, 1) == (True, 301)  # 300 demo enterprises + 1
        assert calls[0][0].startswith("greendesk-prefetch")
        assert p.take(read, 1) == (False, None)  # used once
        assert p.take(read, 2) == (False, None)  # other arguments: never read here
        assert prefetch.read(p, demo_db, read, 2) == 302  # read now, on this thread
        assert calls[-1][0] == threading.current_thread().name and len(calls) == 2
    finally:
        p.close()


def test_a_write_or_age_makes_a_prefetched_read_unused(demo_db):
    calls: list = []
    read = _reader(calls)
    p = Prefetcher(demo_db)
    try:
        p.submit(read, 1)
        p.discard()  # something was written
        assert p.take(read, 1) == (False, None)
    finally:
        p.close()
    old = Prefetcher(demo_db, max_age=0.05)
    try:
        old.submit(read, 1)
        time.sleep(0.1)
        assert old.take(read, 1) == (False, None)
    finally:
        old.close()


def test_a_prefetched_read_that_failed_is_read_again_by_the_tab(demo_db):
    def broken(con, x):
        raise sqlite3.OperationalError("no such table: gone")

    p = Prefetcher(demo_db)
    try:
        p.submit(broken, 1)
        assert p.take(broken, 1) == (False, None)
        with pytest.raises(sqlite3.OperationalError):  # the tab meets the error itself, as without prefetching
            prefetch.read(p, demo_db, broken, 1)
    finally:
        p.close()


class _Settings:
    def __init__(self, values):
        self.values = values

    def value(self, key, default=None):
        return self.values.get(key, default)


def test_the_board_guess_is_what_the_board_opens_on():
    this_year = dt.date.today().year
    assert prefetch.board_choice(None) == (this_year, None)
    assert prefetch.board_choice(_Settings({prefetch.BOARD_YEAR_KEY: "2024", prefetch.BOARD_TITLE_KEY: "city_factory"})) \
        == (2024, ("city_factory",))
    assert prefetch.board_choice(_Settings({prefetch.BOARD_YEAR_KEY: "x", prefetch.BOARD_TITLE_KEY: "nonsense"})) \
        == (this_year, None)
