"""更名/重组 (第十九条): the date the formalities were completed, and the due date of the report 30
working days later (China's holidays and make-up working days; a year the calendar does not know
is counted Monday–Friday and said so). A renaming can rename the unit in the database at once.
Also 登记上报: the date an open renaming or restructuring was reported."""
from __future__ import annotations

import datetime as dt
from typing import Mapping

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from models.entities import ChangeKind
from models.supervision import CHANGE_WORKDAYS
from models.workdays import YearOverride, add_workdays, fallback_message

from ..review_ui import OptionalDateEdit, error_label, note_label, ok_cancel
from ..supervision_ui import ARTICLE_19, date_edit, date_of, doc_edit, heading_label, notes_edit, warning_label


class ChangeDialog(QDialog):
    def __init__(self, parent: QWidget | None, name: str, overrides: Mapping[int, YearOverride],
                 *, kind: ChangeKind = ChangeKind.RENAME, completed: dt.date | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.overrides = dict(overrides)
        self.setWindowTitle(self.tr("更名/重组"))
        lay = QVBoxLayout(self)
        lay.addWidget(heading_label(self.tr("单位：{0}").format(name)))
        lay.addWidget(note_label(self.tr(ARTICLE_19)))
        form = QFormLayout()
        self.kind = QComboBox()
        self.kind.setObjectName("kind")
        for k in ChangeKind:
            self.kind.addItem(k.label, k.value)
        self.kind.setCurrentIndex(self.kind.findData(kind.value))
        self.completed = date_edit(completed)
        self.completed.setObjectName("completed")
        self.due = QLabel()
        self.due.setObjectName("due")
        self.new_name = QLineEdit()
        self.new_name.setObjectName("new_name")
        self.new_name.setMaxLength(120)
        self.new_name.setPlaceholderText(self.tr("与新营业执照一致的全称"))
        self.apply_name = QCheckBox(self.tr("同时把库中的单位名称改为新名称（记入操作日志）"))
        self.apply_name.setChecked(True)
        self.reported = OptionalDateEdit()
        self.reported.setToolTip(self.tr("已上报市经济信息委的日期；尚未上报则留空"))
        self.doc = doc_edit(self.tr("上报文件文号（可空）"))
        self.notes = notes_edit()
        form.addRow(self.tr("类型"), self.kind)
        form.addRow(self.tr("手续办结日期"), self.completed)
        form.addRow(self.tr("上报截止"), self.due)
        form.addRow(self.tr("新名称"), self.new_name)
        form.addRow("", self.apply_name)
        form.addRow(self.tr("已上报日期"), self.reported)
        form.addRow(self.tr("文号"), self.doc)
        form.addRow(self.tr("说明"), self.notes)
        lay.addLayout(form)
        self.fallback = warning_label()
        self.fallback.setObjectName("fallback")
        lay.addWidget(self.fallback)
        self.error = error_label()
        lay.addWidget(self.error)
        lay.addWidget(ok_cancel(self))
        self.kind.currentIndexChanged.connect(lambda _i: self._update())
        self.completed.dateChanged.connect(lambda _d: self._update())
        self._update()
        self.resize(600, 460)

    def change_kind(self) -> ChangeKind:
        return ChangeKind(self.kind.currentData())

    def _update(self) -> None:
        res = add_workdays(date_of(self.completed), CHANGE_WORKDAYS, self.overrides)
        self.due_date = res.date
        self.due.setText(self.tr("{0}（{1}个工作日）").format(res.date.isoformat(), CHANGE_WORKDAYS))
        self.fallback.setText(fallback_message(res.fallback_years))
        self.fallback.setVisible(res.is_fallback)
        rename = self.change_kind() is ChangeKind.RENAME
        self.new_name.setEnabled(rename)
        self.apply_name.setEnabled(rename)

    def accept(self) -> None:
        new = self.new_name.text().strip()
        if self.change_kind() is ChangeKind.RENAME:
            if not new:
                self.error.setText(self.tr("更名须填写新名称。"))
                return
            if new == self.name:
                self.error.setText(self.tr("新名称与现名称相同，请核对。"))
                return
        rep = self.reported.value()
        if rep is not None and rep < date_of(self.completed):
            self.error.setText(self.tr("已上报日期早于手续办结日期，请核对。"))
            return
        super().accept()

    def values(self) -> dict:
        rename = self.change_kind() is ChangeKind.RENAME
        return {
            "kind": self.change_kind(),
            "completed_on": date_of(self.completed),
            "new_name": self.new_name.text().strip() if rename else "",
            "apply_name": rename and self.apply_name.isChecked(),
            "reported_on": self.reported.value(),
            "doc": self.doc.text().strip(),
            "notes": self.notes.toPlainText().strip(),
        }


class ReportedDialog(QDialog):
    """登记上报: which open renaming/restructuring of the unit, the date it was reported, the document."""

    def __init__(self, parent: QWidget | None, name: str, changes: list[tuple[int, str]],
                 today: dt.date | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("登记更名/重组已上报"))
        form = QFormLayout(self)
        form.addRow(QLabel(self.tr("单位：{0}").format(name)))
        self.change = QComboBox()
        for cid, text in changes:
            self.change.addItem(text, cid)
        self.date = date_edit(today)
        self.doc = doc_edit(self.tr("如：渝北经信发〔2026〕40号"))
        form.addRow(self.tr("事项"), self.change)
        form.addRow(self.tr("上报日期"), self.date)
        form.addRow(self.tr("上报文号"), self.doc)
        self.error = error_label()
        form.addRow(self.error)
        form.addRow(ok_cancel(self))
        self.resize(520, 200)

    def values(self) -> tuple[int, dt.date, str]:
        return self.change.currentData(), date_of(self.date), self.doc.text().strip()
