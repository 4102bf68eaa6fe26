"""推荐批次: a year's recommendation set (issue: group applications into batches)."""
from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import select

from desktop.views.batches import BatchesView
from models.entities import Application, Batch, Enterprise
from models.pipeline import create_application
from models.stages import Stage, TitleKind


def _ent(s, name, code):
    e = Enterprise(name=name, credit_code=code, district_code="500112")
    s.add(e)
    s.flush()
    return e


def _seed(db):
    with db.uow() as uow:
        s = uow.session
        a = create_application(s, year=2026, title_kind=TitleKind.CITY_FACTORY,
                               enterprise=_ent(s, "重庆甲制造有限公司", "91500112MA5U000001"), stage=Stage.UNDER_REVIEW)
        b = create_application(s, year=2026, title_kind=TitleKind.CITY_FACTORY,
                               enterprise=_ent(s, "重庆乙制造有限公司", "91500112MA5U000002"), stage=Stage.RECOMMENDED)
        create_application(s, year=2026, title_kind=TitleKind.CITY_FACTORY,
                           enterprise=_ent(s, "重庆丙培育有限公司", "91500112MA5U000003"), stage=Stage.BUILDING)
        create_application(s, year=2025, title_kind=TitleKind.CITY_FACTORY,
                           enterprise=_ent(s, "重庆丁往年有限公司", "91500112MA5U000004"), stage=Stage.UNDER_REVIEW)
        uow.commit()
        return a.id, b.id


def _select_all(view):
    view.selectAll()


def test_new_batch_lists_only_reviewed_candidates_of_its_year(qtbot, ctx):
    _seed(ctx.db)
    v = BatchesView(ctx)
    qtbot.addWidget(v)
    v.refresh()
    batch_id = v.create_batch(year=2026, name="2026年度市级绿色工厂推荐", title_kind=TitleKind.CITY_FACTORY)
    assert batch_id is not None
    names = sorted(r[1] for r in v.candidates.rows())
    # 培育中的丙 and last year's 丁 are not offered
    assert names == ["重庆乙制造有限公司", "重庆甲制造有限公司"]
    assert v.members.rows() == []


def test_add_and_remove_applications(qtbot, ctx):
    a_id, b_id = _seed(ctx.db)
    v = BatchesView(ctx)
    qtbot.addWidget(v)
    v.refresh()
    batch_id = v.create_batch(year=2026, name="2026年度推荐", title_kind=TitleKind.CITY_FACTORY)
    _select_all(v.candidates_view)
    v.add_selected()
    with ctx.db.uow() as uow:
        in_batch = set(uow.session.scalars(select(Application.id).where(Application.batch_id == batch_id)))
    assert in_batch == {a_id, b_id}
    assert len(v.members.rows()) == 2 and v.candidates.rows() == []
    assert "（市级绿色工厂，2项）" in v.batch_combo.currentText()
    # take one out again
    row = v.members_proxy.proxy_row_of_id(a_id)
    v.members_view.selectionModel().select(
        v.members_proxy.index(row, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
    v.remove_selected()
    with ctx.db.uow() as uow:
        assert uow.session.get(Application, a_id).batch_id is None
        assert uow.session.get(Application, b_id).batch_id == batch_id


def test_batch_refuses_application_of_another_year(ctx):
    from models.pipeline import MoveError, assign_batch

    _seed(ctx.db)
    with ctx.db.uow() as uow:
        s = uow.session
        batch = Batch(year=2026, name="x")
        s.add(batch)
        old = s.scalars(select(Application).where(Application.year == 2025)).one()
        try:
            assign_batch(s, [old], batch)
        except MoveError as exc:
            assert "2025年度" in str(exc) and "2026年度" in str(exc)
        else:
            raise AssertionError("a 2025 application went into a 2026 batch")


def test_deleting_a_non_empty_batch_is_refused(qtbot, ctx, monkeypatch):
    a_id, _ = _seed(ctx.db)
    v = BatchesView(ctx)
    qtbot.addWidget(v)
    v.refresh()
    batch_id = v.create_batch(year=2026, name="待删批次", title_kind=TitleKind.CITY_FACTORY)
    with ctx.db.uow() as uow:
        uow.session.get(Application, a_id).batch_id = batch_id
        uow.commit()
    v.refresh()
    warnings = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: warnings.append(text))
    v.delete_batch()
    assert warnings and "还有1个申报" in warnings[0]
    with ctx.db.uow() as uow:
        assert uow.session.get(Batch, batch_id).deleted_at is None


def test_deleting_an_empty_batch_asks_and_can_be_undone(qtbot, ctx, monkeypatch):
    from models import subjects

    v = BatchesView(ctx)
    qtbot.addWidget(v)
    v.refresh()
    batch_id = v.create_batch(year=2026, name="空批次", title_kind=None)
    asked = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda _p, _t, text: asked.append(text) or QMessageBox.StandardButton.Yes)
    v.delete_batch()
    assert asked and "空批次" in asked[0] and "撤销" in asked[0]
    assert v.batch_combo.findData(batch_id) == -1
    with ctx.db.uow() as uow:
        entry = subjects.last_deletion(uow.session)
        assert entry.table_name == "batch" and entry.record_id == batch_id
        subjects.restore(uow.session, "batch", batch_id)
        uow.commit()
    v.refresh()
    assert v.batch_combo.findData(batch_id) >= 0


def test_batch_member_model_passes_modeltester(qtbot, qtmodeltester, demo_ctx):
    v = BatchesView(demo_ctx)
    qtbot.addWidget(v)
    v.refresh()
    assert v.members.rowCount() > 0  # the demo has a 2026 batch with recommended applications
    qtmodeltester.check(v.members_proxy)
