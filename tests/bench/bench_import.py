"""Benchmark of the filled-form import against a plain openpyxl read of the same file.

    python tests/bench/bench_import.py [--quick]

A filled enterprise form (exports/xlsx_forms.py, with the hidden marker) of 20,000 rows (2,000
with --quick) — a tenth of them enterprises already in the database with a changed field, the
rest new, with the values people type (dates as 2024/5/6 or 2024年5月6日, 是/否/√, codes in lower
case, phones with spaces) — is imported: read, every cell checked, compared with the database
(preview), applied (backup + one transaction). The baseline reads every cell of every sheet of
the same file with openpyxl in read-only mode. Both are timed in this process, median of the
runs, each import against a fresh copy of the same database. Peak memory is measured in a child
process (its resident-set high-water mark during the import, minus what it held before).

``bench_import(quick) -> dict`` returns the figures; ``ratio`` is import / baseline (target ≤ 1.5).
"""
from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TARGET = 1.5
DISTRICTS = ["渝北区", "500112 渝北区", "江北区", "500106 沙坪坝区", "九龙坡", "巴南区"]
INDUSTRIES = ["36 汽车制造业", "39", "38 电气机械和器材制造业", "26", "30 非金属矿物制品业", "13"]


def _make_rows(n: int, existing: list[tuple[str, str]], seed: int = 20260601) -> list[dict[str, Any]]:
    from models.demo import make_credit_code

    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    used = {code for code, _ in existing}
    for code, name in existing:  # already registered: one field changed
        rows.append({"name": name, "credit_code": code, "district_code": "渝北区", "contact": "新联系人",
                     "phone": f"138 {rng.randint(0, 9999):04d} {rng.randint(0, 9999):04d}"})
    i = 0
    while len(rows) < n:
        i += 1
        code = make_credit_code(rng, "500112")
        if code in used:
            continue
        used.add(code)
        rows.append({
            "name": f"重庆第{i}号{rng.choice(['机械', '电子', '建材', '化工'])}有限公司 ",
            "credit_code": code.lower() if i % 7 == 0 else code,
            "district_code": rng.choice(DISTRICTS),
            "address": f"重庆市渝北区工业大道{i}号",
            "industry_code": rng.choice(INDUSTRIES),
            "main_products": "汽车零部件",
            "legal_rep": "张三",
            "contact": "李四",
            "phone": rng.choice([f"1{rng.choice('3589')}{rng.randint(0, 999999999):09d}",
                                 f"023-6{rng.randint(0, 9999999):07d}", f"6{rng.randint(0, 9999999):07d}"]),
            "above_scale": rng.choice(["是", "否", "√", "×", "Y", "N"]),
            "founded_on": rng.choice([f"{rng.randint(1995, 2022)}/{rng.randint(1, 12)}/{rng.randint(1, 28)}",
                                      f"{rng.randint(1995, 2022)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日",
                                      f"{rng.randint(1995, 2022)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"]),
            "notes": "",
        })
    return rows


def prepare(work: Path, n: int) -> tuple[Path, Path]:
    """A database with n/10 enterprises, and the filled form of n rows. Returns (data dir, file)."""
    from sqlalchemy import insert

    from exports.xlsx_forms import write_form
    from models.db import Database
    from models.demo import make_credit_code
    from models.entities import Enterprise

    data = work / "data"
    db = Database.open(data, user="bench", backup=False)
    rng = random.Random(1)
    existing = [(make_credit_code(rng, "500113"), f"重庆已登记{i}号有限公司") for i in range(n // 10)]
    with db.uow() as uow:
        uow.session.execute(insert(Enterprise), [
            {"name": name, "credit_code": code, "district_code": "500112", "contact": "旧联系人"}
            for code, name in existing])
        uow.commit()
    db.close()
    path = write_form(work / "企业信息采集表.xlsx", "enterprise", rows=_make_rows(n, existing), blank_rows=0)
    return data, path


def run_import(data: Path, path: Path) -> dict[str, Any]:
    """Read, check, preview and apply the form against the database in ``data``."""
    from exports.importers.forms_in import apply_forms, preview_forms
    from models.db import Database

    db = Database.open(data, user="bench", backup=False)
    try:
        t0 = time.perf_counter()
        with db.uow() as uow:
            preview = preview_forms(uow.session, path)
        t1 = time.perf_counter()
        result = apply_forms(db, preview)
        t2 = time.perf_counter()
    finally:
        db.close()
    c = preview.counts()
    return {"seconds": t2 - t0, "preview_s": t1 - t0, "apply_s": t2 - t1, "created": result.created,
            "updated": result.updated, "errors": c["error"], "unchanged": c["unchanged"]}


def baseline_read(path: Path) -> float:
    """Every cell of every sheet, openpyxl read-only."""
    import openpyxl

    t0 = time.perf_counter()
    wb = openpyxl.load_workbook(path, read_only=True)
    n = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            for _v in row:
                n += 1
    wb.close()
    return time.perf_counter() - t0


def _vm(field: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def child(data: str, path: str) -> None:
    """In a child process: modules loaded, then the import; prints the memory figures (KB)."""
    import exports.importers.forms_in  # noqa: F401
    import models.db  # noqa: F401

    before = _vm("VmRSS")
    result = run_import(Path(data), Path(path))
    result["rss_before_kb"] = before
    result["peak_kb"] = _vm("VmHWM")
    print(json.dumps(result))


def peak_memory(work: Path, data: Path, path: Path) -> dict[str, Any]:
    fresh = work / "mem"
    shutil.copytree(data, fresh)
    proc = subprocess.run([sys.executable, __file__, "--child", str(fresh), str(path)], cwd=ROOT,
                          capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr)
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    if out.get("peak_kb") is None or out.get("rss_before_kb") is None:
        return {"peak_mb": "n/a", "import_mb": "n/a"}
    return {"peak_mb": round(out["peak_kb"] / 1024, 1),
            "import_mb": round((out["peak_kb"] - out["rss_before_kb"]) / 1024, 1)}


def bench_import(quick: bool, runs: int = 3) -> dict[str, Any]:
    n = 2000 if quick else 20000
    with tempfile.TemporaryDirectory(prefix="greendesk-bench-import-") as tmp:
        work = Path(tmp)
        data, path = prepare(work, n)
        baseline_read(path)  # warm the file cache
        base = statistics.median(baseline_read(path) for _ in range(runs))
        results = []
        for i in range(runs):
            fresh = work / f"run{i}"
            shutil.copytree(data, fresh)
            results.append(run_import(fresh, path))
        prog = statistics.median(r["seconds"] for r in results)
        r0 = results[0]
        if r0["errors"] or r0["created"] + r0["updated"] != n:
            raise RuntimeError(f"import did not take every row: {r0}")
        mem = peak_memory(work, data, path)
        return {
            "ratio": prog / base, "target": TARGET, "rows": n, "import_s": round(prog, 2),
            "baseline_s": round(base, 2), "preview_s": round(statistics.median(r["preview_s"] for r in results), 2),
            "apply_s": round(statistics.median(r["apply_s"] for r in results), 2),
            "created": r0["created"], "updated": r0["updated"], "file_mb": round(path.stat().st_size / 2**20, 1),
            **mem,
        }


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        child(argv[1], argv[2])
        return 0
    d = bench_import("--quick" in argv)
    met = "yes" if d["ratio"] <= TARGET else "no"
    extra = " ".join(f"{k}={v}" for k, v in d.items() if k not in ("ratio", "target"))
    print(f"import ratio={d['ratio']:.2f} target<={TARGET:g} met={met} {extra}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
