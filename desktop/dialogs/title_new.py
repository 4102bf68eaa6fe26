"""新增称号: a title entered by hand (e.g. one recognised before the program was in use, or a
national title): the unit, the title, the year, the recognising document and its date."""
from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QCompleter,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QRadioButton,
    QSpinBox,
    QWidget,
)

from models.stages import SubjectKind, TitleKind

from ..review_ui import OptionalDateEdit, error_label, ok_cancel
from ..supervision_ui import doc_edit, notes_edit


class NewTitleDialog(QDialog):
    """``subjects``: kind → [(id, shown text)], e.g. 「重庆××有限公司（91500112…）」."""

    def __init__(self, parent: QWidget | None, subjects: dict[SubjectKind, list[tuple[int, str]]], *,
                 preset: tuple[SubjectKind, int] | None = None, year: int | None = None) -> None:
        super().__init__(parent)
        self.subjects = subjects
        self.setWindowTitle(self.tr("新增称号"))
        form = QFormLayout(self)
        self.ent = QRadioButton(self.tr("企业"))
        self.park = QRadioButton(self.tr("园区"))
        group = QButtonGroup(self)
        group.addButton(self.ent)
        group.addButton(self.park)
        row = QHBoxLayout()
        row.addWidget(self.ent)
        row.addWidget(self.park)
        row.addStretch(1)
        form.addRow(self.tr("单位类型"), row)
        self.subject = QComboBox()
        self.subject.setObjectName("subject")
        self.subject.setEditable(True)
        self.subject.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.subject.setMinimumWidth(380)
        self.subject.lineEdit().setPlaceholderText(self.tr("输入名称或信用代码的一部分查找"))
        form.addRow(self.tr("单位"), self.subject)
        self.kind = QComboBox()
        self.kind.setObjectName("kind")
        form.addRow(self.tr("称号"), self.kind)
        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setValue(year or dt.date.today().year)
        self.year.setSuffix(self.tr(" 年"))
        form.addRow(self.tr("认定年度"), self.year)
        self.doc = doc_edit(self.tr("如：渝经信节能〔2024〕35号"))
        form.addRow(self.tr("认定文号"), self.doc)
        self.recognised = OptionalDateEdit()
        form.addRow(self.tr("认定日期"), self.recognised)
        self.notes = notes_edit()
        form.addRow(self.tr("备注"), self.notes)
        self.error = error_label()
        form.addRow(self.error)
        form.addRow(ok_cancel(self))
        self.ent.toggled.connect(lambda _on: self._fill())
        kind = preset[0] if preset else SubjectKind.ENTERPRISE
        (self.park if kind is SubjectKind.PARK else self.ent).setChecked(True)
        self._fill()
        if preset:
            i = self.subject.findData(preset[1])
            if i >= 0:
                self.subject.setCurrentIndex(i)
        self.resize(560, 380)

    def subject_kind(self) -> SubjectKind:
        return SubjectKind.PARK if self.park.isChecked() else SubjectKind.ENTERPRISE

    def _fill(self) -> None:
        sk = self.subject_kind()
        self.subject.clear()
        for sid, text in self.subjects.get(sk, []):
            self.subject.addItem(text, sid)
        self.subject.setCurrentIndex(-1)
        comp = QCompleter(self.subject.model(), self.subject)
        comp.setFilterMode(Qt.MatchFlag.MatchContains)
        comp.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.subject.setCompleter(comp)
        self.kind.clear()
        for k in TitleKind:
            if k.subject is sk:
                self.kind.addItem(k.label, k.value)

    def subject_id(self) -> int | None:
        text = self.subject.currentText().strip()
        i = self.subject.findText(text)
        if i < 0:
            return None
        return self.subject.itemData(i)

    def accept(self) -> None:
        if self.subject_id() is None:
            noun = self.subject_kind().label
            self.error.setText(self.tr("请从列表中选择{0}（须已在“{0}”页登记）。").format(noun))
            return
        super().accept()

    def values(self) -> dict:
        sid = self.subject_id()
        ent = self.subject_kind() is SubjectKind.ENTERPRISE
        return {
            "title_kind": TitleKind(self.kind.currentData()),
            "year": self.year.value(),
            "enterprise_id": sid if ent else None,
            "park_id": None if ent else sid,
            "doc_number": self.doc.text().strip(),
            "recognised_on": self.recognised.value(),
            "notes": self.notes.toPlainText().strip(),
        }
