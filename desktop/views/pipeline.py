"""Placeholder: being written."""
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


class PipelineView(QWidget):
    title = "培育申报看板"
    tables = ("application",)

    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        QVBoxLayout(self).addWidget(QLabel("培育申报看板"))

    def refresh(self):
        pass
