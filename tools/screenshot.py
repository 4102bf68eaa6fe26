"""Screenshots of every view for the README, rendered offscreen from the demo data.

    python tools/screenshot.py docs/img          # docs/img/pipeline.png, enterprises.png, ...

Opens a fresh demo database in a temporary folder, builds the main window at 1400 x 860 and saves
one PNG per tab, the pipeline board first. Chinese text needs a Chinese font on the machine
(Debian: ``apt-get install fonts-noto-cjk``; check with ``fc-list :lang=zh``).
"""
from __future__ import annotations

import os
import re
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SIZE = (1400, 860)
PREFERRED_FONTS = ("Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei")


def file_name(view) -> str:
    """PipelineView -> pipeline.png, EnterprisesView -> enterprises.png, AuditView -> audit.png."""
    stem = re.sub(r"View$", "", type(view).__name__)
    return re.sub(r"(?<!^)(?=[A-Z])", "_", stem).lower() + ".png"


def settle(app, seconds: float = 0.3) -> None:
    """Let queued work (background loads, timers, repaints) finish."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)


def use_chinese_font(app) -> str | None:
    from PySide6.QtGui import QFont, QFontDatabase

    families = set(QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese))
    for name in PREFERRED_FONTS:
        if name in families:
            font = QFont(name)
            font.setPointSize(10)
            app.setFont(font)
            return name
    return None


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    out = Path(argv[1])
    out.mkdir(parents=True, exist_ok=True)

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QMessageBox

    from desktop.app import make_app, open_database
    from desktop.main_window import MainWindow

    app = make_app()
    font = use_chinese_font(app)
    if font is None:
        print("警告：没有找到中文字体，截图中的中文会显示为方框。Debian：apt-get install fonts-noto-cjk",
              file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="greendesk-shots-") as tmp:
        db = open_database(Path(tmp) / "data", demo=True, user="张敏")
        try:
            settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
            win = MainWindow(db, settings=settings)
            win.resize(*SIZE)
            win.show()
            # what the program does once the window is on screen (as desktop.app.run_gui); the
            # demo data has a complete office profile, and no modal may block a script anyway
            QMessageBox.information = lambda *a, **k: QMessageBox.StandardButton.Ok
            win.edit_profile = lambda: False
            win.after_start()
            settle(app)
            written = []
            for i, view in enumerate(win.views):
                win.tabs.setCurrentIndex(i)
                settle(app)
                while getattr(view, "busy", lambda: False)():  # a view that loads in the background
                    settle(app, 0.05)
                path = out / file_name(view)
                if not win.grab().save(str(path), "PNG"):
                    print(f"错误：无法写入 {path}", file=sys.stderr)
                    return 1
                written.append(path)
                print(f"{path}  （{view.title}）")
            win.close()
            settle(app, 0.1)
        finally:
            db.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
