"""The pipeline board (培育申报看板): one column per stage, one card per application.

Each column is a ``QListView`` over a ``CardListModel`` of plain ``CardRow`` data (one SQL query
per subject kind, filtered by year in SQL). A card moves by drag and drop between columns or by
the buttons; going back, skipping a stage or changing a result asks for a reason (MoveDialog).
Every move is stored by ``models.pipeline.move_application`` and shown in the history panel.
"""
from __future__ import annotations

import datetime as dt
import json
from functools import lru_cache
from typing import Any, Callable, Iterable, Sequence

from PySide6.QtCore import (
    QAbstractListModel,
    QCoreApplication,
    QEvent,
    QItemSelectionModel,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QColor, QFont, QFontMetrics, QKeyEvent, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from forms.codes import district_name
from models import pipeline as pl
from models.stages import STAGES, Stage, TitleKind, move_needs_reason, next_stages

from ..dialogs.move_dialog import MoveDialog
from ..prefetch import BOARD_TITLE_KEY, BOARD_YEAR_KEY, CARD_PAGE, board_choice, board_first_page
from ..table_model import Column, RowsModel, normalise_search

MIME_TYPE = "application/x-greendesk-application-ids"
IndexLike = QModelIndex | QPersistentModelIndex


def _tr(text: str) -> str:
    return QCoreApplication.translate("PipelineView", text)


@lru_cache(maxsize=256)
def _district(code: str) -> str:
    return district_name(code)


def _fmt_time(value: dt.datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def card_meta(card: pl.CardRow) -> str:
    """The card's second line: district and title (the district first: it is short and is
    what a narrow column elides last)."""
    district = _district(card.district_code)
    return f"{district} · {card.title_kind.label}" if district else card.title_kind.label


# ---------------------------------------------------------------------------------------- model


class CardListModel(QAbstractListModel):
    """The cards of one stage column, with search done in one Python pass.

    A column may hold only its first cards (``set_first_page``): the rest come page by page as
    the column is scrolled (canFetchMore / fetchMore), all at once when a search needs them
    (``load_all``)."""

    ID_ROLE = Qt.ItemDataRole.UserRole + 1
    CARD_ROLE = Qt.ItemDataRole.UserRole + 2
    META_ROLE = Qt.ItemDataRole.UserRole + 3

    #: a drop asks for a move: (application ids, target stage)
    move_requested = Signal(list, object)

    def __init__(self, stage: Stage, parent=None) -> None:
        super().__init__(parent)
        self.stage = stage
        self._cards: list[pl.CardRow] = []
        self._keys: list[str] | None = None
        self._visible: list[int] = []
        self._search = ""
        self._total = 0
        #: loads (offset, limit or None for all) more cards of the column; None when all are in
        self._loader: Callable[[int, int | None], list[pl.CardRow]] | None = None

    # ------------------------------------------------------------------ content
    def set_cards(self, cards: Sequence[pl.CardRow]) -> None:
        self.beginResetModel()
        self._cards = list(cards)
        self._total = len(self._cards)
        self._loader = None
        self._keys = None
        self._visible = self._compute_visible()
        self.endResetModel()

    def set_first_page(self, cards: Sequence[pl.CardRow], total: int,
                       loader: Callable[[int, int | None], list[pl.CardRow]]) -> None:
        """The first cards of the column, how many it has in all, and how to load the rest."""
        self.beginResetModel()
        self._cards = list(cards)
        self._total = max(total, len(self._cards))
        self._loader = loader if len(self._cards) < self._total else None
        self._keys = None
        if self._search:
            self._load_rest()
        self._visible = self._compute_visible()
        self.endResetModel()

    def is_partial(self) -> bool:
        return self._loader is not None

    def _more(self, limit: int | None) -> list[pl.CardRow]:
        """Load the next cards (all when ``limit`` is None) without telling the views."""
        if self._loader is None:
            return []
        more = self._loader(len(self._cards), limit)
        have = {c.id for c in self._cards}
        more = [c for c in more if c.id not in have]
        if limit is None or not more or len(self._cards) + len(more) >= self._total:
            self._loader = None
        self._cards.extend(more)
        self._total = max(self._total, len(self._cards))
        self._keys = None
        return more

    def _load_rest(self) -> None:
        self._more(None)
        if not self._loader:
            self._total = len(self._cards)

    def load_all(self) -> None:
        """Load the cards not loaded yet (a search or a look-up by id needs them)."""
        if self._loader is None:
            return
        if self._search:  # cannot happen (a search loads all), but keep the rows consistent
            self.beginResetModel()
            self._load_rest()
            self._visible = self._compute_visible()
            self.endResetModel()
            return
        self._fetch(None)

    def _fetch(self, limit: int | None) -> None:
        first = len(self._cards)
        more = self._more(limit)
        if limit is None:
            self._total = len(self._cards)
        if not more:
            return
        self.beginInsertRows(QModelIndex(), len(self._visible), len(self._visible) + len(more) - 1)
        self._visible.extend(range(first, first + len(more)))
        self.endInsertRows()

    def canFetchMore(self, parent: IndexLike = QModelIndex()) -> bool:  # noqa: N802 (Qt API)
        return not parent.isValid() and self._loader is not None and not self._search

    def fetchMore(self, parent: IndexLike = QModelIndex()) -> None:  # noqa: N802 (Qt API)
        if self.canFetchMore(parent):
            self._fetch(CARD_PAGE)

    def set_search(self, text: str) -> None:
        q = normalise_search(text)
        if q == self._search:
            return
        self.beginResetModel()
        self._search = q
        if q:
            self._load_rest()
        self._visible = self._compute_visible()
        self.endResetModel()

    def shown(self) -> int:
        """How many cards the column shows (after search; counting those not loaded yet)."""
        return self._total if self._loader is not None else len(self._visible)

    def _compute_visible(self) -> list[int]:
        if not self._search:
            return list(range(len(self._cards)))
        if self._keys is None:
            self._keys = [normalise_search(f"{c.name} {c.credit_code}") for c in self._cards]
        terms = self._search.split()
        return [i for i, k in enumerate(self._keys) if all(t in k for t in terms)]

    def total(self) -> int:
        return self._total

    def card_at(self, row: int) -> pl.CardRow:
        return self._cards[self._visible[row]]

    def cards(self) -> list[pl.CardRow]:
        """The cards shown (after search)."""
        return [self._cards[i] for i in self._visible]

    def all_cards(self) -> list[pl.CardRow]:
        """The cards loaded so far (every card unless ``is_partial()``)."""
        return list(self._cards)

    def row_of_id(self, app_id: int) -> int | None:
        for r, i in enumerate(self._visible):
            if self._cards[i].id == app_id:
                return r
        return None

    # ------------------------------------------------------------------ Qt model API
    def rowCount(self, parent: IndexLike = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._visible)

    def data(self, index: IndexLike, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._visible)):
            return None
        card = self._cards[self._visible[index.row()]]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{card.name}\n{card_meta(card)}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(card)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{card.name}，{card_meta(card)}，{card.stage.label}"
        if role == self.ID_ROLE:
            return card.id
        if role == self.CARD_ROLE:
            return card
        if role == self.META_ROLE:
            return card_meta(card)
        return None

    @staticmethod
    def _tooltip(card: pl.CardRow) -> str:
        lines = [
            card.name,
            _tr("统一社会信用代码：") + (card.credit_code or _tr("（未填）")),
            _tr("所在区县：") + (_district(card.district_code) or _tr("（未填）")),
            _tr("申报称号：") + f"{card.year}{_tr('年度')}{card.title_kind.label}",
            _tr("当前环节：") + card.stage.label,
            _tr("进入本环节：") + _fmt_time(card.stage_changed_at),
        ]
        if card.review_outcome:
            lines.append(_tr("初审结论：") + card.review_outcome)
        return "\n".join(lines)

    def flags(self, index: IndexLike) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.ItemIsDropEnabled
        return (Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                | Qt.ItemFlag.ItemIsDragEnabled | Qt.ItemFlag.ItemIsDropEnabled)

    # ------------------------------------------------------------------ drag and drop
    def mimeTypes(self) -> list[str]:
        return [MIME_TYPE]

    def mimeData(self, indexes: Iterable[QModelIndex]) -> QMimeData:
        ids: list[int] = []
        for ix in indexes:
            if ix.isValid() and ix.model() is self:
                app_id = self.card_at(ix.row()).id
                if app_id not in ids:
                    ids.append(app_id)
        mime = QMimeData()
        payload = {"ids": ids, "stage": self.stage.value}
        mime.setData(MIME_TYPE, json.dumps(payload).encode("utf-8"))
        mime.setText("\n".join(str(i) for i in ids))
        return mime

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    @staticmethod
    def decode(mime: QMimeData) -> tuple[list[int], Stage | None]:
        if mime is None or not mime.hasFormat(MIME_TYPE):
            return [], None
        try:
            payload = json.loads(bytes(mime.data(MIME_TYPE).data()).decode("utf-8"))
            ids = [int(i) for i in payload.get("ids", [])]
            stage = Stage(payload.get("stage"))
        except (ValueError, TypeError, AttributeError):
            return [], None
        return ids, stage

    def canDropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int,
                        parent: IndexLike) -> bool:
        ids, src = self.decode(data)
        return bool(ids) and src is not self.stage

    def dropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int,
                     parent: IndexLike) -> bool:
        if action == Qt.DropAction.IgnoreAction:
            return True
        if not self.canDropMimeData(data, action, row, column, parent):
            return False
        ids, _src = self.decode(data)
        # The view owning the board does the move (after the drag has finished, see PipelineView);
        # the rows come back through refresh(), never by removeRows on the source.
        self.move_requested.emit(ids, self.stage)
        return True


# ---------------------------------------------------------------------------------------- delegate
class CardDelegate(QStyledItemDelegate):
    """A compact card: the name on up to two lines (elided), then title · district in grey."""

    PAD = 6
    MARGIN = 3

    def _fonts(self, option: QStyleOptionViewItem) -> tuple[QFont, QFont]:
        name_font = QFont(option.font)
        meta_font = QFont(option.font)
        size = option.font.pointSizeF()
        if size > 0:
            meta_font.setPointSizeF(max(size - 1.0, 7.0))
        return name_font, meta_font

    def sizeHint(self, option: QStyleOptionViewItem, index: IndexLike) -> QSize:
        name_font, meta_font = self._fonts(option)
        h = 2 * QFontMetrics(name_font).lineSpacing() + QFontMetrics(meta_font).lineSpacing()
        return QSize(120, h + 2 * self.PAD + 2 * self.MARGIN + 2)

    @staticmethod
    def _wrap_two(text: str, fm: QFontMetrics, width: int) -> list[str]:
        if fm.horizontalAdvance(text) <= width:
            return [text]
        # the longest prefix that fits on line one (CJK names wrap anywhere)
        lo, hi = 1, len(text)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if fm.horizontalAdvance(text[:mid]) <= width:
                lo = mid
            else:
                hi = mid - 1
        first, rest = text[:lo], text[lo:]
        return [first, fm.elidedText(rest, Qt.TextElideMode.ElideRight, width)]

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: IndexLike) -> None:
        card = index.data(CardListModel.CARD_ROLE)
        if card is None:
            return super().paint(painter, option, index)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        pal = option.palette
        rect = option.rect.adjusted(self.MARGIN, self.MARGIN, -self.MARGIN, -self.MARGIN)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        has_focus = bool(option.state & QStyle.StateFlag.State_HasFocus)
        hover = bool(option.state & QStyle.StateFlag.State_MouseOver)
        if selected:
            bg = pal.color(QPalette.ColorRole.Highlight)
            fg = pal.color(QPalette.ColorRole.HighlightedText)
            meta_fg = fg
        else:
            bg = pal.color(QPalette.ColorRole.Base)
            fg = pal.color(QPalette.ColorRole.Text)
            meta_fg = pal.color(QPalette.ColorRole.PlaceholderText)
        border = pal.color(QPalette.ColorRole.Highlight) if (has_focus or hover) else pal.color(QPalette.ColorRole.Mid)
        painter.setPen(QPen(border, 2 if has_focus else 1))
        painter.setBrush(bg)
        painter.drawRoundedRect(rect, 4, 4)
        # a thin stripe on the left: parks teal, enterprises green
        stripe = QColor("#2a9d8f") if card.subject_kind.value == "park" else QColor("#4c9a2a")
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(stripe)
        painter.drawRoundedRect(QRect(rect.left() + 1, rect.top() + 1, 4, rect.height() - 1), 2, 2)

        name_font, meta_font = self._fonts(option)
        name_font.setBold(True)
        text_rect = rect.adjusted(self.PAD + 3, self.PAD - 2, -self.PAD, -self.PAD + 2)
        fm = QFontMetrics(name_font)
        painter.setFont(name_font)
        painter.setPen(fg)
        y = text_rect.top()
        for line in self._wrap_two(card.name, fm, text_rect.width()):
            painter.drawText(QRect(text_rect.left(), y, text_rect.width(), fm.lineSpacing()),
                             int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), line)
            y += fm.lineSpacing()
        mfm = QFontMetrics(meta_font)
        painter.setFont(meta_font)
        painter.setPen(meta_fg)
        meta = mfm.elidedText(card_meta(card), Qt.TextElideMode.ElideRight, text_rect.width())
        painter.drawText(QRect(text_rect.left(), text_rect.bottom() - mfm.lineSpacing() + 1,
                               text_rect.width(), mfm.lineSpacing()),
                         int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), meta)
        painter.restore()


# ---------------------------------------------------------------------------------------- column
class StageColumn(QFrame):
    HEADER_COLORS = {Stage.RECOGNISED: "#dff0d8", Stage.REJECTED: "#f6dede"}

    def __init__(self, stage: Stage, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stage = stage
        self.setObjectName(f"column_{stage.value}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.setSpacing(2)
        self.header = QLabel()
        self.header.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.header.setWordWrap(True)
        f = self.header.font()
        f.setBold(True)
        self.header.setFont(f)
        self.header.setContentsMargins(2, 4, 2, 4)
        bg = self.HEADER_COLORS.get(stage, "palette(button)")
        self.header.setStyleSheet(f"QLabel {{ background: {bg}; border-radius: 3px; }}")
        self.header.setFixedHeight(2 * QFontMetrics(f).lineSpacing() + 10)
        lay.addWidget(self.header)

        self.model = CardListModel(stage, self)
        self.view = QListView(self)
        self.view.setObjectName(f"list_{stage.value}")
        self.view.setAccessibleName(stage.label)
        self.view.setModel(self.model)
        self.view.setItemDelegate(CardDelegate(self.view))
        self.view.setUniformItemSizes(True)
        self.view.setMouseTracking(True)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.view.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.view.setDragEnabled(True)
        self.view.setAcceptDrops(True)
        self.view.setDropIndicatorShown(False)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        lay.addWidget(self.view, 1)
        self.setMinimumWidth(128)
        self.update_header()

    def update_header(self) -> None:
        total, shown = self.model.total(), self.model.shown()
        count = f"{shown}/{total}" if shown != total else f"{total}"
        self.header.setText(f"{self.stage.label}（{count}）")
        self.header.setToolTip(_tr("「{0}」环节：{1} 项申报").format(self.stage.label, total))

    def selected_rows(self) -> list[int]:
        return sorted(ix.row() for ix in self.view.selectionModel().selectedIndexes())

    def selected_cards(self) -> list[pl.CardRow]:
        return [self.model.card_at(r) for r in self.selected_rows()]

    def select_ids(self, ids: Iterable[int], *, current: int | None = None) -> bool:
        sm = self.view.selectionModel()
        found = False
        for app_id in ids:
            r = self.model.row_of_id(app_id)
            if r is None:
                continue
            ix = self.model.index(r, 0)
            flag = QItemSelectionModel.SelectionFlag.Select
            if not found:
                sm.setCurrentIndex(ix, QItemSelectionModel.SelectionFlag.ClearAndSelect)
                self.view.scrollTo(ix)
                found = True
            else:
                sm.select(ix, flag)
        return found


# ---------------------------------------------------------------------------------------- view
HISTORY_COLUMNS = [
    Column("时间", 1, display=_fmt_time, width=130),
    Column("从", 2, width=110),
    Column("到", 3, width=110),
    Column("操作人", 4, width=80),
    Column("原因", 5),
]


class PipelineView(QWidget):
    title = "培育申报看板"
    tables = ("application",)

    SETTINGS_YEAR = BOARD_YEAR_KEY
    SETTINGS_TITLE = BOARD_TITLE_KEY
    ALL_TITLES = ""

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._stale = True
        self._syncing = False
        self._active: StageColumn | None = None
        self._history_id: int | None = None

        root = QVBoxLayout(self)
        root.setContentsMargins(6, 6, 6, 6)
        root.addLayout(self._build_top_bar())

        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.addWidget(self._build_board())
        self.splitter.addWidget(self._build_history())
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 0)
        self.splitter.setSizes([560, 170])
        self.splitter.setCollapsible(0, False)
        root.addWidget(self.splitter, 1)

        self.ctx.data_changed.connect(self._on_data_changed)
        self._update_buttons()

    # ------------------------------------------------------------------ building
    def _build_top_bar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        bar.addWidget(QLabel(self.tr("年度：")))
        self.year_combo = QComboBox()
        self.year_combo.setMinimumContentsLength(6)
        self.year_combo.setToolTip(self.tr("只显示这一年度的申报"))
        bar.addWidget(self.year_combo)
        bar.addWidget(QLabel(self.tr("称号：")))
        self.title_combo = QComboBox()
        self.title_combo.addItem(self.tr("全部称号"), self.ALL_TITLES)
        for kind in TitleKind:
            self.title_combo.addItem(kind.label, kind.value)
        # the saved year and title: the same choice the start-up read ahead for (prefetch.board_choice)
        self._opening_year, kinds = board_choice(self.ctx.settings)
        self.title_combo.setCurrentIndex(max(self.title_combo.findData(kinds[0] if kinds else self.ALL_TITLES), 0))
        bar.addWidget(self.title_combo)
        bar.addWidget(QLabel(self.tr("初审：")))
        self.outcome_combo = QComboBox()
        from ..review_ui import outcome_filter_choices

        for label, outcomes in outcome_filter_choices():
            self.outcome_combo.addItem(label, outcomes)
        self.outcome_combo.setToolTip(self.tr("按初审检查的最严重结果（含人工改判）筛选卡片"))
        bar.addWidget(self.outcome_combo)
        for cb in (self.year_combo, self.outcome_combo):  # never squeezed below their text
            cb.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText(self.tr("查找：名称或统一社会信用代码"))
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setMinimumWidth(200)
        bar.addWidget(self.search_edit, 1)
        self.count_label = QLabel()
        bar.addWidget(self.count_label)
        bar.addSpacing(12)

        self.new_button = QPushButton(self.tr("新增申报…"))
        self.new_button.setToolTip(self.tr("把一家企业或一个园区纳入某一年度某一称号的培育库（Ctrl+N）"))
        self.advance_button = QPushButton(self.tr("推进到下一环节 →"))
        self.advance_button.setToolTip(self.tr("把所选申报推进一个环节（Ctrl+→）"))
        self.move_button = QToolButton()
        self.move_button.setText(self.tr("移动到…"))
        self.move_button.setToolTip(self.tr("把所选申报移到任一环节；退回或跳过环节需填写原因"))
        self.move_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.move_menu = QMenu(self.move_button)
        self.move_actions: dict[Stage, QAction] = {}
        for st in STAGES:
            act = self.move_menu.addAction(st.label)
            act.triggered.connect(lambda _=False, st=st: self.move_selected_to(st))
            self.move_actions[st] = act
        self.move_menu.aboutToShow.connect(self._update_move_menu)
        self.move_button.setMenu(self.move_menu)
        self.history_button = QPushButton(self.tr("查看历史"))
        self.history_button.setToolTip(self.tr("显示所选申报的环节变更记录（Enter 打开申报详情）"))
        for b in (self.new_button, self.advance_button, self.move_button, self.history_button):
            bar.addWidget(b)

        self.year_combo.currentIndexChanged.connect(self._on_year_changed)
        self.title_combo.currentIndexChanged.connect(self._on_title_changed)
        self.outcome_combo.currentIndexChanged.connect(lambda _i: self._load_cards())
        self.search_edit.textChanged.connect(self._on_search)
        self.new_button.clicked.connect(self.new_record)
        self.advance_button.clicked.connect(self.advance_selected)
        self.history_button.clicked.connect(self.show_history)
        return bar

    def _build_board(self) -> QWidget:
        self.board_scroll = QScrollArea()
        self.board_scroll.setWidgetResizable(True)
        self.board_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.board_scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        board = QWidget()
        lay = QHBoxLayout(board)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        self.columns: list[StageColumn] = []
        for st in STAGES:
            col = StageColumn(st, board)
            self.columns.append(col)
            lay.addWidget(col, 1)
            col.model.move_requested.connect(self._on_drop, Qt.ConnectionType.QueuedConnection)
            col.view.selectionModel().selectionChanged.connect(
                lambda *_a, col=col: self._on_selection(col))
            col.view.doubleClicked.connect(lambda ix, col=col: self.open_application(col.model.card_at(ix.row())))
            col.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            col.view.customContextMenuRequested.connect(lambda pos, col=col: self._card_menu(col, pos))
            col.view.installEventFilter(self)
        self.board_scroll.setWidget(board)
        return self.board_scroll

    def _build_history(self) -> QWidget:
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 4, 0, 0)
        lay.setSpacing(2)
        self.history_label = QLabel()
        lay.addWidget(self.history_label)
        self.history_model = RowsModel(
            [Column(self.tr(c.header), c.index, c.display, width=c.width) for c in HISTORY_COLUMNS], self)
        self.history_table = QTableView()
        self.history_table.setObjectName("history_table")
        self.history_table.setModel(self.history_model)
        self.history_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.history_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.history_table.verticalHeader().hide()
        self.history_table.verticalHeader().setDefaultSectionSize(self.fontMetrics().lineSpacing() + 8)
        self.history_table.setWordWrap(False)
        hh = self.history_table.horizontalHeader()
        for i, c in enumerate(HISTORY_COLUMNS):
            if c.width:
                self.history_table.setColumnWidth(i, c.width)
        hh.setStretchLastSection(True)
        hh.setSectionResizeMode(len(HISTORY_COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.history_table.installEventFilter(self)
        lay.addWidget(self.history_table, 1)
        self._set_history(None)
        return box

    # ------------------------------------------------------------------ filters
    def current_year(self) -> int:
        y = self.year_combo.currentData()
        return int(y) if y is not None else dt.date.today().year

    def current_title_kinds(self) -> list[TitleKind] | None:
        code = self.title_combo.currentData()
        return [TitleKind(code)] if code else None

    def set_year(self, year: int) -> None:
        i = self.year_combo.findData(year)
        if i < 0:
            self._fill_years(extra=year)
            i = self.year_combo.findData(year)
        self.year_combo.setCurrentIndex(i)

    def set_title_kind(self, kind: TitleKind | None) -> None:
        self.title_combo.setCurrentIndex(max(self.title_combo.findData(kind.value if kind else self.ALL_TITLES), 0))

    def _fill_years(self, years: Iterable[int] | None = None, *, extra: int | None = None) -> None:
        if years is None:
            with self.ctx.db.read() as con:
                years = pl.years(con)
        wanted = self.year_combo.currentData()
        if wanted is None:
            wanted = self._opening_year
        all_years = set(years) | {dt.date.today().year, wanted}
        if extra is not None:
            all_years.add(extra)
        self.year_combo.blockSignals(True)
        self.year_combo.clear()
        for y in sorted(all_years, reverse=True):
            self.year_combo.addItem(self.tr("{0}年度").format(y), y)
        self.year_combo.setCurrentIndex(max(self.year_combo.findData(wanted), 0))
        self.year_combo.blockSignals(False)

    def _on_year_changed(self, _i: int) -> None:
        self.ctx.settings.setValue(self.SETTINGS_YEAR, self.current_year())
        self._load_cards()

    def _on_title_changed(self, _i: int) -> None:
        self.ctx.settings.setValue(self.SETTINGS_TITLE, self.title_combo.currentData() or self.ALL_TITLES)
        self._load_cards()

    def _on_search(self, text: str) -> None:
        keep = self.selected_ids()
        for col in self.columns:
            col.model.set_search(text)
        self._after_load(keep)

    def focus_search(self) -> None:
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    # ------------------------------------------------------------------ loading
    def refresh(self) -> None:
        self._fill_years()
        self._load_cards()

    def _on_data_changed(self, tables) -> None:
        if {"application", "enterprise", "park", "stage_move", "*"} & set(tables):
            self._stale = True

    def _load_cards(self) -> None:
        """Every column's count and first page of cards (all cards when filtered by outcome)."""
        keep = self.selected_ids()
        year, kinds = self.current_year(), self.current_title_kinds()
        filtered = bool(self.outcome_combo.currentData())
        counts: dict[Stage, int] | None = None
        if filtered:
            with self.ctx.db.read() as con:
                cards = pl.card_rows(con, year=year, title_kinds=kinds)
        else:  # read at start-up on the second core when this is what was guessed (desktop.prefetch)
            cards, counts = self.ctx.read(board_first_page, year, tuple(k.value for k in kinds) if kinds else None,
                                          CARD_PAGE)
        if filtered:
            cards = self._filter_by_outcome(cards)
        by_stage: dict[Stage, list[pl.CardRow]] = {st: [] for st in STAGES}
        for c in cards:
            by_stage[c.stage].append(c)
        self._syncing = True
        try:
            for col in self.columns:
                if counts is None:
                    col.model.set_cards(by_stage[col.stage])
                else:
                    col.model.set_first_page(by_stage[col.stage], counts[col.stage],
                                             self._page_loader(year, kinds, col.stage))
        finally:
            self._syncing = False
        self._stale = False
        self._after_load(keep)

    def _page_loader(self, year: int, kinds: list[TitleKind] | None, stage: Stage):
        def load(offset: int, limit: int | None) -> list[pl.CardRow]:
            with self.ctx.db.read() as con:
                return pl.card_rows(con, year=year, title_kinds=kinds, stages=[stage],
                                    offset=offset, limit=limit)
        return load

    def _after_load(self, keep: list[int]) -> None:
        total = shown = 0
        for col in self.columns:
            col.update_header()
            total += col.model.total()
            shown += col.model.shown()
        text = self.tr("{0}年度 共 {1} 项").format(self.current_year(), total)
        if self.search_edit.text().strip():
            text = self.tr("找到 {0} 项 / 共 {1} 项").format(shown, total)
        self.count_label.setText(text)
        self._active = None
        if not (keep and self.select_ids(keep)):
            self._update_buttons()
            self._set_history(None)

    # ------------------------------------------------------------------ selection
    def column_of(self, stage: Stage) -> StageColumn:
        return self.columns[STAGES.index(stage)]

    def card(self, app_id: int) -> pl.CardRow | None:
        """The card of this application on the board (loading its column's other cards when it
        is not loaded yet); None when the board does not show it."""
        for col in self.columns:
            for c in col.model.all_cards():
                if c.id == app_id:
                    return c
        if not any(col.model.is_partial() for col in self.columns):
            return None
        with self.ctx.db.read() as con:
            found = pl.card_rows(con, year=self.current_year(), title_kinds=self.current_title_kinds(),
                                 ids=[app_id])
        if not found:
            return None
        col = self.column_of(found[0].stage)
        if not col.model.is_partial():
            return None
        col.model.load_all()
        col.update_header()
        return next((c for c in col.model.all_cards() if c.id == app_id), None)

    def selected_cards(self) -> list[pl.CardRow]:
        return self._active.selected_cards() if self._active is not None else []

    def selected_ids(self) -> list[int]:
        return [c.id for c in self.selected_cards()]

    def current_card(self) -> pl.CardRow | None:
        if self._active is None:
            return None
        ix = self._active.view.currentIndex()
        if ix.isValid() and self._active.view.selectionModel().isSelected(ix):
            return self._active.model.card_at(ix.row())
        cards = self._active.selected_cards()
        return cards[0] if cards else None

    def select_ids(self, ids: Sequence[int]) -> bool:
        """Select these applications (all in one column: the first one's); True if any is shown."""
        first = next((c for c in (self.card(i) for i in ids) if c is not None), None)
        if first is None:
            return False
        col = self.column_of(first.stage)
        same = [i for i in ids if (c := self.card(i)) is not None and c.stage is first.stage]
        if not col.select_ids(same):
            return False
        col.view.setFocus(Qt.FocusReason.OtherFocusReason)
        self.board_scroll.ensureWidgetVisible(col, 0, 0)
        return True

    def _on_selection(self, col: StageColumn) -> None:
        if self._syncing:
            return
        if col.view.selectionModel().hasSelection():
            self._syncing = True
            try:
                for other in self.columns:
                    if other is not col:
                        other.view.clearSelection()
            finally:
                self._syncing = False
            self._active = col
        elif self._active is col:
            self._active = None
        self._update_buttons()
        card = self.current_card()
        self._set_history(card.id if card else None)

    def _update_buttons(self) -> None:
        cards = self.selected_cards()
        stage = cards[0].stage if cards else None
        self.advance_button.setEnabled(bool(cards) and bool(next_stages(stage)))
        self.move_button.setEnabled(bool(cards))
        self.history_button.setEnabled(len(cards) >= 1)

    def _update_move_menu(self) -> None:
        cards = self.selected_cards()
        stage = cards[0].stage if cards else None
        for st, act in self.move_actions.items():
            act.setEnabled(bool(cards) and st is not stage)
            act.setText(st.label + (self.tr("（当前）") if st is stage else ""))

    # ------------------------------------------------------------------ history
    def _set_history(self, app_id: int | None) -> None:
        self._history_id = app_id
        if app_id is None:
            self.history_model.set_rows([])
            self.history_label.setText(self.tr("环节变更记录：选中一张卡片即可查看其每次移动的时间、操作人和原因。"))
            return
        with self.ctx.db.read() as con:
            rows = [
                (i, at, src.label if src else self.tr("（新建）"), dst.label if dst else "", user, reason)
                for i, at, src, dst, user, reason in pl.history_rows(con, app_id)
            ]
        self.history_model.set_rows(rows)
        if self.history_model.rowCount():
            self.history_table.scrollToBottom()
        card = self.card(app_id)
        name = f"「{card.name}」{card.year}{self.tr('年度')}{card.title_kind.label}" if card else ""
        self.history_label.setText(self.tr("{0} 环节变更记录（{1} 条）：").format(name, len(rows)))

    def show_history(self) -> None:
        card = self.current_card()
        if card is None:
            self.ctx.status.emit(self.tr("请先在看板中选中一张卡片。"))
            return
        sizes = self.splitter.sizes()
        if len(sizes) == 2 and sizes[1] < 80:
            self.splitter.setSizes([max(sum(sizes) - 200, 100), 200])
        if self._history_id != card.id:
            self._set_history(card.id)
        self.history_table.setFocus(Qt.FocusReason.OtherFocusReason)
        if self.history_model.rowCount():
            self.history_table.selectRow(self.history_model.rowCount() - 1)

    # ------------------------------------------------------------------ moving
    def _on_drop(self, ids: list, dst: Stage) -> None:
        self.move_ids(list(ids), dst)

    def advance_selected(self) -> bool:
        cards = self.selected_cards()
        if not cards:
            self.ctx.status.emit(self.tr("请先在看板中选中要推进的申报。"))
            return False
        choices = next_stages(cards[0].stage)
        if not choices:
            QMessageBox.information(
                self, self.tr("推进到下一环节"),
                self.tr("「{0}」已是最终环节，无法继续推进。如需更改结果，请用“移动到…”。").format(cards[0].stage.label))
            return False
        if len(choices) == 1:
            dst = choices[0]
        else:
            labels = [st.label for st in choices]
            item, ok = QInputDialog.getItem(
                self, self.tr("推进到下一环节"), self.tr("请选择市经济信息委的认定结果："), labels, 0, False)
            if not ok or item not in labels:
                return False
            dst = choices[labels.index(item)]
        return self.move_ids([c.id for c in cards], dst)

    def move_selected_to(self, dst: Stage) -> bool:
        cards = self.selected_cards()
        if not cards:
            self.ctx.status.emit(self.tr("请先在看板中选中要移动的申报。"))
            return False
        return self.move_ids([c.id for c in cards], dst)

    def move_ids(self, ids: Sequence[int], dst: Stage, reason: str | None = None) -> bool:
        """Move these applications to ``dst``: ask for a reason when the rules need one, store
        the moves in one transaction, refresh. False when nothing moved."""
        cards = [c for c in (self.card(i) for i in ids) if c is not None and c.stage is not dst]
        if not cards:
            return False
        srcs = {c.stage for c in cards}
        if reason is None and any(move_needs_reason(s, dst) for s in srcs):
            src = next(iter(srcs)) if len(srcs) == 1 else None
            reason = MoveDialog.get_reason(self, src, dst, [c.name for c in cards])
            if reason is None:
                return False
        from models.entities import Application

        with self.ctx.db.uow() as uow:
            s = uow.session
            try:
                for c in cards:
                    app = s.get(Application, c.id)
                    if app is None or app.deleted_at is not None:
                        raise pl.MoveError(self.tr("「{0}」的申报已被删除。").format(c.name))
                    pl.move_application(s, app, dst, reason=reason or "")
            except pl.MoveError as exc:
                QMessageBox.warning(
                    self, self.tr("无法移动"),
                    str(exc) + "\n\n" + self.tr("申报未作任何改动。请按提示补充后重新移动。"))
                return False
            uow.commit()
        self.ctx.changed("application")
        if self._stale:  # not refreshed by a main window listening to ctx
            self._load_cards()
        self.select_ids([c.id for c in cards])
        if len(cards) == 1:
            msg = self.tr("已将「{0}」移到「{1}」。").format(cards[0].name, dst.label)
        else:
            msg = self.tr("已将 {0} 项申报移到「{1}」。").format(len(cards), dst.label)
        self.ctx.status.emit(msg)
        return True

    # ------------------------------------------------------------------ records
    def open_subject(self, card: pl.CardRow) -> None:
        self.ctx.open_record.emit(card.subject_kind.value, card.subject_id)

    def open_application(self, card: pl.CardRow | None = None):
        """The application's page (materials, report, certificates, indicators, 初审 results)."""
        from ..dialogs.application_detail import open_application

        card = card or self.current_card()
        if card is None:
            self.ctx.status.emit(self.tr("请先在看板中选中一张卡片。"))
            return None
        return open_application(self.ctx, card.id, self)

    def _card_menu(self, col: StageColumn, pos) -> QMenu | None:
        ix = col.view.indexAt(pos)
        if not ix.isValid():
            return None
        card = col.model.card_at(ix.row())
        menu = QMenu(self)
        menu.addAction(self.tr("打开申报详情（Enter）"), lambda: self.open_application(card))
        menu.addAction(self.tr("打开企业/园区"), lambda: self.open_subject(card))
        menu.addAction(self.tr("查看环节记录"), self.show_history)
        self.card_menu = menu
        menu.popup(col.view.viewport().mapToGlobal(pos))
        return menu

    def _filter_by_outcome(self, cards: list[pl.CardRow]) -> list[pl.CardRow]:
        """Only the cards whose worst check outcome is the one chosen in 初审 (all when 全部)."""
        wanted = self.outcome_combo.currentData()
        if not wanted:
            return cards
        from models.review_service import applications_by_outcome

        with self.ctx.db.uow() as uow:
            ids = set(applications_by_outcome(uow.session, wanted, year=self.current_year()))
        return [c for c in cards if c.id in ids]

    def new_record(self) -> None:
        from ..dialogs.new_application import NewApplicationDialog

        kinds = self.current_title_kinds()
        dlg = NewApplicationDialog(self.ctx, self, year=self.current_year(),
                                   title_kind=kinds[0] if kinds else TitleKind.CITY_FACTORY)
        if dlg.exec() and dlg.created_id is not None:
            self.ctx.changed("application")
            self.show_record("application", dlg.created_id)

    def show_record(self, table: str, record_id: int) -> None:
        if table != "application":
            return
        with self.ctx.db.read() as con:
            key = pl.application_key(con, record_id)
        if key is None:
            return
        year, kind = key
        if self._stale or self.card(record_id) is None:
            self.year_combo.blockSignals(True)
            self.title_combo.blockSignals(True)
            self.search_edit.blockSignals(True)
            try:
                self._fill_years()
                self.set_year(year)
                kinds = self.current_title_kinds()
                if kinds and kind not in kinds:
                    self.set_title_kind(None)
                self.search_edit.clear()
                for col in self.columns:
                    col.model.set_search("")
            finally:
                self.year_combo.blockSignals(False)
                self.title_combo.blockSignals(False)
                self.search_edit.blockSignals(False)
            self.ctx.settings.setValue(self.SETTINGS_YEAR, year)
            self._load_cards()
        self.select_ids([record_id])

    # ------------------------------------------------------------------ keyboard
    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt API)
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if obj is self.history_table and event.key() == Qt.Key.Key_Escape:
                if self._active is not None:
                    self._active.view.setFocus()
                    return True
            col = next((c for c in self.columns if c.view is obj), None)
            if col is not None:
                return self._column_key(col, event)
        return super().eventFilter(obj, event)

    def _column_key(self, col: StageColumn, event: QKeyEvent) -> bool:
        key, mods = event.key(), event.modifiers()
        ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
        if key == Qt.Key.Key_Right and ctrl:
            self.advance_selected()
            return True
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.open_application()
            return True
        if key in (Qt.Key.Key_Left, Qt.Key.Key_Right) and not mods & ~Qt.KeyboardModifier.KeypadModifier:
            # to the nearest column in that direction that has cards, at about the same row
            step = 1 if key == Qt.Key.Key_Right else -1
            i = self.columns.index(col) + step
            while 0 <= i < len(self.columns) and not self.columns[i].model.rowCount():
                i += step
            if 0 <= i < len(self.columns):
                target = self.columns[i]
                row = min(max(col.view.currentIndex().row(), 0), target.model.rowCount() - 1)
                ix = target.model.index(row, 0)
                target.view.setFocus(Qt.FocusReason.TabFocusReason)
                target.view.selectionModel().setCurrentIndex(ix, QItemSelectionModel.SelectionFlag.ClearAndSelect)
                target.view.scrollTo(ix)
                self.board_scroll.ensureWidgetVisible(target, 0, 0)
            return True
        return False
