"""The preview of filled information forms before anything is written.

Tabs 新增 / 更新 / 未变 / 错误 (and 提醒 when there are warnings), each with its count; 更新 shows
the chosen row's changes field by field (原值 → 新值); 错误 lists every problem with file, sheet,
row, column, the value found and the reason, and can be exported to Excel for the enterprise.
The clerk chooses rows with the check boxes; 应用 stays disabled while a chosen row has errors
(exclude those rows, or correct the file and check again). Applying runs in the background
(backup first, one transaction, 取消 changes nothing) and ends with the backup's name and how
to undo.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from exports.importers.forms_in import FormPreview, RowResult
from forms.fields import Kind

from ..table_model import Column, RowsModel, SearchProxy

IndexLike = QModelIndex | QPersistentModelIndex
CHECK_ROLE = int(Qt.ItemDataRole.CheckStateRole)


class CheckRowsModel(RowsModel):
    """A RowsModel whose first column carries a check box, backed by the dialog's choice
    (``is_checked(id)`` / ``set_checked(id, bool)``); rows whose id is None have no box."""

    _HANDLED = RowsModel._HANDLED | {CHECK_ROLE}

    def __init__(self, columns: Sequence[Column], is_checked: Callable[[Any], bool],
                 set_checked: Callable[[Any, bool], None], parent=None, *, id_index: int = 0) -> None:
        super().__init__(columns, parent, id_index=id_index)
        self.is_checked = is_checked
        self.set_checked = set_checked

    def _checkable(self, index: IndexLike) -> bool:
        return index.isValid() and index.column() == 0 and 0 <= index.row() < self.rowCount() \
            and self.id_at(index.row()) is not None

    def data(self, index: IndexLike, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == CHECK_ROLE:
            if not self._checkable(index):
                return None
            return Qt.CheckState.Checked if self.is_checked(self.id_at(index.row())) else Qt.CheckState.Unchecked
        return super().data(index, role)

    def flags(self, index: IndexLike) -> Qt.ItemFlag:
        f = super().flags(index)
        if self._checkable(index):
            f |= Qt.ItemFlag.ItemIsUserCheckable
        return f

    def setData(self, index: IndexLike, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != CHECK_ROLE or not self._checkable(index):
            return False
        state = getattr(value, "value", value)
        self.set_checked(self.id_at(index.row()), int(state) == Qt.CheckState.Checked.value)
        self.dataChanged.emit(index, index, [CHECK_ROLE])
        return True

    def refresh_checks(self) -> None:
        if self.rowCount():
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, 0), [CHECK_ROLE])


def make_table(model: RowsModel, widths: Iterable[int] = ()) -> tuple[QTableView, SearchProxy]:
    """A read-only, sortable table over ``model`` in the program's usual look."""
    proxy = SearchProxy(model)
    view = QTableView()
    view.setModel(proxy)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    # no sort until the clerk clicks a header: the rows stay in the file's order
    view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
    view.setSortingEnabled(True)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 10)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(True)
    for i, w in enumerate(widths):
        header.resizeSection(i, w)
    return view, proxy


def preview_task(parent: QWidget | None, ctx, paths: Sequence[Path], on_done: Callable[[FormPreview], None]):
    """Read and check the forms in the background (nothing is written)."""
    from exports.importers.forms_in import preview_forms

    from ..sync_ui import run_task

    db = ctx.db

    def work(progress, should_stop):
        with db.uow() as uow:
            return preview_forms(uow.session, list(paths), progress=progress, should_stop=should_stop)

    return run_task(parent, "检查信息采集表", work, on_done, cancel_text="已取消检查，数据库未做任何改动。")


def _value_text(f, value: Any, parks: dict[int, str]) -> str:
    from exports.importers.forms_in import NewRef

    if isinstance(value, NewRef):
        return f"{value.name}（本次新增）"
    if f.kind is Kind.REF:
        return parks.get(value, "") if value is not None else ""
    return f.display(value)


class ImportFormsDialog(QDialog):
    TABS = ("create", "update", "unchanged", "error")

    def __init__(self, ctx, preview: FormPreview, paths: Sequence[Path] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.preview = preview
        self.paths = list(paths) or list(preview.files)
        self.op = None
        self.result = None
        self.setWindowTitle(self.tr("导入信息采集表 — 预览"))
        self.resize(1180, 720)
        self.chosen: set[int] = set()

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.rejected_label = QLabel()
        self.rejected_label.setWordWrap(True)
        self.rejected_label.setStyleSheet("color: #b00020;")
        self.ignore_rejected = QCheckBox(self.tr("忽略无法读取的文件，只导入其余文件"))
        self.ignore_rejected.toggled.connect(self._update_state)
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("查找名称、信用代码、文件、原因……"))
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(240)
        self.search.textChanged.connect(self._on_search)

        self.tabs = QTabWidget()
        self.models: dict[str, RowsModel] = {}
        self.views: dict[str, QTableView] = {}
        self.proxies: dict[str, SearchProxy] = {}
        self._build_tabs()

        self.choice_label = QLabel()
        self.block_label = QLabel()
        self.block_label.setWordWrap(True)
        self.block_label.setStyleSheet("color: #b00020; font-weight: bold;")
        self.btn_all = QPushButton(self.tr("全选"))
        self.btn_all.clicked.connect(self.choose_all)
        self.btn_exclude = QPushButton(self.tr("排除有错误的行"))
        self.btn_exclude.clicked.connect(self.exclude_errors)
        self.btn_export = QPushButton(self.tr("导出问题到 Excel…"))
        self.btn_export.clicked.connect(self.export_problems)
        self.btn_recheck = QPushButton(self.tr("重新检查"))
        self.btn_recheck.setToolTip(self.tr("文件改正后，重新读取并检查"))
        self.btn_recheck.clicked.connect(self.recheck)
        self.btn_apply = QPushButton(self.tr("应用"))
        self.btn_apply.setDefault(True)
        self.btn_apply.clicked.connect(self.apply)
        self.btn_close = QPushButton(self.tr("关闭"))
        self.btn_close.clicked.connect(self.reject)

        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.search)
        row = QHBoxLayout()
        for b in (self.btn_all, self.btn_exclude, self.btn_export, self.btn_recheck):
            row.addWidget(b)
        row.addStretch(1)
        row.addWidget(self.choice_label)
        row.addWidget(self.btn_apply)
        row.addWidget(self.btn_close)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.rejected_label)
        layout.addWidget(self.ignore_rejected)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.block_label)
        layout.addLayout(row)
        self.load(preview)

    # ------------------------------------------------------------------ building
    def _build_tabs(self) -> None:
        chk, setc = self.is_chosen, self.set_chosen
        text_cols = lambda *spec: [Column(h, i, width=w) for i, (h, w) in enumerate(spec, start=1)]  # noqa: E731
        row_col = lambda h, i: Column(h, i, align_right=True, width=50, sort_key=lambda v: v or 0)  # noqa: E731
        # 新增: (id, 名称, 标识, 表格, 填写的内容, 文件, 工作表, 行); the long text last
        cols = text_cols(("名称", 250), ("统一社会信用代码", 160), ("表格", 80), ("填写的内容", 400), ("文件", 170),
                         ("工作表", 70))
        cols.append(row_col("行", 7))
        cols = cols[:3] + cols[4:] + [cols[3]]
        self._add_tab("create", CheckRowsModel(cols, chk, setc), [c.width for c in cols])
        # 更新: (id, 名称, 标识, 改动, 文件, 工作表, 行) + the field-by-field detail
        cols = text_cols(("名称", 250), ("统一社会信用代码", 160), ("改动（原值 → 新值）", 420), ("文件", 170),
                         ("工作表", 70))
        cols.append(row_col("行", 6))
        cols = cols[:2] + cols[3:] + [cols[2]]
        self._add_tab("update", CheckRowsModel(cols, chk, setc), [c.width for c in cols], page=False)
        # 未变
        cols = text_cols(("名称", 280), ("统一社会信用代码", 170), ("文件", 200), ("工作表", 80))
        cols.append(row_col("行", 5))
        self._add_tab("unchanged", RowsModel(cols), [c.width for c in cols])
        self.views["unchanged"].horizontalHeader().setStretchLastSection(False)
        # 错误: (row index or None, 名称, 文件, 工作表, 行, 列, 表头, 内容, 原因)
        cols = text_cols(("名称（勾选=导入该行）", 200), ("文件", 170), ("工作表", 70))
        cols += [row_col("行", 4), Column("列", 5, width=36), Column("表头", 6, width=120),
                 Column("填写的内容", 7, width=140), Column("原因", 8, width=300)]
        self._add_tab("error", CheckRowsModel(cols, chk, setc), [c.width for c in cols])
        # 提醒
        cols = text_cols(("文件", 200), ("工作表", 80))
        cols += [row_col("行", 3), Column("列", 4, width=40), Column("表头", 5, width=130),
                 Column("填写的内容", 6, width=170), Column("说明", 7, width=420)]
        self._add_tab("warning", RowsModel(cols), [c.width for c in cols])

        # the update tab: master table above, the chosen row's changes below
        update_view = self.views["update"]
        self.detail_model = RowsModel([Column("字段", 0, width=200), Column("原值", 1, width=330),
                                       Column("新值", 2, width=330)], id_index=0)
        self.detail_view, self.detail_proxy = make_table(self.detail_model, (200, 330, 330))
        self.detail_label = QLabel(self.tr("选中上面的一行，这里逐项显示它的改动。"))
        box = QWidget()
        bl = QVBoxLayout(box)
        bl.setContentsMargins(0, 0, 0, 0)
        bl.addWidget(self.detail_label)
        bl.addWidget(self.detail_view)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(update_view)
        split.addWidget(box)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        self.tabs.insertTab(1, split, "")
        self._tab_widgets = {"update": split}
        update_view.selectionModel().currentRowChanged.connect(lambda cur, _prev: self._show_changes(cur))

    def _add_tab(self, key: str, model: RowsModel, widths: list, *, page: bool = True) -> None:
        view, proxy = make_table(model, [w or 100 for w in widths])
        self.models[key], self.views[key], self.proxies[key] = model, view, proxy
        if page:
            self.tabs.addTab(view, "")

    def _tab_widget(self, key: str) -> QWidget:
        return getattr(self, "_tab_widgets", {}).get(key) or self.views[key]

    # ------------------------------------------------------------------ content
    def load(self, preview: FormPreview) -> None:
        from exports.xlsx_forms import form_schemas
        from sqlalchemy import select

        from models.entities import Park

        self.preview = preview
        self.chosen = {r.index for r in preview.rows if r.action in ("create", "update", "error")}
        schemas = form_schemas()
        with self.ctx.db.uow() as uow:
            parks = dict(uow.session.execute(select(Park.id, Park.name)).all())

        def filled(r: RowResult) -> str:
            schema = schemas[r.kind]
            parts = []
            for f in schema.fields:
                if f.key in ("name", "credit_code") or f.key not in r.values:
                    continue
                text = _value_text(f, r.values[f.key], parks)
                if text:
                    parts.append(f"{f.label}：{text}")
            return "；".join(parts)

        def code(r: RowResult) -> str:
            return str(r.values.get("credit_code") or "")

        creates, updates, same, errors = [], [], [], []
        for r in preview.rows:
            title = schemas[r.kind].title if r.kind in schemas else r.kind
            if r.action == "create":
                creates.append((r.index, r.name, code(r), title, filled(r), r.file, r.sheet, r.row))
            elif r.action == "update":
                changes = "；".join(f"{c.label}：{c.old_text or '（空）'} → {c.new_text or '（空）'}" for c in r.changes)
                updates.append((r.index, r.name, code(r), changes, r.file, r.sheet, r.row))
            elif r.action == "unchanged":
                same.append((r.index, r.name, code(r), r.file, r.sheet, r.row))
        for exc in preview.rejected:
            errors.append((None, self.tr("（整个文件无法读取）"), exc.path.name, exc.sheet, exc.row, exc.column, "", "",
                           exc.reason))
        for r in preview.rows:
            if r.action != "error":
                continue
            for i in r.issues:
                errors.append((r.index, r.name, i.file, i.sheet, i.row, i.column, i.header, _plain(i.value), i.reason))
        warnings = [(None, i.file, i.sheet, i.row, i.column, i.header, _plain(i.value), i.reason)
                    for i in preview.warnings]
        for key, rows in (("create", creates), ("update", updates), ("unchanged", same), ("error", errors),
                          ("warning", warnings)):
            self.models[key].set_rows(rows)
        self.detail_model.set_rows([])

        counts = preview.counts()
        n_err = counts["error"] + len(preview.rejected)
        labels = {"create": self.tr("新增 ({0})").format(counts["create"]),
                  "update": self.tr("更新 ({0})").format(counts["update"]),
                  "unchanged": self.tr("未变 ({0})").format(counts["unchanged"]),
                  "error": self.tr("错误 ({0})").format(n_err),
                  "warning": self.tr("提醒 ({0})").format(len(preview.warnings))}
        for key, text in labels.items():
            i = self.tabs.indexOf(self._tab_widget(key))
            self.tabs.setTabText(i, text)
        self.tabs.setTabVisible(self.tabs.indexOf(self._tab_widget("warning")), bool(preview.warnings))
        files = "、".join(f"{name}（{schemas[k].title if k in schemas else k}）" for name, k in preview.kinds.items())
        self.summary.setText(
            self.tr("读取文件 {0} 个：{1}\n新增 {2} 条，更新 {3} 条，未变 {4} 条，有错误 {5} 行（{6} 处问题）。"
                    "勾选的行将被导入；导入前自动备份数据库。").format(
                len(preview.files), files or "—", counts["create"], counts["update"], counts["unchanged"],
                counts["error"], sum(len(r.issues) for r in preview.rows) + len(preview.rejected)))
        if preview.rejected:
            self.rejected_label.setText("\n".join(self.tr("无法读取：{0}").format(exc) for exc in preview.rejected))
        self.rejected_label.setVisible(bool(preview.rejected))
        self.ignore_rejected.setVisible(bool(preview.rejected))
        self.ignore_rejected.setChecked(False)
        first = next((k for k in ("error", "create", "update", "unchanged") if self.models[k].visible_count()), "create")
        self.tabs.setCurrentWidget(self._tab_widget(first))
        self._update_state()

    def _show_changes(self, current: QModelIndex) -> None:
        if not current.isValid():
            self.detail_model.set_rows([])
            return
        rid = self.proxies["update"].id_at(current.row())
        r = self.preview.rows[rid]
        self.detail_label.setText(self.tr("「{0}」（{1} 第{2}行）的改动：").format(r.name, r.file, r.row))
        self.detail_model.set_rows([(c.label, c.old_text or self.tr("（空）"), c.new_text or self.tr("（空）"))
                                    for c in r.changes])

    def _on_search(self, text: str) -> None:
        for proxy in self.proxies.values():
            proxy.set_search(text)

    # ------------------------------------------------------------------ choosing rows
    def is_chosen(self, index: int) -> bool:
        return index in self.chosen

    def set_chosen(self, index: int, on: bool) -> None:
        if on:
            self.chosen.add(index)
        else:
            self.chosen.discard(index)
        for m in self.models.values():
            if isinstance(m, CheckRowsModel):
                m.refresh_checks()
        self._update_state()

    def choose(self, indices: Iterable[int]) -> None:
        self.chosen = {i for i in indices if self.preview.rows[i].action != "unchanged"}
        for m in self.models.values():
            if isinstance(m, CheckRowsModel):
                m.refresh_checks()
        self._update_state()

    def choose_all(self) -> None:
        self.choose(r.index for r in self.preview.rows)

    def exclude_errors(self) -> None:
        self.choose(i for i in self.chosen if self.preview.rows[i].ok)

    def chosen_rows(self) -> list[RowResult]:
        return [r for r in self.preview.rows if r.index in self.chosen]

    def apply_problem(self) -> str:
        """Why 应用 is not possible now ("" when it is)."""
        bad = [r for r in self.chosen_rows() if not r.ok]
        if bad:
            where = "、".join(f"{r.file} 第{r.row}行" for r in bad[:3]) + ("等" if len(bad) > 3 else "")
            return self.tr("所选的行中有 {0} 行有错误（{1}），不能导入。请改正文件后点“重新检查”，"
                           "或在“错误”页取消勾选这些行（也可点“排除有错误的行”）后再应用。").format(len(bad), where)
        if self.preview.rejected and not self.ignore_rejected.isChecked():
            return self.tr("有 {0} 个文件无法读取（见上方）。请处理这些文件后点“重新检查”，"
                           "或勾选“忽略无法读取的文件”后再应用。").format(len(self.preview.rejected))
        if not any(r.action in ("create", "update") for r in self.chosen_rows()):
            return self.tr("没有勾选要新增或更新的行。")
        return ""

    def _update_state(self) -> None:
        rows = self.chosen_rows()
        n_create = sum(1 for r in rows if r.action == "create")
        n_update = sum(1 for r in rows if r.action == "update")
        n_bad = sum(1 for r in rows if not r.ok)
        self.choice_label.setText(self.tr("已勾选：新增 {0} 条，更新 {1} 条").format(n_create, n_update)
                                  + (self.tr("，有错误 {0} 行").format(n_bad) if n_bad else ""))
        problem = self.apply_problem()
        blocking = problem and not problem.startswith(self.tr("没有勾选"))
        self.block_label.setText(problem if blocking else "")
        self.block_label.setVisible(bool(blocking))
        self.btn_apply.setEnabled(not problem and self.op is None)
        self.btn_exclude.setEnabled(any(not r.ok for r in rows))
        self.btn_export.setEnabled(bool(self.preview.issues or self.preview.warnings))

    # ------------------------------------------------------------------ actions
    def export_problems(self) -> Path | None:
        from exports.importers.forms_in import export_issues

        from ..sync_ui import KEY_EXPORT_DIR, last_dir, set_last_dir

        stem = self.paths[0].stem if len(self.paths) == 1 else "信息采集表"
        start = str(Path(last_dir(self.ctx, KEY_EXPORT_DIR)) / f"{stem}-导入问题.xlsx")
        path, _ = QFileDialog.getSaveFileName(self, self.tr("导出问题清单"), start, "Excel 工作簿 (*.xlsx)")
        if not path:
            return None
        path = Path(path)
        if path.suffix.lower() != ".xlsx":
            path = path.with_name(path.name + ".xlsx")
        try:
            export_issues(list(self.preview.issues) + list(self.preview.warnings), path)
        except OSError as exc:
            QMessageBox.warning(self, self.tr("导出问题清单"),
                                self.tr("无法保存「{0}」：{1}\n请确认该文件没有在 Excel/WPS 中打开。").format(path.name, exc))
            return None
        set_last_dir(self.ctx, KEY_EXPORT_DIR, path)
        self.ctx.status.emit(self.tr("问题清单已保存：{0}").format(path))
        return path

    def recheck(self):
        self.btn_recheck.setEnabled(False)

        def done(preview: FormPreview) -> None:
            self.btn_recheck.setEnabled(True)
            self.load(preview)

        self.op = preview_task(self, self.ctx, self.paths, done)
        self.op.done.connect(self._op_done)
        self.op.done.connect(lambda: self.btn_recheck.setEnabled(True))
        return self.op

    def _op_done(self) -> None:
        self.op = None
        self._update_state()

    def apply(self):
        from exports.importers.forms_in import apply_forms

        from ..sync_ui import finish_apply, run_task

        title = self.tr("导入信息采集表")
        problem = self.apply_problem()
        if problem:
            QMessageBox.warning(self, title, problem)
            return None
        exclude = [r.index for r in self.preview.rows if r.index not in self.chosen and r.action != "unchanged"]
        db, preview, ignore = self.ctx.db, self.preview, self.ignore_rejected.isChecked()

        def work(progress, should_stop):
            return apply_forms(db, preview, exclude=exclude, ignore_rejected_files=ignore, progress=progress,
                               should_stop=should_stop)

        def done(result) -> None:
            self.result = result
            names = "、".join(p.name for p in self.paths[:3]) + ("等" if len(self.paths) > 3 else "")
            finish_apply(self, title, result.backup, self.tr("导入信息采集表「{0}」").format(names),
                         self.tr("已导入：{0}。").format(result.summary()))

        self.btn_apply.setEnabled(False)
        self.op = run_task(self, self.tr("正在导入信息采集表"), work, done,
                           cancel_text=self.tr("已取消导入，数据库未做任何改动。"))
        self.op.done.connect(self._op_done)
        return self.op


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d")
    return str(value)
