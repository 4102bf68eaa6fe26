"""A form built from a ``forms.fields.FormSchema``: one widget per field, validated as typed.

The field definitions (label, kind, note, choices, parser) live once in ``forms/fields.py``; this
widget only turns them into editors. Each field shows the reason for a bad value in Chinese in a
small red line under its widget, as soon as it is typed. ``values()`` gives the raw input,
``clean()`` the validated values and the errors (through ``FormSchema.validate``).

The credit-code field carries its override: when the code's only fault is the GB 32100-2015
check character, a check box “校验位例外（确属真实代码）” appears; ticking it and giving a reason
lets the code be saved, and the reason is stored in the schema's override field.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Callable, Mapping

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from forms.fields import Field, FormSchema, Kind
from forms.validators import ValidationError, clean_text, normalise_credit_code, validate_credit_code

RefsProvider = Callable[[], Mapping[str, Mapping[str, int]]]

ERROR_COLOUR = "#c5221f"
DATE_PLACEHOLDER = "2024-05-06"
OVERRIDE_CHECK_TEXT = "校验位例外（确属真实代码）"
LINE_KINDS = (Kind.TEXT, Kind.CREDIT_CODE, Kind.PHONE, Kind.DATE, Kind.INT, Kind.DECIMAL)
COMBO_KINDS = (Kind.DISTRICT, Kind.INDUSTRY, Kind.CHOICE, Kind.REF)
#: kinds whose text is tidied to the canonical form when the field loses focus
NORMALISED_ON_LEAVE = (Kind.CREDIT_CODE, Kind.PHONE, Kind.DATE, Kind.INT)


def only_check_char_wrong(raw: str) -> bool:
    """True when a credit code fails GB 32100-2015 only by its check character."""
    try:
        validate_credit_code(raw)
        return False
    except ValidationError:
        pass
    try:
        validate_credit_code(raw, allow_bad_check=True)
        return True
    except ValidationError:
        return False


class _FocusOut(QObject):
    def __init__(self, callback: Callable[[], None], parent: QObject) -> None:
        super().__init__(parent)
        self._callback = callback

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if event.type() == QEvent.Type.FocusOut:
            self._callback()
        return False


class FormWidget(QWidget):
    #: the user changed a value
    changed = Signal()

    def __init__(self, schema: FormSchema, refs_provider: RefsProvider | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.schema = schema
        self._refs_provider = refs_provider
        self._refs: Mapping[str, Mapping[str, int]] = refs_provider() if refs_provider else {}
        self.editors: dict[str, QWidget] = {}
        self.labels: dict[str, QLabel] = {}
        self.error_labels: dict[str, QLabel] = {}
        self._loading = False
        self._touched: set[str] = set()
        # the credit-code override: {override field key: credit-code field key}
        self._override_of: dict[str, str] = {
            f.allow_override_key: f.key
            for f in schema.fields
            if f.allow_override_key and f.allow_override_key in schema.keys
        }
        self.override_checks: dict[str, QCheckBox] = {}
        self.override_edits: dict[str, QLineEdit] = {}
        self._build()

    # ------------------------------------------------------------------ building
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        form = QFormLayout()
        outer.addLayout(form)
        outer.addStretch(1)  # spare height goes below the last field, not between rows
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        form.setVerticalSpacing(6)
        self._form = form
        for f in self.schema.fields:
            if f.key in self._override_of:
                continue  # shown under its credit-code field
            widget = self._make_editor(f)
            widget.setObjectName(f"field_{f.key}")
            if f.note:
                widget.setToolTip(f.note)
            self.editors[f.key] = widget

            label = QLabel(self._label_text(f))
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setBuddy(widget)
            if f.note:
                label.setToolTip(f.note)
            # line the label up with the editor's text, not with the error line below it
            if f.kind is Kind.MULTILINE:
                label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
                label.setContentsMargins(0, 4, 0, 0)
            else:
                label.setFixedHeight(widget.sizeHint().height())
                label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.labels[f.key] = label

            box = QWidget()
            col = QVBoxLayout(box)
            col.setContentsMargins(0, 0, 0, 0)
            col.setSpacing(2)
            col.addWidget(widget)
            col.addWidget(self._error_label(f.key))
            if f.allow_override_key and f.allow_override_key in self._override_of:
                self._build_override(col, f)
            form.addRow(label, box)
            item = form.itemAt(form.rowCount() - 1, QFormLayout.ItemRole.LabelRole)
            if item is not None:
                item.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)

    def _label_text(self, f: Field) -> str:
        text = self.tr(f.label)
        if f.required:
            return f'{text}<span style="color:{ERROR_COLOUR}">&nbsp;*</span>'
        return text

    def _error_label(self, key: str) -> QLabel:
        err = QLabel()
        err.setObjectName(f"error_{key}")
        err.setWordWrap(True)
        err.setStyleSheet(f"color: {ERROR_COLOUR};")
        font = err.font()
        if font.pointSizeF() > 0:
            font.setPointSizeF(font.pointSizeF() * 0.9)
        err.setFont(font)
        err.hide()
        self.error_labels[key] = err
        return err

    def _build_override(self, col: QVBoxLayout, code_field: Field) -> None:
        key = code_field.allow_override_key
        assert key is not None
        reason_field = self.schema.field(key)
        check = QCheckBox(self.tr(OVERRIDE_CHECK_TEXT))
        check.setToolTip(self.tr("营业执照上的真实代码偶有未通过校验位的情况：核对原件无误后勾选，并写明原因。"))
        check.hide()
        reason = QLineEdit()
        reason.setObjectName(f"field_{key}")
        reason.setPlaceholderText(self.tr(reason_field.label) + "：" + self.tr(reason_field.note or ""))
        reason.setToolTip(reason_field.note)
        if reason_field.max_len:
            reason.setMaxLength(reason_field.max_len)
        reason.hide()
        check.toggled.connect(lambda on: self._on_override_toggled(key, on))
        reason.textChanged.connect(lambda _t: self._on_edited(key))
        col.addWidget(check)
        col.addWidget(reason)
        col.addWidget(self._error_label(key))
        self.override_checks[key] = check
        self.override_edits[key] = reason
        self.editors[key] = reason

    def _make_editor(self, f: Field) -> QWidget:
        if f.kind is Kind.MULTILINE:
            w = QPlainTextEdit()
            w.setTabChangesFocus(True)
            w.setFixedHeight(max(64, w.fontMetrics().lineSpacing() * 4))
            if f.placeholder:
                w.setPlaceholderText(f.placeholder)
            w.textChanged.connect(lambda: self._on_edited(f.key))
            return w
        if f.kind is Kind.BOOL:
            w = QCheckBox(self.tr("是"))
            w.toggled.connect(lambda _on: self._on_edited(f.key))
            return w
        if f.kind in COMBO_KINDS:
            return self._make_combo(f)
        w = QLineEdit()
        w.setClearButtonEnabled(f.kind not in (Kind.INT, Kind.DECIMAL))
        placeholder = f.placeholder or (DATE_PLACEHOLDER if f.kind is Kind.DATE else "")
        if placeholder:
            w.setPlaceholderText(placeholder)
        if f.max_len:
            w.setMaxLength(f.max_len)
        if f.kind in (Kind.INT, Kind.DECIMAL, Kind.DATE, Kind.PHONE):
            w.setMaximumWidth(220)
        w.textChanged.connect(lambda _t: self._on_edited(f.key))
        if f.kind in NORMALISED_ON_LEAVE:
            w.installEventFilter(_FocusOut(lambda: self.normalise(f.key), w))
        return w

    def _choices(self, f: Field) -> list[tuple[Any, str]]:
        if f.kind is Kind.REF:
            table = self._refs.get(f.ref or "", {})
            return [(i, name) for name, i in sorted(table.items(), key=lambda kv: kv[0])]
        return f.choice_list()

    def _make_combo(self, f: Field) -> QComboBox:
        cb = QComboBox()
        cb.setEditable(True)
        cb.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        cb.setMaxVisibleItems(20)
        cb.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        cb.setMinimumContentsLength(16)
        self._fill_combo(cb, f)
        completer = QCompleter(cb.model(), cb)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        completer.setMaxVisibleItems(15)
        cb.setCompleter(completer)
        hint = {Kind.DISTRICT: "输入区县名或代码筛选", Kind.INDUSTRY: "输入行业名或大类代码筛选",
                Kind.REF: "输入名称筛选，不在园区可不填"}.get(f.kind, "输入筛选或从列表选择")
        cb.lineEdit().setPlaceholderText(f.placeholder or self.tr(hint))
        cb.editTextChanged.connect(lambda _t: self._on_edited(f.key))
        return cb

    def _fill_combo(self, cb: QComboBox, f: Field) -> None:
        blocked = cb.blockSignals(True)
        cb.clear()
        for value, label in self._choices(f):
            cb.addItem(label, value)
        cb.setCurrentIndex(-1)
        cb.setEditText("")
        cb.blockSignals(blocked)

    def reload_refs(self) -> None:
        """Fetch the referenced records again (e.g. after a park was added)."""
        if self._refs_provider is None:
            return
        self._refs = self._refs_provider()
        for f in self.schema.fields:
            if f.kind is Kind.REF and f.key in self.editors:
                value = self.values()[f.key]
                self._loading = True
                try:
                    self._fill_combo(self.editors[f.key], f)  # type: ignore[arg-type]
                    self._show_value(f, value, None)
                finally:
                    self._loading = False

    # ------------------------------------------------------------------ reading
    def widget(self, key: str) -> QWidget:
        return self.editors[key]

    def _raw(self, f: Field) -> Any:
        if f.key in self._override_of:
            return self._override_reason(f.key)
        w = self.editors[f.key]
        if isinstance(w, QPlainTextEdit):
            return w.toPlainText()
        if isinstance(w, QCheckBox):
            return w.isChecked()
        if isinstance(w, QComboBox):
            text = w.currentText().strip()
            idx = w.findText(text, Qt.MatchFlag.MatchFixedString | Qt.MatchFlag.MatchCaseSensitive)
            if text and idx >= 0:
                return w.itemData(idx)
            return text
        assert isinstance(w, QLineEdit)
        return w.text()

    def _override_reason(self, key: str) -> str:
        check = self.override_checks[key]
        if check.isVisibleTo(self) and check.isChecked():
            return self.override_edits[key].text()
        return ""

    def values(self) -> dict[str, Any]:
        """The raw input of every field (combo boxes give the stored value of a listed item)."""
        return {f.key: self._raw(f) for f in self.schema.fields}

    def _override_value(self, f: Field) -> str:
        return clean_text(self._override_reason(f.allow_override_key)) if (
            f.allow_override_key in self._override_of) else ""

    def _field_error(self, f: Field, raw: Any) -> str:
        """The reason ``raw`` does not fit ``f``, or ''."""
        if f.key in self._override_of:
            check = self.override_checks[f.key]
            if check.isVisibleTo(self) and check.isChecked() and not clean_text(raw):
                return self.tr("已勾选校验位例外，请写明原因（例如：经核对营业执照原件无误）。")
        try:
            f.parse(raw, refs=self._refs, override=self._override_value(f))
        except ValidationError as exc:
            return str(exc)
        return ""

    def clean(self) -> tuple[dict[str, Any], dict[str, str]]:
        """Validate everything; shows every reason and returns (clean values, errors by key)."""
        values = self.values()
        clean, errors = self.schema.validate(values, refs=self._refs)
        for key, code_key in self._override_of.items():
            msg = self._field_error(self.schema.field(key), values[key])
            if msg:
                errors[key] = msg
            elif key in clean and code_key in clean and clean[key]:
                # an override is only kept while the code really fails its check character
                if not only_check_char_wrong(str(clean[code_key])):
                    clean[key] = ""
        for key in self.error_labels:
            self._touched.add(key)
            self.show_error(key, errors.get(key, ""))
        return clean, errors

    def is_valid(self) -> bool:
        return not self.clean()[1]

    def errors(self) -> dict[str, str]:
        """The reasons currently shown, by field key."""
        return {k: lbl.text() for k, lbl in self.error_labels.items() if lbl.text()}

    def error_text(self, key: str) -> str:
        return self.error_labels[key].text()

    def focus_first_error(self) -> None:
        for f in self.schema.fields:
            if self.error_labels.get(f.key) is not None and self.error_labels[f.key].text():
                self.editors[f.key].setFocus(Qt.FocusReason.OtherFocusReason)
                return

    # ------------------------------------------------------------------ writing
    def set_value(self, key: str, raw: Any) -> None:
        """Put ``raw`` into the field as if typed (validates it as typing would)."""
        f = self.schema.field(key)
        if key in self._override_of:
            self.override_checks[key].setChecked(bool(clean_text(raw)))
            self.override_edits[key].setText(clean_text(raw))
            return
        w = self.editors[key]
        if isinstance(w, QPlainTextEdit):
            w.setPlainText("" if raw is None else str(raw))
        elif isinstance(w, QCheckBox):
            w.setChecked(bool(raw))
        elif isinstance(w, QComboBox):
            idx = w.findData(raw) if raw not in (None, "") else -1
            if idx >= 0:
                w.setCurrentIndex(idx)
            else:
                w.setEditText("" if raw is None else str(raw))
        else:
            w.setText("" if raw is None else str(raw))  # type: ignore[union-attr]
        self._on_edited(f.key)

    def set_record(self, record: Any) -> None:
        """Fill the widgets from a stored record (ORM object or dict): codes shown as their labels,
        the park id as the park's name, dates as YYYY-MM-DD."""
        def get(key: str) -> Any:
            if isinstance(record, Mapping):
                return record.get(key)
            return getattr(record, key, None)

        self._loading = True
        try:
            for f in self.schema.fields:
                if f.key in self._override_of:
                    continue
                related = get(f.ref) if f.kind is Kind.REF and f.ref else None
                self._show_value(f, get(f.key), related)
            for key in self._override_of:
                reason = clean_text(get(key) or "")
                self.override_checks[key].setChecked(bool(reason))
                self.override_edits[key].setText(reason)
        finally:
            self._loading = False
        self._touched.clear()
        # a stored value that no longer fits shows its reason straight away
        for f in self.schema.fields:
            raw = self._raw(f) if f.key in self.editors else None
            self._update_override_visibility(f.key)
            if not f.is_empty(raw) and f.kind is not Kind.BOOL:
                self._validate(f.key)
            else:
                self.show_error(f.key, "")

    def _show_value(self, f: Field, value: Any, related: Any) -> None:
        w = self.editors[f.key]
        if isinstance(w, QCheckBox):
            w.setChecked(bool(value))
        elif isinstance(w, QPlainTextEdit):
            w.setPlainText("" if value is None else str(value))
        elif isinstance(w, QComboBox):
            if value in (None, ""):
                w.setCurrentIndex(-1)
                w.setEditText("")
                return
            idx = w.findData(value)
            if idx < 0 and f.kind is Kind.REF and related is not None:
                # e.g. a park deleted since: keep the link and show its name
                name = related.get("name") if isinstance(related, Mapping) else getattr(related, "name", None)
                w.addItem(str(name or value), value)
                idx = w.count() - 1
            if idx >= 0:
                w.setCurrentIndex(idx)
            else:
                w.setEditText(f.display(value))
        else:
            if isinstance(value, (dt.date, dt.datetime)):
                text = value.strftime("%Y-%m-%d")
            else:
                text = "" if value is None else str(value)
            w.setText(text)  # type: ignore[union-attr]
            w.setCursorPosition(0)  # type: ignore[union-attr]

    def clear(self) -> None:
        self.set_record({})

    # ------------------------------------------------------------------ validation as typed
    def _on_edited(self, key: str) -> None:
        if self._loading:
            return
        self._touched.add(key)
        self._validate(key)
        code_key = self._override_of.get(key)
        if code_key is not None:
            self._validate(code_key)
        self.changed.emit()

    def _on_override_toggled(self, key: str, on: bool) -> None:
        self.override_edits[key].setVisible(on and self.override_checks[key].isVisibleTo(self))
        if on and not self._loading:
            self.override_edits[key].setFocus(Qt.FocusReason.OtherFocusReason)
        self._on_edited(key)

    def _update_override_visibility(self, code_key: str) -> None:
        f = self.schema.field(code_key)
        key = f.allow_override_key
        if not key or key not in self._override_of:
            return
        show = only_check_char_wrong(str(self._raw(f) or ""))
        check = self.override_checks[key]
        check.setVisible(show)
        self.override_edits[key].setVisible(show and check.isChecked())
        if not show:
            self.show_error(key, "")

    def _validate(self, key: str) -> str:
        f = self.schema.field(key)
        if f.allow_override_key:
            self._update_override_visibility(key)
        raw = self._raw(f)
        msg = self._field_error(f, raw)
        if f.key in self._override_of and not self.override_checks[f.key].isVisibleTo(self):
            msg = ""
        self.show_error(key, msg)
        return msg

    def show_error(self, key: str, message: str) -> None:
        """Show ``message`` (or clear it) under the field ``key``."""
        label = self.error_labels.get(key)
        if label is None:
            return
        label.setText(message)
        label.setVisible(bool(message))

    def normalise(self, key: str) -> None:
        """Tidy a field's text to its canonical form (on leaving it): lower-case or full-width
        credit codes, 8-digit landlines → 023-…, 2024年5月6日 → 2024-05-06."""
        f = self.schema.field(key)
        w = self.editors.get(key)
        if not isinstance(w, QLineEdit):
            return
        raw = w.text()
        if f.is_empty(raw):
            return
        if f.kind is Kind.CREDIT_CODE:
            text = normalise_credit_code(raw)
        else:
            try:
                text = f.display(f.parse(raw, refs=self._refs))
            except ValidationError:
                return
        if text != raw:
            w.setText(text)
