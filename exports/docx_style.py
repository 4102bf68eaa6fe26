"""GB/T 9704-2012 (党政机关公文格式) helpers for python-docx documents.

The layout in numbers (GB/T 9704-2012 5.2, 7, domain.md "What the district sends"):

* A4 paper; margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm → a 156 × 225 mm text area;
* body 三号 (16 pt) 仿宋_GB2312, 22 lines of 28 characters: a line grid (``w:docGrid``
  type ``lines``) with a pitch of 225 mm / 22 = 28.95 pt, exact line spacing of the same, and
  characters condensed by 0.25 pt so 28 of them fill the 156 mm line (see ``CHAR_SPACING``);
* title 二号 (22 pt) 方正小标宋简体; headings 一、 黑体, （一） 楷体_GB2312;
* page numbers ``— N —`` in 四号 (14 pt) 宋体, odd pages right, even pages left, one character in.

Chinese fonts are declared for East Asian text (``w:eastAsia`` in ``w:rFonts``): without it Word
uses the Latin font's fallback for Chinese and the letter prints in the wrong typeface.
"""
from __future__ import annotations

import math

from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

# ---- fonts (names as Windows installs them; WPS ships the same names)
FONT_TITLE = "方正小标宋简体"
FONT_BODY = "仿宋_GB2312"
FONT_HEADING1 = "黑体"
FONT_HEADING2 = "楷体_GB2312"
FONT_PAGE_NUMBER = "宋体"

# ---- sizes (字号 → points)
SIZE_ERHAO = Pt(22)  # 二号
SIZE_SANHAO = Pt(16)  # 三号
SIZE_SIHAO = Pt(14)  # 四号

RED = "FF0000"

# ---- page (GB/T 9704-2012 5.2.1, 5.2.2)
PAGE_WIDTH = Mm(210)
PAGE_HEIGHT = Mm(297)
MARGIN_TOP = Mm(37)
MARGIN_BOTTOM = Mm(35)
MARGIN_LEFT = Mm(28)
MARGIN_RIGHT = Mm(26)
LINES_PER_PAGE = 22
CHARS_PER_LINE = 28
#: 225 mm / 22 lines in twentieths of a point (twips), rounded down so 22 lines fit: 579 = 28.95 pt
LINE_PITCH_TWIPS = int((297 - 37 - 35) / LINES_PER_PAGE / 25.4 * 72 * 20)
#: the text area's width in points (156 mm)
TEXT_WIDTH_PT = (210 - 28 - 26) / 25.4 * 72
#: character spacing (twentieths of a point, negative: condensed) so that exactly 28 characters
#: of 16 pt fill a 156 mm line: 16 pt − 0.25 pt = 15.75 pt; 28 × 15.75 = 441 pt ≤ 442.2 pt < 29 ×.
#: A character grid (docGrid linesAndChars with charSpace −849) does the same in Word, but
#: LibreOffice then gives each 16 pt character two 15.8 pt cells (14 characters a line), so the
#: grid here is of type "lines" and the 28 characters come from this spacing.
CHAR_SPACING = math.floor((TEXT_WIDTH_PT / CHARS_PER_LINE - 16) * 20)


def set_fonts(rpr_parent, name: str, *, size=None, bold: bool | None = None, color: str | None = None,
              spacing: int | None = None) -> None:
    """Set ascii/hAnsi/eastAsia/cs fonts (and optionally size, bold, colour, character spacing in
    twentieths of a point) on a run, a style's run properties, or anything with
    ``get_or_add_rPr()``; ``rpr_parent`` may also be an rPr."""
    rpr = rpr_parent if rpr_parent.tag == qn("w:rPr") else rpr_parent.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)
    fonts.set(qn("w:hint"), "eastAsia")
    if size is not None:
        for tag in ("w:sz", "w:szCs"):
            el = rpr.find(qn(tag))
            if el is None:
                el = OxmlElement(tag)
                rpr.append(el)
            el.set(qn("w:val"), str(int(round(size.pt * 2))))
    if bold is not None:
        el = rpr.find(qn("w:b"))
        if bold and el is None:
            rpr.append(OxmlElement("w:b"))
        elif not bold and el is not None:
            rpr.remove(el)
    if color is not None:
        el = rpr.find(qn("w:color"))
        if el is None:
            el = OxmlElement("w:color")
            rpr.append(el)
        el.set(qn("w:val"), color)
    if spacing is not None:
        el = rpr.find(qn("w:spacing"))
        if el is None:
            el = OxmlElement("w:spacing")
            rpr.append(el)
        el.set(qn("w:val"), str(spacing))
    _sort_rpr(rpr)


# ECMA-376 fixes the order of rPr children; Word refuses ("unreadable content") a wrong order.
_RPR_ORDER = [
    "rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike", "dstrike", "outline",
    "shadow", "emboss", "imprint", "noProof", "snapToGrid", "vanish", "webHidden", "color", "spacing",
    "w", "kern", "position", "sz", "szCs", "highlight", "u", "effect", "bdr", "shd", "fitText",
    "vertAlign", "rtl", "cs", "em", "lang", "eastAsianLayout", "specVanish", "oMath",
]


def _sort_children(el, order: list[str]) -> None:
    rank = {qn(f"w:{t}"): i for i, t in enumerate(order)}
    children = sorted(el, key=lambda c: rank.get(c.tag, len(rank)))
    for c in children:
        el.remove(c)
    for c in children:
        el.append(c)


def _sort_rpr(rpr) -> None:
    _sort_children(rpr, _RPR_ORDER)


def set_a4_official(section) -> None:
    """A4 portrait with the GB/T 9704 margins and the 22 × 28 document grid."""
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width = PAGE_WIDTH
    section.page_height = PAGE_HEIGHT
    section.top_margin = MARGIN_TOP
    section.bottom_margin = MARGIN_BOTTOM
    section.left_margin = MARGIN_LEFT
    section.right_margin = MARGIN_RIGHT
    section.header_distance = Mm(15)
    # the page number's dash line sits 7 mm under the text area (GB/T 9704 7.5)
    section.footer_distance = Mm(35 - 7 - 6)
    sect = section._sectPr
    grid = sect.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        sect.append(grid)
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(LINE_PITCH_TWIPS))
    if qn("w:charSpace") in grid.attrib:
        del grid.attrib[qn("w:charSpace")]


def exact_line_spacing(paragraph_format, twips: int = LINE_PITCH_TWIPS) -> None:
    paragraph_format.line_spacing = Pt(twips / 20)


def set_indent_chars(ppr_owner, *, first_line: float | None = None, left: float | None = None,
                     right: float | None = None, hanging: float | None = None) -> None:
    """Indents in characters (``w:firstLineChars`` etc., hundredths of a character), so they stay
    right when the office changes the font size. Also writes the equivalent in twips for programs
    that read only those (16 pt per character)."""
    ppr = ppr_owner.get_or_add_pPr() if hasattr(ppr_owner, "get_or_add_pPr") else ppr_owner
    ind = ppr.find(qn("w:ind"))
    if ind is None:
        ind = OxmlElement("w:ind")
        ppr.append(ind)
        _sort_ppr(ppr)
    for key, value in (("firstLine", first_line), ("left", left), ("right", right), ("hanging", hanging)):
        if value is None:
            continue
        ind.set(qn(f"w:{key}Chars"), str(int(round(value * 100))))
        ind.set(qn(f"w:{key}"), str(int(round(value * 320))))


_PPR_ORDER = [
    "pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl", "numPr",
    "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap",
    "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd",
    "snapToGrid", "spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc",
    "textDirection", "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr",
    "sectPr", "pPrChange",
]


def _sort_ppr(ppr) -> None:
    _sort_children(ppr, _PPR_ORDER)


def add_bottom_border(paragraph, *, color: str = RED, style: str = "thickThinSmallGap",
                      size_eighths: int = 24, space_pt: int = 4) -> None:
    """A line under the paragraph across the text width: GB/T 9704's red separator under the
    issuing-body mark (``thickThinSmallGap`` is Word's double line, thick above thin)."""
    ppr = paragraph._p.get_or_add_pPr() if hasattr(paragraph, "_p") else paragraph.get_or_add_pPr()
    bdr = ppr.find(qn("w:pBdr"))
    if bdr is None:
        bdr = OxmlElement("w:pBdr")
        ppr.append(bdr)
    bottom = OxmlElement("w:bottom")
    bottom.set(qn("w:val"), style)
    bottom.set(qn("w:sz"), str(size_eighths))
    bottom.set(qn("w:space"), str(space_pt))
    bottom.set(qn("w:color"), color)
    bdr.append(bottom)
    _sort_ppr(ppr)


def _field_run(paragraph, instr: str, placeholder: str):
    """A complex field (``PAGE``) as Word writes it: begin, instruction, separate, result, end."""
    runs = []
    for kind in ("begin", "instr", "separate", "result", "end"):
        run = paragraph.add_run()
        if kind == "instr":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {instr} "
            run._r.append(el)
        elif kind == "result":
            run.text = placeholder
        else:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
            run._r.append(el)
        runs.append(run)
    return runs


def page_number_footer(footer, *, odd: bool) -> None:
    """``— N —`` in 四号 宋体: odd pages right with one character in, even pages left likewise."""
    p = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    for r in list(p.runs):
        r._r.getparent().remove(r._r)
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT if odd else WD_ALIGN_PARAGRAPH.LEFT
    if odd:
        set_indent_chars(p._p, right=1)
    else:
        set_indent_chars(p._p, left=1)
    p.paragraph_format.line_spacing = 1.0
    runs = [p.add_run("— ")] + _field_run(p, "PAGE", "1") + [p.add_run(" —")]
    for r in runs:
        set_fonts(r._r, FONT_PAGE_NUMBER, size=SIZE_SIHAO)


def enable_odd_even_footers(document) -> None:
    """``w:evenAndOddHeaders`` in settings.xml: separate odd and even page footers."""
    document.settings.odd_and_even_pages_header_footer = True


def char_width(text: str) -> float:
    """Width in body characters: CJK and full-width one each, ASCII half."""
    w = 0.0
    for ch in text:
        w += 0.5 if ord(ch) < 0x2E80 and ch not in "—“”‘’…·" else 1.0
    return w
