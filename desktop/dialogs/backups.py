"""Backups: the automatic backups (at start, before imports), a manual one, and restoring."""
from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from models.backup import list_backups
from models.db import DatabaseError

from ..review_ui import close_row


class BackupsDialog(QDialog):
    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("备份与恢复")
        self.resize(620, 420)
        self.list = QListWidget()
        self.list.itemSelectionChanged.connect(self._update_buttons)
        info = QLabel(
            "程序每次启动和每次导入前都会自动备份数据库（各保留最近10份）。\n"
            "恢复某个备份前，程序会先把当前数据再备份一次，因此恢复操作本身也可以撤回。"
        )
        info.setWordWrap(True)
        self.backup_btn = QPushButton("立即备份")
        self.backup_btn.clicked.connect(self.backup_now)
        self.restore_btn = QPushButton("恢复所选备份…")
        self.restore_btn.clicked.connect(self.restore_selected)
        layout = QVBoxLayout(self)
        layout.addWidget(info)
        layout.addWidget(self.list)
        layout.addLayout(close_row(self, self.backup_btn, self.restore_btn))
        self.reload()

    def reload(self) -> None:
        self.list.clear()
        for b in list_backups(self.ctx.db.backups_dir):
            item = QListWidgetItem(b.label)
            item.setData(256, str(b.path))
            self.list.addItem(item)
        if self.list.count() == 0:
            self.list.addItem("（还没有备份）")
        self._update_buttons()

    def _update_buttons(self) -> None:
        item = self.list.currentItem()
        self.restore_btn.setEnabled(item is not None and item.data(256) is not None)

    def backup_now(self) -> None:
        path = self.ctx.db.backup_now()
        self.ctx.status.emit(f"已备份到 {path}")
        self.reload()

    def restore_selected(self) -> None:
        from pathlib import Path

        item = self.list.currentItem()
        if item is None or item.data(256) is None:
            return
        answer = QMessageBox.question(
            self, "恢复备份",
            f"把数据库恢复到以下备份？\n\n{item.text()}\n\n此后的改动将被撤回（恢复前会自动再备份一次当前数据）。",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            safety = self.ctx.db.restore(Path(item.data(256)))
        except (ValueError, DatabaseError, OSError) as exc:
            QMessageBox.warning(self, "恢复备份", f"未能恢复：{exc}")
            return
        self.ctx.changed("*")
        QMessageBox.information(self, "恢复备份", f"已恢复。恢复前的数据已备份为：\n{safety.name}")
        self.reload()
