"""Shared by the GUI tests of the 导入导出 menu: message boxes answered without blocking, waiting
for a background operation, opening the preview dialog the menu opens, reading a table model,
and the row count of every table (to show that nothing changed)."""
from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from desktop.main_window import MainWindow
from tests.integration.import_helpers import table_counts as counts  # noqa: F401 (re-exported)


@pytest.fixture
def messages(monkeypatch) -> dict[str, list]:
    """Message boxes shown (instead of blocking): their texts by kind. Questions are answered
    with ``messages["answer"][0]`` (Yes unless a test changes it)."""
    seen: dict[str, list] = {"information": [], "warning": [], "critical": [], "question": [],
                             "answer": [QMessageBox.StandardButton.Yes]}
    for kind in ("information", "warning", "critical"):
        monkeypatch.setattr(QMessageBox, kind, lambda _p, _t, text, *a, kind=kind, **k: seen[kind].append(text))

    def question(_p, _t, text, *a, **k):
        seen["question"].append(text)
        return seen["answer"][0]

    monkeypatch.setattr(QMessageBox, "question", question)
    return seen


def main_window(qtbot, db, settings_dir: Path | None = None) -> MainWindow:
    ini = (settings_dir or db.data_dir) / "s.ini"
    w = MainWindow(db, settings=QSettings(str(ini), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    return w


def wait(qtbot, op, timeout: int = 30000) -> None:
    """Until the background operation ``op`` has finished, failed or been cancelled."""
    assert op is not None, "no operation was started"
    with qtbot.waitSignal(op.done, timeout=timeout):
        pass


def open_preview(qtbot, window, path: Path, cls: type):
    """Import ``path`` as the menu does and return the preview dialog (of ``cls``) it opens."""
    before = window.sync.dialog
    window.sync.import_path(path)
    qtbot.waitUntil(lambda: isinstance(window.sync.dialog, cls) and window.sync.dialog is not before,
                    timeout=30000)
    dlg = window.sync.dialog
    qtbot.addWidget(dlg)
    return dlg


def table(model) -> list[list[str]]:
    """Every cell a table model shows, row by row."""
    return [[model.index(r, c).data() for c in range(model.columnCount())] for r in range(model.rowCount())]
