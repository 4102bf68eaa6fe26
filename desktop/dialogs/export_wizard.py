"""起草推荐函与导出材料包: the three steps from a reviewed batch to the package sent to the
commission.

1. 检查 — what still blocks the batch (``exports.batch_data.find_blockers``): a failed check
   nobody overrode, a missing required material, a stored file that changed … Each row opens the
   application concerned; 重新检查 re-reads every stored file in the background.
2. 推荐函 — the letter the program drafted (``exports.letter.propose_letter``), every part
   editable (document number as proposed, date, title, body, attachments, contact line), with a
   plain-text preview that follows each keystroke.
3. 导出 — the output folder (remembered), then the whole export in the background: one unit of
   work of its own takes the document number, writes the package and commits (a cancel or an
   error rolls back, so the number stays free and no half package is left).

The dialog is not modal: the clerk may leave it open, fix a blocker in the main window and press
重新检查.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QDate, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from exports.batch_data import BatchData, BatchDataError, Blocker, find_blockers, gather_batch
from exports.letter import LetterDraft, propose_letter
from exports.package import PackageBlocked, PackageCancelled, PackageError, PackageExists, PackageResult, package_name
from models.documents import DocumentNumberError, format_doc_number

from ..table_model import Column, RowsModel, SearchProxy
from ..tasks import Cancelled, Operation, run_operation

#: settings key: the folder the last package was written to
KEY_OUT_DIR = "submit/out_dir"

GREEN = "#1e7b34"
RED = "#c0271d"
GREY = "#8a8a8a"


def _tr(text: str) -> str:
    return QCoreApplication.translate("ExportWizard", text)


#: Blocker.kind → what the clerk reads in the 类型 column
KIND_LABELS = {
    "office": "单位信息不全",
    "empty": "批次为空",
    "review": "初审结论",
    "not_checked": "未运行检查",
    "check": "检查不符合",
    "material_missing": "缺少材料",
    "file_missing": "文件丢失",
    "file_changed": "文件被改动",
    "file_unreadable": "文件打不开",
}

#: Blocker.kind → the tab of the application's page where it is fixed
BLOCKER_TABS = {
    "review": "results", "not_checked": "results", "check": "results",
    "material_missing": "materials", "file_missing": "materials", "file_changed": "materials",
    "file_unreadable": "materials",
}

BLOCKER_COLUMNS = [
    Column("申报", 2, width=220),
    Column("问题", 3, display=lambda k: _tr(KIND_LABELS.get(k, k)), width=100),
    Column("说明及处理办法", 4),
]


def blocker_text(b: Blocker) -> str:
    """The blocker's sentence without the subject's name in front (the row shows it already)."""
    head = f"{b.subject_name}："
    return b.message[len(head):] if b.subject_name and b.message.startswith(head) else b.message


def human_size(n: int) -> str:
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} 字节"


class ExportWizard(QDialog):
    """From a batch to its package. ``batch_id``/``year`` preselect the batch."""

    STEPS = ("检查", "推荐函", "导出")

    def __init__(self, ctx, parent: QWidget | None = None, *, batch_id: int | None = None,
                 year: int | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(_tr("起草推荐函与导出材料包"))
        self.resize(1100, 720)
        self.data: BatchData | None = None
        self.blockers: list[Blocker] = []
        self.base_draft: LetterDraft | None = None
        self.result: PackageResult | None = None
        self.operation: Operation | None = None
        self._filled: dict[str, Any] = {}
        self._filling = False
        self._stale_letter = False

        # --- which batch
        self.year_combo = QComboBox()
        self.batch_combo = QComboBox()
        self.batch_combo.setMinimumWidth(360)
        top = QHBoxLayout()
        top.addWidget(QLabel(_tr("年度")))
        top.addWidget(self.year_combo)
        top.addSpacing(12)
        top.addWidget(QLabel(_tr("推荐批次")))
        top.addWidget(self.batch_combo, 1)

        # --- the step bar
        self.step_labels = [QLabel(f"{i}　{_tr(t)}") for i, t in enumerate(self.STEPS, start=1)]
        steps = QHBoxLayout()
        for i, lab in enumerate(self.step_labels):
            if i:
                arrow = QLabel("→")
                arrow.setStyleSheet(f"color: {GREY};")
                steps.addWidget(arrow)
            steps.addWidget(lab)
        steps.addStretch(1)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)

        self.pages = QStackedWidget()
        self.pages.addWidget(self._build_check_page())
        self.pages.addWidget(self._build_letter_page())
        self.pages.addWidget(self._build_export_page())

        self.back_btn = QPushButton(_tr("< 上一步"))
        self.back_btn.clicked.connect(self.go_back)
        self.next_btn = QPushButton(_tr("下一步 >"))
        self.next_btn.setDefault(True)
        self.next_btn.clicked.connect(self.go_next)
        self.close_btn = QPushButton(_tr("关闭"))
        self.close_btn.clicked.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.back_btn)
        bottom.addWidget(self.next_btn)
        bottom.addSpacing(12)
        bottom.addWidget(self.close_btn)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(steps)
        layout.addWidget(line)
        layout.addWidget(self.pages, 1)
        layout.addLayout(bottom)

        self._fill_years(batch_id, year)
        self.year_combo.currentIndexChanged.connect(self._on_year)
        self.batch_combo.currentIndexChanged.connect(self._on_batch)
        self.ctx.data_changed.connect(self._on_data_changed)
        self._on_batch()

    # ================================================================== pages
    def _build_check_page(self) -> QWidget:
        page = QWidget()
        self.check_summary = QLabel()
        self.check_summary.setWordWrap(True)
        self.check_summary.setTextFormat(Qt.TextFormat.PlainText)
        self.blocker_model = RowsModel(BLOCKER_COLUMNS)
        self.blocker_proxy = SearchProxy(self.blocker_model, page)
        view = QTableView()
        view.setModel(self.blocker_proxy)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.verticalHeader().setVisible(False)
        view.setAlternatingRowColors(True)
        view.setWordWrap(True)
        for i, c in enumerate(BLOCKER_COLUMNS):
            if c.width:
                view.setColumnWidth(i, c.width)
        view.horizontalHeader().setSectionResizeMode(len(BLOCKER_COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        view.doubleClicked.connect(lambda index: self.open_blocker(index.row()))
        view.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.blocker_view = view
        self.open_btn = QPushButton(_tr("打开所选申报…"))
        self.open_btn.setToolTip(_tr("在主窗口中打开该申报，处理后回到这里点“重新检查”"))
        self.open_btn.clicked.connect(lambda: self.open_blocker(self._selected_blocker_row()))
        self.recheck_btn = QPushButton(_tr("重新检查"))
        self.recheck_btn.setToolTip(_tr("重新读取批次数据，并重新计算每个存档文件的校验值"))
        self.recheck_btn.clicked.connect(lambda: self.recheck(full=True))
        hint = QLabel(_tr("双击某一行可打开对应的申报。"))
        hint.setStyleSheet(f"color: {GREY};")
        row = QHBoxLayout()
        row.addWidget(hint)
        row.addStretch(1)
        row.addWidget(self.open_btn)
        row.addWidget(self.recheck_btn)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.check_summary)
        layout.addWidget(view, 1)
        layout.addLayout(row)
        return page

    def _build_letter_page(self) -> QWidget:
        page = QWidget()
        self.issuer_edit = QLineEdit()
        self.prefix_label = QLabel()
        self.number_spin = QSpinBox()
        self.number_spin.setRange(1, 99999)
        self.number_note = QLabel()
        self.number_note.setStyleSheet(f"color: {GREY};")
        self.number_note.setWordWrap(True)
        num_row = QHBoxLayout()
        num_row.setContentsMargins(0, 0, 0, 0)
        num_row.addWidget(self.prefix_label)
        num_row.addWidget(self.number_spin)
        num_row.addWidget(QLabel(_tr("号")))
        num_row.addStretch(1)
        num_box = QWidget()
        num_box.setLayout(num_row)
        self.date_edit = QDateEdit()
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy年M月d日")
        self.date_edit.setDate(QDate.currentDate())
        self.title_edit = QPlainTextEdit()
        self.title_edit.setFixedHeight(54)
        self.title_edit.setTabChangesFocus(True)
        self.addressee_edit = QLineEdit()
        self.body_edit = QPlainTextEdit()
        self.body_edit.setPlaceholderText(_tr("段落之间空一行。以“一、”“（一）”开头的段落按标题排版。"))
        self.attach_edit = QPlainTextEdit()
        self.attach_edit.setFixedHeight(70)
        self.attach_edit.setTabChangesFocus(True)
        self.attach_edit.setPlaceholderText(_tr("每行一个附件名称"))
        self.signer_edit = QLineEdit()
        self.contact_edit = QLineEdit()
        self.contact_edit.setToolTip(_tr("成文日期下方的附注，一般写联系人和联系电话"))
        self.stale_label = QLabel()
        self.stale_label.setWordWrap(True)
        self.stale_label.setStyleSheet(f"color: {RED};")
        self.stale_label.hide()
        self.redraft_btn = QPushButton(_tr("恢复程序拟稿"))
        self.redraft_btn.setToolTip(_tr("按批次中现在的申报重新拟稿，放弃对文字的修改"))
        self.redraft_btn.clicked.connect(self.redraft)

        form = QFormLayout()
        form.addRow(_tr("发文机关"), self.issuer_edit)
        form.addRow(_tr("发文字号"), num_box)
        form.addRow("", self.number_note)
        form.addRow(_tr("成文日期"), self.date_edit)
        form.addRow(_tr("标题"), self.title_edit)
        form.addRow(_tr("主送机关"), self.addressee_edit)
        form.addRow(_tr("正文"), self.body_edit)
        form.addRow(_tr("附件"), self.attach_edit)
        form.addRow(_tr("署名"), self.signer_edit)
        form.addRow(_tr("附注"), self.contact_edit)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.stale_label)
        ll.addLayout(form, 1)
        lb = QHBoxLayout()
        lb.addStretch(1)
        lb.addWidget(self.redraft_btn)
        ll.addLayout(lb)

        self.preview = QPlainTextEdit()
        self.preview.setReadOnly(True)
        pf = QFont(self.preview.font())
        pf.setFamilies(["FangSong", "仿宋", "仿宋_GB2312", "STFangsong", "Noto Serif CJK SC", "SimSun"])
        self.preview.setFont(pf)
        self.preview.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        right = QGroupBox(_tr("预览（纯文本；版式以导出的 Word 文件为准）"))
        rl = QVBoxLayout(right)
        rl.addWidget(self.preview)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)

        for w in (self.issuer_edit, self.addressee_edit, self.signer_edit, self.contact_edit):
            w.textChanged.connect(self._on_letter_edited)
        for w in (self.title_edit, self.body_edit, self.attach_edit):
            w.textChanged.connect(self._on_letter_edited)
        self.number_spin.valueChanged.connect(self._on_letter_edited)
        self.date_edit.dateChanged.connect(self._on_date)
        return page

    def _build_export_page(self) -> QWidget:
        page = QWidget()
        self.out_edit = QLineEdit()
        self.out_edit.setPlaceholderText(_tr("选择保存材料包的文件夹"))
        self.out_edit.setText(str(self.ctx.settings.value(KEY_OUT_DIR, "") or ""))
        self.out_edit.textChanged.connect(lambda _t: self._update_target())
        browse = QPushButton(_tr("浏览…"))
        browse.clicked.connect(self.choose_out_dir)
        out_row = QHBoxLayout()
        out_row.addWidget(self.out_edit, 1)
        out_row.addWidget(browse)
        self.zip_box = QCheckBox(_tr("同时生成 zip 压缩包（便于拷贝和网上报送）"))
        self.zip_box.setChecked(True)
        self.zip_box.toggled.connect(lambda _c: self._update_target())
        self.target_label = QLabel()
        self.target_label.setWordWrap(True)
        self.columns_btn = QPushButton(_tr("汇总表列设置…"))
        self.columns_btn.clicked.connect(self.edit_columns)
        self.export_btn = QPushButton(_tr("开始导出"))
        self.export_btn.setDefault(True)
        self.export_btn.clicked.connect(lambda: self.start_export())
        form = QFormLayout()
        form.addRow(_tr("输出文件夹"), out_row)
        form.addRow("", self.zip_box)
        form.addRow(_tr("将生成"), self.target_label)
        buttons = QHBoxLayout()
        buttons.addWidget(self.columns_btn)
        buttons.addStretch(1)
        buttons.addWidget(self.export_btn)

        self.result_box = QGroupBox(_tr("导出结果"))
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.open_folder_btn = QPushButton(_tr("打开文件夹"))
        self.open_folder_btn.clicked.connect(self.open_folder)
        self.verify_btn = QPushButton(_tr("核验材料包…"))
        self.verify_btn.clicked.connect(self.verify_result)
        rb = QHBoxLayout()
        rb.addStretch(1)
        rb.addWidget(self.verify_btn)
        rb.addWidget(self.open_folder_btn)
        rl = QVBoxLayout(self.result_box)
        rl.addWidget(self.result_label)
        rl.addLayout(rb)
        self.result_box.hide()

        intro = QLabel(_tr(
            "材料包包括推荐函、推荐汇总表、每个申报一个文件夹（初审意见表和更名后的申报材料）以及文件清单"
            "（清单.xlsx 和 manifest.json，含每个文件的 SHA-256 校验值）。导出时正式占用推荐函的文号。"))
        intro.setWordWrap(True)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.result_box)
        layout.addStretch(1)
        return page

    # ================================================================== batch choice
    def _fill_years(self, batch_id: int | None, year: int | None) -> None:
        from models.batches import batch_rows

        with self.ctx.db.uow() as uow:
            rows = batch_rows(uow.session)
        if batch_id is not None:
            year = next((r.year for r in rows if r.id == batch_id), year)
        years = sorted({r.year for r in rows}, reverse=True)
        if year is None and years:
            this = dt.date.today().year
            year = this if this in years else years[0]
        self.year_combo.blockSignals(True)
        for y in years:
            self.year_combo.addItem(f"{y}年", y)
        self.year_combo.setCurrentIndex(max(0, self.year_combo.findData(year)))
        self.year_combo.blockSignals(False)
        self._fill_batches(batch_id)

    def _fill_batches(self, select_id: int | None = None) -> None:
        from models.batches import batch_rows

        year = self.year_combo.currentData()
        with self.ctx.db.uow() as uow:
            rows = batch_rows(uow.session, year=year) if year is not None else []
        self.batch_combo.blockSignals(True)
        self.batch_combo.clear()
        for r in rows:
            self.batch_combo.addItem(_tr("{name}（{n}项）").format(name=r.name, n=r.count), r.id)
        idx = self.batch_combo.findData(select_id) if select_id is not None else -1
        if idx < 0:  # the first batch that has applications
            idx = next((i for i, r in enumerate(rows) if r.count), 0)
        self.batch_combo.setCurrentIndex(idx)
        self.batch_combo.blockSignals(False)

    def _on_year(self, *_: object) -> None:
        self._fill_batches()
        self._on_batch()

    def select_batch(self, batch_id: int) -> None:
        """Show ``batch_id`` (the dialog was asked for again from another batch)."""
        if batch_id == self.batch_id:
            return
        self.year_combo.blockSignals(True)
        self.year_combo.clear()
        self.year_combo.blockSignals(False)
        self._fill_years(batch_id, None)
        self._on_batch()

    @property
    def batch_id(self) -> int | None:
        return self.batch_combo.currentData()

    def _on_batch(self, *_: object) -> None:
        self.result = None
        self.result_box.hide()
        self.base_draft = None
        self.load(redraft=True)
        self.set_step(0)

    # ================================================================== step 1: blockers
    def load(self, *, redraft: bool = False) -> None:
        """Read the batch and what blocks it (files checked by size and time only: quick)."""
        batch_id = self.batch_id
        if batch_id is None:
            self._show_blockers(None, [], _tr("还没有推荐批次。请先在“推荐批次”中新建批次并加入通过初审的申报。"))
            return
        with self.ctx.db.uow() as uow:
            s = uow.session
            try:
                data = gather_batch(s, batch_id, files_dir=self.ctx.db.files_dir)
            except BatchDataError as exc:
                self._show_blockers(None, [], str(exc))
                return
            blockers = find_blockers(s, batch_id, data=data, rehash=False)
            draft = None
            if redraft or self.base_draft is None or self._names(data) != self.base_draft.subject_names:
                draft = propose_letter(s, batch_id, date=self._letter_date(), data=data)
        self._show_blockers(data, blockers)
        if draft is not None:
            self._set_draft(draft, keep_edits=not redraft)

    def recheck(self, *, full: bool = True) -> Operation | None:
        """Check again; ``full`` re-reads every stored file in the background (SHA-256)."""
        if not full or self.batch_id is None:
            self.load()
            return None
        db, batch_id = self.ctx.db, self.batch_id

        def work(progress):
            progress.report(0, 0, _tr("正在核对批次的数据和每个存档文件……"))
            with db.uow() as uow:
                data = gather_batch(uow.session, batch_id, files_dir=db.files_dir)
                progress.check()
                return data, find_blockers(uow.session, batch_id, data=data, rehash=True)

        self.recheck_btn.setEnabled(False)
        op = run_operation(self, _tr("重新检查"), work)
        op.finished.connect(self._on_rechecked)
        op.failed.connect(lambda exc, tb: self._show_error(_tr("检查没有完成"), exc))
        op.done.connect(lambda: self.recheck_btn.setEnabled(True))
        self.operation = op
        return op

    def _on_rechecked(self, result) -> None:
        data, blockers = result
        if data.batch_id != self.batch_id:
            return
        self._show_blockers(data, blockers)
        if self.base_draft is None or self._names(data) != self.base_draft.subject_names:
            with self.ctx.db.uow() as uow:
                draft = propose_letter(uow.session, data.batch_id, date=self._letter_date(), data=data)
            self._set_draft(draft, keep_edits=True)

    @staticmethod
    def _names(data: BatchData) -> list[str]:
        return [s.name for s in data.subjects]

    def _show_blockers(self, data: BatchData | None, blockers: list[Blocker], message: str = "") -> None:
        self.data = data
        self.blockers = list(blockers)
        self.blocker_model.set_rows([
            (i, b.application_id, b.subject_name or _tr("（整个批次）"), b.kind, blocker_text(b))
            for i, b in enumerate(self.blockers)
        ])
        self.blocker_view.resizeRowsToContents()
        if data is None:
            text, colour = message, RED
        elif blockers:
            n_apps = len({b.application_id for b in blockers if b.application_id is not None})
            text = _tr("批次「{name}」共 {n} 个申报，还有 {k} 个问题（涉及 {a} 个申报）需要先解决，才能导出。"
                       "处理后点“重新检查”。").format(name=data.name, n=len(data.subjects), k=len(blockers), a=n_apps)
            colour = RED
        else:
            text = _tr("批次「{name}」共 {n} 个申报，没有发现问题，可以起草推荐函并导出。").format(
                name=data.name, n=len(data.subjects))
            colour = GREEN
        self.check_summary.setText(text)
        self.check_summary.setStyleSheet(f"color: {colour}; font-weight: bold; padding: 4px 0;")
        self._update_target()
        self._update_buttons()

    def _selected_blocker_row(self) -> int:
        rows = self.blocker_view.selectionModel().selectedRows()
        return rows[0].row() if rows else -1

    def open_blocker(self, proxy_row: int) -> None:
        """Open what the blocker is about: the application, the office profile or the batch."""
        if proxy_row < 0:
            QMessageBox.information(self, self.windowTitle(), _tr("请先在列表中选择一个问题。"))
            return
        b = self.blockers[self.blocker_proxy.id_at(proxy_row)]
        if b.application_id is not None:
            self.open_application(b.application_id, tab=BLOCKER_TABS.get(b.kind))
        elif b.kind == "office":
            self.edit_profile()
        elif self.batch_id is not None:
            self.ctx.open_record.emit("batch", self.batch_id)

    def open_application(self, application_id: int, *, tab: str | None = None) -> None:
        """The window selects the application (pipeline board) and its page opens on the tab
        where the problem is fixed (not modal: the clerk comes back here to 重新检查)."""
        from .application_detail import open_application

        self.ctx.open_record.emit("application", application_id)
        open_application(self.ctx, application_id, self.parentWidget() or self, tab=tab)

    def edit_profile(self) -> None:
        from .profile import ProfileDialog

        if ProfileDialog(self.ctx, self).exec():
            self.ctx.changed("office_profile")
            self.load(redraft=True)

    def _on_data_changed(self, _tables) -> None:
        # the clerk fixed something in the main window: the list follows (quick check)
        if self.isVisible() and self.pages.currentIndex() == 0 and (self.operation is None or not self.operation.worker.isRunning()):
            self.load()

    # ================================================================== step 2: the letter
    def _letter_date(self) -> dt.date:
        return self.date_edit.date().toPython()

    def _set_draft(self, draft: LetterDraft, *, keep_edits: bool = False) -> None:
        """Show ``draft``; with ``keep_edits`` fields the clerk changed are kept and a note says
        that the list of subjects changed."""
        edited = keep_edits and self.base_draft is not None and self.letter_edited()
        self.base_draft = draft
        if edited:
            self.stale_label.setText(_tr(
                "批次中的申报已有变化，下面正文中的名单可能已过时。点“恢复程序拟稿”可按现在的申报重新拟稿"
                "（会放弃对文字的修改）。"))
            self.stale_label.show()
            self._update_number_note()
            self.update_preview()
            return
        self.stale_label.hide()
        self._filling = True
        try:
            self.issuer_edit.setText(draft.issuing_body)
            self.prefix_label.setText(f"{draft.doc_prefix}〔{draft.date.year}〕")
            if draft.number is not None:
                self.number_spin.setValue(draft.number)
            self.date_edit.setDate(QDate(draft.date.year, draft.date.month, draft.date.day))
            self.title_edit.setPlainText(draft.title)
            self.addressee_edit.setText(draft.addressee)
            self.body_edit.setPlainText(draft.body_text)
            self.attach_edit.setPlainText("\n".join(draft.attachments))
            self.signer_edit.setText(draft.signer)
            self.contact_edit.setText(draft.contact_line)
        finally:
            self._filling = False
        self._filled = self._field_values()
        self._update_number_note()
        self.update_preview()

    def _field_values(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer_edit.text(), "title": self.title_edit.toPlainText(),
            "addressee": self.addressee_edit.text(), "body": self.body_edit.toPlainText(),
            "attachments": self.attach_edit.toPlainText(), "signer": self.signer_edit.text(),
            "contact": self.contact_edit.text(),
        }

    def letter_edited(self) -> bool:
        return self._field_values() != self._filled

    def redraft(self) -> None:
        if self.batch_id is None:
            return
        self.load(redraft=True)

    def _on_date(self, *_: object) -> None:
        if self._filling or self.base_draft is None or self.batch_id is None:
            return
        day = self._letter_date()
        if day.year != self.base_draft.date.year:
            # the number series is per year: propose the new year's number
            with self.ctx.db.uow() as uow:
                proposal = propose_letter(uow.session, self.batch_id, date=day, data=self.data)
            self.base_draft = replace(self.base_draft, date=day, doc_number=proposal.doc_number,
                                      number=proposal.number, number_reserved=proposal.number_reserved)
            self._filling = True
            self.prefix_label.setText(f"{self.base_draft.doc_prefix}〔{day.year}〕")
            if proposal.number is not None:
                self.number_spin.setValue(proposal.number)
            self._filling = False
        else:
            self.base_draft = replace(self.base_draft, date=day)
        self._update_number_note()
        self.update_preview()

    def _on_letter_edited(self, *_: object) -> None:
        if self._filling:
            return
        self._update_number_note()
        self.update_preview()

    def _update_number_note(self) -> None:
        d = self.base_draft
        if d is None:
            self.number_note.setText("")
            return
        n = self.number_spin.value()
        if d.number_reserved and n == d.number:
            text = _tr("本批次已取得的文号，再次导出时沿用。")
        elif n == d.number:
            text = _tr("建议的文号（本年度下一个未用的序号），导出时正式占用，以后不会再给别的文件。")
        else:
            text = _tr("指定的序号：导出时若已被占用，会提示改用下一个可用的序号。")
        self.number_note.setText(text)

    def explicit_number(self) -> int | None:
        """The number the clerk typed when it differs from the proposal (None: the proposal)."""
        d = self.base_draft
        n = self.number_spin.value()
        return None if d is not None and n == d.number else n

    def current_draft(self) -> LetterDraft:
        """The letter as it stands in the fields."""
        base = self.base_draft
        if base is None:
            raise ValueError("no draft")
        day = self._letter_date()
        n = self.number_spin.value()
        reserved = base.number_reserved and n == base.number and day.year == base.date.year
        attachments = [line.strip() for line in self.attach_edit.toPlainText().splitlines() if line.strip()]
        draft = replace(
            base,
            issuing_body=self.issuer_edit.text().strip(),
            doc_number=format_doc_number(base.doc_prefix, day.year, n) if base.doc_prefix else base.doc_number,
            number=n, number_reserved=reserved, date=day,
            title=self.title_edit.toPlainText().strip(),
            addressee=self.addressee_edit.text().strip(),
            attachments=attachments,
            signer=self.signer_edit.text().strip(),
            contact_line=self.contact_edit.text().strip(),
        )
        return draft.with_body_text(self.body_edit.toPlainText())

    def update_preview(self) -> None:
        if self.base_draft is None:
            self.preview.setPlainText("")
            return
        self.preview.setPlainText(self.current_draft().to_text())

    # ================================================================== step 3: export
    def choose_out_dir(self) -> None:
        start = self.out_edit.text() or str(self.ctx.settings.value(KEY_OUT_DIR, "") or Path.home())
        folder = QFileDialog.getExistingDirectory(self, _tr("选择保存材料包的文件夹"), start)
        if folder:
            self.out_edit.setText(folder)

    def _update_target(self) -> None:
        if self.data is None or not self.data.subjects:
            self.target_label.setText("")
            return
        name = package_name(self.data)
        out = self.out_edit.text().strip()
        folder = str(Path(out) / name) if out else _tr("（输出文件夹）") + "/" + name
        text = _tr("文件夹 {folder}").format(folder=folder)
        if self.zip_box.isChecked():
            text += "\n" + _tr("压缩包 {name}.zip（与文件夹放在一起）").format(name=name)
        self.target_label.setText(text)

    def edit_columns(self) -> None:
        from .summary_columns import SummaryColumnsDialog

        SummaryColumnsDialog(self.ctx, self).exec()

    def start_export(self, *, overwrite: bool = False) -> Operation | None:
        """Take the number, write the package and commit, in the background."""
        if self.batch_id is None or self.base_draft is None:
            return None
        out_text = self.out_edit.text().strip()
        if not out_text:
            QMessageBox.information(self, self.windowTitle(), _tr("请先选择保存材料包的输出文件夹。"))
            return None
        out = Path(out_text)
        self.ctx.settings.setValue(KEY_OUT_DIR, str(out))
        draft = self.current_draft()
        number = None if draft.number_reserved else self.explicit_number()
        make_zip = self.zip_box.isChecked()
        db, batch_id = self.ctx.db, self.batch_id

        def work(progress):
            from exports.letter import reserve_number
            from exports.package import export_package

            with db.uow() as uow:
                s = uow.session
                letter = reserve_number(s, draft, number=number)
                try:
                    result = export_package(
                        s, batch_id, out, letter=letter, files_dir=db.files_dir, data_dir=db.data_dir,
                        progress=progress.report, should_stop=lambda: progress.cancelled,
                        overwrite=overwrite, make_zip=make_zip,
                        before_publish=uow.commit,  # the number is recorded before the package appears
                    )
                except PackageCancelled as exc:
                    raise Cancelled() from exc
                uow.commit()
            return result

        self.result = None
        self.result_box.hide()
        self.export_btn.setEnabled(False)
        op = run_operation(self, _tr("导出推荐材料包"), work)
        op.finished.connect(self._on_exported)
        op.failed.connect(lambda exc, tb: self._on_export_failed(exc))
        op.cancelled.connect(self._on_export_cancelled)
        op.done.connect(lambda: self.export_btn.setEnabled(True))
        self.operation = op
        return op

    def _on_exported(self, result: PackageResult) -> None:
        self.result = result
        n = len(self.data.subjects) if self.data else 0
        lines = [
            _tr("已导出材料包“{name}”。").format(name=result.name),
            _tr("文件夹：{p}").format(p=result.folder),
        ]
        if result.zip_path:
            lines.append(_tr("压缩包：{p}").format(p=result.zip_path))
        lines.append(_tr("推荐函文号：{d}").format(d=result.doc_number))
        lines.append(_tr("{n} 个申报，共 {m} 个文件，{size}。").format(
            n=n, m=len(result.entries), size=human_size(result.total_bytes)))
        self.result_label.setText("\n".join(lines))
        self.result_label.setStyleSheet(f"color: {GREEN};")
        self.open_folder_btn.show()
        self.verify_btn.show()
        self.result_box.show()
        # the number is now the batch's: a second export keeps it
        if self.base_draft is not None and result.letter is not None:
            self.base_draft = replace(self.base_draft, number=result.letter.number, number_reserved=True,
                                      doc_number=result.letter.doc_number, date=result.letter.date)
            self._filling = True
            self.number_spin.setValue(result.letter.number or self.number_spin.value())
            self._filling = False
            self._update_number_note()
            self.update_preview()
        self.ctx.changed("issued_document")
        self.ctx.status.emit(_tr("已导出材料包：{p}").format(p=result.folder))

    def _on_export_failed(self, exc: Exception) -> None:
        if isinstance(exc, PackageExists):
            answer = QMessageBox.question(
                self, _tr("材料包已存在"),
                _tr("{msg}\n\n覆盖将删除原有的材料包（可能是同年度另一个批次的）。要覆盖吗？"
                    "如需保留原有的，请选“否”，另选一个输出文件夹。").format(msg=exc))
            if answer == QMessageBox.StandardButton.Yes:
                self.start_export(overwrite=True)
            return
        if isinstance(exc, PackageBlocked):
            self._show_blockers(self.data, exc.blockers)
            self.set_step(0)
            QMessageBox.warning(self, self.windowTitle(), _tr("批次还有问题，未导出。请按列表逐一处理后重新检查。"))
            return
        if isinstance(exc, DocumentNumberError):
            self.set_step(1)
            self.number_spin.setFocus()
        self._show_error(_tr("材料包没有导出"), exc)

    def _on_export_cancelled(self) -> None:
        self.result_label.setText(_tr("已取消导出，没有生成材料包，文号也没有占用。"))
        self.result_label.setStyleSheet(f"color: {RED};")
        self.open_folder_btn.hide()
        self.verify_btn.hide()
        self.result_box.show()

    def _show_error(self, title: str, exc: Exception) -> None:
        if isinstance(exc, (PackageError, DocumentNumberError, BatchDataError)):
            text = str(exc)
        else:
            text = _tr("{kind}：{msg}\n请检查输出文件夹是否可写、磁盘空间是否足够，然后重试。").format(
                kind=type(exc).__name__, msg=exc)
        QMessageBox.warning(self, title, text)

    def open_folder(self) -> None:
        if self.result is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.result.folder.parent)))

    def verify_result(self) -> None:
        if self.result is None:
            return
        from .verify_package import VerifyPackageDialog

        dlg = VerifyPackageDialog(self.ctx, self, path=self.result.zip_path or self.result.folder)
        dlg.exec()

    # ================================================================== navigation
    def set_step(self, index: int) -> None:
        self.pages.setCurrentIndex(index)
        for i, lab in enumerate(self.step_labels):
            if i == index:
                lab.setStyleSheet(f"color: {GREEN}; font-weight: bold;")
            elif i < index:
                lab.setStyleSheet("color: palette(text);")
            else:
                lab.setStyleSheet(f"color: {GREY};")
        if index == 1:
            self.body_edit.setFocus()
        self._update_buttons()

    def step(self) -> int:
        return self.pages.currentIndex()

    def can_continue(self) -> bool:
        return self.data is not None and bool(self.data.subjects) and not self.blockers and self.base_draft is not None

    def _update_buttons(self) -> None:
        i = self.pages.currentIndex()
        self.back_btn.setEnabled(i > 0)
        self.next_btn.setVisible(i < len(self.STEPS) - 1)
        ok = self.can_continue()
        self.next_btn.setEnabled(ok)
        self.next_btn.setToolTip("" if ok else _tr("请先解决“检查”中列出的问题"))
        self.export_btn.setEnabled(ok and (self.operation is None or not self.operation.worker.isRunning()))
        self.open_btn.setEnabled(self._selected_blocker_row() >= 0)

    def go_next(self) -> None:
        if self.step() == 0:
            self.load()  # the list is fresh when leaving it
            if not self.can_continue():
                return
        if self.step() < len(self.STEPS) - 1:
            self.set_step(self.step() + 1)

    def go_back(self) -> None:
        if self.step() > 0:
            self.set_step(self.step() - 1)

    def reject(self) -> None:
        if self.operation is not None and self.operation.worker.isRunning():
            self.operation.cancel()
            self.operation.wait()
        super().reject()

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if self.operation is not None and self.operation.worker.isRunning():
            self.operation.cancel()
            self.operation.wait()
        super().closeEvent(event)


def open_export_wizard(ctx, parent: QWidget | None, *, batch_id: int | None = None) -> ExportWizard:
    """Show the wizard (one per window, not modal), on ``batch_id`` if given."""
    host = parent.window() if parent is not None else None
    wiz = getattr(host, "_export_wizard", None) if host is not None else None
    if wiz is None or not shiboken6.isValid(wiz):
        wiz = ExportWizard(ctx, host, batch_id=batch_id)
        wiz.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if host is not None:
            host._export_wizard = wiz
    elif batch_id is not None:
        wiz.select_batch(batch_id)
    wiz.show()
    wiz.raise_()
    wiz.activateWindow()
    return wiz
