"""The audit log: every insert, update and delete, with who, when, before and after."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from models import pipeline, subjects
from models.entities import Application, AuditEntry, Batch, Enterprise, StageMove
from models.office import save_profile, set_setting
from models.stages import Stage, TitleKind

CODE = "9150000020286320X6"
CODE2 = "914403001922038216"


def entries(db, **where):
    with db.uow() as uow:
        q = select(AuditEntry).order_by(AuditEntry.id)
        for k, v in where.items():
            q = q.where(getattr(AuditEntry, k) == v)
        out = list(uow.session.scalars(q))
        uow.session.expunge_all()  # keep them readable after the unit of work rolls back
        return out


def add_enterprise(db, name="重庆瑞恒汽车零部件有限公司", code=CODE, **kw):
    with db.uow() as uow:
        e = subjects.save_enterprise(uow.session, dict(name=name, credit_code=code, district_code="500112", **kw))
        uow.commit()
        return e.id


def test_insert_is_logged_with_user_time_and_after(db):
    start = dt.datetime.now().replace(microsecond=0)
    eid = add_enterprise(db, phone="13800138000")
    [e] = entries(db, table_name="enterprise")
    assert (e.action, e.user, e.record_id) == ("insert", "测试员", eid)
    assert start <= e.at <= dt.datetime.now()
    assert e.before is None
    assert e.after["name"] == "重庆瑞恒汽车零部件有限公司"
    assert e.after["credit_code"] == CODE
    assert e.after["phone"] == "13800138000"
    assert "created_at" not in e.after and "updated_at" not in e.after
    assert e.summary == "新增企业「重庆瑞恒汽车零部件有限公司」"
    with db.uow() as uow:
        assert e.record_uid == uow.session.get(Enterprise, eid).uid


def test_update_keeps_only_changed_columns(db):
    eid = add_enterprise(db, phone="13800138000")
    db.user = "王强"
    with db.uow() as uow:
        rec = uow.session.get(Enterprise, eid)
        subjects.save_enterprise(uow.session, {"phone": "023-67891234", "name": rec.name,
                                               "founded_on": dt.date(2015, 3, 1)}, record=rec)
        uow.commit()
    [u] = entries(db, action="update")
    assert u.user == "王强"
    assert u.before == {"phone": "13800138000", "founded_on": None}
    assert u.after == {"phone": "023-67891234", "founded_on": "2015-03-01"}
    assert u.summary == "修改企业「重庆瑞恒汽车零部件有限公司」"


def test_saving_unchanged_values_logs_nothing(db):
    eid = add_enterprise(db)
    with db.uow() as uow:
        rec = uow.session.get(Enterprise, eid)
        rec.name = rec.name  # same value
        uow.commit()
    assert [e.action for e in entries(db)] == ["insert"]


def test_soft_delete_and_restore_are_logged(db):
    eid = add_enterprise(db)
    with db.uow() as uow:
        subjects.soft_delete(uow.session, "enterprise", eid)
        uow.commit()
    with db.uow() as uow:
        subjects.restore(uow.session, "enterprise", eid)
        uow.commit()
    log = entries(db, table_name="enterprise")
    assert [e.action for e in log] == ["insert", "delete", "restore"]
    delete, restore = log[1], log[2]
    # the delete entry keeps the whole record as it was, to show and to undo
    assert delete.before["name"] == "重庆瑞恒汽车零部件有限公司"
    assert delete.before["deleted_at"] is None
    assert delete.after["deleted_at"] is not None
    assert delete.summary == "删除企业「重庆瑞恒汽车零部件有限公司」"
    assert restore.before["deleted_at"] == delete.after["deleted_at"]
    assert restore.after == {"deleted_at": None}
    assert restore.summary.startswith("撤销删除企业")


def test_hard_delete_is_logged_with_before(db):
    with db.uow() as uow:
        uow.session.add(Batch(year=2026, name="2026年度推荐"))
        uow.commit()
    with db.uow() as uow:
        b = uow.session.scalars(select(Batch)).one()
        uow.session.delete(b)
        uow.commit()
    d = entries(db, table_name="batch", action="delete")[0]
    assert d.before["name"] == "2026年度推荐" and d.before["year"] == 2026
    assert d.after is None


def test_rollback_leaves_no_audit_entry(db):
    with db.uow() as uow:
        subjects.save_enterprise(uow.session, dict(name="不会保存", credit_code=CODE))
        uow.session.flush()
        assert uow.session.scalar(select(func.count()).select_from(AuditEntry)) == 1
        # leaving without commit
    assert entries(db) == []
    with db.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Enterprise)) == 0


def test_failed_commit_leaves_no_audit_entry(db):
    add_enterprise(db)
    with db.uow() as uow:
        with pytest.raises(subjects.DuplicateCreditCode) as exc:
            subjects.save_enterprise(uow.session, dict(name="重复代码公司", credit_code=CODE))
        assert "已属于「重庆瑞恒汽车零部件有限公司」" in str(exc.value)
    assert [e.action for e in entries(db)] == ["insert"]


def test_application_and_stage_moves(db):
    eid = add_enterprise(db)
    with db.uow() as uow:
        ent = uow.session.get(Enterprise, eid)
        app = pipeline.create_application(uow.session, year=2026, title_kind=TitleKind.CITY_FACTORY, enterprise=ent)
        uow.commit()
        app_id = app.id
    with db.uow() as uow:
        app = uow.session.get(Application, app_id)
        pipeline.move_application(uow.session, app, Stage.BUILDING)
        uow.commit()
    ins = entries(db, table_name="application", action="insert")[0]
    assert ins.summary == "新增申报「重庆瑞恒汽车零部件有限公司 2026年市级绿色工厂」"
    assert ins.after["stage"] == "cultivating" and ins.after["title_kind"] == "city_factory"
    upd = entries(db, table_name="application", action="update")[0]
    assert upd.before["stage"] == "cultivating" and upd.after["stage"] == "building"
    # the moves keep their own history and are not duplicated in the audit log
    assert entries(db, table_name="stage_move") == []
    with db.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(StageMove)) == 2


def test_profile_logged_settings_not(db):
    with db.uow() as uow:
        save_profile(uow.session, {"bureau_name": "重庆市渝北区经济和信息化委员会", "district_code": "500112"})
        set_setting(uow.session, "columns", ["name"])
        uow.commit()
    log = entries(db)
    # the empty profile row is created, then filled in; the setting leaves no entry
    assert [(e.table_name, e.action) for e in log] == [("office_profile", "insert"), ("office_profile", "update")]
    assert log[1].before == {"bureau_name": "", "district_code": ""}
    assert log[1].after == {"bureau_name": "重庆市渝北区经济和信息化委员会", "district_code": "500112"}
    assert log[1].summary == "修改单位信息「重庆市渝北区经济和信息化委员会」"


def test_audit_can_be_switched_off_for_bulk_generators(db):
    with db.uow() as uow:
        uow.session.info["audit"] = False
        subjects.save_enterprise(uow.session, dict(name="批量", credit_code=CODE))
        uow.commit()
    assert entries(db) == []
    add_enterprise(db, name="逐条", code=CODE2)
    assert len(entries(db)) == 1
