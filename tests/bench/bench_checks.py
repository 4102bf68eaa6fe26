"""Benchmark: all 初审 checks over 2,000 applications with 10 materials each (200 with --quick),
as a ratio against one SQL query that reads the same rows (applications joined with their
materials) in the same run. Target: ratio ≤ 10.

    python tests/bench/bench_checks.py [--quick]

``bench_checks(quick)`` returns the figures as a dict (tests/bench/run.py prints them):

* ``query_s``       — one SELECT of the applications joined with their materials (all rows fetched);
* ``checks_s``      — every check on every application: bulk reading, one ``stat`` per stored
  file (no hashing: sizes and times are unchanged), evaluation; nothing written;
* ``ratio``         — checks_s / query_s (the figure with the ≤ 10 target);
* ``tables_s``, ``ratio_tables`` — one plain query per table the checks read (applications,
  enterprises, materials, reports, certificates, indicators, titles: about 2.4 times the rows
  of the baseline), and checks_s against that: the engine's cost over merely reading its data;
* ``store_s``, ``ratio_store`` — the same run storing the results (one row per application) and
  committing, as the window does.

The data set is generated and fixed: valid credit codes, every required material as a real
file in the store, a report, four certificates and six indicators per enterprise.
"""
from __future__ import annotations

import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

AS_OF = dt.date(2026, 6, 30)
ITEMS = ["application_form", "self_evaluation", "third_party_report", "business_license", "pledge",
         "certificates", "green_body", "green_plan", "indicator_table", "evidence"]


def build(data_dir: Path, n_apps: int) -> list[int]:
    """A database with ``n_apps`` 2026 municipal factory applications under review, 10 stored
    materials each, and their reports, certificates and indicators."""
    from sqlalchemy import insert, select

    from forms.validators import credit_check_char
    from models import filestore
    from models.base import new_uid
    from models.db import Database
    from models.entities import Application, Enterprise
    from models.review import CertKind, Certificate, Evaluator, Indicator, Material, MaterialStatus, ThirdPartyReport
    from models.stages import Stage, SubjectKind, TitleKind

    db = Database.open(data_dir, user="bench", backup=False)
    try:
        with db.uow() as uow:
            s = uow.session
            s.info["audit"] = False
            ev = s.scalars(select(Evaluator).order_by(Evaluator.id)).first()
            ev.list_years = [2026]
            ents = []
            for i in range(n_apps):
                body = f"91500112MA{i:07d}"
                ents.append(dict(uid=new_uid(), name=f"重庆基准{i:05d}机械有限公司", credit_code=body + credit_check_char(body),
                                 credit_code_override="", district_code="500112", industry_code="34", address="",
                                 main_products="", legal_rep="", contact="", phone="", above_scale=True, notes=""))
            s.execute(insert(Enterprise.__table__), ents)
            ent_ids = list(s.scalars(select(Enterprise.id).order_by(Enterprise.id)))
            codes = dict(s.execute(select(Enterprise.id, Enterprise.credit_code)).all())
            s.execute(insert(Application.__table__), [
                dict(uid=new_uid(), year=2026, title_kind=TitleKind.CITY_FACTORY.value,
                     subject_kind=SubjectKind.ENTERPRISE.value, enterprise_id=e, park_id=None,
                     stage=Stage.UNDER_REVIEW.value, stage_changed_at=dt.datetime(2026, 5, 1), batch_id=None,
                     review_outcome="", carried_from_id=None, notes="")
                for e in ent_ids
            ])
            apps = s.execute(select(Application.id, Application.enterprise_id).order_by(Application.id)).all()
            mats, reports, certs, inds = [], [], [], []
            for app_id, ent_id in apps:
                for k, item in enumerate(ITEMS):
                    st = filestore.store_bytes(db.files_dir, f"%PDF-1.4 bench {app_id} {item}\n".encode())
                    mats.append(dict(uid=new_uid(), application_id=app_id, item_key=item, original_name=f"{item}.pdf",
                                     sha256=st.sha256, size=st.size, file_type="pdf", page_count=1,
                                     received_on=dt.date(2026, 5, 2), received_by="bench",
                                     status=MaterialStatus.ACCEPTED.value, status_reason="", status_by="bench",
                                     status_at=None, read_error="", stored_mtime_ns=st.mtime_ns, verified_at=None,
                                     declared_name="", declared_credit_code="", notes=""))
                reports.append(dict(uid=new_uid(), application_id=app_id, evaluator_id=ev.id, evaluator_name=ev.name,
                                    report_no=f"R{app_id}", report_date=dt.date(2026, 4, 1), standard="GB/T 36132-2018",
                                    basic_requirements_met=True, score=88, highlights="", notes="",
                                    self_evaluation_date=dt.date(2026, 2, 1), subject_name=f"重庆基准{app_id - 1:05d}机械有限公司",
                                    subject_credit_code=codes[ent_id]))
                for kind in CertKind:
                    certs.append(dict(uid=new_uid(), enterprise_id=ent_id, park_id=None, kind=kind.value, standard="",
                                      number="C", issuer="CQC", issued_on=None, expires_on=dt.date(2028, 1, 1), notes=""))
                for key, value in (("revenue", 50000), ("output_value", 45000), ("energy_per_value_added", 0.2),
                                   ("carbon_intensity", 0.5), ("water_reuse_rate", 92), ("solid_waste_utilisation", 96)):
                    inds.append(dict(uid=new_uid(), enterprise_id=ent_id, park_id=None, year=2025, key=key,
                                     value=value, unit="", source="bench", notes=""))
            for table, rows in ((Material, mats), (ThirdPartyReport, reports), (Certificate, certs), (Indicator, inds)):
                for i in range(0, len(rows), 5000):
                    s.execute(insert(table.__table__), rows[i:i + 5000])
            uow.commit()
            return [a for a, _ in apps]
    finally:
        db.close()


def _median_time(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def bench_checks(quick: bool = False, *, runs: int = 3) -> dict[str, Any]:
    """Build the data set in a temporary folder, time the checks and the baseline query."""
    from sqlalchemy import text

    from forms.rules.runner import evaluate_applications, run_checks
    from models.db import Database

    n_apps = 200 if quick else 2000
    with tempfile.TemporaryDirectory(prefix="greendesk-bench-checks-") as tmp:
        data_dir = Path(tmp) / "data"
        t0 = time.perf_counter()
        ids = build(data_dir, n_apps)
        build_s = time.perf_counter() - t0
        db = Database.open(data_dir, user="bench", backup=False)
        try:
            sql = text(
                "SELECT a.id, a.year, a.title_kind, a.stage, a.batch_id, a.enterprise_id, m.id, m.item_key, "
                "m.original_name, m.sha256, m.size, m.status, m.read_error, m.stored_mtime_ns "
                "FROM application a JOIN material m ON m.application_id = a.id "
                "WHERE a.year = 2026 AND a.deleted_at IS NULL AND m.deleted_at IS NULL"
            )

            def query() -> None:
                with db.uow() as uow:
                    rows = uow.session.execute(sql).all()
                    assert len(rows) == n_apps * len(ITEMS)

            tables = [text(q) for q in (
                "SELECT id, year, title_kind, stage, batch_id, enterprise_id, park_id FROM application",
                "SELECT id, name, credit_code, credit_code_override, district_code, industry_code, park_id FROM enterprise",
                "SELECT application_id, id, item_key, original_name, sha256, size, status, status_reason, read_error, "
                "stored_mtime_ns, declared_name, declared_credit_code FROM material",
                "SELECT * FROM third_party_report", "SELECT * FROM certificate",
                "SELECT enterprise_id, year, key, value FROM indicator", "SELECT * FROM title",
            )]

            def query_tables() -> None:
                with db.uow() as uow:
                    for q in tables:
                        uow.session.execute(q).all()

            def checks() -> None:
                with db.uow() as uow:
                    summary, _ = evaluate_applications(uow.session, ids, files_dir=db.files_dir, as_of=AS_OF)
                    assert summary.checked == n_apps

            def checks_and_store() -> None:
                summary = run_checks(db, ids, as_of=AS_OF)
                assert summary.stored

            query()  # warm the page cache and SQLAlchemy's statement cache alike
            checks()
            query_s = _median_time(query, max(runs, 5))
            tables_s = _median_time(query_tables, max(runs, 5))
            checks_s = _median_time(checks, runs)
            store_s = _median_time(checks_and_store, runs)
        finally:
            db.close()
    return {
        "applications": n_apps,
        "materials": n_apps * len(ITEMS),
        "build_s": round(build_s, 3),
        "query_s": round(query_s, 4),
        "checks_s": round(checks_s, 4),
        "ratio": round(checks_s / query_s, 2),
        "tables_s": round(tables_s, 4),
        "ratio_tables": round(checks_s / tables_s, 2),
        "store_s": round(store_s, 4),
        "ratio_store": round(store_s / query_s, 2),
        "target_ratio": 10,
    }


def main(argv: list[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="200 applications instead of 2,000")
    args = p.parse_args(argv)
    figures = bench_checks(args.quick)
    print(" ".join(f"{k}={v}" for k, v in figures.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
