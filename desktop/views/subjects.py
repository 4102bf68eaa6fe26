"""The enterprises and parks tables: search as you type, sort by header, open the editor, delete
with undo.

Rows come from one SQL query (``models.subjects.enterprise_rows`` / ``park_rows``) into a
``RowsModel``, which searches and sorts in bulk; the view talks to it through ``SearchProxy``.
A refresh reads the first screenful (and the count) and shows it; the other rows are read once
the table is on screen, or at once when a search, a sort or scrolling needs them.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Callable, Sequence

from PySide6.QtCore import QByteArray, QEvent, QItemSelectionModel, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from forms import codes
from models import subjects

from ..table_model import Column, RowsModel, SearchProxy

SEARCH_PLACEHOLDER = "搜索名称、信用代码、区县、行业、园区…"
#: rows read at once by a refresh (more than a screen holds); the rest follow when shown
FIRST_ROWS = 100


def _yes_no(value: Any) -> str:
    return "是" if value else "否"


def _stamp(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return "" if value is None else str(value)


def _count(value: Any) -> str:
    return "" if value is None else str(value)


class _SubjectsView(QWidget):
    """What the enterprises and parks views share."""

    title = ""
    tables: tuple[str, ...] = ()
    kind = ""
    noun = ""  # 企业 / 园区
    unit = ""  # 家 / 个

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._generation = 0  # bumped by every refresh()

        self.search = QLineEdit()
        self.search.setObjectName("search")
        self.search.setPlaceholderText(self.tr(SEARCH_PLACEHOLDER))
        self.search.setClearButtonEnabled(True)
        self.search.setToolTip(self.tr("输入即筛选；多个词用空格分开表示同时包含；Esc 清空"))
        self.search.textChanged.connect(self._on_search)
        self.search.installEventFilter(self)  # Esc clears

        self.count_label = QLabel()
        self.count_label.setObjectName("count")
        self.count_label.setMinimumWidth(self.count_label.fontMetrics().horizontalAdvance(
            self.tr(f"共 20000 {self.unit} / 显示 20000 {self.unit}")) + 8)
        self.count_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

        self.new_button = QPushButton(self.tr("新增"))
        self.edit_button = QPushButton(self.tr("编辑"))
        self.delete_button = QPushButton(self.tr("删除"))
        self.new_button.setToolTip(self.tr(f"新增{self.noun}（Ctrl+N）"))
        self.edit_button.setToolTip(self.tr(f"编辑选中的{self.noun}（双击或回车）"))
        self.delete_button.setToolTip(self.tr(f"删除选中的{self.noun}（Delete），可用 编辑→撤销删除 恢复"))
        self.new_button.clicked.connect(self.new_record)
        self.edit_button.clicked.connect(self.edit_selected)
        self.delete_button.clicked.connect(self.delete_selected)

        self.model = RowsModel(self.columns(), self)
        self.proxy = SearchProxy(self.model, self)
        self.table = QTableView()
        self.table.setObjectName("table")
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 10)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionsMovable(True)
        header.setStretchLastSection(True)
        for i, col in enumerate(self.model.columns):
            if col.width:
                header.resizeSection(i, col.width)
        self._restore_header()
        self.table.setSortingEnabled(True)
        self.table.activated.connect(lambda _ix: self.edit_selected())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.table, self.delete_selected,
                  context=Qt.ShortcutContext.WidgetShortcut)

        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(400)
        self._save_timer.timeout.connect(self.save_header)
        header.sectionResized.connect(lambda *_: self._save_timer.start())
        header.sectionMoved.connect(lambda *_: self._save_timer.start())
        header.sortIndicatorChanged.connect(lambda *_: self._save_timer.start())

        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.count_label)
        top.addSpacing(12)
        top.addWidget(self.new_button)
        top.addWidget(self.edit_button)
        top.addWidget(self.delete_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        self._update_count()
        self._update_buttons()

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt API)
        if (obj is self.search and event.type() == QEvent.Type.KeyPress
                and event.key() == Qt.Key.Key_Escape and self.search.text()):
            self.search.clear()
            return True
        return super().eventFilter(obj, event)

    # ------------------------------------------------------------------ what differs per kind
    #: the fields of the row tuples (models.subjects.ENTERPRISE_COLUMNS / PARK_COLUMNS)
    ROW_FIELDS: Sequence[str] = ()
    #: the columns shown: (header, row field, display, width, searchable)
    COLUMNS: Sequence[tuple[str, str, Callable[[Any], str] | None, int, bool]] = ()
    #: row fields shown right-aligned
    NUMERIC: Sequence[str] = ()

    def columns(self) -> list[Column]:
        pos = {name: i for i, name in enumerate(self.ROW_FIELDS)}
        return [
            Column(self.tr(h), pos[key], display=disp, width=w, searchable=searchable,
                   align_right=key in self.NUMERIC)
            for h, key, disp, w, searchable in self.COLUMNS
        ]

    def load_rows(self, source, limit: int | None = None) -> list[tuple]:
        """The table's rows, sorted by name (column 0), from ``db.read()``'s connection (or a
        session); only the first ``limit`` when given."""
        raise NotImplementedError

    # ------------------------------------------------------------------ loading
    def refresh(self) -> None:
        selected = self.selected_id()
        with self.ctx.db.read() as con:
            rows = self.load_rows(con, FIRST_ROWS)
            total = subjects.live_count(con, self.kind) if len(rows) >= FIRST_ROWS else len(rows)
        self.model.set_rows(rows, rest=self._all_rows, total=total, order=(0, Qt.SortOrder.AscendingOrder))
        if self.model.is_partial() and self.isVisible():
            QTimer.singleShot(0, self, self._complete)
        self._generation += 1
        self._update_count()
        if selected is not None:
            self.select_id(selected, scroll=False)
        self._update_buttons()

    def _all_rows(self) -> list[tuple]:
        with self.ctx.db.read() as con:
            return self.load_rows(con)

    def _complete(self) -> None:
        """The rows after the first screenful (the table keeps its place and selection)."""
        if self.model.complete():
            self._update_count()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        if self.model.is_partial():  # the rest once the first screen is painted
            QTimer.singleShot(0, self, self._complete)

    def _on_search(self, text: str) -> None:
        selected = self.selected_id()
        self.proxy.set_search(text)
        self._update_count()
        if selected is not None:
            self.select_id(selected, scroll=True, reveal=False)
        self._update_buttons()

    def _update_count(self) -> None:
        total = self.model.total_count()
        shown = self.model.visible_count()
        self.count_label.setText(self.tr(f"共 {total} {self.unit} / 显示 {shown} {self.unit}"))

    def _update_buttons(self) -> None:
        has = self.selected_id() is not None
        self.edit_button.setEnabled(has)
        self.delete_button.setEnabled(has)

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    # ------------------------------------------------------------------ selection
    def selected_id(self) -> int | None:
        sm = self.table.selectionModel()
        rows = sm.selectedRows() if sm is not None else []
        if not rows:
            return None
        return self.proxy.id_at(rows[0].row())

    def selected_name(self) -> str:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return ""
        return str(self.proxy.index(rows[0].row(), 0).data() or "")

    def select_id(self, record_id: int, *, scroll: bool = True, reveal: bool = True) -> bool:
        """Select the record's row (and scroll to it). Returns False when it is not shown."""
        if not reveal:
            # during search as you type: look only at rows already fetched, no paging in
            row = next((r for r in range(self.model.rowCount()) if self.model.id_at(r) == record_id), None)
        else:
            row = self.proxy.proxy_row_of_id(record_id)
        if row is None:
            self.table.clearSelection()
            return False
        index = self.proxy.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        )
        if scroll:
            self.table.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        return True

    # ------------------------------------------------------------------ editing
    def _open_editor(self, record_id: int | None) -> bool:
        generation = self._generation
        from ..dialogs.record_editor import RecordEditor

        editor = RecordEditor(self.ctx, self.kind, record_id, self)
        ok = bool(editor.exec())
        saved_id = editor.record_id
        editor.deleteLater()
        if ok:
            if self._generation == generation:  # nobody refreshed us (no main window listening)
                self.refresh()
            if saved_id is not None:
                self.select_id(saved_id)
        return ok

    def new_record(self) -> bool:
        return self._open_editor(None)

    def edit_selected(self) -> bool:
        record_id = self.selected_id()
        if record_id is None:
            return False
        return self._open_editor(record_id)

    def show_record(self, table: str, record_id: int) -> bool:
        """Select the record (clearing the search if it hides it), scroll to it, open the editor."""
        if not self.model.total_count():
            self.refresh()
        if not self.select_id(record_id):
            if self.search.text():
                self.search.clear()
            if not self.select_id(record_id):
                self.refresh()
                if not self.select_id(record_id):
                    self.ctx.status.emit(self.tr(f"找不到这条{self.noun}记录，可能已被删除。"))
                    return False
        self._open_editor(record_id)
        return True

    # ------------------------------------------------------------------ deleting
    def _dependants(self, source, record_id: int) -> str:
        """What goes with the record when it is deleted (and comes back with undo)."""
        fk = f"{self.kind}_id"
        apps = _count_live(source, "application", fk, record_id)
        titles = _count_live(source, "title", fk, record_id)
        parts = []
        if apps:
            parts.append(f"{apps}条申报记录")
        if titles:
            parts.append(f"{titles}项称号")
        if not parts:
            return ""
        return "\n其" + "和".join(parts) + "将一并隐藏，撤销删除时一并恢复。"

    def delete_selected(self) -> bool:
        record_id = self.selected_id()
        if record_id is None:
            return False
        name = self.selected_name()
        with self.ctx.db.read() as con:
            extra = self._dependants(con, record_id)
        answer = QMessageBox.question(
            self,
            self.tr(f"删除{self.noun}"),
            self.tr(f"确定删除{self.noun}「{name}」吗？") + extra
            + self.tr("\n\n删除后可用 编辑→撤销删除（Ctrl+Z）恢复。"),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return False
        row = self.table.selectionModel().selectedRows()[0].row()
        generation = self._generation
        try:
            with self.ctx.db.uow() as uow:
                subjects.soft_delete(uow.session, self.kind, record_id)
                uow.commit()
        except ValueError as exc:
            QMessageBox.warning(self, self.tr(f"删除{self.noun}"), str(exc) + self.tr("请刷新列表（F5）后再试。"))
            return False
        self.ctx.changed(self.kind)
        if self._generation == generation:
            self.refresh()
        # keep the clerk's place: select the row that moved up into the gap
        if self.proxy.rowCount():
            self.select_id(self.proxy.id_at(min(row, self.proxy.rowCount() - 1)))
        self.ctx.status.emit(self.tr(f"已删除{self.noun}「{name}」，按 Ctrl+Z 可撤销。"))
        return True

    # ------------------------------------------------------------------ header state
    def _header_key(self) -> str:
        return f"view/{self.kind}/header/v1"

    def _restore_header(self) -> None:
        state = self.ctx.settings.value(self._header_key())
        header = self.table.horizontalHeader()
        if isinstance(state, QByteArray) and not state.isEmpty():
            header.restoreState(state)
        else:
            header.setSortIndicator(0, Qt.SortOrder.AscendingOrder)

    def save_header(self) -> None:
        self.ctx.settings.setValue(self._header_key(), self.table.horizontalHeader().saveState())

    def hideEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if self._save_timer.isActive():
            self._save_timer.stop()
            self.save_header()
        super().hideEvent(event)


def _count_live(source, table: str, fk: str, record_id: int) -> int:
    """How many live rows of ``table`` point at ``record_id`` through ``fk``."""
    from models.db import raw_rows

    return raw_rows(source, f"SELECT COUNT(*) FROM {table} WHERE {fk} = ? AND deleted_at IS NULL", (record_id,))[0][0]


def _district(code: Any) -> str:
    return codes.district_name(code) if code else ""


def _industry(code: Any) -> str:
    return codes.industry_name(code) if code else ""


class EnterprisesView(_SubjectsView):
    title = "企业"
    tables = ("enterprise",)
    kind = "enterprise"
    noun = "企业"
    unit = "家"
    ROW_FIELDS = subjects.ENTERPRISE_COLUMNS
    COLUMNS = (
        # header, row field, display, width, searchable
        ("企业名称", "name", None, 260, True),
        ("统一社会信用代码", "credit_code", None, 170, True),
        ("区县", "district_code", _district, 80, True),
        ("所属行业", "industry_code", _industry, 170, True),
        ("所在园区", "park_name", None, 190, True),
        ("主要产品", "main_products", None, 180, True),
        ("联系人", "contact", None, 70, True),
        ("联系电话", "phone", None, 110, True),
        ("规上", "above_scale", _yes_no, 46, False),
        ("更新时间", "updated_at", _stamp, 130, False),
    )

    def load_rows(self, source, limit: int | None = None) -> list[tuple]:
        return subjects.enterprise_rows(source, limit=limit)


class ParksView(_SubjectsView):
    title = "园区"
    tables = ("park",)
    kind = "park"
    noun = "园区"
    unit = "个"
    ROW_FIELDS = subjects.PARK_COLUMNS
    COLUMNS = (
        ("园区名称", "name", None, 260, True),
        ("园区类型", "park_type", None, 130, True),
        ("批准层级", "approval_level", None, 80, True),
        ("区县", "district_code", _district, 90, True),
        ("管理机构", "managing_body", None, 260, True),
        ("专职人员", "green_staff_count", _count, 80, False),
        ("更新时间", "updated_at", _stamp, 130, False),
    )
    NUMERIC = ("green_staff_count",)

    def load_rows(self, source, limit: int | None = None) -> list[tuple]:
        return subjects.park_rows(source, limit=limit)

    def _dependants(self, source, record_id: int) -> str:
        text = super()._dependants(source, record_id)
        ents = _count_live(source, "enterprise", "park_id", record_id)
        if ents:
            text += f"\n园区内的{ents}家企业仍保留“所在园区”为此园区。"
        return text
