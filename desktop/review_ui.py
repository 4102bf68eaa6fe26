"""The review (初审) in the window: what the 初审 tab, the application page and the evaluator
registry share, and the 初审 menu.

- how an outcome looks (colour, icon, Chinese label) wherever it is shown;
- the two long operations: running the checks (``start_check_run``) and the full verification
  of the stored files (``start_verification``), both through ``desktop.tasks`` with a progress
  dialog and 取消; a cancelled check run stores nothing;
- the tables of the review with coloured outcome cells (``OutcomeRowsModel``);
- ``install_menus(window)``: 运行初审检查…, 全面核验附件…, 第三方评价机构…, 失信/事故名单….
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable, Sequence

from PySide6.QtCore import QByteArray, QCoreApplication, QDate, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from models.outcomes import Outcome

from .table_model import Column, RowsModel
from .tasks import Operation, Progress

UNCHECKED = "unchecked"


def _tr(text: str) -> str:
    return QCoreApplication.translate("Review", text)


# ---------------------------------------------------------------------------------------- outcomes
#: foreground and background of each outcome (and of 未检查)
OUTCOME_COLOURS: dict[str, tuple[str, str]] = {
    Outcome.PASS.value: ("#1e7b34", "#e3f4e7"),
    Outcome.WARNING.value: ("#a35f00", "#fff1d6"),
    Outcome.MANUAL.value: ("#1f5fa8", "#e4eefb"),
    Outcome.MISSING.value: ("#7a4a9e", "#f1e9f8"),
    Outcome.FAIL.value: ("#c0271d", "#fde6e4"),
    UNCHECKED: ("#6b6b6b", "#f0f0f0"),
}

#: the choices of an outcome filter: (label, outcomes) — None is 全部
def outcome_filter_choices() -> list[tuple[str, list[str] | None]]:
    return [
        (_tr("全部"), None),
        (Outcome.PASS.label, [Outcome.PASS.value]),
        (Outcome.FAIL.label, [Outcome.FAIL.value]),
        (Outcome.WARNING.label, [Outcome.WARNING.value]),
        (Outcome.MISSING.label, [Outcome.MISSING.value]),
        (Outcome.MANUAL.label, [Outcome.MANUAL.value]),
        (_tr("未检查"), [UNCHECKED]),
    ]


def outcome_value(outcome: Outcome | str | None) -> str:
    if outcome is None or outcome == "":
        return UNCHECKED
    return outcome.value if isinstance(outcome, Outcome) else str(outcome)


def outcome_label(outcome: Outcome | str | None) -> str:
    v = outcome_value(outcome)
    return _tr("未检查") if v == UNCHECKED else Outcome(v).label


def outcome_colour(outcome: Outcome | str | None) -> QColor:
    return QColor(OUTCOME_COLOURS.get(outcome_value(outcome), OUTCOME_COLOURS[UNCHECKED])[0])


def outcome_background(outcome: Outcome | str | None) -> QColor:
    return QColor(OUTCOME_COLOURS.get(outcome_value(outcome), OUTCOME_COLOURS[UNCHECKED])[1])


@lru_cache(maxsize=16)
def outcome_icon(value: str) -> QIcon:
    """A round badge in the outcome's colour with a sign drawn in white (no font needed):
    ✓ 通过, ! 提醒, ? 需人工判断, … 缺少数据, ✗ 不符合, – 未检查."""
    size = 32
    pm = QPixmap(size, size)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(outcome_colour(value))
    p.drawEllipse(QRectF(1, 1, size - 2, size - 2))
    pen = QPen(QColor("white"), 4.2, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    if value == Outcome.PASS.value:
        path = QPainterPath(QPointF(9, 17))
        path.lineTo(14, 22)
        path.lineTo(23, 11)
        p.drawPath(path)
    elif value == Outcome.FAIL.value:
        p.drawLine(QPointF(11, 11), QPointF(21, 21))
        p.drawLine(QPointF(21, 11), QPointF(11, 21))
    elif value == Outcome.WARNING.value:
        p.drawLine(QPointF(16, 8), QPointF(16, 18))
        p.drawPoint(QPointF(16, 24))
    elif value == Outcome.MANUAL.value:
        path = QPainterPath(QPointF(11.5, 12))
        path.cubicTo(11.5, 6.5, 21, 6.5, 20.5, 12)
        path.cubicTo(20.3, 15.5, 16, 15.5, 16, 19)
        p.drawPath(path)
        p.drawPoint(QPointF(16, 24.5))
    elif value == Outcome.MISSING.value:
        for x in (9.5, 16, 22.5):
            p.drawPoint(QPointF(x, 16))
    else:
        p.drawLine(QPointF(10, 16), QPointF(22, 16))
    p.end()
    return QIcon(pm)


def outcome_html(outcome: Outcome | str | None, text: str | None = None) -> str:
    """A coloured label for rich-text QLabels."""
    fg, bg = OUTCOME_COLOURS.get(outcome_value(outcome), OUTCOME_COLOURS[UNCHECKED])
    return (f'<span style="color:{fg}; background:{bg}; font-weight:bold">&nbsp;'
            f'{text if text is not None else outcome_label(outcome)}&nbsp;</span>')


def counts_html(counts: dict[str, int]) -> str:
    """「不符合 3 · 缺少数据 1 · …」 in the outcomes' colours, worst first; zeros left out."""
    order = [Outcome.FAIL.value, Outcome.MISSING.value, Outcome.MANUAL.value, Outcome.WARNING.value,
             Outcome.PASS.value, UNCHECKED]
    parts = [f"{outcome_html(v)} {counts[v]}" for v in order if counts.get(v)]
    return " &nbsp;".join(parts) if parts else _tr("（无）")


class OutcomeRowsModel(RowsModel):
    """A ``RowsModel`` whose outcome columns show the outcome's icon and colour.

    ``outcome_columns`` maps a column number to a function giving that row's outcome value
    (``"pass"`` … or ``"unchecked"``); ``row_colour`` optionally colours a whole row's text."""

    def __init__(self, columns: Sequence[Column], parent=None, *, id_index: int = 0,
                 outcome_columns: dict[int, Callable[[tuple], str]] | None = None,
                 row_colour: Callable[[tuple, int], QColor | None] | None = None) -> None:
        super().__init__(columns, parent, id_index=id_index)
        self.outcome_columns = outcome_columns or {}
        self.row_colour = row_colour

    def data(self, index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if index.isValid() and role in (Qt.ItemDataRole.DecorationRole, Qt.ItemDataRole.ForegroundRole,
                                        Qt.ItemDataRole.BackgroundRole):
            if not (0 <= index.row() < self.rowCount()):
                return None
            row = self.row_at(index.row())
            fn = self.outcome_columns.get(index.column())
            if fn is not None:
                value = fn(row)
                if role == Qt.ItemDataRole.DecorationRole:
                    return outcome_icon(value)
                if role == Qt.ItemDataRole.ForegroundRole:
                    return QBrush(outcome_colour(value))
                return QBrush(outcome_background(value))
            if role == Qt.ItemDataRole.ForegroundRole and self.row_colour is not None:
                c = self.row_colour(row, index.column())
                return QBrush(c) if c is not None else None
            return None
        return super().data(index, role)


def make_table(model: RowsModel, parent: QWidget, *, proxy=None, stretch: int | None = None,
               sortable: bool = True, multi: bool = True) -> QTableView:
    """A read-only row-selecting table over ``model`` (or ``proxy``) with the columns' widths."""
    view = QTableView(parent)
    view.setModel(proxy if proxy is not None else model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection if multi
                          else QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setSortingEnabled(sortable)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().lineSpacing() + 10)
    for i, c in enumerate(model.columns):
        if c.width:
            view.setColumnWidth(i, c.width)
    hh = view.horizontalHeader()
    hh.setStretchLastSection(stretch is None)
    if stretch is not None:
        hh.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    hh.setHighlightSections(False)
    return view


ERROR_STYLE = "color: #c0271d"


def error_label() -> QLabel:
    """The red line under a form that says what to correct."""
    label = QLabel()
    label.setStyleSheet(ERROR_STYLE)
    label.setWordWrap(True)
    return label



NOTE_STYLE = "color: palette(placeholder-text)"


def note_label(text: str) -> QLabel:
    """A grey wrapped line that explains: the article a dialog applies, what happens afterwards."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet(NOTE_STYLE)
    return label

def ok_cancel(dialog: QDialog) -> QDialogButtonBox:
    """确定/取消 wired to the dialog's accept (which may refuse) and reject."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons



def close_row(dialog: QDialog, *widgets: QWidget) -> QHBoxLayout:
    """A dialog's bottom row: ``widgets`` (its own buttons) on the left, 关闭 (rejects) on the right."""
    row = QHBoxLayout()
    for w in widgets:
        row.addWidget(w)
    row.addStretch(1)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.button(QDialogButtonBox.StandardButton.Close).setText(_tr("关闭"))
    buttons.rejected.connect(dialog.reject)
    row.addWidget(buttons)
    return row

def select_row(view: QTableView, row: int) -> None:
    """Make ``row`` the one selected (and current) row, whatever keys are held down
    (``QTableView.selectRow`` toggles when Ctrl is down)."""
    from PySide6.QtCore import QItemSelectionModel

    ix = view.model().index(row, 0)
    flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
    view.selectionModel().setCurrentIndex(ix, flags)
    view.scrollTo(ix)


def fmt_date(value: dt.date | None) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


def fmt_time(value: dt.datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def restore_geometry(widget: QWidget, settings, key: str, default: tuple[int, int]) -> None:
    geo = settings.value(key)
    if isinstance(geo, QByteArray) and not geo.isEmpty():
        widget.restoreGeometry(geo)
    else:
        widget.resize(*default)


class OptionalDateEdit(QDateEdit):
    """A date field that may be left empty (shows 未填): the minimum date stands for 'no date'.
    Clicking an empty field starts at today; Delete empties it."""

    NULL = QDate(1900, 1, 1)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setCalendarPopup(True)
        self.setDisplayFormat("yyyy-MM-dd")
        self.setMinimumDate(self.NULL)
        self.setMaximumDate(QDate(2100, 12, 31))
        self.setSpecialValueText(_tr("未填"))
        self.setDate(self.NULL)
        self.setToolTip(_tr("按 Delete 清空"))

    def value(self) -> dt.date | None:
        d = self.date()
        return None if d == self.NULL else dt.date(d.year(), d.month(), d.day())

    def set_value(self, value: dt.date | None) -> None:
        self.setDate(QDate(value.year, value.month, value.day) if value else self.NULL)

    def clear_value(self) -> None:
        self.set_value(None)

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if self.date() == self.NULL:
            self.setDate(QDate.currentDate())
        super().mousePressEvent(event)

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and \
                self.lineEdit().selectedText() == self.lineEdit().text():
            self.clear_value()
            return
        super().keyPressEvent(event)


# ---------------------------------------------------------------------------------------- operations
def start_check_run(
    parent: QWidget | None,
    ctx,
    application_ids: Sequence[int],
    *,
    as_of: dt.date | None = None,
    title: str | None = None,
    on_progress: Callable[[int, int, str], None] | None = None,
) -> Operation:
    """Run the checks on ``application_ids`` off the GUI thread, with a progress dialog and 取消.

    The run is one transaction (forms.rules.runner.run_checks): cancelled, nothing is stored.
    On success the other views are told (``ctx.changed("check_run")``); the caller connects to
    ``finished`` (a RunSummary), ``cancelled`` and ``failed`` for its own messages."""
    from forms.rules import runner

    ids = list(application_ids)
    db, user = ctx.db, ctx.user

    def work(p: Progress):
        return runner.run_checks(db, ids, as_of=as_of, user=user, progress=p.report,
                                 should_stop=lambda: p.cancelled)

    op = Operation(parent, title or _tr("运行初审检查"), work)
    if on_progress is not None:
        op.worker.progressed.connect(on_progress)
    op.finished.connect(lambda _summary: ctx.changed("check_run"))
    return op.start()


def check_failure_text(exc: BaseException) -> str:
    from forms.rules.loader import RuleFileError
    from forms.rules.runner import RunError

    if isinstance(exc, (RunError, RuleFileError)):
        return _tr("检查未能运行：{0}\n\n没有保存任何结果。").format(exc)
    return _tr("检查中途出错（{0}：{1}），没有保存任何结果。\n\n请重试；如仍出错，请把这条信息告诉维护人员。").format(
        type(exc).__name__, exc)


@dataclass
class VerifyResult:
    """What a full verification found: how many files were read, and the problems."""

    checked: int
    problems: list = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)  # application id → subject name

    def lines(self) -> list[str]:
        return [f"「{self.names.get(p.application_id, '')}」：{p.message}" if self.names.get(p.application_id)
                else p.message for p in self.problems]


def start_verification(parent: QWidget | None, ctx, application_ids: Sequence[int] | None = None) -> Operation:
    """The full verification of stored files (every one rehashed, whatever its time says), off
    the GUI thread with progress and 取消. Cancelled: nothing is written."""
    from sqlalchemy import func, select

    from models.entities import Application
    from models.review import Material
    from models.review_service import verify_materials

    db = ctx.db
    ids = list(application_ids) if application_ids is not None else None

    def work(p: Progress) -> VerifyResult | None:
        with db.uow() as uow:
            s = uow.session
            q = select(func.count()).select_from(Material).where(Material.deleted_at.is_(None))
            if ids is not None:
                q = q.where(Material.application_id.in_(ids))
            total = s.scalar(q) or 0
            p.report(0, total, _tr("正在核对 {0} 个附件……").format(total))
            problems = verify_materials(s, db.files_dir, application_ids=ids, progress=p.report,
                                        should_stop=lambda: p.cancelled)
            if p.cancelled:
                return None
            app_ids = sorted({x.application_id for x in problems})
            names = {a.id: a.subject_name for a in s.scalars(select(Application).where(Application.id.in_(app_ids)))}
            uow.commit()
        return VerifyResult(total, problems, names)

    op = Operation(parent, _tr("全面核验附件"), work)
    op.finished.connect(lambda _r: ctx.changed("material"))
    return op.start()


def show_verification(parent: QWidget | None, result: VerifyResult) -> str:
    """Tell the clerk what the full verification found; returns the message shown."""
    if not result.problems:
        text = _tr("已核对 {0} 个附件：全部完好，与收件时一致。").format(result.checked)
        QMessageBox.information(parent, _tr("全面核验附件"), text)
        return text
    lines = result.lines()
    text = _tr("已核对 {0} 个附件，其中 {1} 个有问题：\n\n").format(result.checked, len(lines))
    text += "\n".join(lines[:15])
    if len(lines) > 15:
        text += _tr("\n……（其余 {0} 条见“详细信息”）").format(len(lines) - 15)
    text += _tr("\n\n请在这些申报的“材料清单”中重新收件（添加文件）。原件若已改动，请向申报单位重新索取。")
    box = QMessageBox(QMessageBox.Icon.Warning, _tr("全面核验附件"), text, QMessageBox.StandardButton.Ok, parent)
    box.setDetailedText("\n".join(lines))
    box.exec()
    return text


# ---------------------------------------------------------------------------------------- watch list
WATCH_COLUMNS = [
    Column("名称", 1, width=240),
    Column("统一社会信用代码", 2, width=175),
    Column("名单", 3, width=170),
    Column("列入日期", 4, display=fmt_date, width=90),
    Column("有效至", 5, display=fmt_date, width=90),
    Column("来源", 6),
]
LIST_NAMES = ("失信被执行人名单", "严重违法失信名单", "较大及以上生产安全事故通报", "重大质量事故通报",
              "较大及以上环境污染事故通报")


class WatchListDialog(QDialog):
    """The imported dishonesty and incident lists (失信/事故名单) that 第七条（三）、第六条（三）
    compare subjects with: view, add by hand, remove."""

    GEOMETRY = "review/watchlist/geometry"

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("失信/事故名单"))
        self.setSizeGripEnabled(True)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(self.tr(
            "初审第七条（三）、第六条（三）用这些名单比对企业和园区（按统一社会信用代码，没有代码时按名称）。"
            "名单可从“导入导出”菜单批量导入，也可在下面逐条添加。")))
        self.count_label = QLabel()
        lay.addWidget(self.count_label)
        self.model = RowsModel([Column(self.tr(c.header), c.index, c.display, width=c.width) for c in WATCH_COLUMNS],
                               self)
        self.table = make_table(self.model, self, sortable=True)
        lay.addWidget(self.table, 1)

        form = QFormLayout()
        self.name = QLineEdit()
        self.code = QLineEdit()
        self.code.setMaxLength(18)
        self.list_name = QComboBox()
        self.list_name.setEditable(True)
        self.list_name.addItems(LIST_NAMES)
        self.listed_on = OptionalDateEdit()
        self.until = OptionalDateEdit()
        self.source = QLineEdit()
        self.source.setPlaceholderText(self.tr("如：信用中国（重庆）2026-05 公示"))
        form.addRow(self.tr("名称"), self.name)
        form.addRow(self.tr("统一社会信用代码"), self.code)
        form.addRow(self.tr("名单"), self.list_name)
        form.addRow(self.tr("列入日期"), self.listed_on)
        form.addRow(self.tr("有效至"), self.until)
        form.addRow(self.tr("来源"), self.source)
        lay.addLayout(form)
        self.error = error_label()
        lay.addWidget(self.error)
        buttons = QHBoxLayout()
        self.add_button = QPushButton(self.tr("添加到名单"))
        self.add_button.clicked.connect(self.add_entry)
        self.remove_button = QPushButton(self.tr("删除所选"))
        self.remove_button.clicked.connect(self.remove_selected)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        lay.addLayout(buttons)
        restore_geometry(self, ctx.settings, self.GEOMETRY, (900, 600))
        self.reload()

    def reload(self) -> None:
        from models.review_service import watch_entries

        with self.ctx.db.uow() as uow:
            rows = [(e.id, e.name, e.credit_code, e.list_name, e.listed_on, e.until, e.source)
                    for e in watch_entries(uow.session)]
        self.model.set_rows(rows)
        self.count_label.setText(self.tr("名单中共 {0} 条。").format(len(rows)))

    def add_entry(self) -> bool:
        from forms.validators import ValidationError, validate_credit_code
        from models.review_service import ReviewError, add_watch_entry

        code = self.code.text().strip()
        if code:
            try:
                code = validate_credit_code(code, allow_bad_check=True)
            except ValidationError as exc:
                self.error.setText(str(exc))
                return False
        values = {"name": self.name.text().strip(), "credit_code": code,
                  "list_name": self.list_name.currentText().strip(), "listed_on": self.listed_on.value(),
                  "until": self.until.value(), "source": self.source.text().strip()}
        with self.ctx.db.uow() as uow:
            try:
                add_watch_entry(uow.session, values)
            except ReviewError as exc:
                self.error.setText(str(exc))
                return False
            uow.commit()
        self.error.clear()
        self.name.clear()
        self.code.clear()
        self.ctx.changed("watchlist_entry")
        self.reload()
        return True

    def remove_selected(self) -> int:
        from models.base import now
        from models.review import WatchlistEntry

        ids = [self.model.id_at(ix.row()) for ix in self.table.selectionModel().selectedRows()]
        if not ids:
            self.error.setText(self.tr("请先在表格中选中要删除的条目。"))
            return 0
        with self.ctx.db.uow() as uow:
            for i in ids:
                e = uow.session.get(WatchlistEntry, i)
                if e is not None and e.deleted_at is None:
                    e.deleted_at = now()
            uow.commit()
        self.ctx.changed("watchlist_entry")
        self.reload()
        return len(ids)

    def done(self, result: int) -> None:
        self.ctx.settings.setValue(self.GEOMETRY, self.saveGeometry())
        super().done(result)


# ---------------------------------------------------------------------------------------- menus
def _view_of(window, cls_name: str):
    find = getattr(window, "view_of", None)  # the main window builds a tab's view when asked
    if find is not None:
        return find(cls_name)
    return next((v for v in window.views if type(v).__name__ == cls_name), None)


def _show_view(window, cls_name: str):
    view = _view_of(window, cls_name)
    if view is not None:
        window.tabs.setCurrentWidget(view)
    return view


def run_checks_from_menu(window) -> None:
    view = _show_view(window, "ReviewView")
    if view is not None:
        view.run_all()


def verify_all_from_menu(window) -> Operation:
    op = start_verification(window, window.ctx)

    def finished(result) -> None:
        if result is not None:
            show_verification(window, result)

    op.finished.connect(finished)
    op.cancelled.connect(lambda: window.statusBar().showMessage(_tr("全面核验已取消，未作任何改动。"), 8000))
    op.failed.connect(lambda exc, _tb: QMessageBox.critical(
        window, _tr("全面核验附件"),
        _tr("核验中途出错（{0}），未作任何改动。请重试；如仍出错，请把这条信息告诉维护人员。").format(exc)))
    window.review_operation = op
    return op


def watch_list_from_menu(window) -> None:
    dlg = WatchListDialog(window.ctx, window)
    dlg.exec()


def install_menus(window) -> None:
    menu = window.menus["review"]
    window._action(menu, _tr("运行初审检查(&R)…"), lambda: run_checks_from_menu(window), "Ctrl+Shift+R",
                   _tr("对“初审”页所选年度或批次的申报运行全部检查"))
    window._action(menu, _tr("全面核验附件(&V)…"), lambda: verify_all_from_menu(window), None,
                   _tr("重新计算每个已收件文件的 SHA-256，找出丢失或被改动的文件"))
    menu.addSeparator()
    window._action(menu, _tr("第三方评价机构(&E)…"), lambda: _show_view(window, "EvaluatorsView"), None,
                   _tr("评价机构名录：列入市级名录的年度、取消评价资格（第二十二条）"))
    window._action(menu, _tr("失信/事故名单(&L)…"), lambda: watch_list_from_menu(window), None,
                   _tr("初审比对用的失信名单和事故通报"))


__all__ = [
    "OUTCOME_COLOURS", "OptionalDateEdit", "OutcomeRowsModel", "UNCHECKED", "VerifyResult", "WatchListDialog",
    "error_label", "install_menus", "make_table", "ok_cancel", "outcome_colour", "outcome_filter_choices", "outcome_icon", "outcome_label",
    "select_row",
    "show_verification", "start_check_run", "start_verification",
]
