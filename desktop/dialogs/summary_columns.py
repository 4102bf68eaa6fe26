"""汇总表列设置: which columns the 推荐汇总表 has, in which order, with which header text.

Every column the program can fill is listed (``exports.summary_table.COLUMNS``); the ticked ones
are written, top to bottom = left to right. A header can be renamed by double-clicking it. The
choice is the office's, kept in the database (``save_column_specs``); 恢复默认 goes back to
resources/data/summary_columns.json.
"""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from exports.summary_table import COLUMNS, ColumnSpec, column_specs, default_column_specs, save_column_specs

KEY_ROLE = Qt.ItemDataRole.UserRole + 1


def _tr(text: str) -> str:
    return QCoreApplication.translate("SummaryColumnsDialog", text)


class SummaryColumnsDialog(QDialog):
    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(_tr("汇总表列设置"))
        self.resize(460, 560)
        intro = QLabel(_tr("勾选推荐汇总表要包含的列，用“上移”“下移”调整顺序（从上到下即表格从左到右）。"
                           "双击列名可以修改表头文字。设置保存在本单位的数据库中，以后导出都按此设置。"))
        intro.setWordWrap(True)
        self.list = QListWidget()
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.list.currentRowChanged.connect(lambda _r: self._update_buttons())
        self.list.itemChanged.connect(lambda _i: self._update_count())
        self.up_btn = QPushButton(_tr("上移"))
        self.up_btn.clicked.connect(lambda: self.move(-1))
        self.down_btn = QPushButton(_tr("下移"))
        self.down_btn.clicked.connect(lambda: self.move(1))
        self.default_btn = QPushButton(_tr("恢复默认"))
        self.default_btn.setToolTip(_tr("按程序默认的列和顺序（各地公开的推荐汇总表常用的列）"))
        self.default_btn.clicked.connect(self.restore_default)
        side = QVBoxLayout()
        side.addWidget(self.up_btn)
        side.addWidget(self.down_btn)
        side.addSpacing(16)
        side.addWidget(self.default_btn)
        side.addStretch(1)
        middle = QHBoxLayout()
        middle.addWidget(self.list, 1)
        middle.addLayout(side)
        self.count_label = QLabel()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(middle, 1)
        layout.addWidget(self.count_label)
        layout.addWidget(self.buttons)
        with ctx.db.uow() as uow:
            specs = column_specs(uow.session)
        self.set_specs(specs)

    # ------------------------------------------------------------------ content
    def set_specs(self, specs: list[ColumnSpec]) -> None:
        """Ticked: ``specs`` in their order; then every other column, unticked."""
        self.list.blockSignals(True)
        self.list.clear()
        chosen = {s.key for s in specs}
        for spec, checked in [(s, True) for s in specs] + [(ColumnSpec(k), False) for k in COLUMNS if k not in chosen]:
            item = QListWidgetItem(spec.header)
            item.setData(KEY_ROLE, spec.key)
            item.setToolTip(_tr("默认表头：{label}").format(label=COLUMNS[spec.key].label))
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsUserCheckable
                          | Qt.ItemFlag.ItemIsEditable | Qt.ItemFlag.ItemIsDragEnabled)
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
            self.list.addItem(item)
        self.list.blockSignals(False)
        self.list.setCurrentRow(0)
        self._update_count()
        self._update_buttons()

    def specs(self) -> list[ColumnSpec]:
        """The ticked columns in order; a header equal to the default label is not stored."""
        out = []
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.checkState() != Qt.CheckState.Checked:
                continue
            key = item.data(KEY_ROLE)
            text = item.text().strip()
            out.append(ColumnSpec(key, text if text and text != COLUMNS[key].label else None))
        return out

    def restore_default(self) -> None:
        self.set_specs(default_column_specs())

    def move(self, step: int) -> None:
        row = self.list.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.list.count():
            return
        item = self.list.takeItem(row)
        self.list.insertItem(target, item)
        self.list.setCurrentRow(target)

    def _update_buttons(self) -> None:
        row = self.list.currentRow()
        self.up_btn.setEnabled(row > 0)
        self.down_btn.setEnabled(0 <= row < self.list.count() - 1)

    def _update_count(self) -> None:
        n = len(self.specs())
        self.count_label.setText(_tr("已选 {n} 列（共 {m} 列可选）。").format(n=n, m=len(COLUMNS)))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(n > 0)

    # ------------------------------------------------------------------ saving
    def accept(self) -> None:
        specs = self.specs()
        if not specs:
            QMessageBox.warning(self, self.windowTitle(), _tr("请至少勾选一列。"))
            return
        if "name" not in {s.key for s in specs}:
            answer = QMessageBox.question(
                self, self.windowTitle(), _tr("没有勾选“名称”列，汇总表中将看不出每行是哪个单位。仍然保存吗？"))
            if answer != QMessageBox.StandardButton.Yes:
                return
        with self.ctx.db.uow() as uow:
            save_column_specs(uow.session, specs)
            uow.commit()
        self.ctx.changed("setting")
        super().accept()
