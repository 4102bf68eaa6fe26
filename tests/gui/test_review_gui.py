"""The 初审 tab: applications under review with their worst outcome, running the checks in the
background with progress and 取消, filtering by outcome (here and on the pipeline board),
opening an application's page; the 初审 menu."""
from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QDate, QSettings, Qt
from PySide6.QtWidgets import QMessageBox, QPushButton
from sqlalchemy import func, select

from desktop.dialogs import application_detail as ad
from desktop.main_window import MainWindow
from desktop.views.pipeline import PipelineView
from desktop.views.review import R_ID, R_NAME, R_PROBLEMS, R_WORST, ReviewView
from forms.rules import runner
from forms.rules.runner import REVIEW_STAGES, run_checks, select_applications
from models.entities import Enterprise
from models.pipeline import create_application
from models.review import CheckRun, Outcome
from models.review_service import save_report, worst_outcomes
from models.stages import Stage, TitleKind
from tests.integration.review_fixtures import AS_OF, factory_application, good_code

YEAR = 2026
NAMES = {"ok": "重庆绿源机械有限公司", "low": "重庆低分化工有限公司", "later": "重庆培育电子有限公司"}


@pytest.fixture
def apps(ctx, tmp_path) -> dict[str, int]:
    """Two applications under review on AS_OF — "ok" (only 第七条（二） needs a person) and "low"
    (third-party score 76: 第七条（八） fails) — and one still being cultivated."""
    with ctx.db.uow() as uow:
        s = uow.session
        ids = {
            "ok": factory_application(s, ctx.db.files_dir, tmp_path / "src", name=NAMES["ok"]),
            "low": factory_application(s, ctx.db.files_dir, tmp_path / "src", name=NAMES["low"]),
        }
        save_report(s, ids["low"], {"score": 76})
        ent = Enterprise(name=NAMES["later"], credit_code=good_code(), district_code="500112", industry_code="39")
        s.add(ent)
        s.flush()
        ids["later"] = create_application(s, year=YEAR, title_kind=TitleKind.CITY_FACTORY, enterprise=ent,
                                          stage=Stage.CULTIVATING).id
        uow.commit()
    return ids


def make_view(qtbot, ctx) -> ReviewView:
    v = ReviewView(ctx)
    qtbot.addWidget(v)
    v.resize(1300, 700)
    v.refresh()
    v.set_year(YEAR)
    v.as_of_edit.setDate(QDate(AS_OF.year, AS_OF.month, AS_OF.day))
    return v


@pytest.fixture
def view(qtbot, ctx, apps) -> ReviewView:
    return make_view(qtbot, ctx)


def shown(v: ReviewView) -> dict[str, tuple]:
    return {v.model.row_at(r)[R_NAME]: v.model.row_at(r) for r in range(v.proxy.rowCount())}


def check_runs(db) -> dict[int, tuple]:
    with db.uow() as uow:
        return {r[0]: tuple(r[1:]) for r in uow.session.execute(
            select(CheckRun.application_id, CheckRun.worst_outcome, CheckRun.as_of, CheckRun.run_by))}


# ---------------------------------------------------------------------------------------- the tab
def test_tab_lists_applications_under_review_unchecked_at_first(view, apps):
    rows = shown(view)
    assert set(rows) == {NAMES["ok"], NAMES["low"]}  # 培育 is not under review
    assert {r[R_WORST] for r in rows.values()} == {"unchecked"}
    m = view.model
    col = 5
    assert m.headerData(col, Qt.Orientation.Horizontal) == "初审结果"
    assert m.data(m.index(0, col)) == "未检查"
    assert m.data(m.index(0, col), Qt.ItemDataRole.DecorationRole) is not None
    view.stage_combo.setCurrentIndex(view.stage_combo.findData("all"))
    assert NAMES["later"] in shown(view)


def test_run_checks_on_the_year_with_progress_stores_and_shows_results(qtbot, ctx, view, apps):
    """第七条（八）: the low score fails; the others need a person for 第七条（二）."""
    with qtbot.waitSignal(view.run_done, timeout=20000):
        assert view.run_all()
        dlg = view.operation.dialog
        assert dlg is not None and dlg.labelText().startswith("检查2026年度的 2 个申报")
        assert dlg.findChild(QPushButton).text() == "取消"
        assert not view.run_all_button.isEnabled()  # one run at a time
    assert view.last_progress[:2] == (2, 2)
    assert "已检查 2/2 个申报" in view.last_progress[2]
    runs = check_runs(ctx.db)
    assert runs == {apps["ok"]: ("manual", AS_OF, "测试员"), apps["low"]: ("fail", AS_OF, "测试员")}
    rows = shown(view)
    assert rows[NAMES["low"]][R_WORST] == "fail"
    assert rows[NAMES["low"]][R_PROBLEMS] == "不符合 1 · 需人工判断 1"
    assert rows[NAMES["ok"]][R_WORST] == "manual"
    # the worst first
    assert view.model.row_at(0)[R_NAME] == NAMES["low"]
    assert view.run_label.text().startswith("检查完成（审查基准日 2026-06-30）：共检查 2 个申报")
    assert view.run_all_button.isEnabled()


def test_cancel_stores_no_results(qtbot, ctx, view, apps, monkeypatch):
    """取消 pressed while the run is under way: nothing is stored."""
    pressed = threading.Event()
    real = runner.run_checks

    def slow_run_checks(*a, **k):
        pressed.wait(10)  # the clerk presses 取消 before the run gets far
        return real(*a, **k)

    monkeypatch.setattr(runner, "run_checks", slow_run_checks)
    with qtbot.waitSignal(view.run_done, timeout=20000):
        assert view.run_all()
        view.operation.dialog.findChild(QPushButton).click()  # 取消
        assert "正在取消" in view.operation.dialog.labelText()
        pressed.set()
    assert check_runs(ctx.db) == {}
    assert view.run_label.text() == "检查已取消，未保存任何结果；之前保存的结果不变。"
    assert {r[R_WORST] for r in shown(view).values()} == {"unchecked"}


def test_run_selected_checks_only_the_selected(qtbot, ctx, view, apps):
    with qtbot.waitActive(view):
        view.show()
        view.activateWindow()
    assert view.select_ids([apps["low"]])
    view.table.setFocus()
    with qtbot.waitSignal(view.run_done, timeout=20000):
        qtbot.keyClick(view.table, Qt.Key.Key_F9)
    assert set(check_runs(ctx.db)) == {apps["low"]}
    assert view.selected_ids() == [apps["low"]]


def test_outcome_filter_shows_only_that_outcome(qtbot, ctx, view, apps):
    """第七条（八）: after a run, 不符合 shows only the application whose score failed."""
    run_checks(ctx.db, [apps["ok"], apps["low"]], as_of=AS_OF)
    view.load()
    view.set_outcome_filter("不符合")
    assert list(shown(view)) == [NAMES["low"]]
    view.set_outcome_filter("需人工判断")
    assert list(shown(view)) == [NAMES["ok"]]
    view.set_outcome_filter("通过")
    assert shown(view) == {}
    assert view.count_label.text() == "显示 0 / 2 项"
    view.set_outcome_filter("全部")
    assert len(shown(view)) == 2
    assert "不符合" in view.summary_label.text() and "需人工判断" in view.summary_label.text()


def test_enter_opens_the_application_page_on_its_results(qtbot, ctx, view, apps):
    run_checks(ctx.db, [apps["low"]], as_of=AS_OF)
    view.load()
    view.show()
    assert view.select_ids([apps["low"]])
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    page = ad.find_open(apps["low"])
    assert page is not None and page.isVisible()
    assert page.current_tab() == "results" and page.as_of == AS_OF
    assert NAMES["low"] in page.windowTitle()
    assert page.results_tab.sheet.worst is Outcome.FAIL
    # the same page again, not a second one
    assert view.open_application(apps["low"]) is page
    page.close()
    assert ad.find_open(apps["low"]) is None


def test_review_table_model(qtmodeltester, view):
    qtmodeltester.check(view.model)


# ---------------------------------------------------------------------------------------- the pipeline board
@pytest.fixture
def board(qtbot, ctx, apps) -> PipelineView:
    v = PipelineView(ctx)
    qtbot.addWidget(v)
    v.resize(1300, 700)
    v.refresh()
    v.set_year(YEAR)
    return v


def board_names(v: PipelineView) -> set[str]:
    return {c.name for col in v.columns for c in col.model.cards()}


def test_pipeline_filter_by_check_outcome_shows_only_those_cards(ctx, board, apps):
    """第七条（八）: 不符合 shows the failed application's card only; 未检查 the never checked."""
    run_checks(ctx.db, [apps["ok"], apps["low"]], as_of=AS_OF)
    combo = board.outcome_combo
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "全部", "通过", "不符合", "提醒", "缺少数据", "需人工判断", "未检查"]
    combo.setCurrentIndex(combo.findText("不符合"))
    assert board_names(board) == {NAMES["low"]}
    combo.setCurrentIndex(combo.findText("未检查"))
    assert board_names(board) == {NAMES["later"]}
    combo.setCurrentIndex(combo.findText("全部"))
    assert board_names(board) == set(NAMES.values())


def test_pipeline_double_click_opens_the_application_page(qtbot, ctx, board, apps):
    col = board.column_of(Stage.UNDER_REVIEW)
    row = col.model.row_of_id(apps["ok"])
    col.view.doubleClicked.emit(col.model.index(row, 0))
    page = ad.find_open(apps["ok"])
    assert page is not None and page.isVisible()
    assert page.title_label.text() == f"{NAMES['ok']}　2026年度市级绿色工厂"
    page.close()


# ---------------------------------------------------------------------------------------- the menu
def test_review_menu_runs_checks_and_opens_the_registry(qtbot, ctx, apps):
    w = MainWindow(ctx.db, settings=QSettings(str(ctx.db.data_dir / "w.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    texts = [a.text() for a in w.menus["review"].actions() if not a.isSeparator()]
    assert texts == ["运行初审检查(&R)…", "全面核验附件(&V)…", "第三方评价机构(&E)…", "失信/事故名单(&L)…"]
    review = next(v for v in w.views if isinstance(v, ReviewView))
    assert [v.title for v in w.views][:2] == ["培育申报看板", "初审"]
    with qtbot.waitSignal(review.run_done, timeout=20000):
        w.menus["review"].actions()[0].trigger()
    assert w.tabs.currentWidget() is review
    assert set(check_runs(ctx.db)) == {apps["ok"], apps["low"]}
    next(a for a in w.menus["review"].actions() if a.text().startswith("第三方评价机构")).trigger()
    assert w.tabs.currentWidget().title == "第三方评价机构"


def test_full_verification_from_the_menu_reports_a_missing_file(qtbot, ctx, apps, monkeypatch):
    """第十条 (truth of the materials): a stored file that has gone missing is named."""
    from desktop import review_ui
    from models.review import Material

    w = MainWindow(ctx.db, settings=QSettings(str(ctx.db.data_dir / "w.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    with ctx.db.uow() as uow:
        total = uow.session.scalar(select(func.count()).select_from(Material))
        m = uow.session.scalars(select(Material).where(Material.application_id == apps["low"],
                                                       Material.item_key == "pledge")).one()
        sha = m.sha256
    path = ctx.db.files_dir / sha[:2] / sha
    path.chmod(0o644)
    path.unlink()
    shown_text: list[str] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown_text.append(box.text()) or 0)
    op = review_ui.verify_all_from_menu(w)
    with qtbot.waitSignal(op.done, timeout=20000):
        pass
    assert shown_text, "a message must say what was found"
    assert f"已核对 {total} 个附件，其中 1 个有问题" in shown_text[0]
    assert f"「{NAMES['low']}」：「pledge.pdf」的存档文件已丢失，请重新收件。" in shown_text[0]


def test_watch_list_dialog_adds_an_entry(qtbot, ctx):
    """第七条（三）: the dishonesty list the checks compare with."""
    from desktop.review_ui import WatchListDialog
    from models.review_service import watch_entries

    dlg = WatchListDialog(ctx)
    qtbot.addWidget(dlg)
    before = dlg.model.rowCount()
    dlg.name.setText("重庆失信示例有限公司")
    dlg.code.setText("91500112MA5U7AMQ8Y")  # a wrong check character is allowed on a list
    assert dlg.add_entry()
    assert dlg.model.rowCount() == before + 1
    with ctx.db.uow() as uow:
        names = [(e.name, e.list_name) for e in watch_entries(uow.session)]
    assert ("重庆失信示例有限公司", "失信被执行人名单") in names
    dlg.name.clear()
    dlg.code.clear()
    assert not dlg.add_entry()
    assert "至少要有名称或统一社会信用代码" in dlg.error.text()


def test_demo_data_run_matches_the_stored_worst_outcomes(qtbot, demo_ctx):
    """The whole demo year through the tab: every application with a rule set is checked, and
    what the table shows is what is stored."""
    v = make_view(qtbot, demo_ctx)
    v.as_of_edit.setDate(QDate.currentDate())
    with qtbot.waitSignal(v.run_done, timeout=30000):
        assert v.run_all()
    summary = v.last_summary
    with demo_ctx.db.uow() as uow:
        ids = select_applications(uow.session, year=v.current_year(), stages=REVIEW_STAGES)
        stored = worst_outcomes(uow.session, ids)
    assert summary.checked == len(stored) and summary.checked + len(summary.skipped) == len(ids)
    table = {v.model.row_at(r)[R_ID]: v.model.row_at(r)[R_WORST] for r in range(v.model.rowCount())}
    assert {k: Outcome(w) for k, w in table.items() if w != "unchecked"} == stored
    assert len({w for w in table.values()}) >= 3  # a realistic mix
