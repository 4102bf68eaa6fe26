"""The demo database's review data: reports, certificates (some expired), indicators, and
materials as small real PDFs in the file store."""
from __future__ import annotations

import datetime as dt

from pypdf import PdfReader
from sqlalchemy import func, select

from models import demo, filestore
from models.db import Database
from models.review import Certificate, Evaluator, Indicator, Material, ThirdPartyReport
from models.review_service import verify_materials


def test_demo_has_review_data_with_files_that_open(demo_db):
    with demo_db.uow() as uow:
        s = uow.session
        assert s.scalar(select(func.count()).select_from(ThirdPartyReport)) > 20
        expired = s.scalar(select(func.count()).select_from(Certificate).where(Certificate.expires_on < dt.date.today()))
        assert expired >= 1
        assert s.scalar(select(func.count()).select_from(Indicator)) > 100
        mats = s.execute(select(Material.sha256, Material.page_count, Material.read_error)).all()
        assert len(mats) > 100
        assert s.scalar(select(func.count()).select_from(Evaluator).where(Evaluator.disqualified_on.is_not(None))) == 1
        problems = verify_materials(s, demo_db.files_dir)
    assert problems == []
    good = [m for m in mats if not m.read_error]
    broken = [m for m in mats if m.read_error]
    assert len(broken) == 1  # one damaged scan, named in its read_error
    for sha, pages, _ in good[:20]:
        assert len(PdfReader(str(filestore.stored_path(demo_db.files_dir, sha))).pages) == pages


def test_big_demo_skips_the_files(tmp_path):
    db = Database.open(tmp_path / "big", user="测试员", backup=False)
    try:
        counts = demo.generate(db, enterprises=1200, applications=1200)
        with db.uow() as uow:
            assert uow.session.scalar(select(func.count()).select_from(Material)) == 0
            assert uow.session.scalar(select(func.count()).select_from(ThirdPartyReport)) == counts["reports"] > 0
        assert not (tmp_path / "big" / "files").exists()
    finally:
        db.close()
