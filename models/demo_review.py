"""Demo data for the review (初审): third-party reports, certificates (some expired), yearly
indicators, evaluators, a watch-list entry and materials with small generated PDFs, for the
current year's applications, so that running the checks on the demo shows a realistic mix of
通过 / 不符合 / 提醒 / 缺少数据 / 需人工判断.

Called by models.demo.generate inside its transaction; bulk inserts, no ORM objects. The
evaluators added here are invented (their names say 示例), never the real ones of the seed list.
"""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from . import filestore
from .base import new_uid
from .entities import Application, Enterprise, Park, Title, TitleState
from .review import (
    CertKind, Certificate, CheckOverride, Evaluator, Indicator, Material, MaterialStatus, Outcome, ThirdPartyReport,
    WatchlistEntry,
)
from .stages import Stage, TitleKind

#: application stages that have a third-party report / received materials
REPORT_STAGES = (Stage.EVALUATED, Stage.APPLIED, Stage.UNDER_REVIEW, Stage.RECOMMENDED, Stage.RECOGNISED, Stage.REJECTED)
MATERIAL_STAGES = (Stage.APPLIED, Stage.UNDER_REVIEW, Stage.RECOMMENDED, Stage.RECOGNISED, Stage.REJECTED)
#: stages past the district review: their data passed it (complete, valid, accepted)
DECIDED_STAGES = (Stage.RECOMMENDED, Stage.RECOGNISED, Stage.REJECTED)

DEMO_EVALUATORS = [
    # name, list years (relative to the current year), disqualified (days before the anchor) or None
    ("重庆示例绿色低碳评价中心", (-1, 0), None),
    ("重庆示例节能环保咨询有限公司", (0,), None),
    ("重庆示例绿色制造研究院", (-1, 0), None),
    ("四川示例认证评价有限公司", (-2, -1), None),
    ("重庆示例工业评价服务有限公司", (0,), 120),
]
FACTORY_ITEMS = [
    ("application_form", "申报书.pdf", 6), ("self_evaluation", "自评价报告.pdf", 24),
    ("third_party_report", "第三方评价报告.pdf", 40), ("business_license", "营业执照.pdf", 1),
    ("pledge", "承诺书.pdf", 1), ("certificates", "管理体系认证证书.pdf", 4),
    ("green_body", "绿色发展管理机构设置文件.pdf", 3), ("green_plan", "绿色工厂中长期规划.pdf", 12),
    ("indicator_table", "近三年指标数据表.pdf", 2), ("evidence", "佐证材料.pdf", 30),
]
PARK_ITEMS = [
    ("application_form", "申报书.pdf", 8), ("self_evaluation", "自评价报告.pdf", 30),
    ("third_party_report", "第三方评价报告.pdf", 50), ("approval_document", "园区批准设立文件.pdf", 2),
    ("pledge", "承诺书.pdf", 1), ("green_body", "绿色发展专门机构设置文件.pdf", 3),
    ("energy_target", "节能减排目标完成情况.pdf", 4), ("indicator_table", "绿色园区指标数据表.pdf", 3),
]


def make_pdf(pages: list[list[str]]) -> bytes:
    """A small valid PDF: one page per list of (ASCII) text lines, Helvetica, A4."""
    objects: list[bytes] = []
    n_pages = max(1, len(pages))
    pages = pages or [[]]
    font_id = 3 + 2 * n_pages
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(n_pages))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode())
    for i, lines in enumerate(pages):
        content = "BT /F1 12 Tf 72 770 Td 16 TL " + " ".join(
            "(" + line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ") '" for line in lines
        ) + " ET"
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {4 + 2 * i} 0 R "
            f"/Resources << /Font << /F1 {font_id} 0 R >> >> >>".encode()
        )
        data = content.encode("latin-1", "replace")  # non-Latin text becomes "?"
        objects.append(b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _pdf_for(item: str, code: str, app_id: int, pages: int) -> bytes:
    return make_pdf([
        ["GreenDesk demo material", f"item: {item}", f"application: {app_id}", f"credit code: {code}",
         f"page {p + 1} of {pages}"]
        for p in range(pages)
    ])


def _benchmarks(table: str, industry: str) -> dict[str, float]:
    """The reference values of resources/rules/benchmarks-cq-2024.toml (read as data: models/
    does not import the rule engine)."""
    import tomllib

    from resources import resource_path

    with open(resource_path("rules", "benchmarks-cq-2024.toml"), "rb") as f:
        data = tomllib.load(f).get(table, {})
    values = dict(data.get("default", {}))
    values.update(data.get(industry[:2], {}))
    return values


def _value(rng: random.Random, ref: float, better: str, good: bool) -> Decimal:
    factor = rng.uniform(0.6, 0.97) if good else rng.uniform(1.05, 1.3)
    if better == "higher":
        value = min(99.5, ref / factor) if good else ref * rng.uniform(0.8, 0.95)
    else:
        value = ref * factor
    return Decimal(str(round(value, 3)))


def anchor_date(current_year: int = 2026, today: dt.date | None = None) -> dt.date:
    """The day the demo's review data is dated from: today, but no later than 30 November of the
    demo's year (the call is over by then). The demo's checks use it as their review date."""
    return min(today or dt.date.today(), dt.date(current_year, 11, 30))


def generate(
    session: Session,
    *,
    files_dir: Path | None,
    current_year: int = 2026,
    seed: int = 20260601,
    anchor: dt.date | None = None,
) -> dict[str, int]:
    """Add the review demo data for the current year's municipal factory and park applications.
    ``files_dir`` None: no materials (they are stored files), e.g. for the 20,000-enterprise
    benchmark database."""
    rng = random.Random(seed + 3)
    anchor = anchor or anchor_date(current_year)
    ev_rows = []
    for name, rel_years, disq_days in DEMO_EVALUATORS:
        ev_rows.append(dict(
            uid=new_uid(), name=name, credit_code="", list_years=[current_year + r for r in rel_years],
            disqualified_on=anchor - dt.timedelta(days=disq_days) if disq_days else None,
            disqualified_reason="第三方评价抽查发现评价报告数据不实（演示数据）" if disq_days else "",
            contact="", source="demo", notes="演示数据：虚构的评价机构",
        ))
    session.execute(insert(Evaluator), ev_rows)
    ev_ids = list(session.scalars(select(Evaluator.id).where(Evaluator.source == "demo").order_by(Evaluator.id)))
    ev_names = dict(session.execute(select(Evaluator.id, Evaluator.name)).all())
    ev_weights = [30, 30, 26, 8, 6]

    q = (
        select(Application.id, Application.title_kind, Application.stage, Application.enterprise_id,
               Application.park_id, Application.batch_id)
        .where(Application.year == current_year, Application.deleted_at.is_(None),
               Application.title_kind.in_([TitleKind.CITY_FACTORY, TitleKind.CITY_PARK]),
               Application.stage.in_(list(REPORT_STAGES)))
        .order_by(Application.id)
    )
    apps = session.execute(q).all()
    ents = {e[0]: e for e in session.execute(
        select(Enterprise.id, Enterprise.name, Enterprise.credit_code, Enterprise.industry_code)
        .where(Enterprise.id.in_([a[3] for a in apps if a[3] is not None]))
    )}
    parks = {p[0]: p for p in session.execute(select(Park.id, Park.name, Park.credit_code))}

    report_rows: list[dict[str, Any]] = []
    cert_rows: list[dict[str, Any]] = []
    ind_rows: list[dict[str, Any]] = []
    mat_rows: list[dict[str, Any]] = []
    seen_subjects: set[tuple[str, int]] = set()
    clerks = ["李娟", "王强", "陈敏"]
    broken_done = False
    bench_cache: dict[tuple[str, str], dict[str, float]] = {}
    loads: dict[tuple, int] = {}
    for app_id, kind, stage, ent_id, park_id, batch_id in apps:
        is_park = park_id is not None
        if is_park:
            _, name, code = parks[park_id]
            code = code or ""
            industry = ""
        else:
            _, name, code, industry = ents[ent_id]
        # applications past the district review (recommended or decided) passed it: clean data
        decided = stage in DECIDED_STAGES
        # the third-party report
        report_date = anchor - dt.timedelta(days=rng.randint(20, 330))
        self_eval = report_date - dt.timedelta(days=rng.randint(10, 90))
        if not decided and rng.random() < 0.04:  # evaluated before the self-evaluation: 第九条 fails
            self_eval = report_date + dt.timedelta(days=rng.randint(5, 30))
        # an evaluator, keeping each under the notice's 15 projects per batch
        group = (batch_id, kind)
        candidates = ev_ids[:3] if decided else ev_ids  # the first three are on this year's list
        open_ids = [e for e in candidates if loads.get((group, e), 0) < 14] or candidates
        ev_id = rng.choices(open_ids, weights=[ev_weights[ev_ids.index(e)] for e in open_ids])[0]
        loads[(group, ev_id)] = loads.get((group, ev_id), 0) + 1
        subject_name = name
        if not decided and rng.random() < 0.05 and name.endswith("有限公司") and not name.endswith("股份有限公司"):
            subject_name = name[:-4] + "有限责任公司"  # the report spells the name differently
        low = not decided and rng.random() < 0.08
        score = Decimal(str(round(rng.uniform(70, 79.9) if low else rng.uniform(80, 97), 1)))
        report_rows.append(dict(
            uid=new_uid(), application_id=app_id, evaluator_id=ev_id, evaluator_name=ev_names[ev_id],
            report_no=f"LSPJ-{current_year}-{app_id:04d}", report_date=report_date,
            standard="GB/T 36132-2018 绿色工厂评价通则" if not is_park else "绿色园区评价要求（工信厅节函〔2016〕586号）",
            basic_requirements_met=decided or rng.random() > 0.04, score=score,
            highlights=rng.choice(["屋顶分布式光伏年发电量占用电量三成以上", "建成能源管理中心，余热回收利用",
                                   "中水回用系统投运，水重复利用率持续提升", "固废分类收集、综合利用率达到行业先进"]),
            self_evaluation_date=self_eval, subject_name=subject_name, subject_credit_code=code, notes="",
        ))
        subj_key = ("p" if is_park else "e", park_id if is_park else ent_id)
        if subj_key not in seen_subjects:
            seen_subjects.add(subj_key)
            # certificates: enterprises only (parks have none)
            if not is_park:
                for ck in CertKind:
                    if not decided and rng.random() < 0.04:
                        continue  # this certificate was not provided
                    expires = anchor + dt.timedelta(days=rng.randint(120 if decided else -20, 1100))
                    cert_rows.append(dict(
                        uid=new_uid(), enterprise_id=ent_id, park_id=None, kind=ck,
                        standard="GB/T 23331-2020" if ck is CertKind.ISO50001 and rng.random() < 0.5 else "",
                        number=f"{rng.randint(10, 99)}{ck.value[-4:]}{rng.randint(100000, 999999)}",
                        issuer=rng.choice(["中国质量认证中心", "方圆标志认证集团有限公司", "中国船级社质量认证有限公司"]),
                        issued_on=expires - dt.timedelta(days=3 * 365), expires_on=expires, notes="演示数据",
                    ))
            # indicators for the last three years
            table = "park" if is_park else "factory"
            if (table, industry) not in bench_cache:
                bench_cache[(table, industry)] = _benchmarks(table, industry)
            bench = bench_cache[(table, industry)]
            good = decided or rng.random() < 0.93
            base_carbon = None
            falling = decided or rng.random() < (0.7 if is_park else 0.93)
            for back in (3, 2, 1):
                year = current_year - back
                va = Decimal(str(round(rng.uniform(3000, 90000), 1)))
                values = {"output_value": va * 4, "value_added": va}
                if not is_park:
                    values["revenue"] = va * Decimal("4.3")
                for key, ref in bench.items():
                    if key == "carbon_intensity":
                        continue
                    better = "higher" if key in ("water_reuse_rate", "solid_waste_utilisation", "renewable_share") else "lower"
                    values[key] = _value(rng, float(ref), better, good or back != 1)
                ref_c = float(bench.get("carbon_intensity", 1))
                if base_carbon is None:
                    base_carbon = ref_c * rng.uniform(0.8, 1.0)
                step = rng.uniform(0.03, 0.08) * (1 if falling else -1)
                values["carbon_intensity"] = Decimal(str(round(base_carbon * (1 - step * (3 - back)), 3)))
                if is_park:
                    values["energy_target_met"] = Decimal(1 if decided or rng.random() < 0.85 else 0)
                if not decided and back == 1 and rng.random() < 0.08:
                    values.pop(rng.choice(sorted(values)))  # one figure not yet provided
                for key, value in values.items():
                    ind_rows.append(dict(
                        uid=new_uid(), enterprise_id=None if is_park else ent_id, park_id=park_id if is_park else None,
                        year=year, key=key, value=value, unit="", source="演示数据", notes="",
                    ))
        # materials (only with a file store: a material is a stored file)
        if stage not in MATERIAL_STAGES or files_dir is None:
            continue
        items = PARK_ITEMS if is_park else FACTORY_ITEMS
        skip = rng.choice([k for k, _, _ in items]) if not decided and rng.random() < 0.1 else None
        received = report_date + dt.timedelta(days=rng.randint(3, 20))
        for key, fname, pages in items:
            if key == skip or (key in ("evidence", "indicator_table") and rng.random() < 0.3):
                continue
            status = MaterialStatus.ACCEPTED if decided else rng.choices(
                [MaterialStatus.ACCEPTED, MaterialStatus.RECEIVED, MaterialStatus.RETURNED], weights=[82, 16.5, 1.5])[0]
            read_error = ""
            pages_n = pages
            if not broken_done and not decided and key == "evidence":
                data = b"%PDF-1.4\n% truncated by the scanner\n1 0 obj << /Type /Catalog"
                read_error = f"「{fname}」无法作为 PDF 打开（文件已损坏：PdfReadError）。请让申报单位重新提供。"
                pages_n = None
                broken_done = True
            else:
                data = _pdf_for(key, code, app_id, pages)
            stored = filestore.store_bytes(files_dir, data)
            sha, size, mtime = stored.sha256, stored.size, stored.mtime_ns
            declared = (name, code) if key in ("business_license", "application_form") else ("", "")
            mat_rows.append(dict(
                uid=new_uid(), application_id=app_id, item_key=key, original_name=fname, sha256=sha, size=size,
                file_type="pdf", page_count=pages_n, received_on=min(received, anchor), received_by=rng.choice(clerks),
                status=status,
                status_reason="盖章不清晰，请重新提供加盖公章的扫描件" if status is MaterialStatus.RETURNED else "",
                status_by=rng.choice(clerks) if status is not MaterialStatus.RECEIVED else "",
                status_at=dt.datetime.combine(min(received, anchor), dt.time(10, 0)) if status is not MaterialStatus.RECEIVED else None,
                read_error=read_error, stored_mtime_ns=mtime, verified_at=None,
                declared_name=declared[0], declared_credit_code=declared[1], notes="",
            ))

    # the judge-only items of the applications past the review were decided by a person; a subject
    # holding the title from an earlier year applied for its new plant
    stamp = dt.datetime.combine(anchor, dt.time(15, 30))
    titled = {(e, p, k) for e, p, k in session.execute(
        select(Title.enterprise_id, Title.park_id, Title.title_kind).where(
            Title.state == TitleState.VALID, Title.year < current_year))}
    override_rows = []
    for app_id, kind, stage, ent_id, park_id, _batch in apps:
        if stage not in DECIDED_STAGES:
            continue
        override_rows.append(dict(
            uid=new_uid(), application_id=app_id, rule_id="P6-2" if park_id is not None else "F7-2",
            outcome=Outcome.PASS, base_outcome="manual",
            reason="近三年营业收入和工业增加值稳定增长，行业排名靠前，经科室讨论认定具有竞争优势（演示数据）",
            user=rng.choice(clerks), at=stamp))
        if (ent_id, park_id, kind) in titled:
            override_rows.append(dict(
                uid=new_uid(), application_id=app_id, rule_id="P12-1" if park_id is not None else "F12-1",
                outcome=Outcome.PASS, base_outcome="fail",
                reason="原称号为老厂区所获，本次为新建厂区单独申报，经市经济信息委电话确认可以申报（演示数据）",
                user=rng.choice(clerks), at=stamp))
    if override_rows:
        session.execute(insert(CheckOverride.__table__), override_rows)

    # one applicant appears on an imported dishonesty list
    watch = 0
    factory_ents = [ents[a[3]] for a in apps if a[3] is not None and a[2] not in DECIDED_STAGES]
    if factory_ents:
        _, wname, wcode, _ = factory_ents[len(factory_ents) // 2]
        session.execute(insert(WatchlistEntry), [dict(
            uid=new_uid(), name=wname, credit_code=wcode, list_name="失信被执行人名单（演示）",
            listed_on=anchor - dt.timedelta(days=200), until=None, source="演示数据", notes="",
        )])
        watch = 1
    # Core inserts (not ORM bulk): rows whose None columns differ would otherwise go one by one
    for table, rows in ((ThirdPartyReport, report_rows), (Certificate, cert_rows), (Indicator, ind_rows),
                        (Material, mat_rows)):
        for i in range(0, len(rows), 5000):
            session.execute(insert(table.__table__), rows[i:i + 5000])
    return {"reports": len(report_rows), "certificates": len(cert_rows), "indicators": len(ind_rows),
            "materials": len(mat_rows), "evaluators_demo": len(ev_rows), "watchlist": watch,
            "overrides": len(override_rows)}
