"""Start-up without waiting for what the clerk cannot see yet (issue 2, speed: ``startup``).

- The window's lists are read with plain SQL through ``db.read()``: building the window and
  loading every tab does not import SQLAlchemy (its import alone costs more than the window).
- The enterprise table reads its first screenful and the count at once, and the other rows once
  it is on screen, or as soon as a search, a sort or scrolling needs them.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt

from desktop.table_model import Column, RowsModel, SearchProxy
from desktop.views.subjects import FIRST_ROWS, EnterprisesView

ROOT = Path(__file__).resolve().parents[2]

_START = """
import json, sys
from pathlib import Path
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from models.db import Database
app = QApplication([])
db = Database.open(Path(sys.argv[1]), user="测试员", lock=False, backup=False)
from desktop.main_window import MainWindow
win = MainWindow(db, settings=QSettings(sys.argv[2], QSettings.Format.IniFormat))
built_at_start = [type(v).__name__ for v in win.views.built()]
view_modules_at_start = sorted(m for m in sys.modules if m.startswith("desktop.views."))
titles = []
for v in win.views:
    if v.title in sys.argv[3].split(","):
        v.refresh()
        titles.append(v.title)
app.processEvents()
board = win.views[0]
ents = next(v for v in win.views if v.title == "企业")
print(json.dumps({
    "built_at_start": built_at_start,
    "view_modules_at_start": view_modules_at_start,
    "titles": titles,
    "orm": sorted(m for m in sys.modules if m == "sqlalchemy" or m.startswith(("sqlalchemy.", "alembic"))),
    "board_total": sum(col.model.total() for col in board.columns),
    "enterprise_rows_shown": ents.proxy.rowCount(),
    "enterprise_count": ents.count_label.text(),
}, ensure_ascii=False))
db.close()
"""


#: the tabs that read their first screen with plain SQL
PLAIN_TABS = ("培育申报看板", "初审", "企业", "园区", "推荐批次", "第三方评价机构", "称号监管", "操作日志")


def test_window_with_its_tabs_loaded_never_imports_sqlalchemy(demo_db, tmp_path):
    """In a fresh process, as at start: the window is built with every tab, the tabs load their
    data, and SQLAlchemy is not imported (writes import it when they happen)."""
    with demo_db.read() as con:
        apps = con.execute("SELECT COUNT(*) FROM application WHERE deleted_at IS NULL AND year = "
                           "(SELECT MAX(year) FROM application)").fetchone()[0]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([sys.executable, "-c", _START, str(demo_db.data_dir), str(tmp_path / "s.ini"),
                          ",".join(PLAIN_TABS)],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["orm"] == [], f"start-up imported {got['orm'][:5]}"
    # only the tab on screen is built at start (and 称号监管, whose view holds the 监管 menu's actions)
    assert got["built_at_start"] == ["PipelineView", "TitlesView"]
    assert got["view_modules_at_start"] == ["desktop.views.pipeline", "desktop.views.titles"]
    assert got["titles"] == list(PLAIN_TABS)
    assert got["board_total"] == apps > 0  # this year's applications, all counted on the board
    assert got["enterprise_rows_shown"] == FIRST_ROWS
    assert got["enterprise_count"] == "共 300 家 / 显示 300 家"


@pytest.fixture
def view(qtbot, demo_ctx):
    v = EnterprisesView(demo_ctx)
    qtbot.addWidget(v)
    return v


def test_enterprise_table_shows_first_rows_then_the_rest_once_on_screen(qtbot, view, demo_ctx):
    with demo_ctx.db.read() as con:
        names = [r[0] for r in con.execute(
            "SELECT name FROM enterprise WHERE deleted_at IS NULL ORDER BY name, id").fetchall()]
    view.refresh()
    assert view.model.is_partial()
    assert view.proxy.rowCount() == FIRST_ROWS
    assert view.count_label.text() == "共 300 家 / 显示 300 家"
    assert [view.proxy.index(r, 0).data() for r in range(3)] == names[:3]
    view.table.selectRow(5)
    chosen = view.selected_id()

    view.resize(1000, 600)
    view.show()
    qtbot.waitUntil(lambda: not view.model.is_partial(), timeout=5000)
    assert view.proxy.rowCount() == 300
    assert [view.proxy.index(r, 0).data() for r in range(300)] == names
    assert view.selected_id() == chosen  # the clerk's place is kept
    assert view.count_label.text() == "共 300 家 / 显示 300 家"


def test_search_before_the_rest_arrived_finds_rows_past_the_first_screen(qtbot, view, demo_ctx):
    with demo_ctx.db.read() as con:
        last = con.execute("SELECT name, credit_code FROM enterprise WHERE deleted_at IS NULL"
                           " ORDER BY name DESC, id DESC LIMIT 1").fetchone()
    view.refresh()
    assert view.model.is_partial()
    qtbot.keyClicks(view.search, last[1])
    assert not view.model.is_partial()
    assert view.proxy.rowCount() == 1
    assert view.proxy.index(0, 0).data() == last[0]
    assert view.count_label.text() == "共 300 家 / 显示 1 家"


def test_sorting_another_column_before_the_rest_arrived_sorts_every_row(qtbot, view):
    view.refresh()
    assert view.model.is_partial()
    view.table.sortByColumn(1, Qt.SortOrder.DescendingOrder)  # credit code, Z to 0
    assert not view.model.is_partial()
    codes = [view.proxy.index(r, 1).data() for r in range(view.proxy.rowCount())]
    assert len(codes) == 300 and codes == sorted(codes, reverse=True)


def test_table_sorted_by_another_column_reads_every_row_at_once(qtbot, demo_ctx):
    first = EnterprisesView(demo_ctx)
    qtbot.addWidget(first)
    first.table.sortByColumn(2, Qt.SortOrder.AscendingOrder)
    first.save_header()
    view = EnterprisesView(demo_ctx)  # restores the sort by district
    qtbot.addWidget(view)
    view.refresh()
    assert not view.model.is_partial()
    assert view.proxy.rowCount() == 300


def test_a_record_past_the_first_screen_can_be_shown(qtbot, view, demo_ctx, monkeypatch):
    with demo_ctx.db.read() as con:
        last_id, last_name = con.execute("SELECT id, name FROM enterprise WHERE deleted_at IS NULL"
                                         " ORDER BY name DESC, id DESC LIMIT 1").fetchone()
    view.refresh()
    assert view.select_id(last_id)
    assert view.selected_name() == last_name


def _partial_model(rows, first=3):
    model = RowsModel([Column("名称", 1), Column("区县", 2)])
    calls = []

    def rest():
        calls.append(1)
        return rows

    model.set_rows(rows[:first], rest=rest, total=len(rows), order=(0, Qt.SortOrder.AscendingOrder))
    return model, calls


ROWS = [(i, f"企业{i:02d}", "渝北区" if i % 2 else "江北区") for i in range(1, 11)]


def test_partial_rows_model_fetches_the_rest_when_scrolled_to_its_end():
    model, calls = _partial_model(ROWS)
    assert model.rowCount() == 3 and model.total_count() == 10 and model.visible_count() == 10
    assert model.canFetchMore() and calls == []
    model.fetchMore()  # what the table does when the last loaded row scrolls into view
    assert calls == [1] and model.rowCount() == 10 and not model.canFetchMore()
    assert [model.index(r, 0).data() for r in range(10)] == [r[1] for r in ROWS]


def test_partial_rows_model_passes_qtmodeltester(qtmodeltester):
    model, calls = _partial_model(ROWS)
    proxy = SearchProxy(model)
    qtmodeltester.check(proxy, force_py=True)  # the tester fetches more itself
    assert calls == [1] and proxy.rowCount() == 10
    assert [proxy.index(r, 0).data() for r in range(10)] == [r[1] for r in ROWS]


def test_rows_changed_in_between_start_the_table_over(qtmodeltester):
    """Another record came first meanwhile: the table shows the new order from the top."""
    changed = [(99, "企业00", "北碚区")] + ROWS
    model = RowsModel([Column("名称", 1), Column("区县", 2)])
    model.set_rows(ROWS[:3], rest=lambda: changed, total=10, order=(0, Qt.SortOrder.AscendingOrder))
    with_reset = []
    model.modelReset.connect(lambda: with_reset.append(1))
    assert model.complete()
    assert with_reset == [1]
    assert [model.index(r, 0).data() for r in range(model.rowCount())] == [r[1] for r in changed]
    qtmodeltester.check(model, force_py=True)


def test_small_table_is_whole_at_once():
    model, calls = _partial_model(ROWS[:3])
    assert not model.is_partial() and calls == []
    assert model.rowCount() == 3


def test_read_connection_sees_committed_data_only_and_cannot_write(db):
    from models.entities import Park

    with db.uow() as uow:
        uow.session.add(Park(name="甲园区", park_type="经开区", district_code="500112"))
        uow.session.flush()
        with db.read() as con:  # the change is not committed yet
            assert con.execute("SELECT COUNT(*) FROM park").fetchone()[0] == 0
        uow.commit()
    with db.read() as con:
        assert con.execute("SELECT name FROM park").fetchall() == [("甲园区",)]
        with pytest.raises(Exception, match="readonly|read-only|query_only|attempt to write"):
            con.execute("DELETE FROM park")
    seen = []
    worker = threading.Thread(target=lambda: seen.append(_count_parks(db)))
    worker.start()
    worker.join()
    assert seen == [1]  # another thread reads on a connection of its own


def _count_parks(db) -> int:
    with db.read() as con:
        return con.execute("SELECT COUNT(*) FROM park").fetchone()[0]


def test_main_window_first_run_asks_for_the_profile_read_without_the_orm(qtbot, db, monkeypatch):
    """The first-run question comes from one plain query of the profile (区县、单位名称、发文字号前缀)."""
    from PySide6.QtWidgets import QMessageBox

    from desktop.main_window import MainWindow

    asked = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: asked.append(a[2]))
    monkeypatch.setattr(MainWindow, "edit_profile", lambda self: asked.append("dialog"))
    win = MainWindow(db, settings=QSettings(str(db.data_dir / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.after_start()
    assert asked and "首次使用请先填写单位信息" in asked[0] and asked[-1] == "dialog"
    assert "（未设置单位信息）" in win.status_db.text()

    from models.office import save_profile

    with db.uow() as uow:
        save_profile(uow.session, {"district_code": "500112", "district_name": "渝北区",
                                   "bureau_name": "渝北区经济和信息化委员会", "doc_prefix": "渝北经信发"})
        uow.commit()
    asked.clear()
    win.ctx.changed("office_profile")
    win.after_start()
    assert asked == []
    assert win.status_db.text().startswith("渝北区经济和信息化委员会")


def test_self_test_says_when_the_window_is_ready_then_loads_every_tab_and_leaves_settings_alone(demo_db, tmp_path):
    """--self-test shows the window with its first tab's data, prints the ready line (what the
    start-up benchmark times), then loads every other tab; the clerk's own window settings
    (size, last tab) are neither read nor written by the offscreen run."""
    from desktop.app import READY_LINE

    data = demo_db.data_dir
    demo_db.close()  # the self-test takes the lock itself
    home = tmp_path / "home"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONIOENCODING="utf-8", HOME=str(home),
               XDG_CONFIG_HOME=str(home / ".config"))
    out = subprocess.run([sys.executable, "-m", "desktop", "--data-dir", str(data), "--self-test"], cwd=ROOT,
                         env=env, capture_output=True, text=True, encoding="utf-8", timeout=180)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert lines[0] == READY_LINE
    assert lines[-1].startswith("自检通过") and "培育申报看板" in lines[-1] and "操作日志" in lines[-1]
    written = [p for p in home.rglob("*") if p.is_file()] if home.exists() else []
    assert not [p for p in written if "greendesk" in str(p).lower()], written


def test_tabs_are_built_when_first_shown_and_show_their_rows(qtbot, demo_db):
    from desktop.main_window import VIEWS, MainWindow, view_classes

    assert [title for _m, _c, title in VIEWS] == [cls.title for cls in view_classes()]
    win = MainWindow(demo_db, settings=QSettings(str(demo_db.data_dir / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    assert [win.tabs.tabText(i) for i in range(win.tabs.count())] == [t for _m, _c, t in VIEWS]
    assert "EnterprisesView" not in [type(v).__name__ for v in win.views.built()]
    i = next(i for i, spec in enumerate(VIEWS) if spec[1] == "EnterprisesView")
    win.resize(1200, 700)
    win.show()
    win.tabs.setCurrentIndex(i)  # the clerk clicks 企业
    view = win.tabs.currentWidget()
    assert type(view).__name__ == "EnterprisesView" and view is win.views[i] is win.view_of("EnterprisesView")
    assert view.count_label.text() == "共 300 家 / 显示 300 家"
    qtbot.waitUntil(lambda: view.proxy.rowCount() == 300)
    assert win.tabs.currentIndex() == i and win.tabs.tabText(i) == "企业"
    assert win.tabs.count() == len(VIEWS)


def test_rows_that_come_sorted_are_not_sorted_again_yet_every_order_is_right(monkeypatch):
    """Rows from a query sorted by name (``order``): while the table is sorted by name a search
    does not sort again (the keystroke costs less); any other sort, and back, is still right."""
    import desktop.table_model as tm

    rows = [(i, f"企业{i:02d}", "渝北区" if i % 3 else "江北区") for i in range(1, 21)]
    model = RowsModel([Column("名称", 1), Column("区县", 2)])
    model.sort(0, Qt.SortOrder.AscendingOrder)
    model.set_rows(rows, order=(0, Qt.SortOrder.AscendingOrder))
    keyed = []
    real_none_last = tm._none_last
    monkeypatch.setattr(tm, "_none_last", lambda v: keyed.append(v) or real_none_last(v))

    def names():
        return [model.index(r, 0).data() for r in range(model.rowCount())]

    model.set_search("渝北")
    assert names() == [r[1] for r in rows if r[2] == "渝北区"]
    assert keyed == []  # no sort key computed: the rows were in order already
    model.sort(1, Qt.SortOrder.DescendingOrder)
    assert [model.index(r, 1).data() for r in range(model.rowCount())] == ["渝北区"] * model.rowCount()
    model.set_search("")
    assert names()[:7] == [r[1] for r in rows if r[2] == "渝北区"][:7]  # 渝北区 first (descending), stable
    model.sort(0, Qt.SortOrder.AscendingOrder)
    assert names() == [r[1] for r in rows]
    model.sort(0, Qt.SortOrder.DescendingOrder)
    assert names() == [r[1] for r in reversed(rows)]


def test_the_cycle_collector_pauses_while_the_self_test_loads_the_views_and_runs_again_after(qapp, demo_db, monkeypatch):
    """Start-up pauses Python's cycle collector (desktop.app.pause_gc) while it builds the
    window and loads the views, and always turns it back on: a program left with it off would
    grow with every cyclic leftover for the rest of the day."""
    import gc

    from desktop import app as app_module
    from desktop.main_window import MainWindow

    data = demo_db.data_dir
    demo_db.close()
    seen = []
    load_all = MainWindow.load_all_views

    def spy(self):
        seen.append(gc.isenabled())
        return load_all(self)

    monkeypatch.setattr(MainWindow, "load_all_views", spy)
    assert gc.isenabled()
    assert app_module.self_test(data) == 0
    assert seen == [False]
    assert gc.isenabled()

    def broken(self):
        raise RuntimeError("a view failed")

    monkeypatch.setattr(MainWindow, "load_all_views", broken)
    assert app_module.self_test(data) == 1  # the failure is reported, and the collector runs again
    assert gc.isenabled()


def test_the_board_and_the_titles_come_from_the_reads_started_at_start_but_never_after_a_write(qtbot, demo_db, monkeypatch):
    """Start-up reads the board's first page while the window is built, and the 称号监管 list once
    it is on screen (desktop.prefetch): the tabs show those rows. A write in between (here a
    title deleted) makes the tab read again: the clerk never sees the list as it was before."""
    import datetime as dt
    import threading

    from desktop import prefetch
    from desktop.main_window import VIEWS, MainWindow
    from models import pipeline as pl
    from models import subjects

    threads = []
    card_rows = pl.card_rows

    def spy(*args, **kwargs):
        threads.append(threading.current_thread().name)
        return card_rows(*args, **kwargs)

    monkeypatch.setattr(pl, "card_rows", spy)
    settings = QSettings(str(demo_db.data_dir / "s.ini"), QSettings.Format.IniFormat)
    warm = prefetch.start(demo_db, settings)
    try:
        win = MainWindow(demo_db, settings=settings, prefetch=warm)
        qtbot.addWidget(win)
        win.show()
        win.load_current_view()
        board = win.current_view()
        assert type(board).__name__ == "PipelineView"
        assert threads and all(t.startswith("greendesk-prefetch") for t in threads)  # read at start, not here
        with demo_db.read() as con:
            totals: dict = {}
            pl.card_rows(con, year=board.current_year(), per_stage=prefetch.CARD_PAGE, stage_totals=totals)
        assert {c.stage: c.model.total() for c in board.columns} == totals

        prefetch.warm_titles(warm)
        with demo_db.read() as con:
            victim = con.execute("SELECT id FROM title WHERE deleted_at IS NULL ORDER BY id LIMIT 1").fetchone()[0]
        warm._jobs[(prefetch.titles_list, (dt.date.today(),))].done.wait(30)  # the stale list is ready
        with demo_db.uow() as uow:
            subjects.soft_delete(uow.session, "title", victim)
            uow.commit()
        win.ctx.changed("title")
        i = next(i for i, spec in enumerate(VIEWS) if spec[1] == "TitlesView")
        win.tabs.setCurrentIndex(i)
        titles = win.tabs.currentWidget()
        ids = {titles.proxy.id_at(r) for r in range(titles.proxy.rowCount())}
        assert ids and victim not in ids
    finally:
        warm.close()
