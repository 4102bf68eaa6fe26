"""The editor for one enterprise or park: a form generated from the field definitions.

保存 (Ctrl+S) validates every field, saves through ``models.subjects`` in one unit of work (the
audit hook logs the change) and tells the other views. A credit code that another live
enterprise already has is refused, with a button that opens that enterprise.
"""
from __future__ import annotations


from PySide6.QtCore import QByteArray, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHeaderView,
    QLabel,
    QMessageBox,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import select

from forms.fields import ENTERPRISE, PARK, FormSchema
from models import subjects
from models.entities import Application, Enterprise, Park

from ..table_model import Column, RowsModel
from ..widgets.form_widget import ERROR_COLOUR, FormWidget

KINDS: dict[str, tuple[FormSchema, type, str]] = {
    "enterprise": (ENTERPRISE, Enterprise, "企业"),
    "park": (PARK, Park, "园区"),
}


class RecordEditor(QDialog):
    #: the record was saved: (kind, id)
    saved = Signal(str, int)

    def __init__(self, ctx, kind: str, record_id: int | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        if kind not in KINDS:
            raise ValueError(kind)
        self.ctx = ctx
        self.kind = kind
        self.record_id = record_id
        self.schema, self.model_cls, self.noun = KINDS[kind]
        self._dirty = False
        self.setModal(True)
        self.setSizeGripEnabled(True)

        record, applications, refs = self._load()
        self.record_name = record.get("name", "") if record is not None else ""
        if record_id is not None and record is None:
            self.missing = True
        else:
            self.missing = False
        if record_id is None:
            self.setWindowTitle(self.tr(f"新增{self.noun}"))
        else:
            self.setWindowTitle(self.tr(f"编辑{self.noun}") + (f" — {self.record_name}" if self.record_name else ""))

        self.form = FormWidget(self.schema, (lambda: refs) if refs is not None else None)
        if record is not None:
            self.form.set_record(record)
        self.form.changed.connect(self._on_changed)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(self.form)

        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        self.applications_view: QTableView | None = None
        if record is not None and applications is not None:
            layout.addWidget(self._applications_box(applications))
        from ..supervision_ui import ban_label  # 第十八条: a unit whose title was revoked may not apply for 3 years

        self.ban_label = ban_label(ctx, kind, record_id) if record is not None else None
        if self.ban_label is not None:
            layout.addWidget(self.ban_label)

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet(f"color: {ERROR_COLOUR};")
        self.message.hide()
        layout.addWidget(self.message)

        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton(self.tr("保存"), QDialogButtonBox.ButtonRole.AcceptRole)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self, self.save)  # Ctrl+S
        self.save_button.setToolTip(self.tr("保存（Ctrl+S）"))
        self.save_button.setDefault(True)
        self.cancel_button = buttons.addButton(self.tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
        self.save_button.clicked.connect(self.save)
        self.cancel_button.clicked.connect(self.reject)
        layout.addWidget(buttons)

        self._restore_geometry()
        if self.missing:
            self.form.setEnabled(False)
            self.save_button.setEnabled(False)
            self._say(self.tr(f"找不到这条{self.noun}记录，可能已被删除。请关闭窗口后刷新列表。"))

    # ------------------------------------------------------------------ loading
    def _load(self) -> tuple[dict | None, list[tuple] | None, dict | None]:
        """The record's stored values, its applications, and the park names."""
        with self.ctx.db.uow() as uow:
            s = uow.session
            record = None
            if self.record_id is not None:
                record = s.get(self.model_cls, self.record_id)
                if record is not None and record.deleted_at is not None:
                    record = None
                if record is not None:
                    # a plain snapshot: the session's objects expire when the unit of work ends
                    values = {k: getattr(record, k) for k in self.schema.keys}
                    values["id"] = record.id
                    if self.kind == "enterprise" and record.park is not None:
                        values["park"] = {"name": record.park.name}
                    record = values
            refs = {"park": subjects.park_name_index(s)} if self.kind == "enterprise" else None
            apps = None
            if record is not None:
                col = Application.enterprise_id if self.kind == "enterprise" else Application.park_id
                q = (select(Application.id, Application.year, Application.title_kind, Application.stage)
                     .where(col == self.record_id, Application.deleted_at.is_(None))
                     .order_by(Application.year.desc(), Application.id))
                apps = [tuple(r) for r in s.execute(q)]
        return record, apps, refs

    def _applications_box(self, rows: list[tuple]) -> QGroupBox:
        box = QGroupBox(self.tr(f"申报记录（{len(rows)}）"))
        col = QVBoxLayout(box)
        if not rows:
            col.addWidget(QLabel(self.tr("暂无申报记录。")))
            return box
        model = RowsModel([
            Column(self.tr("年度"), 1, align_right=True),
            Column(self.tr("称号"), 2, display=lambda k: k.label if k is not None else ""),
            Column(self.tr("环节"), 3, display=lambda s: s.label if s is not None else ""),
        ], self)
        model.set_rows(rows)
        view = QTableView()
        view.setModel(model)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.verticalHeader().hide()
        view.horizontalHeader().setStretchLastSection(True)
        view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        view.setAlternatingRowColors(True)
        view.setMaximumHeight(150)
        view.setToolTip(self.tr("在“培育申报看板”中推进或修改申报"))
        col.addWidget(view)
        self.applications_view = view
        self.applications_model = model
        return box

    # ------------------------------------------------------------------ saving
    def _on_changed(self) -> None:
        self._dirty = True
        if self.message.isVisible() and not self.form.errors():
            self.message.hide()

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def save(self) -> bool:
        clean, errors = self.form.clean()
        if errors:
            labels = [self.schema.field(k).label for k in self.schema.keys if k in errors]
            self._say(self.tr(f"有 {len(errors)} 项需要修改：") + "、".join(labels) + self.tr("。请按红字提示改正后再保存。"))
            self.form.focus_first_error()
            return False
        try:
            with self.ctx.db.uow() as uow:
                s = uow.session
                record = None
                if self.record_id is not None:
                    record = s.get(self.model_cls, self.record_id)
                    if record is None or record.deleted_at is not None:
                        self._say(self.tr(f"这条{self.noun}记录已被删除，无法保存。可用 编辑→撤销删除 恢复后再修改。"))
                        return False
                if self.kind == "enterprise":
                    saved = subjects.save_enterprise(s, clean, record=record)
                else:
                    saved = subjects.save_park(s, clean, record=record)
                record_id, name = saved.id, saved.name
                uow.commit()
        except subjects.DuplicateCreditCode as exc:
            self.form.show_error("credit_code", self.tr(f"此代码已属于「{exc.existing_name}」，不能重复录入。"))
            self._say(str(exc))
            self._ask_open_existing(exc)
            return False
        self.record_id = record_id
        self.record_name = name
        self._dirty = False
        self.saved.emit(self.kind, record_id)
        self.ctx.changed(self.kind)
        self.ctx.status.emit(self.tr(f"已保存{self.noun}「{name}」。"))
        self.accept()
        return True

    def _ask_open_existing(self, exc: subjects.DuplicateCreditCode) -> None:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(self.tr("统一社会信用代码重复"))
        box.setText(self.tr(f"统一社会信用代码 {exc.code} 已属于「{exc.existing_name}」，同一代码不能重复录入。"))
        box.setInformativeText(self.tr("可打开已有记录查看或修改；当前窗口中填写的内容不会丢失。"))
        open_button = box.addButton(self.tr("打开已有记录"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(self.tr("返回修改"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(open_button)
        box.exec()
        if box.clickedButton() is open_button:
            self.open_existing(exc.existing_id)

    def open_existing(self, record_id: int) -> None:
        """Open the enterprise that already holds the code, on top of this editor."""
        other = RecordEditor(self.ctx, "enterprise", record_id, self)
        other.exec()

    # ------------------------------------------------------------------ closing
    def reject(self) -> None:
        if self._dirty and self.isVisible():
            answer = QMessageBox.question(
                self, self.tr("放弃修改"), self.tr("有尚未保存的修改，关闭后将丢失。确定放弃吗？"),
                QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Discard:
                return
        super().reject()

    def _geometry_key(self) -> str:
        return f"editor/{self.kind}/geometry"

    def _restore_geometry(self) -> None:
        geo = self.ctx.settings.value(self._geometry_key())
        if isinstance(geo, QByteArray) and not geo.isEmpty():
            self.restoreGeometry(geo)
        else:
            self.resize(640, 760 if self.kind == "enterprise" else 520)

    def done(self, result: int) -> None:
        self.ctx.settings.setValue(self._geometry_key(), self.saveGeometry())
        super().done(result)


__all__ = ["RecordEditor"]
