"""The demo's recommendation batch, reviewed: the step after ``models.demo.generate``.

``models.demo`` writes the data (subjects, applications, reports, materials, the overrides a
person made) but cannot run the checks (models/ does not import the rule engine). This module
does that for the demo's current-year batch, as a clerk would have before sending it: the checks
are run and stored (so every subject has its 初审意见表), and any result that is still not 通过
gets the override a reviewer would have written, with a reason. The batch is then ready for
``export-package --year 2026``.

Called by the ``demo`` command, ``greendesk --demo`` (desktop.app.open_database) and
``greendesk --demo export-package``.
"""
from __future__ import annotations

from sqlalchemy import select

from models.demo_review import anchor_date
from models.entities import Application, Batch
from models.review import Material, Outcome
from models.review_service import override_result

from .rules.engine import RuleResult
from .rules.runner import run_checks_in

#: the demo's reviewer (the office profile's contact person)
REVIEWER = "李娟"


def override_reason(r: RuleResult) -> str:
    """What a reviewer writes when she accepts a result that is not 通过."""
    what = r.text.rstrip("。；;")
    if r.outcome is Outcome.MANUAL:
        return f"已逐项核对申报材料并经科室讨论，认定符合“{what}”的要求（演示数据）。"
    return f"经现场核实，“{what}”的情况已由申报单位书面说明并补充佐证，符合要求（演示数据）。"


def batch_application_ids(session, year: int) -> list[int]:
    """The live applications in the live batches of ``year``."""
    q = (select(Application.id)
         .join(Batch, Application.batch_id == Batch.id)
         .where(Batch.year == year, Batch.deleted_at.is_(None), Application.deleted_at.is_(None))
         .order_by(Application.id))
    return list(session.scalars(q))


def prepare_demo_review(db, *, current_year: int = 2026, reviewer: str = REVIEWER) -> dict[str, int]:
    """Run and store the checks of the demo's ``current_year`` batch, and override what is not
    通过 (one transaction, not in the audit log, like the rest of the demo data); a demo made
    without files is only checked. Returns the counts written."""
    with db.uow() as uow:
        s = uow.session
        s.info["audit"] = False
        ids = batch_application_ids(s, current_year)
        if not ids:
            return {"checked": 0, "review_overrides": 0}
        summary = run_checks_in(s, db.files_dir, ids, as_of=anchor_date(current_year), user=reviewer)
        # a big demo is made without files (models.demo: review_files): its batch has no materials
        # to review, and stays blocked rather than overridden
        received = set(s.scalars(select(Material.application_id).where(Material.application_id.in_(ids))))
        added = 0
        for app in summary.outcomes:
            if app.application_id not in received:
                continue
            for r in app.results:
                if app.final(r) is not Outcome.PASS:
                    override_result(s, app.application_id, r.rule_id, Outcome.PASS, override_reason(r), user=reviewer)
                    added += 1
        uow.commit()
    return {"checked": summary.checked, "review_overrides": added}
