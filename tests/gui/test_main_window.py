"""The main window: every view loads, undo of a delete, backups and restore from the menu."""
from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from desktop.main_window import MainWindow
from models import subjects
from models.entities import Enterprise


def _window(qtbot, db):
    w = MainWindow(db, settings=QSettings(str(db.data_dir / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    return w


def test_every_view_loads_with_demo_data(qtbot, demo_db):
    w = _window(qtbot, demo_db)
    titles = w.load_all_views()
    assert titles[0] == "培育申报看板"
    assert {"企业", "园区", "推荐批次", "操作日志"} <= set(titles)
    assert "重庆市渝北区经济和信息化委员会" in w.status_db.text()


def test_ctrl_z_undoes_last_delete(qtbot, demo_db):
    w = _window(qtbot, demo_db)
    with demo_db.uow() as uow:
        e = uow.session.get(Enterprise, 7)
        name = e.name
        subjects.soft_delete(uow.session, "enterprise", 7)
        uow.commit()
    w.undo_delete()
    with demo_db.uow() as uow:
        assert uow.session.get(Enterprise, 7).deleted_at is None
    assert name in w.statusBar().currentMessage()
    # nothing left to undo
    w.undo_delete()
    assert "没有可以撤销的删除" in w.statusBar().currentMessage()


def test_restore_backup_from_menu_brings_back_old_data(qtbot, db, monkeypatch):
    from desktop.dialogs.backups import BackupsDialog

    with db.uow() as uow:
        uow.session.add(Enterprise(name="备份前企业", credit_code="91500112MA5U7AMQ8X", district_code="500112"))
        uow.commit()
    w = _window(qtbot, db)
    dlg = BackupsDialog(w.ctx, w)
    qtbot.addWidget(dlg)
    dlg.backup_now()
    with db.uow() as uow:
        uow.session.query(Enterprise).delete()
        uow.commit()
    dlg.reload()
    dlg.list.setCurrentRow(0)  # newest: the manual backup
    assert "手动备份" in dlg.list.currentItem().text()
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    infos = []
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text: infos.append(text))
    dlg.restore_selected()
    with db.uow() as uow:
        assert [e.name for e in uow.session.query(Enterprise)] == ["备份前企业"]
    assert infos and "恢复前的数据已备份" in infos[0]
    # the safety backup of the state before the restore is listed
    assert any("恢复前自动备份" in dlg.list.item(i).text() for i in range(dlg.list.count()))


def test_window_remembers_tab(qtbot, db):
    w = _window(qtbot, db)
    w.tabs.setCurrentIndex(2)
    w.close()
    w2 = _window(qtbot, db)
    assert w2.tabs.currentIndex() == 2
