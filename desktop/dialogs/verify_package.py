"""核验材料包: re-read a package (folder or .zip) and compare every file with its manifest.

The reading runs in the background (a package is hundreds of megabytes); the result is one line
in green when the package is intact, else in red with the files missing, changed and added in a
table.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from exports.package import PackageError, VerifyReport, verify_package

from ..table_model import Column, RowsModel, SearchProxy
from ..tasks import Operation, run_operation

KEY_DIR = "submit/verify_dir"
GREEN = ("#1e7b34", "#e3f4e7")
RED = ("#c0271d", "#fde6e4")

#: difference kind → what the clerk reads
KIND_LABELS = {"missing": "缺少", "changed": "被改动", "added": "多出"}
KIND_HELP = {
    "missing": "清单中有、材料包中没有的文件",
    "changed": "内容与清单中的校验值不一致",
    "added": "清单中没有的文件",
}


def _tr(text: str) -> str:
    return QCoreApplication.translate("VerifyPackageDialog", text)


COLUMNS = [
    Column("情况", 1, display=lambda k: _tr(KIND_LABELS.get(k, k)), width=80),
    Column("文件（材料包内的路径）", 2),
]


def report_rows(report: VerifyReport) -> list[tuple[int, str, str]]:
    """(row number, kind, path) for every difference: missing, changed, then added."""
    rows = [(k, p) for k in ("missing", "changed", "added") for p in getattr(report, k)]
    return [(i, k, p) for i, (k, p) in enumerate(rows)]


class VerifyPackageDialog(QDialog):
    """Choose a package, verify it, show what differs. ``path`` given: verified at once."""

    def __init__(self, ctx, parent: QWidget | None = None, *, path: Path | str | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.report: VerifyReport | None = None
        self.error: str = ""
        self.operation: Operation | None = None
        self.setWindowTitle(_tr("核验材料包"))
        self.resize(760, 480)

        intro = QLabel(_tr("选择导出的材料包文件夹或 zip 文件。程序会重新读取其中每个文件，与清单（manifest.json）"
                           "中的大小和 SHA-256 校验值逐一比对，列出缺少、被改动和多出的文件。"))
        intro.setWordWrap(True)
        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText(_tr("材料包文件夹或 .zip 文件的路径"))
        self.path_edit.returnPressed.connect(self.start)
        folder_btn = QPushButton(_tr("选择文件夹…"))
        folder_btn.clicked.connect(self.choose_folder)
        zip_btn = QPushButton(_tr("选择 zip 文件…"))
        zip_btn.clicked.connect(self.choose_zip)
        self.verify_btn = QPushButton(_tr("核验"))
        self.verify_btn.setDefault(True)
        self.verify_btn.clicked.connect(self.start)
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(folder_btn)
        row.addWidget(zip_btn)
        row.addWidget(self.verify_btn)

        self.status = QLabel(_tr("尚未核验。"))
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status.setMinimumHeight(40)
        self.status.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.model = RowsModel(COLUMNS)
        self.proxy = SearchProxy(self.model, self)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        self.table.setSortingEnabled(True)
        self.table.setColumnWidth(0, 80)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)
        layout.addStretch(0)
        layout.addWidget(buttons)
        self._style(None)
        if path is not None:
            self.path_edit.setText(str(path))
            self.start()

    # ------------------------------------------------------------------ choosing
    def _start_dir(self) -> str:
        current = self.path_edit.text().strip()
        if current:
            return str(Path(current).parent)
        return str(self.ctx.settings.value(KEY_DIR, "") or Path.home())

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, _tr("选择材料包文件夹"), self._start_dir())
        if folder:
            self.path_edit.setText(folder)
            self.start()

    def choose_zip(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, _tr("选择材料包 zip 文件"), self._start_dir(),
                                              _tr("zip 压缩包 (*.zip);;所有文件 (*)"))
        if path:
            self.path_edit.setText(path)
            self.start()

    # ------------------------------------------------------------------ verifying
    def start(self) -> Operation | None:
        text = self.path_edit.text().strip()
        if not text:
            self._show_error(_tr("请先选择材料包文件夹或 zip 文件。"))
            return None
        path = Path(text)
        self.ctx.settings.setValue(KEY_DIR, str(path.parent))
        self.report = None
        self.model.set_rows([])
        self.table.show()
        self.status.setText(_tr("正在核验 {p} ……").format(p=path))
        self._style(None)
        self.verify_btn.setEnabled(False)

        def work(progress):
            progress.report(0, 0, _tr("正在重新读取材料包中的每个文件……"))
            return verify_package(path)

        op = run_operation(self, _tr("核验材料包"), work, cancellable=False)
        op.finished.connect(self._on_done)
        op.failed.connect(self._on_failed)
        op.done.connect(lambda: self.verify_btn.setEnabled(True))
        self.operation = op
        return op

    def _on_done(self, report: VerifyReport) -> None:
        self.report = report
        self.error = ""
        self.model.set_rows(report_rows(report))
        if report.ok:
            self.status.setText("✔ " + report.lines()[0])
            self._style(True)
        else:
            counts = "，".join(
                _tr("{kind} {n} 个").format(kind=_tr(KIND_LABELS[k]), n=len(getattr(report, k)))
                for k in ("missing", "changed", "added") if getattr(report, k))
            self.status.setText(_tr(
                "✘ 材料包“{name}”与清单不一致：{counts}文件。材料包已不是导出时的样子，"
                "请重新导出材料包，或向报送人重新索取。").format(name=report.name, counts=counts))
            self._style(False)
        self.table.setVisible(not report.ok)

    def _on_failed(self, exc: Exception, _tb: str) -> None:
        if isinstance(exc, PackageError):
            self._show_error(str(exc))
        else:
            self._show_error(_tr("无法读取 {p}（{kind}：{msg}）。请确认路径正确、文件没有被其他程序占用。").format(
                p=self.path_edit.text().strip(), kind=type(exc).__name__, msg=exc))

    def _show_error(self, text: str) -> None:
        self.error = text
        self.report = None
        self.model.set_rows([])
        self.status.setText(text)
        self._style(False)
        self.table.hide()

    def _style(self, ok: bool | None) -> None:
        if ok is None:
            self.status.setStyleSheet("padding: 8px; font-size: 14px;")
            return
        fg, bg = GREEN if ok else RED
        self.status.setStyleSheet(
            f"padding: 8px; font-size: 14px; font-weight: bold; color: {fg}; background: {bg}; border-radius: 4px;")

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if self.operation is not None:
            self.operation.wait()
        super().closeEvent(event)

    def reject(self) -> None:
        if self.operation is not None:
            self.operation.wait()
        super().reject()
