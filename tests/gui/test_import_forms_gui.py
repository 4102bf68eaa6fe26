"""The 导入导出 menu and the preview of filled forms: a blank form from the menu, a filled form
with messy values and one bad row previewed (counts per tab, the error's file/sheet/row/column/
reason), applying refused while the bad row is chosen, applied once it is excluded, undone from
the menu; the problems exported to Excel; cancel changes nothing; a file dropped on the window."""
from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QFileDialog
from sqlalchemy import select

from desktop.dialogs.import_forms import CHECK_ROLE, CheckRowsModel, ImportFormsDialog
from desktop.sync_ui import ExportFormDialog
from desktop.table_model import Column
from exports.xlsx_forms import write_form
from models.demo import make_credit_code
from models.entities import Enterprise
from sync_helpers import counts, main_window, messages, open_preview, table, wait  # noqa: F401 (fixture)

NEW_A, NEW_B, OLD = "9150000020286320X6", "91500112CEPE747K5C", "91500000MA5U7AMQ84"
SAME = make_credit_code(random.Random(3), "500112")


@pytest.fixture
def window(qtbot, db):
    return main_window(qtbot, db)


def save_as(monkeypatch, path: Path) -> list[str]:
    """Patch the save dialog to answer ``path``; returns the start paths it was offered."""
    offered: list[str] = []

    def fake(_parent, _title, start, *_a, **_k):
        offered.append(start)
        return str(path), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", fake)
    return offered


def open_file(monkeypatch, path: Path) -> None:
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *_a, **_k: (str(path), ""))


def filled_form(db, folder: Path) -> Path:
    """An enterprise form as it comes back: messy values, one update, one unchanged row and one
    row with two errors (row 5: a short credit code in B, an impossible date in M)."""
    with db.uow() as uow:
        uow.session.add(Enterprise(name="重庆宏盛建材有限公司", credit_code=OLD, district_code="500105", contact="赵六"))
        uow.session.add(Enterprise(name="重庆未变化科技有限公司", credit_code=SAME, district_code="500112"))
        uow.commit()
    path = write_form(folder / "企业信息采集表（回收）.xlsx", "enterprise")
    rows = [
        ["重庆瑞恒汽车零部件有限公司 ", "9150 0000 2028 6320 x6", None, "渝北区", "重庆市渝北区工业大道1号",
         "36 汽车制造业", "汽车座椅", None, "张三", "李四 ", "138 0013 8000", "√", "2015/3/1", None],
        ["重庆泰鑫电子科技有限公司", "９１５００１１２ＣＥＰＥ７４７Ｋ５Ｃ", None, "500112 渝北区", None, "39", None, None,
         None, "王五", "023-67891234", "Y", "2018年11月20日", None],
        ["重庆宏盛建材有限公司", "91500000ma5u7amq84", None, "江北", None, None, None, None, None, "钱七"],
        ["重庆坏数据有限公司", "91500000ABC", None, "渝北区", None, None, None, None, None, None, None, None,
         "2019-13-45"],
        ["重庆未变化科技有限公司", SAME.lower(), None, "渝北区"],
    ]
    wb = openpyxl.load_workbook(path)
    ws = wb["企业信息"]
    for i, row in enumerate(rows, start=2):
        for j, v in enumerate(row, start=1):
            if v is not None:
                ws.cell(row=i, column=j, value=v)
    wb.save(path)
    return path


def tab_texts(dlg) -> list[str]:
    return [dlg.tabs.tabText(i) for i in range(dlg.tabs.count()) if dlg.tabs.isTabVisible(i)]


def cells(model, row: int) -> list[str]:
    return table(model)[row]


def open_forms(qtbot, window, path: Path) -> ImportFormsDialog:
    return open_preview(qtbot, window, path, ImportFormsDialog)


# --------------------------------------------------------------------------- the menu and forms out


def test_sync_menu_has_every_action(window):
    texts = [a.text() for a in window.menus["sync"].actions() if not a.isSeparator()]
    assert texts == ["导出空白信息采集表…", "导入…", "导入文件夹中的信息采集表…", "导出交换文件…", "开始新年度…",
                     "撤销上次导入…", "导出年度小结(&Y)…"]
    assert window.acceptDrops()


def test_blank_form_exported_from_the_menu(qtbot, window, monkeypatch, messages, tmp_path):
    monkeypatch.setattr(ExportFormDialog, "exec", lambda self: 1)  # accept: 企业信息, blank
    target = tmp_path / "out" / "企业信息采集表.xlsx"
    target.parent.mkdir()
    offered = save_as(monkeypatch, target)
    window.sync.act_export_form.trigger()
    wait(qtbot, window.sync.op)
    assert Path(offered[0]).name == "企业信息采集表.xlsx"
    wb = openpyxl.load_workbook(target)
    ws = wb["企业信息"]
    assert [c.value for c in ws[1]][:4] == ["*企业名称", "*统一社会信用代码", "校验位例外原因", "*所在区县"]
    assert ws.max_row > 100 and ws.cell(row=2, column=1).value is None  # blank
    assert messages["information"] and str(target) in messages["information"][0]
    # the folder is remembered for the next export
    assert window.ctx.settings.value("sync/export_dir") == str(target.parent)


def test_park_and_indicator_forms_and_a_prefilled_one(qtbot, demo_db, monkeypatch, messages, tmp_path):
    w = main_window(qtbot, demo_db, tmp_path)
    ents = next(v for v in w.views if getattr(v, "kind", "") == "enterprise")
    ents.refresh()
    rid = ents.proxy.id_at(0)
    ents.select_id(rid)
    with demo_db.uow() as uow:
        chosen = uow.session.get(Enterprise, rid)
        name, code = chosen.name, chosen.credit_code

    dialogs = []

    def accept_prefilled(self):
        dialogs.append(self)
        assert self.one.isEnabled() and name in self.one.text()
        self.one.setChecked(True)
        return 1

    monkeypatch.setattr(ExportFormDialog, "exec", accept_prefilled)
    offered = save_as(monkeypatch, tmp_path / "预填.xlsx")
    w.sync.export_form("enterprise")
    wait(qtbot, w.sync.op)
    assert Path(offered[0]).name == f"{name}-企业信息采集表.xlsx"
    ws = openpyxl.load_workbook(tmp_path / "预填.xlsx")["企业信息"]
    assert (ws["A2"].value, ws["B2"].value, ws["A3"].value) == (name, code, None)

    # the park form, and the indicator form with its year; the choices the dialog offers
    dlg = ExportFormDialog(w.ctx, w, selected={}, kind="indicator_park")
    qtbot.addWidget(dlg)
    assert [dlg.kind_combo.itemText(i) for i in range(dlg.kind_combo.count())] == \
        ["企业信息采集表", "园区信息采集表", "企业年度指标采集表", "园区年度指标采集表"]
    assert not dlg.one.isEnabled() and "请先在“园区”页选中一行" in dlg.one.text()
    assert dlg.year.isVisibleTo(dlg)
    dlg.year.setValue(2025)
    dlg.all.setChecked(True)
    assert (dlg.ids(), dlg.file_name()) == ("all", "2025年园区年度指标采集表（预填）.xlsx")


# --------------------------------------------------------------------------- filled forms in


def test_preview_counts_per_tab_and_the_bad_rows_place(qtbot, window, monkeypatch, messages, tmp_path):
    path = filled_form(window.ctx.db, tmp_path)
    open_file(monkeypatch, path)
    window.sync.act_import.trigger()
    qtbot.waitUntil(lambda: isinstance(window.sync.dialog, ImportFormsDialog), timeout=30000)
    dlg = window.sync.dialog
    qtbot.addWidget(dlg)
    assert tab_texts(dlg) == ["新增 (2)", "更新 (1)", "未变 (1)", "错误 (1)"]
    assert dlg.tabs.currentWidget() is dlg.views["error"]  # errors are shown first
    assert "企业信息采集表（回收）.xlsx（企业信息）" in dlg.summary.text()
    # the new rows, cleaned: full-width code, spaces, 2015/3/1, √
    created = {cells(dlg.models["create"], r)[0]: cells(dlg.models["create"], r) for r in range(2)}
    assert set(created) == {"重庆瑞恒汽车零部件有限公司", "重庆泰鑫电子科技有限公司"}
    assert created["重庆瑞恒汽车零部件有限公司"][1] == NEW_A
    assert created["重庆瑞恒汽车零部件有限公司"][2:6] == ["企业信息", path.name, "企业信息", "2"]
    assert "成立日期：2015-03-01" in created["重庆瑞恒汽车零部件有限公司"][6]
    assert "规上企业：是" in created["重庆瑞恒汽车零部件有限公司"][6]
    assert created["重庆泰鑫电子科技有限公司"][1] == NEW_B
    # every problem of the bad row with file, sheet, row, column, value and reason
    errs = [cells(dlg.models["error"], r) for r in range(dlg.models["error"].rowCount())]
    assert len(errs) == 2
    by_col = {e[4]: e for e in errs}
    code = by_col["B"]
    assert code[:5] == ["重庆坏数据有限公司", path.name, "企业信息", "5", "B"]
    assert code[5:7] == ["统一社会信用代码", "91500000ABC"] and "18" in code[7]
    date = by_col["M"]
    assert (date[5], date[6]) == ("成立日期", "2019-13-45") and date[7]
    assert window.ctx.settings.value("sync/import_dir") == str(tmp_path)


def test_the_update_tab_shows_old_and_new_field_by_field(qtbot, window, tmp_path):
    dlg = open_forms(qtbot, window, filled_form(window.ctx.db, tmp_path))
    assert cells(dlg.models["update"], 0) == ["重庆宏盛建材有限公司", OLD, dlg.paths[0].name, "企业信息", "4",
                                              "联系人：赵六 → 钱七"]
    view = dlg.views["update"]
    view.setCurrentIndex(dlg.proxies["update"].index(0, 0))
    assert [cells(dlg.detail_model, r) for r in range(dlg.detail_model.rowCount())] == [["联系人", "赵六", "钱七"]]
    assert "第4行" in dlg.detail_label.text()


def test_apply_is_refused_while_the_bad_row_is_chosen(qtbot, window, messages, tmp_path):
    db = window.ctx.db
    dlg = open_forms(qtbot, window, filled_form(db, tmp_path))
    before = counts(db)
    assert not dlg.btn_apply.isEnabled()
    assert dlg.block_label.isVisibleTo(dlg)
    assert "有 1 行有错误" in dlg.block_label.text() and "取消勾选" in dlg.block_label.text()
    assert f"{dlg.paths[0].name} 第5行" in dlg.block_label.text()
    assert dlg.apply() is None  # even when called directly
    assert messages["warning"] and "排除有错误的行" in messages["warning"][0]
    assert counts(db) == before


def test_excluding_the_bad_row_applies_the_rest_and_undo_restores(qtbot, window, messages, tmp_path):
    db = window.ctx.db
    dlg = open_forms(qtbot, window, filled_form(db, tmp_path))
    before = counts(db)
    changed = []
    window.ctx.data_changed.connect(changed.append)
    # untick the bad row in the 错误 tab, as the clerk would
    model = dlg.models["error"]
    ix = model.index(0, 0)
    assert ix.data(CHECK_ROLE) == Qt.CheckState.Checked
    assert model.setData(ix, Qt.CheckState.Unchecked.value, CHECK_ROLE)
    assert model.index(1, 0).data(CHECK_ROLE) == Qt.CheckState.Unchecked  # same row, second problem
    assert dlg.btn_apply.isEnabled() and not dlg.block_label.isVisibleTo(dlg)
    assert dlg.choice_label.text() == "已勾选：新增 2 条，更新 1 条"
    wait(qtbot, dlg.apply())
    assert dlg.result.created == 2 and dlg.result.updated == 1 and dlg.result.skipped == 1
    backup = dlg.result.backup
    assert backup is not None and backup.exists()
    text = messages["information"][-1]
    assert "新增 2 条，修改 1 条" in text and backup.name in text and "撤销上次导入" in text
    assert changed and "*" in changed[-1]
    with db.uow() as uow:
        s = uow.session
        got = {e.credit_code: e for e in s.scalars(select(Enterprise))}
        assert set(got) == {NEW_A, NEW_B, OLD, SAME}
        a = got[NEW_A]
        assert (a.name, a.district_code, a.industry_code, a.contact, a.phone, a.above_scale, a.founded_on) == \
            ("重庆瑞恒汽车零部件有限公司", "500112", "36", "李四", "13800138000", True, dt.date(2015, 3, 1))
        assert got[NEW_B].founded_on == dt.date(2018, 11, 20) and got[NEW_B].above_scale is True
        assert got[OLD].contact == "钱七"
        assert s.scalar(select(Enterprise).where(Enterprise.name == "重庆坏数据有限公司")) is None

    # 撤销上次导入 puts everything back
    assert window.sync.undo_last_import()
    assert "导入信息采集表「企业信息采集表（回收）.xlsx」" in messages["question"][-1]
    assert backup.name in messages["question"][-1]
    with db.uow() as uow:
        assert {e.credit_code for e in uow.session.scalars(select(Enterprise))} == {OLD, SAME}
        assert uow.session.scalar(select(Enterprise.contact).where(Enterprise.credit_code == OLD)) == "赵六"
    assert counts(db)["enterprise"] == before["enterprise"]
    assert "已撤销" in messages["information"][-1]


def test_exclude_button_and_choose_all(qtbot, window, tmp_path):
    dlg = open_forms(qtbot, window, filled_form(window.ctx.db, tmp_path))
    dlg.btn_exclude.click()
    assert dlg.btn_apply.isEnabled() and not dlg.btn_exclude.isEnabled()
    assert dlg.models["error"].index(0, 0).data(CHECK_ROLE) == Qt.CheckState.Unchecked
    # unticking a new row leaves it out
    dlg.models["create"].setData(dlg.models["create"].index(0, 0), Qt.CheckState.Unchecked, CHECK_ROLE)
    assert dlg.choice_label.text() == "已勾选：新增 1 条，更新 1 条"
    dlg.btn_all.click()
    assert not dlg.btn_apply.isEnabled()
    assert dlg.choice_label.text() == "已勾选：新增 2 条，更新 1 条，有错误 1 行"


def test_problems_exported_to_excel(qtbot, window, monkeypatch, tmp_path):
    dlg = open_forms(qtbot, window, filled_form(window.ctx.db, tmp_path))
    offered = save_as(monkeypatch, tmp_path / "问题.xlsx")
    dlg.btn_export.click()
    assert Path(offered[0]).name == "企业信息采集表（回收）-导入问题.xlsx"
    ws = openpyxl.load_workbook(tmp_path / "问题.xlsx").active
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[0][:7] == ["文件", "工作表", "行", "列", "表头", "填写的内容", "问题"]
    b = next(r for r in rows[1:] if r[3] == "B")
    assert b[:6] == ["企业信息采集表（回收）.xlsx", "企业信息", 5, "B", "统一社会信用代码", "91500000ABC"]


def test_cancel_during_import_changes_nothing(qtbot, window, monkeypatch, messages, tmp_path):
    from exports.importers import forms_in

    db = window.ctx.db
    dlg = open_forms(qtbot, window, filled_form(db, tmp_path))
    dlg.exclude_errors()
    before = counts(db)
    real = forms_in.apply_forms

    def clerk_cancels_while_writing(*a, progress, should_stop, **k):
        def report(done, total, text):
            progress(done, total, text)
            if text.startswith("已写入"):  # the rows are written, not yet committed: 取消
                progress.__self__.cancel()
        return real(*a, progress=report, should_stop=should_stop, **k)

    monkeypatch.setattr(forms_in, "apply_forms", clerk_cancels_while_writing)
    wait(qtbot, dlg.apply())
    assert dlg.result is None and dlg.isVisible()
    assert messages["information"] == ["已取消导入，数据库未做任何改动。"]
    after = counts(db)
    assert after == before
    assert dlg.btn_apply.isEnabled()  # the clerk can try again


@pytest.mark.filterwarnings("ignore:Function.*QDragEnterEvent:DeprecationWarning")  # PySide's QPoint overload
def test_a_file_dropped_on_the_window_is_previewed(qtbot, window, tmp_path):
    path = filled_form(window.ctx.db, tmp_path)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    enter = QDragEnterEvent(window.rect().center(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    window.dragEnterEvent(enter)
    assert enter.isAccepted()
    other = QMimeData()
    other.setUrls([QUrl.fromLocalFile(str(tmp_path / "照片.jpg"))])
    refused = QDragEnterEvent(window.rect().center(), Qt.DropAction.CopyAction, other, Qt.MouseButton.LeftButton,
                              Qt.KeyboardModifier.NoModifier)
    refused.setAccepted(False)
    window.dragEnterEvent(refused)
    assert not refused.isAccepted()
    drop = QDropEvent(QPointF(window.rect().center()), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    window.dropEvent(drop)
    qtbot.waitUntil(lambda: isinstance(window.sync.dialog, ImportFormsDialog), timeout=30000)
    qtbot.addWidget(window.sync.dialog)
    assert tab_texts(window.sync.dialog)[0] == "新增 (2)"


def test_a_folder_with_an_unreadable_file(qtbot, window, monkeypatch, messages, tmp_path):
    folder = tmp_path / "收回"
    folder.mkdir()
    filled_form(window.ctx.db, folder)
    (folder / "坏文件.xlsx").write_bytes(b"this is not a workbook")
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *_a, **_k: str(folder))
    window.sync.act_import_folder.trigger()
    qtbot.waitUntil(lambda: isinstance(window.sync.dialog, ImportFormsDialog), timeout=30000)
    dlg = window.sync.dialog
    qtbot.addWidget(dlg)
    assert "坏文件.xlsx" in dlg.rejected_label.text()
    assert tab_texts(dlg)[3] == "错误 (2)"
    dlg.exclude_errors()
    assert not dlg.btn_apply.isEnabled() and "无法读取" in dlg.block_label.text()
    dlg.ignore_rejected.setChecked(True)
    assert dlg.btn_apply.isEnabled()
    wait(qtbot, dlg.apply())
    assert dlg.result.created == 2


def test_check_box_model(qtmodeltester):
    chosen = {1}
    model = CheckRowsModel([Column("名称", 1), Column("行", 2)], lambda i: i in chosen,
                           lambda i, on: chosen.add(i) if on else chosen.discard(i))
    model.set_rows([(1, "甲", 2), (2, "乙", 3), (None, "整个文件", None)])
    qtmodeltester.check(model)
    assert model.index(0, 0).data(CHECK_ROLE) == Qt.CheckState.Checked
    assert model.index(2, 0).data(CHECK_ROLE) is None  # no box for a whole-file problem
    assert not model.flags(model.index(2, 0)) & Qt.ItemFlag.ItemIsUserCheckable
    model.setData(model.index(1, 0), Qt.CheckState.Checked, CHECK_ROLE)
    assert chosen == {1, 2}


def test_an_old_xls_file_is_refused_with_what_to_do(qtbot, window, messages, tmp_path):
    path = tmp_path / "旧版采集表.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2048)  # an OLE2 (Excel 97-2003) file
    before = counts(window.ctx.db)
    wait(qtbot, window.sync.import_path(path))
    assert window.sync.dialog is None
    assert "旧版采集表.xls" in messages["warning"][-1] and "请另存为 .xlsx 后再导入" in messages["warning"][-1]
    assert counts(window.ctx.db) == before


def test_the_file_corrected_and_checked_again(qtbot, window, tmp_path):
    path = filled_form(window.ctx.db, tmp_path)
    dlg = open_forms(qtbot, window, path)
    assert not dlg.btn_apply.isEnabled()
    wb = openpyxl.load_workbook(path)  # the enterprise sends the row corrected
    ws = wb["企业信息"]
    ws["B5"], ws["M5"] = "91500000MA60XKWE41", "2019-12-05"
    wb.save(path)
    wait(qtbot, dlg.recheck())
    assert tab_texts(dlg)[:4] == ["新增 (3)", "更新 (1)", "未变 (1)", "错误 (0)"]
    assert dlg.btn_apply.isEnabled() and not dlg.block_label.isVisibleTo(dlg)
