"""The 称号监管 list read with plain SQL (models.title_list): the same rows as the ORM query it
replaced (第十六条 indicators and re-reviews, 第十八条 bans, 第十九条 renamings), and no
SQLAlchemy imported to read it."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest
from sqlalchemy import select

from forms.rules.loader import indicator_defs
from models import supervision as sv
from models import title_list
from models.entities import Enterprise, Park, ReReviewOutcome, Title, TitleReview, TitleState
from models.review_service import set_indicator
from models.stages import TitleKind

ROOT = Path(__file__).resolve().parents[2]


def orm_title_rows(session, today, *, round_year=None, catalogue=None):
    """The ORM implementation of supervision.title_rows as it was before the plain-SQL one."""
    round_year = round_year or today.year
    due = sv.indicator_due_date(session, round_year)
    status = sv.indicator_status(session, round_year, catalogue)
    changes = defaultdict(list)
    for ch in sv.open_changes(session):
        changes[sv._ref(ch.enterprise_id, ch.park_id)].append(ch)
    reviews = defaultdict(list)
    for r in session.scalars(select(TitleReview).where(TitleReview.deleted_at.is_(None))
                             .order_by(TitleReview.scheduled_on, TitleReview.id)):
        reviews[r.title_id].append(r)
    q = (select(Title, Enterprise.name, Park.name)
         .outerjoin(Enterprise, Enterprise.id == Title.enterprise_id)
         .outerjoin(Park, Park.id == Title.park_id)
         .where(Title.deleted_at.is_(None))
         .order_by(Title.year.desc(), Title.id))
    rows = []
    for t, ename, pname in session.execute(q):
        ref = sv._ref(t.enterprise_id, t.park_id)
        todo = []
        overdue = fallback = False
        for ch in changes.get(ref, ()):
            late = ch.due_on < today
            overdue |= late
            fallback |= ch.due_fallback
            todo.append(f"{ch.kind.label}上报{'已逾期' if late else ''}（{ch.due_on.isoformat()}前）")
        last = reviews.get(t.id, [])
        if last and t.state is not TitleState.REVOKED:
            r = last[-1]
            if r.outcome is ReReviewOutcome.PENDING:
                late = r.scheduled_on < today
                overdue |= late
                todo.append(f"复审{'已过期，待录入结果' if late else ''}（{r.scheduled_on.isoformat()}）")
            elif r.outcome is ReReviewOutcome.FAILED:
                overdue = True
                todo.append("复审不通过，待撤销（第十七条（二））")
        st = status.get(ref) if t.title_kind in sv.INDICATOR_TITLE_KINDS else None
        ind = st.label if st is not None else ""
        if st is not None and not st.reported:
            late = due < today
            overdue |= late
            todo.append(f"年度指标{'逾期未报' if late else '待报'}（{due.isoformat()}前）")
        ban = sv.ban_end(t.revoked_on) if t.state is TitleState.REVOKED and t.revoked_on else None
        rows.append(sv.TitleRow(
            id=t.id, subject=(ename if t.enterprise_id is not None else pname) or "",
            subject_kind=ref[0], subject_id=ref[1], title_kind=t.title_kind, year=t.year,
            doc_number=t.doc_number, state=t.state, source=t.source, recognised_on=t.recognised_on,
            revoked_on=t.revoked_on, cause=t.revocation_cause, revocation_doc=t.revocation_doc,
            ban_until=ban if ban is not None and ban > today else None,
            indicators=ind, worse=list(st.worse) if st else [], todo="；".join(todo), overdue=overdue,
            fallback=fallback,
        ))
    return rows


def _today(demo_db) -> dt.date:
    with demo_db.read() as con:
        year = con.execute("SELECT MAX(year) FROM application").fetchone()[0]
    return dt.date(year, 11, 21)


@pytest.mark.parametrize("shift_days, round_shift", [(0, 0), (-250, 0), (400, 1), (0, -1)])
def test_plain_rows_equal_the_orm_rows_on_the_demo_data_第十六条_第十八条_第十九条(demo_db, shift_days, round_shift):
    today = _today(demo_db) + dt.timedelta(days=shift_days)
    round_year = today.year + round_shift
    cat = indicator_defs()
    with demo_db.uow() as uow:
        old = orm_title_rows(uow.session, today, round_year=round_year, catalogue=cat)
        wrapped = sv.title_rows(uow.session, today, round_year=round_year, catalogue=cat)
    with demo_db.read() as con:
        new = title_list.title_rows(con, today, round_year=round_year, catalogue=cat)
    assert len(old) > 50
    assert new == old  # same values, same order, same to-do texts
    assert wrapped == old
    if (shift_days, round_shift) == (0, 0):  # the demo data reaches every branch compared here
        todos = "；".join(r.todo for r in new)
        for what in ("更名上报", "复审", "年度指标"):
            assert what in todos, what
        assert {r.state for r in new} == set(TitleState)
        assert {r.indicators for r in new} >= {"已报", "未报", ""}
        assert any(r.ban_until for r in new) and any(r.overdue for r in new)


def test_worse_indicators_and_a_pending_change_inside_the_session_第十六条(demo_db):
    """A report worse than the year before is named (compared at the 4 places the ORM reads, so
    a difference in the 10th place is no change); the wrapper sees the session's own unflushed
    changes, as the ORM query did."""
    today = _today(demo_db)
    cat = indicator_defs()
    lower, higher = (next(k for k, d in cat.items() if d.better == b and "enterprise" in d.subjects)
                     for b in ("lower", "higher"))
    with demo_db.uow() as uow:
        s = uow.session
        t = s.scalars(select(Title).where(Title.title_kind == TitleKind.CITY_FACTORY, Title.year < today.year,
                                          Title.state == TitleState.VALID, Title.deleted_at.is_(None))).first()
        for key, before, now in ((lower, 1.25, 1.2500000001), (higher, 80, 79.5)):
            set_indicator(s, enterprise_id=t.enterprise_id, year=today.year - 2, key=key, value=before)
            set_indicator(s, enterprise_id=t.enterprise_id, year=today.year - 1, key=key, value=now)
        t.doc_number = "渝经信节能〔2099〕1号"  # not flushed yet
        got = next(r for r in sv.title_rows(s, today, catalogue=cat) if r.id == t.id)
        old = next(r for r in orm_title_rows(s, today, catalogue=cat) if r.id == t.id)
    assert got == old
    assert got.doc_number == "渝经信节能〔2099〕1号"
    assert got.indicators == "指标下降⚠"
    assert cat[higher].label in got.worse
    assert cat[lower].label not in got.worse


def test_fallback_years_plain_equal_the_session_s_第十九条(demo_db):
    with demo_db.uow() as uow:
        via_session = sv.fallback_years_open(uow.session)
        overrides = sv.load_overrides(uow.session)
    with demo_db.read() as con:
        assert title_list.fallback_years_open(con) == via_session
        assert title_list.load_overrides(con) == overrides


_READ = """
import sys
from pathlib import Path
from models.db import Database
from models.title_list import title_rows, fallback_years_open
from forms.rules.loader import indicator_defs
import datetime as dt
db = Database.open(Path(sys.argv[1]), user="测试员", lock=False, backup=False)
with db.read() as con:
    rows = title_rows(con, dt.date.today(), catalogue=indicator_defs())
    fallback_years_open(con)
print(len(rows), sorted(m for m in sys.modules if m == "sqlalchemy" or m.startswith(("sqlalchemy.", "models.entities"))))
db.close()
"""


def test_reading_the_list_imports_no_sqlalchemy(demo_db):
    with demo_db.read() as con:
        n = con.execute("SELECT COUNT(*) FROM title WHERE deleted_at IS NULL").fetchone()[0]
    out = subprocess.run([sys.executable, "-c", _READ, str(demo_db.data_dir)], cwd=ROOT,
                         capture_output=True, text=True, timeout=120, env=dict(os.environ))
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[0] == str(n) and n > 0
    assert out.stdout.strip().endswith("[]"), out.stdout
