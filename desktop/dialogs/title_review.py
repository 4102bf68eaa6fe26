"""复审 (第十六条): schedule a re-review of a title, or record the outcome of the scheduled one.
A failed re-review is a cause of revocation (第十七条（二）); the view offers it afterwards."""
from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QWidget,
)

from models.entities import ReReviewOutcome

from ..review_ui import error_label, ok_cancel
from ..supervision_ui import date_edit, date_of, doc_edit, heading_label, notes_edit


class ScheduleReviewDialog(QDialog):
    def __init__(self, parent: QWidget | None, heading: str, on: dt.date | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("安排复审"))
        form = QFormLayout(self)
        form.addRow(heading_label(heading))
        self.date = date_edit(on or dt.date.today() + dt.timedelta(days=30))
        self.doc = doc_edit(self.tr("复审通知文号（可空）"))
        self.notes = notes_edit(self.tr("如：市经济信息委2026年度抽查复审"))
        form.addRow(self.tr("复审日期"), self.date)
        form.addRow(self.tr("通知文号"), self.doc)
        form.addRow(self.tr("说明"), self.notes)
        note = QLabel(self.tr("安排后称号状态为“复审中”，录入复审结果后恢复“有效”；复审不合格的，"
                              "依第十七条（二）撤销。"))
        note.setWordWrap(True)
        form.addRow(note)
        form.addRow(ok_cancel(self))
        self.resize(500, 280)

    def values(self) -> tuple[dt.date, str, str]:
        return date_of(self.date), self.doc.text().strip(), self.notes.toPlainText().strip()


class ReviewResultDialog(QDialog):
    def __init__(self, parent: QWidget | None, heading: str, scheduled: dt.date) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("录入复审结果"))
        form = QFormLayout(self)
        form.addRow(heading_label(heading))
        form.addRow(self.tr("安排的复审日期"), QLabel(scheduled.isoformat()))
        self.passed = QRadioButton(ReReviewOutcome.PASSED.label)
        self.failed = QRadioButton(ReReviewOutcome.FAILED.label)
        self.group = QButtonGroup(self)
        self.group.addButton(self.passed)
        self.group.addButton(self.failed)
        row = QHBoxLayout()
        row.addWidget(self.passed)
        row.addWidget(self.failed)
        row.addStretch(1)
        form.addRow(self.tr("复审结果"), row)
        self.date = date_edit(min(scheduled, dt.date.today()))
        self.doc = doc_edit(self.tr("复审结果文号（可空）"))
        self.notes = notes_edit()
        form.addRow(self.tr("复审完成日期"), self.date)
        form.addRow(self.tr("文号"), self.doc)
        form.addRow(self.tr("说明"), self.notes)
        self.error = error_label()
        form.addRow(self.error)
        form.addRow(ok_cancel(self))
        self.resize(500, 300)

    def accept(self) -> None:
        if not (self.passed.isChecked() or self.failed.isChecked()):
            self.error.setText(self.tr("请选择复审结果：通过或不通过。"))
            return
        super().accept()

    def values(self) -> tuple[ReReviewOutcome, dt.date, str, str]:
        outcome = ReReviewOutcome.PASSED if self.passed.isChecked() else ReReviewOutcome.FAILED
        return outcome, date_of(self.date), self.doc.text().strip(), self.notes.toPlainText().strip()
