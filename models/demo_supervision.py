"""Demo data for the supervision of titles (issue 6): a revocation with its ban, two national
titles entered by hand, an overdue renaming report, a restructuring reported in time and one
still running, a scheduled and a passed re-review, and the yearly indicators of most holders
(a few missing, one worse than the year before).

Only units without an application in the demo's current year are touched, so the review demo
(初审) reads the same as without this module. Goes through models.supervision like the window.
"""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from .base import new_uid
from .entities import Application, ChangeKind, Enterprise, ReReviewOutcome, Title, TitleState
from .stages import TitleKind
from .supervision import (
    INDICATOR_TITLE_KINDS,
    add_title,
    mark_change_reported,
    record_change,
    record_review_result,
    revoke_title,
    schedule_review,
)

#: Titles this module adds (the national ones entered by hand).
ENTERED_TITLES = 2
#: Holders left without their yearly indicators.
MISSING_REPORTS = 4
#: key → (typical value, better): enough to show a report and a worse indicator.
_DEMO_INDICATORS = {
    "energy_per_value_added": (0.35, "lower"),
    "carbon_intensity": (0.9, "lower"),
    "water_per_value_added": (6.0, "lower"),
    "water_reuse_rate": (88.0, "higher"),
    "solid_waste_utilisation": (92.0, "higher"),
    "value_added": (8000.0, ""),
}


def generate(session: Session, *, current_year: int, anchor: dt.date, seed: int = 20260601) -> dict[str, int]:
    rng = random.Random(seed + 6)
    # the district's share of the 2027 targets for this year, so the dashboard's target chart
    # has something to compare with
    from .dashboard import set_targets

    set_targets(session, current_year, {TitleKind.CITY_FACTORY: 12, TitleKind.CITY_PARK: 1,
                                        TitleKind.SUPPLY_CHAIN: 1, TitleKind.VOLUNTARY_ASSESSMENT: 6})
    busy = set(session.scalars(select(Application.enterprise_id).where(
        Application.year == current_year, Application.enterprise_id.is_not(None))))
    titles = [t for t in session.scalars(select(Title).where(
        Title.state == TitleState.VALID, Title.year < current_year, Title.enterprise_id.is_not(None),
        Title.title_kind == TitleKind.CITY_FACTORY, Title.deleted_at.is_(None)).order_by(Title.id))
        if t.enterprise_id not in busy]
    # revoked and raised to the national list: titles recognised two years ago or earlier
    old = [t for t in titles if t.year <= current_year - 2]
    if len(old) < 3 or len(titles) < 8:  # a tiny demo: nothing to supervise
        return {"supervision_changes": 0, "supervision_reviews": 0}
    revoked, nat1, nat2 = rng.sample(old, 3)
    rest = [t for t in titles if t not in (revoked, nat1, nat2)]
    pick = rng.sample(rest, 5)
    renamed, restructured, running, reviewed, passed = pick

    revoke_title(session, revoked.id, cause="（六）", revoked_on=dt.date(current_year - 1, 9, 16),
                 doc=f"渝经信节能〔{current_year - 1}〕21号", notes="列入严重失信主体名单（演示数据）")
    for t, n in ((nat1, 12), (nat2, 12)):
        add_title(session, title_kind=TitleKind.NATIONAL_FACTORY, year=current_year - 1, enterprise_id=t.enterprise_id,
                  doc_number=f"工信厅节函〔{current_year - 1}〕{n}号", recognised_on=dt.date(current_year - 1, 1, 20),
                  notes="由市级绿色工厂择优推荐（第十二条，演示数据）")

    ent = session.get(Enterprise, renamed.enterprise_id)
    assert ent is not None
    stem = ent.name.removesuffix("股份有限公司").removesuffix("有限责任公司").removesuffix("有限公司")
    record_change(session, kind=ChangeKind.RENAME, completed_on=anchor - dt.timedelta(days=75),
                  enterprise_id=ent.id, title_id=renamed.id, new_name=f"{stem}集团有限公司",
                  notes="营业执照已换发，企业尚未提交调整申请（演示数据）")
    done = record_change(session, kind=ChangeKind.RESTRUCTURE, completed_on=anchor - dt.timedelta(days=120),
                         enterprise_id=restructured.enterprise_id, title_id=restructured.id,
                         notes="被同行业企业吸收合并，主体存续（演示数据）")
    mark_change_reported(session, done.id, anchor - dt.timedelta(days=100), doc=f"渝北经信发〔{current_year}〕31号")
    record_change(session, kind=ChangeKind.RESTRUCTURE, completed_on=anchor - dt.timedelta(days=20),
                  enterprise_id=running.enterprise_id, title_id=running.id, notes="引入战略投资者（演示数据）")

    schedule_review(session, reviewed.id, anchor + dt.timedelta(days=12), notes="市经济信息委抽查复审（演示数据）")
    r = schedule_review(session, passed.id, dt.date(current_year, 5, 20))
    record_review_result(session, r.id, outcome=ReReviewOutcome.PASSED, held_on=dt.date(current_year, 5, 20),
                         doc=f"渝经信节能〔{current_year}〕15号")

    n_ind = _indicators(session, rng, current_year, skip_missing=[renamed.enterprise_id], worse=running.enterprise_id)
    return {"supervision_changes": 3, "supervision_reviews": 2, "supervision_indicators": n_ind}


def _indicators(session: Session, rng: random.Random, current_year: int, *, skip_missing: list[int | None],
                worse: int | None) -> int:
    """The indicators due this year (data of last year) and the year before, for every holder of
    a green factory title, but a few left missing; ``worse``: one holder's energy use went up."""
    from .review import Indicator

    data_year = current_year - 1
    holders = sorted(set(session.scalars(select(Title.enterprise_id).where(
        Title.enterprise_id.is_not(None), Title.state != TitleState.REVOKED, Title.year < current_year,
        Title.title_kind.in_(list(INDICATOR_TITLE_KINDS)), Title.deleted_at.is_(None)))))
    have = set(session.execute(select(Indicator.enterprise_id, Indicator.year).where(
        Indicator.enterprise_id.in_(holders), Indicator.deleted_at.is_(None))))
    candidates = [h for h in holders if (h, data_year) not in have and h not in skip_missing]
    missing = set(skip_missing) | set(rng.sample(candidates, min(MISSING_REPORTS - len(skip_missing), len(candidates))))
    rows: list[dict[str, Any]] = []
    for ent in holders:
        if ent in missing:
            continue
        for key, (ref, better) in _DEMO_INDICATORS.items():
            base = ref * rng.uniform(0.85, 1.05)
            # most holders improve a little; one used more energy than the year before
            step = {"lower": 0.97, "higher": 1.01}.get(better, rng.uniform(0.95, 1.1))
            if ent == worse and key == "energy_per_value_added":
                step = 1.25
            for year, value in ((data_year - 1, base), (data_year, base * step)):
                if (ent, year) in have:
                    continue
                rows.append(dict(uid=new_uid(), enterprise_id=ent, park_id=None, year=year, key=key,
                                 value=Decimal(str(round(value, 3))), unit="", source="演示数据", notes=""))
    if rows:
        session.execute(insert(Indicator.__table__), rows)
    return len(rows)
