"""Placeholder: being written."""
from PySide6.QtWidgets import QDialog


class ProfileDialog(QDialog):
    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
