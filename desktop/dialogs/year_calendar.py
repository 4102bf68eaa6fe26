"""编辑日程: the yearly calendar of one year, as that year's notices set it.

Rows of (日期, 事项, 依据) in an editable table model; the date column edits with a date picker.
Saved in the setting ``calendar:{year}`` (models.dashboard.set_year_calendar); 恢复默认 goes back
to the yearly cycle of domain.md (resources/data/year_calendar.json).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

IndexLike = QModelIndex | QPersistentModelIndex

COL_DATE, COL_WHAT, COL_SOURCE = range(3)
HEADERS = ("日期", "事项", "依据")


def parse_date(value: Any) -> dt.date | None:
    """A QDate, a date, or text: 2026-04-15, 2026/4/15, 2026.4.15, 2026年4月15日."""
    if isinstance(value, QDate):
        return value.toPython() if value.isValid() else None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    import re

    m = re.fullmatch(r"\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*", str(value or ""))
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


class CalendarModel(QAbstractTableModel):
    """Editable rows ``[date, what, source]``."""

    def __init__(self, entries=(), parent=None) -> None:
        super().__init__(parent)
        self._rows: list[list[Any]] = [[e.date, e.what, e.source] for e in entries]

    def set_entries(self, entries) -> None:
        self.beginResetModel()
        self._rows = [[e.date, e.what, e.source] for e in entries]
        self.endResetModel()

    def entries(self):
        from models.dashboard import CalendarEntry

        return [CalendarEntry(d, str(w).strip(), str(s).strip()) for d, w, s in self._rows]

    def rowCount(self, parent: IndexLike = QModelIndex()) -> int:  # noqa: N802 (Qt API)
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: IndexLike = QModelIndex()) -> int:  # noqa: N802 (Qt API)
        return 0 if parent.isValid() else len(HEADERS)

    def data(self, index: IndexLike, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        value = self._rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return value.isoformat() if isinstance(value, dt.date) else value
        if role == Qt.ItemDataRole.EditRole:
            if isinstance(value, dt.date):
                return QDate(value.year, value.month, value.day)
            return value
        if role == Qt.ItemDataRole.ToolTipRole and index.column() != COL_DATE:
            return value or None
        return None

    def setData(self, index: IndexLike, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        if index.column() == COL_DATE:
            d = parse_date(value)
            if d is None:
                return False
            value = d
        else:
            value = "" if value is None else str(value)
        self._rows[index.row()][index.column()] = value
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole])
        return True

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 (Qt API)
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return HEADERS[section] if 0 <= section < len(HEADERS) else None
        return str(section + 1)

    def flags(self, index: IndexLike) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable

    def add_row(self, date: dt.date) -> int:
        r = len(self._rows)
        self.beginInsertRows(QModelIndex(), r, r)
        self._rows.append([date, "", ""])
        self.endInsertRows()
        return r

    def remove_row(self, row: int) -> None:
        if 0 <= row < len(self._rows):
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._rows[row]
            self.endRemoveRows()


class YearCalendarDialog(QDialog):
    def __init__(self, ctx, year: int, parent: QWidget | None = None, *, today: dt.date | None = None) -> None:
        super().__init__(parent)
        from models.dashboard import year_calendar

        self.ctx = ctx
        self.year = year
        self.today = today or dt.date.today()
        self._reset_to_default = False
        self.setWindowTitle(self.tr("编辑{y}年工作日程").format(y=year))
        self.resize(960, 440)
        with ctx.db.uow() as uow:
            entries, is_default = year_calendar(uow.session, year)
        self.model = CalendarModel(entries, self)
        # an edit after 恢复默认 makes the rows the year's own again
        for sig in (self.model.dataChanged, self.model.rowsInserted, self.model.rowsRemoved):
            sig.connect(self._edited)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed
                                   | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.table.verticalHeader().setVisible(False)
        self.table.setColumnWidth(COL_DATE, 110)
        self.table.setColumnWidth(COL_WHAT, 440)
        self.table.horizontalHeader().setSectionResizeMode(COL_SOURCE, QHeaderView.ResizeMode.Stretch)

        self.note = QLabel(
            (self.tr("这是默认日程（按年度工作节奏）。") if is_default else self.tr("本年度日程已修改过。"))
            + self.tr("请按当年通知修改日期；双击单元格编辑。"))
        self.note.setWordWrap(True)
        from ..review_ui import error_label

        self.error = error_label()

        add_btn = QPushButton(self.tr("新增"))
        add_btn.clicked.connect(self.add_entry)
        del_btn = QPushButton(self.tr("删除所选"))
        del_btn.clicked.connect(self.delete_selected)
        default_btn = QPushButton(self.tr("恢复默认"))
        default_btn.setToolTip(self.tr("放弃本年度的修改，回到默认日程"))
        default_btn.clicked.connect(self.restore_default)
        row = QHBoxLayout()
        row.addWidget(add_btn)
        row.addWidget(del_btn)
        row.addStretch(1)
        row.addWidget(default_btn)

        from ..review_ui import ok_cancel

        buttons = ok_cancel(self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("保存"))
        lay = QVBoxLayout(self)
        lay.addWidget(self.note)
        lay.addWidget(self.table, 1)
        lay.addLayout(row)
        lay.addWidget(self.error)
        lay.addWidget(buttons)

    def _edited(self, *_args) -> None:
        self._reset_to_default = False

    def add_entry(self) -> int:
        d = self.today if self.today.year == self.year else dt.date(self.year, 1, 1)
        r = self.model.add_row(d)
        idx = self.model.index(r, COL_WHAT)
        self.table.setCurrentIndex(idx)
        self.table.edit(idx)
        return r

    def delete_selected(self) -> None:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()}, reverse=True)
        if not rows and self.table.currentIndex().isValid():
            rows = [self.table.currentIndex().row()]
        for r in rows:
            self.model.remove_row(r)

    def restore_default(self) -> None:
        from models.dashboard import default_calendar

        self.model.set_entries(default_calendar(self.year))
        self._reset_to_default = True
        self.note.setText(self.tr("已恢复默认日程，点“保存”后生效。"))

    def problems(self) -> list[str]:
        out = []
        for i, e in enumerate(self.model.entries(), start=1):
            if not e.what:
                out.append(self.tr("第{i}行（{d}）没有填写事项。").format(i=i, d=e.date.isoformat()))
        return out

    def save(self) -> bool:
        from models.dashboard import set_year_calendar

        from ..dashboard_ui import save_setting

        problems = self.problems()
        if problems:
            self.error.setText("\n".join(problems) + self.tr("\n请填写事项，或删除该行后再保存。"))
            return False
        entries = None if self._reset_to_default else self.model.entries()
        return save_setting(self, lambda s: set_year_calendar(s, self.year, entries),
                            self.tr("{y}年工作日程").format(y=self.year))

    def accept(self) -> None:
        if self.save():
            super().accept()
