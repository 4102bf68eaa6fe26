"""Recommendation batches: create a year's batch, put reviewed applications in, take them out."""
from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from models import batches as batch_service
from models.pipeline import MoveError
from models.stages import STAGE_LABELS, TITLES, TitleKind

from ..table_model import Column, RowsModel, SearchProxy


def _title_label(kind) -> str:
    return TITLES[kind].label if kind else "不限"


APP_COLUMNS = [
    Column("名称", 1, width=260),
    Column("统一社会信用代码", 2, width=170),
    Column("称号", 3, display=_title_label, width=120),
    Column("环节", 4, display=lambda s: STAGE_LABELS.get(s, ""), width=90),
    Column("初审结论", 5),
]


def _table(model: RowsModel, parent: QWidget) -> tuple[QTableView, SearchProxy]:
    proxy = SearchProxy(model, parent)
    view = QTableView(parent)
    view.setModel(proxy)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    view.setSortingEnabled(True)
    view.verticalHeader().setVisible(False)
    view.setAlternatingRowColors(True)
    for i, c in enumerate(model.columns):
        if c.width:
            view.setColumnWidth(i, c.width)
    view.horizontalHeader().setSectionResizeMode(len(model.columns) - 1, QHeaderView.ResizeMode.Stretch)
    return view, proxy


class BatchDialog(QDialog):
    """New batch: year, name, title."""

    def __init__(self, parent: QWidget | None = None, *, year: int | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("新建推荐批次")
        self.year = QSpinBox()
        self.year.setRange(2016, 2100)
        self.year.setValue(year or dt.date.today().year)
        self.kind = QComboBox()
        self.kind.addItem("不限称号", None)
        for k in TitleKind:
            self.kind.addItem(k.label, k)
        self.kind.setCurrentIndex(1)
        self.name = QLineEdit()
        self._auto_name()
        self.year.valueChanged.connect(self._auto_name)
        self.kind.currentIndexChanged.connect(self._auto_name)
        form = QFormLayout(self)
        form.addRow("年度", self.year)
        form.addRow("称号", self.kind)
        form.addRow("批次名称", self.name)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _auto_name(self) -> None:
        kind = self.kind.currentData()
        self.name.setText(f"{self.year.value()}年度{kind.label if kind else '绿色制造'}推荐")

    def values(self) -> dict:
        return {"year": self.year.value(), "name": self.name.text(), "title_kind": self.kind.currentData()}


class BatchesView(QWidget):
    title = "推荐批次"
    tables = ("batch",)

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._batches: dict[int, batch_service.BatchRow] = {}  # the year's batches, by id
        self.year = QComboBox()
        self.year.currentIndexChanged.connect(self._load_batches)
        self.batch_combo = QComboBox()
        self.batch_combo.currentIndexChanged.connect(self._load_members)
        new_btn = QPushButton("新建批次…")
        new_btn.clicked.connect(self.new_record)
        self.delete_btn = QPushButton("删除批次")
        self.delete_btn.clicked.connect(self.delete_batch)
        self.export_btn = QPushButton("导出推荐材料…")
        self.export_btn.setToolTip("检查本批次、起草推荐函，导出推荐函、推荐汇总表和各申报材料")
        self.export_btn.clicked.connect(self.export_batch)
        self.search = QLineEdit()
        self.search.setPlaceholderText("搜索名称或信用代码…")
        self.search.setClearButtonEnabled(True)

        top = QHBoxLayout()
        top.addWidget(QLabel("年度"))
        top.addWidget(self.year)
        top.addWidget(QLabel("批次"))
        top.addWidget(self.batch_combo, 1)
        top.addWidget(new_btn)
        top.addWidget(self.delete_btn)
        top.addWidget(self.export_btn)
        top.addWidget(self.search)

        self.members = RowsModel(APP_COLUMNS)
        self.members_view, self.members_proxy = _table(self.members, self)
        self.candidates = RowsModel(APP_COLUMNS)
        self.candidates_view, self.candidates_proxy = _table(self.candidates, self)
        self.members_label = QLabel()
        self.candidates_label = QLabel()
        add_btn = QPushButton("↑ 加入批次")
        add_btn.clicked.connect(self.add_selected)
        remove_btn = QPushButton("↓ 移出批次")
        remove_btn.clicked.connect(self.remove_selected)
        self.members_view.doubleClicked.connect(lambda _i: self.remove_selected())
        self.candidates_view.doubleClicked.connect(lambda _i: self.add_selected())

        upper = QWidget()
        ul = QVBoxLayout(upper)
        ul.setContentsMargins(0, 0, 0, 0)
        ul.addWidget(self.members_label)
        ul.addWidget(self.members_view)
        lower = QWidget()
        ll = QVBoxLayout(lower)
        ll.setContentsMargins(0, 0, 0, 0)
        mid = QHBoxLayout()
        mid.addWidget(add_btn)
        mid.addWidget(remove_btn)
        mid.addStretch(1)
        ll.addLayout(mid)
        ll.addWidget(self.candidates_label)
        ll.addWidget(self.candidates_view)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(upper)
        split.addWidget(lower)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split)
        self.search.textChanged.connect(self._on_search)

    # ------------------------------------------------------------------
    def focus_search(self) -> None:
        self.search.setFocus()

    def _on_search(self, text: str) -> None:
        self.members_proxy.set_search(text)
        self.candidates_proxy.set_search(text)

    def refresh(self) -> None:
        with self.ctx.db.read() as con:
            years = batch_service.batch_years(con)
        current = self.year.currentData()
        this_year = dt.date.today().year
        if this_year not in years:
            years.insert(0, this_year)
        self.year.blockSignals(True)
        self.year.clear()
        for y in years:
            self.year.addItem(f"{y}年", y)
        idx = self.year.findData(current if current is not None else this_year)
        self.year.setCurrentIndex(max(idx, 0))
        self.year.blockSignals(False)
        self._load_batches()

    def current_batch_id(self) -> int | None:
        return self.batch_combo.currentData()

    def _load_batches(self, *_: object, select_id: int | None = None) -> None:
        year = self.year.currentData()
        keep = select_id if select_id is not None else self.current_batch_id()
        with self.ctx.db.read() as con:
            rows = batch_service.batch_rows(con, year=year)
        self._batches = {r.id: r for r in rows}
        self.batch_combo.blockSignals(True)
        self.batch_combo.clear()
        for r in rows:
            self.batch_combo.addItem(f"{r.name}（{_title_label(r.title_kind)}，{r.count}项）", r.id)
        idx = self.batch_combo.findData(keep)
        self.batch_combo.setCurrentIndex(idx if idx >= 0 else 0)
        self.batch_combo.blockSignals(False)
        self.delete_btn.setEnabled(bool(rows))
        self.export_btn.setEnabled(bool(rows))
        self._load_members()

    def _load_members(self, *_: object) -> None:
        batch_id = self.current_batch_id()
        batch = self._batches.get(batch_id) if batch_id is not None else None
        if batch is None:
            members, candidates = [], []
        else:
            with self.ctx.db.read() as con:
                members = batch_service.member_rows(con, batch_id)
                candidates = batch_service.candidate_rows(con, batch)
        self.members.set_rows(members)
        self.candidates.set_rows(candidates)
        self.members_label.setText(f"批次中的申报：{len(members)} 项")
        self.candidates_label.setText(
            f"可加入的申报（本年度、已进入区县初审或之后、未在其他批次）：{len(candidates)} 项"
            if batch_id is not None else "请先新建一个推荐批次。"
        )

    def _selected_ids(self, view: QTableView, proxy: SearchProxy) -> list[int]:
        rows = sorted({i.row() for i in view.selectionModel().selectedRows()})
        return [proxy.id_at(r) for r in rows]

    def new_record(self) -> None:
        dlg = BatchDialog(self, year=self.year.currentData())
        if not dlg.exec():
            return
        self.create_batch(**dlg.values())

    def create_batch(self, *, year: int, name: str, title_kind: TitleKind | None) -> int | None:
        with self.ctx.db.uow() as uow:
            try:
                b = batch_service.create_batch(uow.session, year=year, name=name, title_kind=title_kind)
            except MoveError as exc:
                QMessageBox.warning(self, "新建批次", str(exc))
                return None
            uow.commit()
            new_id = b.id
        self.ctx.changed("batch")
        idx = self.year.findData(year)
        if idx < 0:
            self.year.addItem(f"{year}年", year)
            idx = self.year.count() - 1
        self.year.blockSignals(True)
        self.year.setCurrentIndex(idx)
        self.year.blockSignals(False)
        self._load_batches(select_id=new_id)
        return new_id

    def export_batch(self):
        """The export wizard (推荐函 and 材料包) on the batch shown."""
        from ..dialogs.export_wizard import open_export_wizard

        return open_export_wizard(self.ctx, self, batch_id=self.current_batch_id())

    def delete_batch(self) -> None:
        batch_id = self.current_batch_id()
        if batch_id is None:
            return
        from models.entities import Batch

        with self.ctx.db.uow() as uow:
            batch = uow.session.get(Batch, batch_id)
            answer = QMessageBox.question(
                self, "删除批次", f"删除批次「{batch.name}」？删除后可用 编辑→撤销删除（Ctrl+Z）恢复。")
            if answer != QMessageBox.StandardButton.Yes:
                return
            try:
                batch_service.delete_batch(uow.session, batch)
            except MoveError as exc:
                QMessageBox.warning(self, "删除批次", str(exc))
                return
            uow.commit()
        self.ctx.changed("batch")
        self._load_batches()

    def _assign(self, ids: list[int], batch_id: int | None) -> None:
        if not ids:
            QMessageBox.information(self, "推荐批次", "请先在表格中选择申报（可按住 Ctrl 或 Shift 多选）。")
            return
        from models.entities import Application, Batch
        from models.pipeline import assign_batch

        with self.ctx.db.uow() as uow:
            apps = [uow.session.get(Application, i) for i in ids]
            batch = uow.session.get(Batch, batch_id) if batch_id is not None else None
            try:
                assign_batch(uow.session, apps, batch)
            except MoveError as exc:
                QMessageBox.warning(self, "推荐批次", str(exc))
                return
            uow.commit()
        self.ctx.changed("application", "batch")
        self._load_batches()

    def add_selected(self) -> None:
        if self.current_batch_id() is None:
            QMessageBox.information(self, "推荐批次", "请先新建一个推荐批次。")
            return
        self._assign(self._selected_ids(self.candidates_view, self.candidates_proxy), self.current_batch_id())

    def remove_selected(self) -> None:
        self._assign(self._selected_ids(self.members_view, self.members_proxy), None)

    def show_record(self, table: str, record_id: int) -> None:
        from models.db import raw_rows

        with self.ctx.db.read() as con:
            found = raw_rows(con, "SELECT year FROM batch WHERE id = ? AND deleted_at IS NULL", (record_id,))
        year = found[0][0] if found else None
        if year is None:
            return
        idx = self.year.findData(year)
        if idx >= 0:
            self.year.setCurrentIndex(idx)
        self._load_batches(select_id=record_id)
