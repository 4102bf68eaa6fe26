"""Receiving materials against the checklist in a real database: what is recorded, what is
refused (and that nothing else changes), accepting and returning, the checklist's states."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from forms.materials import attach_file, checklist_status
from models.demo_review import make_pdf
from models.entities import Enterprise
from models.pipeline import create_application
from models.review import Material, MaterialStatus
from models.review_service import ReviewError, delete_material, material_path, set_material_status
from models.stages import Stage, TitleKind

from .review_fixtures import good_code, pdf_file


@pytest.fixture
def app_id(db):
    with db.uow() as uow:
        ent = Enterprise(name="重庆绿源机械有限公司", credit_code=good_code(), district_code="500112", industry_code="34")
        uow.session.add(ent)
        app = create_application(uow.session, year=2026, title_kind=TitleKind.CITY_FACTORY, enterprise=ent,
                                 stage=Stage.APPLIED)
        uow.commit()
        return app.id


def materials(db) -> list:
    """The stored material rows as plain records (readable after the unit of work closed)."""
    with db.uow() as uow:
        return [_Row(**{c.key: getattr(m, c.key) for c in Material.__table__.columns})
                for m in uow.session.scalars(select(Material))]


class _Row:
    def __init__(self, **kw):
        self.__dict__.update(kw)


def store_files(db) -> list:
    return [p for p in db.files_dir.rglob("*") if p.is_file()] if db.files_dir.exists() else []


def test_attach_records_name_size_type_pages_date_and_who(db, app_id, tmp_path):
    src = pdf_file(tmp_path / "收件", "自评价报告.pdf", pages=3)
    with db.uow() as uow:
        res = attach_file(uow.session, db.files_dir, app_id, "self_evaluation", src, received_on=dt.date(2026, 5, 6))
        uow.commit()
    assert res.ok and res.warnings == []
    [m] = materials(db)
    assert (m.original_name, m.size, m.file_type, m.page_count) == ("自评价报告.pdf", src.stat().st_size, "pdf", 3)
    assert (m.received_on, m.received_by, m.status) == (dt.date(2026, 5, 6), "测试员", MaterialStatus.RECEIVED)
    assert (db.files_dir / m.sha256[:2] / m.sha256).read_bytes() == src.read_bytes()
    assert src.exists()  # the original stays where it was


@pytest.mark.parametrize(("name", "data", "words"), [
    ("承诺书.pdf", b"", "是空文件（0 字节）"),
    ("第三方评价报告.pdf", b"MZ\x90\x00" + bytes(300), "扩展名与内容不符"),
])
def test_bad_file_is_refused_and_nothing_changes(db, app_id, tmp_path, name, data, words):
    src = tmp_path / name
    src.write_bytes(data)
    with db.uow() as uow:
        res = attach_file(uow.session, db.files_dir, app_id, "pledge", src)
        uow.commit()
    assert not res.ok and f"「{name}」" in res.error and words in res.error
    assert materials(db) == []
    assert store_files(db) == []


def test_corrupt_pdf_is_recorded_with_its_problem_and_a_warning(db, app_id, tmp_path):
    src = tmp_path / "申报书.pdf"
    src.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R")
    with db.uow() as uow:
        res = attach_file(uow.session, db.files_dir, app_id, "application_form", src)
        uow.commit()
    assert res.ok
    assert "「申报书.pdf」无法作为 PDF 打开" in res.warnings[0] and "退回补正" in res.warnings[0]
    [m] = materials(db)
    assert m.read_error.startswith("「申报书.pdf」无法作为 PDF 打开") and m.page_count is None


def test_same_file_twice_is_recorded_once(db, app_id, tmp_path):
    src = pdf_file(tmp_path, "营业执照.pdf")
    with db.uow() as uow:
        first = attach_file(uow.session, db.files_dir, app_id, "business_license", src)
        again = attach_file(uow.session, db.files_dir, app_id, "business_license", src)
        uow.commit()
    assert again.duplicate and again.material.id == first.material.id
    assert "内容相同，未重复收录" in again.warnings[0]
    assert len(materials(db)) == 1


def test_unexpected_type_for_the_item_is_warned(db, app_id, tmp_path):
    src = tmp_path / "承诺书.docx"
    from docx import Document

    d = Document()
    d.add_paragraph("承诺")
    d.save(str(src))
    with db.uow() as uow:
        res = attach_file(uow.session, db.files_dir, app_id, "pledge", src)
        uow.commit()
    assert res.ok and res.material.file_type == "docx"
    assert any("通常应为 PDF、JPG、PNG" in w for w in res.warnings)


def test_returning_needs_a_reason_and_keeps_it(db, app_id, tmp_path):
    with db.uow() as uow:
        mid = attach_file(uow.session, db.files_dir, app_id, "pledge", pdf_file(tmp_path, "承诺书.pdf")).material.id
        uow.commit()
    with db.uow() as uow:
        with pytest.raises(ReviewError, match="必须填写原因"):
            set_material_status(uow.session, mid, MaterialStatus.RETURNED, reason=" ")
        set_material_status(uow.session, mid, MaterialStatus.RETURNED, reason="未加盖公章", user="王强")
        uow.commit()
    [m] = materials(db)
    assert (m.status, m.status_reason, m.status_by) == (MaterialStatus.RETURNED, "未加盖公章", "王强")


def test_checklist_shows_each_item_with_its_state(db, app_id, tmp_path):
    with db.uow() as uow:
        s = uow.session
        acc = attach_file(s, db.files_dir, app_id, "self_evaluation", pdf_file(tmp_path, "自评.pdf")).material
        set_material_status(s, acc.id, MaterialStatus.ACCEPTED)
        attach_file(s, db.files_dir, app_id, "pledge", pdf_file(tmp_path, "承诺书.pdf"))
        ret = attach_file(s, db.files_dir, app_id, "business_license", pdf_file(tmp_path, "执照.pdf")).material
        set_material_status(s, ret.id, MaterialStatus.RETURNED, reason="模糊")
        attach_file(s, db.files_dir, app_id, "old_key", pdf_file(tmp_path, "其他.pdf"))
        uow.commit()
    with db.uow() as uow:
        rows = checklist_status(uow.session, app_id, files_dir=db.files_dir)
    by_key = {r.key: r for r in rows}
    assert by_key["self_evaluation"].state_label == "已接收"
    assert by_key["pledge"].state_label == "待审核"
    assert by_key["business_license"].state_label == "退回补正"
    assert by_key["application_form"].state_label == "未收到" and by_key["application_form"].required
    assert by_key["evidence"].state_label == "（选交）未收到"
    assert rows[-1].label == "其他（old_key）"
    assert [r.key for r in rows[:3]] == ["application_form", "self_evaluation", "third_party_report"]


def test_a_stored_file_gone_missing_shows_in_the_checklist(db, app_id, tmp_path):
    with db.uow() as uow:
        m = attach_file(uow.session, db.files_dir, app_id, "pledge", pdf_file(tmp_path, "承诺书.pdf")).material
        path = material_path(db.files_dir, m)
        uow.commit()
    path.unlink()
    with db.uow() as uow:
        row = next(r for r in checklist_status(uow.session, app_id, files_dir=db.files_dir) if r.key == "pledge")
    assert row.state == "broken"
    assert row.materials[0].problem == "「承诺书.pdf」的存档文件已丢失。"


def test_deleting_a_material_keeps_the_stored_file(db, app_id, tmp_path):
    with db.uow() as uow:
        m = attach_file(uow.session, db.files_dir, app_id, "pledge", pdf_file(tmp_path, "承诺书.pdf")).material
        uow.commit()
    with db.uow() as uow:
        delete_material(uow.session, m.id)
        uow.commit()
    with db.uow() as uow:
        live = uow.session.scalar(select(func.count()).select_from(Material).where(Material.deleted_at.is_(None)))
        assert live == 0
        assert checklist_status(uow.session, app_id)[4].materials == ()
    assert material_path(db.files_dir, m).exists()


def test_unknown_application_is_named(db, tmp_path):
    with db.uow() as uow:
        res = attach_file(uow.session, db.files_dir, 4242, "pledge", pdf_file(tmp_path, "承诺书.pdf", pages=1))
    assert res.error == "申报（编号 4242）不存在或已删除，文件「承诺书.pdf」未收录。"


def test_pdf_maker_writes_what_pypdf_reads(tmp_path):
    from pypdf import PdfReader

    p = tmp_path / "x.pdf"
    p.write_bytes(make_pdf([["one"], ["two"]]))
    r = PdfReader(str(p), strict=True)
    assert len(r.pages) == 2 and "two" in r.pages[1].extract_text()
