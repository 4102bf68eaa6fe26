"""Build the Word templates under resources/templates/ (run again after changing this script):

    /tmp/venv/bin/python tools/make_templates.py

resources/templates/推荐函.docx is the recommendation letter in GB/T 9704-2012 layout. It is an
ordinary Word file: an office may open it in Word or WPS, change fonts, spacing or the fixed
wording around the placeholders, save it as <数据文件夹>/templates/推荐函.docx, and the program
uses that copy instead (exports/letter.py, ``letter_template``).

Each placeholder is a paragraph of its own whose whole text is ``{{名称}}``; the program replaces
it with one or more paragraphs that keep the placeholder's paragraph style and the formatting of
its first run. The placeholders:

    {{发文机关标志}} {{发文字号}} {{标题}} {{主送机关}} {{正文}} {{附件说明}}
    {{发文机关署名}} {{成文日期}} {{附注}}

Paragraph styles (Chinese names, as Word shows them): 公文发文机关标志, 公文发文字号, 公文标题,
公文主送机关, 公文正文, 公文一级标题 (黑体), 公文二级标题 (楷体_GB2312), 公文附件说明, 公文署名,
公文成文日期, 公文附注.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import docx  # noqa: E402
from docx.enum.style import WD_STYLE_TYPE  # noqa: E402
from docx.enum.text import WD_ALIGN_PARAGRAPH  # noqa: E402
from docx.oxml import OxmlElement  # noqa: E402
from docx.oxml.ns import qn  # noqa: E402
from docx.shared import Pt  # noqa: E402

from exports import docx_style as gb  # noqa: E402

OUT = ROOT / "resources" / "templates" / "推荐函.docx"

#: (style id, Chinese name, font, size, alignment, indents in characters, extra)
STYLES = [
    ("GDMark", "公文发文机关标志", gb.FONT_TITLE, Pt(30), WD_ALIGN_PARAGRAPH.CENTER, {}, {"red": True, "auto": True}),
    ("GDDocNumber", "公文发文字号", gb.FONT_BODY, gb.SIZE_SANHAO, WD_ALIGN_PARAGRAPH.RIGHT, {}, {}),
    ("GDTitle", "公文标题", gb.FONT_TITLE, gb.SIZE_ERHAO, WD_ALIGN_PARAGRAPH.CENTER, {}, {"line": 700}),
    ("GDAddressee", "公文主送机关", gb.FONT_BODY, gb.SIZE_SANHAO, WD_ALIGN_PARAGRAPH.JUSTIFY, {}, {}),
    ("GDBody", "公文正文", gb.FONT_BODY, gb.SIZE_SANHAO, WD_ALIGN_PARAGRAPH.JUSTIFY, {"first_line": 2}, {}),
    ("GDHeading1", "公文一级标题", gb.FONT_HEADING1, gb.SIZE_SANHAO, WD_ALIGN_PARAGRAPH.JUSTIFY, {"first_line": 2}, {}),
    ("GDHeading2", "公文二级标题", gb.FONT_HEADING2, gb.SIZE_SANHAO, WD_ALIGN_PARAGRAPH.JUSTIFY, {"first_line": 2}, {}),
    ("GDAttachment", "公文附件说明", gb.FONT_BODY, gb.SIZE_SANHAO, WD_ALIGN_PARAGRAPH.LEFT, {"left": 5, "hanging": 3}, {}),
    ("GDSigner", "公文署名", gb.FONT_BODY, gb.SIZE_SANHAO, WD_ALIGN_PARAGRAPH.RIGHT, {}, {}),
    ("GDDate", "公文成文日期", gb.FONT_BODY, gb.SIZE_SANHAO, WD_ALIGN_PARAGRAPH.RIGHT, {"right": 4}, {}),
    ("GDNote", "公文附注", gb.FONT_BODY, gb.SIZE_SANHAO, WD_ALIGN_PARAGRAPH.LEFT, {"left": 2}, {}),
]

#: the body of the template, top to bottom: (style id or None for 正文 default, text)
LAYOUT = [
    ("GDMark", "{{发文机关标志}}"),
    ("GDDocNumber", "{{发文字号}}"),
    (None, ""),
    ("GDTitle", "{{标题}}"),
    (None, ""),
    ("GDAddressee", "{{主送机关}}"),
    ("GDBody", "{{正文}}"),
    (None, ""),
    ("GDAttachment", "{{附件说明}}"),
    # room for the seal: its top within a line of the text, signature and date under its centre
    (None, ""),
    (None, ""),
    ("GDSigner", "{{发文机关署名}}"),
    ("GDDate", "{{成文日期}}"),
    # 附注 (the contact line) on the line under the date, two characters in (GB/T 9704 7.3.6)
    ("GDNote", "{{附注}}"),
]


def _doc_defaults(document) -> None:
    """Default run: 仿宋_GB2312 16 pt, Chinese language; default paragraph: exact 28.95 pt lines."""
    styles = document.styles.element
    rpr = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    fonts = rpr.find(qn("w:rFonts"))
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]
    gb.set_fonts(rpr, gb.FONT_BODY, size=gb.SIZE_SANHAO, spacing=gb.CHAR_SPACING)
    lang = rpr.find(qn("w:lang"))
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    ppr = styles.find(qn("w:docDefaults")).find(qn("w:pPrDefault")).find(qn("w:pPr"))
    spacing = ppr.find(qn("w:spacing"))
    spacing.attrib.clear()
    spacing.set(qn("w:after"), "0")
    spacing.set(qn("w:line"), str(gb.LINE_PITCH_TWIPS))
    spacing.set(qn("w:lineRule"), "exact")


def _style(document, sid: str, name: str, font: str, size, align, indents: dict, extra: dict):
    st = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    st.element.set(qn("w:styleId"), sid)
    st.base_style = document.styles["Normal"]
    st.quick_style = True
    pf = st.paragraph_format
    pf.alignment = align
    pf.space_before = Pt(0)
    pf.space_after = Pt(0)
    if extra.get("auto"):
        pf.line_spacing = 1.0
        snap = OxmlElement("w:snapToGrid")
        snap.set(qn("w:val"), "0")
        st.element.get_or_add_pPr().append(snap)
    else:
        pf.line_spacing = Pt(extra.get("line", gb.LINE_PITCH_TWIPS) / 20)
    if indents:
        gb.set_indent_chars(st.element.get_or_add_pPr(), **indents)
    gb._sort_ppr(st.element.get_or_add_pPr())
    gb.set_fonts(st.element.get_or_add_rPr(), font, size=size, color=gb.RED if extra.get("red") else None)
    return st


def build(path: Path = OUT) -> Path:
    document = docx.Document()
    _doc_defaults(document)
    normal = document.styles["Normal"]
    gb.set_fonts(normal.element.get_or_add_rPr(), gb.FONT_BODY, size=gb.SIZE_SANHAO, spacing=gb.CHAR_SPACING)
    normal.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    for footer_style in ("Footer", "Header"):
        fst = document.styles[footer_style]
        fst.paragraph_format.line_spacing = 1.0
        gb.set_fonts(fst.element.get_or_add_rPr(), gb.FONT_PAGE_NUMBER, size=gb.SIZE_SIHAO)
    for spec in STYLES:
        _style(document, *spec)

    section = document.sections[0]
    gb.set_a4_official(section)
    gb.enable_odd_even_footers(document)
    gb.page_number_footer(section.footer, odd=True)
    gb.page_number_footer(section.even_page_footer, odd=False)

    body = document.element.body
    for p in list(body.iterchildren(qn("w:p"))):
        body.remove(p)
    by_id = {s[0]: s[1] for s in STYLES}
    for sid, text in LAYOUT:
        p = document.add_paragraph(text, style=by_id[sid] if sid else None)
        if sid == "GDMark":
            # the red double line (thick above thin) under the issuing-body mark, GB/T 9704 10.1
            gb.add_bottom_border(p, space_pt=6)
            p.paragraph_format.space_after = Pt(10)

    props = document.core_properties
    props.title = "推荐函模板"
    props.author = "GreenDesk"
    props.comments = "占位符 {{…}} 由程序替换；可在 Word 中调整格式后另存到数据文件夹的 templates 目录。"
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


if __name__ == "__main__":
    print(build())
