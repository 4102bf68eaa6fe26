"""撤销称号: one of the seven causes of 第十七条 (in the article's words), the date and the
document; the 3-year ban of 第十八条 is computed and shown while the date is chosen."""
from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from models.supervision import CAUSES, ban_end

from ..review_ui import error_label, note_label, ok_cancel
from ..supervision_ui import ARTICLE_17, ARTICLE_18, date_edit, date_of, doc_edit, heading_label, notes_edit


class RevokeDialog(QDialog):
    def __init__(self, parent: QWidget | None, heading: str, *, cause: str | None = None,
                 on: dt.date | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("撤销称号"))
        lay = QVBoxLayout(self)
        lay.addWidget(heading_label(heading))
        lay.addWidget(note_label(self.tr(ARTICLE_17)))
        form = QFormLayout()
        self.cause = QComboBox()
        self.cause.setObjectName("cause")
        self.cause.setPlaceholderText(self.tr("请选择第十七条规定的情形"))
        for c in CAUSES:
            self.cause.addItem(c.label, c.code)
        self.cause.setCurrentIndex(self.cause.findData(cause) if cause else -1)
        self.date = date_edit(on)
        self.doc = doc_edit(self.tr("如：渝经信节能〔2026〕8号"))
        self.notes = notes_edit(self.tr("事实和依据，如：2026年3月被列入严重失信主体名单"))
        form.addRow(self.tr("撤销情形"), self.cause)
        form.addRow(self.tr("撤销日期"), self.date)
        form.addRow(self.tr("撤销文件文号"), self.doc)
        form.addRow(self.tr("说明"), self.notes)
        lay.addLayout(form)
        self.ban = QLabel()
        self.ban.setObjectName("ban")
        self.ban.setWordWrap(True)
        lay.addWidget(self.ban)
        self.error = error_label()
        lay.addWidget(self.error)
        lay.addWidget(ok_cancel(self))
        self.date.dateChanged.connect(lambda _d: self._update())
        self._update()
        self.resize(620, 400)

    def _update(self) -> None:
        until = ban_end(date_of(self.date))
        self.ban.setText(self.tr("{0}\n按撤销日期计算：{1}前不得重新申报；此前的申报初审第十八条检查判为不符合。").format(
            ARTICLE_18, until.isoformat()))

    def accept(self) -> None:
        if self.cause.currentIndex() < 0:
            self.error.setText(self.tr("请选择撤销情形（第十七条（一）至（七））。"))
            return
        super().accept()

    def values(self) -> tuple[str, dt.date, str, str]:
        """(cause code, date, document number, notes)"""
        return (self.cause.currentData(), date_of(self.date), self.doc.text().strip(),
                self.notes.toPlainText().strip())
