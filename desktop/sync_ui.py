"""The 导入导出 menu: blank information forms out, any file in (forms, a published list, an
exchange file — recognised by ``exports.importers.detect``), the exchange file out, a new year,
and undoing the last import. Also the entry point for a file dropped on the main window.

The work itself lives in ``exports`` (Qt-free); this module only asks for files, runs the long
parts through ``desktop.tasks.run_operation`` (progress and 取消; a cancel changes nothing) and
opens the preview dialogs under ``desktop/dialogs``.
"""
from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QCoreApplication, QMimeData, QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QMessageBox,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from exports.importers import FileRejected, ImportCancelled, ImportRejected

from .tasks import Cancelled, Operation, run_operation

log = logging.getLogger(__name__)

#: settings keys: the folders last used, and the backup taken before the last import
KEY_IMPORT_DIR = "sync/import_dir"
KEY_EXPORT_DIR = "sync/export_dir"
KEY_LAST_BACKUP = "sync/last_backup"
KEY_LAST_WHAT = "sync/last_what"

#: what can be dropped on the window or chosen in 导入…
IMPORT_SUFFIXES = (".xlsx", ".xlsm", ".csv", ".gdx", ".xls", ".et")
IMPORT_FILTER = "可导入的文件 (*.xlsx *.xlsm *.csv *.gdx *.xls *.et);;信息采集表和名单 (*.xlsx *.xlsm *.csv);;交换文件 (*.gdx);;所有文件 (*)"


def _tr(text: str) -> str:
    return QCoreApplication.translate("sync", text)


# --------------------------------------------------------------------------- background work


def run_task(
    parent: QWidget | None,
    title: str,
    fn: Callable[[Callable[[int, int, str], None], Callable[[], bool]], Any],
    on_done: Callable[[Any], None],
    *,
    cancellable: bool = True,
    on_cancel: Callable[[], None] | None = None,
    on_fail: Callable[[Exception], None] | None = None,
    cancel_text: str = "",
) -> Operation:
    """Run ``fn(progress, should_stop)`` (an exports function's two callables) in the background
    with a progress dialog. ``on_done(result)`` runs on the GUI thread; an ImportCancelled
    becomes a cancel (the operation rolled back); a rejected file or a refused apply is shown
    as a warning naming the file and what to do."""

    def work(progress):
        try:
            return fn(progress.report, lambda: progress.cancelled)
        except ImportCancelled as exc:
            raise Cancelled() from exc

    op = run_operation(parent, title, work, cancellable=cancellable)

    def failed(exc: Exception, tb: str) -> None:
        if on_fail is not None:
            on_fail(exc)
            return
        show_error(parent, title, exc, tb)

    def cancelled() -> None:
        if on_cancel is not None:
            on_cancel()
        else:
            QMessageBox.information(parent, title, cancel_text or _tr("已取消，数据库未做任何改动。"))

    op.finished.connect(on_done)
    op.failed.connect(failed)
    op.cancelled.connect(cancelled)
    return op


def show_error(parent: QWidget | None, title: str, exc: Exception, tb: str = "") -> None:
    if isinstance(exc, (FileRejected, ImportRejected, ValueError, OSError)):
        text = str(exc)
        if isinstance(exc, OSError) and not isinstance(exc, FileRejected):
            text = _tr("无法读写文件：{0}\n请确认文件没有在 Excel/WPS 中打开，并且有写入权限。").format(exc)
        QMessageBox.warning(parent, title, text)
        return
    log.error("%s failed: %s\n%s", title, exc, tb)
    QMessageBox.critical(parent, title, _tr("出现了意外错误，未做任何改动：{0}\n\n请把这条信息告诉技术支持人员。").format(exc))


def remember_import(ctx, backup: Path | None, what: str) -> None:
    """Keep the backup taken before an apply, so 撤销上次导入 can restore it."""
    if backup is None:
        return
    ctx.settings.setValue(KEY_LAST_BACKUP, str(backup))
    ctx.settings.setValue(KEY_LAST_WHAT, f"{what}（{dt.datetime.now():%Y-%m-%d %H:%M}）")


def undo_hint(backup: Path | None, what: str = "导入") -> str:
    if backup is None:
        return ""
    return _tr("{1}前的数据已自动备份为「{0}」。\n如需撤销本次{1}，请点菜单“导入导出 → 撤销上次导入…”"
               "（也可在“文件 → 备份与恢复”中选择该备份恢复）。").format(Path(backup).name, what)


def finish_apply(dialog, title: str, backup: Path | None, what: str, text: str, action: str = "导入") -> None:
    """After an apply: keep its backup for 撤销上次导入, tell every view, say what was done and
    how to undo it, close the preview dialog."""
    remember_import(dialog.ctx, backup, what)
    dialog.ctx.changed("*")
    QMessageBox.information(dialog, title, text + ("\n\n" + undo_hint(backup, action) if backup else ""))
    dialog.accept()


def last_dir(ctx, key: str) -> str:
    value = ctx.settings.value(key)
    if value and Path(str(value)).is_dir():
        return str(value)
    return str(Path.home())


def set_last_dir(ctx, key: str, path: Path | str) -> None:
    p = Path(path)
    ctx.settings.setValue(key, str(p if p.is_dir() else p.parent))


# --------------------------------------------------------------------------- blank forms out


class ExportFormDialog(QDialog):
    """Which information form to export, blank or pre-filled, and for which year."""

    def __init__(self, ctx, parent: QWidget | None = None, *, selected: dict[str, tuple[int, str]] | None = None,
                 kind: str | None = None) -> None:
        from exports.xlsx_forms import form_schemas

        super().__init__(parent)
        self.ctx = ctx
        self.selected = selected or {}  # subject kind → (id, name) selected in its view
        self.setWindowTitle(self.tr("导出信息采集表"))
        self.schemas = form_schemas()
        self.kind_combo = QComboBox()
        for k, schema in self.schemas.items():
            self.kind_combo.addItem(schema.title + self.tr("采集表"), k)
        if kind is not None and self.kind_combo.findData(kind) >= 0:
            self.kind_combo.setCurrentIndex(self.kind_combo.findData(kind))
        self.blank = QRadioButton(self.tr("空白表（发给企业填写）"))
        self.one = QRadioButton()
        self.all = QRadioButton()
        self.blank.setChecked(True)
        self.group = QButtonGroup(self)
        for b in (self.blank, self.one, self.all):
            self.group.addButton(b)
        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setValue(dt.date.today().year - 1)
        self.year.setSuffix(self.tr(" 年度"))
        self.year_label = QLabel(self.tr("指标年度："))
        form = QFormLayout()
        form.addRow(self.tr("表格："), self.kind_combo)
        form.addRow(self.year_label, self.year)
        box = QVBoxLayout()
        for b in (self.blank, self.one, self.all):
            box.addWidget(b)
        form.addRow(self.tr("内容："), box)
        note = QLabel(self.tr("表格由程序的字段定义生成：带填写说明、下拉选项和识别标记，填好后可直接用“导入…”导回。"))
        note.setWordWrap(True)
        note.setStyleSheet("color: #555;")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("导出…"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.kind_combo.currentIndexChanged.connect(self._update)
        self._update()

    @property
    def kind(self) -> str:
        return self.kind_combo.currentData()

    @property
    def subject(self) -> str:
        return "park" if self.kind.endswith("park") else "enterprise"

    def _update(self) -> None:
        noun = self.tr("园区") if self.subject == "park" else self.tr("企业")
        sel = self.selected.get(self.subject)
        if sel:
            self.one.setText(self.tr("预填所选{0}：{1}").format(noun, sel[1]))
            self.one.setEnabled(True)
        else:
            self.one.setText(self.tr("预填所选{0}（请先在“{0}”页选中一行）").format(noun))
            self.one.setEnabled(False)
            if self.one.isChecked():
                self.blank.setChecked(True)
        self.all.setText(self.tr("预填库中全部{0}（在原表上修改后发回）").format(noun))
        indicator = self.kind.startswith("indicator")
        self.year.setVisible(indicator)
        self.year_label.setVisible(indicator)

    def ids(self) -> list[int] | str | None:
        if self.one.isChecked() and self.selected.get(self.subject):
            return [self.selected[self.subject][0]]
        if self.all.isChecked():
            return "all"
        return None

    def file_name(self) -> str:
        schema = self.schemas[self.kind]
        name = schema.title + "采集表"
        if self.kind.startswith("indicator"):
            name = f"{self.year.value()}年{name}"
        ids = self.ids()
        if ids == "all":
            name += "（预填）"
        elif ids:
            name = f"{self.selected[self.subject][1]}-{name}"
        return name + ".xlsx"


# --------------------------------------------------------------------------- the menu


class SyncActions(QObject):
    """The menu's actions, bound to the main window (``window.sync``)."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.ctx = window.ctx
        self.op: Operation | None = None  # the operation running now (tests wait on it)
        self.dialog: QDialog | None = None  # the preview dialog opened last

    # ---------------------------------------------------------------- forms out
    def _selected(self) -> dict[str, tuple[int, str]]:
        out = {}
        for view in getattr(self.window, "views", []):
            kind = getattr(view, "kind", None)
            if kind in ("enterprise", "park") and hasattr(view, "selected_id"):
                rid = view.selected_id()
                if rid is not None:
                    out[kind] = (rid, view.selected_name())
        return out

    def export_form(self, kind: str | None = None) -> Operation | None:
        dlg = ExportFormDialog(self.ctx, self.window, selected=self._selected(), kind=kind)
        if not dlg.exec():
            return None
        kind, ids, year = dlg.kind, dlg.ids(), (dlg.year.value() if dlg.kind.startswith("indicator") else None)
        start = str(Path(last_dir(self.ctx, KEY_EXPORT_DIR)) / dlg.file_name())
        path, _ = QFileDialog.getSaveFileName(self.window, self.tr("保存信息采集表"), start, "Excel 工作簿 (*.xlsx)")
        if not path:
            return None
        path = Path(path)
        if path.suffix.lower() != ".xlsx":
            path = path.with_name(path.name + ".xlsx")
        set_last_dir(self.ctx, KEY_EXPORT_DIR, path)
        db = self.ctx.db

        def work(progress, should_stop):
            from exports.xlsx_forms import write_form

            progress(0, 0, "正在生成信息采集表")
            with db.uow() as uow:
                return write_form(path, kind, session=uow.session, ids=ids, year=year)

        def done(written: Path) -> None:
            self.ctx.status.emit(self.tr("已导出信息采集表：{0}").format(written))
            QMessageBox.information(self.window, self.tr("导出信息采集表"),
                                    self.tr("已导出：\n{0}\n\n发给企业填写，收回后用“导入导出 → 导入…”导入（可一次导入整个文件夹）。")
                                    .format(written))

        self.op = run_task(self.window, self.tr("导出信息采集表"), work, done, cancellable=False)
        return self.op

    # ---------------------------------------------------------------- import
    def import_file(self) -> Operation | None:
        path, _ = QFileDialog.getOpenFileName(self.window, self.tr("导入文件"), last_dir(self.ctx, KEY_IMPORT_DIR),
                                              IMPORT_FILTER)
        if not path:
            return None
        return self.import_path(Path(path))

    def import_folder(self) -> Operation | None:
        path = QFileDialog.getExistingDirectory(self.window, self.tr("选择存放信息采集表的文件夹"),
                                                last_dir(self.ctx, KEY_IMPORT_DIR))
        if not path:
            return None
        return self.import_path(Path(path))

    def import_path(self, path: Path) -> Operation:
        """Recognise ``path`` (a file or a folder of forms) and open its preview."""
        path = Path(path)
        set_last_dir(self.ctx, KEY_IMPORT_DIR, path if path.is_dir() else path.parent)

        def work(progress, should_stop):
            from exports.importers import detect

            progress(0, 0, f"正在识别 {path.name}")
            return detect(path)

        self.op = run_task(self.window, self.tr("导入"), work, lambda kind: self._preview(path, kind))
        return self.op

    def _preview(self, path: Path, kind: str) -> None:
        if kind == "forms":
            self.preview_forms([path])
        elif kind == "list":
            self.preview_list(path)
        elif kind == "exchange":
            self.preview_exchange(path)

    def preview_forms(self, paths: list[Path]) -> Operation:
        from .dialogs.import_forms import ImportFormsDialog, preview_task

        def done(preview) -> None:
            title = self.tr("导入信息采集表")
            if not preview.rows and preview.rejected:
                QMessageBox.warning(self.window, title, "\n".join(str(e) for e in preview.rejected)
                                    + self.tr("\n\n未导入任何数据。"))
                return
            if not preview.rows:
                QMessageBox.information(self.window, title, self.tr("文件中没有填写任何数据行，未导入任何数据。"))
                return
            self._open(ImportFormsDialog(self.ctx, preview, paths, self.window))

        self.op = preview_task(self.window, self.ctx, paths, done)
        return self.op

    def preview_list(self, path: Path) -> Operation:
        from .dialogs.import_list import ImportListDialog, preview_task

        def done(result) -> None:
            preview, doubts = result
            self._open(ImportListDialog(self.ctx, preview, doubts, self.window))

        self.op = preview_task(self.window, self.ctx, path, done)
        return self.op

    def preview_exchange(self, path: Path) -> Operation:
        from .dialogs.exchange import ExchangeImportDialog, preview_task

        self.op = preview_task(self.window, self.ctx, path,
                               lambda preview: self._open(ExchangeImportDialog(self.ctx, preview, self.window)))
        return self.op

    def _open(self, dlg: QDialog) -> None:
        if self.dialog is not None:
            self.dialog.close()
        self.dialog = dlg
        dlg.setModal(True)
        dlg.show()

    # ---------------------------------------------------------------- exchange, new year, undo
    def export_exchange(self) -> Operation | None:
        from .dialogs.exchange import export_exchange_file

        self.op = export_exchange_file(self.ctx, self.window)
        return self.op

    def new_year(self) -> bool:
        from .dialogs.new_year import NewYearDialog

        dlg = NewYearDialog(self.ctx, self.window)
        self.dialog = dlg
        return bool(dlg.exec())

    def undo_last_import(self) -> bool:
        backup, what = last_import(self.ctx)
        title = self.tr("撤销上次导入")
        if backup is None:
            QMessageBox.information(self.window, title, self.tr("没有可以撤销的导入：找不到导入前的自动备份。"))
            return False
        answer = QMessageBox.question(
            self.window, title,
            self.tr("撤销{0}？\n\n数据库将恢复到导入前的备份「{1}」，此后的所有改动都会撤回。\n"
                    "恢复前会先自动备份当前数据，因此撤销本身也可以再恢复。").format(what, backup.name),
        )
        if answer != QMessageBox.StandardButton.Yes:
            return False
        from exports.importers import undo_import
        from models.db import DatabaseError

        try:
            safety = undo_import(self.ctx.db, backup)
        except (ValueError, DatabaseError, OSError) as exc:
            QMessageBox.warning(self.window, title, self.tr("未能撤销：{0}\n请在“文件 → 备份与恢复”中选择备份恢复。").format(exc))
            return False
        self.ctx.settings.remove(KEY_LAST_BACKUP)
        self.ctx.settings.remove(KEY_LAST_WHAT)
        self.ctx.changed("*")
        QMessageBox.information(self.window, title,
                                self.tr("已撤销，数据已恢复到导入前。\n撤销前的数据已备份为「{0}」。").format(safety.name))
        return True


def last_import(ctx) -> tuple[Path | None, str]:
    """The backup taken before the last import applied from this window, else the newest
    automatic import backup."""
    value = ctx.settings.value(KEY_LAST_BACKUP)
    if value and Path(str(value)).is_file():
        return Path(str(value)), str(ctx.settings.value(KEY_LAST_WHAT) or _tr("上次导入"))
    from models.backup import list_backups

    for b in list_backups(ctx.db.backups_dir):
        if b.path.stem.endswith("-import"):
            return b.path, _tr("{0:%Y-%m-%d %H:%M} 的导入").format(b.taken_at)
    return None, ""


# --------------------------------------------------------------------------- install and drop


def install_menus(window) -> SyncActions:
    sync = SyncActions(window)
    window.sync = sync
    menu = window.menus["sync"]

    def add(text: str, slot, tip: str = "") -> QAction:
        act = QAction(text, window)
        if tip:
            act.setStatusTip(tip)
        act.triggered.connect(lambda _=False: slot())
        menu.addAction(act)
        return act

    sync.act_export_form = add(_tr("导出空白信息采集表…"), sync.export_form,
                               _tr("企业、园区信息和年度指标的 Excel 采集表，可预填库中已有信息"))
    menu.addSeparator()
    sync.act_import = add(_tr("导入…"), sync.import_file,
                          _tr("导入填好的信息采集表、委员会发布的名单或交换文件（自动识别），先预览再导入"))
    sync.act_import_folder = add(_tr("导入文件夹中的信息采集表…"), sync.import_folder,
                                 _tr("一次导入一个文件夹里收回的全部信息采集表"))
    menu.addSeparator()
    sync.act_export_exchange = add(_tr("导出交换文件…"), sync.export_exchange,
                                   _tr("把全部数据和附件导出为一个文件，拷到另一台电脑或明年的电脑上导入"))
    sync.act_new_year = add(_tr("开始新年度…"), sync.new_year, _tr("未完成的申报结转到下一年度"))
    menu.addSeparator()
    sync.act_undo = add(_tr("撤销上次导入…"), sync.undo_last_import, _tr("把数据库恢复到上次导入前的自动备份"))
    return sync


def dropped_path(mime: QMimeData) -> Path | None:
    """The one local file (or folder) a drop carries, when it is something we import."""
    if not mime.hasUrls():
        return None
    urls = [u for u in mime.urls() if u.isLocalFile()]
    if len(urls) != 1:
        return None
    path = Path(urls[0].toLocalFile())
    if path.is_dir() or path.suffix.lower() in IMPORT_SUFFIXES:
        return path
    return None


def handle_drop(window, mime: QMimeData) -> bool:
    """Start importing a file dropped on the main window."""
    path = dropped_path(mime)
    sync = getattr(window, "sync", None)
    if path is None or sync is None:
        return False
    sync.import_path(path)
    return True
