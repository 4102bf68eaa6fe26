"""The submission package (issue 4, items 5–7): folder and zip with the letter, the summary table,
one folder per subject with its renamed materials and 初审意见表, a manifest whose hashes match
the files; what blocks a batch; atomic writing (cancel, crash); verifying a package later; the
command line."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import zipfile
from pathlib import Path

import openpyxl
import pytest

from exports.batch_data import find_blockers, gather_batch
from exports.package import (
    MANIFEST_JSON,
    MANIFEST_XLSX,
    PackageBlocked,
    PackageCancelled,
    PackageError,
    PackageExists,
    build_package,
    export_package,
    verify_package,
)
from exports.letter import draft_letter
from exports.safe_names import MAX_PATH, is_reserved, utf16_len
from forms.materials import checklist_for
from models.demo_review import make_pdf
from models.entities import Application, Batch, Enterprise, IssuedDocument
from models.office import save_profile
from models.review import Material
from models.review_service import attach_material, override_result, save_report, store_check_runs
from models.stages import Stage, SubjectKind, TitleKind

DAY = dt.date(2026, 6, 30)
NAMES = ["重庆甲汽车零部件有限公司", "重庆乙电子科技有限公司", "重庆丙食品股份有限公司"]
ROOT_NAME = "2026渝北区绿色制造推荐材料"
FORBIDDEN = set('<>:"\\|?*')


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


PASSED = {"text": "条件符合", "severity": "error", "check": "test", "outcome": "pass", "evidence": ""}


def _attach(s, files_dir: Path, tmp: Path, app_id: int, key: str, name: str, text: str) -> None:
    src = tmp / "incoming" / f"{app_id}" / name
    src.parent.mkdir(parents=True, exist_ok=True)
    src.write_bytes(make_pdf([[text, f"application {app_id}", key]]))
    res = attach_material(s, files_dir, app_id, key, src, received_on=DAY)
    assert res.ok, res.error


def make_batch(db, tmp_path: Path, names=NAMES, *, skip_item: str | None = None,
               odd_names: bool = False) -> tuple[int, list[int]]:
    """An office profile, and a 2026 batch of reviewed applications, each with its third-party
    report and every checklist material attached (as PDFs)."""
    files_dir = db.files_dir
    with db.uow() as uow:
        s = uow.session
        save_profile(s, {"district_code": "500112", "district_name": "渝北区",
                         "bureau_name": "重庆市渝北区经济和信息化委员会", "doc_prefix": "渝北经信发",
                         "contact_person": "李娟", "contact_phone": "023-67821234"})
        b = Batch(year=2026, name="2026年度市级绿色工厂推荐", title_kind=TitleKind.CITY_FACTORY)
        s.add(b)
        s.flush()
        app_ids = []
        items = checklist_for(TitleKind.CITY_FACTORY, 2026).items
        for i, name in enumerate(names):
            e = Enterprise(name=name, credit_code=f"91500112MA5U0000{i:02d}", district_code="500112",
                           industry_code="36", main_products="汽车座椅", contact="王强", phone="13800000000")
            s.add(e)
            s.flush()
            a = Application(year=2026, title_kind=TitleKind.CITY_FACTORY, subject_kind=SubjectKind.ENTERPRISE,
                            enterprise_id=e.id, stage=Stage.RECOMMENDED, batch_id=b.id, review_outcome="通过")
            s.add(a)
            s.flush()
            app_ids.append(a.id)
            save_report(s, a.id, {"evaluator_name": "重庆示例绿色低碳评价中心", "score": "91.5",
                                  "basic_requirements_met": True, "report_date": dt.date(2026, 5, 20)})
            for it in items:
                if it.key == skip_item:
                    continue
                fname = f"{it.key}.pdf"
                if odd_names and it.key == "pledge":
                    fname = "CON.pdf"
                _attach(s, files_dir, tmp_path, a.id, it.key, fname, f"{e.credit_code} {it.key}")
                if odd_names and it.key == "evidence":
                    # a name as Windows allows it (255 characters), longer than Linux's 255 bytes
                    m = s.query(Material).filter_by(application_id=a.id, item_key="evidence").one()
                    m.original_name = "佐证:照片?" + "很长的说明" * 40 + ".pdf"
        # the preliminary checks were run and passed (their results print on the 初审意见表)
        store_check_runs(s, [{"application_id": a_id, "rule_set": "test", "rule_set_name": "测试规则", "as_of": DAY,
                              "results": [dict(PASSED, rule_id=f"r{k}", article=art) for k, art in
                                          enumerate(("第七条（一）", "第七条（六）", "第九条"))]}
                             for a_id in app_ids])
        uow.commit()
        return b.id, app_ids


def _export(db, batch_id, out, **kw):
    with db.uow() as uow:
        result = export_package(uow.session, batch_id, out, date=DAY, files_dir=db.files_dir,
                                data_dir=db.data_dir, **kw)
        uow.commit()
    return result


@pytest.fixture
def package(db, tmp_path):
    batch_id, app_ids = make_batch(db, tmp_path)
    out = tmp_path / "out"
    result = _export(db, batch_id, out)
    return result, out, batch_id, app_ids


# ----------------------------------------------------------------------------- contents


def test_folder_and_zip_are_named_by_year_and_district(package):
    result, out, _b, _a = package
    assert result.folder == out.resolve() / ROOT_NAME
    assert result.zip_path == out.resolve() / f"{ROOT_NAME}.zip"
    assert result.folder.is_dir() and result.zip_path.is_file()
    assert sorted(p.name for p in out.iterdir()) == [ROOT_NAME, f"{ROOT_NAME}.zip"]  # no temporaries left


def test_package_holds_letter_table_and_a_numbered_folder_per_subject(package):
    result, _out, _b, _a = package
    top = sorted(p.name for p in result.folder.iterdir())
    assert top == sorted(["推荐函.docx", "推荐汇总表.xlsx", MANIFEST_XLSX, MANIFEST_JSON,
                          "01_重庆丙食品股份有限公司", "02_重庆乙电子科技有限公司", "03_重庆甲汽车零部件有限公司"])
    # folders are numbered as the rows of the summary table
    ws = openpyxl.load_workbook(result.folder / "推荐汇总表.xlsx").active
    table = [(ws.cell(r, 1).value, ws.cell(r, 3).value) for r in range(4, ws.max_row + 1)]
    folders = sorted(p.name for p in result.folder.iterdir() if p.is_dir())
    assert [f"{n:02d}_{name}" for n, name in table] == folders
    # each subject folder: its review sheet and its materials renamed <材料类型>_<原文件名>
    sub = result.folder / "03_重庆甲汽车零部件有限公司"
    names = sorted(p.name for p in sub.iterdir())
    assert "初审意见表.docx" in names
    assert "第三方评价报告_third_party_report.pdf" in names
    assert "营业执照_business_license.pdf" in names
    assert "申报书_application_form.pdf" in names
    assert len(names) == 1 + len(checklist_for(TitleKind.CITY_FACTORY, 2026).items)


def test_materials_are_byte_identical_to_the_stored_copies(package, db):
    result, _out, batch_id, _a = package
    with db.uow() as uow:
        data = gather_batch(uow.session, batch_id, files_dir=db.files_dir)
    subject = next(s for s in data.subjects if s.name == "重庆甲汽车零部件有限公司")
    m = next(m for m in subject.materials if m.item_key == "third_party_report")
    copied = result.folder / "03_重庆甲汽车零部件有限公司" / "第三方评价报告_third_party_report.pdf"
    assert copied.read_bytes() == m.stored_path.read_bytes()
    assert _sha(copied) == m.sha256


def test_manifest_lists_every_file_with_its_size_and_hash(package):
    result, _out, _b, _a = package
    manifest = json.loads((result.folder / MANIFEST_JSON).read_text(encoding="utf-8"))
    on_disk = sorted(p.relative_to(result.folder).as_posix() for p in result.folder.rglob("*")
                     if p.is_file() and p.name != MANIFEST_JSON)
    assert sorted(f["path"] for f in manifest["files"]) == on_disk
    for f in manifest["files"]:
        p = result.folder / f["path"]
        assert p.stat().st_size == f["size"]
        assert _sha(p) == f["sha256"], f["path"]
    assert manifest["letter"]["doc_number"] == "渝北经信发〔2026〕1号"
    assert [s["name"] for s in manifest["subjects"]] == sorted(NAMES)
    # 清单.xlsx: the same files, sizes and hashes, for people
    ws = openpyxl.load_workbook(result.folder / MANIFEST_XLSX).active
    assert [c.value for c in ws[3]] == ["序号", "文件", "说明", "大小（字节）", "SHA-256 校验值"]
    rows = {ws.cell(r, 2).value: (ws.cell(r, 4).value, ws.cell(r, 5).value) for r in range(4, ws.max_row + 1)}
    listed = {f["path"]: (f["size"], f["sha256"]) for f in manifest["files"] if f["path"] != MANIFEST_XLSX}
    assert rows == listed
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$3:$3"


def test_zip_mirrors_the_folder_with_utf8_names(package):
    result, _out, _b, _a = package
    with zipfile.ZipFile(result.zip_path) as z:
        infos = z.infolist()
        names = sorted(i.filename for i in infos)
        for i in infos:
            assert i.flag_bits & 0x800, i.filename  # UTF-8 name flag: Explorer shows the Chinese
            assert i.filename.startswith(ROOT_NAME + "/")
            # PDFs and Office files are stored as they are, not deflated again
            if i.filename.endswith((".pdf", ".docx", ".xlsx")):
                assert i.compress_type == zipfile.ZIP_STORED
        for i in infos:
            assert z.read(i) == (result.folder.parent / i.filename).read_bytes()
    on_disk = sorted(p.relative_to(result.folder.parent).as_posix() for p in result.folder.rglob("*") if p.is_file())
    assert names == on_disk
    # the raw bytes of the first local header carry the flag too
    raw = result.zip_path.read_bytes()
    assert raw[:4] == b"PK\x03\x04" and int.from_bytes(raw[6:8], "little") & 0x800


def test_the_letter_in_the_package_names_the_subjects_and_takes_the_number(package, db):
    import docx

    result, _out, batch_id, _a = package
    texts = [p.text for p in docx.Document(str(result.folder / "推荐函.docx")).paragraphs]
    assert "渝北经信发〔2026〕1号" in texts
    for n in NAMES:
        assert any(n in t for t in texts)
    with db.uow() as uow:
        docs = uow.session.query(IssuedDocument).all()
        assert [(d.doc_number, d.batch_id) for d in docs] == [("渝北经信发〔2026〕1号", batch_id)]


def test_exporting_again_keeps_the_batchs_number_and_refuses_to_overwrite_silently(package, db):
    _result, out, batch_id, _a = package
    with pytest.raises(PackageExists, match="已有"):
        _export(db, batch_id, out)
    again = _export(db, batch_id, out, overwrite=True)
    assert again.doc_number == "渝北经信发〔2026〕1号"
    assert verify_package(again.folder).ok and verify_package(again.zip_path).ok
    assert sorted(p.name for p in out.iterdir()) == [ROOT_NAME, f"{ROOT_NAME}.zip"]


# ----------------------------------------------------------------------------- names


def test_hostile_and_long_names_become_windows_safe(db, tmp_path):
    long_company = "重庆" + "某某某绿色低碳循环发展科技" * 8 + "有限公司"
    batch_id, _ = make_batch(db, tmp_path, names=[long_company, "重庆乙电子科技有限公司"], odd_names=True)
    out = tmp_path / "o"
    result = _export(db, batch_id, out)
    base = len(str(out.resolve()))
    for p in result.folder.rglob("*"):
        rel = p.relative_to(result.folder.parent)
        for part in rel.parts:
            assert not (set(part) & FORBIDDEN), part
            assert not part.endswith((".", " "))
            assert not is_reserved(part), part
        assert base + 1 + utf16_len(rel.as_posix()) < MAX_PATH
        assert utf16_len(rel.as_posix()) <= 200  # still fits when unpacked elsewhere
    folder = next(p for p in result.folder.iterdir() if p.name.startswith("01_"))
    names = [p.name for p in folder.iterdir()]
    assert "承诺书_CON.pdf" in names  # reserved only as a whole name; with its prefix it is fine
    evidence = next(n for n in names if n.startswith("佐证材料_佐证_照片_"))
    assert evidence.endswith(".pdf") and "~" in evidence
    assert verify_package(result.zip_path).ok


# ----------------------------------------------------------------------------- blockers


def test_a_failed_check_blocks_until_a_person_overrides_it(db, tmp_path):
    batch_id, app_ids = make_batch(db, tmp_path)
    with db.uow() as uow:
        s = uow.session
        store_check_runs(s, [{"application_id": app_ids[0], "rule_set": "t", "as_of": DAY, "results": [
            {"rule_id": "f7_6", "article": "第七条（六）", "text": "管理体系证书在有效期内", "severity": "error",
             "check": "x", "outcome": "fail", "evidence": "ISO 14001 已于2026-01-01过期"},
            {"rule_id": "f7_1", "article": "第七条（一）", "text": "制造业企业", "severity": "error",
             "check": "x", "outcome": "pass", "evidence": ""},
        ]}])
        uow.commit()
    with db.uow() as uow:
        blockers = find_blockers(uow.session, batch_id, files_dir=db.files_dir)
    assert [(b.application_id, b.kind) for b in blockers] == [(app_ids[0], "check")]
    assert "第七条（六）" in blockers[0].message and "重庆甲汽车零部件有限公司" in blockers[0].message
    with pytest.raises(PackageBlocked) as err:
        _export(db, batch_id, tmp_path / "out")
    assert err.value.blockers == blockers
    assert not (tmp_path / "out" / ROOT_NAME).exists()
    with db.uow() as uow:
        override_result(uow.session, app_ids[0], "f7_6", "pass", "已补交新证书，经核对有效", user="李娟")
        uow.commit()
    with db.uow() as uow:
        assert find_blockers(uow.session, batch_id, files_dir=db.files_dir) == []


def test_a_missing_required_material_blocks(db, tmp_path):
    batch_id, app_ids = make_batch(db, tmp_path, names=NAMES[:1], skip_item="business_license")
    with db.uow() as uow:
        blockers = find_blockers(uow.session, batch_id, files_dir=db.files_dir)
    assert len(blockers) == 1
    assert blockers[0].application_id == app_ids[0] and blockers[0].kind == "material_missing"
    assert "营业执照" in blockers[0].message


def test_a_stored_file_changed_after_receipt_blocks_and_stops_the_export(db, tmp_path):
    batch_id, app_ids = make_batch(db, tmp_path, names=NAMES[:1])
    with db.uow() as uow:
        data = gather_batch(uow.session, batch_id, files_dir=db.files_dir)
    victim = data.subjects[0].materials[0].stored_path
    os.chmod(victim, 0o644)
    raw = bytearray(victim.read_bytes())
    raw[20] ^= 0xFF  # same size, one byte changed
    victim.write_bytes(bytes(raw))
    with db.uow() as uow:
        blockers = find_blockers(uow.session, batch_id, files_dir=db.files_dir)
    assert [(b.application_id, b.kind) for b in blockers] == [(app_ids[0], "file_changed")]
    # even when told to ignore the list, the export compares every hash while copying
    with pytest.raises(PackageError, match="改动"):
        _export(db, batch_id, tmp_path / "out", ignore_blockers=True)
    assert not (tmp_path / "out" / ROOT_NAME).exists()
    assert not list((tmp_path / "out").glob("*.tmp-*"))


def test_a_review_that_did_not_pass_and_an_incomplete_profile_block(db, tmp_path):
    batch_id, app_ids = make_batch(db, tmp_path, names=NAMES[:2])
    with db.uow() as uow:
        s = uow.session
        s.get(Application, app_ids[1]).review_outcome = "退回补正"
        save_profile(s, {"doc_prefix": ""})
        uow.commit()
    with db.uow() as uow:
        blockers = find_blockers(uow.session, batch_id, files_dir=db.files_dir)
    kinds = {(b.application_id, b.kind) for b in blockers}
    assert kinds == {(None, "office"), (app_ids[1], "review")}
    assert any("发文字号前缀" in b.message for b in blockers)


# ----------------------------------------------------------------------------- atomic writing


def _plain_export(db, batch_id, out, **kw):
    with db.uow() as uow:
        data = gather_batch(uow.session, batch_id, files_dir=db.files_dir)
    letter = draft_letter(data, number=5, date=DAY)
    return build_package(data, out, letter=letter, date=DAY, **kw)


def test_cancel_leaves_nothing_under_the_final_name(db, tmp_path):
    batch_id, _ = make_batch(db, tmp_path)
    out = tmp_path / "out"
    calls = []
    seen = []

    def stop() -> bool:
        calls.append(1)
        return len(calls) > 5

    with pytest.raises(PackageCancelled):
        _plain_export(db, batch_id, out, should_stop=stop, progress=lambda d, t, s: seen.append((d, t)))
    assert list(out.iterdir()) == []
    assert seen and seen[-1][0] < seen[-1][1]


def test_a_crash_midway_leaves_nothing_under_the_final_name(db, tmp_path):
    batch_id, _ = make_batch(db, tmp_path)
    out = tmp_path / "out"
    calls = []

    def failing_sheet(subject, path):
        calls.append(subject.name)
        if len(calls) == 2:
            raise OSError("disk full")
        path.write_bytes(b"sheet")

    with pytest.raises(OSError, match="disk full"):
        _plain_export(db, batch_id, out, review_sheet=failing_sheet)
    assert list(out.iterdir()) == []


def test_progress_reports_every_file_and_ends_complete(db, tmp_path):
    batch_id, _ = make_batch(db, tmp_path, names=NAMES[:1])
    seen = []
    result = _plain_export(db, batch_id, tmp_path / "out", progress=lambda d, t, s: seen.append((d, t, s)))
    total = seen[0][1]
    assert seen[-1] == (total, total, "完成")
    assert [d for d, _t, _s in seen] == sorted(d for d, _t, _s in seen)
    assert total == len(result.entries) + 1  # every file, plus manifest.json


# ----------------------------------------------------------------------------- verifying


def test_verify_reports_an_intact_package(package):
    result, _out, _b, _a = package
    for target in (result.folder, result.zip_path):
        report = verify_package(target)
        assert report.ok, report.lines()
        assert report.checked == len(result.entries)
        assert "完整" in report.lines()[0]


def test_verify_folder_catches_a_changed_byte_a_missing_and_an_extra_file(package):
    result, _out, _b, _a = package
    folder = result.folder
    changed = folder / "01_重庆丙食品股份有限公司" / "自评价报告_self_evaluation.pdf"
    os.chmod(changed, 0o644)
    raw = bytearray(changed.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    changed.write_bytes(bytes(raw))
    missing = folder / "02_重庆乙电子科技有限公司" / "营业执照_business_license.pdf"
    os.chmod(missing, 0o644)
    missing.unlink()
    (folder / "03_重庆甲汽车零部件有限公司" / "后补材料.pdf").write_bytes(b"%PDF-1.4 extra")
    report = verify_package(folder)
    assert not report.ok
    assert report.changed == ["01_重庆丙食品股份有限公司/自评价报告_self_evaluation.pdf"]
    assert report.missing == ["02_重庆乙电子科技有限公司/营业执照_business_license.pdf"]
    assert report.added == ["03_重庆甲汽车零部件有限公司/后补材料.pdf"]
    lines = report.lines()
    assert "被改动：01_重庆丙食品股份有限公司/自评价报告_self_evaluation.pdf" in lines
    assert "缺少：02_重庆乙电子科技有限公司/营业执照_business_license.pdf" in lines
    assert "多出：03_重庆甲汽车零部件有限公司/后补材料.pdf" in lines


def _rewrite_zip(src: Path, dst: Path, *, drop: str | None = None, add: tuple[str, bytes] | None = None) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            if drop and info.filename.endswith(drop):
                continue
            zout.writestr(info, zin.read(info))
        if add:
            zout.writestr(add[0], add[1])


def test_verify_zip_catches_a_changed_byte_a_missing_and_an_extra_file(package, tmp_path):
    result, _out, _b, _a = package
    target = "02_重庆乙电子科技有限公司/承诺书_pledge.pdf"
    # one byte changed inside a stored member (its CRC no longer matches)
    with zipfile.ZipFile(result.zip_path) as z:
        info = z.getinfo(f"{ROOT_NAME}/{target}")
        data = z.read(info)
    raw = bytearray(result.zip_path.read_bytes())
    at = raw.find(data)
    assert at > 0 and info.compress_type == zipfile.ZIP_STORED
    raw[at + 10] ^= 0x01
    changed = tmp_path / "changed.zip"
    changed.write_bytes(bytes(raw))
    r1 = verify_package(changed)
    assert r1.changed == [target] and not r1.missing and not r1.added

    missing = tmp_path / "missing.zip"
    _rewrite_zip(result.zip_path, missing, drop="推荐汇总表.xlsx")
    r2 = verify_package(missing)
    assert r2.missing == ["推荐汇总表.xlsx"] and not r2.changed and not r2.added

    extra = tmp_path / "extra.zip"
    _rewrite_zip(result.zip_path, extra, add=(f"{ROOT_NAME}/说明.txt", "补充说明".encode()))
    r3 = verify_package(extra)
    assert r3.added == ["说明.txt"] and not r3.changed and not r3.missing


def test_verify_refuses_something_that_is_not_a_package(tmp_path):
    (tmp_path / "x").mkdir()
    with pytest.raises(PackageError, match="manifest.json"):
        verify_package(tmp_path / "x")
    (tmp_path / "a.txt").write_text("hello")
    with pytest.raises(PackageError, match="不是材料包"):
        verify_package(tmp_path / "a.txt")


# ----------------------------------------------------------------------------- command line


def test_cli_exports_and_verifies(db, tmp_path, capsys):
    from desktop.app import main

    batch_id, _ = make_batch(db, tmp_path, names=NAMES[:2])
    data_dir = db.data_dir
    db.close()  # the command opens the database itself
    out = tmp_path / "cli-out"
    rc = main(["--data-dir", str(data_dir), "export-package", "--year", "2026", "--out", str(out),
               "--date", "2026-06-30"])
    text = capsys.readouterr().out
    assert rc == 0, text
    assert "渝北经信发〔2026〕1号" in text
    folder = out / ROOT_NAME
    assert (folder / "推荐函.docx").is_file() and (out / f"{ROOT_NAME}.zip").is_file()

    assert main(["verify-package", str(folder)]) == 0
    assert "完整" in capsys.readouterr().out
    assert main(["verify-package", str(out / f"{ROOT_NAME}.zip")]) == 0
    capsys.readouterr()

    (folder / "多余.txt").write_text("x", encoding="utf-8")
    os.chmod(folder / "推荐汇总表.xlsx", 0o644)
    (folder / "推荐汇总表.xlsx").unlink()
    assert main(["verify-package", str(folder)]) == 1
    text = capsys.readouterr().out
    assert "缺少：推荐汇总表.xlsx" in text and "多出：多余.txt" in text

    # a second export of the same year refuses to overwrite, and the number is not used up
    rc = main(["--data-dir", str(data_dir), "export-package", "--year", "2026", "--batch", str(batch_id),
               "--out", str(out)])
    assert rc == 1
    assert "已有" in capsys.readouterr().err


def test_cli_lists_blockers_and_exits_non_zero(db, tmp_path, capsys):
    from desktop.app import main

    make_batch(db, tmp_path, names=NAMES[:1], skip_item="pledge")
    data_dir = db.data_dir
    db.close()
    rc = main(["--data-dir", str(data_dir), "export-package", "--year", "2026", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert rc == 1
    assert "缺少必交材料“承诺书”" in err
    assert not (tmp_path / "o" / ROOT_NAME).exists()


def test_cli_with_an_unknown_year_says_so(db, capsys):
    from desktop.app import main

    data_dir = db.data_dir
    db.close()
    rc = main(["--data-dir", str(data_dir), "export-package", "--year", "2031", "--out", str(data_dir / "o")])
    assert rc == 2
    assert "2031年没有" in capsys.readouterr().err


@pytest.mark.slow
def test_cli_exports_the_demo_batch(tmp_path, capsys):
    """With --demo data, `export-package --year 2026` produces a package that verifies."""
    from desktop.app import main

    data_dir = tmp_path / "demo"
    out = tmp_path / "out"
    rc = main(["--data-dir", str(data_dir), "--demo", "export-package", "--year", "2026", "--out", str(out)])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    zips = list(out.glob("*.zip"))
    assert [z.name for z in zips] == [f"{ROOT_NAME}.zip"]
    assert main(["verify-package", str(zips[0])]) == 0
    with zipfile.ZipFile(zips[0]) as z:
        assert any(n.endswith("第三方评价报告_第三方评价报告.pdf") for n in z.namelist())
        assert any(n.endswith("/初审意见表.docx") for n in z.namelist())


def test_leftovers_of_a_killed_export_are_cleared_by_the_next_one(db, tmp_path):
    """A kill part-way leaves ``….tmp-xxxxxx`` temporaries, or the old package moved aside as
    ``….old-xxxxxx`` with nothing under its name: the next export removes the temporaries and
    the clerk's folder holds only the new package."""
    batch_id, _ = make_batch(db, tmp_path)
    out = tmp_path / "out"
    first = _plain_export(db, batch_id, out, make_zip=True)
    root = first.name
    # the state a kill between "old package aside" and "new package in place" leaves
    os.replace(first.folder, out / f"{root}.old-abc123")
    os.replace(first.zip_path, out / f"{root}.zip.old-abc123")
    (out / f"{root}.tmp-def456").mkdir()
    (out / f"{root}.tmp-def456" / "半个文件.docx").write_bytes(b"PK\x03")
    (out / f"{root}.zip.tmp-def456").write_bytes(b"PK\x03")
    second = _plain_export(db, batch_id, out, make_zip=True, overwrite=True)
    assert sorted(p.name for p in out.iterdir()) == sorted([root, f"{root}.zip"])
    assert verify_package(second.folder).ok
    assert verify_package(second.zip_path).ok


def test_the_clerks_opinion_is_printed_on_the_packaged_review_sheet(db, tmp_path):
    """The 审查意见 kept with the application (初审结果 page) is what the package's 初审意见表
    says, with the box of its 结论 ticked."""
    from docx import Document

    from exports.package import default_review_sheet_writer
    from models.review_service import set_review_decision

    batch_id, ids = make_batch(db, tmp_path)
    with db.uow() as uow:
        set_review_decision(uow.session, ids[0], "通过", "材料齐全，评价得分 87 分，同意推荐。")
        uow.commit()
    with db.uow() as uow:
        data = gather_batch(uow.session, batch_id, files_dir=db.files_dir)
        subject = next(s for s in data.subjects if s.application_id == ids[0])
        out = tmp_path / "sheet.docx"
        default_review_sheet_writer(uow.session)(subject, out)
    cells = [c.text for t in Document(str(out)).tables for row in t.rows for c in row.cells]
    assert any("材料齐全，评价得分 87 分，同意推荐。" in c for c in cells)
    assert any("☑ 通过，同意推荐" in c for c in cells)
