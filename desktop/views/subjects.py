"""Placeholder: being written."""
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


class EnterprisesView(QWidget):
    title = "企业"
    tables = ("enterprise",)

    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        QVBoxLayout(self).addWidget(QLabel(self.title))

    def refresh(self):
        pass


class ParksView(EnterprisesView):
    title = "园区"
    tables = ("park",)
