"""The recommendation letter (推荐函) in GB/T 9704-2012 layout (issue 4, items 2–3): the written
.docx is opened and checked as a clerk would check it — paper and margins, fonts including the
East Asian font, sizes, the document number, the addressee, the subjects, the date, the page
numbers — and document numbers are never reused."""
from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import replace
from pathlib import Path

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from exports.batch_data import BatchData, OfficeInfo, SubjectData
from exports.letter import (
    LetterDraft,
    LetterError,
    draft_letter,
    letter_template,
    propose_letter,
    reserve_number,
    write_letter,
)
from models.documents import DocumentNumberError, allocate_number, next_free_number
from models.entities import Application, Batch, Enterprise, IssuedDocument
from models.office import save_profile
from models.stages import Stage, SubjectKind, TitleKind

DAY = dt.date(2026, 6, 30)
OFFICE = OfficeInfo("500112", "渝北区", "重庆市渝北区经济和信息化委员会", "渝北经信发", "张明", "李娟", "023-67821234")
NAMES = ["重庆甲汽车零部件有限公司", "重庆乙电子科技有限公司", "重庆丙食品股份有限公司"]


def _data(names=NAMES, kind="enterprise", title=TitleKind.CITY_FACTORY.value) -> BatchData:
    subjects = tuple(
        SubjectData(application_id=i, subject_kind=kind, title_kind=title, name=n,
                    credit_code=f"91500112MA5U00000{i}", district_code="500112", district_name="渝北区")
        for i, n in enumerate(names, start=1)
    )
    return BatchData(batch_id=7, year=2026, name="2026年度市级绿色工厂推荐", title_kind=title,
                     office=OFFICE, subjects=subjects)


def _fonts(rpr) -> dict[str, str]:
    f = rpr.find(qn("w:rFonts"))
    return {k: f.get(qn(f"w:{k}")) for k in ("ascii", "hAnsi", "eastAsia")} if f is not None else {}


def _size_pt(rpr) -> float | None:
    sz = rpr.find(qn("w:sz")) if rpr is not None else None
    return int(sz.get(qn("w:val"))) / 2 if sz is not None else None


def _style_rpr(document, style_id: str):
    for st in document.styles.element.iterchildren(qn("w:style")):
        if st.get(qn("w:styleId")) == style_id:
            return st.find(qn("w:rPr"))
    raise KeyError(style_id)


def _para(document, text_start: str):
    for p in document.paragraphs:
        if p.text.startswith(text_start):
            return p
    raise AssertionError(f"no paragraph starting with {text_start!r}: {[p.text for p in document.paragraphs]}")


def _effective_font(document, p) -> tuple[dict[str, str], float | None]:
    """The fonts and size a run in ``p`` ends up with: run, then paragraph style, then Normal."""
    run = p.runs[0]._r
    rpr = run.find(qn("w:rPr"))
    fonts = _fonts(rpr) if rpr is not None else {}
    size = _size_pt(rpr)
    style_id = p._p.pPr.pStyle.val if p._p.pPr is not None and p._p.pPr.pStyle is not None else "Normal"
    srpr = _style_rpr(document, style_id)
    return fonts or _fonts(srpr), size or _size_pt(srpr)


# ----------------------------------------------------------------------------- the wording


def test_title_names_one_subject_or_the_first_and_the_count():
    one = draft_letter(_data(NAMES[:1]), date=DAY)
    assert one.title == "关于推荐重庆甲汽车零部件有限公司申报2026年度重庆市绿色工厂的函"
    many = draft_letter(_data(), date=DAY)
    assert many.title == "关于推荐重庆甲汽车零部件有限公司等3家企业申报2026年度重庆市绿色工厂的函"
    parks = draft_letter(_data(["重庆空港工业园区", "重庆巴南经济园区"], kind="park",
                               title=TitleKind.CITY_PARK.value), date=DAY)
    assert parks.title == "关于推荐重庆空港工业园区等2个园区申报2026年度重庆市绿色园区的函"


def test_body_follows_the_published_order_and_lists_every_subject():
    d = draft_letter(_data(), date=DAY, number=12)
    assert d.doc_number == "渝北经信发〔2026〕12号"
    assert d.addressee == "市经济信息委："
    text = "\n".join(d.paragraphs)
    # the standard and the self-evaluation, then the finding, then the recommendation
    i_std = text.index("GB/T 36132")
    i_self = text.index("自评价")
    i_find = text.index("经初审")
    i_rec = text.index("现推荐以下3家企业")
    assert i_std < i_find < i_rec and i_self < i_find
    listed = [p for p in d.paragraphs if p[:2] in ("1.", "2.", "3.")]
    assert [p.split(" ", 1)[1].rstrip("；。") for p in listed] == NAMES
    assert d.attachment_lines() == [
        "附件：1. 2026年度重庆市绿色工厂推荐汇总表", "2. 推荐企业初审意见表", "3. 推荐企业申报材料",
    ]
    assert d.signer == "重庆市渝北区经济和信息化委员会"
    assert d.date_text == "2026年6月30日"
    assert d.contact_line == "（联系人：李娟，联系电话：023-67821234）"


def test_a_single_attachment_has_no_number():
    d = replace(draft_letter(_data(), date=DAY), attachments=["推荐汇总表"])
    assert d.attachment_lines() == ["附件：推荐汇总表"]


def test_body_text_round_trips_through_an_editor():
    d = draft_letter(_data(), date=DAY)
    edited = d.with_body_text(d.body_text.replace("请予审核", "请予审定"))
    assert edited.paragraphs[2].endswith("请予审定：")
    assert len(edited.paragraphs) == len(d.paragraphs)
    assert "市经济信息委：" in d.to_text() and NAMES[2] in d.to_text()


# ----------------------------------------------------------------------------- the written file


@pytest.fixture
def written(tmp_path: Path) -> tuple[LetterDraft, docx.document.Document, Path]:
    d = draft_letter(_data(), date=DAY, number=12)
    path = write_letter(d, tmp_path / "推荐函.docx")
    return d, docx.Document(str(path)), path


def test_page_is_a4_with_the_gbt9704_margins(written):
    _d, document, _p = written
    s = document.sections[0]
    assert abs(s.page_width - Mm(210)) < Mm(0.1) and abs(s.page_height - Mm(297)) < Mm(0.1)
    assert abs(s.top_margin - Mm(37)) < Mm(0.1)
    assert abs(s.bottom_margin - Mm(35)) < Mm(0.1)
    assert abs(s.left_margin - Mm(28)) < Mm(0.1)
    assert abs(s.right_margin - Mm(26)) < Mm(0.1)


def test_22_lines_of_28_characters(written):
    _d, document, _p = written
    grid = document.sections[0]._sectPr.find(qn("w:docGrid"))
    pitch = int(grid.get(qn("w:linePitch")))
    text_height_pt = (297 - 37 - 35) / 25.4 * 72
    assert int(text_height_pt * 20 // pitch) == 22  # 22 lines fit, a 23rd does not
    body = _para(document, "根据")
    # exact line spacing of the same pitch, for programs that ignore the grid
    assert body.style.paragraph_format.line_spacing == Pt(pitch / 20)
    assert body.style.paragraph_format.line_spacing_rule == 4  # WD_LINE_SPACING.EXACTLY
    # 28 characters of 16 pt with the style's character spacing fill the 156 mm line, 29 do not
    spacing = _style_rpr(document, "Normal").find(qn("w:spacing"))
    per_char = 16 + int(spacing.get(qn("w:val"))) / 20
    width_pt = 156 / 25.4 * 72
    assert 28 * per_char <= width_pt < 29 * per_char


def test_body_is_sanhao_fangsong_with_the_east_asian_font(written):
    _d, document, _p = written
    fonts, size = _effective_font(document, _para(document, "根据"))
    assert fonts["eastAsia"] == "仿宋_GB2312"
    assert size == 16
    normal = _fonts(_style_rpr(document, "Normal"))
    assert normal["eastAsia"] == "仿宋_GB2312"


def test_title_is_erhao_xiaobiaosong_and_centred(written):
    d, document, _p = written
    title = _para(document, "关于推荐")
    assert title.text.replace("\n", "") == d.title
    fonts, size = _effective_font(document, title)
    assert fonts["eastAsia"] == "方正小标宋简体"
    assert size == 22
    assert title.paragraph_format.alignment is None  # not overridden: the style's centring applies
    assert title.style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER


def test_issuing_body_mark_is_red_xiaobiaosong_with_the_red_line(written):
    _d, document, _p = written
    mark = document.paragraphs[0]
    assert mark.text == "重庆市渝北区经济和信息化委员会"
    fonts, _size = _effective_font(document, mark)
    assert fonts["eastAsia"] == "方正小标宋简体"
    srpr = _style_rpr(document, "GDMark")
    assert srpr.find(qn("w:color")).get(qn("w:val")) == "FF0000"
    border = mark._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert border.get(qn("w:color")) == "FF0000"


def test_document_number_addressee_subjects_date_and_contact(written):
    _d, document, _p = written
    texts = [p.text for p in document.paragraphs]
    assert "渝北经信发〔2026〕12号" in texts
    assert "市经济信息委：" in texts
    for i, n in enumerate(NAMES, start=1):
        assert any(t.startswith(f"{i}. {n}") for t in texts), n
    assert "附件：1. 2026年度重庆市绿色工厂推荐汇总表" in texts
    date = _para(document, "2026年6月30日")
    ind = date.style.element.pPr.find(qn("w:ind"))
    assert ind.get(qn("w:rightChars")) == "400"  # 4 characters from the right
    assert "（联系人：李娟，联系电话：023-67821234）" in texts
    # no placeholder left behind
    assert not any("{{" in t for t in texts)
    # the signature sits above the date
    assert texts.index("重庆市渝北区经济和信息化委员会", 1) == texts.index("2026年6月30日") - 1


def test_page_numbers_are_dashes_in_sihao_songti_odd_right_even_left(written):
    _d, document, _p = written
    assert document.settings.odd_and_even_pages_header_footer
    s = document.sections[0]
    for footer, align in ((s.footer, "right"), (s.even_page_footer, "left")):
        p = footer.paragraphs[0]
        assert p._p.pPr.find(qn("w:jc")).get(qn("w:val")) == align
        assert "PAGE" in "".join(t.text for t in p._p.iter(qn("w:instrText")))
        assert p.text.startswith("— ") and p.text.endswith(" —")
        for r in p.runs:
            rpr = r._r.find(qn("w:rPr"))
            assert _fonts(rpr)["eastAsia"] == "宋体"
            assert _size_pt(rpr) == 14


def test_headings_use_heiti_and_kaiti(tmp_path):
    d = draft_letter(_data(), date=DAY)
    d = replace(d, paragraphs=["一、基本情况。我区共有3家企业申报。", "（一）创建情况。各企业均已完成自评价。", "正文。"])
    document = docx.Document(str(write_letter(d, tmp_path / "l.docx")))
    h1 = _para(document, "一、")
    assert _fonts(h1.runs[0]._r.find(qn("w:rPr")))["eastAsia"] == "黑体"
    assert h1.runs[0].text == "一、基本情况。"
    assert h1.style.name == "公文一级标题"
    h2 = _para(document, "（一）")
    assert _fonts(h2.runs[0]._r.find(qn("w:rPr")))["eastAsia"] == "楷体_GB2312"
    assert h2.style.name == "公文二级标题"


def test_the_clerks_edits_are_what_is_printed(tmp_path):
    d = draft_letter(_data(), date=DAY, number=3)
    d = replace(d, title="关于推荐三家企业申报绿色工厂的函", paragraphs=["按贵委通知要求，现推荐如下。"],
                contact_line="（联系人：王强，联系电话：13800000000）")
    texts = [p.text for p in docx.Document(str(write_letter(d, tmp_path / "x.docx"))).paragraphs]
    assert "关于推荐三家企业申报绿色工厂的函" in texts
    assert "按贵委通知要求，现推荐如下。" in texts
    assert not any("经初审" in t for t in texts)
    assert "（联系人：王强，联系电话：13800000000）" in texts


def test_a_long_issuing_body_is_shrunk_to_one_line(tmp_path):
    long_name = "重庆市彭水苗族土家族自治县经济和信息化委员会"
    d = replace(draft_letter(_data(), date=DAY), issuing_body=long_name)
    mark = docx.Document(str(write_letter(d, tmp_path / "m.docx"))).paragraphs[0]
    size = _size_pt(mark.runs[0]._r.find(qn("w:rPr")))
    assert size is not None and size * len(long_name) <= 156 / 25.4 * 72


def test_an_office_template_in_the_data_folder_is_used(tmp_path):
    data_dir = tmp_path / "data"
    own = data_dir / "templates" / "推荐函.docx"
    own.parent.mkdir(parents=True)
    shutil.copyfile(letter_template(), own)
    assert letter_template(data_dir) == own
    assert letter_template(tmp_path / "elsewhere") != own


def test_a_template_without_the_body_placeholder_is_refused(tmp_path):
    broken = tmp_path / "bad.docx"
    document = docx.Document(str(letter_template()))
    for p in document.paragraphs:
        if p.text == "{{正文}}":
            p.text = "正文"
    document.save(str(broken))
    with pytest.raises(LetterError, match="正文"):
        write_letter(draft_letter(_data(), date=DAY), tmp_path / "out.docx", template=broken)


# ----------------------------------------------------------------------------- document numbers


def _batch_with_apps(db, n=2) -> int:
    with db.uow() as uow:
        s = uow.session
        save_profile(s, {"district_code": "500112", "district_name": "渝北区",
                         "bureau_name": "重庆市渝北区经济和信息化委员会", "doc_prefix": "渝北经信发",
                         "contact_person": "李娟", "contact_phone": "023-67821234"})
        b = Batch(year=2026, name="2026年度市级绿色工厂推荐", title_kind=TitleKind.CITY_FACTORY)
        s.add(b)
        s.flush()
        for i in range(n):
            e = Enterprise(name=f"重庆测试{i}号有限公司", credit_code=f"91500112MA5U0000{i:02d}", district_code="500112")
            s.add(e)
            s.flush()
            s.add(Application(year=2026, title_kind=TitleKind.CITY_FACTORY, subject_kind=SubjectKind.ENTERPRISE,
                              enterprise_id=e.id, stage=Stage.RECOMMENDED, batch_id=b.id, review_outcome="通过"))
        uow.commit()
        return b.id


def test_numbers_are_taken_in_order_and_never_reused(db):
    batch_id = _batch_with_apps(db)
    with db.uow() as uow:
        s = uow.session
        d = propose_letter(s, batch_id, date=DAY)
        assert d.doc_number == "渝北经信发〔2026〕1号" and not d.number_reserved
        taken = reserve_number(s, d)
        assert taken.doc_number == "渝北经信发〔2026〕1号" and taken.number_reserved
        uow.commit()
    with db.uow() as uow:
        s = uow.session
        # the same batch's letter keeps its number when drafted again
        again = propose_letter(s, batch_id, date=DAY)
        assert again.doc_number == "渝北经信发〔2026〕1号" and again.number_reserved
        # a new number for it (the first letter discarded): 2, and 1 stays used
        fresh = reserve_number(s, again, number=next_free_number(s, "渝北经信发", 2026))
        assert fresh.doc_number == "渝北经信发〔2026〕2号"
        uow.commit()
    with db.uow() as uow:
        s = uow.session
        rows = s.query(IssuedDocument).order_by(IssuedDocument.number).all()
        assert [(r.number, r.batch_id) for r in rows] == [(1, batch_id), (2, batch_id)]
        assert rows[0].user == "测试员"
        assert next_free_number(s, "渝北经信发", 2026) == 3
        assert next_free_number(s, "渝北经信发", 2027) == 1  # a new year starts at 1
        assert next_free_number(s, "渝北经信函", 2026) == 1  # another series is separate


def test_a_taken_number_cannot_be_taken_again(db):
    with db.uow() as uow:
        s = uow.session
        allocate_number(s, "渝北经信发", 2026, number=12, title="其他发文")
        with pytest.raises(DocumentNumberError, match="已经使用过") as err:
            allocate_number(s, "渝北经信发", 2026, number=12)
        assert "下一个可用的序号是 13" in str(err.value)
        assert allocate_number(s, "渝北经信发", 2026).number == 13
        with pytest.raises(DocumentNumberError, match="前缀"):
            allocate_number(s, "", 2026)


def test_a_proposed_number_taken_meanwhile_moves_on(db):
    batch_id = _batch_with_apps(db)
    with db.uow() as uow:
        s = uow.session
        d = propose_letter(s, batch_id, date=DAY)
        assert d.number == 1
        allocate_number(s, "渝北经信发", 2026, title="另一份发文")  # someone else takes 1
        taken = reserve_number(s, d)
        assert taken.doc_number == "渝北经信发〔2026〕2号"
