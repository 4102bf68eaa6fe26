"""Placeholder: being written."""
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


class BatchesView(QWidget):
    title = "推荐批次"
    tables = ("batch",)

    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        QVBoxLayout(self).addWidget(QLabel("推荐批次"))

    def refresh(self):
        pass
