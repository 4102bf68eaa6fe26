"""工具 → 检查与修复… (issue 7, item 4): the checks run in the background, the result is one line
(green / red) and a table of findings with what to do; 备份与恢复… restores an automatic backup."""
from __future__ import annotations

import os

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import func, select

from desktop.doctor_ui import RED, DoctorDialog
from models.entities import Enterprise
from models.review import Material


def run_dialog(qtbot, ctx) -> DoctorDialog:
    dlg = DoctorDialog(ctx)
    qtbot.addWidget(dlg)
    with qtbot.waitSignal(dlg.operation.done, timeout=60000):
        pass
    return dlg


def rows(dlg) -> list[tuple[str, str, str, str]]:
    m = dlg.model
    return [tuple(m.index(r, c).data() or "" for c in range(4)) for r in range(m.rowCount())]


def live_material(db) -> tuple[str, str, int]:
    with db.uow() as uow:
        m = uow.session.scalars(select(Material).where(Material.deleted_at.is_(None)).order_by(Material.id)).first()
        return m.original_name, m.sha256, m.application_id


@pytest.fixture
def ctx(demo_ctx):
    return demo_ctx


def test_menu_tools_opens_check_and_repair(qtbot, demo_db, monkeypatch):
    from desktop.main_window import MainWindow

    w = MainWindow(demo_db, settings=QSettings(str(demo_db.data_dir / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    menus = {a.text(): a.menu() for a in w.menuBar().actions()}
    assert "工具(&T)" in menus
    titles = [a.text() for a in w.menuBar().actions()]
    assert titles.index("工具(&T)") < titles.index("帮助(&H)")
    [action] = [a for a in menus["工具(&T)"].actions() if a.text() == "检查与修复(&D)…"]
    shown = []
    monkeypatch.setattr(DoctorDialog, "exec", lambda self: shown.append(self) or 0)
    action.trigger()
    [dlg] = shown
    with qtbot.waitSignal(dlg.operation.done, timeout=60000):
        pass
    assert dlg.report is not None and dlg.report.ok
    assert dlg.windowTitle() == "检查与修复"


def test_clean_demo_data_is_green(qtbot, ctx, qtmodeltester):
    dlg = run_dialog(qtbot, ctx)
    with ctx.db.uow() as uow:
        n = uow.session.scalar(select(func.count(func.distinct(Material.sha256))).where(Material.deleted_at.is_(None)))
    assert dlg.status.text() == f"✔ 检查完成，未发现问题（数据库完好，{n} 个存档文件与登记的 SHA-256 一致）。"
    assert "#1e7b34" in dlg.status.styleSheet()
    shown = rows(dlg)
    assert ("正常", "附件存档", f"{n} 个存档文件都在，大小和 SHA-256 与登记的一致。", "") in shown
    assert ("正常", "数据库", "完整性检查（integrity_check）通过。", "") in shown
    assert ("正常", "程序文件", "统计图表组件 QtCharts 可以加载。", "") in shown
    assert all(r[0] != "问题" for r in shown)
    assert dlg.copy_btn.isEnabled() and dlg.check_btn.isEnabled()
    qtmodeltester.check(dlg.model)


def test_changed_file_is_listed_first_in_red_with_what_to_do(qtbot, ctx):
    name, sha, app_id = live_material(ctx.db)
    path = ctx.db.files_dir / sha[:2] / sha
    os.chmod(path, 0o644)
    path.write_bytes(b"replaced by something else")
    dlg = run_dialog(qtbot, ctx)
    assert dlg.status.text() == "✘ 检查完成，发现 1 个问题，请按每个问题的处理办法处理。"
    assert RED[0] in dlg.status.styleSheet()
    level, area, text, fix = rows(dlg)[0]  # problems first
    assert (level, area) == ("问题", "附件存档")
    assert f"「{name}」" in text and f"申报 {app_id}" in text and "收件后已被改动" in text
    assert fix.startswith("请向申报单位重新索取该文件，在该申报的「材料」中重新收件")
    cell = dlg.model.index(0, 0)
    assert cell.data(Qt.ItemDataRole.BackgroundRole).color().name() == RED[1]
    assert cell.data(Qt.ItemDataRole.ForegroundRole).color().name() == RED[0]
    assert dlg.model.index(0, 3).data(Qt.ItemDataRole.ToolTipRole) == fix


def test_recheck_after_the_file_is_back_is_green(qtbot, ctx):
    name, sha, _ = live_material(ctx.db)
    path = ctx.db.files_dir / sha[:2] / sha
    kept = path.read_bytes()
    path.unlink()
    dlg = run_dialog(qtbot, ctx)
    assert not dlg.report.ok and any("存档文件已丢失" in r[2] and name in r[2] for r in rows(dlg))
    path.write_bytes(kept)
    with qtbot.waitSignal(dlg.start().done, timeout=60000):
        pass
    assert dlg.report.ok and dlg.status.text().startswith("✔ ")


def test_copy_report_puts_the_text_on_the_clipboard(qtbot, ctx):
    dlg = run_dialog(qtbot, ctx)
    dlg.copy_btn.click()
    text = QGuiApplication.clipboard().text()
    assert text.startswith(f"数据文件夹：{ctx.db.data_dir}")
    assert text.endswith(dlg.report.summary())


def test_restore_a_backup_from_the_dialog_brings_the_data_back(qtbot, ctx, monkeypatch):
    from desktop.dialogs.backups import BackupsDialog

    db = ctx.db
    with db.uow() as uow:
        before = uow.session.scalar(select(func.count()).select_from(Enterprise).where(Enterprise.deleted_at.is_(None)))
    db.backup_now()
    with db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE enterprise SET deleted_at = '2026-05-01 00:00:00' WHERE id <= 50")
    dlg = run_dialog(qtbot, ctx)
    assert any(r[2].startswith("有 1 份自动备份，其中 1 份完好可恢复") for r in rows(dlg))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    infos = []
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text: infos.append(text))
    listed = []

    def pick_newest(self):
        listed.append([self.list.item(i).text() for i in range(self.list.count())])
        self.list.setCurrentRow(0)
        self.restore_selected()
        return 0

    monkeypatch.setattr(BackupsDialog, "exec", pick_newest)
    changed = []
    ctx.data_changed.connect(changed.append)
    dlg.backups_btn.click()
    assert len(listed[0]) == 1 and "手动备份" in listed[0][0]
    assert infos and infos[0].startswith("已恢复。")
    assert changed == [{"*"}]
    with db.uow() as uow:
        after = uow.session.scalar(select(func.count()).select_from(Enterprise).where(Enterprise.deleted_at.is_(None)))
    assert after == before


def test_window_colours_every_level_the_checks_know():
    """doctor_ui names the levels without importing models.doctor at start: they must agree."""
    from desktop.doctor_ui import LEVEL_COLOURS, _level_label
    from models.doctor import INFO, LEVEL_LABELS, OK, PROBLEM

    assert set(LEVEL_COLOURS) == {OK, INFO, PROBLEM} == set(LEVEL_LABELS)
    assert [_level_label(x) for x in (OK, INFO, PROBLEM)] == ["正常", "提示", "问题"]


def test_bottom_row_has_its_buttons_left_and_close_right(qtbot, ctx):
    """The doctor's and the backups' bottom rows come from review_ui.close_row: 关闭 last, and it closes."""
    from PySide6.QtWidgets import QAbstractButton

    from desktop.dialogs.backups import BackupsDialog

    dlg = run_dialog(qtbot, ctx)
    backups = BackupsDialog(ctx)
    qtbot.addWidget(backups)
    for d, first in ((dlg, ["重新检查", "备份与恢复…", "复制报告"]), (backups, ["立即备份", "恢复所选备份…"])):
        d.show()
        shown = sorted((b for b in d.findChildren(QAbstractButton) if b.isVisible()),
                       key=lambda b: b.mapTo(d, b.rect().topLeft()).x())
        assert [b.text() for b in shown] == first + ["关闭"]
        shown[-1].click()
        assert not d.isVisible() and d.result() == 0
