"""Crash safety (issue 7 item 2): the program killed with SIGKILL during an import, an export and
a burst of edits leaves an intact database, no half-applied import, no half-written package
under its final name, no lost edit, and starts normally. The harness is tests/crash/harness.py;
``python tests/crash/run.py --kills N`` runs it by hand.

The seed of the kill moments is printed; ``GREENDESK_CRASH_SEED=N`` repeats a run's draws.
"""
from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from . import harness

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="SIGKILL: POSIX only")


# ----------------------------------------------------------------------------- the harness


@pytest.mark.slow
def test_killed_32_times_during_import_export_and_edits_nothing_half_done(tmp_path: Path) -> None:
    seed = int(os.environ.get("GREENDESK_CRASH_SEED") or random.SystemRandom().randrange(1, 2**31))
    summary = harness.run(harness.DEFAULT_KILLS, seed=seed, work=tmp_path, log=print)
    report = summary.text()
    print(report)
    assert not summary.failures, report
    assert summary.kills >= 30, report
    for c in summary.scenarios:
        assert c.kills == harness.DEFAULT_KILLS[c.scenario], report
        assert c.integrity_ok == c.starts_ok == c.kills, report
        assert c.half_imports == c.half_packages == c.lost_edits == c.bad_backups == 0, report
    by_name = {c.scenario: c for c in summary.scenarios}
    # every kill left the import either untouched or whole (the two states add up to the kills)
    imp = by_name["import"]
    assert sum(imp.states.values()) == imp.kills, report


# ----------------------------------------------------------------------------- single windows


def _demo(data_dir: Path) -> None:
    _, rc = harness.run_to_end(harness.program(data_dir, "demo", "--enterprises", "100"),
                               data_dir.parent / "demo.out")
    assert rc == 0, (data_dir.parent / "demo.out").read_text(errors="replace")


def test_stale_lock_of_a_killed_program_does_not_block_the_next_start(tmp_path: Path) -> None:
    """The lock file the killed process held stays on disk; the next open takes it over."""
    from models.db import Database, DatabaseLockedError

    data = tmp_path / "data"
    code = ("import sys, time; from models.db import Database; "
            f"db = Database.open({str(data)!r}); print('opened', flush=True); time.sleep(60)")
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=harness.ROOT, env=harness._env(),
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "opened"
        with pytest.raises(DatabaseLockedError):  # while it runs, the lock holds
            Database.open(data)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert (data / "greendesk.db.lock").exists()
    db = Database.open(data)
    try:
        assert db.lock is not None and db.lock.is_locked
    finally:
        db.close()


def test_export_killed_as_it_finishes_has_its_letter_number_recorded(tmp_path: Path) -> None:
    """A kill right after the package took its final name (the CLI prints 100% then) used to
    leave a whole package whose letter's document number the database did not record: the next
    letter would have been given the same 文号. The number is now committed just before the
    package takes its final name."""
    data, out = tmp_path / "data", tmp_path / "out"
    _demo(data)
    cmd = harness.program(data, "export-package", "--year", str(harness.YEAR), "--out", str(out))
    proc = subprocess.Popen(cmd, cwd=harness.ROOT, env=harness._env(), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    killed_at = None
    for line in proc.stdout:
        if b"100%" in line:
            os.kill(proc.pid, signal.SIGKILL)
            killed_at = line
            break
    proc.wait(timeout=60)
    assert killed_at is not None, "the export never reported 100%"
    assert proc.returncode == -signal.SIGKILL

    sc = harness.ExportScenario(tmp_path / "check", random.Random(0), print)
    sc.out_dir = out
    sc.final_names = {"2026渝北区绿色制造推荐材料", "2026渝北区绿色制造推荐材料.zip"}
    assert sorted(p.name for p in out.iterdir()) == sorted(sc.final_names)
    snap = harness.snapshot(data, tmp_path / "snap")
    assert harness.integrity(snap) == "ok"
    assert sc._check_out_dir() == []
    assert sc._numbers_recorded(snap) == []
    con = sqlite3.connect(snap)
    try:
        assert con.execute("SELECT prefix, year, number FROM issued_document").fetchall() == [("渝北经信发", 2026, 1)]
    finally:
        con.close()
    ok, why = harness.self_test(data, tmp_path / "selftest.out")
    assert ok, why


# ----------------------------------------------------------------------------- the harness sees damage


def test_harness_flags_a_half_written_package_under_its_final_name(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    sc = harness.ExportScenario(tmp_path, random.Random(0), print)
    sc.out_dir = out
    sc.final_names = {"包", "包.zip"}
    (out / "包.zip.tmp-abc123").write_bytes(b"PK\x03\x04 half")  # a temporary: fine
    (out / "包.tmp-abc123").mkdir()
    assert sc._check_out_dir() == []
    (out / "包.zip").write_bytes(b"PK\x03\x04 half")  # cut off under the final name
    (out / "包").mkdir()  # a folder without its manifest
    problems = sc._check_out_dir()
    assert len(problems) == 2 and all("最终名称下" in p for p in problems), problems
    (out / "其他.txt").write_text("x")
    assert any("意外" in p for p in sc._check_out_dir())


def _enterprise_db(path: Path, contacts: list[str]) -> Path:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE enterprise (id INTEGER PRIMARY KEY, name TEXT, contact TEXT)")
    con.executemany("INSERT INTO enterprise (name, contact) VALUES (?, ?)",
                    [(f"企业{i}", c) for i, c in enumerate(contacts)])
    con.commit()
    con.close()
    return path


def test_harness_flags_a_half_applied_import(tmp_path: Path) -> None:
    sc = harness.ImportScenario(tmp_path, random.Random(0), print)
    before = _enterprise_db(tmp_path / "before.db", ["旧联系人"] * 4)
    after = _enterprise_db(tmp_path / "after.db", ["新联系人"] * 4 + ["新"] * 2)
    sc.before, sc.before_counts = harness.fingerprint(before), harness.row_counts(before)
    sc.after_counts, sc.existing = harness.row_counts(after), 4
    assert sc._state(_enterprise_db(tmp_path / "same.db", ["旧联系人"] * 4)) == "before"
    assert sc._state(after) == "after"
    assert "行数" in sc._state(_enterprise_db(tmp_path / "some-new.db", ["旧联系人"] * 4 + ["新"]))
    half_updates = _enterprise_db(tmp_path / "half.db", ["新联系人"] * 2 + ["旧联系人"] * 2 + ["新"] * 2)
    assert sc._state(half_updates) == "已登记企业中只有 2/4 家的修改已写入"


def _edits_db(path: Path, created: list[int], changed: list[int], moved: list[int], run: int = 1) -> Path:
    con = sqlite3.connect(path)
    con.executescript("""
        CREATE TABLE enterprise (id INTEGER PRIMARY KEY, name TEXT, contact TEXT);
        CREATE TABLE application (id INTEGER PRIMARY KEY, stage TEXT);
        CREATE TABLE stage_move (id INTEGER PRIMARY KEY, application_id INT, to_stage TEXT, reason TEXT);
    """)
    con.executemany("INSERT INTO enterprise (name, contact) VALUES (?, '测试')",
                    [(f"崩溃测试{run}-{i}有限公司",) for i in created])
    con.executemany("INSERT INTO enterprise (name, contact) VALUES ('老企业', ?)", [(f"崩溃{run}-{i}",) for i in changed])
    for i in moved:
        con.execute("INSERT INTO application (id, stage) VALUES (?, 'applied')", (i + 1,))
        con.execute("INSERT INTO stage_move (application_id, to_stage, reason) VALUES (?, 'applied', ?)",
                    (i + 1, f"崩溃测试{run}-{i}"))
    con.commit()
    con.close()
    return path


def test_harness_flags_lost_and_partial_edits(tmp_path: Path) -> None:
    sc = harness.EditsScenario(tmp_path, random.Random(0), print)
    sc.baseline_mismatch, sc.expected = set(), {}
    out = tmp_path / "run.out"
    out.write_text("ready\n" + "".join(f"committed 1 {i}\n" for i in range(3)), encoding="utf-8")

    sc.check(1, 0.5, _edits_db(tmp_path / "ok.db", [0, 1, 2, 3], [0, 1, 2, 3], [0, 1, 2, 3]), tmp_path, out)
    assert sc.counts.lost_edits == 0 and sc.counts.states == {"commit_unprinted": 1}

    sc.expected = {}
    sc.check(1, 0.5, _edits_db(tmp_path / "lost.db", [0, 1], [0, 1], [0, 1]), tmp_path, out)
    assert sc.counts.lost_edits == 1 and "已提交的编辑丢失" in sc.counts.failures[-1]

    sc.expected = {}
    sc.check(1, 0.5, _edits_db(tmp_path / "partial.db", [0, 1, 2], [0, 1, 2], [0, 1]), tmp_path, out)
    assert sc.counts.lost_edits == 2 and "只写入了一部分" in sc.counts.failures[-1]


def test_harness_counts_a_process_that_ended_first_as_no_kill(tmp_path: Path) -> None:
    t0 = time.perf_counter()
    killed, seconds = harness.run_and_kill([sys.executable, "-c", "pass"], 30.0, tmp_path / "a.out")
    assert killed is False and seconds < 20  # it waited for the process, not for the full delay
    assert time.perf_counter() - t0 < 20
    killed, seconds = harness.run_and_kill([sys.executable, "-c", "import time; time.sleep(30)"], 0.2,
                                           tmp_path / "b.out")
    assert killed is True and seconds == 0.2
