"""Supervision of titles (models.supervision) on a real database: revocation for each cause of
第十七条 and its 3-year ban (第十八条) as the real checks see it, renamings and restructurings due
30 working days later (第十九条), re-reviews and yearly key indicators (第十六条), and what is due."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from forms.rules import Outcome
from forms.rules.loader import indicator_defs
from models.entities import (
    AuditEntry,
    ChangeKind,
    Enterprise,
    Park,
    ReReviewOutcome,
    Title,
    TitleChange,
    TitleReview,
    TitleState,
)
from models.review_service import check_sheet, set_indicator
from models.stages import Stage, TitleKind
from models.supervision import (
    BAN_YEARS,
    CAUSES,
    FAILED_REVIEW_CAUSE,
    SupervisionError,
    add_title,
    ban_end,
    ban_text,
    cause_label,
    due_items,
    indicator_due_date,
    indicator_status,
    load_overrides,
    mark_change_reported,
    missing_reports,
    record_change,
    record_review_result,
    revoke_title,
    save_override,
    schedule_review,
    set_indicator_due_date,
    subject_ban,
    title_rows,
)
from models.workdays import YearOverride

D = dt.date
CODES = iter(f"91500112MA60{n:05d}X" for n in range(10000))


def enterprise(s, name="重庆绿源机械有限公司") -> Enterprise:
    e = Enterprise(name=name, credit_code=next(CODES)[:18], district_code="500112", industry_code="34")
    s.add(e)
    s.flush()
    return e


def titled(s, name="重庆绿源机械有限公司", *, year=2026, kind=TitleKind.CITY_FACTORY) -> Title:
    """A title recognised on 15 January of ``year`` (by default this year's: no indicators owed yet)."""
    e = enterprise(s, name)
    return add_title(s, title_kind=kind, year=year, enterprise_id=e.id, doc_number=f"渝经信节能〔{year}〕9号",
                     recognised_on=D(year, 1, 15))


def row_of(s, title_id, today, **kw):
    return next(r for r in title_rows(s, today, **kw) if r.id == title_id)


# --------------------------------------------------------------------------- 第十七条, 第十八条


def test_the_seven_causes_are_the_articles_words_第十七条():
    assert [c.code for c in CAUSES] == ["（一）", "（二）", "（三）", "（四）", "（五）", "（六）", "（七）"]
    assert CAUSES[0].text == "未按规定参加复审或动态管理的"
    assert CAUSES[3].text == "被发现提供虚假材料和数据的"
    assert CAUSES[6].text == "发生其他重大违法违纪行为的"
    assert FAILED_REVIEW_CAUSE.code == "（二）" and FAILED_REVIEW_CAUSE.text == "复审结果不合格的"


@pytest.mark.parametrize("cause", CAUSES, ids=[c.code for c in CAUSES])
def test_each_cause_is_recorded_and_shown_第十七条(db, cause):
    with db.uow() as uow:
        s = uow.session
        t = titled(s)
        revoke_title(s, t.id, cause=cause.code, revoked_on=D(2026, 3, 12), doc="渝经信节能〔2026〕8号")
        uow.commit()
        tid = t.id
    with db.uow() as uow:
        s = uow.session
        t = s.get(Title, tid)
        assert (t.state, t.revoked_on, t.revocation_cause, t.revocation_doc) == (
            TitleState.REVOKED, D(2026, 3, 12), cause.code, "渝经信节能〔2026〕8号")
        assert f"依据第十七条{cause.code}{cause.text}撤销（渝经信节能〔2026〕8号）" in t.notes
        row = row_of(s, tid, D(2026, 11, 21))
        assert cause_label(row.cause) == f"第十七条{cause.code}{cause.text}"
        assert row.state is TitleState.REVOKED and row.ban_until == D(2029, 3, 12)
        entry = s.scalars(select(AuditEntry).where(AuditEntry.table_name == "title", AuditEntry.action == "update")).one()
        assert entry.user == "测试员"
        assert entry.after["state"] == "revoked" and entry.after["revocation_cause"] == cause.code


def test_revocation_refuses_what_makes_no_sense_第十七条(db):
    with db.uow() as uow:
        s = uow.session
        t = titled(s)
        with pytest.raises(SupervisionError, match="（一）至（七）"):
            revoke_title(s, t.id, cause="（八）", revoked_on=D(2026, 3, 12))
        with pytest.raises(SupervisionError, match="早于认定日期"):
            revoke_title(s, t.id, cause="（三）", revoked_on=D(2025, 12, 31))
        revoke_title(s, t.id, cause="（三）", revoked_on=D(2026, 3, 12))
        with pytest.raises(SupervisionError, match="无需再次撤销"):
            revoke_title(s, t.id, cause="（三）", revoked_on=D(2026, 4, 1))


@pytest.mark.parametrize("revoked, end", [
    (D(2024, 3, 12), D(2027, 3, 12)),
    (D(2024, 2, 29), D(2027, 2, 28)),  # no 29 February in 2027: the month's last day
    (D(2025, 12, 31), D(2028, 12, 31)),
])
def test_ban_ends_three_years_after_revocation_第十八条(revoked, end):
    assert BAN_YEARS == 3
    assert ban_end(revoked) == end


def test_ban_is_shown_on_the_subject_第十八条(db):
    with db.uow() as uow:
        s = uow.session
        t = titled(s, year=2022)
        revoke_title(s, t.id, cause="（六）", revoked_on=D(2024, 2, 29), doc="渝经信节能〔2024〕3号")
        eid = t.enterprise_id
        until, title = subject_ban(s, D(2026, 11, 21), enterprise_id=eid)
        assert until == D(2027, 2, 28)
        assert ban_text(until, title) == ("2027-02-28前不得申报（市级绿色工厂称号于2024-02-29撤销，"
                                          "第十七条（六）被列入失信黑名单的，渝经信节能〔2024〕3号；第十八条）")
        assert subject_ban(s, D(2027, 2, 28), enterprise_id=eid) is None


def check_f18(db, app_id, as_of):
    from forms.rules.runner import run_checks

    run_checks(db, [app_id], as_of=as_of)
    with db.uow() as uow:
        row = next(r for r in check_sheet(uow.session, app_id).rows if r.rule_id == "F18-1")
        return row.outcome, row.evidence


def test_the_checks_refuse_an_application_inside_the_ban_and_accept_it_after_第十八条(db):
    """A revocation recorded through the supervision API on 2024-03-12 is seen by the real rules
    engine: an application reviewed on 2027-03-11 fails 第十八条, one reviewed on 2027-03-12 passes."""
    from models.pipeline import create_application

    with db.uow() as uow:
        s = uow.session
        t = titled(s, year=2021)
        revoke_title(s, t.id, cause="（五）", revoked_on=D(2024, 3, 12), doc="渝经信节能〔2024〕8号")
        app = create_application(s, year=2027, title_kind=TitleKind.CITY_FACTORY,
                                 enterprise=s.get(Enterprise, t.enterprise_id), stage=Stage.APPLIED)
        uow.commit()
        app_id = app.id
    outcome, evidence = check_f18(db, app_id, D(2027, 3, 11))
    assert outcome is Outcome.FAIL
    assert "2024年3月12日被撤销" in evidence and "渝经信节能〔2024〕8号" in evidence
    outcome, evidence = check_f18(db, app_id, ban_end(D(2024, 3, 12)))
    assert outcome is Outcome.PASS and "已满3年" in evidence


# --------------------------------------------------------------------------- titles entered by hand


def test_a_title_entered_by_hand(db):
    with db.uow() as uow:
        s = uow.session
        t = titled(s, year=2023)
        assert (t.source, t.state, t.doc_number) == ("entered", TitleState.VALID, "渝经信节能〔2023〕9号")
        row = row_of(s, t.id, D(2026, 1, 5))
        assert (row.subject, row.level, row.source_label, row.title_kind.label) == (
            "重庆绿源机械有限公司", "市级", "手工录入", "市级绿色工厂")
        with pytest.raises(SupervisionError, match="不能重复录入"):
            add_title(s, title_kind=TitleKind.CITY_FACTORY, year=2023, enterprise_id=t.enterprise_id)
        with pytest.raises(SupervisionError, match="只能授予园区"):
            add_title(s, title_kind=TitleKind.CITY_PARK, year=2023, enterprise_id=t.enterprise_id)
        with pytest.raises(SupervisionError, match="只能选一个"):
            add_title(s, title_kind=TitleKind.CITY_PARK, year=2023)


# --------------------------------------------------------------------------- 第十九条


def test_renaming_is_due_30_workdays_later_and_renames_the_subject_第十九条(db):
    with db.uow() as uow:
        s = uow.session
        t = titled(s, year=2022)
        set_indicator(s, enterprise_id=t.enterprise_id, year=2025, key="energy_per_value_added", value="0.4")
        ch = record_change(s, kind=ChangeKind.RENAME, completed_on=D(2026, 9, 24), title_id=t.id,
                           new_name="重庆绿源智能装备有限公司")
        uow.commit()
        tid, cid, eid = t.id, ch.id, t.enterprise_id
    with db.uow() as uow:
        s = uow.session
        ch = s.get(TitleChange, cid)
        # 9-25 中秋, 10-1…10-7 国庆, 10-10 (Saturday) worked
        assert (ch.due_on, ch.due_fallback, ch.old_name, ch.new_name) == (
            D(2026, 11, 12), False, "重庆绿源机械有限公司", "重庆绿源智能装备有限公司")
        assert s.get(Enterprise, eid).name == "重庆绿源智能装备有限公司"
        rename = s.scalars(select(AuditEntry).where(AuditEntry.table_name == "enterprise",
                                                    AuditEntry.action == "update")).one()
        assert (rename.before["name"], rename.after["name"]) == ("重庆绿源机械有限公司", "重庆绿源智能装备有限公司")
        assert s.scalars(select(AuditEntry).where(AuditEntry.table_name == "title_change")).one().action == "insert"
        on_time = row_of(s, tid, D(2026, 11, 12))
        assert not on_time.overdue and "更名上报（2026-11-12前）" in on_time.todo
        late = row_of(s, tid, D(2026, 11, 13))
        assert late.overdue and "更名上报已逾期（2026-11-12前）" in late.todo
        item = next(i for i in due_items(s, D(2026, 11, 13)) if i.article == "第十九条")
        assert (item.due, item.subject, item.overdue, item.title_id) == (
            D(2026, 11, 12), "重庆绿源智能装备有限公司", True, tid)
        mark_change_reported(s, cid, D(2026, 11, 13), doc="渝北经信发〔2026〕40号")
        assert not row_of(s, tid, D(2026, 11, 13)).overdue
        assert [i for i in due_items(s, D(2026, 11, 13)) if i.article == "第十九条"] == []


def test_restructuring_keeps_the_name_and_refuses_bad_input_第十九条(db):
    with db.uow() as uow:
        s = uow.session
        t = titled(s)
        ch = record_change(s, kind=ChangeKind.RESTRUCTURE, completed_on=D(2025, 9, 26), title_id=t.id)
        assert ch.due_on == D(2025, 11, 13)
        assert s.get(Enterprise, t.enterprise_id).name == "重庆绿源机械有限公司"
        with pytest.raises(SupervisionError, match="须填写新名称"):
            record_change(s, kind=ChangeKind.RENAME, completed_on=D(2025, 9, 26), title_id=t.id)
        with pytest.raises(SupervisionError, match="早于手续办结日期"):
            record_change(s, kind=ChangeKind.RESTRUCTURE, completed_on=D(2025, 9, 26), title_id=t.id,
                          reported_on=D(2025, 9, 1))


def test_renaming_in_a_year_the_calendar_does_not_know_is_flagged_then_recomputed_第十九条(db):
    with db.uow() as uow:
        s = uow.session
        t = titled(s)
        ch = record_change(s, kind=ChangeKind.RESTRUCTURE, completed_on=D(2026, 12, 18), title_id=t.id)
        assert (ch.due_on, ch.due_fallback) == (D(2027, 1, 29), True)
        assert row_of(s, t.id, D(2026, 12, 20)).fallback
        # the clerk enters 2027's New Year and Spring Festival days off
        changed = save_override(s, 2027, YearOverride(holidays=frozenset({D(2027, 1, 1)})))
        assert changed == 1
        assert (ch.due_on, ch.due_fallback) == (D(2027, 2, 1), False)
        assert load_overrides(s) == {2027: YearOverride(holidays=frozenset({D(2027, 1, 1)}))}
        with pytest.raises(SupervisionError, match="不在 2027 年内"):
            save_override(s, 2027, YearOverride(holidays=frozenset({D(2028, 1, 3)})))
        save_override(s, 2027, None)
        assert load_overrides(s) == {}
        assert (ch.due_on, ch.due_fallback) == (D(2027, 2, 1), False)  # a done computation stays



def test_removing_a_year_s_holidays_keeps_the_other_years(db):
    """models.office.delete_setting under save_override(None): only that year's Setting goes."""
    from models.office import delete_setting, get_setting

    with db.uow() as uow:
        s = uow.session
        save_override(s, 2027, YearOverride(holidays=frozenset({D(2027, 1, 1)})))
        save_override(s, 2028, YearOverride(workdays=frozenset({D(2028, 1, 29)})))
        save_override(s, 2027, None)
        assert list(load_overrides(s)) == [2028]
        assert get_setting(s, "holidays:2027") is None
        assert delete_setting(s, "holidays:2027") is False  # already gone: nothing to remove
        assert delete_setting(s, "holidays:2028") is True
        assert load_overrides(s) == {}

def test_park_renaming_goes_through_the_park_save_第十九条(db):
    with db.uow() as uow:
        s = uow.session
        p = Park(name="重庆空港工业园区")
        s.add(p)
        s.flush()
        add_title(s, title_kind=TitleKind.CITY_PARK, year=2023, park_id=p.id)
        record_change(s, kind=ChangeKind.RENAME, completed_on=D(2026, 3, 2), park_id=p.id, new_name="重庆临空产业园区")
        assert p.name == "重庆临空产业园区" and "由「重庆空港工业园区」更名为「重庆临空产业园区」" in p.notes


# --------------------------------------------------------------------------- 第十六条 re-reviews


def test_re_review_passed_第十六条(db):
    with db.uow() as uow:
        s = uow.session
        t = titled(s)
        r = schedule_review(s, t.id, D(2026, 12, 3), notes="市经济信息委抽查")
        assert t.state is TitleState.UNDER_REVIEW
        with pytest.raises(SupervisionError, match="已有待复审"):
            schedule_review(s, t.id, D(2026, 12, 10))
        item = next(i for i in due_items(s, D(2026, 11, 21)) if i.article == "第十六条")
        assert (item.due, item.what, item.overdue) == (D(2026, 12, 3), "「市级绿色工厂」复审", False)
        assert "复审（2026-12-03）" in row_of(s, t.id, D(2026, 11, 21)).todo
        late = row_of(s, t.id, D(2026, 12, 4))
        assert late.overdue and "复审已过期，待录入结果" in late.todo
        record_review_result(s, r.id, outcome=ReReviewOutcome.PASSED, held_on=D(2026, 12, 3), doc="渝经信节能〔2026〕30号")
        assert t.state is TitleState.VALID and r.outcome is ReReviewOutcome.PASSED
        assert row_of(s, t.id, D(2026, 12, 4)).todo == ""
        assert due_items(s, D(2026, 12, 4)) == []


def test_failed_re_review_leads_to_revocation_for_cause_two_第十七条(db):
    with db.uow() as uow:
        s = uow.session
        t = titled(s)
        r = schedule_review(s, t.id, D(2026, 6, 1))
        record_review_result(s, r.id, outcome=ReReviewOutcome.FAILED, held_on=D(2026, 6, 2))
        assert t.state is TitleState.UNDER_REVIEW
        row = row_of(s, t.id, D(2026, 6, 3))
        assert row.overdue and row.todo == "复审不通过，待撤销（第十七条（二））"
        revoke_title(s, t.id, cause=FAILED_REVIEW_CAUSE.code, revoked_on=D(2026, 6, 20))
        row = row_of(s, t.id, D(2026, 6, 21))
        assert row.state is TitleState.REVOKED and row.todo == "" and row.ban_until == D(2029, 6, 20)
        with pytest.raises(SupervisionError, match="已撤销，不能安排复审"):
            schedule_review(s, t.id, D(2026, 7, 1))
        assert s.scalars(select(TitleReview)).one().outcome is ReReviewOutcome.FAILED


# --------------------------------------------------------------------------- 第十六条 indicators


def test_indicator_due_date_is_15_april_unless_set_for_the_year_第十六条(db):
    with db.uow() as uow:
        s = uow.session
        assert indicator_due_date(s, 2026) == D(2026, 4, 15)
        set_indicator_due_date(s, 2027, D(2027, 4, 30))
        assert indicator_due_date(s, 2027) == D(2027, 4, 30)
        assert indicator_due_date(s, 2026) == D(2026, 4, 15)
        with pytest.raises(SupervisionError):
            set_indicator_due_date(s, 2027, D(2025, 4, 30))


def test_missing_and_worse_indicator_reports_第十六条(db):
    with db.uow() as uow:
        s = uow.session
        good = titled(s, "重庆甲机械有限公司", year=2023)
        worse = titled(s, "重庆乙化工有限公司", year=2024)
        missing = titled(s, "重庆丙食品有限公司", year=2025)
        titled(s, "重庆丁电子有限公司", year=2026)  # recognised this year: owes nothing yet
        supply = titled(s, "重庆戊供应链有限公司", year=2023, kind=TitleKind.SUPPLY_CHAIN)
        gone = titled(s, "重庆己建材有限公司", year=2023)
        revoke_title(s, gone.id, cause="（三）", revoked_on=D(2025, 5, 1))
        for t, e2024, e2025, reuse2025 in ((good, "0.40", "0.38", "91"), (worse, "0.40", "0.45", "89")):
            set_indicator(s, enterprise_id=t.enterprise_id, year=2024, key="energy_per_value_added", value=e2024)
            set_indicator(s, enterprise_id=t.enterprise_id, year=2025, key="energy_per_value_added", value=e2025)
            set_indicator(s, enterprise_id=t.enterprise_id, year=2024, key="water_reuse_rate", value="90")
            set_indicator(s, enterprise_id=t.enterprise_id, year=2025, key="water_reuse_rate", value=reuse2025)
        status = indicator_status(s, 2026, indicator_defs())
        assert {st.name: st.label for st in status.values()} == {
            "重庆甲机械有限公司": "已报", "重庆乙化工有限公司": "指标下降⚠", "重庆丙食品有限公司": "未报"}
        worse_status = next(st for st in status.values() if st.name == "重庆乙化工有限公司")
        assert worse_status.worse == ["单位工业增加值综合能耗（能源低碳化）", "工业用水重复利用率（生产洁净化）"]
        assert [m.name for m in missing_reports(s, 2026)] == ["重庆丙食品有限公司"]
        rows = {r.subject: r for r in title_rows(s, D(2026, 4, 16), catalogue=indicator_defs())}
        assert rows["重庆丙食品有限公司"].indicators == "未报" and rows["重庆丙食品有限公司"].overdue
        assert "年度指标逾期未报（2026-04-15前）" in rows["重庆丙食品有限公司"].todo
        assert rows["重庆乙化工有限公司"].indicators == "指标下降⚠"
        assert rows["重庆戊供应链有限公司"].indicators == ""  # 第十六条 covers green factories and parks
        assert rows["重庆丁电子有限公司"].indicators == ""
        before = [i for i in due_items(s, D(2026, 4, 1)) if i.article == "第十六条"]
        assert [(i.due, i.subject, i.overdue) for i in before] == [(D(2026, 4, 15), "重庆丙食品有限公司", False)]
        assert before[0].what == "报送2025年度绿色制造关键指标"
        after = [i for i in due_items(s, D(2026, 5, 1)) if i.article == "第十六条"]
        assert [(i.subject, i.overdue) for i in after] == [("重庆丙食品有限公司", True)]
        assert due_items(s, D(2026, 1, 5)) == []  # 15 April is more than 30 days away
        assert missing.enterprise_id and supply.enterprise_id


# --------------------------------------------------------------------------- what is due


def test_due_items_window_order_and_bans_ending_第十八条(db):
    with db.uow() as uow:
        s = uow.session
        a = titled(s, "重庆甲机械有限公司", year=2020)
        b = titled(s, "重庆乙化工有限公司")
        c = titled(s, "重庆丙食品有限公司")
        revoke_title(s, a.id, cause="（四）", revoked_on=D(2023, 12, 1))
        record_change(s, kind=ChangeKind.RESTRUCTURE, completed_on=D(2026, 10, 20), title_id=b.id)  # due 12-01
        schedule_review(s, c.id, D(2027, 3, 1))  # outside the window
        items = due_items(s, D(2026, 11, 21), days=30)
        assert [(i.due, i.article, i.subject, i.overdue) for i in items] == [
            (D(2026, 12, 1), "第十九条", "重庆乙化工有限公司", False),  # same day: by name (乙 < 甲 in Unicode)
            (D(2026, 12, 1), "第十八条", "重庆甲机械有限公司", False),
        ]
        assert items[1].what == "「市级绿色工厂」撤销满三年，可重新申报"
        assert len(due_items(s, D(2026, 11, 21), days=120)) == 3
        assert [i.article for i in due_items(s, D(2026, 12, 2), days=0)] == ["第十九条"]  # overdue stays
