"""The 推荐上报 menu: draft the recommendation letter and export a batch's submission package,
verify a package later, and choose the summary table's columns.

The work is in ``exports`` (Qt-free); the dialogs are in desktop/dialogs (export_wizard,
verify_package, summary_columns).
"""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication


def _tr(text: str) -> str:
    return QCoreApplication.translate("submit", text)


def current_batch_id(window) -> int | None:
    """The batch shown in the 推荐批次 view, if the window has one."""
    for view in getattr(window, "views", ()):
        fn = getattr(view, "current_batch_id", None)
        if callable(fn) and "batch" in getattr(view, "tables", ()):
            return fn()
    return None


def open_export(window):
    from .dialogs.export_wizard import open_export_wizard

    return open_export_wizard(window.ctx, window, batch_id=current_batch_id(window))


def open_verify(window):
    from .dialogs.verify_package import VerifyPackageDialog

    dlg = VerifyPackageDialog(window.ctx, window)
    dlg.exec()
    return dlg


def open_columns(window):
    from .dialogs.summary_columns import SummaryColumnsDialog

    dlg = SummaryColumnsDialog(window.ctx, window)
    dlg.exec()
    return dlg


def install_menus(window) -> None:
    menu = window.menus["submit"]
    window._action(menu, _tr("起草推荐函与导出材料包(&E)…"), lambda: open_export(window), "Ctrl+Shift+E",
                   _tr("检查批次、起草推荐函，导出推荐函、推荐汇总表和各申报材料（文件夹和 zip）"))
    window._action(menu, _tr("核验材料包(&V)…"), lambda: open_verify(window), None,
                   _tr("重新读取材料包，与清单比对，列出缺少、被改动和多出的文件"))
    menu.addSeparator()
    window._action(menu, _tr("汇总表列设置(&C)…"), lambda: open_columns(window), None,
                   _tr("推荐汇总表包含哪些列、顺序和表头文字"))
