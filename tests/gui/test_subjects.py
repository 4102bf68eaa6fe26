"""The enterprises and parks views: search as you type, sort by header, open the editor, delete
with a question and undo."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QPoint, QSettings, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QMessageBox
from sqlalchemy import func, select

from desktop.dialogs.record_editor import RecordEditor
from desktop.table_model import RowsModel
from desktop.views.subjects import EnterprisesView, ParksView
from forms.validators import credit_check_char
from models import subjects
from models.entities import Application, Enterprise, Park

NAME, CODE, DISTRICT, INDUSTRY, PARK = 0, 1, 2, 3, 4


@pytest.fixture
def view(qtbot, demo_ctx) -> EnterprisesView:
    v = EnterprisesView(demo_ctx)
    qtbot.addWidget(v)
    v.resize(1200, 600)
    v.refresh()
    v.show()  # on screen, as in the window: the rows after the first screenful follow
    qtbot.waitUntil(lambda: not v.model.is_partial())
    return v


@pytest.fixture
def opened(monkeypatch) -> list[int | None]:
    """Editors opened (instead of showing them modally): the record ids."""
    ids: list[int | None] = []
    monkeypatch.setattr(RecordEditor, "exec", lambda self: ids.append(self.record_id) or 0)
    return ids


def type_text(widget, text: str) -> None:
    """Type ``text`` one key at a time, Chinese included (QTest.keyClicks only knows ASCII)."""
    for ch in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, ch))


def column(view, col: int, role=Qt.ItemDataRole.DisplayRole) -> list:
    return [view.proxy.index(r, col).data(role) for r in range(view.proxy.rowCount())]


def count(ctx, *where) -> int:
    with ctx.db.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(Enterprise).outerjoin(
            Park, Park.id == Enterprise.park_id).where(Enterprise.deleted_at.is_(None), *where))


def one_enterprise(ctx, *where) -> tuple[int, str, str]:
    with ctx.db.uow() as uow:
        e = uow.session.scalars(select(Enterprise).where(*where).order_by(Enterprise.id)).first()
        return e.id, e.name, e.credit_code


# ---------------------------------------------------------------------------- search

def test_count_label_and_placeholder(view):
    assert view.count_label.text() == "共 300 家 / 显示 300 家"
    assert view.search.placeholderText() == "搜索名称、信用代码、区县、行业、园区…"


def test_search_as_you_type_over_name(qtbot, view, demo_ctx):
    _id, name, _code = one_enterprise(demo_ctx)
    fragment = name[2:4]  # the brand, e.g. 瑞恒
    type_text(view.search, fragment)
    names = column(view, NAME)
    expected = count(demo_ctx, Enterprise.name.contains(fragment))
    assert len(names) == expected and name in names
    assert all(fragment in n for n in names)
    assert view.count_label.text() == f"共 300 家 / 显示 {expected} 家"


def test_search_by_credit_code_typed_in_lower_case(qtbot, view, demo_ctx):
    eid, name, code = one_enterprise(demo_ctx, Enterprise.id == 7)
    type_text(view.search, code.lower())
    assert column(view, CODE) == [code]
    assert column(view, NAME) == [name]
    assert view.proxy.id_at(0) == eid


def test_search_by_district_name(qtbot, view, demo_ctx):
    type_text(view.search, "江津")
    districts = column(view, DISTRICT)
    assert districts and set(districts) == {"江津区"}
    assert len(districts) == count(demo_ctx, Enterprise.district_code == "500116")


def test_search_by_industry_name(qtbot, view, demo_ctx):
    type_text(view.search, "医药制造")
    industries = column(view, INDUSTRY)
    assert industries and set(industries) == {"医药制造业"}
    assert len(industries) == count(demo_ctx, Enterprise.industry_code == "27")


def test_search_by_park_name(qtbot, view, demo_ctx):
    type_text(view.search, "白涛")
    parks = column(view, PARK)
    assert parks and set(parks) == {"重庆白涛化工园区"}
    assert len(parks) == count(demo_ctx, Park.name == "重庆白涛化工园区")


def test_several_words_must_all_match_and_esc_clears(qtbot, view, demo_ctx):
    type_text(view.search, "渝北 汽车")
    rows = list(zip(column(view, DISTRICT), column(view, INDUSTRY)))
    assert rows and all(d == "渝北区" and i == "汽车制造业" for d, i in rows)
    assert len(rows) == count(demo_ctx, Enterprise.district_code == "500112", Enterprise.industry_code == "36")
    qtbot.keyClick(view.search, Qt.Key.Key_Escape)
    assert view.search.text() == ""
    assert view.proxy.rowCount() == 300


def test_search_that_matches_nothing_says_so(qtbot, view):
    type_text(view.search, "不存在的企业名")
    assert view.proxy.rowCount() == 0
    assert view.count_label.text() == "共 300 家 / 显示 0 家"
    assert not view.edit_button.isEnabled() and not view.delete_button.isEnabled()


# ---------------------------------------------------------------------------- sort

def click_header(qtbot, view, section: int) -> None:
    header = view.table.horizontalHeader()
    x = header.sectionViewportPosition(section) + header.sectionSize(section) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))


def test_sort_by_clicking_headers(qtbot, view):
    view.show()
    qtbot.waitExposed(view)
    names = column(view, NAME)
    assert names == sorted(names)  # by name at first
    click_header(qtbot, view, DISTRICT)
    codes = column(view, DISTRICT, RowsModel.RAW_ROLE)
    assert codes == sorted(codes) and codes[0] != codes[-1]
    click_header(qtbot, view, DISTRICT)
    assert column(view, DISTRICT, RowsModel.RAW_ROLE) == sorted(codes, reverse=True)
    # the sort holds while searching
    type_text(view.search, "汽车")
    shown = column(view, DISTRICT, RowsModel.RAW_ROLE)
    assert shown == sorted(shown, reverse=True)


def test_header_state_is_remembered(qtbot, demo_ctx):
    v = EnterprisesView(demo_ctx)
    qtbot.addWidget(v)
    v.table.horizontalHeader().resizeSection(NAME, 333)
    v.table.sortByColumn(DISTRICT, Qt.SortOrder.DescendingOrder)
    v.save_header()
    again = EnterprisesView(demo_ctx)
    qtbot.addWidget(again)
    header = again.table.horizontalHeader()
    assert header.sectionSize(NAME) == 333
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (DISTRICT, Qt.SortOrder.DescendingOrder)
    again.refresh()
    codes = column(again, DISTRICT, RowsModel.RAW_ROLE)
    assert codes == sorted(codes, reverse=True)


# ---------------------------------------------------------------------------- opening the editor

def test_double_click_and_enter_open_the_editor(qtbot, view, opened):
    view.show()
    qtbot.waitExposed(view)
    rect = view.table.visualRect(view.proxy.index(3, NAME))
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened == []  # one click only selects
    qtbot.mouseDClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened == [view.proxy.id_at(3)]
    view.table.selectRow(5)
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    assert opened == [view.proxy.id_at(3), view.proxy.id_at(5)]


def test_show_record_clears_a_hiding_search_selects_and_opens(qtbot, view, demo_ctx, opened):
    eid, name, _code = one_enterprise(demo_ctx, Enterprise.district_code == "500116")
    type_text(view.search, "渝北区")  # hides a 江津 enterprise
    assert view.show_record("enterprise", eid)
    assert view.search.text() == ""
    assert view.selected_id() == eid and view.selected_name() == name
    assert opened == [eid]


def test_new_record_saved_in_editor_appears_selected(qtbot, view, demo_ctx, monkeypatch):
    body = "91500112MA5U7AMQ8"

    def fill_and_save(editor: RecordEditor) -> int:
        f = editor.form
        f.set_value("name", "重庆新录入测试有限公司")
        f.set_value("credit_code", body + credit_check_char(body))
        f.set_value("district_code", "渝北区")
        return 1 if editor.save() else 0

    monkeypatch.setattr(RecordEditor, "exec", fill_and_save)
    assert view.new_record()
    assert view.count_label.text() == "共 301 家 / 显示 301 家"
    assert view.selected_name() == "重庆新录入测试有限公司"


# ---------------------------------------------------------------------------- delete and undo

def test_delete_asks_naming_the_record_then_removes_the_row(qtbot, view, demo_ctx, monkeypatch):
    view.table.selectRow(2)
    eid, name = view.selected_id(), view.selected_name()
    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda parent, title, text, *a: asked.append(text) or QMessageBox.StandardButton.No)
    statuses: list[str] = []
    demo_ctx.status.connect(statuses.append)
    assert not view.delete_selected()  # answered No: nothing happens
    assert view.proxy.rowCount() == 300
    assert f"「{name}」" in asked[0] and "撤销删除" in asked[0] and "Ctrl+Z" in asked[0]

    monkeypatch.setattr(QMessageBox, "question", lambda *a: QMessageBox.StandardButton.Yes)
    assert view.delete_selected()
    assert name not in column(view, NAME)
    assert view.count_label.text() == "共 299 家 / 显示 299 家"
    assert statuses == [f"已删除企业「{name}」，按 Ctrl+Z 可撤销。"]
    with demo_ctx.db.uow() as uow:
        assert uow.session.get(Enterprise, eid).deleted_at is not None
        assert not uow.session.scalar(select(func.count()).select_from(Application).where(
            Application.enterprise_id == eid, Application.deleted_at.is_(None)))


def test_undo_brings_the_deleted_enterprise_back(qtbot, view, demo_ctx, monkeypatch):
    with demo_ctx.db.uow() as uow:
        eid = uow.session.scalar(select(Application.enterprise_id).where(Application.enterprise_id.is_not(None)))
        apps = uow.session.scalar(select(func.count()).select_from(Application).where(
            Application.enterprise_id == eid, Application.deleted_at.is_(None)))
    view.select_id(eid)
    name = view.selected_name()
    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a: asked.append(a[2]) or QMessageBox.StandardButton.Yes)
    assert view.delete_selected()
    assert name not in column(view, NAME)
    assert f"其{apps}条申报记录" in asked[0] and "撤销删除时一并恢复" in asked[0]

    with demo_ctx.db.uow() as uow:  # what 编辑→撤销删除 does
        entry = subjects.last_deletion(uow.session)
        assert (entry.table_name, entry.record_id) == ("enterprise", eid)
        subjects.restore(uow.session, entry.table_name, entry.record_id)
        uow.commit()
    demo_ctx.data_changed.connect(lambda _t: view.refresh())
    demo_ctx.changed("enterprise")
    assert name in column(view, NAME)
    assert view.count_label.text() == "共 300 家 / 显示 300 家"
    with demo_ctx.db.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Application).where(
            Application.enterprise_id == eid, Application.deleted_at.is_(None))) == apps


def test_ctrl_z_in_the_main_window_undoes_a_delete(qtbot, demo_db, monkeypatch):
    from desktop.main_window import MainWindow

    settings = QSettings(str(demo_db.data_dir / "mw.ini"), QSettings.Format.IniFormat)
    win = MainWindow(demo_db, settings=settings)
    qtbot.addWidget(win)
    view = next(v for v in win.views if isinstance(v, EnterprisesView))
    win.tabs.setCurrentWidget(view)
    view.refresh()
    view.table.selectRow(0)
    name = view.selected_name()
    monkeypatch.setattr(QMessageBox, "question", lambda *a: QMessageBox.StandardButton.Yes)
    assert view.delete_selected()
    assert name not in column(view, NAME)
    win.undo_delete()
    assert name in column(view, NAME)
    assert "已恢复企业" in win.statusBar().currentMessage()


# ---------------------------------------------------------------------------- parks

def test_parks_view_lists_searches_and_counts(qtbot, demo_ctx):
    v = ParksView(demo_ctx)
    qtbot.addWidget(v)
    v.refresh()
    assert v.count_label.text() == "共 12 个 / 显示 12 个"
    type_text(v.search, "高新区")
    types = column(v, 1)
    assert types and set(types) == {"高新区"}
    assert v.count_label.text() == f"共 12 个 / 显示 {len(types)} 个"
    v.search.clear()
    type_text(v.search, "长寿")
    assert column(v, 0) == ["重庆长寿经济技术开发区"]
    assert column(v, 3) == ["长寿区"]
