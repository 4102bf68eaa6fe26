"""The pipeline board: columns and counts, filters, search, moving cards (buttons, drag and drop,
keyboard), reasons for moves back or skips, the history panel, and adding an application."""
from __future__ import annotations

import random

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QDialog, QInputDialog, QMessageBox
from sqlalchemy import func, select

from desktop.dialogs.move_dialog import MoveDialog
from desktop.dialogs.new_application import NewApplicationDialog
from desktop.views.pipeline import PipelineView
from models import pipeline as pl
from models.demo import make_credit_code
from models.entities import Application, Enterprise, Park, StageMove
from models.stages import STAGES, Stage, TitleKind, move_explanation

YEAR = 2026

NAMES = {
    "a": "重庆甲乙机械有限公司",
    "b": "重庆丙丁电子有限公司",
    "c": "重庆戊己化工有限公司",
    "free": "重庆庚辛食品有限公司",
}


@pytest.fixture
def data(db):
    """A small known data set: in 2026 one application in 培育, two in 已申请, one park in 已推荐,
    one 供应链 application in 创建; in 2025 one in 已认定. One enterprise has no application."""
    rng = random.Random(5)
    ids: dict[str, int] = {}
    with db.uow() as uow:
        s = uow.session
        ents = {}
        for key, name in NAMES.items():
            district = "500113" if key == "b" else "500112"
            e = Enterprise(name=name, credit_code=make_credit_code(rng, district), district_code=district)
            s.add(e)
            ents[key] = e
        park = Park(name="重庆空港工业园区", district_code="500112")
        s.add(park)
        s.flush()
        apps = {
            "a": pl.create_application(s, year=YEAR, title_kind=TitleKind.CITY_FACTORY, enterprise=ents["a"]),
            "b": pl.create_application(s, year=YEAR, title_kind=TitleKind.CITY_FACTORY, enterprise=ents["b"],
                                       stage=Stage.APPLIED, reason="补录"),
            "c": pl.create_application(s, year=YEAR, title_kind=TitleKind.CITY_FACTORY, enterprise=ents["c"],
                                       stage=Stage.APPLIED, reason="补录"),
            "park": pl.create_application(s, year=YEAR, title_kind=TitleKind.CITY_PARK, park=park,
                                          stage=Stage.RECOMMENDED, reason="补录"),
            "chain": pl.create_application(s, year=YEAR, title_kind=TitleKind.SUPPLY_CHAIN, enterprise=ents["a"],
                                           stage=Stage.BUILDING, reason="补录"),
            "old": pl.create_application(s, year=YEAR - 1, title_kind=TitleKind.CITY_FACTORY,
                                         enterprise=ents["b"], stage=Stage.RECOGNISED, reason="补录"),
        }
        s.flush()
        ids = {k: a.id for k, a in apps.items()}
        ids.update({f"ent_{k}": e.id for k, e in ents.items()}, park_subject=park.id)
        codes = {k: e.credit_code for k, e in ents.items()}
        uow.commit()
    return {"ids": ids, "codes": codes}


@pytest.fixture
def view(qtbot, ctx, data):
    v = PipelineView(ctx)
    qtbot.addWidget(v)
    v.resize(1280, 760)
    v.refresh()
    v.set_year(YEAR)
    return v


@pytest.fixture
def no_reason_dialog(monkeypatch):
    """Fail the test if a reason is asked for."""

    def fail(*_a, **_k):
        raise AssertionError("此移动不应要求填写原因")

    monkeypatch.setattr(MoveDialog, "get_reason", classmethod(lambda cls, *a, **k: fail()))


def headers(v: PipelineView) -> list[str]:
    return [c.header.text() for c in v.columns]


def names_in(v: PipelineView, stage: Stage) -> list[str]:
    return [c.name for c in v.column_of(stage).model.cards()]


def stage_in_db(db, app_id: int) -> Stage:
    with db.uow() as uow:
        return uow.session.get(Application, app_id).stage


def moves_in_db(db, app_id: int) -> list[tuple]:
    with db.uow() as uow:
        return [(m.from_stage, m.to_stage, m.user, m.reason) for m in pl.history(uow.session, app_id)]


def select_card(v: PipelineView, app_id: int) -> None:
    assert v.select_ids([app_id]), "卡片应在看板上"


# ---------------------------------------------------------------------------------------- showing
def test_columns_show_stages_and_counts(view, data):
    assert headers(view) == [
        "培育（1）", "创建（1）", "自评完成（0）", "第三方评价完成（0）", "已申请（2）",
        "区县初审（0）", "已推荐（1）", "已认定（0）", "未通过（0）",
    ]
    assert names_in(view, Stage.APPLIED) == [NAMES["b"], NAMES["c"]]  # by name
    assert names_in(view, Stage.RECOMMENDED) == ["重庆空港工业园区"]
    assert view.count_label.text() == "2026年度 共 5 项"
    # card text: name, then district and title
    model = view.column_of(Stage.CULTIVATING).model
    assert model.data(model.index(0, 0)) == f"{NAMES['a']}\n渝北区 · 市级绿色工厂"
    tip = model.data(model.index(0, 0), Qt.ItemDataRole.ToolTipRole)
    assert data["codes"]["a"] in tip and "进入本环节：" in tip


def test_year_filter_and_remembered_choice(view, ctx, qtbot):
    years = [view.year_combo.itemData(i) for i in range(view.year_combo.count())]
    assert {YEAR - 1, YEAR} <= set(years)
    view.year_combo.setCurrentIndex(view.year_combo.findData(YEAR - 1))
    assert headers(view)[7] == "已认定（1）"
    assert sum(c.model.total() for c in view.columns) == 1
    assert names_in(view, Stage.RECOGNISED) == [NAMES["b"]]
    assert view.count_label.text() == "2025年度 共 1 项"
    # a new board opens on the year last chosen
    other = PipelineView(ctx)
    qtbot.addWidget(other)
    other.refresh()
    assert other.current_year() == YEAR - 1
    assert sum(c.model.total() for c in other.columns) == 1


def test_title_filter(view):
    labels = [view.title_combo.itemText(i) for i in range(view.title_combo.count())]
    assert labels[0] == "全部称号" and "市级绿色工厂" in labels and "市级绿色园区" in labels
    view.title_combo.setCurrentIndex(view.title_combo.findText("市级绿色园区"))
    assert sum(c.model.total() for c in view.columns) == 1
    assert names_in(view, Stage.RECOMMENDED) == ["重庆空港工业园区"]
    view.title_combo.setCurrentIndex(view.title_combo.findText("绿色供应链管理企业"))
    assert headers(view)[1] == "创建（1）"
    assert sum(c.model.total() for c in view.columns) == 1
    view.title_combo.setCurrentIndex(view.title_combo.findText("市级绿色工厂"))
    assert headers(view)[0] == "培育（1）" and headers(view)[4] == "已申请（2）"
    assert headers(view)[6] == "已推荐（0）"


def test_search_box_filters_cards_by_name_and_code(view, data, qtbot):
    view.search_edit.setText("丙丁")  # (QTest cannot type CJK; an IME commits the text like this)
    assert names_in(view, Stage.APPLIED) == [NAMES["b"]]
    assert headers(view)[4] == "已申请（1/2）"
    assert names_in(view, Stage.CULTIVATING) == []
    assert view.count_label.text() == "找到 1 项 / 共 5 项"
    view.search_edit.setText(data["codes"]["c"].lower())  # credit code, typed in lower case
    assert names_in(view, Stage.APPLIED) == [NAMES["c"]]
    view.search_edit.clear()
    assert headers(view)[4] == "已申请（2）"


def test_card_model_passes_qtmodeltester(view, qtmodeltester):
    model = view.column_of(Stage.APPLIED).model
    qtmodeltester.check(model)
    model.set_search("戊己")
    qtmodeltester.check(model)
    assert model.rowCount() == 1


# ---------------------------------------------------------------------------------------- moving
def test_advance_one_step_needs_no_reason_and_records_user(view, ctx, data, no_reason_dialog):
    app_id = data["ids"]["a"]
    select_card(view, app_id)
    assert view.advance_button.isEnabled()
    view.advance_button.click()
    assert stage_in_db(ctx.db, app_id) is Stage.BUILDING
    assert moves_in_db(ctx.db, app_id)[-1] == (Stage.CULTIVATING, Stage.BUILDING, "测试员", "")
    assert headers(view)[:2] == ["培育（0）", "创建（2）"]
    assert NAMES["a"] in names_in(view, Stage.BUILDING)
    # the moved card stays selected, and its history shows the move
    assert view.selected_ids() == [app_id]
    last = view.history_model.rowCount() - 1
    assert view.history_model.data(view.history_model.index(last, 2)) == "创建"
    assert view.history_model.data(view.history_model.index(last, 3)) == "测试员"


def test_moving_back_with_empty_reason_is_refused(view, ctx, data, monkeypatch):
    app_id = data["ids"]["b"]
    before = moves_in_db(ctx.db, app_id)
    monkeypatch.setattr(MoveDialog, "get_reason", classmethod(lambda cls, *a, **k: "   "))
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a: warnings.append(text))
    select_card(view, app_id)
    assert view.move_selected_to(Stage.CULTIVATING) is False
    assert len(warnings) == 1 and "必须填写原因" in warnings[0]
    assert stage_in_db(ctx.db, app_id) is Stage.APPLIED
    assert moves_in_db(ctx.db, app_id) == before
    assert headers(view)[4] == "已申请（2）"


def test_cancelling_the_reason_dialog_changes_nothing(view, ctx, data, monkeypatch):
    app_id = data["ids"]["b"]
    asked = []
    monkeypatch.setattr(MoveDialog, "get_reason",
                        classmethod(lambda cls, parent, src, dst, names=(): asked.append((src, dst)) or None))
    select_card(view, app_id)
    assert view.move_selected_to(Stage.BUILDING) is False
    assert asked == [(Stage.APPLIED, Stage.BUILDING)]
    assert stage_in_db(ctx.db, app_id) is Stage.APPLIED


def test_moving_back_with_reason_is_stored_and_shown_in_history(view, ctx, data, monkeypatch):
    app_id = data["ids"]["b"]
    reason = "退回补正：缺少第三方评价报告"
    monkeypatch.setattr(MoveDialog, "get_reason", classmethod(lambda cls, *a, **k: reason))
    select_card(view, app_id)
    assert view.move_selected_to(Stage.SELF_EVALUATED)
    assert stage_in_db(ctx.db, app_id) is Stage.SELF_EVALUATED
    assert moves_in_db(ctx.db, app_id)[-1] == (Stage.APPLIED, Stage.SELF_EVALUATED, "测试员", reason)
    assert headers(view)[2] == "自评完成（1）"
    hm = view.history_model
    rows = [[hm.data(hm.index(r, c)) for c in range(hm.columnCount())] for r in range(hm.rowCount())]
    assert rows[-1][1:] == ["已申请", "自评完成", "测试员", reason]
    assert rows[0][1:3] == ["（新建）", "已申请"]
    assert NAMES["b"] in view.history_label.text() and "2 条" in view.history_label.text()


def test_move_dialog_ok_disabled_until_reason_typed(qtbot):
    dlg = MoveDialog(Stage.APPLIED, Stage.BUILDING, ["重庆甲乙机械有限公司"])
    qtbot.addWidget(dlg)
    assert dlg.explanation.text() == move_explanation(Stage.APPLIED, Stage.BUILDING)
    assert "退回" in dlg.explanation.text()
    assert not dlg.ok_button.isEnabled()
    qtbot.keyClicks(dlg.reason_edit, "   ")
    assert not dlg.ok_button.isEnabled()
    dlg.accept()
    assert dlg.result() != QDialog.DialogCode.Accepted
    dlg.reason_edit.insertPlainText("材料不全")
    assert dlg.ok_button.isEnabled()
    assert dlg.reason() == "材料不全"


def test_drop_on_another_column_moves_the_application(view, ctx, data, qtbot, no_reason_dialog):
    app_id = data["ids"]["a"]
    src = view.column_of(Stage.CULTIVATING).model
    dst = view.column_of(Stage.BUILDING).model
    mime = src.mimeData([src.index(0, 0)])
    assert not src.canDropMimeData(mime, Qt.DropAction.MoveAction, -1, -1, QModelIndex())
    assert dst.canDropMimeData(mime, Qt.DropAction.MoveAction, -1, -1, QModelIndex())
    assert dst.dropMimeData(mime, Qt.DropAction.MoveAction, -1, -1, QModelIndex())
    qtbot.waitUntil(lambda: stage_in_db(ctx.db, app_id) is Stage.BUILDING)
    qtbot.waitUntil(lambda: NAMES["a"] in names_in(view, Stage.BUILDING))
    assert headers(view)[0] == "培育（0）"
    assert moves_in_db(ctx.db, app_id)[-1][:3] == (Stage.CULTIVATING, Stage.BUILDING, "测试员")


def test_drop_events_on_a_column_move_the_card(view, ctx, data, qtbot, no_reason_dialog):
    """The path a mouse drag takes: drag enter/move (refused on the card's own column), then the
    drop: QListView.dropEvent → canDropMimeData → dropMimeData → the move."""
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
    from PySide6.QtWidgets import QApplication

    view.show()
    qtbot.waitExposed(view)
    src = view.column_of(Stage.APPLIED)
    row = src.model.row_of_id(data["ids"]["c"])
    mime = src.model.mimeData([src.model.index(row, 0)])
    args = (Qt.DropAction.MoveAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    pos = QPointF(40, 20)

    def drag_over(viewport) -> bool:
        QApplication.sendEvent(viewport, QDragEnterEvent(pos, *args))
        move = QDragMoveEvent(pos, *args)
        QApplication.sendEvent(viewport, move)
        return move.isAccepted()

    assert not drag_over(src.view.viewport())
    target = view.column_of(Stage.UNDER_REVIEW).view.viewport()
    assert drag_over(target)
    drop = QDropEvent(pos, *args)
    QApplication.sendEvent(target, drop)
    assert drop.isAccepted()
    qtbot.waitUntil(lambda: stage_in_db(ctx.db, data["ids"]["c"]) is Stage.UNDER_REVIEW)
    assert names_in(view, Stage.UNDER_REVIEW) == [NAMES["c"]]
    assert names_in(view, Stage.APPLIED) == [NAMES["b"]]


def test_drop_skipping_stages_asks_for_a_reason(view, ctx, data, qtbot, monkeypatch):
    app_id = data["ids"]["a"]
    asked = []

    def get_reason(cls, parent, src, dst, names=()):
        asked.append((src, dst, list(names)))
        return "材料已齐，直接受理"

    monkeypatch.setattr(MoveDialog, "get_reason", classmethod(get_reason))
    src = view.column_of(Stage.CULTIVATING).model
    dst = view.column_of(Stage.APPLIED).model
    dst.dropMimeData(src.mimeData([src.index(0, 0)]), Qt.DropAction.MoveAction, 0, 0, QModelIndex())
    qtbot.waitUntil(lambda: stage_in_db(ctx.db, app_id) is Stage.APPLIED)
    assert asked == [(Stage.CULTIVATING, Stage.APPLIED, [NAMES["a"]])]
    assert moves_in_db(ctx.db, app_id)[-1][3] == "材料已齐，直接受理"
    assert headers(view)[4] == "已申请（3）"


def test_advance_from_recommended_offers_both_results(view, ctx, data, monkeypatch, no_reason_dialog):
    app_id = data["ids"]["park"]
    offered = []

    def get_item(_parent, _title, _label, items, *a, **k):
        offered.extend(items)
        return "未通过", True

    monkeypatch.setattr(QInputDialog, "getItem", get_item)
    select_card(view, app_id)
    assert view.advance_selected()
    assert offered == ["已认定", "未通过"]
    assert stage_in_db(ctx.db, app_id) is Stage.REJECTED
    assert headers(view)[8] == "未通过（1）"
    # a final stage cannot be advanced
    assert not view.advance_button.isEnabled()


def test_keyboard_ctrl_right_advances_and_history_button_shows_history(view, ctx, data, qtbot, no_reason_dialog):
    app_id = data["ids"]["chain"]
    select_card(view, app_id)
    col = view.column_of(Stage.BUILDING)
    qtbot.keyClick(col.view, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier)
    assert stage_in_db(ctx.db, app_id) is Stage.SELF_EVALUATED
    moved_col = view.column_of(Stage.SELF_EVALUATED)
    assert view.selected_ids() == [app_id]
    view.history_table.clearSelection()
    view.history_button.click()  # (Enter opens the application page: tests/gui/test_application_detail.py)
    hm = view.history_model
    assert hm.data(hm.index(hm.rowCount() - 1, 2)) == "自评完成"
    assert view.history_table.selectionModel().selectedRows()[0].row() == hm.rowCount() - 1
    # plain Right/Left go to the next non-empty column's card (创建 is empty now), moving nothing
    select_card(view, data["ids"]["a"])
    qtbot.keyClick(view.column_of(Stage.CULTIVATING).view, Qt.Key.Key_Right)
    assert view.selected_ids() == [app_id]
    qtbot.keyClick(moved_col.view, Qt.Key.Key_Left)
    assert view.selected_ids() == [data["ids"]["a"]]
    assert stage_in_db(ctx.db, data["ids"]["a"]) is Stage.CULTIVATING
    assert stage_in_db(ctx.db, app_id) is Stage.SELF_EVALUATED


def test_context_menu_opens_the_subject(view, ctx, data, qtbot):
    """Double-click opens the application page; the enterprise/park record is in the card's menu."""
    col = view.column_of(Stage.RECOMMENDED)
    view.show()
    rect = col.view.visualRect(col.model.index(0, 0))
    menu = view._card_menu(col, rect.center())
    qtbot.addWidget(menu)
    act = next(a for a in menu.actions() if a.text() == "打开企业/园区")
    with qtbot.waitSignal(ctx.open_record) as sig:
        act.trigger()
    assert sig.args == ["park", data["ids"]["park_subject"]]
    menu.close()


def test_show_record_switches_to_the_applications_year(view, data):
    view.title_combo.setCurrentIndex(view.title_combo.findText("市级绿色园区"))
    view.show_record("application", data["ids"]["old"])
    assert view.current_year() == YEAR - 1
    assert view.selected_ids() == [data["ids"]["old"]]
    assert view.current_title_kinds() is None or TitleKind.CITY_FACTORY in view.current_title_kinds()


# ---------------------------------------------------------------------------------------- new
def test_new_application_dialog_creates_in_cultivating(qtbot, ctx, data):
    dlg = NewApplicationDialog(ctx, year=YEAR, title_kind=TitleKind.CITY_FACTORY)
    qtbot.addWidget(dlg)
    assert not dlg.ok_button.isEnabled()
    dlg.search.setText("庚辛")
    assert dlg.subject_proxy.rowCount() == 1
    assert dlg.selected_subject_id() == data["ids"]["ent_free"]
    assert dlg.stage() is Stage.CULTIVATING and dlg.ok_button.isEnabled()
    dlg.accept()
    assert dlg.result() == QDialog.DialogCode.Accepted
    with ctx.db.uow() as uow:
        app = uow.session.get(Application, dlg.created_id)
        assert (app.enterprise_id, app.year, app.title_kind, app.stage) == (
            data["ids"]["ent_free"], YEAR, TitleKind.CITY_FACTORY, Stage.CULTIVATING)
        moves = [(m.from_stage, m.to_stage, m.user) for m in app.moves]
    assert moves == [(None, Stage.CULTIVATING, "测试员")]


def test_new_application_from_the_board(view, ctx, data, monkeypatch):
    def fake_exec(dlg):
        dlg.search.setText(NAMES["free"])
        dlg.accept()
        return dlg.result()

    monkeypatch.setattr(NewApplicationDialog, "exec", fake_exec)
    view.new_record()
    assert headers(view)[0] == "培育（2）"
    assert NAMES["free"] in names_in(view, Stage.CULTIVATING)
    assert [view.card(i).name for i in view.selected_ids()] == [NAMES["free"]]


def test_new_application_refuses_a_duplicate_and_a_silent_skip(qtbot, ctx, data):
    dlg = NewApplicationDialog(ctx, year=YEAR, title_kind=TitleKind.CITY_FACTORY)
    qtbot.addWidget(dlg)
    dlg.search.setText("甲乙")  # already has a 2026 市级绿色工厂 application
    dlg.accept()
    assert dlg.result() != QDialog.DialogCode.Accepted
    assert "已有2026年度「市级绿色工厂」的申报" in dlg.error_label.text()
    # starting in 已申请 skips stages: the reason is required
    dlg.search.setText("庚辛")
    dlg.stage_combo.setCurrentIndex(dlg.stage_combo.findData(Stage.APPLIED.value))
    assert not dlg.ok_button.isEnabled()
    dlg.reason_edit.setText("补录以往进度")
    assert dlg.ok_button.isEnabled()
    dlg.accept()
    with ctx.db.uow() as uow:
        n = uow.session.scalar(select(func.count()).select_from(Application)
                               .where(Application.enterprise_id == data["ids"]["ent_a"],
                                      Application.year == YEAR, Application.title_kind == TitleKind.CITY_FACTORY))
        app = uow.session.get(Application, dlg.created_id)
        assert app.stage is Stage.APPLIED and app.moves[0].reason == "补录以往进度"
    assert n == 1


def test_new_application_park_title_lists_parks(qtbot, ctx, data):
    dlg = NewApplicationDialog(ctx, year=YEAR, title_kind=TitleKind.CITY_FACTORY)
    qtbot.addWidget(dlg)
    assert dlg.subject_proxy.rowCount() == 4
    dlg.title_combo.setCurrentIndex(dlg.title_combo.findData(TitleKind.NEAR_ZERO_PARK.value))
    assert dlg.subject_proxy.rowCount() == 1
    assert dlg.subject_proxy.data(dlg.subject_proxy.index(0, 0)) == "重庆空港工业园区"


# ---------------------------------------------------------------------------------------- demo data
def test_demo_board_matches_the_database(qtbot, demo_ctx):
    v = PipelineView(demo_ctx)
    qtbot.addWidget(v)
    v.refresh()
    v.set_year(2026)
    with demo_ctx.db.uow() as uow:
        counts = pl.stage_counts(uow.session, year=2026)
        total = uow.session.scalar(select(func.count()).select_from(Application).where(Application.year == 2026))
    assert [c.model.total() for c in v.columns] == [counts[s] for s in STAGES]
    assert sum(counts.values()) == total > 50
    assert v.count_label.text() == f"2026年度 共 {total} 项"
    with demo_ctx.db.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(StageMove)) > total
