"""本周待办: at start, what is overdue or due within 7 days, in a small window that does not block.

``schedule_due_week(window)`` is called once by desktop.app.run_gui after the main window is on
screen (never in --self-test or in tests): a moment later the items are computed off the GUI
thread (models.dashboard.due_this_week), and the window opens only when there is something to
show and the clerk did not tick 不再提示（本周） this week (QSettings ``due_week/dismissed`` =
the ISO week, e.g. 2026-W23). A double-click on an item opens its record.
"""
from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QCheckBox, QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget
from shiboken6 import isValid

from ..table_model import RowsModel

SETTINGS_KEY = "due_week/dismissed"
DAYS = 7


def week_key(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def dismissed(ctx, day: dt.date) -> bool:
    return str(ctx.settings.value(SETTINGS_KEY, "") or "") == week_key(day)


class DueWeekDialog(QDialog):
    def __init__(self, ctx, items, today: dt.date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from ..views.dashboard import AGENDA_COLUMNS, R_RECORD, R_TABLE, agenda_rows, make_table

        self.ctx = ctx
        self.today = today
        self.items = list(items)
        self._cols = (R_TABLE, R_RECORD)
        self.setWindowTitle(self.tr("本周待办"))
        self.setModal(False)
        self.setWindowModality(Qt.WindowModality.NonModal)
        self.resize(1000, 400)
        overdue = sum(1 for i in self.items if i.overdue)
        soon = len(self.items) - overdue
        self.summary = QLabel(self.tr("截至{d}：已逾期 {o} 项，{n} 天内到期 {s} 项。双击一行可打开对应的记录。").format(
            d=f"{today.year}年{today.month}月{today.day}日", o=overdue, n=DAYS, s=soon))
        self.summary.setWordWrap(True)
        self.model = RowsModel(AGENDA_COLUMNS)
        self.model.set_rows(agenda_rows(self.items, today))
        self.table, self.proxy = make_table(self.model, self)
        self.table.doubleClicked.connect(lambda index: self.open_row(index.row()))
        self.dont_remind = QCheckBox(self.tr("不再提示（本周）"))
        self.dashboard_btn = QPushButton(self.tr("打开年度概览"))
        self.dashboard_btn.clicked.connect(self.open_dashboard)
        close_btn = QPushButton(self.tr("关闭"))
        close_btn.setDefault(True)
        close_btn.clicked.connect(self.close)
        bottom = QHBoxLayout()
        bottom.addWidget(self.dont_remind)
        bottom.addStretch(1)
        bottom.addWidget(self.dashboard_btn)
        bottom.addWidget(close_btn)
        lay = QVBoxLayout(self)
        lay.addWidget(self.summary)
        lay.addWidget(self.table, 1)
        lay.addLayout(bottom)

    def open_row(self, proxy_row: int) -> bool:
        row = self.model.rows()[self.proxy.id_at(proxy_row)]
        table, record_id = row[self._cols[0]], row[self._cols[1]]
        if table is None or record_id is None:
            return False
        self.ctx.open_record.emit(table, int(record_id))
        return True

    def open_dashboard(self) -> None:
        from ..views.dashboard import DashboardView

        win = self.parent()
        for i, view in enumerate(getattr(win, "views", ())):
            if isinstance(view, DashboardView):
                win.tabs.setCurrentIndex(i)
                break
        self.close()

    def done(self, result: int) -> None:  # close(), Esc and the buttons all end here
        if self.dont_remind.isChecked():
            self.ctx.settings.setValue(SETTINGS_KEY, week_key(self.today))
        super().done(result)


def show_due_week(window, items, today: dt.date) -> DueWeekDialog | None:
    """Open the window (not modal) when there is anything to show."""
    if not items or not isValid(window) or dismissed(window.ctx, today):
        return None
    dlg = DueWeekDialog(window.ctx, items, today, window)
    dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
    window._due_week = dlg  # keep it alive while it is open
    dlg.show()
    return dlg


def start_due_week(window, today: dt.date | None = None):
    """Compute the week's items off the GUI thread, then show them. Returns the Operation (None
    when the clerk dismissed this week)."""
    from ..tasks import background

    today = today or dt.date.today()
    if dismissed(window.ctx, today):
        return None
    db = window.ctx.db

    def work(_progress):
        from models.dashboard import due_this_week

        with db.uow() as uow:
            return due_this_week(uow.session, today)

    op = background(work)
    op.finished.connect(lambda items: show_due_week(window, items, today))
    # a failure here must not disturb the start: the 年度概览 tab shows the same lists
    op.failed.connect(lambda exc, _tb: window.ctx.status.emit(f"本周待办没有统计出来（{exc}），可在“年度概览”中查看。"))
    window._due_week_op = op
    op.start()
    return op


def schedule_due_week(window, delay_ms: int = 1500) -> None:
    """After the window is on screen: a moment later, the 本周待办 check (off the start path)."""
    QTimer.singleShot(delay_ms, window, lambda: start_due_week(window))
