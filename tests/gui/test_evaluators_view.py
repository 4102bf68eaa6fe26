"""The third-party evaluator registry: the seeded list, adding and editing, the municipal list
years (第二十一条), disqualification with date and reason (第二十二条) and its effect on the
checks."""
from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from desktop.views.evaluators import (
    E_DISQ_ON, E_NAME, E_STATE, DisqualifyDialog, EvaluatorDialog, EvaluatorsView,
)
from forms.rules.runner import run_checks
from models.review import Evaluator
from models.review_service import check_sheet, evaluators
from tests.integration.review_fixtures import AS_OF, factory_application, good_code

SEEDED = "重庆市节能技术服务中心"


@pytest.fixture
def view(qtbot, ctx) -> EvaluatorsView:
    v = EvaluatorsView(ctx)
    qtbot.addWidget(v)
    v.resize(1300, 600)
    v.year_combo.setCurrentIndex(v.year_combo.findData(2026))
    v.refresh()
    return v


def row_named(v: EvaluatorsView, name: str) -> tuple:
    return next(v.model.row_at(r) for r in range(v.model.rowCount()) if v.model.row_at(r)[E_NAME] == name)


def select(v: EvaluatorsView, name: str) -> int:
    with v.ctx.db.uow() as uow:
        eid = next(e.id for e in evaluators(uow.session) if e.name == name)
    assert v.select_id(eid)
    return eid


def stored(ctx, eid: int) -> tuple:
    with ctx.db.uow() as uow:
        e = uow.session.get(Evaluator, eid)
        return e.name, list(e.list_years or []), e.disqualified_on, e.disqualified_reason, e.deleted_at


def test_registry_lists_the_seeded_evaluators(view, qtmodeltester):
    qtmodeltester.check(view.model)
    row = row_named(view, SEEDED)
    assert row[E_STATE] == "不在2026年度名录"
    r = next(i for i in range(view.model.rowCount()) if view.model.row_at(i)[E_NAME] == SEEDED)
    assert view.model.data(view.model.index(r, 3)) == "不在2026年度名录"
    assert view.model.data(view.model.index(r, 3), Qt.ItemDataRole.DecorationRole) is not None
    assert view.count_label.text().startswith(f"共 {view.model.rowCount()} 家")
    view.search_edit.setText("节能技术")
    assert [view.model.row_at(r)[E_NAME] for r in range(view.proxy.rowCount())] == [SEEDED]


def test_put_on_the_year_list_and_take_off_again(view, ctx):
    """第二十一条: the evaluator must be on the municipal list of the application's year."""
    eid = select(view, SEEDED)
    assert view.list_button.text() == "列入2026年度名录"
    assert view.toggle_listing()
    assert 2026 in stored(ctx, eid)[1]
    assert row_named(view, SEEDED)[E_STATE] == "2026年度名录内"
    assert view.list_button.text() == "移出2026年度名录"
    assert view.toggle_listing()
    assert 2026 not in stored(ctx, eid)[1]


def test_disqualification_is_stored_with_date_and_reason_and_fails_the_check(qtbot, ctx, view, tmp_path,
                                                                            monkeypatch):
    """第二十二条: a disqualified evaluator's report fails the check from the decision's date."""
    with ctx.db.uow() as uow:
        app_id = factory_application(uow.session, ctx.db.files_dir, tmp_path / "src")  # its report: SEEDED
        uow.commit()
    view.refresh()
    eid = select(view, SEEDED)
    reason = "2026年评价报告数据弄虚作假（市经济信息委通报）"
    monkeypatch.setattr(DisqualifyDialog, "get", classmethod(lambda cls, parent, name: (dt.date(2026, 3, 2), reason)))
    assert view.disqualify_selected()
    assert stored(ctx, eid)[2:4] == (dt.date(2026, 3, 2), reason)
    row = row_named(view, SEEDED)
    assert row[E_STATE] == "已取消资格（2026-03-02）" and row[E_DISQ_ON] == dt.date(2026, 3, 2)
    assert view.restore_button.isEnabled()
    run_checks(ctx.db, [app_id], as_of=AS_OF)
    with ctx.db.uow() as uow:
        art22 = next(r for r in check_sheet(uow.session, app_id).rows if r.article == "第二十二条")
    assert art22.outcome.value == "fail"
    assert SEEDED in art22.evidence


def test_disqualify_dialog_refuses_an_empty_reason_citing_article_22(qtbot):
    """第二十二条: a disqualification without its reason cannot be saved."""
    dlg = DisqualifyDialog(None, SEEDED)
    qtbot.addWidget(dlg)
    labels = " ".join(w.text() for w in dlg.findChildren(type(dlg.error)))
    assert "第二十二条" in labels
    dlg.accept()
    assert dlg.result() == 0 and "第二十二条" in dlg.error.text()
    dlg.reason.setPlainText("不负责任，评价报告与现场不符")
    dlg.accept()
    assert dlg.result() == 1 and dlg.value()[1] == "不负责任，评价报告与现场不符"


def test_restore_qualification_clears_the_date_and_reason(qtbot, ctx, view, monkeypatch):
    """第二十二条: lifting a disqualification."""
    eid = select(view, SEEDED)
    monkeypatch.setattr(DisqualifyDialog, "get", classmethod(lambda cls, p, n: (dt.date(2026, 1, 5), "弄虚作假")))
    assert view.disqualify_selected()
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    assert view.restore_selected()
    assert stored(ctx, eid)[2:4] == (None, "")
    assert row_named(view, SEEDED)[E_STATE] == "不在2026年度名录"


def test_new_evaluator_with_list_years_and_duplicate_name_refused(qtbot, ctx, view, monkeypatch):
    code = good_code()

    def fill(name):
        def exec_(dlg):
            dlg.name.setText(name)
            dlg.code.setText(code.lower())
            dlg.years.set_checked(2026)
            dlg.years.set_checked(2025)
            dlg.accept()
            return dlg.result()
        return exec_

    monkeypatch.setattr(EvaluatorDialog, "exec", fill("重庆新评价咨询有限公司"))
    new_id = view.new_record()
    assert new_id is not None
    name, years, disq, _reason, _deleted = stored(ctx, new_id)
    assert (name, years, disq) == ("重庆新评价咨询有限公司", [2025, 2026], None)
    with ctx.db.uow() as uow:
        assert uow.session.get(Evaluator, new_id).credit_code == code  # upper case again
    assert row_named(view, "重庆新评价咨询有限公司")[E_STATE] == "2026年度名录内"
    assert view.selected_id() == new_id
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a, **k: warned.append(text))
    monkeypatch.setattr(EvaluatorDialog, "exec", fill("重庆新评价咨询有限公司"))
    assert view.new_record() is None
    assert warned and "已在名录中" in warned[0]


def test_evaluator_dialog_checks_the_credit_code(qtbot):
    dlg = EvaluatorDialog()
    qtbot.addWidget(dlg)
    dlg.name.setText("重庆某评价中心")
    dlg.code.setText("12345")
    dlg.accept()
    assert dlg.result() == 0 and "18位" in dlg.error.text()


def test_show_disqualified_only(qtbot, ctx, view, monkeypatch):
    select(view, SEEDED)
    monkeypatch.setattr(DisqualifyDialog, "get", classmethod(lambda cls, p, n: (dt.date(2026, 1, 5), "弄虚作假")))
    assert view.disqualify_selected()
    view.show_combo.setCurrentIndex(view.show_combo.findData("disqualified"))
    assert [view.model.row_at(r)[E_NAME] for r in range(view.model.rowCount())] == [SEEDED]
