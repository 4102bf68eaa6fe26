"""Working days (models.workdays): China's statutory holidays and make-up working days from
``chinesecalendar`` for 2024–2026, a year the calendar does not know (Monday–Friday, flagged), a
clerk-entered year, the 30 working days of 第十九条 and the 5 of the public notice (第十一条)."""
from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest

from models.supervision import notice_end
from models.workdays import (
    YearOverride,
    parse_date_list,
    add_workdays,
    calendar_knows,
    fallback_message,
    fallback_years_between,
    is_workday,
)

D = dt.date


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_every_day_of_2024_to_2026_agrees_with_chinesecalendar(year):
    d = D(year, 1, 1)
    differing = []
    while d.year == year:
        if is_workday(d) != chinese_calendar.is_workday(d):
            differing.append(d)
        d += dt.timedelta(days=1)
    assert differing == []


@pytest.mark.parametrize("day, works", [
    (D(2026, 10, 10), True),   # Saturday worked for the National Day week (调休上班)
    (D(2026, 9, 20), True),    # Sunday worked
    (D(2026, 10, 1), False), (D(2026, 10, 7), False),  # 国庆节
    (D(2026, 9, 25), False),   # 中秋节, a Friday
    (D(2026, 10, 8), True),
    (D(2026, 2, 16), False),   # 春节, a Monday
    (D(2026, 2, 14), True), (D(2026, 2, 28), True),  # Saturdays worked for the Spring Festival
    (D(2025, 10, 8), False), (D(2025, 9, 28), True), (D(2025, 10, 11), True),
    (D(2024, 9, 29), True), (D(2024, 10, 12), True), (D(2024, 10, 4), False),
    (D(2026, 10, 11), False),  # an ordinary Sunday
])
def test_holidays_and_make_up_days(day, works):
    assert is_workday(day) is works


@pytest.mark.parametrize("start, expected", [
    # 2026: 9-25 中秋, 10-1…10-7 国庆, 10-10 (Saturday) worked: 3 + 2 + 1 + 4×5 + 4 = 30
    (D(2026, 9, 24), D(2026, 11, 12)),
    # 2025: 9-28 (Sunday) and 10-11 (Saturday) worked, 10-1…10-8 off
    (D(2025, 9, 26), D(2025, 11, 13)),
    # 2024: 9-29 (Sunday) and 10-12 (Saturday) worked, 10-1…10-7 off
    (D(2024, 9, 27), D(2024, 11, 13)),
])
def test_thirty_workdays_across_the_national_day_week_第十九条(start, expected):
    res = add_workdays(start, 30)
    assert res.date == expected
    assert res.fallback_years == frozenset() and not res.is_fallback


def test_make_up_saturday_counts_第十九条():
    """Without 2026-10-10 (a Saturday worked) the 30th working day would be a day later."""
    without = YearOverride(holidays=frozenset({D(2026, 10, 10)}))
    assert add_workdays(D(2026, 9, 24), 30).date == D(2026, 11, 12)
    assert add_workdays(D(2026, 9, 24), 30, {2026: without}).date == D(2026, 11, 13)


def test_start_day_is_not_counted_and_zero_is_the_start():
    assert add_workdays(D(2026, 11, 20), 1).date == D(2026, 11, 23)  # Friday → Monday
    assert add_workdays(D(2026, 11, 20), 0).date == D(2026, 11, 20)
    with pytest.raises(ValueError):
        add_workdays(D(2026, 11, 20), -1)


def test_public_notice_of_five_workdays_第十一条():
    """A list published on 2026-09-30 is on notice through the National Day week and the
    make-up Saturday: 10-8, 10-9, 10-10, 10-12, 10-13."""
    assert notice_end(D(2026, 9, 30)).date == D(2026, 10, 13)
    assert notice_end(D(2026, 11, 16)).date == D(2026, 11, 23)  # Monday → the next Monday


def test_a_year_the_calendar_does_not_know_falls_back_to_monday_to_friday_第十九条():
    assert not calendar_knows(2027) and calendar_knows(2026)
    res = add_workdays(D(2026, 12, 18), 30)  # crosses into 2027
    assert res.fallback_years == frozenset({2027}) and res.is_fallback
    # 2026-12-21 … 12-31 is 9 working days, then 21 Monday–Friday days of 2027
    assert res.date == D(2027, 1, 29)
    assert is_workday(D(2027, 1, 1))  # a Friday: New Year's Day unknown without an override
    assert fallback_message(res.fallback_years) == \
        "2027年的法定节假日尚未收录，按周一至周五计算；可在「节假日设置」中录入"
    assert fallback_years_between(D(2026, 1, 1), D(2028, 3, 1)) == frozenset({2027, 2028})


def test_an_entered_year_changes_the_answer_and_clears_the_flag():
    ov = {2027: YearOverride(holidays=frozenset({D(2027, 1, 1)}), workdays=frozenset({D(2027, 1, 9)}))}
    assert not is_workday(D(2027, 1, 1), ov)
    assert is_workday(D(2027, 1, 9), ov)  # a Saturday entered as worked
    plain = add_workdays(D(2026, 12, 31), 5)
    entered = add_workdays(D(2026, 12, 31), 5, ov)
    assert plain.date == D(2027, 1, 7) and plain.fallback_years == {2027}
    # 1-1 off, then 1-4 … 1-8 are five working days
    assert entered.date == D(2027, 1, 8) and entered.fallback_years == frozenset()


def test_override_round_trips_through_the_setting_value():
    ov = YearOverride(holidays=frozenset({D(2027, 2, 8), D(2027, 2, 9)}), workdays=frozenset({D(2027, 2, 6)}))
    assert YearOverride.from_json(ov.to_json()) == ov
    assert YearOverride.from_json({"holidays": ["2027-02-08", "坏日期"]}).holidays == {D(2027, 2, 8)}
    assert YearOverride.from_json(None) == YearOverride()


def test_dates_typed_for_a_year_are_read_in_the_usual_ways():
    dates, bad = parse_date_list("2027-01-01\n2027/2/6 ~ 2027/2/8，2027 年 10 月 1 日至2027年10月2日、坏 2028-01-03 "
                                 "2027-02-30", 2027)
    assert sorted(dates) == [D(2027, 1, 1), D(2027, 2, 6), D(2027, 2, 7), D(2027, 2, 8), D(2027, 10, 1), D(2027, 10, 2)]
    assert bad == ["坏", "2028-01-03", "2027-02-30"]
    assert parse_date_list("", 2027) == (frozenset(), [])
