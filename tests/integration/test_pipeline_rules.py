"""Applications moving through the pipeline, carried into a new year, deleted and brought back."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from models import pipeline, subjects
from models.entities import Application, Batch, Enterprise, Park, Title
from models.pipeline import MoveError
from models.stages import Stage, SubjectKind, TitleKind

CODE_A = "9150000020286320X6"
CODE_B = "914403001922038216"


@pytest.fixture
def s(db):
    """One session on the real database for a whole test (committed as it goes)."""
    session = db.session()
    yield session
    session.rollback()
    session.close()


def enterprise(s, name="重庆瑞恒汽车零部件有限公司", code=CODE_A) -> Enterprise:
    return subjects.save_enterprise(s, dict(name=name, credit_code=code, district_code="500112"))


def park(s, name="重庆空港工业园区") -> Park:
    return subjects.save_park(s, dict(name=name, park_type="工业集聚区", district_code="500112"))


def apply(s, subject, year=2026, kind=TitleKind.CITY_FACTORY, stage=Stage.CULTIVATING):
    key = "enterprise" if isinstance(subject, Enterprise) else "park"
    app = pipeline.create_application(s, year=year, title_kind=kind, stage=stage, **{key: subject})
    s.flush()
    return app


def test_create_application_records_the_first_move(s):
    e = enterprise(s)
    app = apply(s, e)
    s.commit()
    assert app.subject_kind is SubjectKind.ENTERPRISE
    assert app.stage is Stage.CULTIVATING
    assert app.subject_name == "重庆瑞恒汽车零部件有限公司"
    [m] = pipeline.history(s, app.id)
    assert (m.from_stage, m.to_stage, m.user, m.reason) == (None, Stage.CULTIVATING, "测试员", "纳入培育库")


def test_create_application_refuses_the_wrong_subject_kind(s):
    e, p = enterprise(s), park(s)
    with pytest.raises(MoveError, match="「市级绿色园区」只能由园区申报"):
        apply(s, e, kind=TitleKind.CITY_PARK)
    with pytest.raises(MoveError, match="「市级绿色工厂」只能由企业申报"):
        apply(s, p, kind=TitleKind.CITY_FACTORY)
    with pytest.raises(MoveError, match="一家企业或一个园区"):
        pipeline.create_application(s, year=2026, title_kind=TitleKind.CITY_FACTORY)
    with pytest.raises(MoveError, match="一家企业或一个园区"):
        pipeline.create_application(s, year=2026, title_kind=TitleKind.CITY_FACTORY, enterprise=e, park=p)
    assert apply(s, p, kind=TitleKind.CITY_PARK).subject_kind is SubjectKind.PARK


def test_forward_step_needs_no_reason(s):
    app = apply(s, enterprise(s))
    move = pipeline.move_application(s, app, Stage.BUILDING, user="李娟")
    assert app.stage is Stage.BUILDING
    assert (move.from_stage, move.to_stage, move.user, move.reason) == (Stage.CULTIVATING, Stage.BUILDING, "李娟", "")
    assert app.stage_changed_at == move.at


@pytest.mark.parametrize("start,to,what", [
    (Stage.UNDER_REVIEW, Stage.APPLIED, "退回"),
    (Stage.CULTIVATING, Stage.EVALUATED, "跳过环节"),
    (Stage.RECOGNISED, Stage.REJECTED, "更改认定结果"),
])
def test_back_skip_and_lateral_need_a_reason(s, start, to, what):
    app = apply(s, enterprise(s), stage=start)
    for blank in ("", "   "):
        with pytest.raises(MoveError) as exc:
            pipeline.move_application(s, app, to, reason=blank)
        assert f"属于{what}，必须填写原因" in str(exc.value)
    assert app.stage is start
    move = pipeline.move_application(s, app, to, reason="  材料缺少承诺书  ")
    assert app.stage is to
    assert move.reason == "材料缺少承诺书"


def test_moving_to_the_same_stage_is_refused(s):
    app = apply(s, enterprise(s), stage=Stage.APPLIED)
    with pytest.raises(MoveError, match="已处于「已申请」环节"):
        pipeline.move_application(s, app, Stage.APPLIED)


def test_history_keeps_every_move_in_order(s, db):
    app = apply(s, enterprise(s))
    t0 = dt.datetime(2026, 3, 1, 9, 0)
    steps = [(Stage.BUILDING, ""), (Stage.SELF_EVALUATED, ""), (Stage.EVALUATED, ""), (Stage.APPLIED, ""),
             (Stage.UNDER_REVIEW, ""), (Stage.APPLIED, "退回补正：第三方报告缺页"), (Stage.UNDER_REVIEW, "")]
    for i, (stage, reason) in enumerate(steps):
        pipeline.move_application(s, app, stage, reason=reason, at=t0 + dt.timedelta(days=i))
    s.commit()
    with db.uow() as uow:  # read back through a fresh session
        moves = pipeline.history(uow.session, app.id)
        got = [(m.from_stage, m.to_stage, m.reason) for m in moves]
        ats = [m.at for m in moves]
    assert got[0] == (None, Stage.CULTIVATING, "纳入培育库")
    assert [g[1] for g in got[1:]] == [st for st, _ in steps]
    assert got[6] == (Stage.UNDER_REVIEW, Stage.APPLIED, "退回补正：第三方报告缺页")
    assert ats[1:] == sorted(ats[1:])


def test_stage_counts_by_year_and_title(s):
    e1, e2 = enterprise(s), enterprise(s, "重庆宏盛电子科技有限公司", CODE_B)
    p = park(s)
    apply(s, e1, stage=Stage.APPLIED)
    apply(s, e2, stage=Stage.APPLIED)
    apply(s, e1, kind=TitleKind.VOLUNTARY_ASSESSMENT)
    apply(s, p, kind=TitleKind.CITY_PARK, stage=Stage.RECOMMENDED)
    apply(s, e1, year=2025, stage=Stage.RECOGNISED)
    gone = apply(s, e2, year=2026, kind=TitleKind.SUPPLY_CHAIN)
    subjects.soft_delete(s, "application", gone.id)
    counts = pipeline.stage_counts(s, year=2026)
    assert counts[Stage.APPLIED] == 2
    assert counts[Stage.CULTIVATING] == 1  # the deleted one is not counted
    assert counts[Stage.RECOMMENDED] == 1
    assert counts[Stage.RECOGNISED] == 0
    assert set(counts) == set(Stage)
    only_factory = pipeline.stage_counts(s, year=2026, title_kinds=[TitleKind.CITY_FACTORY])
    assert sum(only_factory.values()) == 2
    assert pipeline.stage_counts(s)[Stage.RECOGNISED] == 1
    assert pipeline.years(s) == [2025, 2026]


def test_card_rows_cover_enterprises_and_parks(s):
    e, p = enterprise(s), park(s)
    apply(s, e, stage=Stage.APPLIED)
    apply(s, p, kind=TitleKind.CITY_PARK)
    rows = pipeline.card_rows(s, year=2026)
    assert [(r.name, r.stage, r.subject_kind) for r in rows] == [
        ("重庆空港工业园区", Stage.CULTIVATING, SubjectKind.PARK),
        ("重庆瑞恒汽车零部件有限公司", Stage.APPLIED, SubjectKind.ENTERPRISE),
    ]
    assert rows[1].credit_code == CODE_A and rows[0].credit_code == ""


def test_duplicate_applications(s):
    e1, e2 = enterprise(s), enterprise(s, "重庆宏盛电子科技有限公司", CODE_B)
    a = apply(s, e1)
    b = apply(s, e1)
    apply(s, e1, year=2025)
    apply(s, e1, kind=TitleKind.VOLUNTARY_ASSESSMENT)
    apply(s, e2)
    assert pipeline.duplicate_applications(s, a) == [b]
    assert pipeline.duplicate_applications(s, b) == [a]
    subjects.soft_delete(s, "application", b.id)
    assert pipeline.duplicate_applications(s, a) == []
    p = park(s)
    pa, pb = apply(s, p, kind=TitleKind.CITY_PARK), apply(s, p, kind=TitleKind.CITY_PARK)
    assert pipeline.duplicate_applications(s, pa) == [pb]


def test_start_new_year_carries_unfinished_only_and_is_idempotent(s):
    e1, e2 = enterprise(s), enterprise(s, "重庆宏盛电子科技有限公司", CODE_B)
    p = park(s)
    building = apply(s, e1, year=2025, stage=Stage.BUILDING)
    recommended = apply(s, p, year=2025, kind=TitleKind.CITY_PARK, stage=Stage.RECOMMENDED)
    apply(s, e2, year=2025, stage=Stage.RECOGNISED)
    apply(s, e2, year=2025, kind=TitleKind.SUPPLY_CHAIN, stage=Stage.REJECTED)
    deleted = apply(s, e2, year=2025, kind=TitleKind.VOLUNTARY_ASSESSMENT)
    subjects.soft_delete(s, "application", deleted.id)
    s.commit()

    carried = pipeline.start_new_year(s, 2025, user="李娟")
    s.commit()
    assert sorted((a.subject_name, a.stage, a.year) for a in carried) == [
        ("重庆瑞恒汽车零部件有限公司", Stage.BUILDING, 2026),
        ("重庆空港工业园区", Stage.RECOMMENDED, 2026),
    ]
    by_from = {a.carried_from_id: a for a in carried}
    assert set(by_from) == {building.id, recommended.id}
    [m] = pipeline.history(s, by_from[building.id].id)
    assert m.reason == "由2025年度结转" and m.user == "李娟"
    # the old year's records stay as they were
    assert building.year == 2025 and building.stage is Stage.BUILDING

    assert pipeline.start_new_year(s, 2025) == []
    assert len(s.scalars(select(Application).where(Application.year == 2026)).all()) == 2


def test_start_new_year_does_not_duplicate_an_existing_application(s):
    e = enterprise(s)
    apply(s, e, year=2025, stage=Stage.SELF_EVALUATED)
    already = apply(s, e, year=2026, stage=Stage.APPLIED)  # entered by hand before the carry-over
    assert pipeline.start_new_year(s, 2025) == []
    assert pipeline.duplicate_applications(s, already) == []


def test_assign_batch_checks_the_year(s):
    e = enterprise(s)
    a26, a25 = apply(s, e, stage=Stage.RECOMMENDED), apply(s, e, year=2025, stage=Stage.RECOMMENDED)
    batch = Batch(year=2026, name="2026年度市级绿色工厂推荐")
    s.add(batch)
    assert pipeline.assign_batch(s, [a26], batch) == 1
    assert a26.batch is batch
    with pytest.raises(MoveError, match="2025年度的申报，不能放入2026年度的批次"):
        pipeline.assign_batch(s, [a25], batch)
    assert pipeline.assign_batch(s, [a26], None) == 1 and a26.batch is None


# ----------------------------------------------------------------------------- delete and undo
def test_soft_delete_cascades_and_undo_restores(s):
    e = enterprise(s)
    apps = [apply(s, e, year=y) for y in (2024, 2025, 2026)]
    s.add(Title(title_kind=TitleKind.CITY_FACTORY, enterprise=e, year=2024, doc_number="渝经信节能〔2024〕5号"))
    s.commit()
    subjects.soft_delete(s, "enterprise", e.id)
    s.commit()
    assert subjects.enterprise_rows(s) == []
    assert pipeline.card_rows(s) == []
    assert all(a.deleted_at == e.deleted_at for a in apps)
    assert s.scalars(select(Title)).one().deleted_at == e.deleted_at

    # undo picks the enterprise itself, not one of its applications
    entry = subjects.last_deletion(s)
    assert (entry.table_name, entry.record_id) == ("enterprise", e.id)
    subjects.restore(s, entry.table_name, entry.record_id)
    s.commit()
    assert e.deleted_at is None
    assert all(a.deleted_at is None for a in apps)
    assert s.scalars(select(Title)).one().deleted_at is None
    assert len(pipeline.card_rows(s)) == 3
    assert subjects.last_deletion(s) is None


def test_undo_keeps_an_earlier_separate_deletion(s):
    e = enterprise(s)
    first = apply(s, e, year=2024)
    subjects.soft_delete(s, "application", first.id)
    s.commit()
    first.deleted_at = first.deleted_at - dt.timedelta(minutes=5)  # deleted earlier, on its own
    s.commit()
    apply(s, e, year=2025)
    subjects.soft_delete(s, "enterprise", e.id)
    s.commit()
    entry = subjects.last_deletion(s)
    subjects.restore(s, entry.table_name, entry.record_id)
    s.commit()
    assert e.deleted_at is None
    assert first.deleted_at is not None  # was not part of the enterprise's deletion
    nxt = subjects.last_deletion(s)
    assert (nxt.table_name, nxt.record_id) == ("application", first.id)


def test_restore_conflict_when_the_code_was_reused(s):
    old = enterprise(s)
    subjects.soft_delete(s, "enterprise", old.id)
    new = enterprise(s, "重庆新瑞恒汽车零部件有限公司", CODE_A)  # a deleted code does not block re-entry
    s.commit()
    with pytest.raises(subjects.RestoreConflict) as exc:
        subjects.restore(s, "enterprise", old.id)
    assert "无法恢复「重庆瑞恒汽车零部件有限公司」" in str(exc.value)
    assert "已被「重庆新瑞恒汽车零部件有限公司」使用" in str(exc.value)
    assert old.deleted_at is not None and new.deleted_at is None


def test_deleting_twice_or_restoring_a_live_record_is_refused(s):
    e = enterprise(s)
    with pytest.raises(ValueError, match="不存在或未被删除"):
        subjects.restore(s, "enterprise", e.id)
    subjects.soft_delete(s, "enterprise", e.id)
    with pytest.raises(ValueError, match="不存在或已删除"):
        subjects.soft_delete(s, "enterprise", e.id)


def test_duplicate_code_names_the_existing_enterprise(s):
    e = enterprise(s)
    with pytest.raises(subjects.DuplicateCreditCode) as exc:
        enterprise(s, "重庆另一家有限公司", CODE_A)
    assert exc.value.existing_id == e.id
    assert exc.value.existing_name == "重庆瑞恒汽车零部件有限公司"
    # saving the record itself with its own code is no duplicate
    assert subjects.save_enterprise(s, {"credit_code": CODE_A, "phone": "67891234"}, record=e) is e


def test_restoring_an_application_of_a_deleted_enterprise_is_refused(db):
    """Undo must not bring back an application whose enterprise stays deleted."""
    import pytest

    from models import subjects
    from models.entities import Enterprise
    from models.pipeline import create_application
    from models.stages import TitleKind

    with db.uow() as uow:
        s = uow.session
        e = Enterprise(name="重庆被删企业有限公司", credit_code="91500112MA5U7AMQ8X", district_code="500112")
        s.add(e)
        s.flush()
        app = create_application(s, year=2026, title_kind=TitleKind.CITY_FACTORY, enterprise=e)
        s.flush()
        subjects.soft_delete(s, "application", app.id)
        subjects.soft_delete(s, "enterprise", e.id)
        with pytest.raises(subjects.RestoreConflict, match="重庆被删企业有限公司"):
            subjects.restore(s, "application", app.id)
