"""Asking for the reason of a move that is not an ordinary step forward.

Going back (退回补正), skipping a stage, or changing a result (已认定 ↔ 未通过) needs a written
reason (domain.md "The pipeline of one application"); the 确定 button stays disabled until one
is typed. The reason is stored with the move and shown in the history.
"""
from __future__ import annotations

from typing import Sequence

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from models.stages import MoveKind, Stage, classify_move, move_explanation

#: A few reasons clerks give often; a click puts one in the box, where it can be edited.
COMMON_REASONS: dict[MoveKind, tuple[str, ...]] = {
    MoveKind.BACK: ("退回补正：材料不齐全", "退回补正：第三方评价报告需修改", "数据有误，退回核实"),
    MoveKind.SKIP: ("相关材料已齐备，直接进入该环节", "补录以往进度"),
    MoveKind.LATERAL: ("按市经济信息委公布名单更正",),
}


def _names_text(names: Sequence[str]) -> str:
    shown = "、".join(f"「{n}」" for n in names[:3])
    if len(names) > 3:
        shown += f"等 {len(names)} 项"
    return shown


class MoveDialog(QDialog):
    def __init__(self, src: Stage | None, dst: Stage, names: Sequence[str] = (),
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("填写移动原因"))
        self.setMinimumWidth(420)
        lay = QVBoxLayout(self)

        if src is not None:
            explanation = move_explanation(src, dst)
            kind = classify_move(src, dst)
        else:  # several source stages at once
            explanation = self.tr("把所选申报移到「{0}」，请填写原因").format(dst.label)
            kind = MoveKind.BACK
        self.explanation = QLabel(explanation)
        self.explanation.setWordWrap(True)
        font = self.explanation.font()
        font.setBold(True)
        self.explanation.setFont(font)
        lay.addWidget(self.explanation)
        if names:
            who = QLabel(self.tr("涉及申报：") + _names_text(list(names)))
            who.setWordWrap(True)
            lay.addWidget(who)

        lay.addWidget(QLabel(self.tr("原因（必填，将记入环节变更记录）：")))
        self.reason_edit = QPlainTextEdit()
        self.reason_edit.setPlaceholderText(self.tr("例如：退回补正，第三方评价报告缺少现场评价照片"))
        self.reason_edit.setTabChangesFocus(True)
        self.reason_edit.setFixedHeight(90)
        lay.addWidget(self.reason_edit)

        common = COMMON_REASONS.get(kind, ())
        if common:
            row = QHBoxLayout()
            row.addWidget(QLabel(self.tr("常用：")))
            for text in common:
                b = QPushButton(text)
                b.setAutoDefault(False)
                b.setFlat(True)
                b.setStyleSheet("QPushButton { color: palette(link); text-align: left; }")
                b.clicked.connect(lambda _=False, t=text: self.reason_edit.setPlainText(t))
                row.addWidget(b)
            row.addStretch(1)
            lay.addLayout(row)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("确定移动"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)

        self.reason_edit.textChanged.connect(self._update_ok)
        self._update_ok()
        self.reason_edit.setFocus()

    def reason(self) -> str:
        return self.reason_edit.toPlainText().strip()

    def _update_ok(self) -> None:
        self.ok_button.setEnabled(bool(self.reason()))

    def accept(self) -> None:
        if not self.reason():  # e.g. Enter pressed with only spaces typed
            return
        super().accept()

    @classmethod
    def get_reason(cls, parent: QWidget | None, src: Stage | None, dst: Stage,
                   names: Sequence[str] = ()) -> str | None:
        """The reason typed, or None when the clerk cancelled."""
        dlg = cls(src, dst, names, parent)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            return dlg.reason()
        return None
