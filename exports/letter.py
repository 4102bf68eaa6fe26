"""The recommendation letter (推荐函) a district sends with a batch, in GB/T 9704-2012 layout.

Two steps, so the clerk can read and change the text before anything is written:

    draft = draft_letter(data, doc_number="渝北经信发〔2026〕12号")   # plain, editable LetterDraft
    draft.paragraphs[0] = "……"                                      # the clerk edits
    write_letter(draft, "推荐函.docx")                              # fills the Word template

``propose_letter(session, batch_id)`` does the first step from the database, proposing the
batch's document number (the one already taken for it, or the next free one, not yet taken);
``reserve_number(session, draft)`` takes the number when the letter is really issued.

The body follows the order of published county letters (domain.md, "What the district sends"):
the standard evaluated against and the self-evaluation; the bureau's preliminary finding; the
recommendation with the list of subjects; the attachments.

The layout comes from a Word template (resources/templates/推荐函.docx, made by
tools/make_templates.py) that an office may adjust in Word and save as
<数据文件夹>/templates/推荐函.docx (:func:`letter_template`).
"""
from __future__ import annotations

import copy
import datetime as dt
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from resources import resource_path

from . import docx_style as gb
from .batch_data import BatchData

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

TEMPLATE_NAME = "推荐函.docx"
ADDRESSEE = "市经济信息委："

#: the title as the letter names it, by title kind
TITLE_NAMES = {
    "city_factory": "重庆市绿色工厂",
    "city_park": "重庆市绿色园区",
    "national_factory": "国家级绿色工厂",
    "national_park": "国家级绿色工业园区",
    "supply_chain": "绿色供应链管理企业",
    "near_zero_park": "重庆市近零碳园区试点",
    "voluntary_assessment": "自愿性绿色生产水平评估",
    "design_product": "绿色设计产品",
}

#: wording that depends on whether the batch recommends enterprises or parks
_WORDING = {
    "enterprise": dict(
        noun="企业", unit="家企业", article="第七条",
        standard="《绿色工厂评价通则》（GB/T 36132）及相关行业绿色工厂评价要求",
        traits="绿色工厂",
    ),
    "park": dict(
        noun="园区", unit="个园区", article="第六条",
        standard="绿色园区评价相关标准",
        traits="绿色园区",
    ),
}
REGULATION = "《重庆市绿色园区和绿色工厂认定管理办法》（渝经信规范〔2024〕4号）"

_HEADING1 = re.compile(r"^[一二三四五六七八九十]+、")
_HEADING2 = re.compile(r"^（[一二三四五六七八九十]+）")


class LetterError(Exception):
    """The letter cannot be written; ``str()`` is a Chinese message for the clerk."""


def format_date(day: dt.date) -> str:
    """2026年6月30日: Arabic numerals, no leading zeros (GB/T 9704-2012 7.3.5.1)."""
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass
class LetterDraft:
    """Everything printed in the letter, as plain text a clerk can edit.

    ``paragraphs`` are the body paragraphs in order (a paragraph starting with 一、 is set in 黑体,
    one starting with （一） in 楷体_GB2312, up to its first 。); a ``\\n`` inside any text is a
    line break. ``attachments`` are the attachment names without numbers (they are numbered
    when written). The remaining fields are bookkeeping: which batch, and whether the document
    number has been taken (``number`` is the taken or proposed serial number).
    """

    issuing_body: str
    doc_number: str
    title: str
    addressee: str = ADDRESSEE
    paragraphs: list[str] = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)
    signer: str = ""
    date: dt.date = field(default_factory=dt.date.today)
    contact_line: str = ""
    # bookkeeping, not printed
    batch_id: int | None = None
    doc_prefix: str = ""
    number: int | None = None
    number_reserved: bool = False
    subject_names: list[str] = field(default_factory=list)

    @property
    def date_text(self) -> str:
        return format_date(self.date)

    def attachment_lines(self) -> list[str]:
        """附件：1. ×× / 2. ×× (one attachment: 附件：××, without a number; GB/T 9704 7.3.3)."""
        names = [a.strip() for a in self.attachments if a.strip()]
        if not names:
            return []
        if len(names) == 1:
            return [f"附件：{names[0]}"]
        return [("附件：" if i == 1 else "") + f"{i}. {n}" for i, n in enumerate(names, start=1)]

    @property
    def body_text(self) -> str:
        """The body as one text, paragraphs separated by blank lines (for an editor)."""
        return "\n\n".join(self.paragraphs)

    def with_body_text(self, text: str) -> "LetterDraft":
        """A copy whose body is ``text`` split at blank lines (or at single line breaks when the
        text has no blank line)."""
        text = text.replace("\r\n", "\n").strip()
        parts = re.split(r"\n\s*\n", text) if re.search(r"\n\s*\n", text) else text.split("\n")
        return replace(self, paragraphs=[p.strip() for p in parts if p.strip()])

    def to_text(self) -> str:
        """The whole letter as plain text, top to bottom (a preview)."""
        lines = [self.issuing_body, self.doc_number, "", self.title, "", self.addressee]
        lines += ["　　" + p for p in self.paragraphs]
        att = self.attachment_lines()
        if att:
            lines += [""] + ["　　" + a if a.startswith("附件") else "　　　　　" + a for a in att]
        lines += ["", "", self.signer, self.date_text]
        if self.contact_line:
            lines += ["", "　　" + self.contact_line]
        return "\n".join(lines)


# ----------------------------------------------------------------------------- drafting


def title_name(title_kind: str | None) -> str:
    return TITLE_NAMES.get(title_kind or "city_factory", "重庆市绿色工厂")


def letter_title(subject_names: list[str], year: int, title_kind: str | None, subject_kind: str) -> str:
    """关于推荐××有限公司申报2026年度重庆市绿色工厂的函 / 关于推荐××等N家企业申报…的函."""
    unit = _WORDING.get(subject_kind, _WORDING["enterprise"])["unit"]
    target = f"申报{year}年度{title_name(title_kind)}的函"
    if len(subject_names) == 1:
        return f"关于推荐{subject_names[0]}{target}"
    first = subject_names[0] if subject_names else "××"
    return f"关于推荐{first}等{len(subject_names)}{unit}{target}"


def contact_line(person: str, phone: str) -> str:
    """（联系人：李娟，联系电话：023-67821234） — the 附注 line under the date."""
    parts = []
    if person.strip():
        parts.append(f"联系人：{person.strip()}")
    if phone.strip():
        parts.append(f"联系电话：{phone.strip()}")
    return f"（{'，'.join(parts)}）" if parts else ""


def draft_letter(
    data: BatchData,
    *,
    doc_number: str | None = None,
    number: int | None = None,
    number_reserved: bool = False,
    date: dt.date | None = None,
) -> LetterDraft:
    """The program's own wording for the batch, ready to be edited.

    ``doc_number`` is the printed number; when None it is made from the office's prefix, the
    date's year and ``number`` (blank serial when ``number`` is None, for the clerk to fill).
    """
    day = date or dt.date.today()
    office = data.office
    kind = data.subject_kind
    w = _WORDING.get(kind, _WORDING["enterprise"])
    names = [s.name for s in data.subjects]
    n = len(names)
    tname = title_name(data.title_kind)
    if doc_number is None:
        serial = str(number) if number is not None else "　　"
        doc_number = f"{office.doc_prefix}〔{day.year}〕{serial}号"
    who = names[0] if n == 1 else f"{names[0]}等{n}{w['unit']}" if n else f"××{w['noun']}"
    these = f"该{w['noun']}" if n == 1 else f"上述{w['noun']}"
    paragraphs = [
        f"根据{REGULATION}和贵委关于开展{data.year}年度绿色制造名单推荐工作的有关要求，"
        f"我委组织辖区{w['noun']}开展了{data.year}年度{tname}申报工作。"
        f"{who}按照{w['standard']}开展了创建工作并完成自评价，"
        f"委托第三方评价机构开展了现场评价，并出具了评价报告。",
        f"我委对照{REGULATION.split('（')[0]}{w['article']}规定的条件，重点对绿色制造标准指标完成情况、"
        f"第三方评价报告等内容进行了评估确认，并审查了申报材料的真实性、合规性。"
        f"经初审，{these}具备{w['traits']}的基本特征，符合相关评价标准要求，申报材料真实、合规。",
    ]
    if n == 1:
        paragraphs.append(f"现推荐{names[0]}申报{data.year}年度{tname}，请予审核。")
    else:
        paragraphs.append(f"现推荐以下{n}{w['unit']}申报{data.year}年度{tname}，请予审核：")
        for i, name in enumerate(names, start=1):
            paragraphs.append(f"{i}. {name}" + ("。" if i == n else "；"))
    attachments = [
        f"{data.year}年度{tname}推荐汇总表",
        f"推荐{w['noun']}初审意见表",
        f"推荐{w['noun']}申报材料",
    ]
    return LetterDraft(
        issuing_body=office.bureau_name,
        doc_number=doc_number,
        title=letter_title(names, data.year, data.title_kind, kind),
        addressee=ADDRESSEE,
        paragraphs=paragraphs,
        attachments=attachments,
        signer=office.bureau_name,
        date=day,
        contact_line=contact_line(office.contact_person, office.contact_phone),
        batch_id=data.batch_id,
        doc_prefix=office.doc_prefix,
        number=number,
        number_reserved=number_reserved,
        subject_names=names,
    )


def propose_letter(session: "Session", batch_id: int, *, date: dt.date | None = None,
                   data: BatchData | None = None) -> LetterDraft:
    """Draft the batch's letter from the database. The number shown is the one already taken
    for this batch this year if any (``number_reserved`` True), else the next free one — only
    proposed: :func:`reserve_number` takes it."""
    from models.documents import format_doc_number, latest_for_batch, next_free_number

    from .batch_data import gather_batch

    data = data or gather_batch(session, batch_id)
    day = date or dt.date.today()
    prefix = data.office.doc_prefix
    taken = latest_for_batch(session, batch_id)
    if taken is not None and taken.prefix == prefix and taken.year == day.year:
        return draft_letter(data, doc_number=taken.doc_number, number=taken.number,
                            number_reserved=True, date=day)
    if not prefix:
        return draft_letter(data, date=day)
    n = next_free_number(session, prefix, day.year)
    return draft_letter(data, doc_number=format_doc_number(prefix, day.year, n), number=n, date=day)


def reserve_number(session: "Session", draft: LetterDraft, *, number: int | None = None) -> LetterDraft:
    """Take the draft's document number (flushed into ``issued_document``; the caller commits).

    A draft whose number is already taken is returned unchanged unless ``number`` asks for
    another. When the proposed number was taken meanwhile, the next free one is taken and the
    printed number follows."""
    from models.documents import allocate_number, format_doc_number, next_free_number

    if draft.number_reserved and number is None:
        return draft
    prefix = draft.doc_prefix
    year = draft.date.year
    wanted = number
    if wanted is None and draft.number is not None and draft.number >= next_free_number(session, prefix, year):
        wanted = draft.number
    doc = allocate_number(session, prefix, year, title=draft.title, batch_id=draft.batch_id,
                          issued_on=draft.date, number=wanted)
    return replace(draft, number=doc.number, number_reserved=True,
                   doc_number=format_doc_number(prefix, year, doc.number))


# ----------------------------------------------------------------------------- writing


def letter_template(data_dir: Path | None = None) -> Path:
    """The office's own template (<数据文件夹>/templates/推荐函.docx) if there is one, else the
    one shipped with the program."""
    if data_dir is not None:
        own = Path(data_dir) / "templates" / TEMPLATE_NAME
        if own.is_file():
            return own
    return resource_path("templates", TEMPLATE_NAME)


def _paragraph_text(p) -> str:
    return "".join(t.text or "" for t in p.iter(qn("w:t")))


def _first_rpr(p):
    for r in p.iter(qn("w:r")):
        if r.find(qn("w:t")) is not None:
            rpr = r.find(qn("w:rPr"))
            return copy.deepcopy(rpr) if rpr is not None else None
    return None


def _make_run(text: str, rpr) -> list:
    """w:r elements for ``text``; ``\\n`` becomes a line break."""
    r = OxmlElement("w:r")
    if rpr is not None:
        r.append(copy.deepcopy(rpr))
    for i, line in enumerate(text.split("\n")):
        if i:
            r.append(OxmlElement("w:br"))
        t = OxmlElement("w:t")
        t.set(qn("xml:space"), "preserve")
        t.text = line
        r.append(t)
    return [r]


def _clone_paragraph(template_p, text: str, *, rpr=None, runs: list[tuple[str, str | None]] | None = None):
    """A paragraph with the placeholder's paragraph properties and ``text`` (or ``runs`` of
    (text, font override))."""
    p = copy.deepcopy(template_p)
    for child in list(p):
        if child.tag != qn("w:pPr"):
            p.remove(child)
    base_rpr = rpr if rpr is not None else _first_rpr(template_p)
    for chunk, font in (runs or [(text, None)]):
        chunk_rpr = copy.deepcopy(base_rpr) if base_rpr is not None else OxmlElement("w:rPr")
        if font:
            gb.set_fonts(chunk_rpr, font)
        for r in _make_run(chunk, chunk_rpr if len(chunk_rpr) or font else None):
            p.append(r)
    return p


def _style_id(document, name: str) -> str | None:
    for st in document.styles:
        if st.name == name:
            return st.style_id
    return None


def _set_style(p, style_id: str | None) -> None:
    if not style_id:
        return
    ppr = p.find(qn("w:pPr"))
    if ppr is None:
        ppr = OxmlElement("w:pPr")
        p.insert(0, ppr)
    ps = ppr.find(qn("w:pStyle"))
    if ps is None:
        ps = OxmlElement("w:pStyle")
        ppr.insert(0, ps)
    ps.set(qn("w:val"), style_id)


def _body_paragraph(template_p, text: str, heading_styles: dict[str, str | None]):
    """A body paragraph; 一、… in 黑体 and （一）… in 楷体_GB2312 up to the first 。, with the
    template's heading style (公文一级标题 / 公文二级标题) when it has one."""
    for pattern, style_name, font in (
        (_HEADING1, "公文一级标题", gb.FONT_HEADING1),
        (_HEADING2, "公文二级标题", gb.FONT_HEADING2),
    ):
        if pattern.match(text):
            head, sep, rest = text.partition("。")
            runs = [(head + sep, font)] + ([(rest, None)] if rest else [])
            p = _clone_paragraph(template_p, text, runs=runs)
            _set_style(p, heading_styles.get(style_name))
            return p
    return _clone_paragraph(template_p, text)


def _fit_mark(p, text: str) -> None:
    """Shrink the issuing-body mark so it stays on one line of the 156 mm text area."""
    width = gb.char_width(text)
    if width <= 0:
        return
    max_pt = int((156 / 25.4 * 72) / width)  # points per character that still fit
    for r in p.iter(qn("w:r")):
        rpr = r.find(qn("w:rPr"))
        sz = rpr.find(qn("w:sz")) if rpr is not None else None
        current = int(sz.get(qn("w:val"))) / 2 if sz is not None else None
        if current is None or current > max_pt:
            if rpr is None:
                rpr = OxmlElement("w:rPr")
                r.insert(0, rpr)
            for tag in ("w:sz", "w:szCs"):
                el = rpr.find(qn(tag))
                if el is None:
                    el = OxmlElement(tag)
                    rpr.append(el)
                el.set(qn("w:val"), str(max_pt * 2))
            gb._sort_rpr(rpr)


def _split_title(title: str) -> str:
    """A title wider than one line (20 characters of 二号) breaks before 申报 when both halves
    fit, so the two lines read as whole phrases (GB/T 9704 7.3.1: 回行时词意完整)."""
    if "\n" in title or gb.char_width(title) <= 20:
        return title
    i = title.rfind("申报")
    if 0 < i and gb.char_width(title[:i]) <= 20 and gb.char_width(title[i:]) <= 20:
        return title[:i] + "\n" + title[i:]
    return title


def write_letter(draft: LetterDraft, path: Path | str, *, template: Path | str | None = None) -> Path:
    """Write the letter as .docx from the template (see the module doc). Returns the path."""
    import docx

    template = Path(template) if template else letter_template()
    if not template.is_file():
        raise LetterError(f"找不到推荐函模板 {template}。请重新安装程序，或把模板放到数据文件夹的 templates 目录。")
    document = docx.Document(str(template))
    body = document.element.body
    places = {}
    for p in body.iterchildren(qn("w:p")):
        m = re.fullmatch(r"\s*\{\{\s*(\S+?)\s*\}\}\s*", _paragraph_text(p))
        if m:
            places[m.group(1)] = p
    for required in ("标题", "正文"):
        if required not in places:
            raise LetterError(
                f"推荐函模板 {template} 中缺少占位符 {{{{{required}}}}}。请在模板中恢复该段落（单独一段），或删除自定义模板。"
            )
    heading_styles = {n: _style_id(document, n) for n in ("公文一级标题", "公文二级标题")}

    def fill(key: str, paragraphs: list) -> None:
        p = places.get(key)
        if p is None:
            return
        for new in paragraphs:
            p.addprevious(new)
        p.getparent().remove(p)

    def simple(key: str, text: str):
        p = places.get(key)
        return [_clone_paragraph(p, text)] if p is not None and text.strip() else []

    mark = simple("发文机关标志", draft.issuing_body)
    for p in mark:
        _fit_mark(p, draft.issuing_body)
    fill("发文机关标志", mark)
    fill("发文字号", simple("发文字号", draft.doc_number))
    fill("标题", simple("标题", _split_title(draft.title)))
    fill("主送机关", simple("主送机关", draft.addressee))
    body_p = places["正文"]
    new_body = []
    for text in draft.paragraphs:
        if text.strip():
            new_body.append(_body_paragraph(body_p, text.strip(), heading_styles))
    fill("正文", new_body)
    att = places.get("附件说明")
    if att is not None:
        lines = draft.attachment_lines()
        new_att = [_clone_paragraph(att, line) for line in lines]
        for p in new_att[1:]:
            # later lines align with the first attachment name, after 附件：
            gb.set_indent_chars(p.get_or_add_pPr(), left=5, hanging=0)
        fill("附件说明", new_att)
    signer = simple("发文机关署名", draft.signer)
    for p in signer:
        # the signature is centred over the date, which sits 4 characters from the right
        right = 4 + (gb.char_width(draft.date_text) - gb.char_width(draft.signer)) / 2
        gb.set_indent_chars(p.get_or_add_pPr(), right=max(0.0, right))
    fill("发文机关署名", signer)
    fill("成文日期", simple("成文日期", draft.date_text))
    fill("附注", simple("附注", draft.contact_line))

    props = document.core_properties
    props.title = draft.title
    props.author = draft.signer or draft.issuing_body
    props.subject = draft.doc_number
    props.keywords = "推荐函"
    props.comments = ""
    now = dt.datetime.now().replace(microsecond=0)
    props.created = now
    props.modified = now
    props.last_modified_by = draft.signer or ""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path
