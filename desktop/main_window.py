"""The main window: one tab per view, menus, shortcuts, status bar.

Every view is a QWidget with ``title``, ``refresh()`` and optionally ``focus_search()``,
``new_record()`` and ``show_record(table, id)``. Views talk to each other only through the
``AppContext`` signals.

A tab's view is built (and its module imported) the first time the tab is shown or the view is
asked for (``window.views[i]``, ``window.view_of(cls)``): at start only the tab on screen is
built. Add a tab with one line in ``VIEWS``.
"""
from __future__ import annotations

import importlib
from collections.abc import Sequence

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QTabWidget, QWidget

from models.db import Database

from .context import AppContext

APP_TITLE = "绿色制造培育申报管理"


#: modules whose ``install_menus(window)`` adds a feature's menu actions (one line per feature)
MENU_INSTALLERS: list[str] = [
    "desktop.sync_ui",
    "desktop.review_ui",
    "desktop.submit_ui",
    "desktop.supervision_ui",
    "desktop.dashboard_ui",
    "desktop.doctor_ui",
]


#: the tabs in order: (module, view class, tab title — the class's ``title``)
VIEWS: list[tuple[str, str, str]] = [
    ("desktop.views.pipeline", "PipelineView", "培育申报看板"),
    ("desktop.views.review", "ReviewView", "初审"),
    ("desktop.views.subjects", "EnterprisesView", "企业"),
    ("desktop.views.subjects", "ParksView", "园区"),
    ("desktop.views.batches", "BatchesView", "推荐批次"),
    ("desktop.views.evaluators", "EvaluatorsView", "第三方评价机构"),
    ("desktop.views.titles", "TitlesView", "称号监管"),
    ("desktop.views.audit_log", "AuditView", "操作日志"),
    ("desktop.views.dashboard", "DashboardView", "年度概览"),
]


def view_class(index: int) -> type:
    """The view class of tab ``index`` (imports its module)."""
    module, name, _title = VIEWS[index]
    return getattr(importlib.import_module(module), name)


def view_classes() -> list[type]:
    """Every tab's view class, in order (imports every view module)."""
    return [view_class(i) for i in range(len(VIEWS))]


class LazyViews(Sequence):
    """``window.views``: the tabs' views in order, each built when first asked for."""

    def __init__(self, window: "MainWindow") -> None:
        self._window = window

    def __len__(self) -> int:
        return len(VIEWS)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self._window.view_at(index)

    def built(self) -> list[QWidget]:
        """The views built so far (nothing is built by asking)."""
        return [v for v in self._window._views if v is not None]


class MainWindow(QMainWindow):
    def __init__(self, db: Database, parent: QWidget | None = None, *, settings=None, prefetch=None) -> None:
        super().__init__(parent)
        self.ctx = AppContext(db, settings, prefetch)
        self.setWindowTitle(APP_TITLE)
        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.setCentralWidget(self.tabs)
        self._views: list[QWidget | None] = [None] * len(VIEWS)
        self.views = LazyViews(self)
        self._loaded: set[int] = set()
        for _module, _name, title in VIEWS:
            self.tabs.addTab(QWidget(), title)  # a placeholder until the tab is first shown
        self.tabs.currentChanged.connect(self._on_tab)
        self.ctx.data_changed.connect(self._on_data_changed)
        self.ctx.open_record.connect(self.show_record)
        self.ctx.status.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self._build_menus()
        self._build_status()
        self._restore_geometry()
        self.current_view()  # the tab on screen is built now, its data loaded when shown
        self.setAcceptDrops(True)  # a form, list or exchange file dropped here is imported

    # ------------------------------------------------------------------ menus
    def _action(self, menu, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        act = QAction(text, self)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
        if tip:
            act.setStatusTip(tip)
        act.triggered.connect(slot)
        menu.addAction(act)
        return act

    def _build_menus(self) -> None:
        mb = self.menuBar()
        m_file = mb.addMenu("文件(&F)")
        self._action(m_file, "单位信息(&P)…", self.edit_profile, tip="区县、单位名称、发文字号前缀、签发人、联系人")
        m_file.addSeparator()
        self._action(m_file, "备份与恢复(&B)…", self.open_backups, tip="查看自动备份，恢复到某个备份")
        m_file.addSeparator()
        self._action(m_file, "退出(&X)", self.close, QKeySequence.StandardKey.Quit)

        m_edit = mb.addMenu("编辑(&E)")
        self.act_new = self._action(m_edit, "新增(&N)", self.new_record, QKeySequence.StandardKey.New)
        self.act_undo = self._action(m_edit, "撤销删除(&U)", self.undo_delete, QKeySequence.StandardKey.Undo,
                                     tip="恢复最近删除的记录")
        self._action(m_edit, "查找(&F)", self.focus_search, QKeySequence.StandardKey.Find)
        self._action(m_edit, "刷新(&R)", self.refresh_current, QKeySequence.StandardKey.Refresh)

        m_view = mb.addMenu("视图(&V)")
        for i, (_module, _name, title) in enumerate(VIEWS):
            self._action(m_view, title, lambda _=False, i=i: self.tabs.setCurrentIndex(i), f"Ctrl+{i + 1}")

        # menus of the features: each module's install_menus(window) adds its actions to
        # window.menus["review" | "submit" | "sync" | "supervise"]
        self.menus = {
            "review": mb.addMenu("初审(&R)"),
            "submit": mb.addMenu("推荐上报(&S)"),
            "sync": mb.addMenu("导入导出(&I)"),
        }
        for name in MENU_INSTALLERS:
            importlib.import_module(name).install_menus(self)
        for key, menu in list(self.menus.items()):
            if menu.isEmpty():
                mb.removeAction(menu.menuAction())

        m_help = mb.addMenu("帮助(&H)")
        self._action(m_help, "关于(&A)", self.about)

    def _build_status(self) -> None:
        self.status_db = QLabel()
        self.statusBar().addPermanentWidget(self.status_db)
        self.update_status()

    def _profile(self) -> tuple[str, str, str]:
        """(district code, bureau name, document-number prefix) of the office profile: one plain
        query (this runs at every start, before anything needs the ORM)."""
        from models.db import raw_rows

        with self.ctx.db.read() as con:
            row = raw_rows(con, "SELECT district_code, bureau_name, doc_prefix FROM office_profile WHERE id = 1")
        return tuple(v or "" for v in row[0]) if row else ("", "", "")

    def update_status(self) -> None:
        office = self._profile()[1] or "（未设置单位信息）"
        self.status_db.setText(f"{office}  |  操作人：{self.ctx.user}  |  数据：{self.ctx.db.path}")

    # ------------------------------------------------------------------ views
    def view_at(self, index: int) -> QWidget:
        """The view of tab ``index``, built (in place of the tab's placeholder) on first use."""
        view = self._views[index]
        if view is None:
            view = view_class(index)(self.ctx, self)
            self._views[index] = view
            placeholder = self.tabs.widget(index)
            current = self.tabs.currentIndex()
            blocked = self.tabs.blockSignals(True)  # the same tab stays current: no signal
            try:
                self.tabs.removeTab(index)
                self.tabs.insertTab(index, view, VIEWS[index][2])
                self.tabs.setCurrentIndex(current)
            finally:
                self.tabs.blockSignals(blocked)
            placeholder.deleteLater()
        return view

    def view_of(self, cls: type | str) -> QWidget | None:
        """The view of the tab whose class is ``cls`` (or has that name), built if need be."""
        name = cls if isinstance(cls, str) else cls.__name__
        index = next((i for i, spec in enumerate(VIEWS) if spec[1] == name), None)
        return None if index is None else self.view_at(index)

    def current_view(self) -> QWidget:
        return self.view_at(self.tabs.currentIndex())

    def _on_tab(self, index: int) -> None:
        if index < 0:
            return
        view = self.view_at(index)
        if index not in self._loaded:
            self._loaded.add(index)
            view.refresh()

    def load_current_view(self) -> None:
        """Load the tab on screen (currentChanged does not fire for the tab current from the start)."""
        self._on_tab(self.tabs.currentIndex())

    def load_all_views(self) -> list[str]:
        """Load every view not loaded yet (the self-test); their titles."""
        for i in range(len(VIEWS)):
            view = self.view_at(i)
            if i not in self._loaded:
                self._loaded.add(i)
                view.refresh()
        return [self.view_at(i).title for i in range(len(VIEWS))]

    def _on_data_changed(self, tables) -> None:
        # the visible view refreshes now; the others when next shown
        current = self.tabs.currentIndex()
        self._loaded = {current} if current in self._loaded else set()
        self.current_view().refresh()
        if "office_profile" in tables or "*" in tables:
            self.update_status()

    def refresh_current(self) -> None:
        self.current_view().refresh()

    def focus_search(self) -> None:
        fn = getattr(self.current_view(), "focus_search", None)
        if fn:
            fn()

    def new_record(self) -> None:
        fn = getattr(self.current_view(), "new_record", None)
        if fn:
            fn()

    def show_record(self, table: str, record_id: int) -> None:
        for i in range(len(VIEWS)):
            if table in getattr(view_class(i), "tables", ()):
                self.tabs.setCurrentIndex(i)
                self.view_at(i).show_record(table, record_id)
                return

    # ------------------------------------------------------------------ actions
    def edit_profile(self) -> bool:
        from .dialogs.profile import ProfileDialog

        dlg = ProfileDialog(self.ctx, self)
        ok = bool(dlg.exec())
        if ok:
            self.ctx.changed("office_profile")
        return ok

    def open_backups(self) -> None:
        from .dialogs.backups import BackupsDialog

        dlg = BackupsDialog(self.ctx, self)
        dlg.exec()

    def undo_delete(self) -> None:
        from models import subjects
        from models.entities import TABLE_LABELS

        with self.ctx.db.uow() as uow:
            entry = subjects.last_deletion(uow.session)
            if entry is None:
                self.statusBar().showMessage("没有可以撤销的删除。", 5000)
                return
            try:
                obj = subjects.restore(uow.session, entry.table_name, entry.record_id)
            except ValueError as exc:
                QMessageBox.warning(self, "撤销删除", str(exc))
                return
            name = getattr(obj, "name", "") or entry.summary
            uow.commit()
        self.ctx.changed(entry.table_name)
        self.statusBar().showMessage(f"已恢复{TABLE_LABELS.get(entry.table_name, '')}「{name}」。", 8000)

    def about(self) -> None:
        from models.db import APP_VERSION
        from models.migrations import HEAD

        QMessageBox.about(
            self, "关于",
            f"<b>{APP_TITLE}</b><br>版本 {APP_VERSION}（数据结构 {HEAD}）<br>"
            "供区县经信部门开展重庆市绿色工厂、绿色园区培育、初审、推荐与监管使用。<br>"
            "依据：重庆市绿色园区和绿色工厂认定管理办法（渝经信规范〔2024〕4号）。",
        )

    def after_start(self) -> None:
        """Things to do once the window is on screen: load the tab shown, first-run profile."""
        self.load_current_view()
        if not all(self._profile()):  # what OfficeProfile.is_complete asks for
            QMessageBox.information(self, "欢迎使用", "首次使用请先填写单位信息（区县、单位名称、发文字号前缀等）。")
            self.edit_profile()

    # ------------------------------------------------------------------ dropped files
    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt API)
        from .sync_ui import dropped_path

        if dropped_path(event.mimeData()) is not None:
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dropEvent(self, event) -> None:  # noqa: N802 (Qt API)
        from .sync_ui import handle_drop

        if handle_drop(self, event.mimeData()):
            event.acceptProposedAction()
        else:
            super().dropEvent(event)

    # ------------------------------------------------------------------ geometry
    def _restore_geometry(self) -> None:
        geo = self.ctx.settings.value("main/geometry")
        if isinstance(geo, QByteArray) and not geo.isEmpty():
            self.restoreGeometry(geo)
        else:
            self.resize(1280, 800)
        idx = self.ctx.settings.value("main/tab", 0)
        try:
            self.tabs.setCurrentIndex(int(idx))
        except (TypeError, ValueError):
            pass

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        self.ctx.settings.setValue("main/geometry", self.saveGeometry())
        self.ctx.settings.setValue("main/tab", self.tabs.currentIndex())
        super().closeEvent(event)


__all__ = ["MainWindow", "Qt"]
