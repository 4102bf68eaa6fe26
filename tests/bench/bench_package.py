"""Benchmark ``package``: exporting a batch's submission package against ``zip -r`` of the same
files, measured in the same run (issue 4, "Speed": target ratio ≤ 1.5).

    /tmp/venv/bin/python tests/bench/bench_package.py [--quick]

A batch of 100 subjects (``--quick``: 10) with 6 materials each, about 300 MB of generated PDFs
whose content streams are random bytes (as incompressible as real scans), is received into a
fresh database the ordinary way (models.review_service.attach_material), its checks stored as
passed. Timed: listing the blockers and ``exports.package.export_package`` — gathering the batch, the
letter, the summary table, one 初审意见表 per subject, copying and hashing every material, the
manifest, the folder and the zip. Baseline: ``zip -r -q`` of the folder of the same source PDFs.
The file cache is warmed for both by reading the sources once first.

``bench_package(quick) -> dict`` is the figure for tests/bench/run.py: ``ratio`` plus details.
"""
from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

TARGET = 1.5
FILES_PER_SUBJECT = 6
ITEMS = ["application_form", "self_evaluation", "third_party_report", "business_license", "pledge", "certificates"]
TOTAL_BYTES = 300 * 1024 * 1024


def padded_pdf(rng: random.Random, size: int, label: str) -> bytes:
    """A valid one-page PDF of about ``size`` bytes: a text line and an image XObject whose data
    is random (incompressible, like a scanned page)."""
    payload = rng.randbytes(max(1024, size - 900))
    side = 64
    text = f"BT /F1 12 Tf 72 770 Td ({label}) Tj ET q 100 0 0 100 72 600 cm /Im1 Do Q".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> /XObject << /Im1 6 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Length %d >>\nstream\n" % (side, side, len(payload)) + payload + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def make_sources(folder: Path, subjects: int, *, seed: int = 20260630) -> list[list[Path]]:
    """subjects × 6 PDFs under folder/NN/, sizes spread around TOTAL_BYTES / 600."""
    rng = random.Random(seed)
    mean = TOTAL_BYTES // (100 * FILES_PER_SUBJECT)
    out = []
    for i in range(subjects):
        d = folder / f"{i + 1:03d}"
        d.mkdir(parents=True)
        files = []
        for k, item in enumerate(ITEMS):
            p = d / f"{item}_{i + 1:03d}.pdf"
            p.write_bytes(padded_pdf(rng, int(mean * rng.uniform(0.4, 1.6)), f"{item} {i + 1}"))
            files.append(p)
        out.append(files)
    return out


def make_database(data_dir: Path, sources: list[list[Path]]) -> int:
    """A database with one 2026 batch: one enterprise per subject, its materials received, its
    report recorded and its checks stored as passed. Returns the batch id."""
    from models.db import Database
    from models.entities import Application, Batch, Enterprise
    from models.office import save_profile
    from models.review_service import attach_material, save_report, store_check_runs
    from models.stages import Stage, SubjectKind, TitleKind

    db = Database.open(data_dir, user="bench", backup=False)
    try:
        with db.uow() as uow:
            s = uow.session
            s.info["audit"] = False
            save_profile(s, {"district_code": "500112", "district_name": "渝北区",
                             "bureau_name": "重庆市渝北区经济和信息化委员会", "doc_prefix": "渝北经信发",
                             "contact_person": "李娟", "contact_phone": "023-67821234"})
            b = Batch(year=2026, name="2026年度市级绿色工厂推荐", title_kind=TitleKind.CITY_FACTORY)
            s.add(b)
            s.flush()
            runs = []
            for i, files in enumerate(sources):
                e = Enterprise(name=f"重庆示例{i + 1}号汽车零部件制造有限公司", credit_code=f"91500112MA{i:08d}",
                               district_code="500112", industry_code="36", main_products="汽车座椅",
                               contact="王强", phone="13800000000")
                s.add(e)
                s.flush()
                a = Application(year=2026, title_kind=TitleKind.CITY_FACTORY, subject_kind=SubjectKind.ENTERPRISE,
                                enterprise_id=e.id, stage=Stage.RECOMMENDED, batch_id=b.id, review_outcome="通过")
                s.add(a)
                s.flush()
                save_report(s, a.id, {"evaluator_name": "重庆示例绿色低碳评价中心", "score": "90",
                                      "basic_requirements_met": True})
                for item, src in zip(ITEMS, files):
                    res = attach_material(s, db.files_dir, a.id, item, src, received_on=dt.date(2026, 6, 1))
                    if not res.ok:
                        raise RuntimeError(res.error)
                runs.append({"application_id": a.id, "rule_set": "bench", "as_of": dt.date(2026, 6, 30),
                             "results": [{"rule_id": "r1", "article": "第七条（一）", "text": "制造业企业",
                                          "severity": "error", "check": "bench", "outcome": "pass", "evidence": ""}]})
            store_check_runs(s, runs)
            uow.commit()
            return b.id
    finally:
        db.close()


def _warm(paths: list[Path]) -> None:
    for p in paths:
        with open(p, "rb") as f:
            while f.read(1 << 20):
                pass


def bench_package(quick: bool) -> dict:
    """Export the package once and ``zip -r`` the same sources once (after one warm-up each);
    ``ratio`` = export seconds / zip seconds."""
    from models.db import Database

    subjects = 10 if quick else 100
    zip_cmd = shutil.which("zip")
    with tempfile.TemporaryDirectory(prefix="greendesk-bench-package-") as tmp:
        tmp = Path(tmp)
        t0 = time.perf_counter()
        sources = make_sources(tmp / "src", subjects)
        batch_id = make_database(tmp / "data", sources)
        setup = time.perf_counter() - t0
        all_files = [p for files in sources for p in files]
        total = sum(p.stat().st_size for p in all_files)
        stored = [p for p in (tmp / "data" / "files").rglob("*") if p.is_file()]

        def program(out: Path) -> float:
            from exports.batch_data import find_blockers
            from exports.package import export_package

            _warm(stored)
            db = Database.open(tmp / "data", user="bench", backup=False)
            try:
                t = time.perf_counter()
                with db.uow() as uow:
                    # the blockers are listed (and timed) as in an export; with 6 files a subject
                    # two items of the checklist are missing, so the export itself is told to go on
                    blockers = find_blockers(uow.session, batch_id, files_dir=db.files_dir, rehash=False)
                    assert all(b.kind == "material_missing" for b in blockers), blockers[:3]
                    result = export_package(uow.session, batch_id, out, files_dir=db.files_dir,
                                            data_dir=db.data_dir, date=dt.date(2026, 6, 30),
                                            ignore_blockers=True)
                    uow.commit()
                seconds = time.perf_counter() - t
            finally:
                db.close()
            assert result.zip_path is not None and result.zip_path.is_file()
            return seconds

        def baseline(out: Path) -> float:
            _warm(all_files)
            out.parent.mkdir(parents=True, exist_ok=True)
            t = time.perf_counter()
            subprocess.run([zip_cmd, "-r", "-q", str(out), "src"], cwd=tmp, check=True)
            return time.perf_counter() - t

        details: dict = {"subjects": subjects, "files": len(all_files), "mb": f"{total / 2**20:.0f}",
                         "setup_s": f"{setup:.1f}"}
        prog = [program(tmp / f"out{i}") for i in range(2)]
        for i in range(2):
            shutil.rmtree(tmp / f"out{i}")
        p = min(prog)
        details["export_s"] = f"{p:.2f}"
        if zip_cmd is None:
            details.update(ratio=float("nan"), note="zip not installed: no baseline")
            return details
        base = [baseline(tmp / "zips" / f"b{i}.zip") for i in range(2)]
        b = min(base)
        details["zip_r_s"] = f"{b:.2f}"
        details["ratio"] = p / b
        details["target"] = TARGET
        return details


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="10 subjects instead of 100")
    a = ap.parse_args(argv)
    r = bench_package(a.quick)
    ratio = r.pop("ratio")
    met = "yes" if ratio <= TARGET else "no"
    r.pop("target", None)
    print(f"package ratio={ratio:.2f} target<={TARGET:g} met={met} " + " ".join(f"{k}={v}" for k, v in r.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
