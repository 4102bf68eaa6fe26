"""节假日设置: a year's statutory holidays and make-up working days, for a year the bundled
calendar (``chinesecalendar``) does not know yet. Kept in the Setting "holidays:{year}"; due
dates that were counted Monday–Friday are computed again when it is saved."""
from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from models.workdays import YearOverride, calendar_knows, calendar_years, fallback_message, parse_date_list

from ..review_ui import error_label, note_label
from ..supervision_ui import WARN_STYLE


def _lines(dates) -> str:
    return "\n".join(sorted(d.isoformat() for d in dates))


class HolidaysDialog(QDialog):
    def __init__(self, ctx, parent: QWidget | None = None, *, year: int | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("节假日设置"))
        lay = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("年度：")))
        self.year = QSpinBox()
        self.year.setObjectName("year")
        self.year.setRange(2000, 2100)
        self.year.setSuffix(self.tr(" 年"))
        top.addWidget(self.year)
        top.addStretch(1)
        lay.addLayout(top)
        self.state = QLabel()
        self.state.setObjectName("state")
        self.state.setWordWrap(True)
        lay.addWidget(self.state)
        form = QFormLayout()
        self.holidays = QPlainTextEdit()
        self.holidays.setObjectName("holidays")
        self.holidays.setPlaceholderText(self.tr("放假的日期，每行一个或用逗号分隔；连续几天可写成\n"
                                                 "2027-02-06~2027-02-12"))
        self.workdays = QPlainTextEdit()
        self.workdays.setObjectName("workdays")
        self.workdays.setPlaceholderText(self.tr("周末调休上班的日期，如 2027-02-20"))
        self.workdays.setMaximumHeight(90)
        form.addRow(self.tr("放假日期"), self.holidays)
        form.addRow(self.tr("调休上班日期"), self.workdays)
        lay.addLayout(form)
        lay.addWidget(note_label(self.tr("按国务院办公厅当年发布的部分节假日安排通知录入。工作日计算（更名/重组30个"
                                         "工作日上报、公示5个工作日）优先使用这里录入的日期。")))
        self.error = error_label()
        lay.addWidget(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText(self.tr("保存"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        self.clear_button = self.buttons.addButton(self.tr("删除本年设置"), QDialogButtonBox.ButtonRole.DestructiveRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.clear_button.clicked.connect(self.clear_year)
        lay.addWidget(self.buttons)
        self.year.valueChanged.connect(lambda _v: self.load())
        first_unknown = calendar_years()[1] + 1
        self.year.setValue(year or max(first_unknown, dt.date.today().year))
        self.load()
        self.resize(560, 460)

    def load(self) -> None:
        from models.supervision import load_overrides

        y = self.year.value()
        with self.ctx.db.uow() as uow:
            ov = load_overrides(uow.session).get(y)
        self.stored = ov
        self.holidays.setPlainText(_lines(ov.holidays) if ov else "")
        self.workdays.setPlainText(_lines(ov.workdays) if ov else "")
        self.clear_button.setEnabled(ov is not None)
        lo, hi = calendar_years()
        if ov is not None:
            text = self.tr("{0}年已录入放假 {1} 天、调休上班 {2} 天。").format(y, len(ov.holidays), len(ov.workdays))
            style = ""
        elif calendar_knows(y):
            text = self.tr("程序自带的日历已收录{0}年的放假安排（收录 {1}–{2} 年），一般无需录入；"
                           "录入的日期优先于自带日历。").format(y, lo, hi)
            style = ""
        else:
            text = fallback_message([y])
            style = WARN_STYLE
        self.state.setText(text)
        self.state.setStyleSheet(style)
        self.error.clear()

    def parsed(self) -> YearOverride | None:
        y = self.year.value()
        hol, bad1 = parse_date_list(self.holidays.toPlainText(), y)
        work, bad2 = parse_date_list(self.workdays.toPlainText(), y)
        bad = bad1 + bad2
        if bad:
            self.error.setText(self.tr("以下内容不是{0}年的日期，请改正：{1}").format(y, "、".join(bad)))
            return None
        if hol & work:
            both = sorted(hol & work)[0]
            self.error.setText(self.tr("{0} 同时出现在放假日期和调休上班日期中，请只保留一处。").format(both.isoformat()))
            return None
        return YearOverride(hol, work)

    def _save(self, override: YearOverride | None) -> int | None:
        from models.supervision import SupervisionError, save_override

        with self.ctx.db.uow() as uow:
            try:
                n = save_override(uow.session, self.year.value(), override)
            except SupervisionError as exc:
                self.error.setText(str(exc))
                return None
            uow.commit()
        self.ctx.changed("setting", "title_change")
        return n

    def accept(self) -> None:
        ov = self.parsed()
        if ov is None:
            return
        if not ov.holidays and not ov.workdays:
            self.error.setText(self.tr("没有录入任何日期。要删除本年设置，请点“删除本年设置”。"))
            return
        n = self._save(ov)
        if n is None:
            return
        y = self.year.value()
        text = self.tr("已保存{0}年节假日：放假 {1} 天，调休上班 {2} 天。").format(y, len(ov.holidays), len(ov.workdays))
        if n:
            text += self.tr("\n已按新日历重新计算 {0} 项更名/重组的上报截止日期。").format(n)
        QMessageBox.information(self, self.tr("节假日设置"), text)
        super().accept()

    def clear_year(self) -> None:
        y = self.year.value()
        answer = QMessageBox.question(self, self.tr("删除本年设置"),
                                      self.tr("删除录入的{0}年节假日？之后按程序自带日历或周一至周五计算。").format(y))
        if answer != QMessageBox.StandardButton.Yes:
            return
        if self._save(None) is not None:
            self.load()
