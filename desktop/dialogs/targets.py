"""编辑目标: the district's own targets for one year, one number per title.

Kept in the setting ``targets:{year}`` (models.dashboard.set_targets). Beside each number the
municipal target to 2027 (seed 001, 渝经信发〔2024〕3号) is shown as a reference: the district
decides its own share each year.
"""
from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from models.stages import TitleKind


class TargetsDialog(QDialog):
    def __init__(self, ctx, year: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from models.dashboard import TARGET_KINDS, get_targets, municipal_targets

        self.ctx = ctx
        self.year = year
        self.setWindowTitle(self.tr("编辑{y}年目标").format(y=year))
        with ctx.db.uow() as uow:
            current = get_targets(uow.session, year)
        doc, until, city = municipal_targets()

        intro = QLabel(self.tr(
            "填写本区县{y}年各称号的目标数量（0 表示不设目标）。“已认定”按认定日期在{y}年的称号计算。"
        ).format(y=year))
        intro.setWordWrap(True)
        form = QFormLayout()
        self.spins: dict[TitleKind, QSpinBox] = {}
        kinds = list(TARGET_KINDS) + [k for k in TitleKind if k not in TARGET_KINDS]
        for kind in kinds:
            spin = QSpinBox()
            spin.setRange(0, 9999)
            spin.setValue(current.get(kind, 0))
            spin.setSuffix(self.tr(" 家") if kind.subject.value == "enterprise" else self.tr(" 个"))
            spin.setAccessibleName(kind.label)
            self.spins[kind] = spin
            row = QHBoxLayout()
            row.addWidget(spin)
            if kind in city:
                ref = QLabel(self.tr("全市到{u}年：{n}").format(u=until, n=city[kind]))
                ref.setStyleSheet("color: #666;")
                ref.setToolTip(self.tr("{doc}《重庆市推进制造业绿色低碳发展实施方案》").format(doc=doc))
                row.addWidget(ref)
            row.addStretch(1)
            form.addRow(kind.label, row)
        from ..review_ui import ok_cancel

        buttons = ok_cancel(self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("保存"))
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addLayout(form)
        lay.addWidget(buttons)

    def values(self) -> dict[TitleKind, int]:
        return {k: s.value() for k, s in self.spins.items()}

    def set_values(self, values: dict[TitleKind, int]) -> None:
        for k, n in values.items():
            self.spins[k].setValue(n)

    def save(self) -> bool:
        from models.dashboard import set_targets

        from ..dashboard_ui import save_setting

        values = self.values()
        return save_setting(self, lambda s: set_targets(s, self.year, values), self.tr("{y}年目标").format(y=self.year))

    def accept(self) -> None:
        if self.save():
            super().accept()
