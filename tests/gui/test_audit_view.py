"""操作日志: every insert, update and delete kept with who, when, before and after."""
from __future__ import annotations

from desktop.views.audit_log import AuditView, describe_change
from models import subjects
from models.entities import Enterprise


def _make(db):
    with db.uow() as uow:
        e = Enterprise(name="重庆日志测试有限公司", credit_code="91500112MA5U7AMQ8X", district_code="500112",
                       phone="13800000000")
        uow.session.add(e)
        uow.commit()
        eid = e.id
    with db.uow() as uow:
        uow.session.get(Enterprise, eid).phone = "023-67891234"
        uow.commit()
    with db.uow() as uow:
        subjects.soft_delete(uow.session, "enterprise", eid)
        uow.commit()
    return eid


def test_log_shows_insert_update_delete_with_user_and_change(qtbot, ctx):
    _make(ctx.db)
    v = AuditView(ctx)
    qtbot.addWidget(v)
    v.refresh()
    rows = v.model.rows()
    actions = [r[3] for r in rows]
    assert actions == ["delete", "update", "insert"]  # newest first
    assert all(r[2] == "测试员" for r in rows)
    update = rows[1]
    assert update[6] == "联系电话：13800000000 → 023-67891234"
    assert "重庆日志测试有限公司" in update[5]


def test_filter_by_action_and_search(qtbot, ctx):
    _make(ctx.db)
    v = AuditView(ctx)
    qtbot.addWidget(v)
    v.refresh()
    v.action_filter.setCurrentIndex(v.action_filter.findData("update"))
    assert [r[3] for r in v.model.rows()] == ["update"]
    v.action_filter.setCurrentIndex(0)
    v.search.setText("023-6789")
    assert v.proxy.rowCount() == 1


def test_restore_from_log_brings_record_back(qtbot, ctx):
    eid = _make(ctx.db)
    v = AuditView(ctx)
    qtbot.addWidget(v)
    v.refresh()
    row = v.proxy.proxy_row_of_id(v.model.rows()[0][0])
    v.view.setCurrentIndex(v.proxy.index(row, 0))
    assert v.restore_button.isEnabled()
    assert "重庆日志测试有限公司" in v.detail.toPlainText()
    v.restore_selected()
    with ctx.db.uow() as uow:
        assert uow.session.get(Enterprise, eid).deleted_at is None
    assert v.model.rows()[0][3] == "restore"


def test_describe_change_lists_fields_in_chinese():
    text = describe_change({"stage": "applied"}, {"stage": "under_review"})
    assert text == "环节：已申请 → 区县初审"
    assert describe_change(None, {"name": "x"}) == "新建记录"
    many = describe_change({f"k{i}": i for i in range(5)}, {f"k{i}": i + 1 for i in range(5)})
    assert many.endswith("等5项")


def test_audit_model_passes_modeltester(qtbot, qtmodeltester, ctx):
    _make(ctx.db)
    v = AuditView(ctx)
    qtbot.addWidget(v)
    v.refresh()
    qtmodeltester.check(v.proxy)
