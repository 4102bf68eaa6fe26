"""Builders for the review tests: a complete, passing application in a real database, made
through the same service functions the window uses."""
from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal as D
from pathlib import Path

from forms.materials import attach_file, checklist_for
from forms.validators import credit_check_char
from models.demo_review import make_pdf
from models.entities import Batch, Enterprise, Park
from models.pipeline import create_application
from models.review import CertKind, MaterialStatus
from models.review_service import (
    add_watch_entry,
    evaluators,
    save_certificate,
    save_evaluator,
    save_report,
    set_indicator,
    set_listing,
    set_material_status,
    watch_entries,
)
from models.stages import Stage, TitleKind

AS_OF = dt.date(2026, 6, 30)
_serial = itertools.count(1)


def good_code(district: str = "500112") -> str:
    body = f"915{district[1:]}MA{next(_serial):07d}"[:17]
    return body + credit_check_char(body)


def pdf_file(folder: Path, name: str, pages: int = 2, text: str = "demo") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / name
    p.write_bytes(make_pdf([[f"{text} {name} page {i + 1}"] for i in range(pages)]))
    return p


def listed_evaluator(session, year: int = 2026) -> int:
    """The seeded 重庆市节能技术服务中心, put on the municipal list of ``year``."""
    ev = next(e for e in evaluators(session) if e.name == "重庆市节能技术服务中心")
    set_listing(session, ev.id, year)
    return ev.id


def factory_application(
    session,
    files_dir: Path,
    src_dir: Path,
    *,
    name: str = "重庆绿源机械有限公司",
    year: int = 2026,
    stage: Stage = Stage.UNDER_REVIEW,
    batch: Batch | None = None,
    evaluator_id: int | None = None,
    park: Park | None = None,
) -> int:
    """A 市级绿色工厂 application that passes every computable check on AS_OF."""
    code = good_code()
    ent = Enterprise(name=name, credit_code=code, district_code="500112", industry_code="34", park=park,
                     main_products="齿轮、通用减速机", legal_rep="王伟", contact="李娟", phone="13800138000")
    session.add(ent)
    session.flush()
    app = create_application(session, year=year, title_kind=TitleKind.CITY_FACTORY, enterprise=ent, stage=stage)
    app.batch = batch
    session.flush()
    folder = src_dir / f"app{app.id}"
    for item in checklist_for(TitleKind.CITY_FACTORY, year).required_items:
        res = attach_file(session, files_dir, app.id, item.key, pdf_file(folder, f"{item.key}.pdf", text=code))
        assert res.ok, res.error
        set_material_status(session, res.material.id, MaterialStatus.ACCEPTED)
        if item.key == "business_license":
            res.material.declared_name, res.material.declared_credit_code = name, code
    ev_id = evaluator_id or listed_evaluator(session, year)
    save_report(session, app.id, {
        "evaluator_id": ev_id, "report_no": f"R-{app.id}", "report_date": AS_OF - dt.timedelta(days=60),
        "self_evaluation_date": AS_OF - dt.timedelta(days=120), "standard": "GB/T 36132-2018",
        "basic_requirements_met": True, "score": D("88"), "highlights": "屋顶光伏",
        "subject_name": name, "subject_credit_code": code,
    })
    for i, kind in enumerate(CertKind):
        save_certificate(session, {"kind": kind, "number": f"C{app.id}-{i}", "issuer": "中国质量认证中心",
                                   "expires_on": AS_OF + dt.timedelta(days=500)}, enterprise_id=ent.id)
    if not watch_entries(session):  # an imported list (of someone else), so 第七条（三） can compare
        add_watch_entry(session, {"name": "重庆某失信企业有限公司", "list_name": "失信被执行人名单"})
    for key, value in (("revenue", 52000), ("output_value", 48000), ("energy_per_value_added", "0.21"),
                       ("carbon_intensity", "0.55"), ("water_reuse_rate", "92"), ("solid_waste_utilisation", "97")):
        set_indicator(session, enterprise_id=ent.id, year=year - 1, key=key, value=value)
    session.flush()
    return app.id


def ensure_evaluator(session, name: str, years: list[int]) -> int:
    return save_evaluator(session, {"name": name, "list_years": years}).id
