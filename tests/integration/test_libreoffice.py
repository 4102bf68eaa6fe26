"""The exported .docx and .xlsx open in LibreOffice without repair and print as expected (issue 4,
"Parts that must be real"): each is converted to PDF with ``libreoffice --headless`` and the
pages are counted and measured. Skipped, with the reason, where LibreOffice is not installed
(.ci/run installs it)."""
from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from exports.batch_data import BatchData, OfficeInfo, SubjectData
from exports.letter import draft_letter, write_letter
from exports.package import ManifestEntry, PlannedFile, write_manifest_xlsx
from exports.summary_table import write_summary_table

pytestmark = pytest.mark.slow

LIBREOFFICE = shutil.which("libreoffice") or shutil.which("soffice")
DAY = dt.date(2026, 6, 30)
OFFICE = OfficeInfo("500112", "渝北区", "重庆市渝北区经济和信息化委员会", "渝北经信发", "张明", "李娟", "023-67821234")
PRODUCTS = ["汽车座椅、变速器壳体", "笔记本电脑主板、显示模组", "火锅底料、调味品", "铝合金型材、紧固件"]


def _data(n: int) -> BatchData:
    subjects = tuple(
        SubjectData(
            application_id=i, subject_kind="enterprise", title_kind="city_factory",
            name=f"重庆{'瑞恒泰鑫华宏盛达润丰'[i % 10]}{'汽车零部件电子科技食品'[i % 4 * 2:i % 4 * 2 + 2]}有限公司",
            credit_code=f"91500112MA5U{i:06d}", district_code="500112", district_name="渝北区",
            industry_code="36", industry_name="汽车制造业", main_products=PRODUCTS[i % 4],
            park_name="重庆空港工业园区", contact="李娟", phone="13800000000",
            evaluator="重庆示例绿色低碳评价中心", score=Decimal("90.5"), basic_requirements_met=True,
            review_opinion="同意推荐",
        )
        for i in range(1, n + 1)
    )
    return BatchData(7, 2026, "2026年度市级绿色工厂推荐", "city_factory", OFFICE, subjects)


def to_pdf(files: list[Path], out: Path, profile: Path) -> list[Path]:
    """Convert with a private LibreOffice profile (so parallel runs and a user's own LibreOffice
    do not collide)."""
    if LIBREOFFICE is None:
        pytest.skip("LibreOffice 未安装（.ci/run 会安装 libreoffice-writer-nogui / libreoffice-calc-nogui）")
    out.mkdir(parents=True, exist_ok=True)
    cmd = [LIBREOFFICE, f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless",
           "--convert-to", "pdf", "--outdir", str(out), *map(str, files)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    pdfs = [out / (f.stem + ".pdf") for f in files]
    missing = [p.name for p in pdfs if not p.is_file()]
    assert not missing, f"LibreOffice did not convert {missing}: {proc.stdout}\n{proc.stderr}"
    return pdfs


def pages(pdf: Path) -> list[tuple[float, float]]:
    """(width, height) in points of each page."""
    try:
        from pypdf import PdfReader
    except ImportError:  # fall back to the page dictionaries LibreOffice writes uncompressed
        raw = pdf.read_bytes().decode("latin-1")
        boxes = re.findall(r"/Type\s*/Page\b[^>]*?/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", raw)
        return [(float(c) - float(a), float(d) - float(b)) for a, b, c, d in boxes]
    reader = PdfReader(str(pdf))
    return [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages]


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lo")
    letter3 = write_letter(draft_letter(_data(3), number=12, date=DAY), tmp / "letter3.docx")
    letter1 = write_letter(draft_letter(_data(1), number=13, date=DAY), tmp / "letter1.docx")
    table = write_summary_table(_data(40), tmp / "table.xlsx", date=DAY)
    entries = [ManifestEntry(f"{i:02d}_重庆某某有限公司/第三方评价报告_报告{i}.pdf", 123456 + i, "ab" * 32, "material",
                             "第三方评价报告") for i in range(1, 30)]
    planned = [PlannedFile(e.path, "material", e.label, original_name=f"报告{i}.pdf") for i, e in enumerate(entries, 1)]
    listing = write_manifest_xlsx(tmp / "listing.xlsx", "2026渝北区绿色制造推荐材料", entries, planned, DAY)
    files = [letter3, letter1, table, listing]
    pdfs = to_pdf(files, tmp / "pdf", tmp / "profile")
    return dict(zip(("letter3", "letter1", "table", "listing"), pdfs))


A4 = (595.3, 841.9)


def _is(size, expected, tol=2.0) -> bool:
    return abs(size[0] - expected[0]) < tol and abs(size[1] - expected[1]) < tol


def test_letter_with_a_few_subjects_is_one_or_two_a4_pages(converted):
    for key in ("letter1", "letter3"):
        sizes = pages(converted[key])
        assert 1 <= len(sizes) <= 2, (key, len(sizes))
        assert all(_is(s, A4) for s in sizes), sizes


def test_letter_text_survives_the_conversion(converted):
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext（poppler-utils）未安装")
    text = subprocess.run([pdftotext, "-layout", str(converted["letter3"]), "-"], capture_output=True,
                          text=True, timeout=60).stdout
    flat = re.sub(r"\s+", "", text)
    assert "渝北经信发〔2026〕12号" in flat
    assert "市经济信息委：" in flat
    assert "2026年6月30日" in flat
    assert "—1—" in flat  # the page number


def test_summary_table_prints_landscape_with_every_column_on_the_page_width(converted):
    sizes = pages(converted["table"])
    assert sizes and all(_is(s, (A4[1], A4[0])) for s in sizes), sizes  # landscape A4
    # 40 rows: a few pages, never a page per column group (fit to width)
    assert 1 <= len(sizes) <= 4
    pdftotext = shutil.which("pdftotext")
    if pdftotext:
        first = subprocess.run([pdftotext, "-f", "1", "-l", "1", str(converted["table"]), "-"],
                               capture_output=True, text=True, timeout=60).stdout
        flat = re.sub(r"\s+", "", first)
        for header in ("序号", "统一社会信用代码", "初审意见", "备注"):  # first and last columns on page 1
            assert header in flat
        assert "第1页共" in flat
        if len(sizes) > 1:
            second = subprocess.run([pdftotext, "-f", "2", "-l", "2", str(converted["table"]), "-"],
                                    capture_output=True, text=True, timeout=60).stdout
            assert "统一社会信用代码" in re.sub(r"\s+", "", second)  # header repeated


def test_manifest_listing_prints_landscape(converted):
    sizes = pages(converted["listing"])
    assert sizes and all(_is(s, (A4[1], A4[0])) for s in sizes)
