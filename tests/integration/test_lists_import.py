"""Published lists in: a recognition list laid out as the commission publishes it, CSV in GBK,
revocation and renaming lists, evaluator and dishonesty lists, and the real national list."""
from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from exports.importers import FileRejected, ImportRejected
from exports.lists import (ListSpec, SETTING_HEADERS, apply_list, guess_spec, match_list, plan_list,
                           preview_list_file, propose_mapping, read_list)
from models.demo import make_credit_code
from models.entities import Application, Enterprise, Park, Title, TitleState
from models.office import get_setting
from models.pipeline import create_application
from models.stages import Stage, TitleKind
from .import_helpers import table_counts as counts

DOC = "渝经信节能〔2026〕31号"


def codes(n: int) -> list[str]:
    import random

    rng = random.Random(7)
    return [make_credit_code(rng, "500112") for _ in range(n)]


A, B, C, D, E, F = codes(6)


@pytest.fixture
def pipeline(db):
    """Six enterprises with 2026 city-factory applications at various stages."""
    rows = [
        ("重庆甲汽车零部件有限公司", A, Stage.RECOMMENDED),
        ("玖龙纸业(重庆)有限公司", B, Stage.RECOMMENDED),
        ("重庆长安汽车股份有限公司", C, Stage.UNDER_REVIEW),
        ("重庆丁电子有限公司", D, Stage.RECOMMENDED),
        ("重庆天友乳业股份有限公司", E, Stage.RECOMMENDED),
    ]
    ids = {}
    with db.uow() as uow:
        s = uow.session
        for name, code, stage in rows:
            e = Enterprise(name=name, credit_code=code, district_code="500112")
            s.add(e)
            s.flush()
            create_application(s, year=2026, title_kind=TitleKind.CITY_FACTORY, enterprise=e, stage=stage)
            ids[name] = e.id
        uow.commit()
    return ids


def write_published_list(path: Path) -> Path:
    """A list as published: a 附件 line, a merged title, the document number, a blank line, the
    header, a 区县 merged over two rows, a blank line inside, a totals row and a note."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "名单"
    ws["A1"] = "附件"
    ws["A2"] = "2026年重庆市绿色工厂名单"
    ws.merge_cells("A2:F2")
    ws["A3"] = DOC
    ws.merge_cells("A3:F3")
    ws.append([])
    ws.append(["序号", "区县", "企业名称", "统一社会信用代码", "第三方评价机构", "备注"])  # row 5
    ws.append([1, "渝北区", "重庆甲汽车零部件有限公司（更名前）", A, "重庆市节能技术服务中心", None])  # by code
    ws.append([2, None, "玖龙纸业（重庆）有限责任公司", None, "重庆大学", None])  # by name; 区县 merged
    ws.merge_cells("B6:B7")
    ws.append([])  # a blank line inside the table
    ws.append([3, "渝北区", "重庆长安汽车股份有限公司渝北工厂", None, "重庆大学", None])  # plant suffix
    ws.append([4, "渝北区", "重庆市天友乳业股份有限公司乳品一厂", None, "重庆大学", None])  # fuzzy: to confirm
    ws.append([5, "江北区", "重庆戊材料有限公司", None, "重庆大学", None])  # not in the database
    ws.append(["合计", None, "5家", None, None, None])
    ws.append(["注：排名不分先后。"])
    wb.save(path)
    return path


def test_reading_a_published_list(tmp_path):
    t = read_list(write_published_list(tmp_path / "2026年市级绿色工厂名单.xlsx"))
    assert (t.sheet, t.header_row) == ("名单", 5)
    assert t.headers == ["序号", "区县", "企业名称", "统一社会信用代码", "第三方评价机构", "备注"]
    assert t.title_lines == ["附件", "2026年重庆市绿色工厂名单", DOC]
    assert [r for r, _ in t.rows] == [6, 7, 9, 10, 11]
    assert dict(t.skipped) == {8: "空行", 12: "合计行", 13: "说明行"}
    assert t.rows[1][1][1] == "渝北区"  # the merged 区县 applies to both rows
    spec, doubts = guess_spec(t)
    assert (spec.action, spec.title_kind, spec.year, spec.doc_number, doubts) == \
        ("recognition", TitleKind.CITY_FACTORY, 2026, DOC, [])
    m = propose_mapping(None, t)
    assert m.keys == {0: "seq", 1: "region", 2: "name", 3: "credit_code", 4: "evaluator", 5: "note"}
    assert m.certain


def test_recognition_list_moves_applications_and_records_titles(db, pipeline, tmp_path):
    path = write_published_list(tmp_path / "名单.xlsx")
    before = counts(db)
    with db.uow() as uow:
        preview, doubts = preview_list_file(uow.session, path)
        plan = plan_list(uow.session, preview)
    assert doubts == []
    assert counts(db) == before  # looking changes nothing
    status = {r.row: (r.status, r.how, r.confidence) for r in preview.rows}
    assert status == {6: ("matched", "code", 1.0), 7: ("matched", "name", 0.9), 9: ("matched", "base", 0.85),
                      10: ("uncertain", "fuzzy", pytest.approx(0.84)), 11: ("unmatched", "", 0.0)}
    assert preview.rows[0].note.startswith("名称不同：库中为「重庆甲汽车零部件有限公司」")
    assert [r.subject_id for r in preview.rows[:3]] == [pipeline["重庆甲汽车零部件有限公司"],
                                                         pipeline["玖龙纸业(重庆)有限公司"], pipeline["重庆长安汽车股份有限公司"]]
    assert (plan.count("recognise"), plan.count("title_new"), plan.count("reject")) == (3, 3, 1)
    result = apply_list(db, preview)
    assert result.backup is not None and result.backup.exists()
    assert [r.row for r in result.skipped] == [10, 11]
    with db.uow() as uow:
        s = uow.session
        stages = {a.enterprise.name: a for a in s.scalars(select(Application))}
        for name in ("重庆甲汽车零部件有限公司", "玖龙纸业(重庆)有限公司", "重庆长安汽车股份有限公司"):
            assert stages[name].stage is Stage.RECOGNISED
            assert stages[name].moves[-1].reason == f"依据{DOC}认定"
        assert stages["重庆丁电子有限公司"].stage is Stage.REJECTED
        assert stages["重庆丁电子有限公司"].moves[-1].reason == f"未列入{DOC}认定名单"
        # the uncertain row's candidate is not rejected while the clerk has not decided
        assert stages["重庆天友乳业股份有限公司"].stage is Stage.RECOMMENDED
        titles = s.scalars(select(Title)).all()
        assert len(titles) == 3
        for t in titles:
            assert (t.title_kind, t.year, t.doc_number, t.state, t.source) == \
                (TitleKind.CITY_FACTORY, 2026, DOC, TitleState.VALID, "import")
            assert t.application_id == stages[t.enterprise.name].id
        assert "第三方评价机构：重庆市节能技术服务中心" in next(t.notes for t in titles if t.enterprise_id == pipeline["重庆甲汽车零部件有限公司"])
        # the columns are remembered for next year
        assert get_setting(s, SETTING_HEADERS)["企业名称"] == "name"

    # the clerk confirms the uncertain row; applying again changes only that one
    with db.uow() as uow:
        preview, _ = preview_list_file(uow.session, path)
    preview.confirm(next(r.index for r in preview.rows if r.row == 10))
    result = apply_list(db, preview)
    assert (result.count("recognise"), result.count("title_new"), result.count("reject")) == (1, 1, 0)
    assert result.unchanged == 3
    with db.uow() as uow:
        app = uow.session.scalars(select(Application).where(
            Application.enterprise_id == pipeline["重庆天友乳业股份有限公司"])).one()
        assert app.stage is Stage.RECOGNISED


def test_a_candidate_the_clerk_rejects_counts_as_absent(db, pipeline, tmp_path):
    path = write_published_list(tmp_path / "名单.xlsx")
    with db.uow() as uow:
        preview, _ = preview_list_file(uow.session, path)
    preview.reject(next(r.index for r in preview.rows if r.row == 10))
    result = apply_list(db, preview)
    assert result.count("reject") == 2  # 丁 and, now that the clerk said "not this one", 天友
    with db.uow() as uow:
        app = uow.session.scalars(select(Application).where(
            Application.enterprise_id == pipeline["重庆天友乳业股份有限公司"])).one()
        assert app.stage is Stage.REJECTED


def test_csv_in_gbk_and_utf8_with_bom(db, pipeline, tmp_path):
    rows = [["2026年重庆市绿色工厂名单"], [], ["序号", "企业名称", "统一社会信用代码"],
            ["1", "重庆甲汽车零部件有限公司", A], ["2", " 玖龙纸业（重庆）有限公司 ", ""], ["合计", "2", ""]]
    for enc in ("gbk", "gb18030", "utf-8-sig", "utf-8"):
        path = tmp_path / f"名单-{enc}.csv"
        with open(path, "w", encoding=enc, newline="") as f:
            csv.writer(f).writerows(rows)
        t = read_list(path)
        assert t.header_row == 3 and [r for r, _ in t.rows] == [4, 5], enc
        with db.uow() as uow:
            preview = match_list(uow.session, t, propose_mapping(uow.session, t), guess_spec(t)[0])
        assert [r.status for r in preview.rows] == ["matched", "matched"], enc


def test_a_file_without_a_list_header(db, tmp_path):
    path = tmp_path / "随便.csv"
    path.write_text("甲,乙,丙\n1,2,3\n", encoding="utf-8")
    with pytest.raises(FileRejected) as exc:
        read_list(path)
    assert exc.value.code == "wrong_headers"
    assert "找不到名单的表头行" in str(exc.value) and "随便.csv" in str(exc.value)


def test_revocation_list_marks_titles_revoked(db, pipeline, tmp_path):
    with db.uow() as uow:
        uow.session.add(Title(title_kind=TitleKind.CITY_FACTORY, year=2023, enterprise_id=pipeline["重庆丁电子有限公司"],
                              doc_number="渝经信节能〔2023〕9号"))
        uow.commit()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["关于撤销部分企业重庆市绿色工厂称号的通知 渝经信节能〔2026〕40号"])
    ws.append(["序号", "企业名称", "撤销原因"])
    ws.append([1, "重庆丁电子有限公司", "（五）发生较大及以上安全事故"])
    wb.save(tmp_path / "撤销.xlsx")
    with db.uow() as uow:
        preview, doubts = preview_list_file(uow.session, tmp_path / "撤销.xlsx")
    assert preview.spec.action == "revocation" and preview.spec.doc_number == "渝经信节能〔2026〕40号"
    preview.spec.date = dt.date(2026, 11, 1)
    apply_list(db, preview)
    with db.uow() as uow:
        t = uow.session.scalars(select(Title)).one()
        assert (t.state, t.revoked_on, t.revocation_doc, t.revocation_cause) == \
            (TitleState.REVOKED, dt.date(2026, 11, 1), "渝经信节能〔2026〕40号", "（五）发生较大及以上安全事故")


def test_renaming_list_renames_and_notes_it(db, pipeline, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["绿色工厂更名名单"])
    ws.append(["序号", "原名称", "新名称", "统一社会信用代码"])
    ws.append([1, "重庆丁电子有限公司", "重庆丁智能科技有限公司", D])
    wb.save(tmp_path / "更名.xlsx")
    with db.uow() as uow:
        preview, _ = preview_list_file(uow.session, tmp_path / "更名.xlsx")
    assert preview.spec.action == "renaming"
    preview.spec.date = dt.date(2026, 10, 9)
    result = apply_list(db, preview)
    assert result.count("rename") == 1
    with db.uow() as uow:
        e = uow.session.get(Enterprise, pipeline["重庆丁电子有限公司"])
        assert e.name == "重庆丁智能科技有限公司"
        assert e.notes.endswith("2026-10-09 依据绿色工厂更名名单由「重庆丁电子有限公司」更名为「重庆丁智能科技有限公司」")


def test_a_failed_apply_changes_nothing(db, pipeline, tmp_path):
    path = write_published_list(tmp_path / "名单.xlsx")
    with db.uow() as uow:
        preview, _ = preview_list_file(uow.session, path)
    preview.spec.title_kind = None
    before = counts(db)
    with pytest.raises(ImportRejected, match="请先选择名单对应的称号"):
        apply_list(db, preview)
    assert counts(db) == before
    with db.uow() as uow:
        preview, _ = preview_list_file(uow.session, path)
    from exports.importers import ImportCancelled

    with pytest.raises(ImportCancelled):
        apply_list(db, preview, should_stop=lambda: True)
    assert counts(db) == before


def test_evaluator_and_dishonesty_lists(db, tmp_path):
    from models.review import Evaluator, WatchlistEntry

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["2026年度重庆市绿色制造第三方评价机构推荐名单"])
    ws.append(["序号", "机构名称", "统一社会信用代码", "联系方式"])
    ws.append([1, "重庆市节能技术服务中心", None, "023-12345678"])  # already in the registry
    ws.append([2, "重庆新评价咨询有限公司", None, "023-87654321"])
    wb.save(tmp_path / "评价机构.xlsx")
    with db.uow() as uow:
        preview, doubts = preview_list_file(uow.session, tmp_path / "评价机构.xlsx")
    assert (preview.spec.action, preview.spec.year) == ("evaluators", 2026)
    result = apply_list(db, preview)
    assert (result.count("evaluator_new"), result.count("evaluator_update")) == (1, 1)
    with db.uow() as uow:
        evs = {e.name: e for e in uow.session.scalars(select(Evaluator))}
        assert 2026 in evs["重庆市节能技术服务中心"].list_years
        assert (evs["重庆新评价咨询有限公司"].list_years, evs["重庆新评价咨询有限公司"].source) == ([2026], "import")

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["严重失信主体名单"])
    ws.append(["序号", "企业名称", "统一社会信用代码", "失信行为", "列入日期"])
    ws.append([1, "重庆失信甲有限公司", A, "拒不履行法定义务", "2026/3/1"])
    wb.save(tmp_path / "失信.xlsx")
    with db.uow() as uow:
        preview, _ = preview_list_file(uow.session, tmp_path / "失信.xlsx")
    assert preview.spec.action == "watchlist"
    apply_list(db, preview)
    apply_list(db, preview)  # importing it again adds nothing
    with db.uow() as uow:
        [w] = uow.session.scalars(select(WatchlistEntry)).all()
        assert (w.name, w.credit_code, w.list_name, w.listed_on, w.notes) == \
            ("重庆失信甲有限公司", A, "严重失信主体名单", dt.date(2026, 3, 1), "拒不履行法定义务")


def test_a_numbered_table_is_a_list_not_a_form(tmp_path):
    """A hand-made table with the form's columns is a form; one that numbers its rows (序号) is a
    published list."""
    import openpyxl

    from exports.importers import detect

    for name, head in (("表.xlsx", ["企业名称", "统一社会信用代码", "所在区县", "联系人"]),
                       ("名单.xlsx", ["序号", "企业名称", "统一社会信用代码", "所在区县", "联系人"])):
        wb = openpyxl.Workbook()
        wb.active.append(head)
        wb.active.append(["重庆甲公司", A, "渝北区", "张三"] if name == "表.xlsx" else [1, "重庆甲公司", A, "渝北区", "张三"])
        wb.save(tmp_path / name)
    assert detect(tmp_path / "表.xlsx") == "forms"
    assert detect(tmp_path / "名单.xlsx") == "list"


# --------------------------------------------------------------------------- the real national list


def _variant(name: str, i: int) -> str:
    """The name as the district typed it: brackets, 有限责任公司 or the company of a plant."""
    if "（" in name and i % 2 == 0:
        return name.replace("（", "(").replace("）", ")")
    if name.endswith("有限公司") and not name.endswith("股份有限公司") and i % 3 == 0:
        return name[: -len("有限公司")] + "有限责任公司"
    if name.endswith("有限责任公司") and i % 3 == 1:
        return name[: -len("有限责任公司")] + "有限公司"
    for suffix in ("渝北工厂", "化肥分公司", "乳品一厂"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def test_real_national_green_factory_list(db, shared_dir):
    src = shared_dir / "reference" / "national-lists" / "绿色工厂名单.csv"
    with open(src, encoding="utf-8-sig", newline="") as f:
        published = list(csv.DictReader(f))
    cq = [r for r in published if r["地区"] == "重庆"]
    assert len(cq) >= 50
    names = sorted({r["工厂名称"] for r in cq})
    variants = {}
    with db.uow() as uow:
        for i, (name, code) in enumerate(zip(names, codes(len(names)))):
            typed = _variant(name, i)
            variants[name] = typed
            uow.session.add(Enterprise(name=typed, credit_code=code, district_code="500112"))
        uow.commit()
    assert sum(1 for n, v in variants.items() if n != v) >= 15  # many are typed differently
    with db.uow() as uow:
        table = read_list(src)
        mapping = propose_mapping(uow.session, table)
        spec, doubts = guess_spec(table)
        assert spec.title_kind is TitleKind.NATIONAL_FACTORY
        assert doubts == ["无法从标题判断年度"]  # batches 1–5 carry no year: the clerk gives them
        spec.year = 2020
        spec.batch_years = {"1": 2017, "2": 2018, "3": 2018, "4": 2019, "5": 2020}
        preview = match_list(uow.session, table, mapping, spec)
        by_row = {r.row: r for r in preview.rows}
        ids = {n: i for i, n in uow.session.execute(select(Enterprise.id, Enterprise.name))}
    assert len(preview.rows) == len(published)
    counts_ = preview.counts()
    assert counts_["out_of_scope"] == len(published) - len(cq)
    assert counts_["matched"] == len(cq) and counts_["uncertain"] == 0 and counts_["unmatched"] == 0
    for i, r in enumerate(published):
        lr = by_row[i + 2]
        if r["地区"] != "重庆":
            continue
        assert lr.name == r["工厂名称"]
        assert lr.subject_id == ids[variants[r["工厂名称"]]], r["工厂名称"]
        assert lr.year == (int(r["批次"]) if len(r["批次"]) == 4 else spec.batch_years[r["批次"]])
    plant = next(lr for lr in preview.rows if lr.name == "重庆长安汽车股份有限公司渝北工厂")
    assert (plant.how, plant.confidence) == ("base", 0.85)
    result = apply_list(db, preview)
    assert result.count("title_new") == len(cq) and result.count("reject") == 0
    with db.uow() as uow:
        titles = uow.session.scalars(select(Title)).all()
        assert len(titles) == len(cq)
        assert {t.title_kind for t in titles} == {TitleKind.NATIONAL_FACTORY}
        assert {t.year for t in titles} == {2017, 2018, 2019, 2020, 2021}
        assert all("批次" in t.notes for t in titles)


def test_real_national_park_list(db, shared_dir):
    src = shared_dir / "reference" / "national-lists" / "绿色工业园区名单.csv"
    with db.uow() as uow:
        uow.session.add(Park(name="重庆市璧山高新技术产业开发区", park_type="高新区", district_code="500120"))
        uow.session.add(Park(name="长寿经济技术开发区", park_type="经开区", district_code="500115"))
        uow.commit()
        preview, doubts = preview_list_file(uow.session, src)
    assert preview.spec.title_kind is TitleKind.NATIONAL_PARK
    got = {r.name: (r.status, r.how) for r in preview.rows if r.status in ("matched", "uncertain")}
    assert got["长寿经济技术开发区"] == ("matched", "name")
    assert got["璧山高新技术产业开发区"] == ("uncertain", "fuzzy")  # 重庆市 in front: confirm
