"""Table models over plain rows (tuples from one SQL query), with search and sort.

``RowsModel`` holds the rows and does search and sort itself, in one Python pass over
precomputed lower-case keys: with 20,000 rows that is several times faster than letting
``QSortFilterProxyModel`` call back into Python once per row (filterAcceptsRow / lessThan).
``SearchProxy`` is the proxy the views talk to: it forwards search and sort to the source model
and otherwise maps indexes one to one, so views and selection code follow Qt's usual
model/proxy pattern. Rows are exposed in pages (canFetchMore / fetchMore) so a big table
costs little until it is scrolled.

A view may also give only the first rows of a big table and a function for all of them
(``set_rows(first, rest=..., total=...)``): the first screen shows at once, and the rest is
fetched by ``complete()`` — which the view calls once it is on screen, and which runs by itself
before anything needs every row (a search, a sort, scrolling past the first rows, ``rows()``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt

from forms.validators import to_halfwidth

PAGE = 2000
_KEY_CHUNK = 4000  # rows normalised at once when the search index is built
IndexLike = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column:
    header: str
    index: int  # position in the row tuple
    display: Callable[[Any], str] | None = None
    align_right: bool = False
    searchable: bool = True
    sort_key: Callable[[Any], Any] | None = None
    width: int | None = None


def normalise_search(text: str) -> str:
    return to_halfwidth(text).lower().strip()


class RowsModel(QAbstractTableModel):
    ID_ROLE = Qt.ItemDataRole.UserRole + 1
    RAW_ROLE = Qt.ItemDataRole.UserRole + 2

    def __init__(self, columns: Sequence[Column], parent=None, *, id_index: int = 0) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self.id_index = id_index
        self._rows: list[tuple] = []
        self._keys: list[str] | None = None
        self._visible: list[int] = []
        self._shown = 0
        self._search = ""
        self._sort: tuple[int, Qt.SortOrder] | None = None
        self._rest: Callable[[], Sequence[tuple]] | None = None  # fetches every row (partial only)
        self._total = 0  # how many rows there are in all (partial only)
        self._order: tuple[int, Qt.SortOrder] | None = None  # the order the rows come in

    # ------------------------------------------------------------------ content
    def set_rows(self, rows: Sequence[tuple], *, rest: Callable[[], Sequence[tuple]] | None = None,
                 total: int | None = None, order: tuple[int, Qt.SortOrder] | None = None) -> None:
        """Show ``rows``. ``order`` (column, direction): the rows are already sorted by that column
        as this model sorts it (then a sort by it, and every search while it is the sort, costs
        nothing). With ``rest``, ``rows`` are only the first of ``total`` rows in that order and
        ``rest()`` returns all of them in that order: the model shows the first ones until
        ``complete()``. Without a search, and sorted by ``order`` (or not sorted), that is what
        the full table shows first; otherwise ``rest()`` runs now."""
        if rest is not None:
            if total is not None and total <= len(rows):
                rest = None  # the first rows are all there is
            elif total is None or self._search or (self._sort is not None and self._sort != order):
                rows, rest = rest(), None  # what shows first is not among the first rows
        self.beginResetModel()
        self._rows = list(rows)
        self._keys = None
        self._order = order
        self._rest = rest
        self._total = int(total or 0) if rest is not None else 0
        self._visible = self._compute_visible()
        self._apply_sort()
        self._shown = min(len(self._visible), PAGE)
        self.endResetModel()

    def is_partial(self) -> bool:
        """Only the first rows are loaded (``complete()`` fetches the rest)."""
        return self._rest is not None

    def complete(self) -> bool:
        """Fetch every row when only the first are loaded. The rows shown stay where they are
        (selection and scrolling too) when they still come first; otherwise the table starts
        over. True when rows were fetched."""
        if self._rest is None:
            return False
        rest, self._rest = self._rest, None
        ids = [r[self.id_index] for r in self._rows]
        rows = list(rest())
        old_rows, self._rows = self._rows, rows  # what _compute_visible/_apply_sort work on
        self._keys = None
        visible = self._compute_visible()
        self._visible, old_visible = visible, self._visible
        self._apply_sort()
        if [rows[i][self.id_index] for i in visible[:len(ids)]] != ids:
            # the data changed in between: show the new order from the top
            self._rows, self._visible = old_rows, old_visible
            self.beginResetModel()
            self._rows, self._visible = rows, visible
            self._shown = min(len(visible), PAGE)
            self.endResetModel()
            return True
        self._total = 0
        if self._shown:
            self.dataChanged.emit(self.index(0, 0), self.index(self._shown - 1, len(self.columns) - 1))
        self._reveal(max(self._shown, min(len(visible), PAGE)))
        return True

    def rows(self) -> list[tuple]:
        """Every row (fetched now if only the first are loaded)."""
        self.complete()
        return self._rows

    def total_count(self) -> int:
        """How many rows the table has in all, without fetching them."""
        return self._total if self._rest is not None else len(self._rows)

    def visible_count(self) -> int:
        if self._rest is not None:  # no search while partial: every row is shown
            return self._total
        return len(self._visible)

    def row_at(self, row: int) -> tuple:
        return self._rows[self._visible[row]]

    def id_at(self, row: int) -> Any:
        return self.row_at(row)[self.id_index]

    def row_of_id(self, record_id: Any) -> int | None:
        for r, i in enumerate(self._visible):
            if self._rows[i][self.id_index] == record_id:
                if r >= self._shown:
                    self._reveal(r + 1)
                return r
        if self.complete():  # not among the first rows: look in all of them
            return self.row_of_id(record_id)
        return None

    # ------------------------------------------------------------------ search and sort
    def _search_keys(self) -> list[str]:
        """One lower-case, half-width text per row over the searchable columns, built in bulk
        on the first search: a display function runs once per distinct value (districts and
        industries repeat), and the normalising runs once per chunk of rows, not once per row.
        Chunks keep the temporary texts small next to the rows themselves."""
        if self._keys is None:
            rows = self._rows
            cols = [c for c in self.columns if c.searchable]
            caches: list[dict[Any, str]] = [{} for _ in cols]
            keys: list[str] = []
            for start in range(0, len(rows), _KEY_CHUNK):
                chunk = rows[start:start + _KEY_CHUNK]
                parts: list[list[str]] = []
                for c, cache in zip(cols, caches):
                    if c.display is None:
                        parts.append(["" if row[c.index] is None else str(row[c.index]) for row in chunk])
                        continue
                    disp = c.display
                    col = []
                    for row in chunk:
                        v = row[c.index]
                        try:
                            t = cache[v]
                        except KeyError:
                            t = cache[v] = disp(v)
                        except TypeError:  # an unhashable value
                            t = disp(v)
                        col.append(t)
                    parts.append(col)
                if not parts:
                    keys.extend("" for _ in chunk)
                    continue
                # one text for the chunk, split again after normalising (a search term never
                # holds a line break, so keys cannot match across rows)
                part = to_halfwidth("\n".join(" ".join(p) for p in zip(*parts))).lower().split("\n")
                if len(part) != len(chunk):  # a value held a line break: build row by row instead
                    part = [to_halfwidth(" ".join(p)).lower() for p in zip(*parts)]
                keys.extend(part)
                del parts, part
            self._keys = keys
        return self._keys

    def _compute_visible(self) -> list[int]:
        q = self._search
        if not q:
            return list(range(len(self._rows)))
        terms = q.split()
        keys = self._search_keys()
        if len(terms) == 1:
            return [i for i, k in enumerate(keys) if q in k]
        return [i for i, k in enumerate(keys) if all(t in k for t in terms)]

    def set_search(self, text: str) -> None:
        q = normalise_search(text)
        if q == self._search:
            return
        self.complete()
        self.beginResetModel()
        self._search = q
        self._visible = self._compute_visible()
        self._apply_sort()
        self._shown = min(len(self._visible), PAGE)
        self.endResetModel()

    def search_text(self) -> str:
        return self._search

    def _apply_sort(self) -> None:
        if self._sort is None:
            return
        if self._sort == self._order:  # the rows come sorted so: their own order is the sorted one
            self._visible.sort()
            return
        column, order = self._sort
        col = self.columns[column]
        rows = self._rows
        if col.sort_key is not None:
            key = col.sort_key
            keyf = lambda i: _none_last(key(rows[i][col.index]))  # noqa: E731
        else:
            keyf = lambda i: _none_last(rows[i][col.index])  # noqa: E731
        self._visible.sort(key=keyf, reverse=order == Qt.SortOrder.DescendingOrder)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.columns):
            return
        if self._rest is not None and self._sort != (column, order):
            self.complete()
        self.layoutAboutToBeChanged.emit()
        self._sort = (column, order)
        self._apply_sort()
        self.layoutChanged.emit()

    # ------------------------------------------------------------------ paging
    def canFetchMore(self, parent: IndexLike = QModelIndex()) -> bool:
        return not parent.isValid() and (self._shown < len(self._visible) or self._rest is not None)

    def fetchMore(self, parent: IndexLike = QModelIndex()) -> None:
        if parent.isValid():
            return
        shown = self._shown
        self.complete()
        self._reveal(shown + PAGE)

    def _reveal(self, upto: int) -> None:
        upto = min(upto, len(self._visible))
        if upto <= self._shown:
            return
        self.beginInsertRows(QModelIndex(), self._shown, upto - 1)
        self._shown = upto
        self.endInsertRows()

    # ------------------------------------------------------------------ Qt model API
    def rowCount(self, parent: IndexLike = QModelIndex()) -> int:
        return 0 if parent.isValid() else self._shown

    def columnCount(self, parent: IndexLike = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    @staticmethod
    def _display(col: Column, value: Any) -> str:
        if col.display is not None:
            return col.display(value)
        if value is None:
            return ""
        return str(value)

    _DISPLAY = int(Qt.ItemDataRole.DisplayRole)
    _HANDLED = frozenset(int(r) for r in (
        Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.TextAlignmentRole,
    )) | {int(Qt.ItemDataRole.UserRole) + 1, int(Qt.ItemDataRole.UserRole) + 2}

    def data(self, index: IndexLike, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Qt asks each visible cell for about ten roles on every repaint: answer the ones we do
        # not handle before touching anything else
        if role not in self._HANDLED or not index.isValid():
            return None
        if role == self._DISPLAY:
            r = index.row()
            if r >= self._shown:
                return None
            col = self.columns[index.column()]
            value = self._rows[self._visible[r]][col.index]
            if col.display is not None:
                return col.display(value)
            return "" if value is None else str(value)
        if not (0 <= index.row() < self._shown):
            return None
        col = self.columns[index.column()]
        row = self._rows[self._visible[index.row()]]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._display(col, row[col.index])
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if col.align_right:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return None
        if role == self.ID_ROLE:
            return row[self.id_index]
        if role == self.RAW_ROLE:
            return row[col.index]
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            if 0 <= section < len(self.columns):
                return self.columns[section].header
            return None
        return str(section + 1)

    def flags(self, index: IndexLike) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


def _none_last(value: Any) -> Any:
    if value is None or value == "":
        return (1, "")
    return (0, value)


class SearchProxy(QSortFilterProxyModel):
    """The proxy views use: search and sort are done in bulk by the source ``RowsModel``."""

    def __init__(self, source: RowsModel, parent=None) -> None:
        super().__init__(parent)
        self.setSourceModel(source)
        self.setDynamicSortFilter(False)

    @property
    def rows_model(self) -> RowsModel:
        return self.sourceModel()  # type: ignore[return-value]

    def set_search(self, text: str) -> None:
        self.rows_model.set_search(text)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.rows_model.sort(column, order)

    def id_at(self, proxy_row: int) -> Any:
        src = self.mapToSource(self.index(proxy_row, 0))
        return self.rows_model.id_at(src.row())

    def proxy_row_of_id(self, record_id: Any) -> int | None:
        r = self.rows_model.row_of_id(record_id)
        if r is None:
            return None
        return self.mapFromSource(self.rows_model.index(r, 0)).row()
