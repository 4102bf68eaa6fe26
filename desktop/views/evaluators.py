"""The registry of third-party evaluators (第三方评价机构, 第二十、二十一、二十二条).

A table of the evaluators with the years they are on the municipal list, whether they were
disqualified (date and reason, 第二十二条) and how many of this year's reports they wrote (the
checks allow at most 15 per batch). Add and edit an evaluator, set its list years, disqualify it
or lift a disqualification. Writes go through ``models.review_service``.
"""
from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, QEvent, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from models.db import raw_rows

from ..review_ui import OutcomeRowsModel, error_label, fmt_date, make_table, note_label, ok_cancel, select_row
from ..table_model import Column, SearchProxy

if TYPE_CHECKING:
    from models.review import Evaluator

E_ID, E_NAME, E_CODE, E_YEARS, E_STATE, E_DISQ_ON, E_REASON, E_COUNT, E_CONTACT, E_SOURCE, E_LISTED_NOW = range(11)
SOURCES = {"seed": "全国名单", "entered": "手工录入", "import": "导入", "demo": "演示数据"}
ARTICLE_22 = ("《重庆市绿色园区和绿色工厂认定管理办法》第二十二条：第三方评价机构在评价工作中弄虚作假、"
              "不负责任的，取消其评价资格。")


def _years(years: list[int]) -> str:
    return "、".join(str(y) for y in sorted(years))


COLUMNS = [
    Column("名称", E_NAME, width=260),
    Column("统一社会信用代码", E_CODE, width=160),
    Column("列入市级名录年度", E_YEARS, display=_years, width=150, sort_key=lambda ys: max(ys) if ys else 0),
    Column("状态", E_STATE, width=210),
    Column("取消资格原因", E_REASON, width=220),
    Column("本年度评价项目", E_COUNT, display=lambda n: f"{n} 个" if n else "", align_right=True, width=100,
           searchable=False),
    Column("联系方式", E_CONTACT, width=120),
    Column("来源", E_SOURCE, display=lambda s: SOURCES.get(s, s), width=80),
]


class YearsList(QListWidget):
    """Checkable years (the years an evaluator is on the municipal list)."""

    def __init__(self, years: list[int], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFlow(QListWidget.Flow.LeftToRight)
        self.setWrapping(True)
        self.setMaximumHeight(64)
        this_year = dt.date.today().year
        for y in sorted(set(range(this_year - 6, this_year + 2)) | set(years)):
            item = QListWidgetItem(f"{y}")
            item.setData(Qt.ItemDataRole.UserRole, y)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if y in years else Qt.CheckState.Unchecked)
            self.addItem(item)

    def years(self) -> list[int]:
        return [self.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.count())
                if self.item(i).checkState() == Qt.CheckState.Checked]

    def set_checked(self, year: int, on: bool = True) -> None:
        for i in range(self.count()):
            if self.item(i).data(Qt.ItemDataRole.UserRole) == year:
                self.item(i).setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)


class EvaluatorDialog(QDialog):
    """Add or edit an evaluator: name, credit code, contact, list years, notes."""

    def __init__(self, parent: QWidget | None = None, values: dict[str, Any] | None = None) -> None:
        super().__init__(parent)
        values = values or {}
        self.setWindowTitle(self.tr("修改评价机构") if values else self.tr("新增评价机构"))
        form = QFormLayout(self)
        self.name = QLineEdit(values.get("name", ""))
        self.code = QLineEdit(values.get("credit_code", ""))
        self.code.setMaxLength(18)
        self.contact = QLineEdit(values.get("contact", ""))
        self.years = YearsList(list(values.get("list_years") or []))
        self.notes = QPlainTextEdit(values.get("notes", ""))
        self.notes.setMaximumHeight(70)
        form.addRow(self.tr("名称"), self.name)
        form.addRow(self.tr("统一社会信用代码"), self.code)
        form.addRow(self.tr("联系方式"), self.contact)
        form.addRow(self.tr("列入市级名录的年度"), self.years)
        form.addRow(self.tr("备注"), self.notes)
        self.error = error_label()
        form.addRow(self.error)
        form.addRow(ok_cancel(self))
        self.resize(520, 360)

    def values(self) -> dict[str, Any]:
        return {"name": self.name.text().strip(), "credit_code": self.code.text().strip().upper(),
                "contact": self.contact.text().strip(), "list_years": self.years.years(),
                "notes": self.notes.toPlainText().strip()}

    def accept(self) -> None:
        from forms.validators import ValidationError, validate_credit_code

        if not self.name.text().strip():
            self.error.setText(self.tr("请填写评价机构名称。"))
            return
        if self.code.text().strip():
            try:
                self.code.setText(validate_credit_code(self.code.text()))
            except ValidationError as exc:
                self.error.setText(str(exc))
                return
        super().accept()


class DisqualifyDialog(QDialog):
    """取消评价资格: the date of the decision and its reason (第二十二条)."""

    def __init__(self, parent: QWidget | None, name: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("取消评价资格"))
        lay = QVBoxLayout(self)
        head = QLabel(self.tr("取消「{0}」的评价资格。").format(name))
        head.setWordWrap(True)
        lay.addWidget(head)
        lay.addWidget(note_label(self.tr(ARTICLE_22)))
        form = QFormLayout()
        self.date = QDateEdit(QDate.currentDate())
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.reason = QPlainTextEdit()
        self.reason.setPlaceholderText(self.tr("如：2026年某项目评价报告数据弄虚作假（渝经信节能〔2026〕N号通报）"))
        form.addRow(self.tr("取消日期"), self.date)
        form.addRow(self.tr("原因"), self.reason)
        lay.addLayout(form)
        note = QLabel(self.tr("此后该机构出具的评价报告，初审第二十二条检查将判为不符合。"))
        note.setWordWrap(True)
        lay.addWidget(note)
        self.error = error_label()
        lay.addWidget(self.error)
        lay.addWidget(ok_cancel(self))
        self.resize(520, 320)

    def accept(self) -> None:
        if not self.reason.toPlainText().strip():
            self.error.setText(self.tr("请填写取消资格的原因（第二十二条：弄虚作假或不负责任）。"))
            return
        super().accept()

    def value(self) -> tuple[dt.date, str]:
        d = self.date.date()
        return dt.date(d.year(), d.month(), d.day()), self.reason.toPlainText().strip()

    @classmethod
    def get(cls, parent: QWidget | None, name: str) -> tuple[dt.date, str] | None:
        dlg = cls(parent, name)
        return dlg.value() if dlg.exec() else None


def evaluator_rows(source, year: int) -> list[tuple]:
    """One row per live evaluator, by name (plain SQL on ``db.read()``'s connection or a session):
    its list years, state in ``year``, disqualification, and how many of the year's reports it wrote."""
    # CROSS JOIN keeps this order: the reports, then each one's application by its key (SQLite
    # would otherwise walk every application of the year to find the few with a report)
    counts = dict(raw_rows(
        source,
        "SELECT r.evaluator_id, COUNT(*) FROM third_party_report r CROSS JOIN application a ON a.id = r.application_id"
        " WHERE r.deleted_at IS NULL AND a.deleted_at IS NULL AND a.year = ? AND r.evaluator_id IS NOT NULL"
        " GROUP BY r.evaluator_id", (year,)))
    rows = []
    for eid, name, code, list_years, disq, reason, contact, src in raw_rows(
            source, "SELECT id, name, credit_code, list_years, disqualified_on, disqualified_reason, contact, source"
                    " FROM evaluator WHERE deleted_at IS NULL ORDER BY name"):
        years = list(json.loads(list_years) or []) if list_years else []
        disqualified_on = dt.date.fromisoformat(disq[:10]) if disq else None
        if disqualified_on is not None:
            state = f"已取消资格（{fmt_date(disqualified_on)}）"
        elif year in years:
            state = f"{year}年度名录内"
        else:
            state = f"不在{year}年度名录"
        rows.append((eid, name, code, years, state, disqualified_on, reason, counts.get(eid, 0), contact, src,
                     year in years))
    return rows


def _state_value(row: tuple) -> str:
    if row[E_DISQ_ON] is not None:
        return "fail"
    return "pass" if row[E_LISTED_NOW] else "unchecked"


class EvaluatorsView(QWidget):
    title = "第三方评价机构"
    tables = ("evaluator",)

    #: an evaluator was saved: its id
    saved = Signal(int)

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._rows: list[tuple] = []
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        bar = QHBoxLayout()
        bar.addWidget(QLabel(self.tr("年度：")))
        self.year_combo = QComboBox()
        this_year = dt.date.today().year
        for y in range(this_year + 1, this_year - 7, -1):
            self.year_combo.addItem(self.tr("{0}年度").format(y), y)
        self.year_combo.setCurrentIndex(self.year_combo.findData(this_year))
        self.year_combo.setToolTip(self.tr("按这一年度显示是否在市级名录内、评价项目数"))
        bar.addWidget(self.year_combo)
        self.show_combo = QComboBox()
        self.show_combo.addItem(self.tr("全部机构"), "all")
        self.show_combo.addItem(self.tr("本年度名录内"), "listed")
        self.show_combo.addItem(self.tr("已取消资格"), "disqualified")
        bar.addWidget(self.show_combo)
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText(self.tr("查找：名称或统一社会信用代码"))
        self.search_edit.setClearButtonEnabled(True)
        bar.addWidget(self.search_edit, 1)
        self.count_label = QLabel()
        bar.addWidget(self.count_label)
        lay.addLayout(bar)

        self.model = OutcomeRowsModel([Column(self.tr(c.header), c.index, c.display, c.align_right, c.searchable,
                                              c.sort_key, c.width) for c in COLUMNS], self,
                                      outcome_columns={3: _state_value})
        self.proxy = SearchProxy(self.model, self)
        self.table = make_table(self.model, self, proxy=self.proxy, stretch=None)
        self.table.setObjectName("evaluators_table")
        self.table.doubleClicked.connect(lambda _ix: self.edit_selected())
        self.table.installEventFilter(self)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        lay.addWidget(self.table, 1)

        buttons = QHBoxLayout()
        self.new_button = QPushButton(self.tr("新增机构…"))
        self.edit_button = QPushButton(self.tr("修改…"))
        self.list_button = QPushButton(self.tr("列入本年度名录"))
        self.list_button.setToolTip(self.tr("把所选机构列入（或移出）所选年度的市级名录（第二十一条）"))
        self.disqualify_button = QPushButton(self.tr("取消评价资格…"))
        self.disqualify_button.setToolTip(self.tr("记录取消评价资格的日期和原因（第二十二条）"))
        self.restore_button = QPushButton(self.tr("恢复资格"))
        self.delete_button = QPushButton(self.tr("删除"))
        for b in (self.new_button, self.edit_button, self.list_button, self.disqualify_button, self.restore_button,
                  self.delete_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        lay.addLayout(buttons)
        note = QLabel(self.tr("初审检查第二十一条（评价机构在当年市级名录内）、第二十二条（未被取消评价资格）"
                              "和“每家机构每批次最多 15 个项目”按这张表判断。"))
        note.setWordWrap(True)
        lay.addWidget(note)

        self.new_button.clicked.connect(self.new_record)
        self.edit_button.clicked.connect(self.edit_selected)
        self.list_button.clicked.connect(self.toggle_listing)
        self.disqualify_button.clicked.connect(self.disqualify_selected)
        self.restore_button.clicked.connect(self.restore_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        self.year_combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.show_combo.currentIndexChanged.connect(lambda _i: self._apply_filter())
        self.search_edit.textChanged.connect(self._on_search)
        self._update_buttons()

    # ------------------------------------------------------------------ loading
    def current_year(self) -> int:
        return int(self.year_combo.currentData())

    def refresh(self) -> None:
        keep = self.selected_id()
        with self.ctx.db.read() as con:
            self._rows = evaluator_rows(con, self.current_year())
        self._apply_filter(keep)

    def _apply_filter(self, keep: int | None = None) -> None:
        keep = keep if keep is not None else self.selected_id()
        show = self.show_combo.currentData()
        rows = self._rows
        if show == "listed":
            rows = [r for r in rows if r[E_LISTED_NOW] and r[E_DISQ_ON] is None]
        elif show == "disqualified":
            rows = [r for r in rows if r[E_DISQ_ON] is not None]
        self.model.set_rows(rows)
        self._update_count()
        if keep is not None:
            self.select_id(keep)
        self._update_buttons()

    def _on_search(self, text: str) -> None:
        self.proxy.set_search(text)
        self._update_count()

    def _update_count(self) -> None:
        listed = sum(1 for r in self._rows if r[E_LISTED_NOW] and r[E_DISQ_ON] is None)
        self.count_label.setText(self.tr("共 {0} 家，{1}年度名录内 {2} 家").format(
            len(self._rows), self.current_year(), listed))

    def focus_search(self) -> None:
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    def selected_id(self) -> int | None:
        if not hasattr(self, "table"):
            return None
        rows = self.table.selectionModel().selectedRows()
        return self.proxy.id_at(rows[0].row()) if rows else None

    def selected_row(self) -> tuple | None:
        eid = self.selected_id()
        return next((r for r in self._rows if r[E_ID] == eid), None)

    def select_id(self, evaluator_id: int) -> bool:
        r = self.proxy.proxy_row_of_id(evaluator_id)
        if r is None:
            return False
        select_row(self.table, r)
        return True

    def show_record(self, table: str, record_id: int) -> None:
        if table == "evaluator":
            self.show_combo.setCurrentIndex(0)
            self.search_edit.clear()
            self.select_id(record_id)

    def _update_buttons(self) -> None:
        row = self.selected_row()
        for b in (self.edit_button, self.list_button, self.disqualify_button, self.delete_button):
            b.setEnabled(row is not None)
        self.restore_button.setEnabled(row is not None and row[E_DISQ_ON] is not None)
        year = self.current_year()
        if row is not None and row[E_LISTED_NOW]:
            self.list_button.setText(self.tr("移出{0}年度名录").format(year))
        else:
            self.list_button.setText(self.tr("列入{0}年度名录").format(year))

    # ------------------------------------------------------------------ writing
    def _write(self, fn, title: str) -> Evaluator | None:
        from models.review_service import ReviewError

        with self.ctx.db.uow() as uow:
            try:
                ev = fn(uow.session)
            except ReviewError as exc:
                QMessageBox.warning(self, title, str(exc) + self.tr(" 未作改动。"))
                return None
            uow.commit()
            eid = ev.id if ev is not None else None
        self.ctx.changed("evaluator")
        self.refresh()
        if eid is not None:
            self.select_id(eid)
            self.saved.emit(eid)
        return ev

    def new_record(self) -> int | None:
        from models.review_service import save_evaluator

        dlg = EvaluatorDialog(self)
        if not dlg.exec():
            return None
        ev = self._write(lambda s: save_evaluator(s, dlg.values()), self.tr("新增评价机构"))
        return ev.id if ev is not None else None

    def edit_selected(self) -> bool:
        from models.review import Evaluator
        from models.review_service import save_evaluator

        eid = self.selected_id()
        if eid is None:
            return False
        with self.ctx.db.uow() as uow:
            e = uow.session.get(Evaluator, eid)
            values = {"name": e.name, "credit_code": e.credit_code, "contact": e.contact,
                      "list_years": list(e.list_years or []), "notes": e.notes}
        dlg = EvaluatorDialog(self, values)
        if not dlg.exec():
            return False
        return self._write(lambda s: save_evaluator(s, dlg.values(), record=s.get(Evaluator, eid)),
                           self.tr("修改评价机构")) is not None

    def toggle_listing(self) -> bool:
        from models.review_service import set_listing

        row = self.selected_row()
        if row is None:
            return False
        year = self.current_year()
        return self._write(lambda s: set_listing(s, row[E_ID], year, not row[E_LISTED_NOW]),
                           self.tr("市级名录")) is not None

    def disqualify_selected(self) -> bool:
        from models.review_service import disqualify

        row = self.selected_row()
        if row is None:
            self.ctx.status.emit(self.tr("请先选中一家评价机构。"))
            return False
        got = DisqualifyDialog.get(self, row[E_NAME])
        if got is None:
            return False
        on, reason = got
        return self._write(lambda s: disqualify(s, row[E_ID], on, reason), self.tr("取消评价资格")) is not None

    def restore_selected(self) -> bool:
        from models.review_service import disqualify

        row = self.selected_row()
        if row is None or row[E_DISQ_ON] is None:
            return False
        answer = QMessageBox.question(self, self.tr("恢复资格"), self.tr(
            "撤销对「{0}」的取消评价资格记录（{1}：{2}）？").format(row[E_NAME], fmt_date(row[E_DISQ_ON]), row[E_REASON]))
        if answer != QMessageBox.StandardButton.Yes:
            return False
        return self._write(lambda s: disqualify(s, row[E_ID], None), self.tr("恢复资格")) is not None

    def delete_selected(self) -> bool:
        from models.base import now
        from models.review import Evaluator

        row = self.selected_row()
        if row is None:
            return False
        extra = self.tr("\n\n{0}年度有 {1} 份评价报告出自该机构，报告中的机构名称保留。").format(
            self.current_year(), row[E_COUNT]) if row[E_COUNT] else ""
        answer = QMessageBox.question(self, self.tr("删除评价机构"), self.tr(
            "从名录中删除「{0}」？").format(row[E_NAME]) + extra)
        if answer != QMessageBox.StandardButton.Yes:
            return False

        def delete(s):
            e = s.get(Evaluator, row[E_ID])
            e.deleted_at = now()
            s.flush()
            return None

        self._write(delete, self.tr("删除评价机构"))
        return True

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt API)
        if obj is self.table and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.edit_selected()
                return True
        return super().eventFilter(obj, event)


__all__ = ["DisqualifyDialog", "EvaluatorDialog", "EvaluatorsView"]
