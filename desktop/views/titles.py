"""称号监管: every title held in the district and what supervision asks of it (seed 002, 第五章).

One row per title: the unit, the title and its level, the year, the recognising document, the
state (有效 / 复审中 / 已撤销), where it came from (a published list or entered by hand), the ban
on applying (第十八条), this year's indicator report (第十六条) and what is to be done. Overdue
rows are red. Filters by title, state and year; search by any text.

Actions (toolbar, context menu, shortcuts, and the 监管 menu): 新增称号, 撤销称号 (第十七条),
更名/重组 and 登记上报 (第十九条), 复审 (第十六条), 年度指标, 节假日设置. The rows load when
the tab is first shown (the main window calls ``refresh``), not at start.
"""
from __future__ import annotations

import datetime as dt
import html
from typing import Any

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QAction, QBrush, QColor, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from ..review_ui import make_table, outcome_colour, outcome_icon, select_row
from ..supervision_ui import OVERDUE_COLOUR, warning_label
from ..table_model import Column, RowsModel, SearchProxy

# row tuple: the shown values, then the models.title_list.TitleRow they came from
R_ID, R_SUBJECT, R_KIND, R_LEVEL, R_YEAR, R_DOC, R_STATE, R_SOURCE, R_BAN, R_IND, R_TODO, R_ROW = range(12)
C_STATE, C_IND, C_TODO = 5, 8, 9

STATE_LABELS = {"valid": "有效", "under_review": "复审中", "revoked": "已撤销"}
STATE_OUTCOME = {"valid": "pass", "under_review": "manual", "revoked": "fail"}

COLUMNS = [
    Column("单位", R_SUBJECT, width=250),
    Column("称号", R_KIND, width=150),
    Column("级别", R_LEVEL, width=56),
    Column("年度", R_YEAR, align_right=True, width=56),
    Column("认定文号", R_DOC, width=170),
    Column("状态", R_STATE, display=lambda v: STATE_LABELS.get(v, v), width=80),
    Column("来源", R_SOURCE, width=76),
    Column("禁止申报至", R_BAN, display=lambda d: f"{d.isoformat()}前" if d else "", width=110,
           sort_key=lambda d: d.toordinal() if d else None),
    Column("指标报送", R_IND, width=96),
    # the value is (overdue, text): sorted descending, overdue rows come first
    Column("待办", R_TODO, display=lambda v: v[1], width=340),
]

STATE_FILTERS = [("全部状态", None), ("有效", "valid"), ("复审中", "under_review"), ("已撤销", "revoked"),
                 ("有待办", "todo"), ("已逾期", "overdue")]


class TitlesModel(RowsModel):
    """Rows of titles: an overdue row is red with a mark on its 待办; the state is coloured."""

    def data(self, index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role in (Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.DecorationRole) and index.isValid():
            if not 0 <= index.row() < self.rowCount():
                return None
            row = self.row_at(index.row())
            tr = row[R_ROW]
            col = index.column()
            if role == Qt.ItemDataRole.DecorationRole:
                if col == C_TODO and tr.overdue:
                    return outcome_icon("fail")
                return None
            if tr.overdue:
                return QBrush(QColor(OVERDUE_COLOUR))
            if col == C_STATE:
                return QBrush(outcome_colour(STATE_OUTCOME.get(row[R_STATE], "unchecked")))
            if col == C_IND and row[R_IND] == "未报":
                return QBrush(QColor("#a35f00"))
            return None
        if role == Qt.ItemDataRole.ToolTipRole and index.isValid() and 0 <= index.row() < self.rowCount():
            tr = self.row_at(index.row())[R_ROW]
            col = index.column()
            if col == C_IND and tr.worse:
                return "比上年变差：" + "、".join(tr.worse)
            if col == C_STATE and tr.cause:
                from models.supervision import cause_label

                return f"依据{cause_label(tr.cause)}撤销" + (f"（{tr.revocation_doc}）" if tr.revocation_doc else "")
        return super().data(index, role)


def as_tuple(r) -> tuple:
    return (r.id, r.subject, r.title_kind.label, r.level, r.year, r.doc_number, r.state.value, r.source_label,
            r.ban_until, r.indicators, (int(r.overdue), r.todo), r)


class TitlesView(QWidget):
    title = "称号监管"
    tables = ("title", "title_change", "title_review")

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.today: dt.date | None = None  # None: the real date (tests set a day)
        self._rows: list[tuple] = []
        self._loaded = False
        self.fallback_years: frozenset[int] = frozenset()
        self.dialog = None  # the dialog opened last (tests look at it)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        self.toolbar = QToolBar(self)
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        lay.addWidget(self.toolbar)
        self._make_actions()

        bar = QHBoxLayout()
        self.kind_combo = QComboBox()
        self.kind_combo.setObjectName("kind_filter")
        self.kind_combo.addItem(self.tr("全部称号"), None)
        from models.stages import TitleKind

        for k in TitleKind:
            self.kind_combo.addItem(k.label, k.value)
        self.state_combo = QComboBox()
        self.state_combo.setObjectName("state_filter")
        for text, value in STATE_FILTERS:
            self.state_combo.addItem(self.tr(text), value)
        self.year_combo = QComboBox()
        self.year_combo.setObjectName("year_filter")
        self.year_combo.addItem(self.tr("全部年度"), None)
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText(self.tr("查找：单位、文号、待办…"))
        self.search_edit.setClearButtonEnabled(True)
        for w in (self.kind_combo, self.state_combo, self.year_combo):
            bar.addWidget(w)
        bar.addWidget(self.search_edit, 1)
        self.count_label = QLabel()
        self.count_label.setObjectName("count")
        bar.addWidget(self.count_label)
        lay.addLayout(bar)

        self.fallback_label = warning_label()
        self.fallback_label.setObjectName("fallback")
        lay.addWidget(self.fallback_label)

        self.model = TitlesModel([Column(self.tr(c.header), c.index, c.display, c.align_right, c.searchable,
                                         c.sort_key, c.width) for c in COLUMNS], self)
        self.proxy = SearchProxy(self.model, self)
        self.table = make_table(self.model, self, proxy=self.proxy, multi=False)
        self.table.setObjectName("titles_table")
        self.table.sortByColumn(C_TODO, Qt.SortOrder.DescendingOrder)  # overdue first, then other to-dos
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.table.doubleClicked.connect(lambda _ix: self.open_subject())
        self.table.installEventFilter(self)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._on_selection())

        self.detail = QLabel()
        self.detail.setObjectName("detail")
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.RichText)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail.setMinimumHeight(60)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 1)
        lay.addWidget(split, 1)

        self.kind_combo.currentIndexChanged.connect(lambda _i: self._apply_filter())
        self.state_combo.currentIndexChanged.connect(lambda _i: self._apply_filter())
        self.year_combo.currentIndexChanged.connect(lambda _i: self._apply_filter())
        self.search_edit.textChanged.connect(self._on_search)
        self._update_actions()

    # ------------------------------------------------------------------ actions
    def _act(self, text: str, slot, shortcut: str | None = None, tip: str = "") -> QAction:
        act = QAction(self.tr(text), self)
        if shortcut:
            act.setShortcut(QKeySequence(shortcut))
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            tip = f"{tip}（{shortcut}）" if tip else shortcut
        if tip:
            act.setStatusTip(self.tr(tip))
            act.setToolTip(self.tr(tip))
        act.triggered.connect(lambda _=False: slot())
        self.addAction(act)
        return act

    def _make_actions(self) -> None:
        self.act_new = self._act("新增称号…", self.new_record, None, "手工录入一项称号（编辑→新增，Ctrl+N）")
        self.act_revoke = self._act("撤销称号…", self.revoke_selected, "Ctrl+Shift+X",
                                    "按第十七条七种情形之一撤销所选称号，三年内不得重新申报（第十八条）")
        self.act_change = self._act("更名/重组…", self.record_change, "Ctrl+Shift+M",
                                    "登记所选单位的更名或重组，计算30个工作日的上报截止日期（第十九条）")
        self.act_reported = self._act("登记已上报…", self.mark_reported, None, "登记更名/重组已上报市经济信息委的日期")
        self.act_review = self._act("复审…", self.review_selected, "Ctrl+Shift+F",
                                    "安排所选称号的复审，或录入已安排复审的结果（第十六条）")
        self.act_indicators = self._act("年度指标…", self.open_indicators, "Ctrl+Shift+I",
                                        "年度关键指标：截止日期、未报名单、导出预填表、导入已填表（第十六条）")
        self.act_holidays = self._act("节假日设置…", self.open_holidays, None,
                                      "录入程序日历尚未收录年度的法定节假日和调休上班日")
        self.act_open = self._act("打开单位", self.open_subject, None, "打开所选称号的企业或园区记录（双击）")
        for a in (self.act_new, self.act_revoke, self.act_change, self.act_reported, self.act_review, None,
                  self.act_indicators, self.act_holidays):
            if a is None:
                self.toolbar.addSeparator()
            else:
                self.toolbar.addAction(a)

    def menu_actions(self) -> list[QAction | None]:
        """For the 监管 menu (None: a separator)."""
        return [self.act_new, self.act_revoke, self.act_change, self.act_reported, self.act_review, None,
                self.act_indicators, self.act_holidays]

    def _context_menu(self, pos) -> None:
        menu = QMenu(self)
        for a in (self.act_open, None, self.act_revoke, self.act_change, self.act_reported, self.act_review, None,
                  self.act_new, self.act_indicators):
            if a is None:
                menu.addSeparator()
            else:
                menu.addAction(a)
        menu.exec(self.table.viewport().mapToGlobal(pos))

    def _update_actions(self) -> None:
        r = self.selected_row()
        revoked = r is not None and r.state.value == "revoked"
        self.act_revoke.setEnabled(r is not None and not revoked)
        self.act_change.setEnabled(r is not None)
        self.act_reported.setEnabled(r is not None and "上报" in r.todo and ("更名" in r.todo or "重组" in r.todo))
        self.act_review.setEnabled(r is not None and not revoked)
        self.act_open.setEnabled(r is not None)
        if r is not None and r.state.value == "under_review" and "复审" in r.todo and "待撤销" not in r.todo:
            self.act_review.setText(self.tr("录入复审结果…"))
        else:
            self.act_review.setText(self.tr("安排复审…") if r is not None else self.tr("复审…"))

    # ------------------------------------------------------------------ loading
    def day(self) -> dt.date:
        return self.today or dt.date.today()

    def refresh(self) -> None:
        # plain SQL (models.title_list): opening the tab imports neither SQLAlchemy nor the ORM;
        # read at start-up on the second core when it was (desktop.prefetch)
        from ..prefetch import titles_list

        keep = self.selected_id()
        rows, self.fallback_years = self.ctx.read(titles_list, self.day())
        self._rows = [as_tuple(r) for r in rows]
        self._loaded = True
        years = sorted({r[R_YEAR] for r in self._rows}, reverse=True)
        current = self.year_combo.currentData()
        self.year_combo.blockSignals(True)
        self.year_combo.clear()
        self.year_combo.addItem(self.tr("全部年度"), None)
        for y in years:
            self.year_combo.addItem(self.tr("{0}年").format(y), y)
        i = self.year_combo.findData(current)
        self.year_combo.setCurrentIndex(i if i >= 0 else 0)
        self.year_combo.blockSignals(False)
        from models.workdays import fallback_message

        self.fallback_label.setText(fallback_message(self.fallback_years))
        self.fallback_label.setVisible(bool(self.fallback_years))
        self._apply_filter(keep)

    def _apply_filter(self, keep: int | None = None) -> None:
        keep = keep if keep is not None else self.selected_id()
        kind, state, year = self.kind_combo.currentData(), self.state_combo.currentData(), self.year_combo.currentData()
        rows = self._rows
        if kind is not None:
            rows = [r for r in rows if r[R_ROW].title_kind.value == kind]
        if year is not None:
            rows = [r for r in rows if r[R_YEAR] == year]
        if state == "todo":
            rows = [r for r in rows if r[R_TODO][1]]
        elif state == "overdue":
            rows = [r for r in rows if r[R_ROW].overdue]
        elif state is not None:
            rows = [r for r in rows if r[R_STATE] == state]
        self.model.set_rows(rows)
        if keep is not None:
            self.select_id(keep)
        self._update_count()
        self._on_selection()

    def _on_search(self, text: str) -> None:
        self.proxy.set_search(text)
        self._update_count()

    def _update_count(self) -> None:
        n = {s: 0 for s in STATE_LABELS}
        for r in self._rows:
            n[r[R_STATE]] += 1
        overdue = sum(1 for r in self._rows if r[R_ROW].overdue)
        text = self.tr("显示 {0} / 共 {1} 项：有效 {2}，复审中 {3}，已撤销 {4}").format(
            self.proxy.rowCount(), len(self._rows), n["valid"], n["under_review"], n["revoked"])
        if overdue:
            text += self.tr("；逾期待办 {0} 项").format(overdue)
        self.count_label.setText(text)

    def focus_search(self) -> None:
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    # ------------------------------------------------------------------ selection
    def selected_id(self) -> int | None:
        if not hasattr(self, "table"):
            return None
        rows = self.table.selectionModel().selectedRows()
        return self.proxy.id_at(rows[0].row()) if rows else None

    def selected_row(self):
        """The selected title's models.supervision.TitleRow, or None."""
        tid = self.selected_id()
        if tid is None:
            return None
        return next((r[R_ROW] for r in self._rows if r[R_ID] == tid), None)

    def select_id(self, title_id: int) -> bool:
        r = self.proxy.proxy_row_of_id(title_id)
        if r is None:
            return False
        select_row(self.table, r)
        return True

    def show_record(self, table: str, record_id: int) -> None:
        if not self._loaded:
            self.refresh()
        if table == "title":
            for combo in (self.kind_combo, self.state_combo, self.year_combo):
                combo.setCurrentIndex(0)
            self.search_edit.clear()
            self.select_id(record_id)

    def _on_selection(self) -> None:
        self._update_actions()
        r = self.selected_row()
        self.detail.setText(self._detail_html(r) if r is not None else self.tr(
            "<span style='color:gray'>选中一项称号可查看撤销、复审、更名/重组记录。</span>"))

    def _detail_html(self, r) -> str:
        from models.entities import TitleChange
        from models.supervision import cause_label, reviews_of
        from sqlalchemy import select

        e = html.escape
        parts = [f"<b>{e(r.subject)}</b>　{r.year}年{e(r.title_kind.label)}"
                 + (f"　{e(r.doc_number)}" if r.doc_number else "")
                 + (f"　认定日期 {r.recognised_on.isoformat()}" if r.recognised_on else "")]
        if r.state.value == "revoked":
            line = f"已撤销：{r.revoked_on.isoformat() if r.revoked_on else '（日期未录入）'}"
            if r.cause:
                line += f"，依据{e(cause_label(r.cause))}"
            if r.revocation_doc:
                line += f"（{e(r.revocation_doc)}）"
            if r.ban_until:
                line += f"；<span style='color:{OVERDUE_COLOUR}'>{r.ban_until.isoformat()}前不得重新申报（第十八条）</span>"
            parts.append(line)
        with self.ctx.db.uow() as uow:
            s = uow.session
            for rv in reviews_of(s, r.id):
                parts.append(f"复审：安排 {rv.scheduled_on.isoformat()}，{rv.outcome.label}"
                             + (f"（{rv.held_on.isoformat()}）" if rv.held_on else "")
                             + (f"，{e(rv.doc)}" if rv.doc else "") + (f"，{e(rv.notes)}" if rv.notes else ""))
            col = TitleChange.enterprise_id if r.subject_kind.value == "enterprise" else TitleChange.park_id
            for ch in s.scalars(select(TitleChange).where(col == r.subject_id, TitleChange.deleted_at.is_(None))
                                .order_by(TitleChange.completed_on)):
                what = f"{ch.kind.label}：{ch.completed_on.isoformat()} 办结"
                if ch.new_name and ch.old_name != ch.new_name:
                    what += f"，「{e(ch.old_name)}」→「{e(ch.new_name)}」"
                what += f"，上报截止 {ch.due_on.isoformat()}"
                if ch.due_fallback:
                    what += "（按周一至周五计算）"
                what += f"，已于 {ch.reported_on.isoformat()} 上报" if ch.reported_on else "，<b>尚未上报</b>"
                parts.append(what)
        if r.worse:
            parts.append("年度指标比上年变差：" + e("、".join(r.worse)))
        if r.todo:
            colour = OVERDUE_COLOUR if r.overdue else "#a35f00"
            parts.append(f"<span style='color:{colour}'>待办：{e(r.todo)}</span>")
        return "<br>".join(parts)

    # ------------------------------------------------------------------ writing
    def _write(self, fn, title: str, *tables: str) -> Any:
        from models.supervision import SupervisionError

        with self.ctx.db.uow() as uow:
            try:
                result = fn(uow.session)
            except SupervisionError as exc:
                QMessageBox.warning(self, title, str(exc) + self.tr("\n\n未作改动。"))
                return None
            uow.commit()
        self.refresh()
        self.ctx.changed(*(tables or ("title",)))
        return result if result is not None else True

    def _need_selection(self):
        r = self.selected_row()
        if r is None:
            self.ctx.status.emit(self.tr("请先选中一项称号。"))
        return r

    def _heading(self, r) -> str:
        return self.tr("「{0}」{1}年{2}称号{3}").format(
            r.subject, r.year, r.title_kind.label, f"（{r.doc_number}）" if r.doc_number else "")

    def new_record(self) -> int | None:
        from models.entities import Enterprise, Park
        from models.stages import SubjectKind
        from models.supervision import add_title
        from sqlalchemy import select

        from ..dialogs.title_new import NewTitleDialog

        with self.ctx.db.uow() as uow:
            s = uow.session
            subjects = {
                SubjectKind.ENTERPRISE: [(i, f"{n}（{c}）") for i, n, c in s.execute(
                    select(Enterprise.id, Enterprise.name, Enterprise.credit_code)
                    .where(Enterprise.deleted_at.is_(None)).order_by(Enterprise.name))],
                SubjectKind.PARK: [(i, n) for i, n in s.execute(
                    select(Park.id, Park.name).where(Park.deleted_at.is_(None)).order_by(Park.name))],
            }
        r = self.selected_row()
        dlg = NewTitleDialog(self, subjects, preset=(r.subject_kind, r.subject_id) if r else None, year=self.day().year)
        self.dialog = dlg
        if not dlg.exec():
            return None
        values = dlg.values()
        t = self._write(lambda s: add_title(s, **values), self.tr("新增称号"))
        if t is None:
            return None
        tid = t.id
        self.select_id(tid)
        self.ctx.status.emit(self.tr("已录入称号。"))
        return tid

    def revoke_selected(self, *, cause: str | None = None) -> bool:
        from models.supervision import ban_end, cause_label, revoke_title

        from ..dialogs.title_revoke import RevokeDialog

        r = self._need_selection()
        if r is None:
            return False
        if r.state.value == "revoked":
            QMessageBox.information(self, self.tr("撤销称号"), self.tr("该称号已撤销。"))
            return False
        dlg = RevokeDialog(self, self.tr("撤销{0}").format(self._heading(r)), cause=cause, on=self.day())
        self.dialog = dlg
        if not dlg.exec():
            return False
        code, on, doc, notes = dlg.values()
        answer = QMessageBox.question(self, self.tr("确认撤销称号"), self.tr(
            "确定撤销{0}吗？\n\n撤销情形：{1}\n撤销日期：{2}\n\n撤销后{3}前该单位不得重新申报（第十八条），"
            "初审第十八条检查将判为不符合。此操作记入操作日志。").format(
            self._heading(r), cause_label(code), on.isoformat(), ban_end(on).isoformat()))
        if answer != QMessageBox.StandardButton.Yes:
            return False
        tid = r.id
        done = self._write(lambda s: revoke_title(s, tid, cause=code, revoked_on=on, doc=doc, notes=notes),
                           self.tr("撤销称号"))
        if done is None:
            return False
        self.select_id(tid)
        self.ctx.status.emit(self.tr("已撤销「{0}」的{1}称号。").format(r.subject, r.title_kind.label))
        return True

    def record_change(self) -> bool:
        from models.supervision import load_overrides, record_change

        from ..dialogs.title_change import ChangeDialog

        r = self._need_selection()
        if r is None:
            return False
        with self.ctx.db.uow() as uow:
            overrides = load_overrides(uow.session)
        dlg = ChangeDialog(self, r.subject, overrides, completed=self.day())
        self.dialog = dlg
        if not dlg.exec():
            return False
        v = dlg.values()
        ids = {"enterprise_id": r.subject_id} if r.subject_kind.value == "enterprise" else {"park_id": r.subject_id}
        tid = r.id
        ch = self._write(lambda s: record_change(s, title_id=tid, **ids, **v), self.tr("更名/重组"),
                         "title_change", "enterprise" if "enterprise_id" in ids else "park")
        if ch is None:
            return False
        self.select_id(tid)
        self.ctx.status.emit(self.tr("已登记{0}，上报截止 {1}。").format(v["kind"].label, ch.due_on.isoformat()))
        return True

    def mark_reported(self) -> bool:
        from models.entities import TitleChange
        from models.supervision import mark_change_reported
        from sqlalchemy import select

        from ..dialogs.title_change import ReportedDialog

        r = self._need_selection()
        if r is None:
            return False
        col = TitleChange.enterprise_id if r.subject_kind.value == "enterprise" else TitleChange.park_id
        with self.ctx.db.uow() as uow:
            changes = [(ch.id, f"{ch.kind.label}（{ch.completed_on.isoformat()} 办结，{ch.due_on.isoformat()}前上报）")
                       for ch in uow.session.scalars(select(TitleChange).where(
                           col == r.subject_id, TitleChange.reported_on.is_(None), TitleChange.deleted_at.is_(None))
                           .order_by(TitleChange.due_on))]
        if not changes:
            QMessageBox.information(self, self.tr("登记已上报"), self.tr("该单位没有尚未上报的更名/重组。"))
            return False
        dlg = ReportedDialog(self, r.subject, changes, self.day())
        self.dialog = dlg
        if not dlg.exec():
            return False
        cid, on, doc = dlg.values()
        tid = r.id
        if self._write(lambda s: mark_change_reported(s, cid, on, doc), self.tr("登记已上报"), "title_change") is None:
            return False
        self.select_id(tid)
        return True

    def review_selected(self) -> bool:
        from models.entities import ReReviewOutcome, TitleReview
        from models.supervision import FAILED_REVIEW_CAUSE, record_review_result, schedule_review
        from sqlalchemy import select

        from ..dialogs.title_review import ReviewResultDialog, ScheduleReviewDialog

        r = self._need_selection()
        if r is None:
            return False
        if r.state.value == "revoked":
            QMessageBox.information(self, self.tr("复审"), self.tr("该称号已撤销，不能安排复审。"))
            return False
        with self.ctx.db.uow() as uow:
            pending = uow.session.scalars(select(TitleReview).where(
                TitleReview.title_id == r.id, TitleReview.outcome == ReReviewOutcome.PENDING,
                TitleReview.deleted_at.is_(None))).first()
            pending = (pending.id, pending.scheduled_on) if pending else None
        tid = r.id
        if pending is None:
            dlg = ScheduleReviewDialog(self, self.tr("安排{0}的复审").format(self._heading(r)))
            self.dialog = dlg
            if not dlg.exec():
                return False
            on, doc, notes = dlg.values()
            if self._write(lambda s: schedule_review(s, tid, on, notes=notes, doc=doc), self.tr("安排复审"),
                           "title_review", "title") is None:
                return False
            self.select_id(tid)
            self.ctx.status.emit(self.tr("已安排复审：{0}。").format(on.isoformat()))
            return True
        dlg = ReviewResultDialog(self, self.tr("{0}的复审结果").format(self._heading(r)), pending[1])
        self.dialog = dlg
        if not dlg.exec():
            return False
        outcome, held, doc, notes = dlg.values()
        if self._write(lambda s: record_review_result(s, pending[0], outcome=outcome, held_on=held, doc=doc,
                                                      notes=notes), self.tr("录入复审结果"),
                       "title_review", "title") is None:
            return False
        self.select_id(tid)
        if outcome is ReReviewOutcome.FAILED:
            answer = QMessageBox.question(self, self.tr("复审不通过"), self.tr(
                "复审结果不合格。依第十七条（二），应撤销该称号。\n\n现在登记撤销吗？（也可以稍后在“撤销称号…”中登记）"))
            if answer == QMessageBox.StandardButton.Yes:
                return self.revoke_selected(cause=FAILED_REVIEW_CAUSE.code)
        return True

    def open_indicators(self):
        from ..dialogs.title_indicators import IndicatorsDialog

        dlg = IndicatorsDialog(self.ctx, self, today=self.day())
        self.dialog = dlg
        dlg.exec()
        return dlg

    def open_holidays(self):
        from ..dialogs.title_holidays import HolidaysDialog

        dlg = HolidaysDialog(self.ctx, self)
        self.dialog = dlg
        if dlg.exec():
            self.refresh()
        return dlg

    def open_subject(self) -> None:
        r = self.selected_row()
        if r is not None:
            self.ctx.open_record.emit(r.subject_kind.value, r.subject_id)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt API)
        if obj is self.table and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.open_subject()
                return True
        return super().eventFilter(obj, event)
