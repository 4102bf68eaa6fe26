"""Importing a published list (recognition, revocation, renaming, evaluators, dishonesty): the
header row found, the proposed column mapping (editable per column, remembered for next year),
what the list is (kind, title, year, document number, date), every row's match with its
confidence and how it was found, the uncertain ones for the clerk to confirm, choose another
candidate or reject, and the changes applying would make. Applying runs in the background
after a backup, in one transaction."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from exports.importers.errors import column_letter
from exports.lists import (ACTIONS, IGNORE, LIST_COLUMNS, STATUS_LABELS, ListPreview, ListResult, ListSpec,
                           match_list, plan_list)
from models.stages import SubjectKind, TitleKind

from ..table_model import Column, RowsModel
from .import_forms import make_table

HOW_TEXT = {"saved": "按上次保存的对应", "exact": "列名一致", "partial": "相近列名，请核对", "manual": "已手动指定"}
NO_DATE = QDate(2000, 1, 1)
STATUS_FILTERS = (("", "全部"), ("uncertain", "待确认"), ("matched", "已匹配"), ("confirmed", "已确认"),
                  ("unmatched", "未找到"), ("rejected", "已否定"), ("out_of_scope", "非本市"), ("duplicate", "重复"))


def preview_task(parent: QWidget | None, ctx, path: Path, on_done: Callable[[Any], None]):
    """Read the list, propose the mapping and match the rows, in the background."""
    from exports.lists import preview_list_file

    from ..sync_ui import run_task

    db = ctx.db

    def work(progress, should_stop):
        with db.uow() as uow:
            return preview_list_file(uow.session, path, progress=progress, should_stop=should_stop)

    return run_task(parent, "读取名单", work, on_done, cancel_text="已取消，数据库未做任何改动。")


class ImportListDialog(QDialog):
    def __init__(self, ctx, preview: ListPreview, doubts: list[str] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.preview = preview
        self.plan: ListResult | None = None
        self.op = None
        self.result = None
        self.spec_doubts = [d for d in (doubts or []) if d not in preview.mapping.problems]
        self.names: dict[int, str] = {}  # subject id → name, for the rows' matched subject
        self.setWindowTitle(self.tr("导入名单 — {0}").format(preview.table.file))
        self.resize(1200, 800)

        t = preview.table
        skipped = "、".join(sorted({why for _, why in t.skipped}))
        self.info = QLabel(
            self.tr("文件「{0}」{1}：表头在第 {2} 行，数据 {3} 行{4}。").format(
                t.file, self.tr("工作表「{0}」").format(t.sheet) if t.sheet else "", t.header_row, len(t.rows),
                self.tr("（跳过 {0} 行：{1}）").format(len(t.skipped), skipped) if t.skipped else "")
            + (self.tr("\n标题：{0}").format(" / ".join(t.title_lines[:3])) if t.title_lines else ""))
        self.info.setWordWrap(True)
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.doubt_label = QLabel()
        self.doubt_label.setWordWrap(True)
        self.doubt_label.setStyleSheet("color: #a15c00;")

        self._build_mapping()
        self._build_spec()
        self._build_rows()

        self.save_columns = QCheckBox(self.tr("记住这份名单的列对应，明年导入同样格式的名单时自动使用"))
        self.save_columns.setChecked(True)
        self.btn_apply = QPushButton(self.tr("应用"))
        self.btn_apply.setDefault(True)
        self.btn_apply.clicked.connect(self.apply)
        self.btn_close = QPushButton(self.tr("关闭"))
        self.btn_close.clicked.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.save_columns)
        bottom.addStretch(1)
        bottom.addWidget(self.btn_apply)
        bottom.addWidget(self.btn_close)

        layout = QVBoxLayout(self)
        layout.addWidget(self.info)
        layout.addWidget(self.doubt_label)
        layout.addWidget(self.mapping_box)
        layout.addWidget(self.spec_box)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(bottom)
        self._show_spec()
        self._loaded()

    # ------------------------------------------------------------------ column mapping
    def _build_mapping(self) -> None:
        self.mapping_box = QGroupBox(self.tr("列对应（名单的每一列是什么，可修改）"))
        inner = QWidget()
        grid = QGridLayout(inner)
        grid.setContentsMargins(4, 4, 4, 4)
        self.combos: list[QComboBox] = []
        self.how_labels: list[QLabel] = []
        for c, header in enumerate(self.preview.table.headers):
            head = QLabel(f"<b>{column_letter(c)}</b> {header or self.tr('（无列名）')}")
            head.setToolTip(header)
            combo = QComboBox()
            combo.addItem(self.tr("（不导入）"), IGNORE)
            for col in LIST_COLUMNS:
                combo.addItem(col.label, col.key)
            combo.setMinimumContentsLength(8)
            how = QLabel()
            how.setStyleSheet("color: #666;")
            grid.addWidget(head, 0, c)
            grid.addWidget(combo, 1, c)
            grid.addWidget(how, 2, c)
            self.combos.append(combo)
            self.how_labels.append(how)
            combo.activated.connect(lambda _i, c=c: self._mapping_changed(c))
        grid.setColumnStretch(len(self.combos), 1)
        scroll = QScrollArea()
        scroll.setWidget(inner)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setFixedHeight(inner.sizeHint().height() + 22)
        QVBoxLayout(self.mapping_box).addWidget(scroll)
        self._show_mapping()

    def _show_mapping(self) -> None:
        m = self.preview.mapping
        for c, combo in enumerate(self.combos):
            key = m.keys.get(c, IGNORE)
            combo.setCurrentIndex(max(combo.findData(key), 0))
            how = m.how.get(c, "")
            label = self.how_labels[c]
            label.setText(self.tr(HOW_TEXT.get(how, "")) if key or how == "manual" else "")
            label.setStyleSheet("color: #a15c00;" if how == "partial" and key else "color: #666;")

    def _mapping_changed(self, col: int) -> None:
        key = self.combos[col].currentData()
        self.preview.mapping.set(col, key)
        self._show_mapping()
        self.rematch()

    # ------------------------------------------------------------------ what the list is
    def _build_spec(self) -> None:
        self.spec_box = QGroupBox(self.tr("名单内容"))
        self.action = QComboBox()
        for key, label in ACTIONS.items():
            self.action.addItem(label, key)
        self.title = QComboBox()
        for k in TitleKind:
            self.title.addItem(k.label, k.value)  # (a str enum comes back from Qt as a plain str)
        self.year = QSpinBox()
        self.year.setRange(1999, 2100)
        self.year.setSpecialValueText(self.tr("（未填）"))
        self.year.setSuffix(self.tr(" 年度"))
        self.doc = QLineEdit()
        self.doc.setPlaceholderText(self.tr("如 渝经信节能〔2026〕31号"))
        self.date = QDateEdit()
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.date.setMinimumDate(NO_DATE)
        self.date.setSpecialValueText(self.tr("（未填）"))
        self.reject_absent = QCheckBox(self.tr("本年度已推荐但不在名单上的申报改为“未通过”"))
        self.chongqing_only = QCheckBox(self.tr("只处理重庆市的行（全国名单）"))
        form = QGridLayout(self.spec_box)
        pairs = ((self.tr("名单类型："), self.action), (self.tr("称号："), self.title), (self.tr("年度："), self.year),
                 (self.tr("文号："), self.doc), (self.tr("日期："), self.date))
        for i, (label, w) in enumerate(pairs):
            form.addWidget(QLabel(label), i // 3, (i % 3) * 2)
            form.addWidget(w, i // 3, (i % 3) * 2 + 1)
        form.addWidget(self.reject_absent, 2, 0, 1, 3)
        form.addWidget(self.chongqing_only, 2, 3, 1, 3)
        for w in (self.year, self.date):
            w.setMinimumWidth(150)
        for c in (1, 3):
            form.setColumnStretch(c, 1)
        self.action.activated.connect(lambda _i: self._spec_changed(rematch=True))
        self.title.activated.connect(lambda _i: self._spec_changed(rematch=True))
        self.year.editingFinished.connect(lambda: self._spec_changed(rematch=True))
        self.chongqing_only.toggled.connect(lambda _on: self._spec_changed(rematch=True))
        self.doc.editingFinished.connect(lambda: self._spec_changed(rematch=False))
        self.date.dateChanged.connect(lambda _d: self._spec_changed(rematch=False))
        self.reject_absent.toggled.connect(lambda _on: self._spec_changed(rematch=False))

    def _show_spec(self) -> None:
        s = self.preview.spec
        widgets = (self.action, self.title, self.year, self.doc, self.date, self.reject_absent, self.chongqing_only)
        for w in widgets:
            w.blockSignals(True)
        self.action.setCurrentIndex(max(self.action.findData(s.action), 0))
        if s.title_kind is not None:
            self.title.setCurrentIndex(max(self.title.findData(s.title_kind.value), 0))
        self.year.setValue(s.year or self.year.minimum())
        self.doc.setText(s.doc_number)
        self.date.setDate(QDate(s.date.year, s.date.month, s.date.day) if s.date else NO_DATE)
        self.reject_absent.setChecked(s.reject_absent)
        self.chongqing_only.setChecked(s.chongqing_only)
        for w in widgets:
            w.blockSignals(False)
        self._enable_spec()

    def _enable_spec(self) -> None:
        action = self.action.currentData()
        self.title.setEnabled(action in ("recognition", "revocation", "renaming"))
        self.reject_absent.setEnabled(action == "recognition")
        self.year.setEnabled(action in ("recognition", "evaluators"))

    def read_spec(self) -> ListSpec:
        """The spec as the fields show it."""
        old = self.preview.spec
        action = self.action.currentData()
        title = TitleKind(self.title.currentData()) if action in ("recognition", "revocation", "renaming") else None
        d = self.date.date()
        return ListSpec(
            action=action, title_kind=title, year=self.year.value() if self.year.value() > self.year.minimum() else None,
            doc_number=self.doc.text().strip(), date=None if d == NO_DATE else dt.date(d.year(), d.month(), d.day()),
            list_name=old.list_name, reject_absent=self.reject_absent.isChecked() and action == "recognition",
            chongqing_only=self.chongqing_only.isChecked(), batch_years=dict(old.batch_years))

    def _spec_changed(self, *, rematch: bool) -> None:
        self._enable_spec()
        spec = self.read_spec()
        if spec == self.preview.spec:
            return
        self.spec_doubts = []
        if rematch:
            self.rematch(spec)
        else:
            self.preview.spec = spec
            self.replan()

    # ------------------------------------------------------------------ matches and plan
    def _build_rows(self) -> None:
        self.tabs = QTabWidget()
        # (index, 行, 名称, 信用代码, 状态, 匹配对象, 可信度, 方式, 年度, 说明)
        cols = [Column("行", 1, align_right=True, width=46), Column("名单中的名称", 2, width=260),
                Column("信用代码", 3, width=160), Column("状态", 4, width=64), Column("匹配到", 5, width=240),
                Column("可信度", 6, align_right=True, width=60, display=lambda v: f"{v:.2f}" if v else "",
                       searchable=False),
                Column("匹配方式", 7, width=170), Column("年度", 8, width=50), Column("说明", 9, width=260)]
        self.rows_model = RowsModel(cols, id_index=0)
        self.rows_view, self.rows_proxy = make_table(self.rows_model, [c.width for c in cols])
        self.rows_view.selectionModel().currentRowChanged.connect(lambda cur, _p: self._show_candidates())
        self.filter = QComboBox()
        for key, label in STATUS_FILTERS:
            self.filter.addItem(self.tr(label), key)
        self.filter.activated.connect(lambda _i: self._fill_rows())
        self.counts_label = QLabel()
        self.cand_label = QLabel(self.tr("选中一行后可确认或更改匹配。"))
        self.cand_combo = QComboBox()
        self.cand_combo.setMinimumContentsLength(30)
        self.btn_confirm = QPushButton(self.tr("确认为此对象"))
        self.btn_confirm.clicked.connect(self.confirm_selected)
        self.btn_reject = QPushButton(self.tr("都不是"))
        self.btn_reject.setToolTip(self.tr("名单上的这一行不是库中的任何对象"))
        self.btn_reject.clicked.connect(self.reject_selected)
        self.btn_other = QPushButton(self.tr("指定其他对象…"))
        self.btn_other.clicked.connect(self.choose_other)
        bar = QHBoxLayout()
        bar.addWidget(QLabel(self.tr("显示：")))
        bar.addWidget(self.filter)
        bar.addWidget(self.counts_label, 1)
        cand = QHBoxLayout()
        cand.addWidget(self.cand_label)
        cand.addWidget(self.cand_combo, 1)
        cand.addWidget(self.btn_confirm)
        cand.addWidget(self.btn_reject)
        cand.addWidget(self.btn_other)
        page = QWidget()
        pl = QVBoxLayout(page)
        pl.addLayout(bar)
        pl.addWidget(self.rows_view, 1)
        pl.addLayout(cand)
        self.tabs.addTab(page, "")

        self.plan_model = RowsModel([Column("名单行", 0, align_right=True, width=60, sort_key=lambda v: v or 0),
                                     Column("改动", 1, width=900)], id_index=0)
        self.plan_view, self.plan_proxy = make_table(self.plan_model, (60, 900))
        self.plan_label = QLabel()
        self.plan_label.setWordWrap(True)
        page2 = QWidget()
        l2 = QVBoxLayout(page2)
        l2.addWidget(self.plan_label)
        l2.addWidget(self.plan_view, 1)
        self.tabs.addTab(page2, "")

    def _subject_names(self) -> None:
        from exports.lists import subjects_in

        kind = self.preview.spec.subject_kind
        if kind is None:
            self.names = {}
            return
        with self.ctx.db.uow() as uow:
            self.names.update(subjects_in(uow.session, self.preview.rows, kind))

    def _row_tuple(self, r) -> tuple:
        sid = r.subject_id
        if sid is not None:
            target = self.names.get(sid) or next((c.name for c in r.candidates if c.key == sid), "")
        elif r.status == "uncertain" and r.candidates:
            target = self.tr("可能是：") + "、".join(c.name for c in r.candidates[:3])
        else:
            target = ""
        how = r.how_label if r.status != "confirmed" else self.tr("人工确认")
        return (r.index, r.row, r.name, r.code, r.status_label, target, r.confidence if r.candidates else 0.0,
                how, r.year or "", r.note)

    def _fill_rows(self) -> None:
        wanted = self.filter.currentData()
        current = self.selected_row()
        rows = [self._row_tuple(r) for r in self.preview.rows if not wanted or r.status == wanted]
        self.rows_model.set_rows(rows)
        counts = self.preview.counts()
        self.counts_label.setText("，".join(f"{STATUS_LABELS[k]} {n}" for k, n in counts.items() if n))
        n_unc = counts["uncertain"]
        self.tabs.setTabText(0, self.tr("匹配结果（{0} 行，待确认 {1}）").format(len(self.preview.rows), n_unc))
        if current is not None:
            self.select_row(current)
        self._show_candidates()

    def _loaded(self) -> None:
        """After a (re)match: names, rows, plan, doubts."""
        self._subject_names()
        self._show_mapping()
        self.replan()

    def replan(self) -> None:
        with self.ctx.db.uow() as uow:
            self.plan = plan_list(uow.session, self.preview)
        self.plan_model.set_rows([(c.row, c.text) for c in self.plan.changes])
        self.plan_label.setText(self.tr("应用后将会：{0}。（{1}）").format(self.plan.summary(), self.preview.spec.describe()))
        self.tabs.setTabText(1, self.tr("将会做的改动（{0}）").format(len(self.plan.changes)))
        self._fill_rows()
        self._update_state()

    def rematch(self, spec: ListSpec | None = None):
        """Match again after the mapping or the list details changed, keeping the clerk's
        decisions on rows when the kind of subject stays the same."""
        from ..sync_ui import run_task

        old = self.preview
        spec = spec or old.spec
        keep = {}
        if spec.subject_kind == old.spec.subject_kind and spec.action == old.spec.action:
            keep = {r.row: (r.status, r.subject_id) for r in old.rows if r.status in ("confirmed", "rejected")}
        db, table, mapping = self.ctx.db, old.table, old.mapping

        def work(progress, should_stop):
            with db.uow() as uow:
                return match_list(uow.session, table, mapping, spec, progress=progress, should_stop=should_stop)

        def done(preview: ListPreview) -> None:
            for r in preview.rows:
                if r.row in keep:
                    status, sid = keep[r.row]
                    if status == "confirmed" and sid is not None:
                        preview.confirm(r.index, sid)
                    elif status == "rejected":
                        preview.reject(r.index)
            self.preview = preview
            self._loaded()

        def undo_fields() -> None:
            self._show_spec()
            self._show_mapping()

        self.btn_apply.setEnabled(False)
        self.op = run_task(self, self.tr("重新匹配名单"), work, done, on_cancel=undo_fields)
        self.op.done.connect(self._op_done)
        return self.op

    def _op_done(self) -> None:
        self.op = None
        self._update_state()

    # ------------------------------------------------------------------ the clerk's decisions
    def selected_row(self) -> int | None:
        ix = self.rows_view.selectionModel().currentIndex()
        if not ix.isValid():
            return None
        return self.rows_proxy.id_at(ix.row())

    def select_row(self, index: int) -> bool:
        r = self.rows_proxy.proxy_row_of_id(index)
        if r is None:
            return False
        self.rows_view.selectRow(r)
        self.rows_view.setCurrentIndex(self.rows_proxy.index(r, 0))
        return True

    def _show_candidates(self) -> None:
        i = self.selected_row()
        self.cand_combo.clear()
        row = self.preview.rows[i] if i is not None else None
        usable = row is not None and row.status not in ("out_of_scope",) and self.preview.spec.subject_kind is not None
        if row is not None:
            for c in row.candidates:
                self.cand_combo.addItem(self.tr("{0}（可信度 {1:.2f}，{2}）").format(c.name, c.confidence,
                                                                                  self.tr(_how(c.how))), c.key)
            if row.subject_id is not None and self.cand_combo.findData(row.subject_id) < 0:
                self.cand_combo.insertItem(0, self.names.get(row.subject_id, str(row.subject_id)), row.subject_id)
            self.cand_label.setText(self.tr("第 {0} 行「{1}」：").format(row.row, row.name))
        else:
            self.cand_label.setText(self.tr("选中一行后可确认或更改匹配。"))
        self.btn_confirm.setEnabled(usable and self.cand_combo.count() > 0)
        self.btn_reject.setEnabled(usable and row.status != "rejected")
        self.btn_other.setEnabled(usable)

    def _decided(self, index: int) -> None:
        """After a decision: show it, re-plan, move on to the next uncertain row."""
        self.replan()
        nxt = next((r.index for r in self.preview.rows if r.status == "uncertain" and r.index > index), None)
        if nxt is None:
            nxt = next((r.index for r in self.preview.rows if r.status == "uncertain"), None)
        if nxt is not None and self.select_row(nxt):
            return
        self.select_row(index)

    def confirm_selected(self, subject_id: int | None = None) -> None:
        i = self.selected_row()
        if i is None:
            return
        sid = subject_id if isinstance(subject_id, int) and not isinstance(subject_id, bool) else self.cand_combo.currentData()
        if sid is None:
            return
        name = self.cand_combo.currentText().split("（")[0]
        self.names.setdefault(sid, name)
        self.preview.confirm(i, sid)
        self._decided(i)

    def reject_selected(self) -> None:
        i = self.selected_row()
        if i is None:
            return
        self.preview.reject(i)
        self._decided(i)

    def choose_other(self) -> None:
        """Pick any subject of the list's kind for the selected row."""
        from sqlalchemy import select

        from models.entities import Enterprise, Park

        i = self.selected_row()
        kind = self.preview.spec.subject_kind
        if i is None or kind is None:
            return
        model = Park if kind is SubjectKind.PARK else Enterprise
        with self.ctx.db.uow() as uow:
            rows = uow.session.execute(select(model.id, model.name, model.credit_code)
                                       .where(model.deleted_at.is_(None)).order_by(model.name)).all()
        labels = [f"{name}（{code}）" if code else name for _, name, code in rows]
        if not labels:
            return
        row = self.preview.rows[i]
        text, ok = QInputDialog.getItem(self, self.tr("指定对象"),
                                        self.tr("名单第 {0} 行「{1}」是：").format(row.row, row.name), labels, 0, False)
        if not ok or text not in labels:
            return
        sid, name, _ = rows[labels.index(text)]
        self.names[sid] = name
        self.preview.confirm(i, sid)
        self._decided(i)

    # ------------------------------------------------------------------ apply
    def _update_state(self) -> None:
        doubts = list(self.preview.mapping.problems) + self.spec_doubts
        n_unc = len(self.preview.uncertain())
        if n_unc:
            doubts.append(self.tr("有 {0} 行名称相近但不完全一致，请在下面逐行确认（未确认的行不处理）").format(n_unc))
        self.doubt_label.setText(self.tr("请核对：") + "；".join(doubts) + "。" if doubts else "")
        self.doubt_label.setVisible(bool(doubts))
        m = self.preview.mapping
        has_key = any(m.column(k) is not None for k in ("name", "credit_code", "old_name"))
        self.btn_apply.setEnabled(self.op is None and has_key and bool(self.plan and self.plan.changes))

    def apply(self):
        from exports.lists import apply_list

        from ..sync_ui import finish_apply, run_task

        title = self.tr("导入名单")
        if self.preview.spec.action in ("recognition", "revocation") and self.preview.spec.title_kind is None:
            QMessageBox.warning(self, title, self.tr("请先选择名单对应的称号。"))
            return None
        n_unc = len(self.preview.uncertain())
        if n_unc:
            answer = QMessageBox.question(
                self, title, self.tr("还有 {0} 行待确认，这些行不会处理。仍要应用吗？").format(n_unc))
            if answer != QMessageBox.StandardButton.Yes:
                return None
        db, preview, save = self.ctx.db, self.preview, self.save_columns.isChecked()

        def work(progress, should_stop):
            return apply_list(db, preview, save_columns=save, progress=progress, should_stop=should_stop)

        def done(result: ListResult) -> None:
            self.result = result
            finish_apply(self, title, result.backup, self.tr("导入名单「{0}」").format(preview.table.file),
                         self.tr("已导入名单：{0}。").format(result.summary()))

        self.btn_apply.setEnabled(False)
        self.op = run_task(self, self.tr("正在导入名单"), work, done, cancel_text=self.tr("已取消导入，数据库未做任何改动。"))
        self.op.done.connect(self._op_done)
        return self.op


def _how(how: str) -> str:
    from exports.names import HOW_LABELS

    return HOW_LABELS.get(how, how)


__all__ = ["ImportListDialog", "preview_task"]
