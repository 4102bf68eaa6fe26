"""The office profile (单位信息): district, bureau name, document-number prefix, signatory, contact.

Set once, stored in the database (``office_profile``); the letters and tables read it from there.
"""
from __future__ import annotations

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from forms import codes
from forms.office import PROFILE
from models.office import get_profile, save_profile

from ..widgets.form_widget import ERROR_COLOUR, FormWidget


class ProfileDialog(QDialog):
    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("单位信息"))
        self.setModal(True)

        intro = QLabel(self.tr("本单位的信息用于推荐函的发文机关、文号和联系人，只需填写一次，以后可随时修改。"))
        intro.setWordWrap(True)
        self.form = FormWidget(PROFILE)
        with ctx.db.uow() as uow:
            profile = get_profile(uow.session)
            uow.commit()  # the row is created on first use
        self.form.set_record(profile)

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet(f"color: {ERROR_COLOUR};")
        self.message.hide()

        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton(self.tr("保存"), QDialogButtonBox.ButtonRole.AcceptRole)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self, self.save)  # Ctrl+S
        self.save_button.setDefault(True)
        cancel = buttons.addButton(self.tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
        self.save_button.clicked.connect(self.save)
        cancel.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.form)
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.resize(560, self.sizeHint().height())

    def save(self) -> bool:
        clean, errors = self.form.clean()
        if errors:
            labels = [PROFILE.field(k).label for k in PROFILE.keys if k in errors]
            self.message.setText(self.tr("请先改正：") + "、".join(labels) + self.tr("。"))
            self.message.show()
            self.form.focus_first_error()
            return False
        clean["district_name"] = codes.district_name(clean.get("district_code"))
        with self.ctx.db.uow() as uow:
            save_profile(uow.session, clean)
            uow.commit()
        self.ctx.status.emit(self.tr(f"已保存单位信息：{clean.get('bureau_name', '')}。"))
        self.accept()
        return True
