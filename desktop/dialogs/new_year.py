"""Start a new year: the clerk sees which unfinished applications of year N carry forward into
N+1 (with their stage) and how many finished ones stay, then confirms. Backup first, one
transaction, undoable from 撤销上次导入."""
from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import func, select

from models import pipeline as pl
from models.entities import Application
from models.stages import FINISHED_STAGES

from ..table_model import Column, RowsModel
from .import_forms import make_table


def plan_new_year(db, from_year: int) -> tuple[list[tuple], int, int]:
    """What starting ``from_year + 1`` would do, without doing it: the applications that would be
    carried (id, subject, title, stage), how many finished ones stay, and how many unfinished
    ones are not carried again (already carried, or already applying next year)."""
    with db.uow() as uow:  # left without commit: everything is rolled back
        s = uow.session
        carried = pl.start_new_year(s, from_year, user=s.info.get("user", ""))
        rows = [(a.carried_from_id, a.subject_name, a.title_kind.label, a.stage.label) for a in carried]
        finished = s.scalar(select(func.count()).select_from(Application).where(
            Application.year == from_year, Application.deleted_at.is_(None),
            Application.stage.in_(list(FINISHED_STAGES))))
        unfinished = s.scalar(select(func.count()).select_from(Application).where(
            Application.year == from_year, Application.deleted_at.is_(None),
            Application.stage.not_in(list(FINISHED_STAGES))))
        s.rollback()
    return rows, int(finished or 0), int(unfinished or 0) - len(rows)


class NewYearDialog(QDialog):
    def __init__(self, ctx, parent: QWidget | None = None, *, from_year: int | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.op = None
        self.result = None
        self.setWindowTitle(self.tr("开始新年度"))
        self.resize(760, 520)
        if from_year is None:
            with ctx.db.uow() as uow:
                years = pl.years(uow.session)
            from_year = max(years) if years else dt.date.today().year
        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setValue(from_year)
        self.year.setSuffix(self.tr(" 年度"))
        self.year.valueChanged.connect(lambda _v: self.refresh())
        self.arrow = QLabel()
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        cols = [Column("申报对象", 1, width=300), Column("称号", 2, width=140), Column("当前阶段", 3, width=120)]
        self.model = RowsModel(cols, id_index=0)
        self.view, self.proxy = make_table(self.model, [c.width for c in cols])
        self.btn_ok = QPushButton()
        self.btn_ok.setDefault(True)
        self.btn_ok.clicked.connect(self.start)
        self.btn_cancel = QPushButton(self.tr("取消"))
        self.btn_cancel.clicked.connect(self.reject)
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("从")))
        top.addWidget(self.year)
        top.addWidget(self.arrow)
        top.addStretch(1)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.btn_ok)
        bottom.addWidget(self.btn_cancel)
        note = QLabel(self.tr("未完成的申报（未认定、未被否决）结转到下一年度，阶段不变，并记录“由上年度结转”；"
                              "已认定和未通过的申报留在原年度。开始前自动备份数据库，可用“撤销上次导入”撤回。"))
        note.setWordWrap(True)
        note.setStyleSheet("color: #555;")
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.view, 1)
        layout.addWidget(note)
        layout.addLayout(bottom)
        self.refresh()

    @property
    def from_year(self) -> int:
        return self.year.value()

    def refresh(self) -> None:
        n = self.from_year
        rows, finished, skipped = plan_new_year(self.ctx.db, n)
        self.carry = rows
        self.arrow.setText(self.tr("→ 开始 {0} 年度").format(n + 1))
        text = self.tr("{0} 年度有 {1} 条未完成的申报将结转到 {2} 年度；已认定或未通过的 {3} 条留在 {0} 年度。").format(
            n, len(rows), n + 1, finished)
        if skipped:
            text += self.tr("另有 {0} 条已经结转过或下一年度已有同一称号的申报，不再重复。").format(skipped)
        if not rows:
            text = self.tr("{0} 年度没有需要结转的申报（已认定或未通过的 {1} 条留在原年度）。").format(n, finished) + \
                (self.tr("另有 {0} 条已经结转过。").format(skipped) if skipped else "")
        self.summary.setText(text)
        self.model.set_rows(rows)
        self.btn_ok.setText(self.tr("开始 {0} 年度（结转 {1} 条）").format(n + 1, len(rows)))
        self.btn_ok.setEnabled(bool(rows) and self.op is None)

    def start(self):
        from exports.importers import start_new_year

        from ..sync_ui import finish_apply, run_task

        n = self.from_year
        db = self.ctx.db
        title = self.tr("开始新年度")

        def work(progress, should_stop):
            progress(0, 0, f"正在结转 {n} 年度未完成的申报")
            return start_new_year(db, n)

        def done(result) -> None:
            count, backup = result
            self.result = result
            self.ctx.settings.setValue("pipeline/year", n + 1)
            finish_apply(self, title, backup, self.tr("开始 {0} 年度").format(n + 1),
                         self.tr("已开始 {0} 年度：结转了 {1} 条申报。").format(n + 1, count), self.tr("开始新年度"))

        def finished() -> None:
            self.op = None
            self.refresh()

        self.btn_ok.setEnabled(False)
        self.op = run_task(self, title, work, done, cancellable=False)
        self.op.done.connect(finished)
        return self.op
