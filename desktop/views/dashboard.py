"""The 年度概览 tab: the year's numbers at a glance, and what is due.

* cards: the year's applications, how many were recommended and recognised, the titles held
  (有效 / 复审中 / 已撤销);
* a stacked bar chart of the year's applications per stage, by title (QtCharts);
* the district's targets against what was achieved, as a bar chart, with 编辑目标…;
* lists: what is due in the next 30 days, what is overdue, certificates expiring (第七条（六）),
  bans ending (第十八条), the year's calendar with 编辑日程…; a double-click opens the record.

The tab costs nothing at start: nothing is built, and nothing of QtCharts is imported, until the
tab is first shown; the figures (models.dashboard, models.supervision.due_items) are computed off
the GUI thread, so a big database never freezes the window. It refreshes when data changes
(``ctx.data_changed``), at once when visible, else the next time it is shown.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Callable

from PySide6.QtCore import QCoreApplication, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from shiboken6 import isValid

from models.stages import STAGES, Stage, TitleKind

from ..table_model import Column, RowsModel, SearchProxy
from ..tasks import background


def _tr(text: str) -> str:
    return QCoreApplication.translate("dashboard", text)


#: short names for the charts' axes (the full names are in the legends and the lists)
SHORT_LABELS = {
    TitleKind.CITY_FACTORY: "绿色工厂",
    TitleKind.CITY_PARK: "绿色园区",
    TitleKind.NATIONAL_FACTORY: "国家级工厂",
    TitleKind.NATIONAL_PARK: "国家级园区",
    TitleKind.SUPPLY_CHAIN: "供应链",
    TitleKind.NEAR_ZERO_PARK: "近零碳",
    TitleKind.VOLUNTARY_ASSESSMENT: "自愿评估",
    TitleKind.DESIGN_PRODUCT: "设计产品",
}
STAGE_SHORT = {Stage.EVALUATED: "第三方<br>评价", Stage.SELF_EVALUATED: "自评<br>完成", Stage.UNDER_REVIEW: "区县<br>初审"}
#: one colour per title, the same in every chart
TITLE_COLORS = {
    TitleKind.CITY_FACTORY: "#4e79a7",
    TitleKind.CITY_PARK: "#59a14f",
    TitleKind.NATIONAL_FACTORY: "#f28e2b",
    TitleKind.NATIONAL_PARK: "#76b7b2",
    TitleKind.SUPPLY_CHAIN: "#edc948",
    TitleKind.NEAR_ZERO_PARK: "#b07aa1",
    TitleKind.VOLUNTARY_ASSESSMENT: "#ff9da7",
    TitleKind.DESIGN_PRODUCT: "#9c755f",
}
TARGET_COLORS = {"target": "#bab0ac", "achieved": "#59a14f", "recommended": "#4e79a7"}


def _fmt_date(d: dt.date | None) -> str:
    return d.isoformat() if d else ""


# ------------------------------------------------------------------------------ agenda rows

# row tuple: (index, due, kind label, what, subject, source, status, table, record id)
AGENDA_COLUMNS = [
    Column("日期", 1, display=_fmt_date, width=90),
    Column("状态", 6, width=90),
    Column("类别", 2, width=96),
    Column("事项", 3, width=330),
    Column("单位", 4, width=230),
    Column("依据", 5, width=150),
]
R_TABLE, R_RECORD = 7, 8


def agenda_rows(items, today: dt.date) -> list[tuple]:
    """Rows for AGENDA_COLUMNS from models.dashboard.AgendaItem objects."""
    from models.dashboard import AGENDA_KINDS

    return [(i, it.due, AGENDA_KINDS.get(it.kind, it.kind), it.what, it.subject, it.source, it.status(today),
             it.table, it.record_id) for i, it in enumerate(items)]


CALENDAR_COLUMNS = [
    Column("日期", 1, display=_fmt_date, width=90),
    Column("距今", 4, width=90),
    Column("事项", 2, width=520),
    Column("依据", 3, width=260),
]


def calendar_rows(entries, today: dt.date) -> list[tuple]:
    rows = []
    for i, e in enumerate(entries):
        n = (e.date - today).days
        when = _tr("已过") if n < 0 else (_tr("今天") if n == 0 else _tr("{n}天后").format(n=n))
        rows.append((i, e.date, e.what, e.source, when))
    return rows


def make_table(model: RowsModel, parent: QWidget) -> tuple[QTableView, SearchProxy]:
    """A read-only table (desktop.review_ui.make_table) over a search proxy, soonest first."""
    from ..review_ui import make_table as read_only_table

    proxy = SearchProxy(model, parent)
    view = read_only_table(model, parent, proxy=proxy, multi=False)
    view.sortByColumn(0, Qt.SortOrder.AscendingOrder)  # by date
    return view, proxy


# ------------------------------------------------------------------------------ cards


class Card(QFrame):
    """A number with its caption."""

    def __init__(self, caption: str, tip: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setObjectName("dashboardCard")
        self.caption = QLabel(caption)
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.value = QLabel("—")
        self.value.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = self.value.font()
        font.setPointSizeF(max(font.pointSizeF(), 9) * 2)
        font.setBold(True)
        self.value.setFont(font)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 6, 8, 6)
        lay.setSpacing(2)
        lay.addWidget(self.value)
        lay.addWidget(self.caption)
        if tip:
            self.setToolTip(tip)

    def set_value(self, n: int) -> None:
        self.value.setText(str(n))


# ------------------------------------------------------------------------------ charts


class Charts:
    """The two charts. Built only when the tab is first shown (QtCharts loads then); if QtCharts
    is missing, ``ok`` is False and the widgets are labels saying so."""

    def __init__(self, parent: QWidget) -> None:
        try:
            from PySide6 import QtCharts  # noqa: F401
        except ImportError as exc:  # pragma: no cover - PySide6-Addons not installed
            self.ok = False
            msg = _tr("图表组件不可用（{e}）。请安装 PySide6-Addons；下方的数字和列表不受影响。").format(e=exc)
            self.stage_view = QLabel(msg, parent)
            self.target_view = QLabel(msg, parent)
            for w in (self.stage_view, self.target_view):
                w.setWordWrap(True)
            return
        from PySide6.QtCharts import QChart, QChartView
        from PySide6.QtCore import QMargins
        from PySide6.QtGui import QPainter

        self.ok = True
        self.stage_chart = QChart()
        self.target_chart = QChart()
        self.stage_view = QChartView(self.stage_chart, parent)
        self.target_view = QChartView(self.target_chart, parent)
        for chart, view in ((self.stage_chart, self.stage_view), (self.target_chart, self.target_view)):
            chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
            chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
            chart.setMargins(QMargins(4, 4, 4, 4))
            chart.layout().setContentsMargins(0, 0, 0, 0)
            chart.setBackgroundRoundness(0)
            view.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            view.setMinimumHeight(230)
        self.stage_series = None
        self.target_series = None

    @staticmethod
    def _reset(chart) -> None:
        chart.removeAllSeries()
        for axis in list(chart.axes()):
            chart.removeAxis(axis)

    @staticmethod
    def nice_step(top: int, ticks: int = 5) -> int:
        """A whole step of 1, 2 or 5 × 10ⁿ so that about ``ticks`` steps reach ``top``."""
        raw = max(1.0, top / ticks)
        mag = 10 ** (len(str(int(raw))) - 1)
        for m in (1, 2, 5, 10):
            if m * mag >= raw:
                return m * mag
        return 10 * mag  # pragma: no cover - the loop always returns

    @classmethod
    def _value_axis(cls, top: int):
        from PySide6.QtCharts import QValueAxis

        axis = QValueAxis()
        step = cls.nice_step(max(1, top))
        n = max(1, -(-max(1, top) // step))
        axis.setRange(0, step * n)
        axis.setTickCount(n + 1)
        axis.setLabelFormat("%d")
        return axis

    def show_stages(self, matrix) -> None:
        """Stacked bars: x = the stages, one bar set per title with applications."""
        if not self.ok:
            return
        from PySide6.QtCharts import QBarCategoryAxis, QBarSet, QStackedBarSeries
        from PySide6.QtGui import QColor

        chart = self.stage_chart
        self._reset(chart)
        series = QStackedBarSeries()
        for kind in matrix.kinds:
            bar = QBarSet(kind.label)
            bar.append([float(matrix.total(kind, s)) for s in STAGES])
            bar.setColor(QColor(TITLE_COLORS[kind]))
            series.append(bar)
        chart.addSeries(series)
        axis_x = QBarCategoryAxis()
        axis_x.append([STAGE_SHORT.get(s, s.label) for s in STAGES])
        chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(axis_x)
        axis_y = self._value_axis(max((matrix.total(stages=s) for s in STAGES), default=0))
        chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(axis_y)
        chart.setTitle(_tr("{year}年各环节申报（按称号）").format(year=matrix.year))
        chart.legend().setVisible(bool(matrix.kinds))
        self.stage_series = series

    def show_targets(self, year: int, rows) -> None:
        """Grouped bars per title: 年度目标, 已认定, 已推荐 (municipal titles only)."""
        if not self.ok:
            return
        from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QBarSet
        from PySide6.QtGui import QColor

        chart = self.target_chart
        self._reset(chart)
        series = QBarSeries()
        sets = {
            "target": QBarSet(_tr("年度目标")),
            "achieved": QBarSet(_tr("已认定")),
            "recommended": QBarSet(_tr("已推荐（市级）")),
        }
        for key, bar in sets.items():
            bar.setColor(QColor(TARGET_COLORS[key]))
            bar.setLabelColor(QColor("#333333"))
            bar.append([float(getattr(r, key) or 0) for r in rows])
            series.append(bar)
        series.setLabelsVisible(True)
        series.setLabelsFormat("@value")
        series.setLabelsPrecision(6)
        series.setLabelsPosition(QBarSeries.LabelsPosition.LabelsOutsideEnd)
        chart.addSeries(series)
        axis_x = QBarCategoryAxis()
        axis_x.append([SHORT_LABELS.get(r.kind, r.kind.label) for r in rows])
        chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(axis_x)
        top = max((max(r.target or 0, r.achieved, r.recommended or 0) for r in rows), default=0)
        axis_y = self._value_axis(int(top * 1.15) + (1 if top else 0))
        chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(axis_y)
        chart.setTitle(_tr("{year}年目标完成情况").format(year=year))
        self.target_series = series


# ------------------------------------------------------------------------------ the view


class DashboardView(QWidget):
    title = "年度概览"
    tables: tuple[str, ...] = ()

    SETTINGS_YEAR = "dashboard/year"
    #: the figures of a load are on screen
    loaded = Signal()

    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        #: the day the lists count from (None: today); tests fix it
        self.today: dt.date | None = None
        self.data = None  # models.dashboard.Dashboard of the last load
        self.years: list[int] = []
        self._built = False
        self._stale = True
        self._op = None
        self._again = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._start_load)
        root = QVBoxLayout(self)
        root.setContentsMargins(6, 6, 6, 6)
        ctx.data_changed.connect(self._on_data_changed)

    # ------------------------------------------------------------------ lazy building
    def refresh(self) -> None:
        """Load the figures again (the main window calls this; when the tab was never shown,
        nothing is built or computed until it is)."""
        if not self._built and not self.isVisible():
            self._stale = True
            return
        self._schedule()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        if not self._built or self._stale:
            self._schedule()

    def _on_data_changed(self, _tables) -> None:
        if self.isVisible():
            self._schedule()
        else:
            self._stale = True

    def _schedule(self) -> None:
        if not self._built:
            self._build()
        self._stale = True
        self._timer.start()

    def _build(self) -> None:
        self._built = True
        root: QVBoxLayout = self.layout()  # type: ignore[assignment]

        bar = QHBoxLayout()
        bar.addWidget(QLabel(self.tr("年度：")))
        self.year_combo = QComboBox()
        self.year_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.year_combo.setToolTip(self.tr("统计哪一年的申报、认定和目标"))
        self.year_combo.currentIndexChanged.connect(self._on_year)
        bar.addWidget(self.year_combo)
        self.status_label = QLabel()
        self.status_label.setStyleSheet("color: #666;")
        bar.addWidget(self.status_label, 1)
        self.targets_btn = QPushButton(self.tr("编辑目标…"))
        self.targets_btn.setToolTip(self.tr("填写本区县本年度各称号的目标数量"))
        self.targets_btn.clicked.connect(self.edit_targets)
        self.calendar_btn = QPushButton(self.tr("编辑日程…"))
        self.calendar_btn.setToolTip(self.tr("按当年通知修改本年度的工作日程"))
        self.calendar_btn.clicked.connect(self.edit_calendar)
        self.export_btn = QPushButton(self.tr("导出年度小结…"))
        self.export_btn.setToolTip(self.tr("导出本年度的 Excel 数据表和 Word 年度小结"))
        self.export_btn.clicked.connect(self.export_summary)
        self.refresh_btn = QPushButton(self.tr("刷新"))
        self.refresh_btn.clicked.connect(self._schedule)
        for b in (self.targets_btn, self.calendar_btn, self.export_btn, self.refresh_btn):
            bar.addWidget(b)
        root.addLayout(bar)

        cards = QHBoxLayout()
        self.cards = {
            "applications": Card(self.tr("本年度申报"), self.tr("本年度全部申报（培育、创建至认定各环节）")),
            "recommended": Card(self.tr("已推荐"), self.tr("已推荐至市经济信息委的申报（含已认定、未通过）")),
            "recognised": Card(self.tr("已认定"), self.tr("本年度申报中已认定的")),
            "valid": Card(self.tr("有效称号"), self.tr("目前持有的有效称号（各年度）")),
            "under_review": Card(self.tr("复审中"), self.tr("正在复审的称号（第十六条）")),
            "revoked": Card(self.tr("已撤销"), self.tr("已撤销的称号，三年内不得重新申报（第十八条）")),
        }
        for c in self.cards.values():
            cards.addWidget(c)
        root.addLayout(cards)

        self.charts = Charts(self)
        chart_row = QWidget()
        cl = QHBoxLayout(chart_row)
        cl.setContentsMargins(0, 0, 0, 0)
        left = QGroupBox(self.tr("各环节申报"))
        QVBoxLayout(left).addWidget(self.charts.stage_view)
        right = QGroupBox(self.tr("目标与完成"))
        rl = QVBoxLayout(right)
        rl.addWidget(self.charts.target_view, 1)
        self.target_label = QLabel()
        self.target_label.setWordWrap(True)
        rl.addWidget(self.target_label)
        cl.addWidget(left, 3)
        cl.addWidget(right, 2)

        self.lists = QTabWidget()
        self.models: dict[str, RowsModel] = {}
        self.table_views: dict[str, QTableView] = {}
        for key in ("upcoming", "overdue", "certificates", "bans"):
            model = RowsModel(AGENDA_COLUMNS)
            view, _proxy = make_table(model, self)
            view.doubleClicked.connect(lambda index, k=key: self._open_row(k, index.row()))
            self.models[key] = model
            self.table_views[key] = view
            self.lists.addTab(view, "")
        cal = RowsModel(CALENDAR_COLUMNS)
        cal_view, _p = make_table(cal, self)
        self.models["calendar"] = cal
        self.table_views["calendar"] = cal_view
        cal_box = QWidget()
        cbl = QVBoxLayout(cal_box)
        cbl.setContentsMargins(0, 0, 0, 0)
        self.calendar_note = QLabel()
        self.calendar_note.setStyleSheet("color: #666;")
        cbl.addWidget(self.calendar_note)
        cbl.addWidget(cal_view)
        self.lists.addTab(cal_box, "")
        self._set_tab_titles({})

        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(chart_row)
        split.addWidget(self.lists)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setChildrenCollapsible(False)
        root.addWidget(split, 1)

    TAB_TITLES = {
        "upcoming": "未来30天",
        "overdue": "已逾期",
        "certificates": "证书到期",
        "bans": "禁报期满",
        "calendar": "年度日程",
    }

    def _set_tab_titles(self, counts: dict[str, int]) -> None:
        for i, key in enumerate(self.TAB_TITLES):
            text = self.tr(self.TAB_TITLES[key])
            if key in counts:
                text += f"（{counts[key]}）"
            self.lists.setTabText(i, text)

    # ------------------------------------------------------------------ loading
    def selected_year(self) -> int:
        y = self.year_combo.currentData() if self._built else None
        if isinstance(y, int):
            return y
        saved = self.ctx.settings.value(self.SETTINGS_YEAR)
        try:
            return int(saved)
        except (TypeError, ValueError):
            return (self.today or dt.date.today()).year

    def set_year(self, year: int) -> None:
        """Show ``year`` (adds it to the choices when it has no data yet)."""
        if not self._built:
            self._build()
        i = self.year_combo.findData(year)
        if i < 0:
            self.year_combo.blockSignals(True)
            self.year_combo.addItem(self.tr("{y}年").format(y=year), year)
            self.year_combo.blockSignals(False)
            i = self.year_combo.count() - 1
        self.year_combo.setCurrentIndex(i)
        self._on_year()

    def _on_year(self, *_args) -> None:
        y = self.year_combo.currentData()
        if isinstance(y, int):
            self.ctx.settings.setValue(self.SETTINGS_YEAR, y)
            self._schedule()

    def busy(self) -> bool:
        return self._op is not None or self._timer.isActive()

    def _start_load(self) -> None:
        if self._op is not None:
            self._again = True
            return
        year = self.selected_year()
        today = self.today or dt.date.today()
        db = self.ctx.db

        def work(_progress):
            from models.dashboard import dashboard_years, load_dashboard

            with db.uow() as uow:
                return dashboard_years(uow.session, today), load_dashboard(uow.session, year, today)

        self._stale = False
        self.status_label.setText(self.tr("正在统计……"))
        op = background(work)
        op.finished.connect(self._on_loaded)
        op.failed.connect(self._on_failed)
        op.done.connect(self._on_done)
        self._op = op
        op.start()

    def _on_done(self) -> None:
        if not isValid(self):  # the tab was closed while the figures were computed
            return
        self._op = None
        if self._again:
            self._again = False
            self._timer.start()

    def _on_failed(self, exc, _tb) -> None:
        if not isValid(self):
            return
        self.status_label.setText(self.tr("统计没有完成：{e}。请点“刷新”重试。").format(e=exc))

    def _on_loaded(self, result) -> None:
        if not isValid(self):
            return
        years, data = result
        if data.year != self.selected_year():
            return  # the clerk chose another year meanwhile: its load follows
        self.data = data
        self.years = years
        self.year_combo.blockSignals(True)
        self.year_combo.clear()
        for y in sorted(set(years) | {data.year}, reverse=True):
            self.year_combo.addItem(self.tr("{y}年").format(y=y), y)
        self.year_combo.setCurrentIndex(self.year_combo.findData(data.year))
        self.year_combo.blockSignals(False)
        self._show(data)
        self.loaded.emit()

    def _show(self, d) -> None:
        m = d.matrix
        self.cards["applications"].set_value(m.applications)
        self.cards["recommended"].set_value(m.recommended)
        self.cards["recognised"].set_value(m.recognised)
        self.cards["valid"].set_value(d.holdings.valid)
        self.cards["under_review"].set_value(d.holdings.under_review)
        self.cards["revoked"].set_value(d.holdings.revoked)
        self.charts.show_stages(m)
        self.charts.show_targets(d.year, d.targets)
        parts = [f"{r.kind.label} {r.achieved}/{r.target}（{r.percent_text}）" for r in d.targets if r.target]
        self.target_label.setText(
            self.tr("完成率：") + "；".join(parts) if parts
            else self.tr("本年度尚未设定目标。点“编辑目标…”填写本区县的目标。"))

        ag = d.agenda
        today = d.today
        lists = {
            "upcoming": ag.upcoming,
            "overdue": [i for i in ag.overdue if i.kind != "certificate"],
            "certificates": ag.of_kind("certificate"),
            "bans": ag.of_kind("ban"),
        }
        for key, items in lists.items():
            self.models[key].set_rows(agenda_rows(items, today))
        self.models["calendar"].set_rows(calendar_rows(d.calendar, today))
        self.calendar_note.setText(
            (self.tr("默认日程（按每年的工作节奏），请按当年通知修改。") if d.calendar_is_default
             else self.tr("本年度日程已按通知修改。")) + self.tr("  日期以当年通知为准。"))
        counts = {k: len(v) for k, v in lists.items()}
        counts["calendar"] = len(d.calendar)
        self._set_tab_titles(counts)
        self.status_label.setText(self.tr("统计日期：{d}").format(d=today.isoformat()))

    # ------------------------------------------------------------------ actions
    def _open_row(self, key: str, proxy_row: int) -> bool:
        view = self.table_views[key]
        proxy: SearchProxy = view.model()  # type: ignore[assignment]
        idx = proxy.id_at(proxy_row)
        row = self.models[key].rows()[idx]
        table, record_id = row[R_TABLE], row[R_RECORD]
        if table is None or record_id is None:
            self.ctx.status.emit(self.tr("这一项没有对应的记录可以打开。"))
            return False
        self.ctx.open_record.emit(table, int(record_id))
        return True

    def edit_targets(self) -> bool:
        from ..dialogs.targets import TargetsDialog

        dlg = TargetsDialog(self.ctx, self.selected_year(), self)
        return bool(dlg.exec())

    def edit_calendar(self) -> bool:
        from ..dialogs.year_calendar import YearCalendarDialog

        dlg = YearCalendarDialog(self.ctx, self.selected_year(), self, today=self.today)
        return bool(dlg.exec())

    def export_summary(self) -> Any:
        from ..dashboard_ui import export_year_summary

        return export_year_summary(self, self.ctx, self.selected_year(), today=self.today)
