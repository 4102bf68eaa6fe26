"""The demo's 2026 batch is reviewed like a clerk would have: checks run and stored, whatever is
not 通过 overridden by 李娟 with a reason, nothing left that blocks the export (issue 4: "the
demo has a reviewed 2026 batch with materials")."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from exports.batch_data import find_batch_id, find_blockers
from forms.demo_review_run import batch_application_ids, prepare_demo_review
from models.entities import Application
from models.review import Certificate, CheckOverride, CheckRun, Outcome


def test_prepared_demo_batch_has_stored_checks_and_no_blockers(demo_db):
    with demo_db.uow() as uow:
        batch_id = find_batch_id(uow.session, 2026)
        before = find_blockers(uow.session, batch_id)
    # without the review the batch is blocked: no 初审意见表 can be made
    assert before and {b.kind for b in before} == {"not_checked"}
    counts = prepare_demo_review(demo_db)
    with demo_db.uow() as uow:
        s = uow.session
        ids = batch_application_ids(s, 2026)
        assert counts["checked"] == len(ids) > 5
        runs = list(s.scalars(select(CheckRun).where(CheckRun.application_id.in_(ids))))
        assert {r.application_id for r in runs} == set(ids)
        assert {r.run_by for r in runs} == {"李娟"}
        assert {r.worst_outcome for r in runs} == {"pass"}
        assert find_blockers(s, batch_id) == []
        # the other years' and the unbatched applications were not touched
        others = s.scalars(select(CheckRun.application_id).where(CheckRun.application_id.not_in(ids))).all()
        assert others == []


def test_a_result_that_is_not_pass_gets_a_reviewers_override(demo_db):
    with demo_db.uow() as uow:
        s = uow.session
        app = s.get(Application, batch_application_ids(s, 2026)[0])
        # the ISO 14001 certificate of this enterprise ran out last year
        cert = s.scalars(select(Certificate).where(Certificate.enterprise_id == app.enterprise_id)).first()
        cert.expires_on = dt.date(2025, 1, 31)
        app_id, kind = app.id, cert.kind
        uow.commit()
    counts = prepare_demo_review(demo_db)
    assert counts["review_overrides"] >= 1
    with demo_db.uow() as uow:
        s = uow.session
        ovs = list(s.scalars(select(CheckOverride).where(
            CheckOverride.application_id == app_id, CheckOverride.reason.like("经现场核实%"))))
        assert ovs, f"no override for the expired {kind.value} certificate"
        o = ovs[0]
        assert o.user == "李娟" and o.outcome is Outcome.PASS and o.base_outcome in ("fail", "warning")
        assert find_blockers(s, find_batch_id(s, 2026)) == []
