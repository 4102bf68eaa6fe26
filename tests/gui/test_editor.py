"""The record editor generated from the field definitions, and the office-profile dialog:
validation messages as typed, normalising, the credit-code override, duplicates, the audit log."""
from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import select

from desktop.dialogs.profile import ProfileDialog
from desktop.dialogs.record_editor import RecordEditor
from desktop.widgets.form_widget import FormWidget
from forms.fields import ENTERPRISE
from forms.validators import CREDIT_ALPHABET, credit_check_char
from models.entities import AuditEntry, Enterprise, Park
from models.office import get_profile


@pytest.fixture(autouse=True)
def asked(monkeypatch) -> list[str]:
    """No test may block on a modal question: record it and answer “放弃” (Discard)."""
    questions: list[str] = []

    def question(parent, title, text, *args, **kwargs):
        questions.append(text)
        return QMessageBox.StandardButton.Discard

    monkeypatch.setattr(QMessageBox, "question", question)
    return questions


def good_code(body17: str = "91500112MA5U7AMQ8") -> str:
    return body17 + credit_check_char(body17)


def bad_check_code(body17: str = "91500112MA5U7AMQ8") -> tuple[str, str]:
    """A code whose only fault is its check character, and the character it should have."""
    right = credit_check_char(body17)
    wrong = next(c for c in CREDIT_ALPHABET if c != right)
    return body17 + wrong, right


def open_editor(qtbot, ctx, kind="enterprise", record_id=None) -> RecordEditor:
    editor = RecordEditor(ctx, kind, record_id)
    qtbot.addWidget(editor)
    return editor


def fill_enterprise(form: FormWidget, **overrides) -> None:
    values = {"name": "重庆绿源机械有限公司", "credit_code": good_code(), "district_code": "渝北区",
              "industry_code": "34", "phone": "13800138000"}
    values.update(overrides)
    for key, raw in values.items():
        form.set_value(key, raw)


def add_park(ctx, name="重庆空港工业园区") -> int:
    with ctx.db.uow() as uow:
        park = Park(name=name, park_type="工业集聚区", approval_level="市级", district_code="500112")
        uow.session.add(park)
        uow.session.flush()
        pid = park.id
        uow.commit()
    return pid


def stored(ctx, name: str) -> Enterprise:
    with ctx.db.uow() as uow:
        ent = uow.session.scalars(select(Enterprise).where(Enterprise.name == name)).one()
        uow.session.expunge(ent)  # keep its loaded values after the unit of work ends
        return ent


# ---------------------------------------------------------------------------- the form itself

def test_form_builds_one_labelled_widget_per_field_with_required_marks(qtbot):
    form = FormWidget(ENTERPRISE)
    qtbot.addWidget(form)
    shown = [k for k in ENTERPRISE.keys if k != "credit_code_override"]
    assert set(shown) <= set(form.editors)
    assert "*" in form.labels["name"].text() and "企业名称" in form.labels["name"].text()
    assert "*" not in form.labels["address"].text()
    assert form.widget("founded_on").placeholderText() == "2024-05-06"
    assert "4754" in form.widget("industry_code").toolTip()


def test_bad_check_character_names_the_expected_one(qtbot, ctx):
    editor = open_editor(qtbot, ctx)
    code, right = bad_check_code()
    editor.form.set_value("credit_code", code)
    msg = editor.form.error_text("credit_code")
    assert "校验位" in msg and f"应为「{right}」" in msg
    assert editor.form.error_labels["credit_code"].isVisibleTo(editor)
    # fixing the last character clears the message as typed
    editor.form.set_value("credit_code", code[:17] + right)
    assert editor.form.error_text("credit_code") == ""


def test_lower_case_full_width_code_with_spaces_is_accepted_and_saved_canonical(qtbot, ctx):
    editor = open_editor(qtbot, ctx)
    code = good_code()
    typed = "".join(chr(ord(c) + 0xFEE0) for c in code[:9].lower()) + " " + code[9:].lower()
    fill_enterprise(editor.form, credit_code=typed)
    assert editor.form.error_text("credit_code") == ""
    editor.form.normalise("credit_code")  # what leaving the field does
    assert editor.form.widget("credit_code").text() == code
    assert editor.save()
    assert stored(ctx, "重庆绿源机械有限公司").credit_code == code


def test_credit_code_is_tidied_when_the_field_loses_focus(qtbot, ctx):
    editor = open_editor(qtbot, ctx)
    with qtbot.waitActive(editor):
        editor.show()
        editor.activateWindow()
    edit = editor.form.widget("credit_code")
    edit.setFocus()
    edit.setText(good_code().lower())
    editor.form.widget("address").setFocus()
    qtbot.waitUntil(lambda: edit.text() == good_code())


def test_bad_phone_says_why(qtbot, ctx):
    editor = open_editor(qtbot, ctx)
    editor.form.set_value("phone", "1380013800")
    assert editor.form.error_text("phone") == "手机号应为11位数字，现在是10位。"
    editor.form.set_value("phone", "电话待定")
    assert "座机填区号-号码" in editor.form.error_text("phone")


def test_eight_digit_landline_becomes_023_and_is_stored_so(qtbot, ctx):
    editor = open_editor(qtbot, ctx)
    fill_enterprise(editor.form, phone="67891234")
    assert editor.form.error_text("phone") == ""
    editor.form.normalise("phone")
    assert editor.form.widget("phone").text() == "023-67891234"
    assert editor.save()
    assert stored(ctx, "重庆绿源机械有限公司").phone == "023-67891234"


def test_bad_date_and_future_date_are_refused_with_reason(qtbot, ctx):
    editor = open_editor(qtbot, ctx)
    editor.form.set_value("founded_on", "2015-02-30")
    assert "不是存在的日期" in editor.form.error_text("founded_on")
    editor.form.set_value("founded_on", "上个月")
    assert "2024-05-06" in editor.form.error_text("founded_on")
    future = dt.date.today() + dt.timedelta(days=30)
    editor.form.set_value("founded_on", future.isoformat())
    assert "晚于今天" in editor.form.error_text("founded_on")
    editor.form.set_value("founded_on", "2015年3月1日")
    assert editor.form.error_text("founded_on") == ""
    editor.form.normalise("founded_on")
    assert editor.form.widget("founded_on").text() == "2015-03-01"


def test_district_outside_chongqing_is_refused(qtbot, ctx):
    editor = open_editor(qtbot, ctx)
    editor.form.set_value("district_code", "510104")
    assert editor.form.error_text("district_code") == "行政区划代码 510104 不是重庆市的区县（应为 5001xx 或 5002xx）。"
    editor.form.set_value("district_code", "成都市锦江区")
    assert "不是重庆市的区县" in editor.form.error_text("district_code")
    editor.form.set_value("district_code", "500112")  # picked from the list: shows the label
    assert editor.form.widget("district_code").currentText() == "500112 渝北区"
    assert editor.form.error_text("district_code") == ""


def test_saving_with_errors_is_refused_and_lists_the_fields(qtbot, ctx):
    editor = open_editor(qtbot, ctx)
    editor.form.set_value("phone", "123")
    assert not editor.save()
    assert "企业名称" in editor.message.text() and "联系电话" in editor.message.text()
    assert editor.form.error_text("name") == "「企业名称」必须填写。"
    with ctx.db.uow() as uow:
        assert uow.session.scalars(select(Enterprise)).first() is None


# ---------------------------------------------------------------------------- override

def test_override_appears_only_for_a_check_character_fault(qtbot, ctx):
    editor = open_editor(qtbot, ctx)
    check = editor.form.override_checks["credit_code_override"]
    editor.form.set_value("credit_code", "91500112MA5U7AMQ")  # too short: no override
    assert not check.isVisibleTo(editor)
    editor.form.set_value("credit_code", bad_check_code()[0])
    assert check.isVisibleTo(editor) and check.text() == "校验位例外（确属真实代码）"
    editor.form.set_value("credit_code", good_code())
    assert not check.isVisibleTo(editor)


def test_override_reason_lets_a_bad_check_code_be_saved_with_its_reason(qtbot, ctx):
    editor = open_editor(qtbot, ctx)
    code, _right = bad_check_code()
    fill_enterprise(editor.form, credit_code=code)
    assert not editor.save()  # no override yet
    editor.form.override_checks["credit_code_override"].setChecked(True)
    assert not editor.save()  # ticked but no reason
    assert "请写明原因" in editor.form.error_text("credit_code_override")
    editor.form.override_edits["credit_code_override"].setText("经核对营业执照原件无误")
    assert editor.form.error_text("credit_code") == ""
    assert editor.save()
    ent = stored(ctx, "重庆绿源机械有限公司")
    assert (ent.credit_code, ent.credit_code_override) == (code, "经核对营业执照原件无误")
    # reopened, the override is shown ticked with its reason
    again = open_editor(qtbot, ctx, record_id=ent.id)
    assert again.form.override_checks["credit_code_override"].isChecked()
    assert again.form.override_edits["credit_code_override"].text() == "经核对营业执照原件无误"


# ---------------------------------------------------------------------------- duplicates

def test_duplicate_credit_code_is_refused_and_offers_the_existing_record(qtbot, ctx, monkeypatch):
    first = open_editor(qtbot, ctx)
    fill_enterprise(first.form)
    assert first.save()
    existing_id = stored(ctx, "重庆绿源机械有限公司").id

    shown: list[str] = []

    def click_open_existing(box: QMessageBox) -> int:
        shown.append(box.text())
        [b for b in box.buttons() if b.text() == "打开已有记录"][0].click()
        return 0

    opened: list[int | None] = []
    monkeypatch.setattr(QMessageBox, "exec", click_open_existing)
    monkeypatch.setattr(RecordEditor, "exec", lambda self: opened.append(self.record_id) or 0)

    second = open_editor(qtbot, ctx)
    fill_enterprise(second.form, name="重庆另一家有限公司", credit_code=good_code().lower())
    assert not second.save()
    assert shown and "已属于「重庆绿源机械有限公司」" in shown[0]
    assert "重庆绿源机械有限公司" in second.form.error_text("credit_code")
    assert opened == [existing_id]
    with ctx.db.uow() as uow:
        assert uow.session.scalars(select(Enterprise).where(Enterprise.name == "重庆另一家有限公司")).first() is None


# ---------------------------------------------------------------------------- loading, audit, parks

def test_existing_record_shows_labels_names_and_dates(qtbot, ctx):
    pid = add_park(ctx)
    with ctx.db.uow() as uow:
        ent = Enterprise(name="重庆显示测试有限公司", credit_code=good_code(), district_code="500112",
                         industry_code="36", park_id=pid, founded_on=dt.date(2010, 4, 5), above_scale=True)
        uow.session.add(ent)
        uow.session.flush()
        eid = ent.id
        uow.commit()
    editor = open_editor(qtbot, ctx, record_id=eid)
    f = editor.form
    assert editor.windowTitle() == "编辑企业 — 重庆显示测试有限公司"
    assert f.widget("district_code").currentText() == "500112 渝北区"
    assert f.widget("industry_code").currentText() == "36 汽车制造业"
    assert f.widget("park_id").currentText() == "重庆空港工业园区"
    assert f.widget("founded_on").text() == "2010-04-05"
    assert f.widget("above_scale").isChecked()
    assert f.values()["park_id"] == pid
    assert f.errors() == {}


def test_choosing_a_park_by_name_stores_its_id(qtbot, ctx):
    pid = add_park(ctx, "重庆巴南经济园区")
    editor = open_editor(qtbot, ctx)
    fill_enterprise(editor.form, park_id="重庆巴南经济园区")
    assert editor.save()
    assert stored(ctx, "重庆绿源机械有限公司").park_id == pid
    editor2 = open_editor(qtbot, ctx)
    editor2.form.set_value("park_id", "不存在的园区")
    assert "找不到名为「不存在的园区」" in editor2.form.error_text("park_id")


def test_edit_in_editor_is_audited_with_before_and_after(qtbot, ctx):
    editor = open_editor(qtbot, ctx)
    fill_enterprise(editor.form)
    assert editor.save()
    eid = stored(ctx, "重庆绿源机械有限公司").id
    changed: list = []
    ctx.data_changed.connect(changed.append)
    editor = open_editor(qtbot, ctx, record_id=eid)
    editor.form.set_value("phone", "023-67891234")
    editor.form.set_value("contact", "王强")
    assert editor.save()
    assert changed == [{"enterprise"}]
    with ctx.db.uow() as uow:
        entries = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.table_name == "enterprise", AuditEntry.record_id == eid)
            .order_by(AuditEntry.id)).all()
        assert [e.action for e in entries] == ["insert", "update"]
        update = entries[-1]
        assert update.user == "测试员"
        assert update.before == {"phone": "13800138000", "contact": ""}
        assert update.after == {"phone": "023-67891234", "contact": "王强"}


def test_park_editor_saves_type_and_staff_count(qtbot, ctx):
    editor = open_editor(qtbot, ctx, "park")
    f = editor.form
    f.set_value("name", "重庆测试高新区")
    f.set_value("park_type", "高新区")
    f.set_value("approval_level", "国家级")
    f.set_value("district_code", "永川")
    f.set_value("green_staff_count", "-1")
    assert f.error_text("green_staff_count") == "不能小于 0。"
    f.set_value("green_staff_count", "３")
    f.set_value("park_type", "开发区")
    assert "不在可选项中" in f.error_text("park_type")
    f.set_value("park_type", "高新区")
    assert editor.save()
    with ctx.db.uow() as uow:
        park = uow.session.scalars(select(Park)).one()
        assert (park.park_type, park.approval_level, park.district_code, park.green_staff_count) == (
            "高新区", "国家级", "500118", 3)


def test_ctrl_s_saves(qtbot, ctx):
    editor = open_editor(qtbot, ctx)
    fill_enterprise(editor.form)
    with qtbot.waitActive(editor):
        editor.show()
        editor.activateWindow()
    qtbot.keyClick(editor.form.widget("name"), Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: editor.result() == 1)
    assert stored(ctx, "重庆绿源机械有限公司").credit_code == good_code()


def test_editor_remembers_its_size(qtbot, ctx):
    editor = open_editor(qtbot, ctx)
    editor.resize(700, 600)
    editor.done(0)
    again = open_editor(qtbot, ctx)
    assert (again.width(), again.height()) == (700, 600)


# ---------------------------------------------------------------------------- profile

def test_profile_dialog_saves_and_reloads(qtbot, ctx):
    dlg = ProfileDialog(ctx)
    qtbot.addWidget(dlg)
    f = dlg.form
    f.set_value("district_code", "500112")
    f.set_value("bureau_name", "重庆市渝北区经济和信息化委员会")
    f.set_value("doc_prefix", "渝北经信发")
    f.set_value("signatory", "张明")
    f.set_value("contact_person", "李娟")
    f.set_value("contact_phone", "67821234")
    assert dlg.save()
    with ctx.db.uow() as uow:
        p = get_profile(uow.session)
        assert (p.district_code, p.district_name, p.bureau_name, p.doc_prefix, p.contact_phone) == (
            "500112", "渝北区", "重庆市渝北区经济和信息化委员会", "渝北经信发", "023-67821234")
        assert p.is_complete
    again = ProfileDialog(ctx)
    qtbot.addWidget(again)
    assert again.form.widget("district_code").currentText() == "500112 渝北区"
    assert again.form.widget("doc_prefix").text() == "渝北经信发"
    assert again.form.widget("signatory").text() == "张明"


def test_profile_dialog_refuses_missing_prefix(qtbot, ctx):
    dlg = ProfileDialog(ctx)
    qtbot.addWidget(dlg)
    dlg.form.set_value("district_code", "500112")
    dlg.form.set_value("bureau_name", "重庆市渝北区经济和信息化委员会")
    assert not dlg.save()
    assert dlg.form.error_text("doc_prefix") == "「发文字号前缀」必须填写。"
    assert "发文字号前缀" in dlg.message.text()
    with ctx.db.uow() as uow:
        assert get_profile(uow.session).doc_prefix == ""


def test_cancel_with_unsaved_changes_asks_first(qtbot, ctx, asked, monkeypatch):
    editor = open_editor(qtbot, ctx)
    editor.show()
    qtbot.waitExposed(editor)
    editor.form.set_value("name", "重庆未保存有限公司")
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.Cancel)
    editor.cancel_button.click()
    assert editor.isVisible() and "尚未保存" in asked[-1]
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    editor.cancel_button.click()
    assert not editor.isVisible() and editor.result() == 0


@pytest.mark.parametrize("kind", ["enterprise", "park"])
def test_missing_record_is_said_not_crashed(qtbot, ctx, kind):
    editor = open_editor(qtbot, ctx, kind, record_id=999)
    assert "找不到" in editor.message.text()
    assert not editor.save_button.isEnabled()
