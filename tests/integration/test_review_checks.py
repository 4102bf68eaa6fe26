"""Running the checks on a real database: stored results, overrides with reason kept across
runs, the worst-outcome filter, progress and cancel, the rules that read the program's own data
(第三条, 第六条（三）（四）, 第十八条, the 15-project limit) and the stored-file checks."""
from __future__ import annotations

import datetime as dt
import os

import pytest
from sqlalchemy import select

from forms.rules import Outcome
from forms.rules.runner import REVIEW_STAGES, RunError, run_checks, select_applications
from models import filestore
from models.entities import Application, Batch, Enterprise, Park, Title, TitleState
from models.pipeline import create_application, duplicate_applications
from models.review import CheckRun, Material
from models.review_service import (
    ReviewError,
    applications_by_outcome,
    check_sheet,
    clear_override,
    override_history,
    override_result,
    save_report,
    set_indicator,
    verify_materials,
    worst_outcomes,
)
from models.stages import Stage, TitleKind

from .review_fixtures import AS_OF, factory_application, listed_evaluator


def results(db, app_id) -> dict[str, tuple[Outcome, str]]:
    with db.uow() as uow:
        sheet = check_sheet(uow.session, app_id)
        return {r.rule_id: (r.final, r.evidence) for r in sheet.rows}


@pytest.fixture
def one_app(db, tmp_path):
    with db.uow() as uow:
        app_id = factory_application(uow.session, db.files_dir, tmp_path / "src")
        uow.commit()
    return app_id


def test_a_complete_application_passes_all_but_the_judge_only_item(db, one_app):
    """第七条（一）–（八）, 第九、十、十二、十八、二十一、二十二条 on data entered through the services."""
    summary = run_checks(db, [one_app], as_of=AS_OF)
    assert summary.checked == 1 and summary.stored
    res = results(db, one_app)
    assert {k for k, (o, _) in res.items() if o is not Outcome.PASS} == {"F7-2"}
    assert res["F7-2"][0] is Outcome.MANUAL
    with db.uow() as uow:
        run = uow.session.scalars(select(CheckRun)).one()
        assert (run.rule_set, run.as_of, run.run_by, run.worst_outcome) == ("cq-2024-city-factory", AS_OF, "测试员", "manual")


def test_override_with_reason_is_kept_across_runs(db, one_app):
    """A person overrides 第七条（二） with a reason; a new run keeps it, with author and date."""
    run_checks(db, [one_app], as_of=AS_OF)
    with db.uow() as uow:
        with pytest.raises(ReviewError, match="必须填写理由"):
            override_result(uow.session, one_app, "F7-2", Outcome.PASS, "  ")
        override_result(uow.session, one_app, "F7-2", Outcome.PASS, "营业收入全市同行业前十", user="李娟")
        uow.commit()
    with db.uow() as uow:
        assert worst_outcomes(uow.session)[one_app] is Outcome.PASS
    run_checks(db, [one_app], as_of=AS_OF)
    with db.uow() as uow:
        sheet = check_sheet(uow.session, one_app)
        row = next(r for r in sheet.rows if r.rule_id == "F7-2")
        assert (row.outcome, row.final) == (Outcome.MANUAL, Outcome.PASS)
        assert (row.override.reason, row.override.user, row.override.base_outcome) == ("营业收入全市同行业前十", "李娟", "manual")
        assert row.override.at.date() == dt.date.today()
        assert sheet.worst is Outcome.PASS
        assert uow.session.scalars(select(CheckRun)).one().worst_outcome == "pass"


def test_a_new_override_supersedes_the_old_one_and_both_are_kept(db, one_app):
    run_checks(db, [one_app], as_of=AS_OF)
    with db.uow() as uow:
        override_result(uow.session, one_app, "F7-2", Outcome.PASS, "第一次")
        override_result(uow.session, one_app, "F7-2", Outcome.FAIL, "复核后改为不符合")
        uow.commit()
    with db.uow() as uow:
        hist = override_history(uow.session, one_app, "F7-2")
        assert [(h.reason, h.superseded) for h in hist] == [("第一次", True), ("复核后改为不符合", False)]
        assert worst_outcomes(uow.session)[one_app] is Outcome.FAIL
        assert clear_override(uow.session, one_app, "F7-2")
        uow.commit()
    with db.uow() as uow:
        assert worst_outcomes(uow.session)[one_app] is Outcome.MANUAL


def test_override_of_an_unknown_rule_is_refused(db, one_app):
    run_checks(db, [one_app], as_of=AS_OF)
    with db.uow() as uow:
        with pytest.raises(ReviewError, match="没有规则 Z9"):
            override_result(uow.session, one_app, "Z9", Outcome.PASS, "x")


def test_pipeline_filter_by_worst_outcome(db, tmp_path):
    with db.uow() as uow:
        s = uow.session
        good = factory_application(s, db.files_dir, tmp_path / "a", name="重庆甲机械有限公司")
        bad = factory_application(s, db.files_dir, tmp_path / "b", name="重庆乙机械有限公司")
        never = factory_application(s, db.files_dir, tmp_path / "c", name="重庆丙机械有限公司")
        save_report(s, bad, {"score": 60})
        uow.commit()
    run_checks(db, [good, bad], as_of=AS_OF)
    with db.uow() as uow:
        s = uow.session
        assert applications_by_outcome(s, [Outcome.FAIL]) == [bad]
        assert applications_by_outcome(s, [Outcome.MANUAL], year=2026) == [good]
        assert applications_by_outcome(s, ["unchecked"], year=2026) == [never]
        assert applications_by_outcome(s, [Outcome.FAIL], year=2025) == []
        assert worst_outcomes(s, [good, bad, never]) == {good: Outcome.MANUAL, bad: Outcome.FAIL}


def test_progress_is_reported_and_cancel_stores_nothing(db, tmp_path):
    with db.uow() as uow:
        ids = [factory_application(uow.session, db.files_dir, tmp_path / str(i), name=f"重庆{i}号机械有限公司")
               for i in range(5)]
        uow.commit()
    seen = []
    summary = run_checks(db, ids, as_of=AS_OF, progress=lambda d, t, s: seen.append((d, t, s)), chunk_size=2)
    assert [(d, t) for d, t, _ in seen] == [(0, 5), (2, 5), (4, 5), (5, 5)]
    assert "已检查 5/5 个申报" in seen[-1][2]
    assert summary.checked == 5
    with db.uow() as uow:
        uow.session.execute(CheckRun.__table__.delete())
        uow.commit()
    calls = iter([False, True])
    cancelled = run_checks(db, ids, as_of=AS_OF, should_stop=lambda: next(calls, True), chunk_size=2)
    assert cancelled.cancelled and not cancelled.stored
    assert cancelled.text() == "检查已取消，未保存任何结果。"
    with db.uow() as uow:
        assert uow.session.scalars(select(CheckRun)).all() == []


def test_two_applications_in_one_year_are_flagged_like_the_pipeline_says(db, one_app):
    """第三条: the check agrees with models.pipeline.duplicate_applications."""
    with db.uow() as uow:
        first = uow.session.get(Application, one_app)
        second = create_application(uow.session, year=2026, title_kind=TitleKind.CITY_FACTORY,
                                     enterprise=first.enterprise, stage=Stage.APPLIED)
        uow.commit()
        assert [a.id for a in duplicate_applications(uow.session, first)] == [second.id]
        second_id = second.id
    run_checks(db, [one_app], as_of=AS_OF)
    outcome, evidence = results(db, one_app)["F3-1"]
    assert outcome is Outcome.FAIL and f"申报编号 {second_id}（已申请）" in evidence


def test_revoked_within_three_years_blocks(db, one_app):
    """第十八条: a title revoked on 2025-03-12 blocks an application reviewed on 2026-06-30."""
    with db.uow() as uow:
        app = uow.session.get(Application, one_app)
        uow.session.add(Title(title_kind=TitleKind.CITY_FACTORY, enterprise_id=app.enterprise_id, year=2022,
                              state=TitleState.REVOKED, revoked_on=dt.date(2025, 3, 12),
                              revocation_doc="渝经信节能〔2025〕8号"))
        uow.commit()
    run_checks(db, [one_app], as_of=AS_OF)
    outcome, evidence = results(db, one_app)["F18-1"]
    assert outcome is Outcome.FAIL and "2025年3月12日被撤销" in evidence


def test_evaluator_limit_per_batch(db, tmp_path):
    """年度申报通知: 16 projects of one evaluator in one batch fail; the 15-project limit is a rule parameter."""
    with db.uow() as uow:
        s = uow.session
        batch = Batch(year=2026, name="2026年度第一批", title_kind=TitleKind.CITY_FACTORY)
        s.add(batch)
        s.flush()
        ev = listed_evaluator(s)
        ids = [factory_application(s, db.files_dir, tmp_path / str(i), name=f"重庆{i}号机械有限公司", batch=batch,
                                   evaluator_id=ev, stage=Stage.RECOMMENDED) for i in range(16)]
        uow.commit()
        batch_id = batch.id
    run_checks(db, ids, as_of=AS_OF)
    outcome, evidence = results(db, ids[0])["N-15"]
    assert outcome is Outcome.FAIL
    assert "在推荐批次「2026年度第一批」中评价了 16 个项目，超过 15 个的上限" in evidence
    with db.uow() as uow:
        assert select_applications(uow.session, batch_id=batch_id, stages=None) == ids
        uow.session.get(Application, ids[-1]).batch_id = None
        uow.commit()
    run_checks(db, ids[:-1], as_of=AS_OF)
    assert results(db, ids[0])["N-15"][0] is Outcome.PASS


def test_park_share_and_carbon_come_from_the_program_data(db, tmp_path):
    """第六条（四） from the enterprises registered in the park and their titles; 第六条（三）
    from the park's yearly carbon intensity."""
    with db.uow() as uow:
        s = uow.session
        park = Park(name="重庆空港工业园区", park_type="工业集聚区", approval_level="市级", district_code="500112",
                    managing_body="管委会", green_staff_count=3)
        s.add(park)
        s.flush()
        ents = []
        for i in range(8):
            e = Enterprise(name=f"重庆园区{i}号有限公司", credit_code=f"CODE{i:014d}", district_code="500112", park=park)
            s.add(e)
            ents.append(e)
        s.flush()
        s.add(Title(title_kind=TitleKind.CITY_FACTORY, enterprise_id=ents[0].id, year=2024))
        s.add(Title(title_kind=TitleKind.VOLUNTARY_ASSESSMENT, enterprise_id=ents[1].id, year=2025))
        s.add(Title(title_kind=TitleKind.CITY_FACTORY, enterprise_id=ents[2].id, year=2023,
                    state=TitleState.REVOKED, revoked_on=dt.date(2024, 5, 1)))
        app = create_application(s, year=2026, title_kind=TitleKind.CITY_PARK, park=park, stage=Stage.APPLIED)
        for year, value in ((2023, "1.2"), (2024, "1.1"), (2025, "1.15")):
            set_indicator(s, park_id=park.id, year=year, key="carbon_intensity", value=value)
        uow.commit()
        app_id = app.id
    run_checks(db, [app_id], as_of=AS_OF)
    res = results(db, app_id)
    assert res["P6-4"][0] is Outcome.PASS
    assert "园区登记企业 8 家，其中获评绿色工厂或参与绿色生产水平评估 2 家，占 25.0%" in res["P6-4"][1]
    assert res["P6-3c"][0] is Outcome.FAIL and "2025年（1.15）未低于2024年（1.1）" in res["P6-3c"][1]


def test_changed_stored_file_fails_by_name_and_nothing_else_changes(db, one_app):
    """第十条: a stored copy changed after receipt is named; no record is altered."""
    run_checks(db, [one_app], as_of=AS_OF)
    before = results(db, one_app)
    with db.uow() as uow:
        m = uow.session.scalars(select(Material).where(Material.item_key == "pledge")).one()
        path = filestore.stored_path(db.files_dir, m.sha256)
        rows_before = [(x.id, x.sha256, x.size, x.status) for x in uow.session.scalars(select(Material))]
    os.chmod(path, 0o644)
    data = bytearray(path.read_bytes())
    data[20] ^= 0x01
    path.write_bytes(bytes(data))
    run_checks(db, [one_app], as_of=AS_OF)
    after = results(db, one_app)
    assert after["F10-2"][0] is Outcome.FAIL
    assert "「pledge.pdf」的存档文件收件后已被改动" in after["F10-2"][1]
    assert after["F7-3"][0] is Outcome.FAIL  # the pledge itself is no longer trustworthy
    assert {k: v for k, v in after.items() if k not in ("F10-2", "F7-3")} == \
        {k: v for k, v in before.items() if k not in ("F10-2", "F7-3")}
    with db.uow() as uow:
        assert [(x.id, x.sha256, x.size, x.status) for x in uow.session.scalars(select(Material))] == rows_before
    path.unlink()
    run_checks(db, [one_app], as_of=AS_OF)
    assert "「pledge.pdf」的存档文件已丢失" in results(db, one_app)["F10-2"][1]


def test_hashes_are_not_recomputed_when_size_and_time_are_unchanged(db, one_app, monkeypatch):
    calls = []
    real = filestore.hash_file
    monkeypatch.setattr(filestore, "hash_file", lambda p: calls.append(p) or real(p))
    run_checks(db, [one_app], as_of=AS_OF)
    assert calls == []
    with db.uow() as uow:
        m = uow.session.scalars(select(Material).where(Material.item_key == "pledge")).one()
        path, old, mid = filestore.stored_path(db.files_dir, m.sha256), m.stored_mtime_ns, m.id
    os.utime(path, ns=(old + 5 * 10**9, old + 5 * 10**9))  # touched, same content
    run_checks(db, [one_app], as_of=AS_OF)
    assert len(calls) == 1
    assert results(db, one_app)["F10-2"][0] is Outcome.PASS
    with db.uow() as uow:
        assert uow.session.get(Material, mid).stored_mtime_ns == old + 5 * 10**9
    run_checks(db, [one_app], as_of=AS_OF)
    assert len(calls) == 1  # the new time was stored: no second hash


def test_full_verification_rehashes_everything(db, one_app, monkeypatch):
    with db.uow() as uow:
        mats = [(m.id, m.original_name, m.sha256, m.stored_mtime_ns) for m in uow.session.scalars(select(Material))]
    victim_id, victim_name, victim_sha, victim_mtime = mats[0]
    path = filestore.stored_path(db.files_dir, victim_sha)
    os.chmod(path, 0o644)
    data = bytearray(path.read_bytes())
    data[30] ^= 0x01
    path.write_bytes(bytes(data))
    os.utime(path, ns=(victim_mtime, victim_mtime))  # the time says unchanged
    progress = []
    with db.uow() as uow:
        problems = verify_materials(uow.session, db.files_dir, progress=lambda d, t, s: progress.append((d, t)))
        uow.commit()
    assert [(p.material_id, p.state) for p in problems] == [(victim_id, "changed")]
    assert problems[0].message == f"「{victim_name}」的存档文件收件后已被改动（SHA-256 不一致），请重新收件。"
    assert progress[-1] == (len(mats), len(mats))


def test_select_applications_by_year_stage_and_batch(db, one_app):
    with db.uow() as uow:
        assert select_applications(uow.session, year=2026) == [one_app]
        assert select_applications(uow.session, year=2025) == []
        uow.session.get(Application, one_app).stage = Stage.BUILDING
        uow.session.flush()
        assert select_applications(uow.session, year=2026, stages=REVIEW_STAGES) == []
        assert select_applications(uow.session, year=2026, stages=None) == [one_app]
        with pytest.raises(RunError, match="推荐批次（编号 77）不存在"):
            select_applications(uow.session, batch_id=77)


def test_application_without_a_rule_set_is_skipped_with_the_reason(db, one_app):
    with db.uow() as uow:
        app = uow.session.get(Application, one_app)
        other = create_application(uow.session, year=2026, title_kind=TitleKind.SUPPLY_CHAIN,
                                   enterprise=app.enterprise, stage=Stage.APPLIED)
        uow.commit()
        other_id = other.id
    summary = run_checks(db, [one_app, other_id], as_of=AS_OF)
    assert summary.checked == 1
    assert summary.skipped == [(other_id, "没有适用于2026年度「绿色供应链管理企业」的规则集")]
