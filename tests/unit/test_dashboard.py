"""The 年度概览 figures (models.dashboard) on a database built here, every number known:

2026: 3 市级绿色工厂 applications in 区县初审, 2 已推荐, 1 已认定, 1 未通过, 1 绿色供应链 已申请,
1 市级绿色园区 in 培育 (9 live ones; a deleted one and a 2025 one do not count). Titles: two
市级绿色工厂 recognised in 2026 (one of them a 2025 title whose document came in February 2026),
one 绿色供应链 of 2026 without a date, one recognised in 2025; one revoked in 2026, one revoked
in June 2023 whose ban ends on 20 June 2026 (第十八条), one under re-review. Target 5 市级绿色工厂
→ 2 achieved = 40%. Today is 1 June 2026.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

import pytest

from models import dashboard as D
from models.entities import Enterprise, OfficeProfile, Park, Title, TitleState
from models.office import set_setting
from models.pipeline import create_application
from models.review import CertKind, Certificate
from models.stages import Stage, TitleKind

TODAY = dt.date(2026, 6, 1)
YEAR = 2026


@dataclass
class Known:
    ents: dict[str, int]
    parks: dict[str, int]
    titles: dict[str, int]


def build_known(db) -> Known:
    """The database of the module doc (committed)."""
    from models.demo import make_credit_code

    rng = random.Random(7)
    with db.uow() as uow:
        s = uow.session
        s.add(OfficeProfile(id=1, district_code="500112", district_name="渝北区",
                            bureau_name="重庆市渝北区经济和信息化委员会", doc_prefix="渝北经信发"))
        names = {f"E{i}": f"重庆测试{'甲乙丙丁戊己庚辛壬'[i - 1]}制造有限公司" for i in range(1, 10)}
        ents = {}
        for key, name in names.items():
            e = Enterprise(name=name, credit_code=make_credit_code(rng, "500112"), district_code="500112",
                           industry_code="34")
            s.add(e)
            ents[key] = e
        park = Park(name="重庆测试工业园区", district_code="500112")
        s.add(park)
        s.flush()

        def app(key, stage, kind=TitleKind.CITY_FACTORY, year=YEAR):
            return create_application(s, year=year, title_kind=kind, stage=stage,
                                      enterprise=ents[key] if key != "P1" else None,
                                      park=park if key == "P1" else None)

        for k in ("E1", "E2", "E3"):
            app(k, Stage.UNDER_REVIEW)
        app("E4", Stage.RECOMMENDED)
        app("E5", Stage.RECOMMENDED)
        app("E6", Stage.RECOGNISED)
        app("E7", Stage.REJECTED)
        app("E8", Stage.APPLIED, TitleKind.SUPPLY_CHAIN)
        app("P1", Stage.CULTIVATING, TitleKind.CITY_PARK)
        gone = app("E9", Stage.UNDER_REVIEW)
        gone.deleted_at = dt.datetime(2026, 5, 1, 9, 0)
        app("E9", Stage.RECOGNISED, year=2025)
        s.flush()

        def title(key, kind, year, recognised_on, state=TitleState.VALID, revoked_on=None):
            t = Title(title_kind=kind, enterprise_id=ents[key].id, year=year, recognised_on=recognised_on,
                      state=state, revoked_on=revoked_on, doc_number=f"渝经信节能〔{year}〕{rng.randint(1, 40)}号")
            s.add(t)
            s.flush()
            return t.id

        titles = {
            "T1": title("E6", TitleKind.CITY_FACTORY, 2026, dt.date(2026, 1, 15)),
            "T2": title("E4", TitleKind.CITY_FACTORY, 2025, dt.date(2026, 2, 10)),
            "T3": title("E5", TitleKind.CITY_FACTORY, 2025, dt.date(2025, 12, 20)),
            "T4": title("E7", TitleKind.CITY_FACTORY, 2023, dt.date(2023, 12, 1), TitleState.REVOKED,
                        dt.date(2026, 3, 12)),
            "T5": title("E8", TitleKind.SUPPLY_CHAIN, 2026, None),
            "T6": title("E1", TitleKind.CITY_FACTORY, 2024, dt.date(2024, 12, 5), TitleState.UNDER_REVIEW),
            "T7": title("E9", TitleKind.CITY_FACTORY, 2020, dt.date(2020, 12, 1), TitleState.REVOKED,
                        dt.date(2023, 6, 20)),
        }
        deleted = Title(title_kind=TitleKind.CITY_FACTORY, enterprise_id=ents["E2"].id, year=2026,
                        recognised_on=dt.date(2026, 1, 15), deleted_at=dt.datetime(2026, 2, 1, 8, 0))
        s.add(deleted)

        def cert(key, kind, expires):
            s.add(Certificate(enterprise_id=ents[key].id, kind=kind, number=f"C-{key}-{kind.value}-{expires}",
                              expires_on=expires))

        cert("E1", CertKind.ISO9001, dt.date(2026, 6, 20))  # live application: 19 days left
        cert("E1", CertKind.ISO14001, dt.date(2026, 6, 10))  # renewed below: hidden
        cert("E1", CertKind.ISO14001, dt.date(2029, 6, 10))
        cert("E2", CertKind.ISO45001, dt.date(2026, 5, 1))  # lately expired
        cert("E9", CertKind.ISO9001, dt.date(2026, 6, 15))  # no live application, title revoked
        cert("E3", CertKind.ISO50001, dt.date(2026, 12, 31))  # beyond 90 days
        cert("E6", CertKind.ISO9001, dt.date(2026, 8, 1))  # application finished, valid title: 61 days
        D.set_targets(s, YEAR, {TitleKind.CITY_FACTORY: 5, TitleKind.SUPPLY_CHAIN: 2})
        uow.commit()
        return Known({k: e.id for k, e in ents.items()}, {"P1": park.id}, titles)


@pytest.fixture
def known(db):
    return build_known(db)


def _names(db, ids):
    with db.uow() as uow:
        return {uow.session.get(Enterprise, i).name for i in ids}


def test_applications_by_title_and_stage_count_only_the_years_live_ones(db, known):
    with db.uow() as uow:
        m = D.stage_matrix(uow.session, YEAR)
    assert m.applications == 9  # the deleted one and the 2025 one are not counted
    assert m.total(TitleKind.CITY_FACTORY, Stage.UNDER_REVIEW) == 3
    assert m.total(TitleKind.CITY_FACTORY) == 7
    assert m.total(TitleKind.SUPPLY_CHAIN, Stage.APPLIED) == 1
    assert m.total(TitleKind.CITY_PARK, Stage.CULTIVATING) == 1
    assert m.recommended == 4  # 2 已推荐 + 1 已认定 + 1 未通过
    assert m.recognised == 1
    assert m.rejected == 1
    assert m.kinds == [TitleKind.CITY_FACTORY, TitleKind.CITY_PARK, TitleKind.SUPPLY_CHAIN]
    with db.uow() as uow:
        assert D.stage_matrix(uow.session, 2025).applications == 1


def test_application_of_a_deleted_enterprise_is_not_counted(db, known):
    with db.uow() as uow:
        uow.session.get(Enterprise, known.ents["E1"]).deleted_at = dt.datetime(2026, 5, 2, 8, 0)
        uow.commit()
    with db.uow() as uow:
        m = D.stage_matrix(uow.session, YEAR)
    assert m.total(TitleKind.CITY_FACTORY, Stage.UNDER_REVIEW) == 2
    assert m.applications == 8


def test_titles_held_by_state(db, known):
    with db.uow() as uow:
        h = D.title_holdings(uow.session)
    assert (h.valid, h.under_review, h.revoked) == (4, 1, 2)  # the deleted title is not held
    assert h.total(TitleState.VALID, TitleKind.CITY_FACTORY) == 3
    assert h.total(TitleState.VALID, TitleKind.SUPPLY_CHAIN) == 1


def test_titles_of_the_year_counted_by_recognition_date_else_by_title_year(db, known):
    with db.uow() as uow:
        yt = D.year_titles(uow.session, YEAR)
        rows = D.titles_of_year(uow.session, YEAR)
    # T1 (2026-01-15) and T2 (a 2025 title recognised 2026-02-10); T5 has no date: its year 2026
    assert yt.recognised == {TitleKind.CITY_FACTORY: 2, TitleKind.SUPPLY_CHAIN: 1}
    assert yt.revoked == {TitleKind.CITY_FACTORY: 1}  # T4, revoked 2026-03-12
    assert {r.id for r in rows} == {known.titles[k] for k in ("T1", "T2", "T4", "T5")}
    t4 = next(r for r in rows if r.id == known.titles["T4"])
    assert (t4.state, t4.revoked_on) == (TitleState.REVOKED, dt.date(2026, 3, 12))


def test_targets_against_achieved_two_of_five_is_40_percent(db, known):
    with db.uow() as uow:
        rows = {r.kind: r for r in D.target_rows(uow.session, YEAR)}
    factory = rows[TitleKind.CITY_FACTORY]
    assert (factory.target, factory.achieved, factory.recommended) == (5, 2, 4)
    assert factory.ratio == pytest.approx(0.4)
    assert factory.percent_text == "40.0%"
    chain = rows[TitleKind.SUPPLY_CHAIN]
    assert (chain.target, chain.achieved, chain.percent_text) == (2, 1, "50.0%")
    assert chain.recommended is None  # not a municipal title: not recommended by the district
    park = rows[TitleKind.CITY_PARK]
    assert (park.target, park.achieved, park.recommended, park.ratio, park.percent_text) == (None, 0, 0, None, "—")
    # the five titles of the 2027 targets (seed 001) are always listed, in the program's order
    assert list(rows) == [TitleKind.CITY_FACTORY, TitleKind.CITY_PARK, TitleKind.SUPPLY_CHAIN,
                          TitleKind.NEAR_ZERO_PARK, TitleKind.VOLUNTARY_ASSESSMENT]


def test_targets_are_kept_per_year_and_bad_values_ignored(db, known):
    with db.uow() as uow:
        s = uow.session
        assert D.get_targets(s, YEAR) == {TitleKind.CITY_FACTORY: 5, TitleKind.SUPPLY_CHAIN: 2}
        assert D.get_targets(s, 2027) == {}
        set_setting(s, "targets:2027", {"city_park": "3", "no_such_title": 4, "city_factory": -1,
                                        "supply_chain": "很多", "near_zero_park": True})
        assert D.get_targets(s, 2027) == {TitleKind.CITY_PARK: 3}
        D.set_targets(s, 2027, {TitleKind.CITY_PARK: 0, TitleKind.CITY_FACTORY: 12})
        assert D.get_targets(s, 2027) == {TitleKind.CITY_FACTORY: 12}
        with pytest.raises(ValueError, match="不能小于 0"):
            D.set_targets(s, 2027, {TitleKind.CITY_FACTORY: -2})


def test_municipal_targets_to_2027_are_those_of_seed_001():
    doc, until, targets = D.municipal_targets()
    assert (doc, until) == ("渝经信发〔2024〕3号", 2027)
    assert targets == {TitleKind.CITY_FACTORY: 200, TitleKind.SUPPLY_CHAIN: 5, TitleKind.CITY_PARK: 20,
                       TitleKind.NEAR_ZERO_PARK: 24, TitleKind.VOLUNTARY_ASSESSMENT: 800}


def test_default_calendar_is_the_yearly_cycle_第十一条(db):
    with db.uow() as uow:
        entries, is_default = D.year_calendar(uow.session, YEAR)
    assert is_default
    by_date = {e.date: e for e in entries}
    assert "动态管理表" in by_date[dt.date(2026, 4, 15)].what
    assert "培训" in by_date[dt.date(2026, 5, 1)].what
    assert "国家级" in by_date[dt.date(2026, 7, 31)].what
    notice = next(e for e in entries if "公示5个工作日" in e.what)
    assert "第十一条" in notice.source
    assert [e.date for e in entries] == sorted(e.date for e in entries)


def test_calendar_follows_the_years_indicator_due_date_第十六条(db):
    with db.uow() as uow:
        set_setting(uow.session, "indicator_due:2026", "2026-04-30")
        entries, _ = D.year_calendar(uow.session, YEAR)
        other, _ = D.year_calendar(uow.session, 2027)
    assert any(e.date == dt.date(2026, 4, 30) and "动态管理表" in e.what for e in entries)
    assert any(e.date == dt.date(2027, 4, 15) and "动态管理表" in e.what for e in other)


def test_calendar_is_edited_per_year_and_can_go_back_to_default(db):
    mine = [D.CalendarEntry(dt.date(2026, 6, 20), "市级申报截止（2026年通知）", "渝经信节能〔2026〕7号"),
            D.CalendarEntry(dt.date(2026, 5, 12), "全市培训班", "")]
    with db.uow() as uow:
        D.set_year_calendar(uow.session, YEAR, mine)
        uow.commit()
    with db.uow() as uow:
        entries, is_default = D.year_calendar(uow.session, YEAR)
        assert not is_default
        assert [(e.date, e.what) for e in entries] == [(dt.date(2026, 5, 12), "全市培训班"),
                                                      (dt.date(2026, 6, 20), "市级申报截止（2026年通知）")]
        assert D.year_calendar(uow.session, 2027)[1] is True  # another year keeps the default
        with pytest.raises(ValueError, match="没有填写事项"):
            D.set_year_calendar(uow.session, YEAR, [D.CalendarEntry(dt.date(2026, 1, 2), " ")])
        D.set_year_calendar(uow.session, YEAR, None)
        assert D.year_calendar(uow.session, YEAR)[1] is True


def test_parse_calendar_skips_entries_without_date_or_text():
    raw = [{"date": "2026-03-01", "what": "甲"}, {"date": "不是日期", "what": "乙"}, {"date": "2026-03-02"},
           "垃圾", {"date": "2026-02-01T00:00:00", "what": "丙", "source": "来源"}]
    assert [(e.date.isoformat(), e.what, e.source) for e in D.parse_calendar(raw)] == [
        ("2026-02-01", "丙", "来源"), ("2026-03-01", "甲", "")]


def test_expiring_certificates_of_live_subjects_第七条六(db, known):
    with db.uow() as uow:
        certs = D.expiring_certificates(uow.session, TODAY, days=90)
    got = [(c.subject_id, c.kind, c.expires_on) for c in certs]
    assert got == [
        (known.ents["E2"], CertKind.ISO45001, dt.date(2026, 5, 1)),  # expired a month ago
        (known.ents["E1"], CertKind.ISO9001, dt.date(2026, 6, 20)),
        (known.ents["E6"], CertKind.ISO9001, dt.date(2026, 8, 1)),  # a valid title
    ]
    assert certs[1].days_left(TODAY) == 19
    with db.uow() as uow:
        soon = D.expiring_certificates(uow.session, TODAY, days=30, expired_days=0)
    assert [(c.subject_id, c.kind) for c in soon] == [(known.ents["E1"], CertKind.ISO9001)]


def test_agenda_overdue_reports_第十六条_and_bans_ending_第十八条(db, known):
    with db.uow() as uow:
        ag = D.agenda(uow.session, TODAY, days=30)
    # yearly indicators due 15 April, not filed: holders of factory titles recognised before 2026
    overdue = [i for i in ag.overdue if i.kind == "supervision"]
    assert {i.subject for i in overdue} == _names(db, [known.ents[k] for k in ("E1", "E4", "E5")])
    assert all(i.source == "第十六条" and i.due == dt.date(2026, 4, 15) for i in overdue)
    assert overdue[0].status(TODAY) == "已逾期47天"
    bans = ag.of_kind("ban")
    assert [(b.due, b.table, b.record_id) for b in bans] == [(dt.date(2026, 6, 20), "title", known.titles["T7"])]
    assert bans[0].status(TODAY) == "19天后"
    upcoming = ag.upcoming
    assert [i.kind for i in upcoming] == ["calendar", "ban"]
    assert upcoming[0].due == TODAY and upcoming[0].status(TODAY) == "今天"
    certs = ag.of_kind("certificate")
    assert [(c.table, c.record_id, c.overdue) for c in certs] == [
        ("enterprise", known.ents["E2"], True), ("enterprise", known.ents["E1"], False),
        ("enterprise", known.ents["E6"], False)]
    assert "ISO 45001" in certs[0].what and certs[0].source == "第七条（六）"
    assert [i.due for i in ag.items] == sorted(i.due for i in ag.items)


def test_due_this_week_is_overdue_plus_the_next_7_days(db, known):
    with db.uow() as uow:
        items = D.due_this_week(uow.session, TODAY)
    kinds = sorted((i.kind, i.overdue) for i in items)
    # 3 overdue indicator reports, today's calendar entry; the ban ends in 19 days, the
    # certificates expire in 19 days or expired before today: not this week
    assert kinds == [("calendar", False), ("supervision", True), ("supervision", True), ("supervision", True)]
    with db.uow() as uow:
        later = D.due_this_week(uow.session, dt.date(2026, 6, 15))
    assert ("ban", False) in {(i.kind, i.overdue) for i in later}  # 20 June is within 7 days
    assert ("certificate", False) in {(i.kind, i.overdue) for i in later}  # E1's ISO 9001 on 20 June


def test_load_dashboard_puts_the_figures_together(db, known):
    with db.uow() as uow:
        d = D.load_dashboard(uow.session, YEAR, TODAY)
        years = D.dashboard_years(uow.session, TODAY)
    assert (d.matrix.applications, d.matrix.recommended, d.matrix.recognised) == (9, 4, 1)
    assert (d.holdings.valid, d.holdings.under_review, d.holdings.revoked) == (4, 1, 2)
    assert d.titles.recognised_total == 3
    assert d.calendar_is_default and len(d.calendar) == 6
    assert years == [2020, 2023, 2024, 2025, 2026]
