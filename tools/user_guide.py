"""Screenshots for the user guide (docs/user-guide.md), made by driving the real window.

    python tools/user_guide.py docs/guide                 # every step: docs/guide/01-profile.png, ...
    python tools/user_guide.py docs/guide pipeline move   # only the steps whose name contains a word

Opens a fresh demo database in a temporary folder (as ``greendesk --demo``), builds the main window
at 1280 x 800 offscreen and goes through the yearly cycle step by step: selects a tab, a row or a
card, types search text, opens a dialog *without* exec() (constructs it, shows it, grabs it,
closes it). Dialogs are saved at their own size with a title bar drawn on top (offscreen windows
have no frame), and a red frame marks what the guide tells the clerk to click. The PNGs are
reduced to a 256-colour palette so that each stays small.

Nothing here changes the program: every step uses the views' and dialogs' own methods. A step is
a function ``step_xxx(guide) -> Shot``; ``STEPS`` lists them in the order of the guide, and
tests/gui/test_user_guide.py runs them against a small demo.

Chinese text needs a Chinese font (Debian: ``apt-get install fonts-noto-cjk``).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
TOOLS = Path(__file__).resolve().parent
if str(TOOLS) not in sys.path:
    sys.path.insert(0, str(TOOLS))

from screenshot import settle, use_chinese_font  # noqa: E402  (tools/screenshot.py)

WINDOW_SIZE = (1280, 800)
#: the demo's "current" year (models.demo.generate's default)
YEAR = 2026
MARK = "#d93025"  # the red frame around what to click
TITLE_BAR = 30


@dataclass
class Shot:
    """One screenshot: where it was saved and what it shows (for the guide's test)."""

    name: str
    path: Path
    title: str  # the dialog's window title, or the main window's current tab
    tab: str = ""  # the main window's current tab (or the dialog's current page/tab)
    facts: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------------------------- images
def save_png(image, path: Path, colours: int = 256, *, compression: int = 0) -> Path:
    """Save ``image`` as an 8-bit palette PNG: the ``colours`` most frequent colours (counted on
    every 4th pixel), every other pixel mapped to the nearest (UI screenshots are flat colours
    and anti-aliased text; no dithering needed). ``compression``: Qt's PNG quality, 0 = the
    smallest file (slowest)."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage

    img = image.convertToFormat(QImage.Format.Format_RGB32)
    data = memoryview(img.constBits()).cast("I")
    counts = Counter(data[::4])
    table = [c | 0xFF000000 for c, _n in counts.most_common(colours)]
    out = img.convertToFormat(QImage.Format.Format_Indexed8, table,
                              Qt.ImageConversionFlag.ThresholdDither | Qt.ImageConversionFlag.AvoidDither)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not out.save(str(path), "PNG", compression):
        raise OSError(f"无法写入 {path}")
    return path


def framed(widget, title: str, marks: list | None = None):
    """The widget's picture with a drawn title bar (offscreen windows have none) and red frames
    around the ``marks`` (widgets inside it, or QRects in its coordinates)."""
    from PySide6.QtCore import QPoint, QRect, Qt
    from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen

    body = widget.grab().toImage()
    w, h = body.width(), body.height()
    img = QImage(w + 2, h + TITLE_BAR + 1, QImage.Format.Format_RGB32)
    img.fill(QColor("#9a9a9a"))
    p = QPainter(img)
    p.fillRect(QRect(1, 1, w, TITLE_BAR - 1), QColor("#e9edf2"))
    icon = widget.windowIcon()
    x = 10
    if not icon.isNull():
        p.drawPixmap(x, 7, icon.pixmap(16, 16))
        x += 24
    f = QFont(widget.font())
    f.setPointSizeF(max(f.pointSizeF(), 10))
    p.setFont(f)
    p.setPen(QColor("#202124"))
    p.drawText(QRect(x, 0, w - x - 90, TITLE_BAR), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, title)
    p.setPen(QColor("#5f6368"))
    p.drawText(QRect(w - 84, 0, 80, TITLE_BAR), Qt.AlignmentFlag.AlignCenter, "—   ☐   ✕")
    p.drawImage(1, TITLE_BAR, body)
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    p.setPen(QPen(QColor(MARK), 3))
    p.setBrush(Qt.BrushStyle.NoBrush)
    for m in marks or []:
        if isinstance(m, QRect):
            r = m
        else:
            r = QRect(m.mapTo(widget, QPoint(0, 0)), m.size())
        r = r.translated(1, TITLE_BAR).adjusted(-3, -3, 3, 3)
        p.drawRoundedRect(r, 4, 4)
    p.end()
    return img


def windows_path(text: str, tmp: Path) -> str:
    """``text`` with every path under ``tmp`` as it reads on the clerk's Windows PC: the data
    folder in %LOCALAPPDATA%\\GreenDesk, everything else under D:\\绿色制造."""
    import re

    def win(m: re.Match) -> str:
        rest = m.group(1).lstrip("/")
        if rest == "data" or rest.startswith("data/"):
            head, rest = r"C:\Users\李娟\AppData\Local\GreenDesk", rest[len("data"):].lstrip("/")
        else:
            head = r"D:\绿色制造"
        return head + ("\\" + rest.replace("/", "\\") if rest else "")

    return re.sub(re.escape(str(tmp)) + r"((?:/[^/\s（）()“”\n]+)*)", win, text)


# ---------------------------------------------------------------------------------- the guide
class Guide:
    """The window, the database and the output folder the steps share."""

    #: seconds to let the window settle after each action; PNG compression (0 = smallest files)
    pause = 0.3
    compression = 0

    def __init__(self, app, win, db, out: Path, tmp: Path) -> None:
        self.app = app
        self.win = win
        self.db = db
        self.ctx = win.ctx
        self.out = out
        self.tmp = tmp
        self.shots: list[Shot] = []
        self.messages: list[str] = []  # texts of the message boxes answered on the clerk's behalf
        self.package: Path | None = None  # the package written in step "export-done"
        self.form_path: Path | None = None  # the filled-in form of steps "import-forms"/"import-errors"

    # ------------------------------------------------------------------ helpers
    def settle(self, seconds: float | None = None) -> None:
        settle(self.app, self.pause if seconds is None else min(seconds, self.pause))

    def view(self, cls_name: str):
        return next(v for v in self.win.views if type(v).__name__ == cls_name)

    def show_tab(self, cls_name: str):
        v = self.view(cls_name)
        self.win.tabs.setCurrentWidget(v)
        self.settle()
        return v

    def current_tab(self) -> str:
        return self.win.tabs.tabText(self.win.tabs.currentIndex())

    def file(self, name: str) -> Path:
        """docs/guide/NN-name.png, NN the step's place in the guide."""
        names = [n for n, _fn in STEPS]
        number = names.index(name) + 1 if name in names else len(names) + 1
        return self.out / f"{number:02d}-{name}.png"

    def windows_paths(self, root) -> None:
        """Show the temporary folder's paths as a Windows office PC shows them (the clerks'
        machines): in the status bar and in the labels and fields of ``root``."""
        from PySide6.QtWidgets import QLabel, QLineEdit

        for w in [root, *root.findChildren(QLabel), *root.findChildren(QLineEdit)]:
            if isinstance(w, (QLabel, QLineEdit)) and str(self.tmp) in w.text():
                w.setText(windows_path(w.text(), self.tmp))

    def window_shot(self, name: str, marks: list | None = None, *, menu=None, status: bool = False,
                    **facts) -> Shot:
        """The main window; ``menu`` (a QMenu) is drawn open under its menu-bar entry, framed in
        red; ``status``: keep the status bar's last message."""
        from PySide6.QtCore import QPoint, QRect
        from PySide6.QtGui import QColor, QPainter, QPen

        if not status:
            self.win.statusBar().clearMessage()
        self.win.update_status()
        self.windows_paths(self.win.status_db)
        self.settle()
        bar = self.win.menuBar()
        if menu is not None:
            geo = bar.actionGeometry(menu.menuAction())
            marks = [*(marks or []), QRect(bar.mapTo(self.win, geo.topLeft()), geo.size())]
        img = framed(self.win, self.win.windowTitle(), marks)
        if menu is not None:
            pos = bar.mapTo(self.win, geo.bottomLeft())
            menu.popup(self.win.mapToGlobal(pos))
            self.settle(0.2)
            pic = menu.grab().toImage()
            p = QPainter(img)
            at = QPoint(pos.x() + 1, pos.y() + TITLE_BAR + 2)
            p.drawImage(at, pic)
            p.setPen(QPen(QColor("#8a8a8a"), 1))
            p.drawRect(QRect(at, pic.size()).adjusted(-1, -1, 0, 0))
            p.end()
            menu.hide()
        path = save_png(img, self.file(name), compression=self.compression)
        shot = Shot(name, path, self.current_tab(), self.current_tab(), facts)
        self.shots.append(shot)
        return shot

    def dialog_shot(self, name: str, dlg, marks: list | None = None, *, close: bool = True,
                    prepare: Callable[[], None] | None = None, tab: str | Callable[[], str] = "",
                    **facts) -> Shot:
        """Show ``dlg`` (never exec), let it settle, run ``prepare``, grab it at its own size,
        close it. ``tab`` and the ``facts`` may be callables: read when the picture is taken."""
        dlg.show()
        self.settle()
        if prepare is not None:
            prepare()
            self.settle()
        self.windows_paths(dlg)
        self.settle(0.05)
        img = framed(dlg, dlg.windowTitle(), marks)
        path = save_png(img, self.file(name), compression=self.compression)
        facts = {k: (v() if callable(v) else v) for k, v in facts.items()}
        shot = Shot(name, path, dlg.windowTitle(), tab() if callable(tab) else tab, facts)
        self.shots.append(shot)
        if close:
            dlg.close()
            self.settle(0.1)
        return shot

    def wait(self, op, timeout: float = 120.0) -> None:
        """Until a background operation (desktop.tasks.Operation) has ended."""
        import time

        end = time.monotonic() + timeout
        while op.worker.isRunning() or op.dialog is not None:
            if time.monotonic() > end:
                raise TimeoutError("后台操作超时")
            self.app.processEvents()
            time.sleep(0.02)
        self.settle(0.1)

    # ------------------------------------------------------------------ data
    def app_ids(self, stage, *, year: int = YEAR, enterprise: bool = True, with_materials: bool = False,
                batch: bool | None = None) -> list[int]:
        from sqlalchemy import select

        from models.entities import Application
        from models.review import Material
        from models.stages import TitleKind

        with self.db.uow() as uow:
            q = select(Application.id).where(Application.year == year, Application.stage == stage,
                                             Application.deleted_at.is_(None),
                                             Application.title_kind == TitleKind.CITY_FACTORY)
            q = q.where(Application.enterprise_id.is_not(None) if enterprise else Application.park_id.is_not(None))
            if batch is not None:
                q = q.where(Application.batch_id.is_not(None) if batch else Application.batch_id.is_(None))
            if with_materials:
                q = q.where(Application.id.in_(select(Material.application_id)))
            return list(uow.session.scalars(q.order_by(Application.id)))

    def failing_app(self) -> int:
        """An application under district review, with materials, whose checks found a 不符合."""
        from models.review import Outcome
        from models.review_service import check_sheet
        from models.stages import Stage

        ids = self.app_ids(Stage.UNDER_REVIEW, with_materials=True, batch=False)
        with self.db.uow() as uow:
            for i in ids:
                sheet = check_sheet(uow.session, i)
                if sheet is not None and sheet.worst is Outcome.FAIL:
                    return i
        return ids[0]

    def batch_id(self, year: int = YEAR) -> int:
        from sqlalchemy import select

        from models.entities import Batch

        with self.db.uow() as uow:
            return uow.session.scalar(select(Batch.id).where(Batch.year == year, Batch.deleted_at.is_(None))
                                      .order_by(Batch.id))


# ---------------------------------------------------------------------------------- steps
# 1. 第一次启动
def step_profile(g: Guide) -> Shot:
    from desktop.dialogs.profile import ProfileDialog

    dlg = ProfileDialog(g.ctx, g.win)
    return g.dialog_shot("profile", dlg, [dlg.save_button],
                         fields=sorted(dlg.form.editors))


def step_backups(g: Guide) -> Shot:
    from desktop.dialogs.backups import BackupsDialog

    for reason in ("start", "import", "start"):  # as after a few days' work
        g.db.backup_now(reason)
    dlg = BackupsDialog(g.ctx, g.win)
    dlg.list.setCurrentRow(1)
    return g.dialog_shot("backups", dlg, [dlg.backup_btn, dlg.restore_btn],
                         rows=dlg.list.count(), labels=[dlg.list.item(i).text() for i in range(dlg.list.count())])


def step_doctor(g: Guide) -> Shot:
    from desktop.doctor_ui import DoctorDialog

    dlg = DoctorDialog(g.ctx, g.win, start=False)

    def check() -> None:
        g.wait(dlg.start())

    return g.dialog_shot("doctor", dlg, [dlg.backups_btn], prepare=check, status=lambda: dlg.status.text(),
                         rows=lambda: dlg.model.rowCount())


# 2. 培育库：企业和园区
def step_enterprises(g: Guide) -> Shot:
    v = g.show_tab("EnterprisesView")
    v.search.setText("渝北 汽车")
    g.settle(0.6)
    if v.proxy.rowCount():
        v.table.selectRow(0)
    shot = g.window_shot("enterprises", [v.search, v.new_button], rows=v.proxy.rowCount(),
                         total=len(v.model.rows()), search=v.search.text())
    return shot


def step_enterprise_editor(g: Guide) -> Shot:
    from desktop.dialogs.record_editor import RecordEditor

    v = g.view("EnterprisesView")
    v.search.clear()
    g.settle()
    dlg = RecordEditor(g.ctx, "enterprise", None, g.win)
    form = dlg.form

    def fill() -> None:
        values = {"name": "重庆示例汽车配件有限公司", "credit_code": "91500112MA5U7AMQ8Y",
                  "contact": "王丽", "phone": "1380013800"}
        for key, text in values.items():
            ed = form.editors.get(key)
            if ed is not None and hasattr(ed, "setText"):
                ed.setFocus()
                ed.setText(text)
        dlg.save()

    shot = g.dialog_shot("enterprise-editor", dlg, prepare=fill, close=False,
                         message=lambda: dlg.message.text())
    dlg._dirty = False  # nothing to keep: close without the 放弃修改 question
    dlg.close()
    return shot


def step_parks(g: Guide) -> Shot:
    v = g.show_tab("ParksView")
    if v.proxy.rowCount():
        v.table.selectRow(0)
    return g.window_shot("parks", rows=v.proxy.rowCount())


def step_export_form(g: Guide) -> Shot:
    from desktop.sync_ui import ExportFormDialog

    g.show_tab("EnterprisesView")
    dlg = ExportFormDialog(g.ctx, g.win, selected=g.win.sync._selected(), kind="enterprise")
    return g.dialog_shot("export-form", dlg, kind=dlg.kind)


def step_sync_menu(g: Guide) -> Shot:
    g.show_tab("ParksView")
    menu = g.win.menus["sync"]
    return g.window_shot("sync-menu", menu=menu, actions=[a.text() for a in menu.actions() if a.text()])


def new_credit_code(g: Guide, seed: int) -> str:
    """A valid credit code (GB 32100-2015) of 渝北区 that no enterprise has yet."""
    import random

    from sqlalchemy import select

    from models.demo import make_credit_code
    from models.entities import Enterprise

    rng = random.Random(seed)
    with g.db.uow() as uow:
        used = set(uow.session.scalars(select(Enterprise.credit_code)))
    while True:
        code = make_credit_code(rng, "500112")
        if code not in used:
            return code


def filled_form(g: Guide) -> Path:
    """An enterprise form as it comes back from three enterprises: one changed its contact, one is
    new, one wrote an impossible date."""
    import openpyxl
    from sqlalchemy import select

    from exports.xlsx_forms import write_form
    from models.entities import Enterprise

    with g.db.uow() as uow:
        ids = list(uow.session.scalars(select(Enterprise.id).where(Enterprise.district_code == "500112")
                                       .order_by(Enterprise.id).limit(3)))
        path = write_form(g.tmp / "企业信息采集表（回收）.xlsx", "enterprise", session=uow.session, ids=ids)
    wb = openpyxl.load_workbook(path)
    ws = wb["企业信息"]
    heads = {str(c.value or "").lstrip("*＊ "): c.column for c in ws[1]}

    def col(label: str) -> int:
        return next(v for k, v in heads.items() if label in k)

    ws.cell(row=2, column=col("联系人"), value="周静")
    ws.cell(row=2, column=col("联系电话"), value="139 2345 6789")
    ws.cell(row=3, column=col("成立日期"), value="2019-13-45")
    code = new_credit_code(g, 7)
    new = {"名称": "重庆渝新环保装备有限公司", "统一社会信用代码": f"{code[:4]} {code[4:8]} {code[8:]}".lower(),
           "区县": "渝北区", "联系人": "刘洋", "联系电话": "023-6789 1234"}
    for label, value in new.items():
        ws.cell(row=5, column=col(label), value=value)
    wb.save(path)
    return path


def _forms_preview(g: Guide):
    from desktop.dialogs.import_forms import ImportFormsDialog
    from exports.importers.forms_in import preview_forms

    path = g.form_path or filled_form(g)
    g.form_path = path
    with g.db.uow() as uow:
        preview = preview_forms(uow.session, [path])
    dlg = ImportFormsDialog(g.ctx, preview, [path], g.win)
    dlg.resize(1100, 600)
    return dlg


def _tab_texts(tabs) -> list[str]:
    return [tabs.tabText(i) for i in range(tabs.count()) if tabs.isTabVisible(i)]


def step_import_forms(g: Guide) -> Shot:
    dlg = _forms_preview(g)

    def show_update() -> None:
        dlg.tabs.setCurrentIndex(1)  # 更新: what changes, field by field
        dlg.views["update"].selectRow(0)

    return g.dialog_shot("import-forms", dlg, [dlg.tabs.tabBar(), dlg.btn_apply], prepare=show_update,
                         tab=dlg.tabs.tabText(1), tabs=_tab_texts(dlg.tabs))


def step_import_errors(g: Guide) -> Shot:
    dlg = _forms_preview(g)

    def show_errors() -> None:
        dlg.tabs.setCurrentIndex(3)

    return g.dialog_shot("import-errors", dlg, [dlg.btn_exclude, dlg.btn_recheck], prepare=show_errors, tab=dlg.tabs.tabText(3),
                         tabs=_tab_texts(dlg.tabs))


# 3. 培育申报看板
def _board(g: Guide):
    from models.stages import Stage

    v = g.show_tab("PipelineView")
    v.set_year(YEAR)
    g.settle()
    ids = g.app_ids(Stage.UNDER_REVIEW, with_materials=True) or g.app_ids(Stage.UNDER_REVIEW)
    return v, ids


def step_pipeline(g: Guide) -> Shot:
    v, ids = _board(g)
    v.select_ids(ids[:1])
    v.show_history()
    v.splitter.setSizes([470, 240])
    g.settle()
    counts = {c.stage.label: c.model.total() for c in v.columns}
    return g.window_shot("pipeline", [v.advance_button, v.move_button], counts=counts,
                         selected=[c.name for c in v.selected_cards()])


def step_move_reason(g: Guide) -> Shot:
    from desktop.dialogs.move_dialog import MoveDialog
    from models.stages import Stage

    v, ids = _board(g)
    v.select_ids(ids[:1])
    card = v.current_card()
    dlg = MoveDialog(Stage.UNDER_REVIEW, Stage.APPLIED, [card.name], g.win)
    reason = "退回补正：第三方评价报告缺少现场评价照片"
    dlg.reason_edit.setPlainText(reason)
    shot = g.dialog_shot("move-reason", dlg, [dlg.ok_button], explanation=dlg.explanation.text())
    # what 确定移动 does: the move is stored with its reason (the history and the log show it)
    v.move_ids([card.id], Stage.APPLIED, reason=reason)
    shot.facts["moved"] = card.name
    return shot


def step_new_application(g: Guide) -> Shot:
    from desktop.dialogs.new_application import NewApplicationDialog
    from models.stages import TitleKind

    v, _ids = _board(g)
    dlg = NewApplicationDialog(g.ctx, g.win, year=YEAR + 1, title_kind=TitleKind.CITY_FACTORY)

    def pick() -> None:
        dlg.search.setText("汽车")
        g.settle()
        if dlg.subject_proxy.rowCount():
            dlg.subject_table.selectRow(0)

    return g.dialog_shot("new-application", dlg, prepare=pick)


# 4. 初审
def step_review(g: Guide) -> Shot:
    v = g.show_tab("ReviewView")
    v.set_year(YEAR)
    g.settle()
    if v.run_all():
        g.wait(v.operation) if v.operation is not None else None
    g.settle()
    return g.window_shot("review", [v.run_all_button], rows=v.proxy.rowCount(),
                         summary=v.run_label.text())


def _detail(g: Guide, tab: str):
    from desktop.dialogs.application_detail import ApplicationDetailDialog

    dlg = ApplicationDetailDialog(g.ctx, g.failing_app(), g.win, tab=tab)
    dlg.resize(1180, 820)
    return dlg


def _worst_row(sheet):
    """The first result that is 不符合 (else the first that is not 通过, else the first)."""
    rows = list(sheet.rows) if sheet is not None else []
    for wanted in (lambda r: r.final.value == "fail", lambda r: r.final.value != "pass", lambda r: True):
        row = next((r for r in rows if wanted(r)), None)
        if row is not None:
            return row
    return None


def step_materials(g: Guide) -> Shot:
    dlg = _detail(g, "materials")
    t = dlg.materials_tab
    return g.dialog_shot("materials", dlg, [t.add_button, t.accept_button, t.return_button],
                         tab=dlg.tabs.tabText(dlg.tabs.currentIndex()), rows=t.model.rowCount())


def step_results(g: Guide) -> Shot:
    dlg = _detail(g, "results")
    t = dlg.results_tab

    def pick() -> None:
        row = _worst_row(t.sheet)
        if row is not None:
            t.select_rule(row.rule_id)

    return g.dialog_shot("results", dlg, [t.override_button], prepare=pick,
                         tab=lambda: dlg.tabs.tabText(dlg.tabs.currentIndex()), rows=t.table.model().rowCount(),
                         selected=lambda: t.selected_row().article if t.selected_row() else "")


def step_override(g: Guide) -> Shot:
    from desktop.dialogs.application_detail import OverrideDialog

    dlg = _detail(g, "results")
    t = dlg.results_tab
    row = _worst_row(t.sheet)
    dlg.close()
    od = OverrideDialog(g.win, row)
    od.reason.setPlainText("经现场核实，企业已于 6 月取得新的能源管理体系证书（编号 EnMS-2026-0381），附复印件。")
    return g.dialog_shot("override", od, article=row.article if row else "")


def step_evaluators(g: Guide) -> Shot:
    v = g.show_tab("EvaluatorsView")
    return g.window_shot("evaluators", [v.list_button, v.disqualify_button], rows=v.model.rowCount())


# 5. 推荐批次与上报
def step_batches(g: Guide) -> Shot:
    v = g.show_tab("BatchesView")
    i = v.year.findData(YEAR)
    if i >= 0:
        v.year.setCurrentIndex(i)
    g.settle()
    return g.window_shot("batches", [v.export_btn], members=v.members.rowCount(),
                         candidates=v.candidates.rowCount())


def _wizard(g: Guide):
    from desktop.dialogs.export_wizard import ExportWizard

    dlg = ExportWizard(g.ctx, g.win, batch_id=g.batch_id())
    return dlg


def _assign(g: Guide, app_id: int, batch_id: int | None) -> None:
    from models.entities import Application, Batch
    from models.pipeline import assign_batch

    with g.db.uow() as uow:
        s = uow.session
        assign_batch(s, [s.get(Application, app_id)], s.get(Batch, batch_id) if batch_id else None)
        uow.commit()
    g.ctx.changed("application", "batch")


def step_export_check(g: Guide) -> Shot:
    """The check refuses: an application still under review was put in the batch by mistake."""
    app_id = g.failing_app()
    _assign(g, app_id, g.batch_id())
    try:
        dlg = _wizard(g)

        def pick() -> None:
            if dlg.blocker_model.rowCount():
                dlg.blocker_view.selectRow(0)

        shot = g.dialog_shot("export-check", dlg, [dlg.open_btn, dlg.recheck_btn], prepare=pick,
                             tab=dlg.STEPS[dlg.step()], blockers=dlg.blocker_model.rowCount(),
                             next_enabled=dlg.next_btn.isEnabled(), summary=dlg.check_summary.text())
    finally:
        _assign(g, app_id, None)
    return shot


def step_export_letter(g: Guide) -> Shot:
    dlg = _wizard(g)
    return g.dialog_shot("export-letter", dlg, [dlg.number_spin], prepare=dlg.go_next,
                         tab=lambda: dlg.STEPS[dlg.step()], preview=lambda: dlg.preview.toPlainText())


def step_export_done(g: Guide) -> Shot:
    dlg = _wizard(g)
    out = g.tmp / "上报材料"
    out.mkdir(exist_ok=True)

    def export() -> None:
        dlg.go_next()
        dlg.go_next()
        dlg.out_edit.setText(str(out))
        op = dlg.start_export(overwrite=True)
        if op is not None:
            g.wait(op)

    shot = g.dialog_shot("export-done", dlg, [dlg.verify_btn], prepare=export,
                         tab=lambda: dlg.STEPS[dlg.step()], result=lambda: dlg.result_label.text())
    g.package = (dlg.result.zip_path or dlg.result.folder) if dlg.result is not None else None
    return shot


def step_verify(g: Guide) -> Shot:
    from desktop.dialogs.verify_package import VerifyPackageDialog

    package = g.package
    dlg = VerifyPackageDialog(g.ctx, g.win, path=package)

    def wait() -> None:
        if dlg.operation is not None:
            g.wait(dlg.operation)

    return g.dialog_shot("verify-package", dlg, prepare=wait, package=str(package or ""),
                         status=lambda: dlg.status.text())


# 6. 认定结果
def published_list(g: Guide) -> Path:
    """The commission's list as it publishes it: title rows, the document number, the header,
    the batch's enterprises but one (one with other brackets in its name)."""
    import openpyxl
    from sqlalchemy import select

    from models.entities import Application, Enterprise
    from models.stages import Stage

    with g.db.uow() as uow:
        rows = uow.session.execute(
            select(Enterprise.name, Enterprise.credit_code)
            .join(Application, Application.enterprise_id == Enterprise.id)
            .where(Application.batch_id == g.batch_id(), Application.stage == Stage.RECOMMENDED)
            .order_by(Application.id)).all()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "名单"
    ws["A1"] = "附件"
    ws["A2"] = f"{YEAR}年重庆市绿色工厂名单"
    ws.merge_cells("A2:E2")
    ws["A3"] = f"渝经信节能〔{YEAR}〕31号"
    ws.merge_cells("A3:E3")
    ws.append([])
    ws.append(["序号", "区县", "企业名称", "统一社会信用代码", "备注"])
    for i, (name, code) in enumerate(rows[:-1], start=1):
        if i == 2:  # as published: the name only, in other brackets
            ws.append([i, "渝北区", name.replace("重庆", "重庆（渝北）", 1), None, None])
        else:
            ws.append([i, "渝北区", name, code, None])
    ws.append(["注：排名不分先后。"])
    path = g.tmp / f"{YEAR}年重庆市绿色工厂名单.xlsx"
    wb.save(path)
    return path


def step_import_list(g: Guide) -> Shot:
    from desktop.dialogs.import_list import ImportListDialog
    from exports.lists import preview_list_file

    path = published_list(g)
    with g.db.uow() as uow:
        preview, doubts = preview_list_file(uow.session, path)
    dlg = ImportListDialog(g.ctx, preview, doubts, g.win)
    dlg.resize(1180, 780)

    def doubtful() -> None:  # the row to confirm by hand
        p = dlg.rows_proxy
        for r in range(p.rowCount()):
            if any(p.index(r, c).data() == "待确认" for c in range(p.columnCount())):
                dlg.rows_view.selectRow(r)
                break

    return g.dialog_shot("import-list", dlg, [dlg.btn_confirm, dlg.btn_apply], prepare=doubtful,
                         rows=dlg.rows_model.rowCount(), tabs=_tab_texts(dlg.tabs),
                         confirm_enabled=lambda: dlg.btn_confirm.isEnabled())


# 7. 称号监管
def _titles(g: Guide):
    from desktop.views.titles import R_ROW

    v = g.show_tab("TitlesView")
    rows = [v.proxy.index(r, 0) for r in range(v.proxy.rowCount())]
    # an overdue to-do if there is one (red), else a title with a to-do, else the first
    def row_where(test) -> int | None:
        for r in range(v.proxy.rowCount()):
            tid = v.proxy.id_at(r)
            row = next((x[R_ROW] for x in v._rows if x[0] == tid), None)
            if row is not None and test(row):
                return r
        return None

    r = row_where(lambda t: t.overdue)
    if r is None:
        r = row_where(lambda t: bool(t.todo))
    if r is None and rows:
        r = 0
    if r is not None:
        v.table.selectRow(r)
    g.settle()
    return v


def step_titles(g: Guide) -> Shot:
    v = _titles(g)
    tb = v.toolbar
    r = v.selected_row()
    return g.window_shot("titles", [tb.widgetForAction(v.act_revoke), tb.widgetForAction(v.act_change),
                                    tb.widgetForAction(v.act_indicators)],
                         rows=v.proxy.rowCount(), todo=r.todo if r else "", overdue=bool(r and r.overdue))


def step_title_revoke(g: Guide) -> Shot:
    from desktop.dialogs.title_revoke import RevokeDialog

    v = _titles(g)
    r = v.selected_row()
    dlg = RevokeDialog(g.win, f"撤销{v._heading(r)}", on=v.day())
    dlg.cause.setCurrentIndex(max(dlg.cause.findData("（六）"), 0))  # 被列入失信黑名单的
    dlg.doc.setText(f"渝经信节能〔{v.day().year}〕15号")
    dlg.notes.setPlainText(f"{v.day().year}年被列入严重违法失信名单")
    return g.dialog_shot("title-revoke", dlg, [dlg.ban], cause=lambda: dlg.cause.currentText(),
                         ban=lambda: dlg.ban.text())


def step_title_change(g: Guide) -> Shot:
    from desktop.dialogs.title_change import ChangeDialog
    from models.supervision import load_overrides

    v = _titles(g)
    r = v.selected_row()
    with g.db.uow() as uow:
        overrides = load_overrides(uow.session)
    dlg = ChangeDialog(g.win, r.subject, overrides, completed=v.day())
    dlg.new_name.setText(r.subject[:4] + "智能装备有限公司")  # 重庆 + the brand: a new trade
    return g.dialog_shot("title-change", dlg, [dlg.due], due=lambda: dlg.due.text())


def step_title_indicators(g: Guide) -> Shot:
    from desktop.dialogs.title_indicators import IndicatorsDialog

    v = _titles(g)
    dlg = IndicatorsDialog(g.ctx, g.win, today=v.day())
    dlg.resize(max(dlg.width(), 980), max(dlg.height(), 600))
    return g.dialog_shot("title-indicators", dlg, [dlg.export_button, dlg.import_button])


# 8. 年度概览
#: the district's targets of the demo year, as the clerk enters them with 编辑目标…
TARGETS = {"city_factory": 15, "city_park": 1, "supply_chain": 1, "voluntary_assessment": 10}


def step_dashboard(g: Guide) -> Shot:
    import time

    from models.dashboard import set_targets
    from models.stages import TitleKind

    with g.db.uow() as uow:  # what 编辑目标… → 保存 stores (step "targets" shows the dialog)
        set_targets(uow.session, YEAR, {TitleKind(k): n for k, n in TARGETS.items()})
        uow.commit()
    g.ctx.changed("setting")
    v = g.show_tab("DashboardView")
    v.set_year(YEAR)
    end = time.monotonic() + 60
    while v.busy() and time.monotonic() < end:  # the figures are computed in the background
        g.settle(0.05)
    g.settle()
    return g.window_shot("dashboard", [v.targets_btn, v.export_btn], year=v.selected_year(),
                         busy=v.busy(), tabs=_tab_texts(v.lists), targets=v.target_label.text())


def step_targets(g: Guide) -> Shot:
    """编辑目标…: the year's targets as stored (the dialog reads them back)."""
    from PySide6.QtWidgets import QDialogButtonBox

    from desktop.dialogs.targets import TargetsDialog

    dlg = TargetsDialog(g.ctx, YEAR, g.win)
    return g.dialog_shot("targets", dlg, [dlg.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)],
                         values={k.label: n for k, n in dlg.values().items() if n})


def step_due_week(g: Guide) -> Shot:
    from desktop.dialogs.due_week import DueWeekDialog
    from models.dashboard import due_this_week

    today = dt.date.today()
    with g.db.uow() as uow:
        items = due_this_week(uow.session, today)
    dlg = DueWeekDialog(g.ctx, items, today, g.win)
    return g.dialog_shot("due-week", dlg, [dlg.dashboard_btn], rows=dlg.model.rowCount(),
                         summary=dlg.summary.text())


# 9. 开始新年度、交换文件
def step_new_year(g: Guide) -> Shot:
    from desktop.dialogs.new_year import NewYearDialog

    dlg = NewYearDialog(g.ctx, g.win, from_year=YEAR)
    return g.dialog_shot("new-year", dlg, [dlg.btn_ok], rows=dlg.model.rowCount(),
                         summary=dlg.summary.text())


def exchange_file(g: Guide) -> Path:
    """A file from a colleague's PC: the same data, then one enterprise edited on both PCs and
    one enterprise added there."""
    from sqlalchemy import select

    from exports.exchange import apply_exchange, export_exchange, preview_exchange_file
    from models.db import Database
    from models.entities import Enterprise

    first = g.tmp / "本机.gdx"
    export_exchange(g.db, first)
    other = Database.open(g.tmp / "同事电脑", user="王强")
    try:
        apply_exchange(other, preview_exchange_file(other, first))
        for db, contact in ((g.db, "陈敏"), (other, "赵磊")):
            with db.uow() as uow:
                e = uow.session.scalars(select(Enterprise).order_by(Enterprise.id).limit(1)).one()
                e.contact = contact
                e.phone = "13800138000" if db is g.db else "13900139000"
                uow.commit()
        with other.uow() as uow:
            uow.session.add(Enterprise(name="重庆两江新材料科技有限公司", credit_code=new_credit_code(g, 11),
                                       district_code="500112"))
            uow.commit()
        path = g.tmp / f"渝北区-交换文件-{dt.date.today():%Y%m%d}.gdx"
        export_exchange(other, path)
    finally:
        other.close()
    return path


def step_exchange(g: Guide) -> Shot:
    from desktop.dialogs.exchange import ExchangeImportDialog
    from exports.exchange import preview_exchange_file

    path = exchange_file(g)
    preview = preview_exchange_file(g.db, path)
    dlg = ExchangeImportDialog(g.ctx, preview, g.win)

    def conflicts() -> None:
        dlg.tabs.setCurrentWidget(dlg.conflict_page)
        if dlg.conflicts_model.rowCount():
            dlg.conflicts_view.selectRow(0)

    return g.dialog_shot("exchange", dlg, [dlg.keep_local, dlg.take_incoming], prepare=conflicts,
                         tab=lambda: dlg.tabs.tabText(dlg.tabs.currentIndex()),
                         conflicts=dlg.conflicts_model.rowCount(), merge_enabled=lambda: dlg.btn_apply.isEnabled())


def step_audit(g: Guide) -> Shot:
    v = g.show_tab("AuditView")
    rows = v.model.rowCount()
    # the move made in step "move-reason", with its reason
    for r in range(v.proxy.rowCount()):
        if "环节" in str(v.proxy.index(r, 5).data()):
            v.view.selectRow(r)
            break
    return g.window_shot("audit", rows=rows)


STEPS: list[tuple[str, Callable[[Guide], Shot]]] = [
    ("profile", step_profile),
    ("backups", step_backups),
    ("doctor", step_doctor),
    ("enterprises", step_enterprises),
    ("enterprise-editor", step_enterprise_editor),
    ("parks", step_parks),
    ("sync-menu", step_sync_menu),
    ("export-form", step_export_form),
    ("import-forms", step_import_forms),
    ("import-errors", step_import_errors),
    ("pipeline", step_pipeline),
    ("new-application", step_new_application),
    ("move-reason", step_move_reason),
    ("review", step_review),
    ("materials", step_materials),
    ("results", step_results),
    ("override", step_override),
    ("evaluators", step_evaluators),
    ("batches", step_batches),
    ("export-check", step_export_check),
    ("export-letter", step_export_letter),
    ("export-done", step_export_done),
    ("verify-package", step_verify),
    ("import-list", step_import_list),
    ("titles", step_titles),
    ("title-revoke", step_title_revoke),
    ("title-change", step_title_change),
    ("title-indicators", step_title_indicators),
    ("due-week", step_due_week),
    ("dashboard", step_dashboard),
    ("targets", step_targets),
    ("new-year", step_new_year),
    ("exchange", step_exchange),
    ("audit", step_audit),
]


# ---------------------------------------------------------------------------------- running
@contextlib.contextmanager
def quiet_message_boxes() -> Iterator[list[str]]:
    """Message boxes answered at once (a script must never block on a modal); their texts kept."""
    from PySide6.QtWidgets import QMessageBox

    seen: list[str] = []
    saved = {k: getattr(QMessageBox, k) for k in ("information", "warning", "critical", "question")}

    def say(_parent, _title, text, *_a, **_k):
        seen.append(text)
        return QMessageBox.StandardButton.Ok

    def ask(_parent, _title, text, *_a, **_k):
        seen.append(text)
        return QMessageBox.StandardButton.No

    QMessageBox.information = say
    QMessageBox.warning = say
    QMessageBox.critical = say
    QMessageBox.question = ask
    try:
        yield seen
    finally:
        for k, fn in saved.items():
            setattr(QMessageBox, k, fn)


@contextlib.contextmanager
def open_guide(out: Path, *, tmp: Path | None = None, enterprises: int = 300, app=None,
               quick: bool = False) -> Iterator[Guide]:
    """The demo database in a temporary folder and the main window on it, ready for the steps.
    ``app``: a QApplication to use as it is (tests); without it the program's own set-up
    (translations, Chinese font) is made. ``quick`` (tests): shorter pauses, faster PNGs."""
    from PySide6.QtCore import QSettings

    from desktop.app import make_app
    from desktop.main_window import MainWindow
    from forms.demo_review_run import prepare_demo_review
    from models import demo
    from models.db import Database

    if app is None:
        app = make_app()
        if use_chinese_font(app) is None:
            print("警告：没有找到中文字体，截图中的中文会显示为方框。Debian：apt-get install fonts-noto-cjk",
                  file=sys.stderr)
    with contextlib.ExitStack() as stack:
        if tmp is None:
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="greendesk-guide-")))
        seen = stack.enter_context(quiet_message_boxes())
        db = Database.open(tmp / "data", user="李娟")
        stack.callback(db.close)
        demo.generate(db, enterprises=enterprises, current_year=YEAR)
        prepare_demo_review(db, current_year=YEAR)
        settings = QSettings(str(tmp / "settings.ini"), QSettings.Format.IniFormat)
        win = MainWindow(db, settings=settings)

        def close_all() -> None:
            for w in app.topLevelWidgets():  # dialogs a step left open, then the window
                if w is not win and w.isVisible():
                    w.close()
            win.close()
            settle(app, 0.1)
            win.deleteLater()
            settle(app, 0.05)

        stack.callback(close_all)
        win.resize(*WINDOW_SIZE)
        win.show()
        win.after_start()
        settle(app)
        guide = Guide(app, win, db, out, tmp)
        guide.messages = seen
        if quick:
            guide.pause, guide.compression = 0.05, 60
        yield guide


def run_steps(guide: Guide, only: list[str] | None = None) -> list[Shot]:
    for name, fn in STEPS:
        if only and not any(word in name for word in only):
            continue
        shot = fn(guide)
        print(f"{shot.path}  （{shot.title}）")
    return guide.shots


def quiet_qt_warnings() -> None:
    """Drop the offscreen platform's "does not support propagateSizeHints()" chatter."""
    from PySide6.QtCore import qInstallMessageHandler

    def handler(_mode, _context, message: str) -> None:
        if "propagateSizeHints" not in message:
            print(message, file=sys.stderr)

    qInstallMessageHandler(handler)


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    quiet_qt_warnings()
    out = Path(argv[1])
    out.mkdir(parents=True, exist_ok=True)
    with open_guide(out) as guide:
        run_steps(guide, argv[2:])
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
