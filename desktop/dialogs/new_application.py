"""Adding an application: one enterprise or park, one title, one year, starting in 培育.

The title decides who may apply (a factory title: an enterprise; a park title: a park), so the
subject list follows the chosen title. Starting later than 培育 skips stages and needs a reason,
like any skip. The same subject may apply for the same title only once a year.
"""
from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from forms.codes import district_name
from models import subjects
from models.entities import Enterprise, Park
from models.pipeline import MoveError, create_application, duplicate_applications
from models.stages import STAGES, Stage, SubjectKind, TitleKind

from ..table_model import Column, RowsModel, SearchProxy


def subject_rows(session, kind: SubjectKind) -> list[tuple]:
    """(id, name, credit code, district code) of every live enterprise or park."""
    if kind is SubjectKind.ENTERPRISE:
        return [(r[0], r[1], r[2] or "", r[3] or "") for r in subjects.enterprise_rows(session)]
    # park_rows: id, name, park_type, approval_level, district_code, ...
    return [(r[0], r[1], r[2] or "", r[4] or "") for r in subjects.park_rows(session)]


class NewApplicationDialog(QDialog):
    def __init__(self, ctx, parent: QWidget | None = None, *, year: int | None = None,
                 title_kind: TitleKind | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.created_id: int | None = None
        self.setWindowTitle(self.tr("新增申报"))
        self.resize(640, 520)
        self._loaded_kind: SubjectKind | None = None

        lay = QVBoxLayout(self)
        form = QFormLayout()
        self.title_combo = QComboBox()
        for kind in TitleKind:
            self.title_combo.addItem(f"{kind.label}（{kind.subject.label}）", kind.value)
        if title_kind is not None:
            self.title_combo.setCurrentIndex(max(self.title_combo.findData(title_kind.value), 0))
        form.addRow(self.tr("申报称号："), self.title_combo)

        self.year_spin = QSpinBox()
        self.year_spin.setRange(2000, 2100)
        self.year_spin.setValue(year or dt.date.today().year)
        self.year_spin.setSuffix(self.tr(" 年度"))
        form.addRow(self.tr("年度："), self.year_spin)

        self.search = QLineEdit()
        self.search.setClearButtonEnabled(True)
        form.addRow(self.tr("查找主体："), self.search)
        lay.addLayout(form)

        self.subject_model = RowsModel([
            Column(self.tr("名称"), 1),
            Column(self.tr("统一社会信用代码"), 2),
            Column(self.tr("区县"), 3, display=district_name),
        ])
        self.subject_proxy = SearchProxy(self.subject_model, self)
        self.subject_table = QTableView()
        self.subject_table.setModel(self.subject_proxy)
        self.subject_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.subject_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.subject_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.subject_table.verticalHeader().hide()
        self.subject_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.subject_table.setColumnWidth(1, 170)
        self.subject_table.setColumnWidth(2, 90)
        lay.addWidget(self.subject_table, 1)

        form2 = QFormLayout()
        self.stage_combo = QComboBox()
        for st in STAGES:
            self.stage_combo.addItem(st.label, st.value)
        form2.addRow(self.tr("起始环节："), self.stage_combo)
        self.reason_edit = QLineEdit()
        self.reason_edit.setPlaceholderText(self.tr("从「培育」以外的环节开始时必填，例如：补录以往进度"))
        form2.addRow(self.tr("说明："), self.reason_edit)
        lay.addLayout(form2)

        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b3261e;")
        self.error_label.hide()
        lay.addWidget(self.error_label)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("添加"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)

        self.title_combo.currentIndexChanged.connect(self._on_title)
        self.search.textChanged.connect(self._on_search)
        self.subject_table.selectionModel().selectionChanged.connect(self._update_ok)
        self.subject_table.doubleClicked.connect(lambda _i: self.accept())
        self.stage_combo.currentIndexChanged.connect(self._update_ok)
        self.reason_edit.textChanged.connect(self._update_ok)
        self._on_title()
        self.search.setFocus()

    # ------------------------------------------------------------------ state
    def title_kind(self) -> TitleKind:
        return TitleKind(self.title_combo.currentData())

    def stage(self) -> Stage:
        return Stage(self.stage_combo.currentData())

    def selected_subject_id(self) -> int | None:
        rows = self.subject_table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.subject_proxy.id_at(rows[0].row())

    def select_subject(self, subject_id: int) -> bool:
        row = self.subject_proxy.proxy_row_of_id(subject_id)
        if row is None:
            return False
        self.subject_table.selectRow(row)
        self.subject_table.scrollTo(self.subject_proxy.index(row, 0))
        return True

    def _on_title(self) -> None:
        kind = self.title_kind().subject
        if kind is not self._loaded_kind:
            with self.ctx.db.uow() as uow:
                rows = subject_rows(uow.session, kind)
            self.subject_model.set_rows(rows)
            self._loaded_kind = kind
            self.search.setPlaceholderText(
                self.tr("输入企业名称或统一社会信用代码") if kind is SubjectKind.ENTERPRISE
                else self.tr("输入园区名称")
            )
        self._update_ok()

    def _on_search(self, text: str) -> None:
        self.subject_proxy.set_search(text)
        if self.subject_proxy.rowCount() == 1:
            self.subject_table.selectRow(0)
        self._update_ok()

    def _update_ok(self, *_args) -> None:
        ok = self.selected_subject_id() is not None
        needs_reason = self.stage() is not Stage.CULTIVATING
        if needs_reason and not self.reason_edit.text().strip():
            ok = False
        self.ok_button.setEnabled(ok)

    def _show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.show()

    # ------------------------------------------------------------------ saving
    def accept(self) -> None:
        subject_id = self.selected_subject_id()
        if subject_id is None:
            self._show_error(self.tr("请先在列表中选择申报的企业或园区。"))
            return
        stage = self.stage()
        reason = self.reason_edit.text().strip()
        if stage is not Stage.CULTIVATING and not reason:
            self._show_error(self.tr("从「{0}」开始跳过了前面的环节，请在“说明”中填写原因。").format(stage.label))
            return
        kind = self.title_kind()
        year = self.year_spin.value()
        with self.ctx.db.uow() as uow:
            s = uow.session
            if kind.subject is SubjectKind.ENTERPRISE:
                subject = s.get(Enterprise, subject_id)
            else:
                subject = s.get(Park, subject_id)
            if subject is None or subject.deleted_at is not None:
                self._show_error(self.tr("所选主体已被删除，请重新选择。"))
                return
            try:
                app = create_application(
                    s, year=year, title_kind=kind, stage=stage, reason=reason,
                    enterprise=subject if kind.subject is SubjectKind.ENTERPRISE else None,
                    park=subject if kind.subject is SubjectKind.PARK else None,
                )
                s.flush()
            except MoveError as exc:
                self._show_error(str(exc))
                return
            dups = duplicate_applications(s, app)
            if dups:
                self._show_error(self.tr(
                    "「{0}」已有{1}年度「{2}」的申报（当前环节：{3}），同一主体同一称号每年只申报一次。"
                    "请在看板中找到已有的申报继续办理。"
                ).format(subject.name, year, kind.label, dups[0].stage.label))
                return
            uow.commit()
            self.created_id = app.id
        super().accept()

