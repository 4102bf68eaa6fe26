"""Placeholder: being written."""
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


class AuditView(QWidget):
    title = "操作日志"
    tables = ("",)

    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        QVBoxLayout(self).addWidget(QLabel("操作日志"))

    def refresh(self):
        pass
