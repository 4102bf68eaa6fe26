"""Working days (工作日) in mainland China: statutory holidays and make-up working days (调休上班).

The package ``chinesecalendar`` knows the State Council's holiday arrangement for the years it
ships (2004 up to the year after its release). For a year it does not know, a clerk may enter
that year's holidays and make-up days (a :class:`YearOverride`, kept in the Setting
``holidays:{year}``); without one, Monday to Friday are counted as working days and the result
says which years were guessed (``fallback_years``) so the window can warn.

Counting follows the civil code (民法典 第二百零一条): the day an event happens is not counted;
``add_workdays(start, n)`` is the n-th working day *after* ``start``. Uses: 30 working days after a
renaming's formalities (第十九条), a public notice of 5 working days (第十一条).

Pure Python: no Qt, no database.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable, Mapping

__all__ = [
    "YearOverride", "WorkdayResult", "is_workday", "add_workdays", "calendar_years", "calendar_knows",
    "fallback_years_between", "fallback_message", "NOTICE_WORKDAYS",
]

#: 第十一条: the list to be recognised is published for 5 working days.
NOTICE_WORKDAYS = 5


@dataclass(frozen=True)
class YearOverride:
    """A year's holiday arrangement entered by a clerk (the State Council's notice for that year):
    ``holidays`` are weekdays off, ``workdays`` are weekend days worked (调休上班)."""

    holidays: frozenset[dt.date] = field(default_factory=frozenset)
    workdays: frozenset[dt.date] = field(default_factory=frozenset)

    def to_json(self) -> dict[str, list[str]]:
        return {
            "holidays": sorted(d.isoformat() for d in self.holidays),
            "workdays": sorted(d.isoformat() for d in self.workdays),
        }

    @classmethod
    def from_json(cls, value: Any) -> "YearOverride":
        """From the stored Setting value; unreadable dates are skipped."""
        if not isinstance(value, Mapping):
            return cls()

        def dates(items: Any) -> frozenset[dt.date]:
            out = set()
            for s in items or ():
                try:
                    out.add(dt.date.fromisoformat(str(s)))
                except ValueError:
                    continue
            return frozenset(out)

        return cls(dates(value.get("holidays")), dates(value.get("workdays")))


@dataclass(frozen=True)
class WorkdayResult:
    """The computed date, and the years counted Monday–Friday because nothing was known of them."""

    date: dt.date
    fallback_years: frozenset[int] = frozenset()

    @property
    def is_fallback(self) -> bool:
        return bool(self.fallback_years)


@lru_cache(maxsize=1)
def calendar_years() -> tuple[int, int]:
    """The first and last year ``chinesecalendar`` knows (imported on first use)."""
    from chinese_calendar.constants import holidays

    years = [d.year for d in holidays]
    return min(years), max(years)


def calendar_knows(year: int) -> bool:
    lo, hi = calendar_years()
    return lo <= year <= hi


def _calendar_is_workday(d: dt.date) -> bool:
    from chinese_calendar import is_workday as cc_is_workday

    return bool(cc_is_workday(d))


def is_workday(d: dt.date, overrides: Mapping[int, YearOverride] | None = None) -> bool:
    """A working day: dates a clerk entered win; then ``chinesecalendar``; then Monday–Friday."""
    ov = overrides.get(d.year) if overrides else None
    if ov is not None:
        if d in ov.workdays:
            return True
        if d in ov.holidays:
            return False
    if calendar_knows(d.year):
        return _calendar_is_workday(d)
    return d.weekday() < 5


def _is_fallback_year(year: int, overrides: Mapping[int, YearOverride] | None) -> bool:
    return not calendar_knows(year) and not (overrides and year in overrides)


def add_workdays(start: dt.date, n: int, overrides: Mapping[int, YearOverride] | None = None) -> WorkdayResult:
    """The ``n``-th working day after ``start`` (``start`` itself is not counted; n = 0 gives
    ``start``). ``fallback_years``: the years passed through that neither the calendar nor an
    override knows, where Monday–Friday was assumed."""
    if n < 0:
        raise ValueError("工作日数不能为负数")
    d = start
    seen: set[int] = set()
    left = n
    while left > 0:
        d += dt.timedelta(days=1)
        seen.add(d.year)
        if is_workday(d, overrides):
            left -= 1
    return WorkdayResult(d, frozenset(y for y in seen if _is_fallback_year(y, overrides)))


def fallback_years_between(start: dt.date, end: dt.date,
                           overrides: Mapping[int, YearOverride] | None = None) -> frozenset[int]:
    """Years in [start, end] counted Monday–Friday."""
    return frozenset(y for y in range(start.year, end.year + 1) if _is_fallback_year(y, overrides))


def fallback_message(years: Iterable[int]) -> str:
    """The warning shown whenever a date was computed Monday–Friday."""
    ys = sorted(set(years))
    if not ys:
        return ""
    text = "、".join(f"{y}年" for y in ys)
    return f"{text}的法定节假日尚未收录，按周一至周五计算；可在「节假日设置」中录入"


def parse_date_list(text: str, year: int) -> tuple[frozenset[dt.date], list[str]]:
    """Dates a clerk typed for one year: one or more per line, separated by spaces, commas or
    、; a range as ``2027-02-06~2027-02-12`` (or 至, －, —). Accepts 2027-2-6, 2027/2/6 and
    2027年2月6日. Returns the dates and the pieces that could not be read or fall outside ``year``."""
    import re

    def one(s: str) -> dt.date | None:
        m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", s.strip())
        if not m:
            return None
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return None

    dates: set[dt.date] = set()
    bad: list[str] = []
    text = re.sub(r"\s*(~|～|至|—|－|–|年|月|日)\s*", r"\1", text)
    for piece in re.split(r"[\s,，、;；]+", text.strip()):
        if not piece:
            continue
        ends = re.split(r"~|～|至|—|－|–|(?<=\d)-(?=\d{4})", piece)
        if len(ends) == 2:
            a, b = one(ends[0]), one(ends[1])
            if a is None or b is None or b < a or (b - a).days > 40:
                bad.append(piece)
                continue
            days = [a + dt.timedelta(days=i) for i in range((b - a).days + 1)]
        else:
            d = one(piece)
            if d is None:
                bad.append(piece)
                continue
            days = [d]
        if any(x.year != year for x in days):
            bad.append(piece)
            continue
        dates.update(days)
    return frozenset(dates), bad
