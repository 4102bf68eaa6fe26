"""工具 → 检查与修复…: the checks of ``models.doctor`` in a window.

The checks run in the background (``desktop.tasks.run_operation``, with progress and 取消) over a
read-only connection of their own, so the clerk can keep the window open. The result is one line
(green when all is well, red with the number of problems) and a table of the findings: what was
checked, what was found and what to do. 备份与恢复… opens the existing backups dialog to restore
one of the automatic backups.

``program_findings()`` checks the installed program itself (migrations, resources, the Qt
modules it needs, QtCharts among them); ``greendesk doctor`` prints the same.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QBrush, QColor, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from .review_ui import close_row
from .table_model import Column, RowsModel
from .tasks import Operation, run_operation

if TYPE_CHECKING:
    from models.doctor import DoctorReport, Finding

# models.doctor is imported when the checks run, not when the window builds its menus
GREEN = ("#1e7b34", "#e3f4e7")
RED = ("#c0271d", "#fde6e4")
LEVEL_COLOURS = {"ok": GREEN, "info": ("#1f5fa8", "#e4eefb"), "problem": RED}  # models.doctor OK / INFO / PROBLEM
#: the Qt modules the window needs, with what each is for
QT_MODULES = (("PySide6.QtWidgets", "窗口界面"), ("PySide6.QtCharts", "统计图表"))


def _tr(text: str) -> str:
    return QCoreApplication.translate("DoctorDialog", text)


def program_findings() -> list[Finding]:
    """The installed program: its migrations and resources (``models.doctor``) and the Qt
    modules the window needs. A module that does not load means a damaged installation."""
    import importlib

    from models.doctor import OK, PROBLEM, Finding, install_findings

    out = install_findings()
    for module, purpose in QT_MODULES:
        short = module.split(".")[-1]
        try:
            importlib.import_module(module)
        except ImportError as exc:
            out.append(Finding(PROBLEM, "程序文件", f"{purpose}组件 {short} 无法加载（{exc}）。",
                               "程序安装不完整：请重新安装本程序（数据文件夹不受影响）。"))
        else:
            out.append(Finding(OK, "程序文件", f"{purpose}组件 {short} 可以加载。"))
    return out


def run_checks(data_dir, *, check_files: bool = True, progress=None, should_stop=None) -> DoctorReport:
    """Everything the doctor checks: the program, then the data of ``data_dir``."""
    from models.doctor import examine

    report = examine(data_dir, check_files=check_files, progress=progress, should_stop=should_stop)
    report.findings[:0] = program_findings()
    return report


def _level_label(level: str) -> str:
    from models.doctor import LEVEL_LABELS

    return LEVEL_LABELS[level]


COLUMNS = [
    Column("结果", 1, display=_level_label, width=60),
    Column("项目", 2, width=90),
    Column("情况", 3),
    Column("处理办法", 4),
]


class FindingsModel(RowsModel):
    """The findings, with the result cell coloured by its level."""

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if role in (Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.BackgroundRole) and index.isValid() \
                and index.column() == 0:
            fg, bg = LEVEL_COLOURS[self.row_at(index.row())[1]]
            return QBrush(QColor(fg if role == Qt.ItemDataRole.ForegroundRole else bg))
        if role == Qt.ItemDataRole.ToolTipRole and index.isValid() and index.column() in (2, 3):
            return self.row_at(index.row())[index.column() + 1] or None
        return super().data(index, role)


def finding_rows(report: DoctorReport) -> list[tuple]:
    """(row number, level, area, text, fix): problems first, then notes, then what is fine."""
    order = {"problem": 0, "info": 1, "ok": 2}
    findings = sorted(report.findings, key=lambda f: order[f.level])
    return [(i, f.level, f.area, f.text, f.fix) for i, f in enumerate(findings)]


class DoctorDialog(QDialog):
    """Runs the checks as soon as it opens; 重新检查 runs them again."""

    def __init__(self, ctx, parent: QWidget | None = None, *, start: bool = True) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.report: DoctorReport | None = None
        self.operation: Operation | None = None
        self.setWindowTitle(_tr("检查与修复"))
        self.resize(900, 520)
        intro = QLabel(_tr(
            "检查数据库是否完好（完整性检查、外键检查、数据结构版本），逐个核对存档文件的大小和 SHA-256 "
            "是否与收件时登记的一致，并列出可用于恢复的自动备份。检查只读取数据，不做任何改动。"))
        intro.setWordWrap(True)
        self.status = QLabel(_tr("尚未检查。"))
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.model = FindingsModel(COLUMNS, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)

        self.check_btn = QPushButton(_tr("重新检查"))
        self.check_btn.clicked.connect(self.start)
        self.backups_btn = QPushButton(_tr("备份与恢复…"))
        self.backups_btn.setToolTip(_tr("查看自动备份，把数据库恢复到某个备份（恢复前会先备份当前数据）"))
        self.backups_btn.clicked.connect(self.open_backups)
        self.copy_btn = QPushButton(_tr("复制报告"))
        self.copy_btn.setToolTip(_tr("把检查报告复制到剪贴板，便于发给技术支持"))
        self.copy_btn.clicked.connect(self.copy_report)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)
        layout.addLayout(close_row(self, self.check_btn, self.backups_btn, self.copy_btn))
        self._style(None)
        self._update_buttons()
        if start:
            self.start()

    def start(self) -> Operation:
        data_dir = self.ctx.db.data_dir
        self.report = None
        self.model.set_rows([])
        self.status.setText(_tr("正在检查……"))
        self._style(None)
        self.check_btn.setEnabled(False)

        def work(progress):
            return run_checks(data_dir, progress=progress.report, should_stop=lambda: progress.cancelled)

        op = run_operation(self, _tr("检查与修复"), work)
        op.finished.connect(self._on_done)
        op.failed.connect(self._on_failed)
        op.cancelled.connect(lambda: self.status.setText(_tr("检查已取消。")))
        op.done.connect(self._update_buttons)
        self.operation = op
        return op

    def _on_done(self, report: DoctorReport) -> None:
        self.report = report
        self.model.set_rows(finding_rows(report))
        self.table.resizeRowsToContents()
        if report.ok:
            self.status.setText("✔ " + report.summary())
        else:
            self.status.setText("✘ " + report.summary())
        self._style(report.ok)

    def _on_failed(self, exc: Exception, _tb: str) -> None:
        self.status.setText(_tr("检查未能完成（{kind}：{msg}）。请关闭程序后在命令行运行 greendesk doctor，"
                                "把输出发给技术支持。").format(kind=type(exc).__name__, msg=exc))
        self._style(False)

    def _update_buttons(self) -> None:
        running = self.operation is not None and self.operation.worker.isRunning()
        self.check_btn.setEnabled(not running)
        self.copy_btn.setEnabled(self.report is not None)

    def _style(self, ok: bool | None) -> None:
        if ok is None:
            self.status.setStyleSheet("")
            return
        fg, bg = GREEN if ok else RED
        self.status.setStyleSheet(f"color: {fg}; background: {bg}; padding: 6px; font-weight: bold;")

    def copy_report(self) -> None:
        if self.report is not None:
            QGuiApplication.clipboard().setText(self.report.text())
            self.ctx.status.emit(_tr("检查报告已复制到剪贴板。"))

    def open_backups(self):
        from .dialogs.backups import BackupsDialog

        dlg = BackupsDialog(self.ctx, self)
        dlg.exec()
        return dlg


def open_doctor(window) -> DoctorDialog:
    dlg = DoctorDialog(window.ctx, window)
    dlg.exec()
    return dlg


def install_menus(window) -> None:
    menu = window.menus.get("tools")
    if menu is None:  # the window has no 工具 menu yet: add it (before 帮助)
        menu = window.menus["tools"] = window.menuBar().addMenu(_tr("工具(&T)"))
    window._action(menu, _tr("检查与修复(&D)…"), lambda: open_doctor(window), None,
                   _tr("检查数据库和存档文件是否完好，列出可用的自动备份，并可从备份恢复"))
