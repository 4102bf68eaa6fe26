"""Supervision of titles in the window (issue 6): what the 称号监管 tab and its dialogs share, the
监管 menu, and the read-only ban line (第十八条) shown on an enterprise or park.

The work itself is in ``models.supervision`` (Qt-free); this module only formats and asks.
"""
from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QCoreApplication, QDate
from PySide6.QtWidgets import QDateEdit, QLabel, QLineEdit, QPlainTextEdit, QWidget

#: the fallback warning's colours (Monday–Friday assumed for a year the calendar does not know)
WARN_STYLE = "color: #8a5a00; background: #fff4d6; padding: 4px 6px; border-radius: 3px"
OVERDUE_COLOUR = "#c0271d"
ARTICLE_17 = ("《重庆市绿色园区和绿色工厂认定管理办法》第十七条：园区或企业有下列情形之一的，"
              "撤销其市级绿色园区、绿色工厂称号。")
ARTICLE_18 = "第十八条：被撤销称号的单位，发文公告，三年内不得重新申报。"
ARTICLE_19 = ("第十九条：发生更名、重组等重大调整的，应在办理相关手续后 30 个工作日内"
              "通过区县经信部门审核上报市经济信息委申请调整。")


def _tr(text: str) -> str:
    return QCoreApplication.translate("supervision", text)


def date_edit(value: dt.date | None = None, parent: QWidget | None = None) -> QDateEdit:
    """A date field with a calendar, shown as 2026-11-21."""
    w = QDateEdit(parent)
    w.setCalendarPopup(True)
    w.setDisplayFormat("yyyy-MM-dd")
    w.setMinimumDate(QDate(2000, 1, 1))
    w.setMaximumDate(QDate(2100, 12, 31))
    set_date(w, value or dt.date.today())
    return w


def set_date(w: QDateEdit, value: dt.date) -> None:
    w.setDate(QDate(value.year, value.month, value.day))


def date_of(w: QDateEdit) -> dt.date:
    d = w.date()
    return dt.date(d.year(), d.month(), d.day())


def fmt(d: dt.date | None) -> str:
    return d.isoformat() if d else ""


def warning_label(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet(WARN_STYLE)
    label.setVisible(bool(text))
    return label



def heading_label(text: str) -> QLabel:
    """The bold line at the top of a title dialog: which unit and title it acts on."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet("font-weight: bold")
    return label


def doc_edit(placeholder: str = "") -> QLineEdit:
    """A document number (文号), e.g. 渝经信节能〔2026〕8号."""
    w = QLineEdit()
    w.setMaxLength(60)
    w.setPlaceholderText(placeholder)
    return w


def notes_edit(placeholder: str = "") -> QPlainTextEdit:
    """A few lines of 说明/备注."""
    w = QPlainTextEdit()
    w.setMaximumHeight(70)
    w.setPlaceholderText(placeholder)
    return w

def ban_line(session, kind: str, record_id: int, today: dt.date | None = None) -> str:
    """第十八条: 「禁止申报：2027-03-12前不得申报（…）」 for an enterprise or park under a ban, else ""."""
    from models.supervision import ban_text, subject_ban

    today = today or dt.date.today()
    got = subject_ban(session, today, **({"enterprise_id": record_id} if kind == "enterprise" else {"park_id": record_id}))
    return _tr("禁止申报：") + ban_text(*got) if got else ""


def ban_label(ctx, kind: str, record_id: int | None, today: dt.date | None = None) -> QLabel | None:
    """A red read-only line for the record editor when the subject may not apply (第十八条)."""
    if record_id is None or kind not in ("enterprise", "park"):
        return None
    with ctx.db.uow() as uow:
        text = ban_line(uow.session, kind, record_id, today)
    if not text:
        return None
    label = QLabel(text)
    label.setObjectName("ban_label")
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {OVERDUE_COLOUR}; font-weight: bold")
    return label


# --------------------------------------------------------------------------- the menu


def titles_view(window):
    from .views.titles import TitlesView

    find = getattr(window, "view_of", None)  # the main window builds a tab's view when asked
    if find is not None:
        return find(TitlesView)
    for view in getattr(window, "views", ()):
        if isinstance(view, TitlesView):
            return view
    return None


def install_menus(window) -> None:
    """监管(&J): the 称号监管 tab's actions, so they are found from the menu bar too."""
    view = titles_view(window)
    if view is None:
        return
    menu = window.menus.get("supervise")
    if menu is None:
        menu = window.menus["supervise"] = window.menuBar().addMenu(_tr("监管(&J)"))
    elif not menu.isEmpty():
        menu.addSeparator()

    def show_tab() -> None:
        window.tabs.setCurrentWidget(view)

    act = menu.addAction(_tr("称号监管"))
    act.triggered.connect(lambda _=False: show_tab())
    menu.addSeparator()
    for a in view.menu_actions():
        if a is None:
            menu.addSeparator()
            continue
        # from the menu bar the tab comes to the front first, then the view's action runs
        item = menu.addAction(a.icon(), a.text())
        item.setStatusTip(a.statusTip())
        if not a.shortcut().isEmpty():
            item.setText(f"{a.text()}\t{a.shortcut().toString()}")
        item.triggered.connect(lambda _=False, a=a: (show_tab(), a.trigger()))
