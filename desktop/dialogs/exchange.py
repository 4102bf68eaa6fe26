"""The exchange file between PCs: exporting it (save dialog, background), and importing it —
what would be added or updated per kind of record, and every record changed on both PCs shown
side by side (字段 | 本机 | 文件) for the clerk to choose, one by one or all at once. Merging is
refused until every conflict is decided; it runs in the background after a backup."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QFileDialog,
    QHeaderView,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from exports.exchange import MergePreview, conflict_rows
from models.sync import table_label

from ..table_model import Column, RowsModel
from .import_forms import make_table

CHOICE_LABELS = {"local": "保留本机", "incoming": "用文件中的", None: "未选择"}


# --------------------------------------------------------------------------- export


def export_exchange_file(ctx, parent: QWidget | None = None):
    """Ask where to save, then write the exchange file in the background."""
    from exports.exchange import SUFFIX, export_exchange
    from models.office import get_profile

    from ..sync_ui import KEY_EXPORT_DIR, last_dir, run_task, set_last_dir

    with ctx.db.uow() as uow:
        p = get_profile(uow.session)
        office = p.district_name or p.bureau_name or "绿色制造"
    start = str(Path(last_dir(ctx, KEY_EXPORT_DIR)) / f"{office}-交换文件-{dt.date.today():%Y%m%d}{SUFFIX}")
    path, _ = QFileDialog.getSaveFileName(parent, "导出交换文件", start, f"交换文件 (*{SUFFIX})")
    if not path:
        return None
    path = Path(path)
    set_last_dir(ctx, KEY_EXPORT_DIR, path)
    db = ctx.db

    def work(progress, should_stop):
        return export_exchange(db, path, progress=progress, should_stop=should_stop)

    def done(result) -> None:
        rows = sum(result.tables.values())
        ctx.status.emit(f"已导出交换文件：{result.path}")
        QMessageBox.information(
            parent, "导出交换文件",
            f"已导出：\n{result.path}\n\n共 {rows} 条记录、{result.files} 个附件（{result.bytes / 1024 / 1024:.1f} MB）。\n"
            "把它拷到另一台电脑（或明年的电脑）上，用“导入导出 → 导入…”导入即可合并，两边的改动都不会丢失。")

    return run_task(parent, "导出交换文件", work, done, cancel_text="已取消导出，没有生成文件。")


def preview_task(parent: QWidget | None, ctx, path: Path, on_done: Callable[[MergePreview], None]):
    """Read the exchange file and compare it with this PC's data, in the background."""
    from exports.exchange import preview_exchange_file

    from ..sync_ui import run_task

    db = ctx.db

    def work(progress, should_stop):
        return preview_exchange_file(db, path, progress=progress, should_stop=should_stop)

    return run_task(parent, "读取交换文件", work, on_done, cancel_text="已取消，数据库未做任何改动。")


# --------------------------------------------------------------------------- import


class ExchangeImportDialog(QDialog):
    def __init__(self, ctx, preview: MergePreview, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.preview = preview
        self.choices: dict[int, str] = {}
        self.op = None
        self.result = None
        self.setWindowTitle(self.tr("导入交换文件 — {0}").format(preview.file.path.name))
        self.resize(1100, 720)

        xf = preview.file
        office = xf.office.get("bureau_name") or xf.office.get("district_name") or self.tr("（未填单位）")
        counts = preview.counts()
        info = QLabel(
            self.tr("来自：{0}，导出于 {1}（{2}）\n合并后：新增 {3} 条，更新 {4} 条，无变化 {5} 条，本机较新保留 {6} 条，"
                    "冲突 {7} 条，新附件 {8} 个。").format(
                office, xf.created_at.replace("T", " "), xf.path.name, counts["new"], counts["update"],
                counts["unchanged"], counts["keep_local"], counts["conflict"], len(preview.new_files))
            + (self.tr("\n本机还没有单位信息，将采用文件中的单位信息。") if preview.take_office else ""))
        info.setWordWrap(True)
        info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.tabs = QTabWidget()
        # per table: (table, 数据, 新增, 更新, 无变化, 本机较新, 冲突)
        num = lambda h, i: Column(h, i, align_right=True, width=80, searchable=False)  # noqa: E731
        cols = [Column("数据", 1, width=200), num("新增", 2), num("更新", 3), num("无变化", 4), num("本机较新", 5),
                num("冲突", 6)]
        self.tables_model = RowsModel(cols, id_index=0)
        self.tables_view, self.tables_proxy = make_table(self.tables_model, [c.width for c in cols])
        self.tables_view.horizontalHeader().setStretchLastSection(False)
        self.tables_model.set_rows([
            (t, table_label(t), c["new"], c["update"], c["unchanged"], c["keep_local"], c["conflict"])
            for t, c in preview.counts_by_table().items()])
        self.tabs.addTab(self.tables_view, self.tr("各类数据"))

        # conflicts: the list on the left, the chosen one side by side on the right
        self.conflicts_model = RowsModel([Column("记录", 1, width=220), Column("数据", 2, width=56),
                                          Column("不同的字段", 3, width=70, align_right=True, searchable=False),
                                          Column("选择", 4, width=80)], id_index=0)
        self.conflicts_view, self.conflicts_proxy = make_table(self.conflicts_model, (220, 56, 70, 80))
        self.conflicts_view.selectionModel().currentRowChanged.connect(lambda cur, _p: self._show_conflict(cur))
        self.side_model = RowsModel([Column("字段", 0, width=160), Column("本机", 1, width=250),
                                     Column("文件", 2, width=250)], id_index=0)
        self.side_view, self.side_proxy = make_table(self.side_model, (140, 250, 250))
        self.side_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        for c in (1, 2):  # the two sides share the width equally
            self.side_view.horizontalHeader().setSectionResizeMode(c, QHeaderView.ResizeMode.Stretch)
        self.side_label = QLabel(self.tr("选中左边一条冲突，这里并排显示两边的值。"))
        self.side_label.setWordWrap(True)
        self.keep_local = QRadioButton(self.tr("保留本机的版本"))
        self.take_incoming = QRadioButton(self.tr("用文件中的版本"))
        self.choice_group = QButtonGroup(self)
        self.choice_group.setExclusive(True)
        self.choice_group.addButton(self.keep_local)
        self.choice_group.addButton(self.take_incoming)
        self.keep_local.clicked.connect(lambda: self.choose_current("local"))
        self.take_incoming.clicked.connect(lambda: self.choose_current("incoming"))
        self.btn_all_local = QPushButton(self.tr("全部保留本机"))
        self.btn_all_local.clicked.connect(lambda: self.choose_all("local"))
        self.btn_all_incoming = QPushButton(self.tr("全部用文件中的"))
        self.btn_all_incoming.clicked.connect(lambda: self.choose_all("incoming"))
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.side_label)
        rl.addWidget(self.side_view, 1)
        radios = QHBoxLayout()
        radios.addWidget(self.keep_local)
        radios.addWidget(self.take_incoming)
        radios.addStretch(1)
        rl.addLayout(radios)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.conflicts_view)
        split.addWidget(right)
        split.setSizes([440, 640])
        page = QWidget()
        pl = QVBoxLayout(page)
        note = QLabel(self.tr("以下记录在两台电脑上都被修改过。请逐条选择保留哪一边的版本，全部选定后才能合并。"))
        note.setWordWrap(True)
        all_row = QHBoxLayout()
        all_row.addWidget(note, 1)
        all_row.addWidget(self.btn_all_local)
        all_row.addWidget(self.btn_all_incoming)
        pl.addLayout(all_row)
        pl.addWidget(split, 1)
        self.conflict_page = page
        self.tabs.addTab(page, self.tr("冲突 ({0})").format(counts["conflict"]))
        self.tabs.setTabVisible(1, bool(preview.conflicts))

        if preview.issues:
            self.issues_model = RowsModel([Column("位置", 0, width=300), Column("说明", 1, width=600)], id_index=0)
            view, _ = make_table(self.issues_model, (300, 600))
            self.issues_model.set_rows([(i.where, i.reason) for i in preview.issues])
            self.tabs.addTab(view, self.tr("提醒 ({0})").format(len(preview.issues)))

        self.status = QLabel()
        self.status.setWordWrap(True)
        self.btn_apply = QPushButton(self.tr("合并"))
        self.btn_apply.setDefault(True)
        self.btn_apply.clicked.connect(self.apply)
        self.btn_close = QPushButton(self.tr("关闭"))
        self.btn_close.clicked.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.btn_apply)
        bottom.addWidget(self.btn_close)
        layout = QVBoxLayout(self)
        layout.addWidget(info)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(bottom)
        self._fill_conflicts()
        if preview.conflicts:
            self.tabs.setCurrentWidget(page)
            self.conflicts_view.selectRow(0)
            self.conflicts_view.setCurrentIndex(self.conflicts_proxy.index(0, 0))
        self._update_state()

    # ------------------------------------------------------------------ conflicts
    def _fill_conflicts(self) -> None:
        current = self.current_conflict()
        self.conflicts_model.set_rows([
            (i.index, i.name, table_label(i.table), len(i.diffs), self.tr(CHOICE_LABELS[self.choices.get(i.index)]))
            for i in self.preview.conflicts])
        if current is not None:
            r = self.conflicts_proxy.proxy_row_of_id(current)
            if r is not None:
                self.conflicts_view.setCurrentIndex(self.conflicts_proxy.index(r, 0))

    def current_conflict(self) -> int | None:
        ix = self.conflicts_view.selectionModel().currentIndex()
        if not ix.isValid():
            return None
        return self.conflicts_proxy.id_at(ix.row())

    def _item(self, index: int):
        return self.preview.items[index]

    def _show_conflict(self, current: QModelIndex) -> None:
        if not current.isValid():
            self.side_model.set_rows([])
            return
        item = self._item(self.conflicts_proxy.id_at(current.row()))
        self.side_label.setText(self.tr("{0}：两台电脑上不同的字段").format(item.name))
        self.side_model.set_rows([(label, a or self.tr("（空）"), b or self.tr("（空）"))
                                  for label, a, b in conflict_rows(item)])
        choice = self.choices.get(item.index)
        self.choice_group.setExclusive(False)
        self.keep_local.setChecked(choice == "local")
        self.take_incoming.setChecked(choice == "incoming")
        self.choice_group.setExclusive(True)

    def choose(self, index: int, choice: str) -> None:
        self.choices[index] = choice
        self._fill_conflicts()
        self._update_state()

    def choose_current(self, choice: str) -> None:
        index = self.current_conflict()
        if index is None:
            return
        self.choose(index, choice)
        # on to the next undecided conflict
        nxt = next((i.index for i in self.preview.conflicts if i.index not in self.choices), None)
        if nxt is not None:
            r = self.conflicts_proxy.proxy_row_of_id(nxt)
            if r is not None:
                self.conflicts_view.setCurrentIndex(self.conflicts_proxy.index(r, 0))

    def choose_all(self, choice: str) -> None:
        for i in self.preview.conflicts:
            self.choices[i.index] = choice
        self._fill_conflicts()
        cur = self.conflicts_view.selectionModel().currentIndex()
        if cur.isValid():
            self._show_conflict(cur)
        self._update_state()

    def open_conflicts(self) -> list:
        return [i for i in self.preview.conflicts if i.index not in self.choices]

    def apply_problem(self) -> str:
        open_ = self.open_conflicts()
        if open_:
            names = "、".join(i.name for i in open_[:3]) + ("等" if len(open_) > 3 else "")
            return self.tr("还有 {0} 条冲突未选择（{1}）。请在“冲突”页逐条选择保留本机还是文件中的版本，"
                           "或点“全部保留本机”/“全部用文件中的”，然后再合并。").format(len(open_), names)
        return ""

    def _update_state(self) -> None:
        problem = self.apply_problem()
        if problem:
            self.status.setText(problem)
            self.status.setStyleSheet("color: #b00020;")
        elif self.preview.changes_anything:
            decided = len(self.preview.conflicts)
            self.status.setText(self.tr("可以合并。") + (self.tr("冲突已全部选定（{0} 条）。").format(decided) if decided else "")
                                + self.tr("合并前会自动备份数据库。"))
            self.status.setStyleSheet("")
        else:
            self.status.setText(self.tr("文件中没有本机尚未有的改动（可能已经导入过）。合并不会改变任何数据。"))
            self.status.setStyleSheet("")
        self.btn_apply.setEnabled(not problem and self.op is None)
        self.tabs.setTabText(self.tabs.indexOf(self.conflict_page), self.tr("冲突 ({0}，未选 {1})").format(
            len(self.preview.conflicts), len(self.open_conflicts())))

    # ------------------------------------------------------------------ apply
    def apply(self):
        from exports.exchange import apply_exchange

        from ..sync_ui import finish_apply, run_task

        title = self.tr("导入交换文件")
        problem = self.apply_problem()
        if problem:
            QMessageBox.warning(self, title, problem)
            return None
        db, preview, choices = self.ctx.db, self.preview, dict(self.choices)

        def work(progress, should_stop):
            return apply_exchange(db, preview, choices=choices, progress=progress, should_stop=should_stop)

        def done(result) -> None:
            self.result = result
            finish_apply(self, title, result.backup, self.tr("导入交换文件「{0}」").format(preview.file.path.name),
                         self.tr("已合并：{0}。").format(result.summary()))

        self.btn_apply.setEnabled(False)
        self.op = run_task(self, self.tr("正在合并交换文件"), work, done,
                           cancel_text=self.tr("已取消合并，数据库和附件都未做任何改动。"))
        self.op.done.connect(self._op_done)
        return self.op

    def _op_done(self) -> None:
        self.op = None
        self._update_state()


__all__ = ["ExchangeImportDialog", "export_exchange_file", "preview_task"]
