"""The 年度概览 tab, its dialogs (编辑目标, 编辑日程, 本周待办) and the year summary export, on the
known database of tests/unit/test_dashboard.py (today: 1 June 2026)."""
from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QDialog, QFileDialog, QInputDialog, QMessageBox

from desktop.views.dashboard import DashboardView
from models import dashboard as D
from models.stages import STAGES, Stage, TitleKind
from tests.conftest import ROOT
from tests.unit.test_dashboard import TODAY, build_known


@pytest.fixture
def known(db):
    return build_known(db)


def _view(qtbot, ctx) -> DashboardView:
    view = DashboardView(ctx)
    qtbot.addWidget(view)
    view.today = TODAY
    view.resize(1300, 820)
    with qtbot.waitSignal(view.loaded, timeout=20000):
        view.show()
    return view


def _wait(qtbot, view, fn):
    with qtbot.waitSignal(view.loaded, timeout=20000):
        fn()


def test_tab_builds_nothing_and_loads_no_qtcharts_until_shown(tmp_path):
    """The startup path (self-test loads every view) must not pay for the dashboard."""
    code = textwrap.dedent(f"""
        import os, sys
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        sys.path.insert(0, {str(ROOT)!r})
        from PySide6.QtCore import QSettings
        from desktop.app import make_app
        from desktop.main_window import MainWindow
        from models.db import Database
        app = make_app()
        db = Database.open(__import__("pathlib").Path({str(tmp_path / "data")!r}), user="t")
        win = MainWindow(db, settings=QSettings({str(tmp_path / "s.ini")!r}, QSettings.Format.IniFormat))
        win.load_all_views()
        view = win.views[-1]
        print(type(view).__name__, view._built, "PySide6.QtCharts" in sys.modules)
        win.tabs.setCurrentWidget(view)
        win.show()
        app.processEvents()
        print(view._built, "PySide6.QtCharts" in sys.modules)
        win.close()
        db.close()
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.split("\n")
    assert lines[0] == "DashboardView False False"
    assert lines[1] == "True True"


def test_cards_show_the_years_numbers(qtbot, ctx, known):
    view = _view(qtbot, ctx)
    shown = {k: c.value.text() for k, c in view.cards.items()}
    assert shown == {"applications": "9", "recommended": "4", "recognised": "1", "valid": "4",
                     "under_review": "1", "revoked": "2"}
    assert view.year_combo.currentText() == "2026年"
    assert "统计日期：2026-06-01" in view.status_label.text()
    assert "市级绿色工厂 2/5（40.0%）" in view.target_label.text()
    assert "绿色供应链管理企业 1/2（50.0%）" in view.target_label.text()


def test_lists_and_their_tab_titles(qtbot, ctx, known):
    view = _view(qtbot, ctx)
    tabs = [view.lists.tabText(i) for i in range(view.lists.count())]
    assert tabs == ["未来30天（2）", "已逾期（3）", "证书到期（3）", "禁报期满（1）", "年度日程（6）"]
    overdue = view.models["overdue"].rows()
    assert {r[5] for r in overdue} == {"第十六条"} and {r[6] for r in overdue} == {"已逾期47天"}
    bans = view.models["bans"].rows()
    assert [(r[1], r[2], r[6]) for r in bans] == [(dt.date(2026, 6, 20), "禁止申报期满", "19天后")]
    certs = view.models["certificates"].rows()
    assert [r[6] for r in certs] == ["已逾期31天", "19天后", "61天后"]
    cal = view.models["calendar"].rows()
    assert [r[4] for r in cal][:3] == ["已过", "已过", "今天"]
    # the table shows the soonest first
    table = view.table_views["certificates"]
    assert table.model().index(0, 1).data() == "已逾期31天"


def test_agenda_table_models_pass_the_model_tester(qtbot, qtmodeltester, ctx, known):
    view = _view(qtbot, ctx)
    for key in ("upcoming", "overdue", "certificates", "bans", "calendar"):
        qtmodeltester.check(view.table_views[key].model(), force_py=True)


def test_double_click_opens_the_record(qtbot, ctx, known):
    view = _view(qtbot, ctx)
    table = view.table_views["certificates"]
    index = table.model().index(1, 3)  # E1's ISO 9001, 19 days left
    with qtbot.waitSignal(ctx.open_record) as sig:
        table.doubleClicked.emit(index)
    assert sig.args == ["enterprise", known.ents["E1"]]
    bans = view.table_views["bans"]
    with qtbot.waitSignal(ctx.open_record) as sig:
        bans.doubleClicked.emit(bans.model().index(0, 0))
    assert sig.args == ["title", known.titles["T7"]]
    # a calendar entry has no record: nothing is opened, the status bar says so
    messages = []
    ctx.status.connect(messages.append)
    assert view._open_row("upcoming", 0) is False
    assert messages == ["这一项没有对应的记录可以打开。"]


def _chart_image(chart_view) -> QImage:
    img = chart_view.grab().toImage()
    assert not img.isNull() and img.width() > 200 and img.height() > 150
    return img


def _has_color(img: QImage, hex_color: str, tol: int = 12) -> bool:
    want = QColor(hex_color)
    for y in range(0, img.height(), 2):
        for x in range(0, img.width(), 2):
            c = img.pixelColor(x, y)
            if abs(c.red() - want.red()) <= tol and abs(c.green() - want.green()) <= tol \
                    and abs(c.blue() - want.blue()) <= tol:
                return True
    return False


def test_charts_render_offscreen_with_the_years_values(qtbot, ctx, known):
    view = _view(qtbot, ctx)
    charts = view.charts
    assert charts.ok
    series = charts.stage_series
    sets = {series.barSets()[i].label(): series.barSets()[i] for i in range(series.count())}
    assert set(sets) == {"市级绿色工厂", "市级绿色园区", "绿色供应链管理企业"}
    factory = sets["市级绿色工厂"]
    assert [factory.at(i) for i in range(factory.count())] == [
        {Stage.UNDER_REVIEW: 3.0, Stage.RECOMMENDED: 2.0, Stage.RECOGNISED: 1.0, Stage.REJECTED: 1.0}.get(s, 0.0)
        for s in STAGES]
    targets = {b.label(): [b.at(i) for i in range(b.count())] for b in charts.target_series.barSets()}
    # titles in order: 市级绿色工厂, 市级绿色园区, 绿色供应链, 近零碳园区, 自愿性评估
    assert targets == {"年度目标": [5.0, 0.0, 2.0, 0.0, 0.0], "已认定": [2.0, 0.0, 1.0, 0.0, 0.0],
                       "已推荐（市级）": [4.0, 0.0, 0.0, 0.0, 0.0]}
    stage_img = _chart_image(charts.stage_view)
    assert _has_color(stage_img, "#4e79a7"), "the 市级绿色工厂 bars are not drawn"
    assert _has_color(stage_img, "#edc948"), "the 绿色供应链 bars are not drawn"
    target_img = _chart_image(charts.target_view)
    assert _has_color(target_img, "#59a14f"), "the 已认定 bars are not drawn"
    assert _has_color(target_img, "#bab0ac"), "the 年度目标 bars are not drawn"


def test_edit_targets_saves_and_the_view_follows(qtbot, ctx, known, monkeypatch):
    from desktop.dialogs.targets import TargetsDialog

    view = _view(qtbot, ctx)

    def fill(dlg):
        qtbot.addWidget(dlg)
        assert dlg.spins[TitleKind.CITY_FACTORY].value() == 5  # the saved target is shown
        dlg.set_values({TitleKind.CITY_FACTORY: 8, TitleKind.CITY_PARK: 1})
        dlg.accept()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(TargetsDialog, "exec", fill)
    _wait(qtbot, view, view.edit_targets)
    with ctx.db.uow() as uow:
        assert D.get_targets(uow.session, 2026) == {TitleKind.CITY_FACTORY: 8, TitleKind.SUPPLY_CHAIN: 2,
                                                    TitleKind.CITY_PARK: 1}
    assert "市级绿色工厂 2/8（25.0%）" in view.target_label.text()
    assert "市级绿色园区 0/1（0.0%）" in view.target_label.text()


def test_calendar_model_passes_the_model_tester(qtmodeltester):
    from desktop.dialogs.year_calendar import COL_DATE, COL_WHAT, CalendarModel

    m = CalendarModel(D.default_calendar(2026))
    qtmodeltester.check(m, force_py=True)
    assert m.setData(m.index(1, COL_DATE), "2026/5/8")
    r = m.add_row(dt.date(2026, 9, 1))
    assert m.setData(m.index(r, COL_WHAT), "新事项")
    m.remove_row(0)
    assert [e.what for e in m.entries()][-1] == "新事项"
    assert m.entries()[0].date == dt.date(2026, 5, 8)


def test_calendar_dialog_edits_dates_and_refuses_an_empty_entry(qtbot, ctx, known):
    from desktop.dialogs.year_calendar import COL_DATE, COL_SOURCE, COL_WHAT, YearCalendarDialog

    dlg = YearCalendarDialog(ctx, 2026, today=TODAY)
    qtbot.addWidget(dlg)
    m = dlg.model
    assert m.rowCount() == 6 and m.index(0, COL_DATE).data() == "2026-04-15"
    assert m.setData(m.index(0, COL_DATE), "2026年4月30日")
    assert not m.setData(m.index(0, COL_DATE), "四月底")  # not a date: refused, value kept
    assert m.index(0, COL_DATE).data() == "2026-04-30"
    r = dlg.add_entry()
    assert m.index(r, COL_DATE).data() == "2026-06-01"
    dlg.accept()
    assert dlg.result() != QDialog.DialogCode.Accepted
    assert "第7行（2026-06-01）没有填写事项" in dlg.error.text()
    m.setData(m.index(r, COL_WHAT), "区县推荐材料报送截止")
    m.setData(m.index(r, COL_SOURCE), "渝经信节能〔2026〕7号")
    with qtbot.waitSignal(ctx.data_changed):
        dlg.accept()
    assert dlg.result() == QDialog.DialogCode.Accepted
    with ctx.db.uow() as uow:
        entries, is_default = D.year_calendar(uow.session, 2026)
    assert not is_default
    assert (dt.date(2026, 4, 30), "已认定单位报送年度动态管理表（重点指标）截止") in [(e.date, e.what) for e in entries]
    assert any(e.what == "区县推荐材料报送截止" and e.source == "渝经信节能〔2026〕7号" for e in entries)


def test_calendar_dialog_restores_the_default(qtbot, ctx, known):
    from desktop.dialogs.year_calendar import YearCalendarDialog

    with ctx.db.uow() as uow:
        D.set_year_calendar(uow.session, 2026, [D.CalendarEntry(dt.date(2026, 3, 3), "只有一条")])
        uow.commit()
    dlg = YearCalendarDialog(ctx, 2026, today=TODAY)
    qtbot.addWidget(dlg)
    assert dlg.model.rowCount() == 1
    dlg.restore_default()
    assert dlg.model.rowCount() == 6
    dlg.accept()
    with ctx.db.uow() as uow:
        assert D.year_calendar(uow.session, 2026)[1] is True


def test_view_refreshes_when_data_changes_and_switches_year(qtbot, ctx, known):
    from models.entities import Enterprise
    from models.pipeline import create_application

    view = _view(qtbot, ctx)
    with ctx.db.uow() as uow:
        e = uow.session.get(Enterprise, known.ents["E9"])
        create_application(uow.session, year=2026, title_kind=TitleKind.CITY_FACTORY, enterprise=e)
        uow.commit()
    _wait(qtbot, view, lambda: ctx.changed("application"))
    assert view.cards["applications"].value.text() == "10"
    _wait(qtbot, view, lambda: view.set_year(2025))
    assert view.cards["applications"].value.text() == "1"
    assert view.year_combo.currentText() == "2025年"
    assert ctx.settings.value(view.SETTINGS_YEAR) in (2025, "2025")


def test_hidden_view_only_marks_itself_stale(qtbot, ctx, known):
    view = DashboardView(ctx)
    qtbot.addWidget(view)
    view.refresh()
    ctx.changed("application")
    assert view._built is False and view.busy() is False


def test_export_year_summary_from_the_tab(qtbot, ctx, known, tmp_path, monkeypatch):
    view = _view(qtbot, ctx)
    out = tmp_path / "导出"
    out.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(out))
    infos = []
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text: infos.append(text))
    op = view.export_summary()
    with qtbot.waitSignal(op.done, timeout=30000):
        pass
    assert sorted(p.name for p in out.iterdir()) == ["2026年绿色制造工作年度小结.docx",
                                                      "2026年绿色制造工作年度小结_数据表.xlsx"]
    assert infos and "2026年绿色制造工作年度小结.docx" in infos[0] and str(out) in infos[0]
    assert ctx.settings.value("dashboard/export_dir") == str(out)


def test_export_cancelled_at_the_folder_writes_nothing(qtbot, ctx, known, monkeypatch):
    view = _view(qtbot, ctx)
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: "")
    assert view.export_summary() is None


def test_menu_export_asks_the_year(qtbot, db, known, tmp_path, monkeypatch):
    from desktop.main_window import MainWindow

    win = MainWindow(db, settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    action = next(a for a in win.menus["sync"].actions() if a.text() == "导出年度小结(&Y)…")
    asked = []

    def get_int(_parent, _title, label, value, *_a, **_k):
        asked.append((label, value))
        return 2025, True

    monkeypatch.setattr(QInputDialog, "getInt", get_int)
    out = tmp_path / "菜单导出"
    out.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(out))
    infos = []
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text: infos.append(text))
    action.trigger()
    qtbot.waitUntil(lambda: bool(infos), timeout=30000)
    assert asked == [("导出哪一年的年度小结：", dt.date.today().year)]
    assert (out / "2025年绿色制造工作年度小结.docx").is_file()


def test_due_week_dialog_lists_the_week_and_can_be_dismissed_for_the_week(qtbot, db, known, tmp_path):
    from desktop.dialogs.due_week import SETTINGS_KEY, show_due_week, start_due_week, week_key
    from desktop.main_window import MainWindow

    win = MainWindow(db, settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    op = start_due_week(win, TODAY)
    qtbot.waitUntil(lambda: getattr(win, "_due_week", None) is not None, timeout=20000)
    dlg = win._due_week
    assert op is not None and dlg.isVisible() and not dlg.isModal()
    assert dlg.windowTitle() == "本周待办"
    assert dlg.summary.text().startswith("截至2026年6月1日：已逾期 3 项，7 天内到期 1 项。")
    assert dlg.model.rowCount() == 4
    dlg.dont_remind.setChecked(True)
    dlg.close()
    assert win.ctx.settings.value(SETTINGS_KEY) == week_key(TODAY) == "2026-W23"
    # dismissed this week: nothing computed, nothing shown; next week it comes back
    assert start_due_week(win, TODAY + dt.timedelta(days=3)) is None
    with db.uow() as uow:
        items = D.due_this_week(uow.session, TODAY + dt.timedelta(days=7))
    assert show_due_week(win, items, TODAY + dt.timedelta(days=7)) is not None
    win._due_week.close()


def test_due_week_open_dashboard_switches_to_the_tab(qtbot, db, known, tmp_path):
    from desktop.dialogs.due_week import show_due_week
    from desktop.main_window import MainWindow

    win = MainWindow(db, settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    with db.uow() as uow:
        items = D.due_this_week(uow.session, TODAY)
    dlg = show_due_week(win, items, TODAY)
    dlg.open_dashboard()
    assert isinstance(win.current_view(), DashboardView)
    assert not dlg.isVisible()


def test_nothing_due_shows_no_window(qtbot, db, tmp_path):
    from desktop.dialogs.due_week import show_due_week
    from desktop.main_window import MainWindow

    win = MainWindow(db, settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    assert show_due_week(win, [], TODAY) is None


def test_in_the_window_a_double_click_shows_the_title_or_the_enterprise(qtbot, db, known, tmp_path, monkeypatch):
    from desktop.main_window import MainWindow

    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: QMessageBox.StandardButton.Ok)
    win = MainWindow(db, settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    view = next(v for v in win.views if isinstance(v, DashboardView))
    view.today = TODAY
    win.show()
    with qtbot.waitSignal(view.loaded, timeout=20000):
        win.tabs.setCurrentWidget(view)
    assert win.tabs.tabText(win.tabs.currentIndex()) == "年度概览"
    bans = view.table_views["bans"]
    bans.doubleClicked.emit(bans.model().index(0, 0))
    assert "title" in win.current_view().tables  # the 称号 tab, on the revoked title
    assert win.current_view().selected_id() == known.titles["T7"]
    from desktop.dialogs.record_editor import RecordEditor

    opened = []

    def editor_exec(dlg):
        opened.append(dlg.record_id)
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(RecordEditor, "exec", editor_exec)
    win.tabs.setCurrentWidget(view)
    certs = view.table_views["certificates"]
    certs.doubleClicked.emit(certs.model().index(1, 0))
    assert win.current_view().tables == ("enterprise",)
    assert opened == [known.ents["E1"]]  # the enterprise's record opens
