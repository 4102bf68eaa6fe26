"""年度指标 (第十六条): the yearly key indicators of the title holders.

For one reporting year: the due date (15 April unless set for that year), who owes the report
(holders of a green factory or park title recognised before that year and not revoked), who has
filed it, who has not, and whose key indicators got worse than the year before. The blank forms
go out pre-filled with the holders (exports.xlsx_forms, the sync issue's indicator forms) and
come back through the ordinary form import (导入已填指标表…)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from models.stages import SubjectKind

from ..review_ui import close_row, make_table, select_row
from ..supervision_ui import OVERDUE_COLOUR, date_edit, date_of, set_date
from ..table_model import Column, RowsModel, SearchProxy

I_REF, I_NAME, I_KIND, I_STATE, I_WORSE = range(5)
KEY_DIR = "supervision/indicator_dir"


class HoldersModel(RowsModel):
    """The holders with their report state; 未报 in red, 指标下降 in amber."""

    def data(self, index, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.ForegroundRole and index.isValid() and index.row() < self.rowCount():
            state = self.row_at(index.row())[I_STATE]
            if state == "未报":
                return QBrush(QColor(OVERDUE_COLOUR))
            if state != "已报":
                return QBrush(QColor("#a35f00"))
            return None
        return super().data(index, role)


class IndicatorsDialog(QDialog):
    def __init__(self, ctx, parent: QWidget | None = None, *, year: int | None = None,
                 today: dt.date | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.today = today or dt.date.today()
        self.op = None  # the export running now (tests wait on it)
        self.import_dialog = None
        self.setWindowTitle(self.tr("年度指标报送（第十六条）"))
        lay = QVBoxLayout(self)
        bar = QHBoxLayout()
        bar.addWidget(QLabel(self.tr("报送年度：")))
        self.year = QSpinBox()
        self.year.setObjectName("year")
        self.year.setRange(2000, 2100)
        self.year.setValue(year or self.today.year)
        self.year.setSuffix(self.tr(" 年"))
        bar.addWidget(self.year)
        self.data_year = QLabel()
        bar.addWidget(self.data_year)
        bar.addSpacing(16)
        bar.addWidget(QLabel(self.tr("截止日期：")))
        self.due = date_edit()
        self.due.setObjectName("due")
        bar.addWidget(self.due)
        self.save_due = QPushButton(self.tr("保存截止日期"))
        self.save_due.setToolTip(self.tr("按当年通知修改本年度的截止日期（默认4月15日）"))
        bar.addWidget(self.save_due)
        bar.addStretch(1)
        lay.addLayout(bar)
        self.summary = QLabel()
        self.summary.setObjectName("summary")
        self.summary.setWordWrap(True)
        lay.addWidget(self.summary)
        self.only_missing = QCheckBox(self.tr("只看未报单位"))
        lay.addWidget(self.only_missing)
        self.model = HoldersModel([
            Column(self.tr("单位"), I_NAME, width=300),
            Column(self.tr("类型"), I_KIND, display=lambda k: k.label, width=60),
            Column(self.tr("报送情况"), I_STATE, width=100),
            Column(self.tr("比上年变差的关键指标"), I_WORSE, display=lambda w: "、".join(w), width=360),
        ], self)
        self.proxy = SearchProxy(self.model, self)
        self.table = make_table(self.model, self, proxy=self.proxy)
        self.table.setObjectName("holders")
        self.table.sortByColumn(2, Qt.SortOrder.DescendingOrder)  # 未报, then 指标下降, then 已报
        lay.addWidget(self.table, 1)
        self.export_button = QPushButton(self.tr("导出年度指标表（持证单位）…"))
        self.export_button.setToolTip(self.tr("生成预填了持证单位名称和年度的指标采集表，发给各单位填写"))
        self.export_missing = QCheckBox(self.tr("只含未报单位"))
        self.import_button = QPushButton(self.tr("导入已填指标表…"))
        self.import_button.setToolTip(self.tr("导入各单位填好的指标采集表：先预览，确认后才写入"))
        lay.addLayout(close_row(self, self.export_button, self.export_missing, self.import_button))
        self.year.valueChanged.connect(lambda _v: self.refresh())
        self.only_missing.toggled.connect(lambda _on: self._fill())
        self.save_due.clicked.connect(self.save_due_date)
        self.export_button.clicked.connect(lambda: self.export_forms())
        self.import_button.clicked.connect(lambda: self.import_forms())
        ctx.data_changed.connect(self._on_changed)
        self.refresh()
        self.resize(900, 560)

    # ------------------------------------------------------------------ loading
    def round_year(self) -> int:
        return self.year.value()

    def refresh(self) -> None:
        from forms.rules.loader import indicator_defs
        from models.supervision import indicator_due_date, indicator_status

        y = self.round_year()
        with self.ctx.db.uow() as uow:
            due = indicator_due_date(uow.session, y)
            status = indicator_status(uow.session, y, indicator_defs())
        self.due_date = due
        set_date(self.due, due)
        self.data_year.setText(self.tr("（报送{0}年度数据）").format(y - 1))
        self.rows = sorted(((st.subject, st.name, st.subject[0], st.label, st.worse) for st in status.values()),
                           key=lambda r: ({"未报": 0, "已报": 2}.get(r[I_STATE], 1), r[I_NAME]))
        missing = sum(1 for r in self.rows if r[I_STATE] == "未报")
        worse = sum(1 for r in self.rows if r[I_STATE] not in ("未报", "已报"))
        late = missing and due < self.today
        text = self.tr("应报 {0} 家：已报 {1} 家（其中关键指标比上年变差 {2} 家），未报 {3} 家。截止 {4}").format(
            len(self.rows), len(self.rows) - missing, worse, missing, due.isoformat())
        if late:
            text += self.tr("，已过截止日期，请催报未报单位。")
        else:
            text += self.tr("。")
        self.summary.setText(text)
        self.summary.setStyleSheet(f"color: {OVERDUE_COLOUR}" if late else "")
        self._fill()

    def _fill(self) -> None:
        rows = [r for r in self.rows if r[I_STATE] == "未报"] if self.only_missing.isChecked() else self.rows
        self.model.set_rows(rows)
        if rows:
            select_row(self.table, 0)

    def _on_changed(self, tables) -> None:
        if self.isVisible() and ({"indicator", "title", "*"} & set(tables)):
            self.refresh()

    def missing_names(self) -> list[str]:
        return [r[I_NAME] for r in self.rows if r[I_STATE] == "未报"]

    # ------------------------------------------------------------------ writing
    def save_due_date(self) -> bool:
        from models.supervision import SupervisionError, set_indicator_due_date

        y, due = self.round_year(), date_of(self.due)
        with self.ctx.db.uow() as uow:
            try:
                set_indicator_due_date(uow.session, y, due)
            except SupervisionError as exc:
                QMessageBox.warning(self, self.tr("截止日期"), str(exc))
                return False
            uow.commit()
        self.ctx.changed("setting")
        self.ctx.status.emit(self.tr("{0}年指标报送截止日期已改为 {1}。").format(y, due.isoformat()))
        self.refresh()
        return True

    def export_forms(self):
        """One pre-filled form per kind of holder (enterprises, parks) into a folder."""
        from exports.xlsx_forms import write_form

        from ..sync_ui import last_dir, run_task, set_last_dir

        rows = [r for r in self.rows if r[I_STATE] == "未报"] if self.export_missing.isChecked() else self.rows
        if not rows:
            QMessageBox.information(self, self.tr("导出年度指标表"), self.tr("没有需要报送指标的持证单位，未导出。"))
            return None
        folder = QFileDialog.getExistingDirectory(self, self.tr("选择保存年度指标表的文件夹"), last_dir(self.ctx, KEY_DIR))
        if not folder:
            return None
        set_last_dir(self.ctx, KEY_DIR, folder)
        data_year = self.round_year() - 1
        by_kind = {
            "indicator_enterprise": [r[I_REF][1] for r in rows if r[I_KIND] is SubjectKind.ENTERPRISE],
            "indicator_park": [r[I_REF][1] for r in rows if r[I_KIND] is SubjectKind.PARK],
        }
        names = {"indicator_enterprise": "企业", "indicator_park": "园区"}
        suffix = self.tr("（未报单位）") if self.export_missing.isChecked() else self.tr("（持证单位）")
        db = self.ctx.db

        def work(progress, should_stop):
            out = []
            with db.uow() as uow:
                for kind, ids in by_kind.items():
                    if not ids:
                        continue
                    progress(len(out), 2, f"正在生成{names[kind]}年度指标表")
                    path = Path(folder) / f"{data_year}年度{names[kind]}绿色制造关键指标采集表{suffix}.xlsx"
                    out.append(write_form(path, kind, session=uow.session, ids=ids, year=data_year))
            return out

        def done(paths: list[Path]) -> None:
            self.ctx.status.emit(self.tr("已导出年度指标表：{0}").format(folder))
            QMessageBox.information(self, self.tr("导出年度指标表"), self.tr(
                "已导出：\n{0}\n\n发给各单位填写{1}年度数据，收回后点“导入已填指标表…”。").format(
                "\n".join(p.name for p in paths), data_year))

        self.op = run_task(self, self.tr("导出年度指标表"), work, done, cancellable=False)
        return self.op

    def import_forms(self):
        """The filled forms come back through the ordinary form import (preview, then apply)."""
        from .import_forms import ImportFormsDialog, preview_task

        from ..sync_ui import IMPORT_FILTER, KEY_IMPORT_DIR, last_dir, set_last_dir

        paths, _ = QFileDialog.getOpenFileNames(self, self.tr("导入已填指标表"), last_dir(self.ctx, KEY_IMPORT_DIR),
                                                IMPORT_FILTER)
        if not paths:
            return None
        paths = [Path(p) for p in paths]
        set_last_dir(self.ctx, KEY_IMPORT_DIR, paths[0].parent)

        def done(preview) -> None:
            title = self.tr("导入已填指标表")
            if not preview.rows:
                text = "\n".join(str(e) for e in preview.rejected) if preview.rejected else self.tr("文件中没有填写任何数据行")
                QMessageBox.warning(self, title, text + self.tr("\n\n未导入任何数据。"))
                return
            dlg = ImportFormsDialog(self.ctx, preview, paths, self)
            self.import_dialog = dlg
            dlg.setModal(True)
            dlg.finished.connect(lambda _r: self.refresh())
            dlg.show()

        self.op = preview_task(self, self.ctx, paths, done)
        return self.op
