"""Render exported files to PNG pages, for a person to look at:

    /tmp/venv/bin/python tools/render_exports.py OUTDIR FILE_OR_PACKAGE ...
    /tmp/venv/bin/python tools/render_exports.py OUTDIR --sample     # a sample letter, table, listing

A .docx or .xlsx is converted to PDF with ``libreoffice --headless`` (a private profile per run),
then every page becomes OUTDIR/<name>-<page>.png through ``pdftoppm``. A package folder renders
its 推荐函.docx, 推荐汇总表.xlsx and 清单.xlsx. Needs LibreOffice and poppler-utils; the fonts
the letter asks for (方正小标宋简体, 仿宋_GB2312) are usually missing on Linux and replaced, so
judge layout, not typefaces.
"""
from __future__ import annotations

import argparse
import datetime as dt
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PACKAGE_FILES = ("推荐函.docx", "推荐汇总表.xlsx", "清单.xlsx")


def render(files: list[Path], out: Path, *, dpi: int = 80) -> list[Path]:
    office = shutil.which("libreoffice") or shutil.which("soffice")
    pdftoppm = shutil.which("pdftoppm")
    if office is None or pdftoppm is None:
        raise SystemExit("需要 libreoffice 和 pdftoppm（Debian：apt-get install libreoffice-writer-nogui "
                         "libreoffice-calc-nogui poppler-utils）")
    out.mkdir(parents=True, exist_ok=True)
    pngs: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="render-") as tmp:
        profile = Path(tmp) / "profile"
        for f in files:
            if f.suffix.lower() == ".pdf":
                pdf = out / f.name
                shutil.copyfile(f, pdf)
            else:
                subprocess.run([office, f"-env:UserInstallation={profile.as_uri()}", "--headless",
                                "--convert-to", "pdf", "--outdir", str(out), str(f)],
                               check=True, capture_output=True, timeout=300)
                pdf = out / (f.stem + ".pdf")
            before = set(out.glob(f"{f.stem}-*.png"))
            subprocess.run([pdftoppm, "-r", str(dpi), "-png", str(pdf), str(out / f.stem)], check=True, timeout=300)
            new = sorted(set(out.glob(f"{f.stem}-*.png")) - before) or sorted(out.glob(f"{f.stem}-*.png"))
            print(f"{f} -> {len(new)} 页")
            pngs += new
    return pngs


def sample(folder: Path) -> list[Path]:
    """A letter for three enterprises, a summary table of 25 and a file listing."""
    from decimal import Decimal

    from exports.batch_data import BatchData, OfficeInfo, SubjectData
    from exports.letter import draft_letter, write_letter
    from exports.package import ManifestEntry, PlannedFile, write_manifest_xlsx
    from exports.summary_table import write_summary_table

    office = OfficeInfo("500112", "渝北区", "重庆市渝北区经济和信息化委员会", "渝北经信发", "张明", "李娟", "023-67821234")
    names = ["重庆瑞恒汽车零部件有限公司", "重庆鑫华电子科技有限公司", "重庆宏盛食品股份有限公司"]
    subjects = tuple(
        SubjectData(i, "enterprise", "city_factory", names[i % 3] if i < 3 else f"重庆示例{i}号制造有限公司",
                    credit_code=f"91500112MA5U{i:06d}", district_code="500112", district_name="渝北区",
                    industry_name="汽车制造业", main_products="汽车座椅、变速器壳体", park_name="重庆空港工业园区",
                    contact="王强", phone="13800000000", evaluator="重庆示例绿色低碳评价中心",
                    score=Decimal("91.5"), basic_requirements_met=True, review_opinion="同意推荐")
        for i in range(25)
    )
    day = dt.date(2026, 6, 30)
    data = BatchData(1, 2026, "2026年度市级绿色工厂推荐", "city_factory", office, subjects)
    folder.mkdir(parents=True, exist_ok=True)
    three = BatchData(1, 2026, data.name, data.title_kind, office, subjects[:3])
    letter = write_letter(draft_letter(three, number=12, date=day), folder / "推荐函.docx")
    table = write_summary_table(data, folder / "推荐汇总表.xlsx", date=day)
    entries = [ManifestEntry(f"{i:02d}_{s.name}/第三方评价报告_评价报告.pdf", 1234567, "0f" * 32, "material", "第三方评价报告")
               for i, s in enumerate(subjects[:10], start=1)]
    planned = [PlannedFile(e.path, "material", e.label, original_name="评价报告.pdf") for e in entries]
    listing = write_manifest_xlsx(folder / "清单.xlsx", "2026渝北区绿色制造推荐材料", entries, planned, day)
    return [letter, table, listing]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out", type=Path)
    p.add_argument("paths", nargs="*", type=Path, help=".docx/.xlsx/.pdf files or package folders")
    p.add_argument("--sample", action="store_true", help="render a generated sample letter, table and listing")
    p.add_argument("--dpi", type=int, default=80)
    a = p.parse_args(argv)
    files: list[Path] = []
    if a.sample:
        files += sample(a.out / "sample")
    for path in a.paths:
        if path.is_dir():
            files += [path / n for n in PACKAGE_FILES if (path / n).is_file()]
        else:
            files.append(path)
    if not files:
        p.error("没有要渲染的文件")
    render(files, a.out, dpi=a.dpi)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
