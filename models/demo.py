"""A realistic, generated demo database: so a newcomer sees a living pipeline, and so the
benchmarks have 20,000 enterprises to work on.

Deterministic for a given seed. Bulk inserts (no ORM objects, audit log off) keep a 20,000
enterprise / 30,000 application database to a few seconds.
"""
from __future__ import annotations

import datetime as dt
import random
from typing import Any

from sqlalchemy import func, insert, select

from . import demo_review, demo_supervision
from .base import new_uid
from .db import Database
from .entities import Application, Batch, Enterprise, OfficeProfile, Park, StageMove, Title, TitleState
from .stages import STAGES, Stage, SubjectKind, TitleKind

CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_WEIGHTS = [pow(3, i, 31) for i in range(17)]

DEMO_DISTRICTS = [
    ("500112", "渝北区"), ("500113", "巴南区"), ("500106", "沙坪坝区"), ("500107", "九龙坡区"),
    ("500116", "江津区"), ("500118", "永川区"), ("500120", "璧山区"), ("500115", "长寿区"),
    ("500102", "涪陵区"), ("500117", "合川区"),
]
DEMO_PARKS = [
    ("重庆空港工业园区", "工业集聚区", "市级", "500112"),
    ("重庆临空经济示范区（渝北）", "经开区", "国家级", "500112"),
    ("重庆巴南经济园区", "工业集聚区", "市级", "500113"),
    ("重庆西永微电子产业园区", "高新区", "市级", "500106"),
    ("重庆九龙工业园区", "工业集聚区", "市级", "500107"),
    ("重庆江津工业园区", "工业集聚区", "市级", "500116"),
    ("重庆永川高新技术产业开发区", "高新区", "国家级", "500118"),
    ("重庆璧山高新技术产业开发区", "高新区", "国家级", "500120"),
    ("重庆长寿经济技术开发区", "经开区", "国家级", "500115"),
    ("重庆白涛化工园区", "市级特色工业园区", "市级", "500102"),
    ("重庆合川工业园区", "工业集聚区", "市级", "500117"),
    ("重庆渝北仙桃数据谷", "市级特色工业园区", "市级", "500112"),
]
_BRAND = list("瑞恒泰鑫华宏盛达润丰源康隆昌嘉诚科安德信永运祥顺福明博远启宇耀凯中联新天海金银亿云")
_TRADES = [
    ("36", "汽车零部件", "汽车座椅、变速器壳体"), ("39", "电子科技", "笔记本电脑主板、显示模组"),
    ("38", "电气", "变压器、电线电缆"), ("26", "化工", "聚氨酯、甲醇衍生物"), ("30", "建材", "商品混凝土、玻璃"),
    ("13", "食品", "火锅底料、调味品"), ("15", "酒业", "白酒、饮料"), ("27", "药业", "中成药、原料药"),
    ("33", "金属制品", "铝合金型材、紧固件"), ("34", "机械", "齿轮、通用减速机"), ("35", "装备", "摩托车生产线设备"),
    ("37", "摩托车", "摩托车及发动机"), ("29", "塑胶", "塑料管材、橡胶密封件"), ("22", "纸业", "瓦楞纸箱、包装纸"),
    ("31", "钢铁", "螺纹钢、线材"), ("32", "铝业", "铝板带箔"), ("40", "仪表", "智能水表、流量计"),
    ("42", "再生资源", "再生铝、废旧电池回收"),
]
_SUFFIX = ["有限公司", "有限公司", "有限公司", "有限责任公司", "股份有限公司"]
_SURNAMES = list("王李张刘陈杨黄赵周吴徐孙马胡朱郭何罗高林谭冉")
_GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华")


def make_credit_code(rng: random.Random, district: str) -> str:
    body = "91" + district + "".join(rng.choice(CREDIT_ALPHABET) for _ in range(9))
    total = sum(CREDIT_ALPHABET.index(c) * w for c, w in zip(body, _WEIGHTS))
    v = 31 - total % 31
    return body + CREDIT_ALPHABET[0 if v == 31 else v]


def _person(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2))))


def _stage_for(rng: random.Random, year: int, current_year: int) -> Stage:
    """Older years are mostly finished; the current year is spread over every stage."""
    if year < current_year:
        return rng.choices(
            [Stage.RECOGNISED, Stage.REJECTED, Stage.RECOMMENDED, Stage.CULTIVATING, Stage.BUILDING],
            weights=[45, 15, 5, 20, 15],
        )[0]
    return rng.choices(list(STAGES), weights=[22, 16, 12, 11, 10, 9, 8, 7, 5])[0]


def generate(
    db: Database,
    *,
    enterprises: int = 300,
    applications: int | None = None,
    seed: int = 20260601,
    current_year: int = 2026,
    review_files: bool | None = None,
) -> dict[str, int]:
    """Fill an empty database with demo data. Returns the counts written. ``review_files``:
    write the materials' small PDFs into the file store (default: only up to 1,000 enterprises)."""
    rng = random.Random(seed)
    n_apps = applications if applications is not None else enterprises
    with db.uow() as uow:
        s = uow.session
        s.info["audit"] = False
        if s.scalar(select(func.count()).select_from(Enterprise)):
            raise ValueError("数据库中已有企业，演示数据只写入空数据库。")
        s.merge(OfficeProfile(
            id=1, district_code="500112", district_name="渝北区",
            bureau_name="重庆市渝北区经济和信息化委员会", doc_prefix="渝北经信发",
            signatory="张明", contact_person="李娟", contact_phone="023-67821234",
        ))
        park_rows = [
            dict(uid=new_uid(), name=n, park_type=t, approval_level=lvl, district_code=d,
                 managing_body=n.replace("园区", "") + "管理委员会", green_staff_count=rng.choice([1, 2, 3, 4, 5]),
                 notes="", credit_code=None)
            for n, t, lvl, d in DEMO_PARKS
        ]
        s.execute(insert(Park), park_rows)
        park_ids = {r.district_code: [] for r in s.execute(select(Park.id, Park.district_code))}
        for pid, d in s.execute(select(Park.id, Park.district_code)):
            park_ids[d].append(pid)

        used_names: set[str] = set()
        used_codes: set[str] = set()
        ent_rows: list[dict[str, Any]] = []
        for i in range(enterprises):
            # weight the office's own district heavily: the demo is a 渝北区 office
            district = "500112" if rng.random() < 0.55 else rng.choice(DEMO_DISTRICTS)[0]
            dname = dict(DEMO_DISTRICTS)[district].rstrip("区")
            ind, trade, products = rng.choice(_TRADES)
            while True:
                brand = "".join(rng.sample(_BRAND, 2))
                name = f"重庆{brand}{trade}{_SUFFIX[rng.randrange(len(_SUFFIX))]}"
                if name in used_names:
                    name = f"重庆{dname}{brand}{trade}{_SUFFIX[0]}"
                if name in used_names:
                    name = f"重庆{brand}{trade}{i}号{_SUFFIX[0]}"
                if name not in used_names:
                    break
            used_names.add(name)
            code = make_credit_code(rng, district)
            while code in used_codes:
                code = make_credit_code(rng, district)
            used_codes.add(code)
            parks_here = park_ids.get(district, [])
            ent_rows.append(dict(
                uid=new_uid(), name=name, credit_code=code, credit_code_override="", district_code=district,
                address=f"重庆市{dict(DEMO_DISTRICTS)[district]}{rng.choice(['工业大道', '科技路', '创业大道', '兴业路'])}{rng.randint(1, 999)}号",
                industry_code=ind, main_products=products,
                park_id=rng.choice(parks_here) if parks_here and rng.random() < 0.8 else None,
                legal_rep=_person(rng), contact=_person(rng),
                phone=rng.choice(["1", "023-"]) and (
                    f"1{rng.choice('35789')}{rng.randint(0, 999999999):09d}" if rng.random() < 0.6
                    else f"023-6{rng.randint(0, 9999999):07d}"),
                above_scale=rng.random() < 0.7,
                founded_on=dt.date(rng.randint(1995, 2022), rng.randint(1, 12), rng.randint(1, 28)),
                notes="",
            ))
        for chunk in range(0, len(ent_rows), 5000):
            s.execute(insert(Enterprise), ent_rows[chunk:chunk + 5000])
        ent_ids = list(s.scalars(select(Enterprise.id).order_by(Enterprise.id)))
        all_parks = list(s.scalars(select(Park.id).order_by(Park.id)))

        batches = {}
        for year in range(current_year - 2, current_year + 1):
            b = Batch(year=year, name=f"{year}年度市级绿色工厂推荐", title_kind=TitleKind.CITY_FACTORY,
                      notes="演示数据")
            s.add(b)
            batches[year] = b
        s.flush()

        years = [current_year - 2, current_year - 1, current_year]
        app_rows: list[dict[str, Any]] = []
        taken: set[tuple[int, int, str]] = set()
        factory_kinds = [TitleKind.CITY_FACTORY] * 8 + [TitleKind.VOLUNTARY_ASSESSMENT, TitleKind.SUPPLY_CHAIN]
        k = -1
        while len(app_rows) < n_apps and k < n_apps * 10:
            k += 1
            year = rng.choices(years, weights=[2, 3, 5])[0]
            is_park = k < max(2, n_apps // 60)
            if is_park:
                subject = all_parks[k % len(all_parks)]
                kind = rng.choice([TitleKind.CITY_PARK, TitleKind.NEAR_ZERO_PARK])
            else:
                subject = rng.choice(ent_ids)
                kind = rng.choice(factory_kinds)
            key = (subject, year, kind.value + ("p" if is_park else "e"))
            if key in taken:
                continue
            taken.add(key)
            stage = _stage_for(rng, year, current_year)
            changed = dt.datetime(year, rng.randint(3, 11), rng.randint(1, 28), rng.randint(8, 17), rng.randint(0, 59))
            if changed > dt.datetime.now():
                changed = dt.datetime.now().replace(microsecond=0) - dt.timedelta(days=rng.randint(1, 60))
            batch_id = None
            # earlier years' batches hold what was recommended and decided; this year's batch
            # holds only what is recommended now (the commission has not decided yet)
            in_batch = stage.rank >= Stage.RECOMMENDED.rank if year < current_year else stage is Stage.RECOMMENDED
            if in_batch and kind is TitleKind.CITY_FACTORY and not is_park:
                batch_id = batches[year].id
            app_rows.append(dict(
                uid=new_uid(), year=year, title_kind=kind,
                subject_kind=SubjectKind.PARK if is_park else SubjectKind.ENTERPRISE,
                enterprise_id=None if is_park else subject, park_id=subject if is_park else None,
                stage=stage, stage_changed_at=changed, batch_id=batch_id,
                review_outcome="通过" if stage.rank >= Stage.RECOMMENDED.rank else "",
                carried_from_id=None, notes="",
            ))
        # the current year shows every stage on the board (a small demo can miss one by chance)
        present = {r["stage"] for r in app_rows if r["year"] == current_year}
        spare = [r for r in app_rows if r["year"] == current_year and r["stage"] is Stage.CULTIVATING
                 and r["enterprise_id"] is not None]
        for stage in STAGES:
            if stage not in present and len(spare) > 1:
                row = spare.pop()
                row["stage"] = stage
                if stage.rank >= Stage.RECOMMENDED.rank:
                    row["review_outcome"] = "通过"
                    if row["title_kind"] is TitleKind.CITY_FACTORY:
                        row["batch_id"] = batches[current_year].id
        for chunk in range(0, len(app_rows), 5000):
            s.execute(insert(Application), app_rows[chunk:chunk + 5000])

        # the history of each application: one move per stage passed
        move_rows: list[dict[str, Any]] = []
        clerks = ["李娟", "王强", "陈敏"]
        q = select(Application.id, Application.stage, Application.stage_changed_at, Application.year)
        for app_id, stage, changed, year in s.execute(q):
            path = [st for st in STAGES if st.rank < stage.rank] + [stage]
            start = dt.datetime(year, 1, 10, 9, 0)
            span = max((changed - start).total_seconds(), 3600)
            prev = None
            for i, st in enumerate(path):
                at = changed if st == stage else start + dt.timedelta(seconds=span * i / len(path))
                move_rows.append(dict(
                    uid=new_uid(), application_id=app_id, from_stage=prev, to_stage=st, at=at,
                    user=rng.choice(clerks), reason="纳入培育库" if prev is None else "",
                ))
                prev = st
        for chunk in range(0, len(move_rows), 10000):
            s.execute(insert(StageMove), move_rows[chunk:chunk + 10000])

        # titles for the recognised applications, with a published document number
        title_rows = []
        q = select(Application.id, Application.year, Application.title_kind, Application.enterprise_id,
                   Application.park_id).where(Application.stage == Stage.RECOGNISED)
        for n, (app_id, year, kind, ent, park) in enumerate(s.execute(q), start=1):
            title_rows.append(dict(
                uid=new_uid(), title_kind=kind, enterprise_id=ent, park_id=park, year=year,
                doc_number=f"渝经信节能〔{year}〕{rng.randint(5, 40)}号",
                recognised_on=dt.date(year, 12, rng.randint(1, 28)) if year < current_year else dt.date(year, 1, 15),
                state=TitleState.VALID, source="entered", application_id=app_id,
                revoked_on=None, revocation_cause="", revocation_doc="", notes="",
            ))
        if title_rows:
            title_rows[-1]["state"] = TitleState.REVOKED
            title_rows[-1]["revoked_on"] = dt.date(current_year, 3, 12)
            title_rows[-1]["revocation_cause"] = "（二）"
            title_rows[-1]["revocation_doc"] = f"渝经信节能〔{current_year}〕8号"
            s.execute(insert(Title), title_rows)
        # the review (初审) records: reports, certificates, indicators, materials (small PDFs)
        with_files = review_files if review_files is not None else enterprises <= 1000
        review = demo_review.generate(s, files_dir=db.files_dir if with_files else None,
                                      current_year=current_year, seed=seed)
        review |= demo_supervision.generate(s, current_year=current_year, anchor=demo_review.anchor_date(current_year), seed=seed)
        uow.commit()
        return {
            "parks": len(park_rows), "enterprises": len(ent_rows), "applications": len(app_rows),
            "moves": len(move_rows), "titles": len(title_rows),
        } | review


def main(argv: list[str] | None = None) -> int:
    """python -m models.demo DATA_DIR [--enterprises N] [--applications M]"""
    import argparse

    p = argparse.ArgumentParser(description="生成演示数据库")
    p.add_argument("data_dir")
    p.add_argument("--enterprises", type=int, default=300)
    p.add_argument("--applications", type=int, default=None)
    p.add_argument("--seed", type=int, default=20260601)
    a = p.parse_args(argv)
    db = Database.open(a.data_dir, backup=False)
    try:
        counts = generate(db, enterprises=a.enterprises, applications=a.applications, seed=a.seed)
    finally:
        db.close()
    print(" ".join(f"{k}={v}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
