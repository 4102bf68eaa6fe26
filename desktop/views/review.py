"""The 初审 tab: the applications of a year (or one batch) under review with their worst check
outcome; filter by outcome, run the checks on the selected applications or on the whole
year/batch (in the background, with progress and 取消), open an application's page.

One row per application (``review_rows``: the board's card rows, the batches, the stored check
runs and the overrides, plain SQL on ``db.read()``'s connection: the tab is shown at start
without loading the ORM). Running goes through ``desktop.review_ui.start_check_run``; a
cancelled run stores nothing.
"""
from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass
from typing import Sequence

from PySide6.QtCore import QDate, QEvent, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from models import pipeline as pl
from models.batches import batch_rows
from models.db import raw_rows
from models.outcomes import Outcome
from models.stages import Stage

from ..review_ui import (
    UNCHECKED,
    OutcomeRowsModel,
    check_failure_text,
    counts_html,
    fmt_time,
    make_table,
    outcome_filter_choices,
    outcome_label,
    start_check_run,
)
from ..table_model import Column, SearchProxy

# row tuple positions
R_ID, R_NAME, R_CODE, R_TITLE, R_STAGE, R_BATCH, R_WORST, R_PROBLEMS, R_OVERRIDES, R_RUN_AT, R_RUN_BY, R_AS_OF = range(12)

_RANK = {o.value: o.rank for o in Outcome}

#: the stages of 待初审, the same as ``forms.rules.runner.REVIEW_STAGES`` (a test holds them
#: equal): the tab shows them without importing the rule machinery
REVIEW_STAGES: tuple[Stage, ...] = (Stage.APPLIED, Stage.UNDER_REVIEW, Stage.RECOMMENDED)


def _rank(value: str) -> int:
    return _RANK.get(value, -1)


COLUMNS = [
    Column("名称", R_NAME, width=230),
    Column("统一社会信用代码", R_CODE, width=160),
    Column("称号", R_TITLE, width=110),
    Column("环节", R_STAGE, width=80),
    Column("批次", R_BATCH, width=130),
    Column("初审结果", R_WORST, display=outcome_label, sort_key=_rank, width=110),
    Column("未通过的检查", R_PROBLEMS, width=250),
    Column("人工改判", R_OVERRIDES, display=lambda n: f"{n} 项" if n else "", align_right=True, width=70,
           searchable=False),
    Column("检查时间", R_RUN_AT, display=fmt_time, width=130, searchable=False),
    Column("检查人", R_RUN_BY, width=80),
]
OUTCOME_COL = 5


@dataclass(frozen=True)
class Scope:
    year: int
    batch_id: int | None
    stages: tuple[Stage, ...] | None  # None: every stage


def review_rows(source, scope: Scope, batch_names: dict[int, str] | None = None) -> list[tuple]:
    """One row per application of the scope: subject, title, stage, batch, the worst outcome
    after overrides ("unchecked" when never checked), the failed checks counted by outcome,
    the number of overrides, when and by whom it was checked. ``source``: ``db.read()``'s
    connection or a session; ``batch_names`` (id -> name) when the caller has them already."""
    cards = pl.card_rows(source, year=scope.year, stages=scope.stages, batch_id=scope.batch_id)
    if batch_names is None:
        batch_names = {b.id: b.name for b in batch_rows(source, year=scope.year)}
    ids = [c.id for c in cards]
    runs: dict[int, tuple] = {}
    overrides: dict[int, dict[str, str]] = {}
    for i in range(0, len(ids), 900):
        chunk = ids[i:i + 900]
        marks = ",".join("?" * len(chunk))
        for r in raw_rows(source, "SELECT application_id, worst_outcome, results, run_at, run_by, as_of"
                                  f" FROM check_run WHERE application_id IN ({marks})", tuple(chunk)):
            runs[r[0]] = r
        # the live override of each (application, rule): the newest wins
        for app_id, rule_id, outcome in raw_rows(
                source, "SELECT application_id, rule_id, outcome FROM check_override"
                        f" WHERE deleted_at IS NULL AND application_id IN ({marks}) ORDER BY id", tuple(chunk)):
            overrides.setdefault(app_id, {})[rule_id] = outcome
    parse_time, parse_date = dt.datetime.fromisoformat, dt.date.fromisoformat
    out = []
    for c in cards:
        run = runs.get(c.id)
        if run is None:
            out.append((c.id, c.name, c.credit_code, c.title_kind.label, c.stage.label, batch_names.get(c.batch_id, ""),
                        UNCHECKED, "", 0, None, "", None))
            continue
        ovs = overrides.get(c.id, {})
        finals = Counter(ovs.get(r["rule_id"], r["outcome"]) for r in json.loads(run[2] or "[]"))
        problems = " · ".join(f"{o.label} {finals[o.value]}" for o in reversed(list(Outcome))
                              if o is not Outcome.PASS and finals.get(o.value))
        out.append((c.id, c.name, c.credit_code, c.title_kind.label, c.stage.label, batch_names.get(c.batch_id, ""),
                    run[1] or UNCHECKED, problems, len(ovs), parse_time(run[3]) if run[3] else None, run[4] or "",
                    parse_date(run[5][:10]) if run[5] else None))
    return out


class ReviewView(QWidget):
    title = "初审"
    tables: tuple[str, ...] = ()

    SETTINGS_YEAR = "review/year"
    #: a run finished, was cancelled or failed (after the view has shown it)
    run_done = Signal()

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.operation = None
        self.last_summary = None
        self.last_progress: tuple[int, int, str] | None = None
        self._all_rows: list[tuple] = []
        self._batch_names: tuple[int | None, dict[int, str]] = (None, {})

        root = QVBoxLayout(self)
        root.setContentsMargins(6, 6, 6, 6)
        root.addLayout(self._build_filters())
        root.addLayout(self._build_actions())
        self.summary_label = QLabel()
        self.summary_label.setTextFormat(Qt.TextFormat.RichText)
        root.addWidget(self.summary_label)

        self.model = OutcomeRowsModel([Column(self.tr(c.header), c.index, c.display, c.align_right, c.searchable,
                                              c.sort_key, c.width) for c in COLUMNS], self,
                                      outcome_columns={OUTCOME_COL: lambda r: r[R_WORST]})
        self.proxy = SearchProxy(self.model, self)
        self.table = make_table(self.model, self, proxy=self.proxy, stretch=None)
        self.table.setObjectName("review_table")
        self.table.doubleClicked.connect(lambda ix: self.open_application(self.proxy.id_at(ix.row())))
        self.table.installEventFilter(self)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        # the worst first: what needs the clerk's attention
        self.table.sortByColumn(OUTCOME_COL, Qt.SortOrder.DescendingOrder)
        root.addWidget(self.table, 1)

        self.run_label = QLabel()
        self.run_label.setWordWrap(True)
        self.run_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        root.addWidget(self.run_label)
        self.run_label.setText(self.tr(
            "选中申报后按 F9 检查所选；“检查全部”检查本年度（或所选批次）处于已申请、区县初审、已推荐环节的全部申报。"
            "双击或按 Enter 打开申报详情（材料清单、第三方评价、证书、指标、初审结果）。"))
        QShortcut(QKeySequence("F9"), self, self.run_selected)
        self._update_buttons()

    # ------------------------------------------------------------------ building
    def _build_filters(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        bar.addWidget(QLabel(self.tr("年度：")))
        self.year_combo = QComboBox()
        self.year_combo.setMinimumContentsLength(6)
        bar.addWidget(self.year_combo)
        bar.addWidget(QLabel(self.tr("批次：")))
        self.batch_combo = QComboBox()
        self.batch_combo.setMinimumContentsLength(16)
        bar.addWidget(self.batch_combo)
        bar.addWidget(QLabel(self.tr("范围：")))
        self.stage_combo = QComboBox()
        self.stage_combo.addItem(self.tr("待初审（已申请、区县初审、已推荐）"), "review")
        self.stage_combo.addItem(self.tr("全部环节"), "all")
        bar.addWidget(self.stage_combo)
        bar.addWidget(QLabel(self.tr("结果：")))
        self.outcome_combo = QComboBox()
        for label, outcomes in outcome_filter_choices():
            self.outcome_combo.addItem(label, outcomes)
        self.outcome_combo.setToolTip(self.tr("按最严重的检查结果（含人工改判）筛选"))
        bar.addWidget(self.outcome_combo)
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText(self.tr("查找：名称或统一社会信用代码"))
        self.search_edit.setClearButtonEnabled(True)
        bar.addWidget(self.search_edit, 1)
        self.count_label = QLabel()
        bar.addWidget(self.count_label)

        self.year_combo.currentIndexChanged.connect(self._on_year)
        self.batch_combo.currentIndexChanged.connect(lambda _i: self.load())
        self.stage_combo.currentIndexChanged.connect(lambda _i: self.load())
        self.outcome_combo.currentIndexChanged.connect(lambda _i: self._apply_filter())
        self.search_edit.textChanged.connect(self._on_search)
        return bar

    def _build_actions(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        bar.addWidget(QLabel(self.tr("审查基准日：")))
        self.as_of_edit = QDateEdit(QDate.currentDate())
        self.as_of_edit.setCalendarPopup(True)
        self.as_of_edit.setDisplayFormat("yyyy-MM-dd")
        self.as_of_edit.setToolTip(self.tr("证书有效期、撤销后三年等按这一天判断；默认今天"))
        bar.addWidget(self.as_of_edit)
        self.run_selected_button = QPushButton(self.tr("检查所选 (F9)"))
        self.run_selected_button.setToolTip(self.tr("对表格中选中的申报运行全部初审检查"))
        self.run_all_button = QPushButton(self.tr("检查全部"))
        self.open_button = QPushButton(self.tr("打开申报…"))
        self.open_button.setToolTip(self.tr("打开所选申报的详情页（Enter）"))
        self.run_selected_button.clicked.connect(self.run_selected)
        self.run_all_button.clicked.connect(self.run_all)
        self.open_button.clicked.connect(lambda: self.open_application())
        bar.addWidget(self.run_selected_button)
        bar.addWidget(self.run_all_button)
        bar.addStretch(1)
        bar.addWidget(self.open_button)
        return bar

    # ------------------------------------------------------------------ scope
    def current_year(self) -> int:
        y = self.year_combo.currentData()
        return int(y) if y is not None else dt.date.today().year

    def current_batch_id(self) -> int | None:
        return self.batch_combo.currentData()

    def scope(self) -> Scope:
        stages = REVIEW_STAGES if self.stage_combo.currentData() == "review" else None
        return Scope(self.current_year(), self.current_batch_id(), stages)

    def as_of(self) -> dt.date:
        d = self.as_of_edit.date()
        return dt.date(d.year(), d.month(), d.day())

    def set_year(self, year: int) -> None:
        i = self.year_combo.findData(year)
        if i < 0:
            self.year_combo.addItem(self.tr("{0}年度").format(year), year)
            i = self.year_combo.count() - 1
        self.year_combo.setCurrentIndex(i)

    def set_batch(self, batch_id: int | None) -> None:
        self.batch_combo.setCurrentIndex(max(self.batch_combo.findData(batch_id), 0))

    def set_outcome_filter(self, label: str) -> None:
        i = self.outcome_combo.findText(label)
        if i < 0:
            raise ValueError(label)
        self.outcome_combo.setCurrentIndex(i)

    def _fill_years(self) -> None:
        with self.ctx.db.read() as con:
            years = set(pl.years(con))
        wanted = self.year_combo.currentData()
        if wanted is None:
            saved = self.ctx.settings.value(self.SETTINGS_YEAR)
            try:
                wanted = int(saved) if saved not in (None, "") else None
            except (TypeError, ValueError):
                wanted = None
        this_year = dt.date.today().year
        years.add(this_year)
        if wanted is None:
            wanted = this_year
        years.add(wanted)
        self.year_combo.blockSignals(True)
        self.year_combo.clear()
        for y in sorted(years, reverse=True):
            self.year_combo.addItem(self.tr("{0}年度").format(y), y)
        self.year_combo.setCurrentIndex(max(self.year_combo.findData(wanted), 0))
        self.year_combo.blockSignals(False)

    def _fill_batches(self) -> None:
        keep = self.batch_combo.currentData()
        with self.ctx.db.read() as con:
            rows = batch_rows(con, year=self.current_year())
        self._batch_names = (self.current_year(), {b.id: b.name for b in rows})  # for load()
        self.batch_combo.blockSignals(True)
        self.batch_combo.clear()
        self.batch_combo.addItem(self.tr("全部批次"), None)
        for b in rows:
            self.batch_combo.addItem(f"{b.name}（{b.count}项）", b.id)
        self.batch_combo.setCurrentIndex(max(self.batch_combo.findData(keep), 0))
        self.batch_combo.blockSignals(False)

    def _on_year(self, _i: int) -> None:
        self.ctx.settings.setValue(self.SETTINGS_YEAR, self.current_year())
        self._fill_batches()
        self.load()

    # ------------------------------------------------------------------ loading
    def refresh(self) -> None:
        self._fill_years()
        self._fill_batches()
        self.load()

    def load(self) -> None:
        keep = self.selected_ids()
        scope = self.scope()
        year, names = self._batch_names
        with self.ctx.db.read() as con:
            self._all_rows = review_rows(con, scope, names if year == scope.year else None)
        self._apply_filter(keep)

    def _apply_filter(self, keep: Sequence[int] | None = None) -> None:
        keep = list(keep) if keep is not None else self.selected_ids()
        wanted = self.outcome_combo.currentData()
        rows = self._all_rows if not wanted else [r for r in self._all_rows if r[R_WORST] in wanted]
        self.model.set_rows(rows)
        counts = Counter(r[R_WORST] for r in self._all_rows)
        scope = self.scope()
        where = self.batch_combo.currentText() if scope.batch_id is not None else self.tr("{0}年度").format(scope.year)
        self.summary_label.setText(
            self.tr("{0}：共 {1} 个申报，按最严重结果：").format(where, len(self._all_rows)) + counts_html(counts))
        self._update_count()
        self.run_all_button.setText(self.tr("检查本批次全部") if scope.batch_id is not None else self.tr("检查本年度全部"))
        self.select_ids(keep)
        self._update_buttons()

    def _on_search(self, text: str) -> None:
        keep = self.selected_ids()
        self.proxy.set_search(text)
        self._update_count()
        self.select_ids(keep)

    def _update_count(self) -> None:
        shown, total = self.model.visible_count(), len(self._all_rows)
        self.count_label.setText(self.tr("显示 {0} / {1} 项").format(shown, total) if shown != total
                                 else self.tr("{0} 项").format(total))

    def focus_search(self) -> None:
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    def shown_ids(self) -> list[int]:
        return [self.proxy.id_at(r) for r in range(self.proxy.rowCount())]

    def row_of(self, app_id: int) -> tuple | None:
        return next((r for r in self._all_rows if r[R_ID] == app_id), None)

    # ------------------------------------------------------------------ selection
    def selected_ids(self) -> list[int]:
        sm = self.table.selectionModel() if hasattr(self, "table") else None
        if sm is None:
            return []
        return [self.proxy.id_at(ix.row()) for ix in sorted(sm.selectedRows(), key=lambda i: i.row())]

    def select_ids(self, ids: Sequence[int]) -> bool:
        from PySide6.QtCore import QItemSelection, QItemSelectionModel

        sm = self.table.selectionModel()
        sel = QItemSelection()
        first = None
        for app_id in ids:
            r = self.proxy.proxy_row_of_id(app_id)
            if r is None:
                continue
            sel.select(self.proxy.index(r, 0), self.proxy.index(r, self.proxy.columnCount() - 1))
            first = r if first is None else first
        if first is None:
            return False
        sm.select(sel, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        sm.setCurrentIndex(self.proxy.index(first, 0), QItemSelectionModel.SelectionFlag.NoUpdate)
        self.table.scrollTo(self.proxy.index(first, 0))
        return True

    def _update_buttons(self) -> None:
        running = self.operation is not None
        has = bool(self.selected_ids())
        self.run_selected_button.setEnabled(has and not running)
        self.run_all_button.setEnabled(not running)
        self.open_button.setEnabled(has)

    # ------------------------------------------------------------------ running
    def run_selected(self) -> bool:
        ids = self.selected_ids()
        if not ids:
            self.ctx.status.emit(self.tr("请先在表格中选中要检查的申报（可按住 Ctrl 或 Shift 多选）。"))
            return False
        return self.run_ids(ids, self.tr("检查所选的 {0} 个申报").format(len(ids)))

    def run_all(self) -> bool:
        from forms.rules.runner import RunError, select_applications

        scope = self.scope()
        try:
            with self.ctx.db.uow() as uow:
                ids = select_applications(uow.session, year=scope.year, batch_id=scope.batch_id,
                                          stages=scope.stages)
        except RunError as exc:
            QMessageBox.warning(self, self.tr("运行初审检查"), str(exc) + self.tr("\n请重新选择批次。"))
            return False
        if not ids:
            QMessageBox.information(
                self, self.tr("运行初审检查"),
                self.tr("所选范围内没有要检查的申报。请换一个年度或批次，或把“范围”改为“全部环节”。"))
            return False
        where = self.batch_combo.currentText() if scope.batch_id is not None else self.tr("{0}年度").format(scope.year)
        return self.run_ids(ids, self.tr("检查{0}的 {1} 个申报").format(where, len(ids)))

    def run_ids(self, ids: Sequence[int], title: str) -> bool:
        if self.operation is not None:
            self.ctx.status.emit(self.tr("上一次检查还在进行中，请等它结束或取消。"))
            return False
        self.last_progress = None
        self.run_label.setText(title + self.tr("……"))
        self.operation = start_check_run(self, self.ctx, ids, as_of=self.as_of(), title=title,
                                         on_progress=self._on_progress)
        self.operation.finished.connect(self._on_finished)
        self.operation.cancelled.connect(self._on_cancelled)
        self.operation.failed.connect(self._on_failed)
        self.operation.done.connect(self._on_done)
        self._update_buttons()
        return True

    def _on_progress(self, done: int, total: int, text: str) -> None:
        self.last_progress = (done, total, text)

    def _on_finished(self, summary) -> None:
        self.last_summary = summary
        text = self.tr("检查完成（审查基准日 {0}）：").format(summary.as_of.strftime("%Y-%m-%d")) + summary.text()
        if summary.skipped:
            text += self.tr(" 未检查的申报请在其称号和年度的规则集（resources/rules）齐备后再检查。")
        self.run_label.setText(text)
        self.ctx.status.emit(summary.text())

    def _on_cancelled(self) -> None:
        self.run_label.setText(self.tr("检查已取消，未保存任何结果；之前保存的结果不变。"))
        self.ctx.status.emit(self.tr("检查已取消，未保存任何结果。"))

    def _on_failed(self, exc, _tb) -> None:
        text = check_failure_text(exc)
        self.run_label.setText(text.replace("\n\n", " "))
        QMessageBox.warning(self, self.tr("运行初审检查"), text)

    def _on_done(self) -> None:
        self.operation = None
        self.load()
        self.run_done.emit()

    # ------------------------------------------------------------------ opening
    def open_application(self, app_id: int | None = None):
        from ..dialogs.application_detail import open_application

        if app_id is None:
            ids = self.selected_ids()
            if not ids:
                self.ctx.status.emit(self.tr("请先在表格中选中一个申报。"))
                return None
            app_id = ids[0]
        return open_application(self.ctx, app_id, self, as_of=self.as_of(), tab="results")

    def show_record(self, table: str, record_id: int) -> None:
        if table == "application":
            self.select_ids([record_id])

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt API)
        if obj is self.table and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.open_application()
                return True
        return super().eventFilter(obj, event)
