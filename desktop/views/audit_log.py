"""The audit log: who changed what and when, with before and after, filterable; a deleted record
can be brought back from here."""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)
from forms.fields import ENTERPRISE, PARK
from forms.office import PROFILE
from models import subjects
from models.db import raw_rows
from models.labels import ACTION_LABELS, TABLE_LABELS
from models.stages import STAGE_LABELS, TITLES, Stage, TitleKind

from ..table_model import Column, RowsModel, SearchProxy

LIMIT = 5000
_STORED_TIME = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy keeps a datetime in SQLite

FIELD_LABELS: dict[str, str] = {}
for _schema in (ENTERPRISE, PARK, PROFILE):
    for _f in _schema.fields:
        FIELD_LABELS.setdefault(_f.key, _f.label)
FIELD_LABELS.update({
    "year": "年度", "title_kind": "称号", "subject_kind": "主体类型", "enterprise_id": "企业编号",
    "park_id": "园区编号", "stage": "环节", "stage_changed_at": "环节变更时间", "batch_id": "推荐批次",
    "review_outcome": "初审结论", "carried_from_id": "结转自", "deleted_at": "删除时间", "uid": "唯一标识",
    "id": "编号", "doc_number": "认定文号", "recognised_on": "认定日期", "state": "状态", "source": "来源",
    "application_id": "申报编号", "revoked_on": "撤销日期", "revocation_cause": "撤销情形",
    "revocation_doc": "撤销文号", "district_name": "区县名称", "name": "名称",
    "review_opinion": "初审意见", "kind": "类别", "title_id": "称号编号", "completed_on": "手续办结日期",
    "due_on": "应上报日期", "due_fallback": "按周一至周五计算", "old_name": "原名称", "new_name": "新名称",
    "reported_on": "上报日期", "doc": "文号", "notes": "备注", "scheduled_on": "复审安排日期",
    "held_on": "复审日期", "outcome": "复审结论",
})


def value_text(key: str, value: Any) -> str:
    if value is None or value == "":
        return "（空）"
    if key in ("stage",):
        try:
            return STAGE_LABELS[Stage(value)]
        except ValueError:
            return str(value)
    if key == "title_kind":
        try:
            return TITLES[TitleKind(value)].label
        except ValueError:
            return str(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def describe_change(before: dict | None, after: dict | None, *, limit: int | None = 3) -> str:
    before = before or {}
    after = after or {}
    if not before:
        return "新建记录"
    if not after:
        return "删除记录"
    parts = []
    for k in after:
        if k in ("deleted_at",):
            continue
        parts.append(f"{FIELD_LABELS.get(k, k)}：{value_text(k, before.get(k))} → {value_text(k, after.get(k))}")
    if limit is not None and len(parts) > limit:
        parts = parts[:limit] + [f"等{len(parts)}项"]
    return "；".join(parts) or ("删除记录" if after.get("deleted_at") else "恢复记录")


class AuditView(QWidget):
    title = "操作日志"
    tables = ("audit_entry",)

    COLUMNS = [
        Column("时间", 1, display=lambda v: v.strftime("%Y-%m-%d %H:%M:%S") if v else "", width=150),
        Column("操作人", 2, width=80),
        Column("操作", 3, display=lambda v: ACTION_LABELS.get(v, v), width=70),
        Column("对象", 4, display=lambda v: TABLE_LABELS.get(v, v), width=70),
        Column("摘要", 5, width=280),
        Column("变更内容", 6),
    ]

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._entries: dict[int, tuple[dict | None, dict | None, str, int | None, str]] = {}

        self.table_filter = QComboBox()
        self.table_filter.addItem("全部对象", "")
        for key in ("enterprise", "park", "application", "batch", "title", "office_profile"):
            self.table_filter.addItem(TABLE_LABELS[key], key)
        self.action_filter = QComboBox()
        self.action_filter.addItem("全部操作", "")
        for key, label in ACTION_LABELS.items():
            self.action_filter.addItem(label, key)
        self.user_filter = QComboBox()
        self.user_filter.addItem("全部操作人", "")
        self.date_from = QDateEdit(QDate.currentDate().addYears(-1))
        self.date_to = QDateEdit(QDate.currentDate())
        for d in (self.date_from, self.date_to):
            d.setCalendarPopup(True)
            d.setDisplayFormat("yyyy-MM-dd")
        self.search = QLineEdit()
        self.search.setPlaceholderText("搜索摘要或变更内容…")
        self.search.setClearButtonEnabled(True)
        self.count_label = QLabel()

        bar = QHBoxLayout()
        for w in (self.table_filter, self.action_filter, self.user_filter, QLabel("从"), self.date_from,
                  QLabel("到"), self.date_to, self.search):
            bar.addWidget(w)
        bar.addWidget(self.count_label)

        self.model = RowsModel(self.COLUMNS)
        self.proxy = SearchProxy(self.model, self)
        self.view = QTableView()
        self.view.setModel(self.proxy)
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(0, Qt.SortOrder.DescendingOrder)  # newest first
        self.view.verticalHeader().setVisible(False)
        self.view.setAlternatingRowColors(True)
        header = self.view.horizontalHeader()
        for i, c in enumerate(self.COLUMNS):
            if c.width:
                self.view.setColumnWidth(i, c.width)
        header.setSectionResizeMode(len(self.COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.view.selectionModel().currentRowChanged.connect(self._show_detail)

        self.detail = QTextBrowser()
        self.restore_button = QPushButton("恢复此记录")
        self.restore_button.setEnabled(False)
        self.restore_button.clicked.connect(self.restore_selected)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(QLabel("变更详情"))
        rl.addWidget(self.detail)
        rl.addWidget(self.restore_button)

        split = QSplitter()
        split.addWidget(self.view)
        split.addWidget(right)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(split, 1)

        for combo in (self.table_filter, self.action_filter, self.user_filter):
            combo.currentIndexChanged.connect(self.refresh)
        self.date_from.dateChanged.connect(self.refresh)
        self.date_to.dateChanged.connect(self.refresh)
        self.search.textChanged.connect(self._on_search)

    # ------------------------------------------------------------------
    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _on_search(self, text: str) -> None:
        self.proxy.set_search(text)
        self._update_count()

    def _update_count(self) -> None:
        n = self.model.visible_count()
        more = f"（仅显示最近 {LIMIT} 条）" if len(self.model.rows()) >= LIMIT else ""
        self.count_label.setText(f"共 {n} 条{more}")

    def refresh(self) -> None:
        # plain SQL (no ORM at start); times compare as the text SQLAlchemy stores them
        where, params = ["at >= ?", "at <= ?"], []
        start = dt.datetime.combine(self.date_from.date().toPython(), dt.time.min)
        end = dt.datetime.combine(self.date_to.date().toPython(), dt.time.max)
        params += [start.strftime(_STORED_TIME), end.strftime(_STORED_TIME)]
        for column, combo in (("table_name", self.table_filter), ("action", self.action_filter),
                              ("user", self.user_filter)):
            if value := combo.currentData():
                where.append(f"{column} = ?")
                params.append(value)
        sql = ("SELECT id, at, user, action, table_name, summary, before, after, record_id FROM audit_entry"
               f" WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT {LIMIT}")
        rows = []
        self._entries.clear()
        parse, loads = dt.datetime.fromisoformat, json.loads
        with self.ctx.db.read() as con:
            for eid, at, user, action, table, summary, before, after, record_id in raw_rows(con, sql, tuple(params)):
                before = loads(before) if before else None
                after = loads(after) if after else None
                rows.append((eid, parse(at) if at else None, user, action, table, summary,
                             describe_change(before, after)))
                self._entries[eid] = (before, after, table, record_id, action)
            users = sorted({u for (u,) in raw_rows(con, "SELECT DISTINCT user FROM audit_entry") if u})
        current_user = self.user_filter.currentData()
        self.user_filter.blockSignals(True)
        self.user_filter.clear()
        self.user_filter.addItem("全部操作人", "")
        for u in users:
            self.user_filter.addItem(u, u)
        idx = self.user_filter.findData(current_user)
        self.user_filter.setCurrentIndex(max(idx, 0))
        self.user_filter.blockSignals(False)
        self.model.set_rows(rows)
        self._update_count()
        self.detail.clear()
        self.restore_button.setEnabled(False)

    def selected_entry_id(self) -> int | None:
        idx = self.view.currentIndex()
        if not idx.isValid():
            return None
        return self.proxy.id_at(idx.row())

    def _show_detail(self, *_: Any) -> None:
        entry_id = self.selected_entry_id()
        if entry_id is None:
            return
        before, after, table, record_id, action = self._entries[entry_id]
        keys = list(dict.fromkeys([*(before or {}), *(after or {})]))
        lines = ["<table cellspacing=4><tr><th align=left>字段</th><th align=left>修改前</th>"
                 "<th align=left>修改后</th></tr>"]
        for k in keys:
            if k in ("uid",):
                continue
            b = value_text(k, (before or {}).get(k)) if before is not None else ""
            a = value_text(k, (after or {}).get(k)) if after is not None else ""
            if action == "delete" and after and k not in after:
                a = b
            lines.append(f"<tr><td>{FIELD_LABELS.get(k, k)}</td><td>{b}</td><td>{a}</td></tr>")
        lines.append("</table>")
        self.detail.setHtml("".join(lines))
        self.restore_button.setEnabled(action == "delete" and self._is_deleted(table, record_id))

    def _is_deleted(self, table: str, record_id: int | None) -> bool:
        if table not in subjects.MODEL_TABLES or record_id is None:
            return False
        with self.ctx.db.read() as con:
            found = raw_rows(con, f"SELECT deleted_at FROM {table} WHERE id = ?", (record_id,))
        return bool(found) and found[0][0] is not None

    def restore_selected(self) -> None:
        entry_id = self.selected_entry_id()
        if entry_id is None:
            return
        _, _, table, record_id, _ = self._entries[entry_id]
        with self.ctx.db.uow() as uow:
            try:
                obj = subjects.restore(uow.session, table, record_id)
            except ValueError as exc:
                QMessageBox.warning(self, "恢复记录", str(exc))
                return
            name = getattr(obj, "name", "")
            uow.commit()
        self.ctx.status.emit(f"已恢复{TABLE_LABELS.get(table, '')}「{name}」。")
        self.ctx.changed(table)
        self.refresh()


__all__ = ["AuditView", "describe_change", "Qt"]
