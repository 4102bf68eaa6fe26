"""The year summary in the menus: 导入导出 → 导出年度小结…, and the 年度概览 tab's button.

The files are written by exports.year_summary (Qt-free), in the background; the clerk chooses
the year (from the menu) and the folder (remembered for next time).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

KEY_DIR = "dashboard/export_dir"


def _tr(text: str) -> str:
    return QCoreApplication.translate("dashboard", text)


def save_setting(dialog, write: Callable[[Any], None], what: str) -> bool:
    """Write a setting from a dialog (``write(session)``), commit, tell the views; on failure
    say so and keep the dialog open (False)."""
    try:
        with dialog.ctx.db.uow() as uow:
            write(uow.session)
            uow.commit()
    except Exception as exc:  # the database refused: say what happened and what to do
        QMessageBox.warning(dialog, dialog.windowTitle(), _tr(
            "{w}没有保存：{e}。请重试；如仍失败，请检查数据文件夹是否可写。").format(w=what, e=exc))
        return False
    dialog.ctx.changed("setting")
    dialog.ctx.status.emit(_tr("已保存{w}。").format(w=what))
    return True


def dashboard_view(window):
    from .views.dashboard import DashboardView

    for view in getattr(window, "views", ()):
        if isinstance(view, DashboardView):
            return view
    return None


def export_year_summary(parent, ctx, year: int, *, today: dt.date | None = None):
    """Ask for the folder, write the workbook and the report in the background, say where they
    are. Returns the Operation (None when the clerk cancelled the folder dialog)."""
    from .sync_ui import last_dir, set_last_dir
    from .tasks import run_operation

    folder = QFileDialog.getExistingDirectory(parent, _tr("选择保存{y}年年度小结的文件夹").format(y=year),
                                              last_dir(ctx, KEY_DIR))
    if not folder:
        return None
    set_last_dir(ctx, KEY_DIR, folder)
    db = ctx.db

    def work(_progress):
        from exports.year_summary import write_year_summary

        with db.uow() as uow:
            return write_year_summary(uow.session, year, Path(folder), today=today)

    op = run_operation(parent, _tr("导出年度小结"), work, cancellable=False)

    def done(paths) -> None:
        xlsx, docx = paths
        ctx.status.emit(_tr("已导出{y}年年度小结：{f}").format(y=year, f=docx.parent))
        QMessageBox.information(parent, _tr("导出年度小结"), _tr(
            "已导出{y}年年度小结：\n\n{x}\n{d}\n\n文件夹：{f}").format(y=year, x=xlsx.name, d=docx.name, f=docx.parent))

    def failed(exc, _tb) -> None:
        from exports.year_summary import YearSummaryError

        text = str(exc) if isinstance(exc, YearSummaryError) else _tr(
            "导出没有完成（{e}）。请检查文件夹是否可写后重试。").format(e=exc)
        QMessageBox.warning(parent, _tr("导出年度小结"), text)

    op.finished.connect(done)
    op.failed.connect(failed)
    return op


def export_from_menu(window):
    """导入导出 → 导出年度小结…: which year (the 年度概览's year proposed), then the folder."""
    view = dashboard_view(window)
    default = view.selected_year() if view is not None else dt.date.today().year
    year, ok = QInputDialog.getInt(window, _tr("导出年度小结"), _tr("导出哪一年的年度小结："), default, 2000, 2100)
    if not ok:
        return None
    return export_year_summary(window, window.ctx, year, today=getattr(view, "today", None))


def install_menus(window) -> None:
    menu = window.menus["sync"]
    menu.addSeparator()
    window._action(menu, _tr("导出年度小结(&Y)…"), lambda: export_from_menu(window), None,
                   _tr("导出一年的 Excel 数据表和 Word 年度小结，供单位年度总结使用"))
