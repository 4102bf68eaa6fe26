"""The demo data generator: a living pipeline for newcomers, and any size for benchmarks."""
from __future__ import annotations

from sqlalchemy import func, select

import pytest

from forms.codes import district_by_code
from forms.validators import validate_credit_code, validate_phone
from models import demo, demo_supervision
from models.db import Database
from models.entities import Application, AuditEntry, Enterprise, OfficeProfile, Park, StageMove, Title, TitleState
from models.pipeline import stage_counts
from models.stages import STAGES, Stage, SubjectKind


def count(s, model, *where):
    return s.scalar(select(func.count()).select_from(model).where(*where))


def test_default_demo_counts(demo_db):
    with demo_db.uow() as uow:
        s = uow.session
        assert count(s, Enterprise) == 300
        assert count(s, Park) == len(demo.DEMO_PARKS) == 12
        assert count(s, Application) == 300
        # one title per recognised application, plus the national titles entered by hand (issue 6)
        assert count(s, Title, Title.source == "entered", Title.application_id.is_(None)) == \
            demo_supervision.ENTERED_TITLES
        assert count(s, Title, Title.application_id.is_not(None)) == \
            count(s, Application, Application.stage == Stage.RECOGNISED) > 0
        assert count(s, Title, Title.state == TitleState.REVOKED) == 2  # one of them by demo_supervision
        assert count(s, AuditEntry) == 0  # bulk data is not an edit by the clerk
        profile = s.get(OfficeProfile, 1)
        assert profile.district_name == "渝北区" and profile.is_complete
        assert set(s.scalars(select(Application.year).distinct())) == {2024, 2025, 2026}


def test_every_stage_present_for_2026(demo_db):
    with demo_db.uow() as uow:
        counts = stage_counts(uow.session, year=2026)
    assert all(counts[st] > 0 for st in STAGES), counts


def test_several_districts_parks_and_titles(demo_db):
    with demo_db.uow() as uow:
        s = uow.session
        districts = set(s.scalars(select(Enterprise.district_code)))
        assert len(districts) >= 5
        assert all(district_by_code(d) for d in districts)
        assert count(s, Enterprise, Enterprise.park_id.is_not(None)) > 100
        assert count(s, Application, Application.subject_kind == SubjectKind.PARK) >= 2
        assert count(s, Application, Application.park_id.is_not(None)) == count(
            s, Application, Application.subject_kind == SubjectKind.PARK)


def test_demo_values_pass_the_validators(demo_db):
    with demo_db.uow() as uow:
        rows = uow.session.execute(select(Enterprise.credit_code, Enterprise.phone, Enterprise.name)).all()
    assert len({r[0] for r in rows}) == len(rows) == len({r[2] for r in rows})
    for code, phone, _ in rows:
        assert validate_credit_code(code) == code
        assert validate_phone(phone) == phone


def test_each_application_has_a_consistent_history(demo_db):
    with demo_db.uow() as uow:
        s = uow.session
        apps = dict(s.execute(select(Application.id, Application.stage)).all())
        moves: dict[int, list[tuple]] = {}
        q = select(StageMove.application_id, StageMove.from_stage, StageMove.to_stage, StageMove.at)
        for app_id, src, dst, at in s.execute(q.order_by(StageMove.id)):
            moves.setdefault(app_id, []).append((src, dst, at))
    assert set(moves) == set(apps)
    for app_id, ms in moves.items():
        assert ms[0][0] is None
        assert ms[-1][1] == apps[app_id]
        for a, b in zip(ms, ms[1:]):
            assert b[0] == a[1]
            assert a[2] <= b[2]


def _snapshot(data_dir, seed):
    database = Database.open(data_dir, user="测试员", backup=False)
    try:
        counts = demo.generate(database, enterprises=40, seed=seed)
        with database.uow() as uow:
            ents = uow.session.execute(
                select(Enterprise.name, Enterprise.credit_code, Enterprise.phone).order_by(Enterprise.id)).all()
            apps = uow.session.execute(
                select(Application.year, Application.stage, Application.enterprise_id).order_by(Application.id)).all()
        return counts, [tuple(r) for r in ents], [tuple(r) for r in apps]
    finally:
        database.close()


def test_deterministic_with_the_seed(tmp_path):
    a = _snapshot(tmp_path / "a", 11)
    b = _snapshot(tmp_path / "b", 11)
    c = _snapshot(tmp_path / "c", 12)
    assert a == b
    assert a[1] != c[1]
    assert a[0]["enterprises"] == 40 and a[0]["applications"] == 40


def test_takes_a_size(tmp_path):
    database = Database.open(tmp_path / "big", user="测试员", backup=False)
    try:
        counts = demo.generate(database, enterprises=2000, applications=3000)
        with database.uow() as uow:
            assert count(uow.session, Enterprise) == 2000
            assert count(uow.session, Application) == counts["applications"] == 3000
    finally:
        database.close()


def test_refuses_a_non_empty_database(demo_db):
    with pytest.raises(ValueError, match="演示数据只写入空数据库"):
        demo.generate(demo_db)
    with demo_db.uow() as uow:
        assert count(uow.session, Enterprise) == 300
        assert count(uow.session, Park) == 12
