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
