"""Start-up as the clerk sees it: the window is shown, and the tab on screen has its data."""
from __future__ import annotations

import re

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QLabel, QMessageBox

from desktop.main_window import MainWindow


def _stage_counts(view) -> dict[str, int]:
    counts = {}
    for label in view.findChildren(QLabel):
        m = re.fullmatch(r"(\S+)（(\d+)）", label.text())
        if m:
            counts[m.group(1)] = int(m.group(2))
    return counts


def test_board_shown_at_start_has_the_demo_applications(qtbot, demo_db, monkeypatch):
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: QMessageBox.StandardButton.Ok)
    settings = QSettings(str(demo_db.data_dir / "s.ini"), QSettings.Format.IniFormat)
    win = MainWindow(demo_db, settings=settings)
    qtbot.addWidget(win)
    win.show()
    win.after_start()  # what run_gui does once the window is on screen
    assert win.tabs.currentIndex() == 0
    counts = _stage_counts(win.views[0])
    assert {"培育", "创建", "已申请", "已认定"} <= set(counts), counts
    assert sum(counts.values()) > 0, f"the board shown at start is empty: {counts}"


def test_run_gui_shows_the_board_read_ahead_then_closes_and_lets_go_of_the_data(qapp, demo_db, monkeypatch, tmp_path):
    """The whole start as ``greendesk`` runs it (the event loop replaced by one look at the window):
    the board shows the demo's applications (read on the second core while the window was built),
    the cycle collector runs again, and after the window closes the data folder is free again."""
    import gc

    import PySide6.QtCore
    from PySide6.QtWidgets import QApplication

    from desktop import app as app_module
    from models.db import Database

    data = demo_db.data_dir
    demo_db.close()
    # the clerk's own settings stay untouched: this run keeps its own
    monkeypatch.setattr(PySide6.QtCore, "QSettings",
                        lambda *_a: QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: QMessageBox.StandardButton.Ok)
    seen = {}

    def look(_app=None):
        win = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible())
        qapp.processEvents()
        seen["gc"] = gc.isenabled()
        seen["counts"] = _stage_counts(win.views[0])
        seen["prefetched"] = win.ctx.prefetch is not None
        win.close()
        return 0

    monkeypatch.setattr(type(qapp), "exec", look)
    assert app_module.run_gui(data) == 0
    assert seen["gc"] and seen["prefetched"]
    assert sum(seen["counts"].values()) > 0, seen["counts"]
    Database.open(data).close()  # not locked any more
