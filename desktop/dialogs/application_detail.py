"""One application's page: everything the district reviews (第九、十条) in one window.

Tabs: 材料清单 (the checklist of its title and year with the received files: attach by drag and
drop or 添加文件…, open in the system viewer, accept, return with a reason, full verification),
第三方评价 (the report, its evaluator picked from the registry), 证书 (management-system
certificates), 年度指标 (indicators by year), 初审结果 (each check with its outcome, article,
rule text and evidence; override with a reason; the override history; 运行检查; the reviewer's
opinion for the 初审意见表), 环节记录 (the stage history). 打印初审意见表… writes the Word sheet.

Every write goes through ``models.review_service`` / ``forms.materials`` in a unit of work and
then tells the other views (``ctx.changed``); the page reloads the tabs a change touches. Files
are received and checks run off the GUI thread (``desktop.tasks``).
"""
from __future__ import annotations

import datetime as dt
import html
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Sequence

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QUrl,
    Signal,
)
from PySide6.QtGui import QColor, QDesktopServices, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from forms import codes
from forms.materials import ChecklistRow, attach_file, checklist_for, checklist_status
from forms.rules.loader import indicator_defs
from models import filestore
from models import pipeline as pl
from models.entities import Application
from models.review import CERT_LABELS, CertKind, MaterialStatus, Outcome
from models.review_service import (
    HIGHLIGHTS_MAX,
    ReviewError,
    certificates_for,
    check_sheet,
    clear_override,
    delete_certificate,
    delete_material,
    evaluators,
    indicators_for,
    override_history,
    override_result,
    report_for,
    save_certificate,
    save_report,
    set_indicator,
    set_material_status,
)
from models.stages import SubjectKind

from ..review_ui import (
    OptionalDateEdit,
    OutcomeRowsModel,
    check_failure_text,
    counts_html,
    error_label,
    fmt_date,
    fmt_time,
    make_table,
    ok_cancel,
    outcome_html,
    outcome_icon,
    outcome_label,
    restore_geometry,
    select_row,
    show_verification,
    start_check_run,
    start_verification,
)
from ..table_model import Column, RowsModel
from ..tasks import Operation, Progress

GEOMETRY_KEY = "application_detail/geometry"
TAB_KEY = "application_detail/tab"
ATTACH_FOLDER_KEY = "review/attach_folder"
SHEET_FOLDER_KEY = "review/sheet_folder"
#: stored conclusion (application.review_outcome) → the box the 初审意见表 ticks
REVIEW_DECISION_TEXT = {"通过": "通过，同意推荐", "退回补正": "退回补正", "不予推荐": "不予推荐"}
FILE_FILTER = ("申报材料 (*.pdf *.docx *.doc *.xlsx *.xls *.wps *.et *.jpg *.jpeg *.png *.tif *.tiff *.ofd *.zip);;"
               "所有文件 (*)")
STANDARDS = ("GB/T 36132-2018 绿色工厂评价通则", "GB/T 36132-2025 绿色工厂评价通则", "GB/T 33567-2017 绿色园区评价要求",
             "重庆市绿色工厂评价要求")

#: the tabs, in order: key → label
TABS = {"materials": "材料清单", "report": "第三方评价", "certificates": "证书", "indicators": "年度指标",
        "results": "初审结果", "history": "环节记录"}


@dataclass(frozen=True)
class AppInfo:
    """What the page needs to know about the application (plain data)."""

    id: int
    year: int
    title_kind: Any
    stage: Any
    subject_kind: SubjectKind
    enterprise_id: int | None
    park_id: int | None
    name: str
    credit_code: str
    district: str
    batch: str

    @property
    def subject(self) -> dict[str, int]:
        return {"enterprise_id": self.enterprise_id} if self.enterprise_id is not None else {"park_id": self.park_id}


def load_info(session, app_id: int) -> AppInfo | None:
    app = session.get(Application, app_id)
    if app is None or app.deleted_at is not None:
        return None
    s = app.subject
    return AppInfo(app.id, app.year, app.title_kind, app.stage, app.subject_kind, app.enterprise_id, app.park_id,
                   s.name if s else "", (s.credit_code or "") if s else "",
                   codes.district_name(s.district_code) if s else "",
                   app.batch.name if app.batch is not None and app.batch.deleted_at is None else "")


def _size(n: int | None) -> str:
    if n is None:
        return ""
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n / 1024 / 1024:.1f} MB"


def _num(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return text


# ======================================================================================= materials
STATE_COLOURS = {"missing": "#c0271d", "broken": "#c0271d", "returned": "#a35f00", "accepted": "#1e7b34",
                 "received": "#1f5fa8", "optional": "#6b6b6b"}

# row tuple positions of the checklist table
M_ROW, M_LABEL, M_REQ, M_STATE, M_FILE, M_PAGES, M_SIZE, M_DATE, M_BY, M_STATUS, M_PROBLEM, M_KEY, M_MID, \
    M_STATE_CODE, M_SHA = range(15)

MATERIAL_COLUMNS = [
    Column("材料项", M_LABEL, width=300),
    Column("必交", M_REQ, width=46),
    Column("状态", M_STATE, width=92),
    Column("文件", M_FILE, width=200),
    Column("页数", M_PAGES, display=lambda n: "" if n is None else str(n), align_right=True, width=46),
    Column("大小", M_SIZE, display=_size, align_right=True, width=70),
    Column("收件日期", M_DATE, display=fmt_date, width=86),
    Column("收件人", M_BY, width=64),
    Column("审核", M_STATUS, width=150),
    Column("问题", M_PROBLEM),
]


def checklist_table_rows(rows: Sequence[ChecklistRow]) -> list[tuple]:
    """The checklist as table rows: one per received file, or one for an item with no file; the
    item's name, whether it is required and its state on the item's first row only."""
    out: list[tuple] = []
    for cl in rows:
        req = "必交" if cl.required else ("选交" if cl.item is not None else "")
        if not cl.materials:
            out.append((len(out), cl.label, req, cl.state_label, "", None, None, None, "", "", "", cl.key, None,
                        cl.state, ""))
            continue
        for i, m in enumerate(cl.materials):
            status = m.status_label
            if m.status is not MaterialStatus.RECEIVED and m.status_by:
                status += f"（{m.status_by}）"
            if m.status_reason:
                status += f"：{m.status_reason}"
            first = i == 0
            out.append((len(out), cl.label if first else "", req if first else "", cl.state_label if first else "",
                        m.original_name, m.page_count, m.size, m.received_on, m.received_by, status, m.problem,
                        cl.key, m.id, cl.state if first else "", m.sha256))
    return out


class ChecklistModel(RowsModel):
    """The checklist rows with the item state and problems in colour."""

    def data(self, index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole and index.isValid() and 0 <= index.row() < self.rowCount():
            row = self.row_at(index.row())
            col = self.columns[index.column()].index
            if col == M_STATE and row[M_STATE_CODE]:
                return QColor(STATE_COLOURS.get(row[M_STATE_CODE], "#000000"))
            if col == M_PROBLEM and row[M_PROBLEM]:
                return QColor(STATE_COLOURS["broken"])
            if col == M_STATUS and row[M_STATUS].startswith(MaterialStatus.RETURNED.label):
                return QColor(STATE_COLOURS["returned"])
            return None
        if role == Qt.ItemDataRole.FontRole and index.isValid() and 0 <= index.row() < self.rowCount():
            if self.columns[index.column()].index == M_LABEL and self.row_at(index.row())[M_LABEL]:
                f = self.parent().font() if isinstance(self.parent(), QWidget) else None
                if f is not None:
                    f.setBold(True)
                    return f
            return None
        return super().data(index, role)


class FileDropTable(QTableView):
    """The checklist table: files dropped on a row are received for that row's item."""

    #: (local file paths, the table row they were dropped on or -1)
    files_dropped = Signal(list, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.viewport().setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DropOnly)
        self.setDropIndicatorShown(True)

    @staticmethod
    def local_files(mime) -> list[Path]:
        if mime is None or not mime.hasUrls():
            return []
        return [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile() and u.toLocalFile()]

    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if self.local_files(event.mimeData()):
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if not self.local_files(event.mimeData()):
            event.ignore()
            return
        row = self.indexAt(event.position().toPoint()).row()
        if row >= 0:
            select_row(self, row)
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()

    def dropEvent(self, event) -> None:  # noqa: N802 (Qt API)
        files = self.local_files(event.mimeData())
        if not files:
            event.ignore()
            return
        row = self.indexAt(event.position().toPoint()).row()
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        self.files_dropped.emit([str(f) for f in files], row)


@dataclass(frozen=True)
class AttachOutcome:
    """What receiving one file did (plain data, made in the worker thread)."""

    name: str
    ok: bool
    duplicate: bool
    error: str
    warnings: tuple[str, ...]
    pages: int | None

    def line(self) -> str:
        if self.error:
            return self.error
        if self.duplicate:
            return "；".join(self.warnings)
        pages = f"，{self.pages} 页" if self.pages else ""
        text = f"已收录「{self.name}」{pages}。"
        if self.warnings:
            text += " " + " ".join(self.warnings)
        return text


class MaterialsTab(QWidget):
    def __init__(self, page: "ApplicationDetailDialog") -> None:
        super().__init__(page)
        self.page = page
        self.ctx = page.ctx
        self.rows: list[ChecklistRow] = []
        self.last_results: list[AttachOutcome] = []
        lay = QVBoxLayout(self)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        lay.addWidget(self.summary)
        self.model = ChecklistModel([Column(self.tr(c.header), c.index, c.display, c.align_right, width=c.width)
                                     for c in MATERIAL_COLUMNS], self, id_index=M_ROW)
        self.table = FileDropTable(self)
        self.table.setObjectName("materials_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().lineSpacing() + 10)
        for i, c in enumerate(MATERIAL_COLUMNS):
            if c.width:
                self.table.setColumnWidth(i, c.width)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setToolTip(self.tr("把文件从资源管理器拖到某一材料项的行上即可收件"))
        self.table.files_dropped.connect(self._on_drop)
        self.table.doubleClicked.connect(lambda _ix: self.open_selected())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        lay.addWidget(self.table, 1)

        bar = QHBoxLayout()
        self.add_button = QPushButton(self.tr("添加文件…"))
        self.add_button.setToolTip(self.tr("为所选材料项收件（Ctrl+O）；也可把文件拖到表格的行上"))
        self.open_button = QPushButton(self.tr("打开"))
        self.open_button.setToolTip(self.tr("用系统默认程序查看所选文件（双击或 Enter）"))
        self.accept_button = QPushButton(self.tr("接收"))
        self.accept_button.setToolTip(self.tr("所选文件审核通过，标为“已接收”"))
        self.return_button = QPushButton(self.tr("退回补正…"))
        self.return_button.setToolTip(self.tr("所选文件退回申报单位补正，须填写原因"))
        self.reset_button = QPushButton(self.tr("恢复待审核"))
        self.remove_button = QPushButton(self.tr("移除文件"))
        self.remove_button.setToolTip(self.tr("从本申报中移除所选文件（Delete）；存档副本保留"))
        self.verify_button = QPushButton(self.tr("全面核验本申报附件…"))
        self.verify_button.setToolTip(self.tr("重新计算本申报每个附件的 SHA-256，确认收件后未被改动或丢失"))
        for b in (self.add_button, self.open_button, self.accept_button, self.return_button, self.reset_button,
                  self.remove_button):
            bar.addWidget(b)
        bar.addStretch(1)
        bar.addWidget(self.verify_button)
        lay.addLayout(bar)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.message)

        self.add_button.clicked.connect(lambda: self.add_files())
        self.open_button.clicked.connect(self.open_selected)
        self.accept_button.clicked.connect(lambda: self.set_status(MaterialStatus.ACCEPTED))
        self.return_button.clicked.connect(self.return_selected)
        self.reset_button.clicked.connect(lambda: self.set_status(MaterialStatus.RECEIVED))
        self.remove_button.clicked.connect(self.remove_selected)
        self.verify_button.clicked.connect(self.verify)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Open), self, lambda: self.add_files())
        QShortcut(QKeySequence(Qt.Key.Key_Return), self.table, self.open_selected,
                  context=Qt.ShortcutContext.WidgetShortcut)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.table, self.remove_selected,
                  context=Qt.ShortcutContext.WidgetShortcut)

    # ------------------------------------------------------------------ loading
    def load(self) -> None:
        keep = self.selected_material_ids()
        with self.ctx.db.uow() as uow:
            self.rows = checklist_status(uow.session, self.page.app_id, files_dir=self.ctx.db.files_dir)
            cl = checklist_for(self.page.info.title_kind, self.page.info.year)
        self.model.set_rows(checklist_table_rows(self.rows))
        required = [r for r in self.rows if r.required]
        done = sum(1 for r in required if r.state in ("accepted", "received"))
        accepted = sum(1 for r in required if r.state == "accepted")
        missing = [r.label for r in required if r.state == "missing"]
        files = sum(len(r.materials) for r in self.rows)
        if cl is None:
            text = self.tr("{0}年度「{1}」没有适用的材料清单（resources/rules/materials-*.toml）。").format(
                self.page.info.year, self.page.info.title_kind.label)
        else:
            text = self.tr("{0}：必交 {1} 项，已收 {2} 项（其中已接收 {3} 项）；共 {4} 个文件。").format(
                cl.name, len(required), done, accepted, files)
            problems = [r.label for r in required if r.state in ("returned", "broken")]
            if missing:
                text += self.tr(" 未收到：") + "、".join(missing) + "。"
            if problems:
                text += self.tr(" 需补正或重新收件：") + "、".join(problems) + "。"
        self.summary.setText(text)
        self.select_materials(keep)
        self._update_buttons()

    def row_index(self, key: str) -> int | None:
        for r in range(self.model.rowCount()):
            if self.model.row_at(r)[M_KEY] == key:
                return r
        return None

    def item_row(self, key: str) -> ChecklistRow | None:
        return next((r for r in self.rows if r.key == key), None)

    # ------------------------------------------------------------------ selection
    def selected_rows(self) -> list[tuple]:
        return [self.model.row_at(ix.row()) for ix in sorted(self.table.selectionModel().selectedRows(),
                                                             key=lambda i: i.row())]

    def selected_material_ids(self) -> list[int]:
        return [r[M_MID] for r in self.selected_rows() if r[M_MID] is not None]

    def select_materials(self, ids: Sequence[int]) -> None:
        self.table.clearSelection()
        for r in range(self.model.rowCount()):
            if self.model.row_at(r)[M_MID] in ids:
                self.table.selectionModel().select(
                    self.model.index(r, 0),
                    QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows)

    def select_item(self, key: str) -> bool:
        r = self.row_index(key)
        if r is None:
            return False
        select_row(self.table, r)
        return True

    def _update_buttons(self) -> None:
        has = bool(self.selected_material_ids())
        for b in (self.open_button, self.accept_button, self.return_button, self.reset_button, self.remove_button):
            b.setEnabled(has)
        self.add_button.setEnabled(self.page.operation is None)

    # ------------------------------------------------------------------ receiving
    def _choose_item(self) -> str | None:
        """The item for files added without a row: the selected row's, else ask."""
        rows = self.selected_rows()
        if rows:
            return rows[0][M_KEY]
        items = [r for r in self.rows if r.item is not None]
        if not items:
            return "other"
        labels = [("【必交】" if r.required else "【选交】") + r.label for r in items]
        first_missing = next((i for i, r in enumerate(items) if r.state == "missing"), 0)
        label, ok = QInputDialog.getItem(self, self.tr("收件"), self.tr("这些文件是哪一项材料？"), labels,
                                         first_missing, False)
        if not ok or label not in labels:
            return None
        return items[labels.index(label)].key

    def _on_drop(self, paths: list, row: int) -> None:
        key = self.model.row_at(row)[M_KEY] if 0 <= row < self.model.rowCount() else self._choose_item()
        if key is None:
            return
        self.attach([Path(p) for p in paths], key)

    def add_files(self, key: str | None = None) -> bool:
        key = key or self._choose_item()
        if key is None:
            return False
        item = self.item_row(key)
        folder = str(self.ctx.settings.value(ATTACH_FOLDER_KEY, "") or "")
        if not folder or not Path(folder).is_dir():
            folder = str(Path.home())
        title = self.tr("添加文件：{0}").format(item.label if item else key)
        paths, _flt = QFileDialog.getOpenFileNames(self, title, folder, self.tr(FILE_FILTER))
        if not paths:
            return False
        self.ctx.settings.setValue(ATTACH_FOLDER_KEY, str(Path(paths[0]).parent))
        return self.attach([Path(p) for p in paths], key)

    def attach(self, paths: Sequence[Path], key: str) -> bool:
        """Receive files for checklist item ``key`` in the background, each in its own
        transaction (a bad file stores nothing and does not stop the others)."""
        if self.page.operation is not None:
            self.ctx.status.emit(self.tr("上一项操作还在进行中，请稍候。"))
            return False
        db, app_id, user = self.ctx.db, self.page.app_id, self.ctx.user
        files = [Path(p) for p in paths]

        def work(p: Progress) -> list[AttachOutcome]:
            out = []
            for i, src in enumerate(files):
                p.check()
                p.report(i, len(files), self.tr("正在收件 {0}/{1}：{2}").format(i + 1, len(files), src.name))
                with db.uow() as uow:
                    res = attach_file(uow.session, db.files_dir, app_id, key, src, user=user)
                    pages = res.material.page_count if res.material is not None else None
                    if res.ok and not res.duplicate:
                        uow.commit()
                out.append(AttachOutcome(src.name, res.ok, res.duplicate, res.error, tuple(res.warnings), pages))
            p.report(len(files), len(files), "")
            return out

        self.page.start(Operation(self, self.tr("收件"), work, cancellable=len(files) > 1), "attach",
                        self._attached)
        return True

    def _attached(self, results: list[AttachOutcome] | None) -> None:
        if results is None:
            self.message.setText(self.tr("收件已取消；取消前已收录的文件保留在清单中。"))
            self.ctx.changed("material")
            return
        self.last_results = results
        errors = [r for r in results if r.error]
        lines = [r.line() for r in results]
        self.message.setText("\n".join(lines))
        colour = "#c0271d" if errors else ("#a35f00" if any(r.warnings for r in results) else "#1e7b34")
        self.message.setStyleSheet(f"color: {colour}")
        if any(r.ok and not r.duplicate for r in results):
            self.ctx.changed("material")
        if errors:
            QMessageBox.warning(
                self, self.tr("收件"),
                "\n".join(r.error for r in errors) + self.tr("\n\n以上文件未收录，清单没有改动。请向申报单位索取正确的文件后再添加。"))

    # ------------------------------------------------------------------ opening and reviewing
    def open_selected(self) -> Path | None:
        rows = [r for r in self.selected_rows() if r[M_MID] is not None]
        if not rows:
            self.ctx.status.emit(self.tr("请先选中一个文件。"))
            return None
        row = rows[0]
        files_dir = self.ctx.db.files_dir
        if not filestore.stored_path(files_dir, row[M_SHA]).is_file():
            QMessageBox.warning(self, self.tr("打开文件"), self.tr(
                "「{0}」的存档文件已丢失，无法打开。请向申报单位重新索取，并重新收件。").format(row[M_FILE]))
            return None
        # a copy under its original name: the viewer picks the program by the extension, and the
        # stored file (named by its hash, read only) is never handed to another program
        dest = Path(tempfile.gettempdir()) / "greendesk-view" / row[M_SHA][:12] / row[M_FILE]
        try:
            if not dest.exists():
                filestore.copy_out(files_dir, row[M_SHA], dest)
        except OSError as exc:
            QMessageBox.warning(self, self.tr("打开文件"), self.tr("无法准备「{0}」的查看副本（{1}）。请检查临时文件夹的磁盘空间。").format(
                row[M_FILE], exc.strerror or exc))
            return None
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(dest))):
            QMessageBox.information(self, self.tr("打开文件"), self.tr(
                "系统没有可以打开「{0}」的程序。副本在：\n{1}").format(row[M_FILE], dest))
        return dest

    def set_status(self, status: MaterialStatus, reason: str = "") -> int:
        ids = self.selected_material_ids()
        if not ids:
            self.ctx.status.emit(self.tr("请先选中文件。"))
            return 0
        with self.ctx.db.uow() as uow:
            try:
                for mid in ids:
                    set_material_status(uow.session, mid, status, reason=reason)
            except ReviewError as exc:
                QMessageBox.warning(self, self.tr("审核材料"), str(exc))
                return 0
            uow.commit()
        self.ctx.changed("material")
        self.message.setStyleSheet("")
        self.message.setText(self.tr("已将 {0} 个文件标为“{1}”。").format(len(ids), status.label))
        return len(ids)

    def return_selected(self) -> int:
        rows = [r for r in self.selected_rows() if r[M_MID] is not None]
        if not rows:
            self.ctx.status.emit(self.tr("请先选中要退回的文件。"))
            return 0
        names = "、".join(f"「{r[M_FILE]}」" for r in rows)
        reason, ok = QInputDialog.getMultiLineText(
            self, self.tr("退回补正"), self.tr("退回 {0} 的原因（申报单位据此补正）：").format(names))
        if not ok:
            return 0
        if not reason.strip():
            QMessageBox.warning(self, self.tr("退回补正"),
                                self.tr("退回必须填写原因，申报单位据此补正。文件未退回，请重新操作并填写原因。"))
            return 0
        return self.set_status(MaterialStatus.RETURNED, reason.strip())

    def remove_selected(self) -> int:
        rows = [r for r in self.selected_rows() if r[M_MID] is not None]
        if not rows:
            return 0
        names = "、".join(f"「{r[M_FILE]}」" for r in rows)
        answer = QMessageBox.question(self, self.tr("移除文件"), self.tr(
            "从本申报中移除 {0}？可用 编辑→撤销删除（Ctrl+Z）恢复。").format(names))
        if answer != QMessageBox.StandardButton.Yes:
            return 0
        with self.ctx.db.uow() as uow:
            for r in rows:
                delete_material(uow.session, r[M_MID])
            uow.commit()
        self.ctx.changed("material")
        return len(rows)

    def verify(self) -> bool:
        if self.page.operation is not None:
            return False
        op = start_verification(self, self.ctx, [self.page.app_id])
        self.page.track(op, "verify", self._verified)
        return True

    def _verified(self, result) -> None:
        if result is None:
            self.message.setText(self.tr("核验已取消，未作任何改动。"))
            return
        self.message.setStyleSheet("color: #c0271d" if result.problems else "color: #1e7b34")
        self.message.setText(show_verification(self, result))


# ======================================================================================= report
class ReportTab(QWidget):
    """The third-party report (第九条): evaluator from the registry, dates, standard, basic
    requirements, score, highlights (≤ 100 characters)."""

    def __init__(self, page: "ApplicationDetailDialog") -> None:
        super().__init__(page)
        self.page = page
        self.ctx = page.ctx
        self.dirty = False
        self._evaluators: dict[int, tuple[str, list[int], dt.date | None]] = {}
        self._loading = False
        outer = QVBoxLayout(self)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.evaluator = QComboBox()
        self.evaluator.setMinimumContentsLength(30)
        self.evaluator.setToolTip(self.tr("从“第三方评价机构”名录中选择；名录里没有的请先在名录中新增"))
        self.evaluator_state = QLabel()
        self.evaluator_state.setTextFormat(Qt.TextFormat.RichText)
        self.report_no = QLineEdit()
        self.report_date = OptionalDateEdit()
        self.self_date = OptionalDateEdit()
        self.standard = QComboBox()
        self.standard.setEditable(True)
        self.standard.addItems(STANDARDS)
        self.standard.setMinimumContentsLength(28)
        self.basic = QComboBox()
        self.basic.addItem(self.tr("未填"), None)
        self.basic.addItem(self.tr("符合"), True)
        self.basic.addItem(self.tr("不符合"), False)
        self.score = QLineEdit()
        self.score.setPlaceholderText(self.tr("0–100，如 86.5"))
        self.score.setMaximumWidth(120)
        self.highlights = QLineEdit()
        self.highlights.setMaxLength(HIGHLIGHTS_MAX)
        self.highlights_count = QLabel()
        self.subject_name = QLineEdit()
        self.subject_code = QLineEdit()
        self.subject_code.setMaxLength(18)
        self.copy_button = QPushButton(self.tr("按申报填入"))
        self.copy_button.setToolTip(self.tr("把申报主体的名称和统一社会信用代码填入（报告上写的不同时请照报告填写）"))
        self.notes = QPlainTextEdit()
        self.notes.setMaximumHeight(70)

        ev_row = QHBoxLayout()
        ev_row.addWidget(self.evaluator, 1)
        form.addRow(self.tr("第三方评价机构"), ev_row)
        form.addRow("", self.evaluator_state)
        form.addRow(self.tr("报告编号"), self.report_no)
        form.addRow(self.tr("报告日期"), self.report_date)
        form.addRow(self.tr("自评价完成日期"), self.self_date)
        form.addRow(self.tr("依据标准"), self.standard)
        form.addRow(self.tr("基本要求"), self.basic)
        form.addRow(self.tr("评价得分"), self.score)
        hl = QHBoxLayout()
        hl.addWidget(self.highlights, 1)
        hl.addWidget(self.highlights_count)
        form.addRow(self.tr("亮点（100字以内）"), hl)
        sub = QHBoxLayout()
        sub.addWidget(self.subject_name, 2)
        sub.addWidget(self.subject_code, 1)
        sub.addWidget(self.copy_button)
        form.addRow(self.tr("报告所写名称、代码"), sub)
        form.addRow(self.tr("备注"), self.notes)
        outer.addLayout(form)
        self.error = error_label()
        outer.addWidget(self.error)
        bar = QHBoxLayout()
        self.saved_label = QLabel()
        self.save_button = QPushButton(self.tr("保存评价报告 (Ctrl+S)"))
        self.save_button.clicked.connect(self.save)
        bar.addWidget(self.saved_label, 1)
        bar.addWidget(self.save_button)
        outer.addLayout(bar)
        outer.addStretch(1)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self, self.save)

        self.copy_button.clicked.connect(self._copy_subject)
        self.highlights.textChanged.connect(self._count_highlights)
        self.evaluator.currentIndexChanged.connect(self._show_evaluator_state)
        for sig in (self.evaluator.currentIndexChanged, self.basic.currentIndexChanged,
                    self.standard.currentTextChanged, self.report_no.textChanged, self.score.textChanged,
                    self.highlights.textChanged, self.subject_name.textChanged, self.subject_code.textChanged,
                    self.notes.textChanged, self.report_date.dateChanged, self.self_date.dateChanged):
            sig.connect(self._mark_dirty)

    def _mark_dirty(self, *_a) -> None:
        if not self._loading:
            self.dirty = True
            self.saved_label.setText(self.tr("有未保存的修改"))

    def _count_highlights(self, text: str) -> None:
        self.highlights_count.setText(f"{len(text)}/{HIGHLIGHTS_MAX}")

    def _copy_subject(self) -> None:
        self.subject_name.setText(self.page.info.name)
        self.subject_code.setText(self.page.info.credit_code)

    def reload_evaluators(self, keep: int | None = None) -> None:
        with self.ctx.db.uow() as uow:
            evs = evaluators(uow.session)
            self._evaluators = {e.id: (e.name, list(e.list_years or []), e.disqualified_on) for e in evs}
        was_loading = self._loading
        self._loading = True
        self.evaluator.blockSignals(True)
        self.evaluator.clear()
        self.evaluator.addItem(self.tr("（未选择）"), None)
        year = self.page.info.year
        for eid, (name, years, disq) in sorted(self._evaluators.items(), key=lambda kv: kv[1][0]):
            mark = ""
            if disq is not None:
                mark = self.tr("（已取消资格）")
            elif year in years:
                mark = self.tr("（{0}年度名录内）").format(year)
            self.evaluator.addItem(name + mark, eid)
        self.evaluator.setCurrentIndex(max(self.evaluator.findData(keep), 0))
        self.evaluator.blockSignals(False)
        self._loading = was_loading
        self._show_evaluator_state()

    def _show_evaluator_state(self, *_a) -> None:
        eid = self.evaluator.currentData()
        year = self.page.info.year
        if eid is None or eid not in self._evaluators:
            self.evaluator_state.setText(self.tr("未选择评价机构。"))
            return
        _name, years, disq = self._evaluators[eid]
        if disq is not None:
            text = outcome_html(Outcome.FAIL, self.tr("已于 {0} 取消评价资格（第二十二条）").format(fmt_date(disq)))
        elif year in years:
            text = outcome_html(Outcome.PASS, self.tr("已列入{0}年度市级名录（第二十一条）").format(year))
        else:
            listed = "、".join(str(y) for y in years) or self.tr("无")
            text = outcome_html(Outcome.FAIL, self.tr("未列入{0}年度市级名录（第二十一条；名录年度：{1}）").format(year, listed))
        self.evaluator_state.setText(text)

    def load(self, *, force: bool = True) -> None:
        if self.dirty and not force:
            return
        self._loading = True
        try:
            with self.ctx.db.uow() as uow:
                rep = report_for(uow.session, self.page.app_id)
                values = {k: getattr(rep, k) for k in (
                    "evaluator_id", "evaluator_name", "report_no", "report_date", "standard", "basic_requirements_met",
                    "score", "highlights", "self_evaluation_date", "subject_name", "subject_credit_code", "notes",
                )} if rep is not None else {}
            self.reload_evaluators(values.get("evaluator_id"))
            if values.get("evaluator_id") is None and values.get("evaluator_name"):
                self.evaluator.addItem(values["evaluator_name"] + self.tr("（不在名录中）"), None)
                self.evaluator.setCurrentIndex(self.evaluator.count() - 1)
                self.evaluator_state.setText(outcome_html(Outcome.FAIL, self.tr(
                    "报告上的评价机构不在名录中：请在“第三方评价机构”中新增后再选择。")))
            self.report_no.setText(values.get("report_no") or "")
            self.report_date.set_value(values.get("report_date"))
            self.self_date.set_value(values.get("self_evaluation_date"))
            self.standard.setCurrentText(values.get("standard") or "")
            self.basic.setCurrentIndex(max(self.basic.findData(values.get("basic_requirements_met")), 0))
            if values.get("basic_requirements_met") is None:
                self.basic.setCurrentIndex(0)
            self.score.setText(_num(values.get("score")))
            self.highlights.setText(values.get("highlights") or "")
            self._count_highlights(self.highlights.text())
            self.subject_name.setText(values.get("subject_name") or "")
            self.subject_code.setText(values.get("subject_credit_code") or "")
            self.notes.setPlainText(values.get("notes") or "")
            self.error.clear()
            self.saved_label.setText(self.tr("尚未录入第三方评价报告。") if rep is None else "")
            self.dirty = False
        finally:
            self._loading = False

    def values(self) -> dict[str, Any]:
        eid = self.evaluator.currentData()
        v: dict[str, Any] = {
            "evaluator_id": eid,
            "report_no": self.report_no.text().strip(),
            "report_date": self.report_date.value(),
            "self_evaluation_date": self.self_date.value(),
            "standard": self.standard.currentText().strip(),
            "basic_requirements_met": self.basic.currentData(),
            "score": self.score.text().strip() or None,
            "highlights": self.highlights.text().strip(),
            "subject_name": self.subject_name.text().strip(),
            "subject_credit_code": self.subject_code.text().strip().upper(),
            "notes": self.notes.toPlainText().strip(),
        }
        if eid is not None:
            v["evaluator_name"] = self._evaluators[eid][0]
        elif self.evaluator.currentIndex() == 0:
            v["evaluator_name"] = ""
        return v

    def save(self) -> bool:
        values = self.values()
        with self.ctx.db.uow() as uow:
            try:
                save_report(uow.session, self.page.app_id, values)
            except ReviewError as exc:
                self.error.setText(str(exc) + self.tr(" 请修改后再保存。"))
                return False
            uow.commit()
        self.dirty = False
        self.error.clear()
        self.ctx.changed("third_party_report")
        self.saved_label.setText(self.tr("已保存（{0}）。重新运行检查后，初审结果按新数据判断。").format(
            dt.datetime.now().strftime("%H:%M")))
        return True


# ======================================================================================= certificates
C_ID, C_KIND, C_STANDARD, C_NUMBER, C_ISSUER, C_ISSUED, C_EXPIRES, C_STATE, C_STATE_CODE = range(9)
CERT_COLUMNS = [
    Column("类别", C_KIND, width=280),
    Column("标准", C_STANDARD, width=130),
    Column("证书编号", C_NUMBER, width=150),
    Column("发证机构", C_ISSUER, width=170),
    Column("发证日期", C_ISSUED, display=fmt_date, width=90),
    Column("有效期至", C_EXPIRES, display=fmt_date, width=90),
    Column("状态", C_STATE),
]


def cert_state(expires: dt.date | None, as_of: dt.date) -> tuple[str, str]:
    """(label, outcome value) of a certificate on the review date."""
    if expires is None:
        return "未填有效期", Outcome.MISSING.value
    if expires < as_of:
        return f"已过期（{(as_of - expires).days} 天）", Outcome.FAIL.value
    if (expires - as_of).days <= 90:
        return f"有效，{(expires - as_of).days} 天后到期", Outcome.WARNING.value
    return "有效", Outcome.PASS.value


class CertificateDialog(QDialog):
    """One management-system certificate (第七条（六））."""

    def __init__(self, parent: QWidget | None = None, values: dict[str, Any] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("管理体系证书") if values is None else self.tr("修改证书"))
        form = QFormLayout(self)
        self.kind = QComboBox()
        for k in CertKind:
            self.kind.addItem(k.label, k.value)
        self.standard = QLineEdit()
        self.standard.setPlaceholderText(self.tr("如 GB/T 19001-2016 / ISO 9001:2015"))
        self.number = QLineEdit()
        self.issuer = QLineEdit()
        self.issued_on = OptionalDateEdit()
        self.expires_on = OptionalDateEdit()
        self.notes = QLineEdit()
        form.addRow(self.tr("类别"), self.kind)
        form.addRow(self.tr("标准"), self.standard)
        form.addRow(self.tr("证书编号"), self.number)
        form.addRow(self.tr("发证机构"), self.issuer)
        form.addRow(self.tr("发证日期"), self.issued_on)
        form.addRow(self.tr("有效期至"), self.expires_on)
        form.addRow(self.tr("备注"), self.notes)
        self.error = error_label()
        form.addRow(self.error)
        form.addRow(ok_cancel(self))
        if values:
            self.kind.setCurrentIndex(max(self.kind.findData(values.get("kind")), 0))
            self.standard.setText(values.get("standard") or "")
            self.number.setText(values.get("number") or "")
            self.issuer.setText(values.get("issuer") or "")
            self.issued_on.set_value(values.get("issued_on"))
            self.expires_on.set_value(values.get("expires_on"))
            self.notes.setText(values.get("notes") or "")

    def values(self) -> dict[str, Any]:
        return {"kind": self.kind.currentData(), "standard": self.standard.text().strip(),
                "number": self.number.text().strip(), "issuer": self.issuer.text().strip(),
                "issued_on": self.issued_on.value(), "expires_on": self.expires_on.value(),
                "notes": self.notes.text().strip()}

    def accept(self) -> None:
        if self.expires_on.value() is None:
            self.error.setText(self.tr("请填写有效期截止日：第七条（六）按审查基准日判断证书是否有效。"))
            return
        super().accept()


class CertificatesTab(QWidget):
    def __init__(self, page: "ApplicationDetailDialog") -> None:
        super().__init__(page)
        self.page = page
        self.ctx = page.ctx
        lay = QVBoxLayout(self)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        lay.addWidget(self.hint)
        self.model = OutcomeRowsModel([Column(self.tr(c.header), c.index, c.display, width=c.width)
                                       for c in CERT_COLUMNS], self,
                                      outcome_columns={len(CERT_COLUMNS) - 1: lambda r: r[C_STATE_CODE]})
        self.table = make_table(self.model, self, sortable=False)
        self.table.doubleClicked.connect(lambda _ix: self.edit_selected())
        lay.addWidget(self.table, 1)
        bar = QHBoxLayout()
        self.add_button = QPushButton(self.tr("新增证书…"))
        self.edit_button = QPushButton(self.tr("修改…"))
        self.delete_button = QPushButton(self.tr("删除"))
        for b in (self.add_button, self.edit_button, self.delete_button):
            bar.addWidget(b)
        bar.addStretch(1)
        lay.addLayout(bar)
        self.add_button.clicked.connect(lambda: self.add())
        self.edit_button.clicked.connect(self.edit_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.table, self.delete_selected,
                  context=Qt.ShortcutContext.WidgetShortcut)

    def load(self) -> None:
        as_of = self.page.review_date()
        with self.ctx.db.uow() as uow:
            certs = certificates_for(uow.session, **self.page.info.subject)
            rows = []
            for c in certs:
                label, code = cert_state(c.expires_on, as_of)
                rows.append((c.id, CERT_LABELS[c.kind], c.standard, c.number, c.issuer, c.issued_on, c.expires_on,
                             label, code))
        self.model.set_rows(rows)
        have = {r[C_KIND] for r in rows if r[C_STATE_CODE] in (Outcome.PASS.value, Outcome.WARNING.value)}
        lacking = [lbl for lbl in CERT_LABELS.values() if lbl not in have]
        text = self.tr("{0}的管理体系证书，按审查基准日 {1} 判断是否有效（第七条（六））。").format(
            self.page.info.name, fmt_date(as_of))
        if self.page.info.subject_kind is SubjectKind.ENTERPRISE and lacking:
            text += self.tr(" 缺少有效的：") + "、".join(lacking) + "。"
        self.hint.setText(text)

    def _selected_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.id_at(rows[0].row()) if rows else None

    def add(self, values: dict[str, Any] | None = None) -> bool:
        if values is None:
            dlg = CertificateDialog(self)
            if not dlg.exec():
                return False
            values = dlg.values()
        return self._save(values, None)

    def edit_selected(self) -> bool:
        cid = self._selected_id()
        if cid is None:
            self.ctx.status.emit(self.tr("请先选中一张证书。"))
            return False
        from models.review import Certificate

        with self.ctx.db.uow() as uow:
            c = uow.session.get(Certificate, cid)
            current = {"kind": c.kind.value, "standard": c.standard, "number": c.number, "issuer": c.issuer,
                       "issued_on": c.issued_on, "expires_on": c.expires_on, "notes": c.notes}
        dlg = CertificateDialog(self, current)
        if not dlg.exec():
            return False
        return self._save(dlg.values(), cid)

    def _save(self, values: dict[str, Any], cid: int | None) -> bool:
        from models.review import Certificate

        with self.ctx.db.uow() as uow:
            try:
                record = uow.session.get(Certificate, cid) if cid is not None else None
                save_certificate(uow.session, values, record=record,
                                 **({} if record is not None else self.page.info.subject))
            except ReviewError as exc:
                QMessageBox.warning(self, self.tr("证书"), str(exc) + self.tr(" 证书未保存，请修改后重试。"))
                return False
            uow.commit()
        self.ctx.changed("certificate")
        return True

    def delete_selected(self) -> bool:
        cid = self._selected_id()
        if cid is None:
            return False
        row = self.model.row_at(self.table.selectionModel().selectedRows()[0].row())
        answer = QMessageBox.question(self, self.tr("删除证书"), self.tr("删除「{0}」（编号 {1}）？").format(
            row[C_KIND], row[C_NUMBER] or self.tr("未填")))
        if answer != QMessageBox.StandardButton.Yes:
            return False
        with self.ctx.db.uow() as uow:
            delete_certificate(uow.session, cid)
            uow.commit()
        self.ctx.changed("certificate")
        return True


# ======================================================================================= indicators
class IndicatorTableModel(QAbstractTableModel):
    """The subject's yearly indicators: one row per indicator of the catalogue (and any other
    stored key), one column per year after 指标 and 单位; year cells are editable (an empty cell
    removes the value)."""

    #: a cell was edited: (year, key, text) — the tab stores it and says whether that worked
    edited = Signal(int, str, str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.keys: list[str] = []
        self.labels: dict[str, tuple[str, str]] = {}
        self.years: list[int] = []
        self.values: dict[tuple[int, str], Decimal] = {}
        self.store = None  # callable(year, key, text) -> bool

    def set_data(self, keys: list[str], labels: dict[str, tuple[str, str]], years: list[int],
                 values: dict[tuple[int, str], Decimal]) -> None:
        self.beginResetModel()
        self.keys, self.labels, self.years, self.values = keys, labels, years, dict(values)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.keys)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else 2 + len(self.years)

    def data(self, index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self.keys)):
            return None
        key = self.keys[index.row()]
        col = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole, Qt.ItemDataRole.ToolTipRole):
            if col == 0:
                return self.labels.get(key, (key, ""))[0]
            if col == 1:
                return self.labels.get(key, (key, ""))[1]
            if 0 <= col - 2 < len(self.years):
                return _num(self.values.get((self.years[col - 2], key)))
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and col >= 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            if section == 0:
                return "指标"
            if section == 1:
                return "单位"
            if 0 <= section - 2 < len(self.years):
                return f"{self.years[section - 2]}年"
            return None
        return str(section + 1)

    def flags(self, index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        f = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() >= 2:
            f |= Qt.ItemFlag.ItemIsEditable
        return f

    def setData(self, index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or index.column() < 2:
            return False
        year, key = self.years[index.column() - 2], self.keys[index.row()]
        text = "" if value is None else str(value).strip()
        if text == _num(self.values.get((year, key))):
            return False
        if self.store is None or not self.store(year, key, text):
            return False
        if text:
            self.values[(year, key)] = Decimal(text.rstrip("%"))
        else:
            self.values.pop((year, key), None)
        self.dataChanged.emit(index, index)
        return True


class IndicatorsTab(QWidget):
    def __init__(self, page: "ApplicationDetailDialog") -> None:
        super().__init__(page)
        self.page = page
        self.ctx = page.ctx
        self.extra_years: set[int] = set()
        lay = QVBoxLayout(self)
        hint = QLabel(self.tr("双击单元格修改，清空即删除。只填数字，不带单位。第七条（七）、第六条（三）（七）按这些指标判断。"))
        hint.setWordWrap(True)
        lay.addWidget(hint)
        self.model = IndicatorTableModel(self)
        self.model.store = self.store
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed
                                   | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        lay.addWidget(self.table, 1)
        bar = QHBoxLayout()
        self.add_year_button = QPushButton(self.tr("添加年度…"))
        self.add_year_button.clicked.connect(lambda: self.add_year())
        bar.addWidget(self.add_year_button)
        bar.addStretch(1)
        lay.addLayout(bar)

    def load(self) -> None:
        info = self.page.info
        kind = "enterprise" if info.subject_kind is SubjectKind.ENTERPRISE else "park"
        defs = indicator_defs()
        with self.ctx.db.uow() as uow:
            values = indicators_for(uow.session, **info.subject)
        keys = [k for k, d in defs.items() if kind in d.subjects]
        keys += sorted({k for (_y, k) in values if k not in keys})
        labels = {k: (d.label, d.unit) for k, d in defs.items()}
        years = sorted({y for (y, _k) in values} | {info.year - 2, info.year - 1} | self.extra_years)
        self.model.set_data(keys, labels, years, values)
        self.table.setColumnWidth(1, 80)
        for c in range(2, self.model.columnCount()):
            self.table.setColumnWidth(c, 90)

    def add_year(self, year: int | None = None) -> bool:
        if year is None:
            year, ok = QInputDialog.getInt(self, self.tr("添加年度"), self.tr("指标所属年度："),
                                           self.page.info.year - 3, 2000, 2100)
            if not ok:
                return False
        self.extra_years.add(int(year))
        self.load()
        return True

    def store(self, year: int, key: str, text: str) -> bool:
        from forms.indicator_fields import unit_of

        with self.ctx.db.uow() as uow:
            try:
                set_indicator(uow.session, year=year, key=key, value=text or None, unit=unit_of(key),
                              source=self.tr("手工录入"), **self.page.info.subject)
            except ReviewError as exc:
                QMessageBox.warning(self, self.tr("年度指标"), str(exc) + self.tr(" 请只填数字（不带单位）。"))
                return False
            uow.commit()
        self.ctx.changed("indicator")
        return True


# ======================================================================================= results
R_RULE, R_FINAL, R_ARTICLE, R_TEXT, R_EVIDENCE, R_OVERRIDE, R_COMPUTED = range(7)
RESULT_COLUMNS = [
    Column("结果", R_FINAL, width=150),
    Column("条款", R_ARTICLE, width=110),
    Column("审查内容", R_TEXT, width=330),
    Column("依据与说明", R_EVIDENCE, width=380),
    Column("人工改判", R_OVERRIDE),
]


def result_rows(sheet) -> list[tuple]:
    rows = []
    for r in sheet.rows:
        final = r.final.label
        ov = ""
        if r.override is not None:
            final = f"{r.override.outcome.label}（人工改判）"
            ov = f"{r.override.user} {fmt_time(r.override.at)}：{r.override.reason}"
        rows.append((r.rule_id, final, r.article, r.text, r.evidence, ov, r.outcome.label, r.final.value))
    return rows


class OverrideDialog(QDialog):
    """A person's decision replacing one check's result: the new result and the reason (required)."""

    def __init__(self, parent: QWidget | None, row) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("人工改判：{0}").format(row.article))
        lay = QVBoxLayout(self)
        about = QLabel(self.tr("<b>{0}</b> {1}<br>系统结果：{2}<br>依据：{3}").format(
            html.escape(row.article), html.escape(row.text), outcome_html(row.outcome), html.escape(row.evidence)))
        about.setWordWrap(True)
        about.setTextFormat(Qt.TextFormat.RichText)
        lay.addWidget(about)
        form = QFormLayout()
        self.outcome = QComboBox()
        for o in Outcome:
            self.outcome.addItem(outcome_icon(o.value), o.label, o.value)
        default = Outcome.PASS if row.final is not Outcome.PASS else Outcome.FAIL
        self.outcome.setCurrentIndex(self.outcome.findData(default.value))
        self.reason = QPlainTextEdit()
        self.reason.setPlaceholderText(self.tr("写明改判的依据，例如：经现场核实，企业已于 6 月取得新证书（编号……）"))
        form.addRow(self.tr("改判为"), self.outcome)
        form.addRow(self.tr("理由"), self.reason)
        lay.addLayout(form)
        self.error = error_label()
        lay.addWidget(self.error)
        note = QLabel(self.tr("改判的理由、改判人和日期会保存，并打印在初审意见表上。"))
        note.setWordWrap(True)
        lay.addWidget(note)
        lay.addWidget(ok_cancel(self))
        self.resize(560, 360)

    def accept(self) -> None:
        if not self.reason.toPlainText().strip():
            self.error.setText(self.tr("请填写改判理由：没有理由的改判不能保存。"))
            self.reason.setFocus()
            return
        super().accept()

    def result_value(self) -> tuple[Outcome, str]:
        return Outcome(self.outcome.currentData()), self.reason.toPlainText().strip()

    @classmethod
    def get(cls, parent: QWidget | None, row) -> tuple[Outcome, str] | None:
        dlg = cls(parent, row)
        return dlg.result_value() if dlg.exec() else None


class ResultsTab(QWidget):
    def __init__(self, page: "ApplicationDetailDialog") -> None:
        super().__init__(page)
        self.page = page
        self.ctx = page.ctx
        self.sheet = None
        lay = QVBoxLayout(self)
        top = QHBoxLayout()
        self.header = QLabel()
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.setWordWrap(True)
        top.addWidget(self.header, 1)
        self.only_problems = QCheckBox(self.tr("只看未通过的"))
        self.only_problems.setToolTip(self.tr("只显示结果不是“通过”的检查"))
        self.only_problems.toggled.connect(lambda _on: self.load())
        top.addWidget(self.only_problems)
        self.run_button = QPushButton(self.tr("运行检查 (F9)"))
        self.run_button.setToolTip(self.tr("按本申报年度和称号的规则集重新检查；人工改判保留"))
        self.run_button.clicked.connect(self.run)
        top.addWidget(self.run_button)
        lay.addLayout(top)

        self.model = OutcomeRowsModel([Column(self.tr(c.header), c.index, width=c.width) for c in RESULT_COLUMNS],
                                      self, outcome_columns={0: lambda r: r[7]})
        self.table = make_table(self.model, self, sortable=False, multi=False)
        self.table.setObjectName("results_table")
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_detail())
        self.table.doubleClicked.connect(lambda _ix: self.override_selected())
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        self.detail = QTextBrowser()
        self.detail.setOpenLinks(False)
        split.addWidget(self.detail)
        split.setSizes([420, 120])
        lay.addWidget(split, 1)

        bar = QHBoxLayout()
        self.override_button = QPushButton(self.tr("人工改判…"))
        self.override_button.setToolTip(self.tr("以人工判断替换所选检查的结果，须填写理由（双击行亦可）"))
        self.clear_button = QPushButton(self.tr("撤销改判"))
        self.history_button = QPushButton(self.tr("全部改判记录"))
        self.history_button.setToolTip(self.tr("本申报所有改判（含已被取代、已撤销的）"))
        self.override_button.clicked.connect(self.override_selected)
        self.clear_button.clicked.connect(self.clear_selected)
        self.history_button.clicked.connect(self.show_all_history)
        for b in (self.override_button, self.clear_button, self.history_button):
            bar.addWidget(b)
        bar.addStretch(1)
        lay.addLayout(bar)

        box = QGroupBox(self.tr("初审结论与意见（随本申报保存，打印在初审意见表上）"))
        bl = QFormLayout(box)
        self.decision = QComboBox()
        self.decision.setObjectName("review_decision")
        self.decision.addItem(self.tr("（尚未决定；意见表留空，打印后手写）"), "")
        for stored, shown in REVIEW_DECISION_TEXT.items():
            self.decision.addItem(shown, stored)
        self.opinion = QPlainTextEdit()
        self.opinion.setObjectName("review_opinion")
        self.opinion.setPlaceholderText(self.tr("审查意见；留空则打印空行，手写填写"))
        self.opinion.setMaximumHeight(64)
        self.decision_state = QLabel()
        self.decision_state.setObjectName("review_decision_state")
        bl.addRow(self.tr("结论"), self.decision)
        bl.addRow(self.tr("审查意见"), self.opinion)
        bl.addRow("", self.decision_state)
        lay.addWidget(box)
        self._decision_loading = False
        self.opinion_dirty = False  # typed but not yet kept: kept when the box loses focus or the window closes
        self.load_decision()
        self.decision.currentIndexChanged.connect(lambda _i: self.save_decision())
        self.opinion.textChanged.connect(self._opinion_edited)
        self.opinion.installEventFilter(self)
        QShortcut(QKeySequence("F9"), self, self.run)

    # ------------------------------------------------------------------ 初审结论
    def load_decision(self) -> None:
        """Show the conclusion and opinion kept with the application."""
        with self.ctx.db.uow() as uow:
            app = uow.session.get(Application, self.page.app_id)
            outcome, opinion = (app.review_outcome or "", app.review_opinion or "") if app is not None else ("", "")
        self._decision_loading = True
        try:
            i = self.decision.findData(outcome)
            self.decision.setCurrentIndex(i if i >= 0 else 0)
            self.opinion.setPlainText(opinion)
        finally:
            self._decision_loading = False
        self.decision_state.setText(self.tr("已保存") if outcome or opinion else "")

    def _opinion_edited(self) -> None:
        if not self._decision_loading:
            self.opinion_dirty = True
            self.decision_state.setText(self.tr("正在输入…（离开输入框或关闭窗口时保存）"))

    def eventFilter(self, obj, event) -> bool:
        if obj is self.opinion and event.type() == QEvent.Type.FocusOut and self.opinion_dirty:
            self.save_decision()
        return super().eventFilter(obj, event)

    def save_decision(self) -> bool:
        """Keep the conclusion and opinion now (also called as the window closes)."""
        from models.review_service import ReviewError, set_review_decision

        self.opinion_dirty = False
        if self._decision_loading:
            return False
        try:
            with self.ctx.db.uow() as uow:
                changed = set_review_decision(uow.session, self.page.app_id, self.decision.currentData() or "",
                                              self.opinion.toPlainText())
                uow.commit()
        except ReviewError as exc:
            self.decision_state.setText(str(exc))
            return False
        self.decision_state.setText(self.tr("已保存"))
        if changed:
            self.ctx.changed("application")
        return changed

    def load(self) -> None:
        keep = self.selected_rule()
        with self.ctx.db.uow() as uow:
            self.sheet = check_sheet(uow.session, self.page.app_id)
        if self.sheet is None:
            self.model.set_rows([])
            self.header.setText(self.tr("尚未运行初审检查。点击“运行检查”，按本申报年度和称号的规则集逐条检查。"))
            self.detail.clear()
        else:
            s = self.sheet
            counts = {o.value: n for o, n in s.counts().items()}
            self.header.setText(self.tr(
                "最严重结果：{0} &nbsp; {1}<br>规则集：{2} · 审查基准日 {3} · {4} 于 {5} 检查").format(
                outcome_html(s.worst), counts_html(counts), html.escape(s.rule_set_name), fmt_date(s.as_of),
                html.escape(s.run_by or ""), fmt_time(s.run_at)))
            rows = result_rows(s)
            if self.only_problems.isChecked():
                rows = [r for r in rows if r[7] != Outcome.PASS.value]
            self.model.set_rows(rows)
            if not self.select_rule(keep) and self.model.rowCount():
                self.select_rule(self.model.row_at(0)[R_RULE])
        self._update_buttons()

    def _update_buttons(self) -> None:
        row = self.selected_row()
        self.override_button.setEnabled(row is not None)
        self.clear_button.setEnabled(row is not None and row.override is not None)
        self.run_button.setEnabled(self.page.operation is None)

    def selected_rule(self) -> str | None:
        ix = self.table.currentIndex()
        return self.model.row_at(ix.row())[R_RULE] if ix.isValid() else None

    def selected_row(self):
        rid = self.selected_rule()
        if rid is None or self.sheet is None:
            return None
        return next((r for r in self.sheet.rows if r.rule_id == rid), None)

    def select_rule(self, rule_id: str | None) -> bool:
        for r in range(self.model.rowCount()):
            if self.model.row_at(r)[R_RULE] == rule_id:
                select_row(self.table, r)
                self._show_detail()
                return True
        return False

    def select_article(self, article: str) -> bool:
        """Select the first result of ``article`` (e.g. 第七条（六）)."""
        rid = next((r.rule_id for r in self.sheet.rows if r.article == article), None) if self.sheet else None
        return self.select_rule(rid)

    def _show_detail(self) -> None:
        self._update_buttons()
        row = self.selected_row()
        if row is None:
            self.detail.clear()
            return
        parts = [f"<p><b>{html.escape(row.article)}</b> {html.escape(row.text)}</p>",
                 self.tr("<p>系统结果：{0}").format(outcome_html(row.outcome))]
        if row.override is not None:
            parts.append(self.tr(" → 人工改判为 {0}（{1}，{2}）<br>理由：{3}").format(
                outcome_html(row.override.outcome), html.escape(row.override.user), fmt_time(row.override.at),
                html.escape(row.override.reason)))
        parts.append("</p>")
        parts.append(self.tr("<p>依据与说明：{0}</p>").format(html.escape(row.evidence) or self.tr("（无）")))
        with self.ctx.db.uow() as uow:
            hist = override_history(uow.session, self.page.app_id, row.rule_id)
        if hist:
            parts.append(self.tr("<p><b>改判记录</b></p>") + self._history_html(hist))
        self.detail.setHtml("".join(parts))

    def _history_html(self, hist, articles: dict[int, str] | None = None) -> str:
        """The overrides as a list; ``articles``: override id → its rule's article."""
        items = []
        for h in hist:
            state = self.tr("（已取代或撤销）") if h.superseded else self.tr("（现行）")
            base = outcome_label(h.base_outcome) if h.base_outcome else self.tr("未检查")
            art = f"{html.escape(articles.get(h.id, ''))} " if articles else ""
            items.append(self.tr("<li>{0}{1} {2}：{3} → {4}，理由：{5} {6}</li>").format(
                art, fmt_time(h.at), html.escape(h.user), base, outcome_html(h.outcome), html.escape(h.reason), state))
        return "<ul>" + "".join(items) + "</ul>"

    def show_all_history(self) -> str:
        """Every override of the application (superseded and withdrawn ones too) in the detail
        pane; returns the text shown."""
        from sqlalchemy import select

        from models.review import CheckOverride

        with self.ctx.db.uow() as uow:
            hist = override_history(uow.session, self.page.app_id)
            rule_of = dict(uow.session.execute(select(CheckOverride.id, CheckOverride.rule_id).where(
                CheckOverride.application_id == self.page.app_id)).all())
        article_of_rule = {r.rule_id: r.article for r in self.sheet.rows} if self.sheet else {}
        if not hist:
            text = self.tr("<p>本申报没有人工改判。</p>")
        else:
            articles = {h.id: article_of_rule.get(rule_of.get(h.id, ""), rule_of.get(h.id, "")) for h in hist}
            text = self.tr("<p><b>本申报的全部改判记录（{0} 条）</b></p>").format(len(hist)) + \
                self._history_html(hist, articles)
        self.detail.setHtml(text)
        return self.detail.toPlainText()

    # ------------------------------------------------------------------ actions
    def run(self) -> bool:
        if self.page.operation is not None:
            return False
        op = start_check_run(self, self.ctx, [self.page.app_id], as_of=self.page.review_date(),
                             title=self.tr("检查「{0}」").format(self.page.info.name))
        self.page.track(op, "check", self._checked)
        self._update_buttons()
        return True

    def _checked(self, summary) -> None:
        if summary is None:
            self.page.message(self.tr("检查已取消，未保存任何结果。"))
            return
        if summary.skipped:
            QMessageBox.information(self, self.tr("运行检查"), summary.skipped[0][1] + self.tr(
                "，未检查。新的年度规则请放在 resources/rules 下。"))
        self.page.message(summary.text())

    def override_selected(self) -> bool:
        row = self.selected_row()
        if row is None:
            self.ctx.status.emit(self.tr("请先选中一条检查结果。"))
            return False
        got = OverrideDialog.get(self, row)
        if got is None:
            return False
        return self.apply_override(row.rule_id, got[0], got[1])

    def apply_override(self, rule_id: str, outcome: Outcome, reason: str) -> bool:
        with self.ctx.db.uow() as uow:
            try:
                override_result(uow.session, self.page.app_id, rule_id, outcome, reason)
            except ReviewError as exc:
                QMessageBox.warning(self, self.tr("人工改判"), str(exc) + self.tr(" 改判未保存。"))
                return False
            uow.commit()
        self.ctx.changed("check_override", "check_run")
        return True

    def clear_selected(self) -> bool:
        row = self.selected_row()
        if row is None or row.override is None:
            return False
        answer = QMessageBox.question(self, self.tr("撤销改判"), self.tr(
            "撤销对 {0} 的人工改判，恢复系统结果“{1}”？改判记录仍保留。").format(row.article, row.outcome.label))
        if answer != QMessageBox.StandardButton.Yes:
            return False
        with self.ctx.db.uow() as uow:
            clear_override(uow.session, self.page.app_id, row.rule_id)
            uow.commit()
        self.ctx.changed("check_override", "check_run")
        return True


# ======================================================================================= history
class HistoryTab(QWidget):
    def __init__(self, page: "ApplicationDetailDialog") -> None:
        super().__init__(page)
        self.page = page
        lay = QVBoxLayout(self)
        self.model = RowsModel([
            Column(self.tr("时间"), 1, display=fmt_time, width=130),
            Column(self.tr("从"), 2, width=120),
            Column(self.tr("到"), 3, width=120),
            Column(self.tr("操作人"), 4, width=90),
            Column(self.tr("原因"), 5),
        ], self)
        self.table = make_table(self.model, self, sortable=False)
        lay.addWidget(self.table)

    def load(self) -> None:
        with self.page.ctx.db.uow() as uow:
            rows = [(m.id, m.at, m.from_stage.label if m.from_stage else self.tr("（新建）"), m.to_stage.label,
                     m.user, m.reason) for m in pl.history(uow.session, self.page.app_id)]
        self.model.set_rows(rows)


# ======================================================================================= the page
_OPEN: dict[int, "ApplicationDetailDialog"] = {}


class ApplicationDetailDialog(QDialog):
    #: a background operation of the page ended: its kind ("attach", "check", "verify")
    operation_done = Signal(str)

    def __init__(self, ctx, app_id: int, parent: QWidget | None = None, *, as_of: dt.date | None = None,
                 tab: str | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.app_id = app_id
        self.as_of = as_of
        self.operation: Operation | None = None
        #: pages opened by open_application() go away when closed (a page made directly stays)
        self.delete_on_close = False
        self.setSizeGripEnabled(True)
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        with ctx.db.uow() as uow:
            info = load_info(uow.session, app_id)
        if info is None:
            raise ReviewError(f"申报（编号 {app_id}）不存在或已删除。")
        self.info = info

        lay = QVBoxLayout(self)
        self.title_label = QLabel()
        f = self.title_label.font()
        f.setPointSizeF(f.pointSizeF() * 1.35 if f.pointSizeF() > 0 else 14)
        f.setBold(True)
        self.title_label.setFont(f)
        self.title_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.title_label)
        self.info_label = QLabel()
        self.info_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.info_label)

        self.tabs = QTabWidget(self)
        self.materials_tab = MaterialsTab(self)
        self.report_tab = ReportTab(self)
        self.certificates_tab = CertificatesTab(self)
        self.indicators_tab = IndicatorsTab(self)
        self.results_tab = ResultsTab(self)
        self.history_tab = HistoryTab(self)
        self._tab_widgets = {"materials": self.materials_tab, "report": self.report_tab,
                             "certificates": self.certificates_tab, "indicators": self.indicators_tab,
                             "results": self.results_tab, "history": self.history_tab}
        for key, w in self._tab_widgets.items():
            self.tabs.addTab(w, self.tr(TABS[key]))
        lay.addWidget(self.tabs, 1)

        bottom = QHBoxLayout()
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        bottom.addWidget(self.status_label, 1)
        self.print_button = QPushButton(self.tr("打印初审意见表…"))
        self.print_button.setToolTip(self.tr("生成本申报的初审意见表（Word 文档，Ctrl+P）"))
        self.print_button.clicked.connect(self.print_sheet)
        close = QPushButton(self.tr("关闭"))
        close.clicked.connect(self.close)
        bottom.addWidget(self.print_button)
        bottom.addWidget(close)
        lay.addLayout(bottom)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Print), self, self.print_sheet)
        for i in range(self.tabs.count()):
            QShortcut(QKeySequence(f"Alt+{i + 1}"), self, lambda i=i: self.tabs.setCurrentIndex(i))

        restore_geometry(self, ctx.settings, GEOMETRY_KEY, (1180, 760))
        self.load_all()
        if tab is None:
            tab = str(ctx.settings.value(TAB_KEY, "materials") or "materials")
        self.show_tab(tab if tab in TABS else "materials")
        self.tabs.currentChanged.connect(self._remember_tab)
        ctx.data_changed.connect(self._on_data_changed)

    # ------------------------------------------------------------------ loading
    def review_date(self) -> dt.date:
        return self.as_of or dt.date.today()

    def _show_info(self) -> None:
        i = self.info
        self.setWindowTitle(self.tr("申报详情 — {0}").format(i.name))
        self.title_label.setText(f"{i.name}　{i.year}年度{i.title_kind.label}")
        parts = [self.tr("统一社会信用代码：{0}").format(i.credit_code or self.tr("（未填）")),
                 self.tr("区县：{0}").format(i.district or self.tr("（未填）")),
                 self.tr("当前环节：{0}").format(i.stage.label),
                 self.tr("批次：{0}").format(i.batch or self.tr("（未分批次）"))]
        self.info_label.setText("　·　".join(parts))

    def load_all(self) -> None:
        self._show_info()
        for w in self._tab_widgets.values():
            w.load()

    def _on_data_changed(self, tables) -> None:
        t = set(tables)
        every = "*" in t
        if every or {"application", "stage_move", "batch", "enterprise", "park"} & t:
            with self.ctx.db.uow() as uow:
                info = load_info(uow.session, self.app_id)
            if info is None:
                self.status_label.setText(self.tr("本申报已被删除。"))
                return
            self.info = info
            self._show_info()
            self.history_tab.load()
        if every or "material" in t:
            self.materials_tab.load()
        if every or "evaluator" in t:
            self.report_tab.reload_evaluators(self.report_tab.evaluator.currentData())
        if every or "third_party_report" in t:
            self.report_tab.load(force=False)
        if every or "certificate" in t:
            self.certificates_tab.load()
        if every or "indicator" in t:
            self.indicators_tab.load()
        if every or {"check_run", "check_override"} & t:
            self.results_tab.load()

    def show_tab(self, key: str) -> None:
        self.tabs.setCurrentWidget(self._tab_widgets[key])

    def current_tab(self) -> str:
        w = self.tabs.currentWidget()
        return next(k for k, v in self._tab_widgets.items() if v is w)

    def _remember_tab(self, _i: int) -> None:
        self.ctx.settings.setValue(TAB_KEY, self.current_tab())

    def message(self, text: str) -> None:
        self.status_label.setText(text)

    # ------------------------------------------------------------------ background work
    def start(self, op: Operation, kind: str, handler) -> Operation:
        op.start()
        return self.track(op, kind, handler)

    def track(self, op: Operation, kind: str, handler) -> Operation:
        """Follow a started operation: ``handler(result)`` on success, ``handler(None)`` when
        cancelled; a failure is shown; ``operation_done(kind)`` at the end."""
        self.operation = op
        op.finished.connect(handler)
        op.cancelled.connect(lambda: handler(None))
        op.failed.connect(lambda exc, tb: self._failed(kind, exc))
        op.done.connect(lambda: self._op_done(kind))
        self.materials_tab._update_buttons()
        self.results_tab._update_buttons()
        return op

    def _failed(self, kind: str, exc: BaseException) -> None:
        if kind == "check":
            text = check_failure_text(exc)
        else:
            text = self.tr("操作中途出错（{0}：{1}），未完成的部分没有保存。请重试；如仍出错，请把这条信息告诉维护人员。").format(
                type(exc).__name__, exc)
        self.message(text.replace("\n\n", " "))
        QMessageBox.warning(self, self.windowTitle(), text)

    def _op_done(self, kind: str) -> None:
        self.operation = None
        self.materials_tab._update_buttons()
        self.results_tab._update_buttons()
        self.operation_done.emit(kind)

    # ------------------------------------------------------------------ 初审意见表
    def print_sheet(self) -> Path | None:
        from exports.review_sheet import ReviewSheetError, write_review_sheet

        if self.results_tab.sheet is None:
            QMessageBox.information(self, self.tr("打印初审意见表"), self.tr(
                "本申报尚未运行初审检查。请先在“初审结果”中点击“运行检查”，再打印初审意见表。"))
            self.show_tab("results")
            return None
        folder = str(self.ctx.settings.value(SHEET_FOLDER_KEY, "") or "")
        if not folder or not Path(folder).is_dir():
            folder = str(Path.home())
        from exports.safe_names import safe_name

        name = safe_name(f"{self.info.year}年度初审意见表_{self.info.name}.docx")
        path, _flt = QFileDialog.getSaveFileName(self, self.tr("保存初审意见表"), str(Path(folder) / name),
                                                 self.tr("Word 文档 (*.docx)"))
        if not path:
            return None
        out = Path(path)
        if out.suffix.lower() != ".docx":
            out = out.with_name(out.name + ".docx")
        self.ctx.settings.setValue(SHEET_FOLDER_KEY, str(out.parent))
        with self.ctx.db.uow() as uow:
            try:
                written = write_review_sheet(uow.session, self.app_id, out,
                                             reviewer_opinion=self.results_tab.opinion.toPlainText().strip(),
                                             decision=REVIEW_DECISION_TEXT.get(self.results_tab.decision.currentData()))
            except ReviewSheetError as exc:
                QMessageBox.warning(self, self.tr("打印初审意见表"), str(exc))
                return None
        self.message(self.tr("初审意见表已保存：{0}").format(written))
        answer = QMessageBox.question(self, self.tr("打印初审意见表"), self.tr(
            "初审意见表已保存到：\n{0}\n\n现在用 Word/WPS 打开（可在其中打印）吗？").format(written))
        if answer == QMessageBox.StandardButton.Yes:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(written)))
        return written

    # ------------------------------------------------------------------ closing
    def done(self, result: int) -> None:
        if self.results_tab.opinion_dirty:  # an opinion typed a moment ago
            self.results_tab.save_decision()
        if self.report_tab.dirty and self.isVisible():
            answer = QMessageBox.question(
                self, self.tr("第三方评价报告"), self.tr("第三方评价报告有未保存的修改。保存吗？"),
                QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Save)
            if answer == QMessageBox.StandardButton.Cancel:
                return
            if answer == QMessageBox.StandardButton.Save and not self.report_tab.save():
                self.show_tab("report")
                return
            self.report_tab.dirty = False
        if self.operation is not None:
            self.operation.cancel()
            self.operation.wait()
        self.ctx.settings.setValue(GEOMETRY_KEY, self.saveGeometry())
        try:
            self.ctx.data_changed.disconnect(self._on_data_changed)
        except (RuntimeError, TypeError):
            pass
        if _OPEN.get(self.app_id) is self:
            del _OPEN[self.app_id]
        super().done(result)
        if self.delete_on_close:
            self.deleteLater()


def find_open(app_id: int) -> ApplicationDetailDialog | None:
    return _OPEN.get(app_id)


def open_application(ctx, app_id: int, parent: QWidget | None = None, *, as_of: dt.date | None = None,
                     tab: str | None = None) -> ApplicationDetailDialog | None:
    """Show the application's page (non-modal; the same page again when it is already open)."""
    dlg = _OPEN.get(app_id)
    if dlg is None:
        try:
            dlg = ApplicationDetailDialog(ctx, app_id, parent, as_of=as_of, tab=tab)
        except ReviewError as exc:
            QMessageBox.warning(parent, QCoreApplication.translate("ApplicationDetail", "申报详情"), str(exc))
            return None
        dlg.delete_on_close = True
        _OPEN[app_id] = dlg
    else:
        if as_of is not None:
            dlg.as_of = as_of
        if tab is not None:
            dlg.show_tab(tab)
    dlg.show()
    dlg.raise_()
    dlg.activateWindow()
    return dlg


__all__ = ["ApplicationDetailDialog", "CertificateDialog", "OverrideDialog", "find_open", "open_application"]
