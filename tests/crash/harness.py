"""Crash-safety harness: kill the program (SIGKILL) at random moments and check what is left.

Three scenarios, each a real subprocess of the program started afresh for every kill:

* **import** — ``python -m desktop --data-dir D import FORM --yes`` of a filled enterprise form
  (tests/bench/bench_import.py's generator: a tenth of the rows change existing enterprises, the
  rest are new), each time against a fresh copy of the same database;
* **export** — ``python -m desktop --data-dir D export-package --year 2026 --out OUT --overwrite``
  of the demo data's batch, again and again into the same data folder and the same output folder
  (each run starts from what the previous kill left);
* **edits** — ``tests/crash/edits.py``: a burst of edits, one unit of work each, through
  models.subjects.save_enterprise and models.pipeline.move_application, again and again on the
  same database.

Each operation is first run once to its end and timed; every trial then sleeps a time drawn from
a seeded RNG across that duration (stratified: each kill in its own slice of it) and sends
SIGKILL (a trial whose process ended before the kill is not counted as a kill, and shortens the
span). After each kill:

* the database files are copied as the kill left them; the program must then start normally on
  the originals (stale lock file, WAL and shared-memory files of the dead process):
  ``python -m desktop --data-dir D --self-test`` exits 0;
* the copy is opened normally with sqlite3 (which recovers the WAL), and ``PRAGMA
  integrity_check`` must say ok;
* import: every table is either exactly as before (same rows, same content) or has exactly the
  row counts of a complete import with every changed field in place; in the second case the
  import's backup exists and holds the database as it was before;
* export: a folder or zip under the package's final name exists only if ``verify_package`` finds
  it whole, and its letter's document number is recorded in the database (else the next letter
  would get the same number); anything else in the output folder has a temporary name
  (``.tmp-``/``.old-``); after
  the last kill a complete export into the same folder must succeed and verify (leftovers are
  ignored);
* edits: every edit printed as committed is in the database, each edit whole (new enterprise,
  changed contact and stage move together — never one without the others), at most one more
  (committed but killed before its line was printed), and the edits of every earlier run are
  all still there;
* every backup under its final name (``backups/greendesk-*.db``) passes the integrity check.

``run(kills, seed=...)`` returns a :class:`Summary` of per-scenario :class:`Counts`; run.py
prints them and the pytest test asserts them.
"""
from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
for _p in (ROOT, ROOT / "tests" / "bench"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

DB_NAME = "greendesk.db"
YEAR = 2026
#: rows in the import file (a tenth of them change existing enterprises): ~1-3 s to import
IMPORT_ROWS = 2000
#: enterprises of the demo data behind the export and the edits (the batch has about 14 members)
DEMO_ENTERPRISES = 300
#: edits per burst
EDITS = 300
#: default kills per scenario (32 in all)
DEFAULT_KILLS = {"import": 12, "export": 10, "edits": 10}
TIMEOUT = 300
_DEMO_LOCK = threading.Lock()


class HarnessError(RuntimeError):
    """The harness itself could not run (a setup step failed): not a finding about the program."""


@dataclass
class Counts:
    scenario: str
    kills: int = 0
    ran_to_end: int = 0  # drawn moment came after the process had ended: not a kill
    integrity_ok: int = 0
    starts_ok: int = 0
    half_imports: int = 0
    half_packages: int = 0
    lost_edits: int = 0  # trials where a committed edit was missing or an edit was half there
    bad_backups: int = 0  # backups under their final name that fail the integrity check
    states: dict[str, int] = field(default_factory=dict)  # what the kills left: before/after, …
    failures: list[str] = field(default_factory=list)
    duration_s: float = 0.0  # the complete operation, measured once
    elapsed_s: float = 0.0

    def state(self, name: str) -> None:
        self.states[name] = self.states.get(name, 0) + 1

    def fail(self, trial: int, delay: float, text: str) -> None:
        self.failures.append(f"{self.scenario} #{trial} (SIGKILL 于 {delay:.2f}s)：{text}")

    @property
    def ok(self) -> bool:
        return not self.failures

    def line(self) -> str:
        states = " ".join(f"{k}={v}" for k, v in sorted(self.states.items()))
        return (f"{self.scenario:<7} kills={self.kills} integrity_ok={self.integrity_ok} "
                f"half_applied_imports={self.half_imports} half_written_packages={self.half_packages} "
                f"lost_or_partial_edits={self.lost_edits} bad_backups={self.bad_backups} "
                f"starts_ok={self.starts_ok} ran_to_end={self.ran_to_end} "
                f"op_s={self.duration_s:.2f} elapsed_s={self.elapsed_s:.0f}"
                + (f" left: {states}" if states else ""))


@dataclass
class Summary:
    seed: int
    scenarios: list[Counts]
    wall_s: float = 0.0

    @property
    def kills(self) -> int:
        return sum(c.kills for c in self.scenarios)

    @property
    def failures(self) -> list[str]:
        return [f for c in self.scenarios for f in c.failures]

    def text(self) -> str:
        lines = [f"seed={self.seed}"] + [c.line() for c in self.scenarios]
        total = Counts("total")
        for c in self.scenarios:
            for name in ("kills", "integrity_ok", "half_imports", "half_packages", "lost_edits", "bad_backups",
                         "starts_ok", "ran_to_end"):
                setattr(total, name, getattr(total, name) + getattr(c, name))
        lines.append(total.line().split(" op_s=")[0] + f" wall_s={self.wall_s:.0f}")
        lines += [f"FAIL {f}" for f in self.failures]
        return "\n".join(lines)


# ----------------------------------------------------------------------------- processes


def _env() -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen", PYTHONDONTWRITEBYTECODE="1")
    return env


def program(data_dir: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "desktop", "--data-dir", str(data_dir), *args]


def run_to_end(cmd: list[str], out: Path) -> tuple[float, int]:
    """Run ``cmd`` to its end (stdout and stderr into ``out``); returns (seconds, exit code)."""
    t0 = time.perf_counter()
    with open(out, "wb") as f:
        rc = subprocess.run(cmd, cwd=ROOT, env=_env(), stdout=f, stderr=subprocess.STDOUT,
                            timeout=TIMEOUT).returncode
    return time.perf_counter() - t0, rc


def run_and_kill(cmd: list[str], delay: float, out: Path) -> tuple[bool, float]:
    """Start ``cmd``, SIGKILL it ``delay`` seconds later. Returns (killed, seconds): killed is
    False when the process had already ended, after ``seconds`` (its output goes to ``out``, a
    file: a pipe nobody reads could stall it)."""
    with open(out, "wb") as f:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=_env(), stdout=f, stderr=subprocess.STDOUT)
        deadline = t0 + delay
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                break
            try:
                proc.wait(timeout=left)
                return False, time.perf_counter() - t0
            except subprocess.TimeoutExpired:
                pass
        if proc.poll() is not None:
            return False, time.perf_counter() - t0
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=TIMEOUT)
        return True, delay


def self_test(data_dir: Path, out: Path) -> tuple[bool, str]:
    """The program starts normally on what the kill left: ``--self-test`` exits 0."""
    try:
        _, rc = run_to_end(program(data_dir, "--self-test"), out)
    except subprocess.TimeoutExpired:
        return False, "自检超时"
    text = out.read_text(encoding="utf-8", errors="replace").strip()
    return rc == 0, f"exit {rc}: {text[-600:]}"


# ----------------------------------------------------------------------------- the database


def snapshot(data_dir: Path, dest: Path) -> Path:
    """Copy the database with its -wal and -shm exactly as they are (no process has them open)."""
    dest.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        src = data_dir / (DB_NAME + suffix)
        if src.exists():
            shutil.copyfile(src, dest / src.name)
    return dest / DB_NAME


def integrity(path: Path) -> str:
    """``PRAGMA integrity_check`` after a normal open (which recovers a WAL left behind)."""
    try:
        con = sqlite3.connect(path)
        try:
            rows = [r[0] for r in con.execute("PRAGMA integrity_check")]
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        return f"{type(exc).__name__}: {exc}"
    return "ok" if rows == ["ok"] else "; ".join(rows[:5])


def connect_ro(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def tables(con: sqlite3.Connection) -> list[str]:
    return sorted(r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                            "AND name NOT LIKE 'sqlite_%'"))


def row_counts(path: Path) -> dict[str, int]:
    con = connect_ro(path)
    try:
        return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables(con)}
    finally:
        con.close()


def fingerprint(path: Path) -> dict[str, str]:
    """Every table's rows, hashed in rowid order: equal fingerprints, equal content."""
    con = connect_ro(path)
    try:
        out = {}
        for t in tables(con):
            h = hashlib.sha256()
            for row in con.execute(f'SELECT * FROM "{t}" ORDER BY rowid'):
                h.update(repr(row).encode())
            out[t] = h.hexdigest()
        return out
    finally:
        con.close()


def scalar(path: Path, sql: str, params: tuple = ()) -> object:
    con = connect_ro(path)
    try:
        return con.execute(sql, params).fetchone()[0]
    finally:
        con.close()


def check_backups(data_dir: Path, counts: Counts, trial: int, delay: float) -> None:
    """Every backup under its final name is a whole database (half-written ones only as .part)."""
    for b in sorted((data_dir / "backups").glob("greendesk-*.db")):
        result = integrity(b)
        if result != "ok":
            counts.bad_backups += 1
            counts.fail(trial, delay, f"备份 {b.name} 已损坏：{result}")


# ----------------------------------------------------------------------------- scenarios


class Scenario:
    name = ""

    def __init__(self, work: Path, rng: random.Random, log: Callable[[str], None]) -> None:
        self.root = work
        self.work = work / self.name
        self.work.mkdir(parents=True, exist_ok=True)
        self.rng = rng
        self.log = log
        self.counts = Counts(self.name)

    # subclasses: setup() measures the complete operation; command(trial) -> (cmd, data dir);
    # check(trial, delay, snapshot db, data dir, output file)
    def setup(self) -> float:
        raise NotImplementedError

    def prepare_trial(self, trial: int) -> tuple[list[str], Path]:
        raise NotImplementedError

    def check(self, trial: int, delay: float, db: Path, data_dir: Path, out: Path) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        """After the last kill."""

    def demo_copy(self, dest: Path) -> None:
        """A copy of the demo data folder (made once by ``greendesk demo``, shared by scenarios)."""
        demo = self.root / "demo"
        with _DEMO_LOCK:
            if not (demo / DB_NAME).exists():
                _, rc = run_to_end(program(demo, "demo", "--enterprises", str(DEMO_ENTERPRISES)),
                                   self.root / "demo.out")
                if rc != 0:
                    raise HarnessError(f"生成演示数据失败：{(self.root / 'demo.out').read_text()[-800:]}")
            shutil.copytree(demo, dest)

    def run(self, kills: int) -> Counts:
        c = self.counts
        t0 = time.perf_counter()
        c.duration_s = self.setup()
        self.log(f"{self.name}: complete operation {c.duration_s:.2f}s; {kills} kills")
        trial = 0
        attempts = 0
        span = c.duration_s  # shortened when a run ends sooner (the machine got less busy)
        # stratified: the k-th kill falls at a random moment of its own k-th slice of the span,
        # the slices shuffled, so the kills cover the whole operation, its last moments too
        slices = list(range(kills))
        self.rng.shuffle(slices)
        while c.kills < kills and attempts < kills * 3:
            attempts += 1
            trial += 1
            cmd, data_dir = self.prepare_trial(trial)
            delay = span * (slices[c.kills] + self.rng.random()) / kills
            out = self.work / f"trial{trial}.out"
            killed, seconds = run_and_kill(cmd, delay, out)
            if not killed:
                span = min(span, seconds)
                c.ran_to_end += 1
                self.after_run_to_end(trial, data_dir, out)
                continue
            c.kills += 1
            failures_before = len(c.failures)
            # what the kill left, copied before the program sees it; the program then starts on
            # the original (stale lock, WAL), sqlite3 recovers the copy for the checks
            snap_dir = self.work / f"snap{trial}"
            db = snapshot(data_dir, snap_dir)
            ok, why = self_test(data_dir, self.work / f"trial{trial}.selftest")
            if ok:
                c.starts_ok += 1
            else:
                c.fail(trial, delay, f"程序未能正常启动（--self-test）：{why}")
            result = integrity(db)
            if result == "ok":
                c.integrity_ok += 1
                try:
                    self.check(trial, delay, db, data_dir, out)
                except sqlite3.DatabaseError as exc:
                    c.fail(trial, delay, f"数据库无法读取：{exc}")
            else:
                c.fail(trial, delay, f"PRAGMA integrity_check：{result}")
            check_backups(data_dir, c, trial, delay)
            shutil.rmtree(snap_dir, ignore_errors=True)
            if len(c.failures) == failures_before:  # a failed trial's folder stays for a look (--work)
                self.cleanup_trial(trial, data_dir)
            self.log(f"{self.name} #{trial}: SIGKILL at {delay:.2f}s -> "
                     + ("ok" if not c.failures else f"{len(c.failures)} failure(s) so far"))
        self.finish()
        c.elapsed_s = time.perf_counter() - t0
        return c

    def after_run_to_end(self, trial: int, data_dir: Path, out: Path) -> None:
        """A trial that was not killed (the process ended first)."""

    def cleanup_trial(self, trial: int, data_dir: Path) -> None:
        """After a kill has been checked."""


class ImportScenario(Scenario):
    """A long import, killed; each trial on a fresh copy of the same database."""

    name = "import"

    def setup(self) -> float:
        from bench_import import prepare

        pristine, self.form = prepare(self.work / "source", IMPORT_ROWS)
        self.pristine = pristine
        self.before = fingerprint(pristine / DB_NAME)
        self.before_counts = row_counts(pristine / DB_NAME)
        self.existing = scalar(pristine / DB_NAME, "SELECT count(*) FROM enterprise")
        full = self.work / "complete"
        shutil.copytree(pristine, full)
        seconds, rc = run_to_end(program(full, "import", str(self.form), "--yes"), self.work / "complete.out")
        if rc != 0:
            raise HarnessError(f"完整导入失败（exit {rc}）：{(self.work / 'complete.out').read_text()[-800:]}")
        self.after_counts = row_counts(full / DB_NAME)
        if self.after_counts == self.before_counts:
            raise HarnessError("完整导入没有改变数据库：导入文件不对")
        shutil.rmtree(full)
        return seconds

    def prepare_trial(self, trial: int) -> tuple[list[str], Path]:
        d = self.work / f"data{trial}"
        shutil.rmtree(d, ignore_errors=True)
        shutil.copytree(self.pristine, d)
        return program(d, "import", str(self.form), "--yes"), d

    def _state(self, db: Path) -> str:
        """"before" (untouched), "after" (the whole import), or what is wrong."""
        if fingerprint(db) == self.before:
            return "before"
        counts = row_counts(db)
        if counts != self.after_counts:
            diff = {t: (self.before_counts.get(t), n, self.after_counts.get(t))
                    for t, n in counts.items() if n != self.after_counts.get(t)}
            return f"行数既不是导入前也不是导入后（表：导入前/现在/导入后）{diff}"
        changed = scalar(db, "SELECT count(*) FROM enterprise WHERE contact = '新联系人'")
        if changed != self.existing:
            return f"已登记企业中只有 {changed}/{self.existing} 家的修改已写入"
        return "after"

    def check(self, trial: int, delay: float, db: Path, data_dir: Path, out: Path) -> None:
        c = self.counts
        state = self._state(db)
        if state not in ("before", "after"):
            c.half_imports += 1
            c.fail(trial, delay, f"导入只做了一半：{state}")
            return
        backups = sorted((data_dir / "backups").glob("greendesk-*-import.db"))
        # "before" with the import's backup taken: killed while the import was writing
        c.state("before_backup_taken" if state == "before" and backups else state)
        if state == "after":
            if not backups:
                c.fail(trial, delay, "导入已写入，但没有导入前的自动备份")
            elif integrity(backups[-1]) != "ok" or fingerprint(backups[-1]) != self.before:
                c.fail(trial, delay, f"导入前的自动备份 {backups[-1].name} 与导入前的数据库不同")

    def after_run_to_end(self, trial: int, data_dir: Path, out: Path) -> None:
        shutil.rmtree(data_dir, ignore_errors=True)

    def cleanup_trial(self, trial: int, data_dir: Path) -> None:
        shutil.rmtree(data_dir, ignore_errors=True)  # a copy of the database per kill adds up


class ExportScenario(Scenario):
    """The package export, killed again and again into the same output folder."""

    name = "export"

    def setup(self) -> float:
        full = self.work / "complete"
        self.demo_copy(full)
        seconds, rc = run_to_end(self._cmd(full, self.work / "complete-out"), self.work / "complete.out")
        if rc != 0:
            raise HarnessError(f"完整导出失败（exit {rc}）：{(self.work / 'complete.out').read_text()[-800:]}")
        from exports.package import verify_package

        finals = [p for p in (self.work / "complete-out").iterdir()]
        if len(finals) != 2 or not all(verify_package(p).ok for p in finals):
            raise HarnessError(f"完整导出的结果不对：{finals}")
        self.final_names = {p.name for p in finals}
        shutil.rmtree(full)
        shutil.rmtree(self.work / "complete-out")
        self.data_dir = self.work / "data"
        self.demo_copy(self.data_dir)
        self.out_dir = self.work / "out"
        self.out_dir.mkdir()
        return seconds

    def _cmd(self, data_dir: Path, out_dir: Path) -> list[str]:
        return program(data_dir, "export-package", "--year", str(YEAR), "--out", str(out_dir), "--overwrite")

    def prepare_trial(self, trial: int) -> tuple[list[str], Path]:
        return self._cmd(self.data_dir, self.out_dir), self.data_dir

    def _check_out_dir(self) -> list[str]:
        """What is wrong in the output folder (empty: nothing)."""
        from exports.package import PackageError, verify_package

        problems = []
        for p in sorted(self.out_dir.iterdir()):
            if p.name in self.final_names:
                try:
                    report = verify_package(p)
                except PackageError as exc:
                    problems.append(f"“{p.name}”在最终名称下但不是完整的材料包：{exc}")
                    continue
                if not report.ok:
                    problems.append(f"“{p.name}”在最终名称下但与清单不一致：{'；'.join(report.lines()[:3])}")
            elif ".tmp-" not in p.name and ".old-" not in p.name:
                problems.append(f"输出文件夹中有意外的“{p.name}”")
        return problems

    def _numbers_recorded(self, db: Path) -> list[str]:
        """The letter of a package under its final name carries a document number the database
        has recorded (else the next export would issue the same number again)."""
        import json
        import zipfile

        from models.documents import format_doc_number

        con = connect_ro(db)
        try:
            issued = {format_doc_number(p, y, n) for p, y, n in
                      con.execute("SELECT prefix, year, number FROM issued_document")}
        finally:
            con.close()
        missing = []
        for p in self.out_dir.iterdir():
            if p.name not in self.final_names:
                continue
            if p.is_dir():
                manifest = json.loads((p / "manifest.json").read_text(encoding="utf-8"))
            else:
                with zipfile.ZipFile(p) as zf:
                    name = next(n for n in zf.namelist() if n.endswith("/manifest.json"))
                    manifest = json.loads(zf.read(name).decode("utf-8"))
            number = manifest["letter"]["doc_number"]
            if number not in issued:
                missing.append(f"“{p.name}”的推荐函文号 {number} 未记入数据库（下次导出会重复使用）")
        return missing

    def check(self, trial: int, delay: float, db: Path, data_dir: Path, out: Path) -> None:
        c = self.counts
        problems = self._check_out_dir()
        if problems:
            c.half_packages += 1
            c.fail(trial, delay, "；".join(problems))
            return
        finals = sorted(p.name for p in self.out_dir.iterdir() if p.name in self.final_names)
        c.state("package" if finals else "no_package")
        for problem in self._numbers_recorded(db):
            c.fail(trial, delay, problem)

    def finish(self) -> None:
        """Leftovers of the killed runs are ignored: a complete export into the same folder works."""
        c = self.counts
        leftovers = [p.name for p in self.out_dir.iterdir() if p.name not in self.final_names]
        seconds, rc = run_to_end(self._cmd(self.data_dir, self.out_dir), self.work / "final.out")
        problems = self._check_out_dir()
        finals = [p for p in self.out_dir.iterdir() if p.name in self.final_names]
        if rc != 0 or problems or len(finals) != len(self.final_names):
            c.fail(0, 0.0, f"被中断后再次完整导出失败（exit {rc}）：{'；'.join(problems)} "
                           f"{(self.work / 'final.out').read_text(errors='replace')[-400:]}")
        c.states["temp_leftovers"] = len(leftovers)


class EditsScenario(Scenario):
    """A burst of edits, killed; every run continues on the database the last kill left."""

    name = "edits"

    def setup(self) -> float:
        self.data_dir = self.work / "data"
        self.demo_copy(self.data_dir)
        self.baseline_mismatch = self._stage_mismatch(self.data_dir / DB_NAME)
        self.expected: dict[int, int] = {}  # run -> edits found whole after its kill
        out = self.work / "run0.out"
        seconds, rc = run_to_end(self._cmd(0), out)
        if rc != 0 or self._printed(out) != EDITS:
            raise HarnessError(f"完整的编辑过程失败（exit {rc}）：{out.read_text(errors='replace')[-800:]}")
        self.expected[0] = EDITS
        return seconds

    def _cmd(self, run: int) -> list[str]:
        return [sys.executable, str(HERE / "edits.py"), "--data-dir", str(self.data_dir), "--run", str(run),
                "--count", str(EDITS)]

    def prepare_trial(self, trial: int) -> tuple[list[str], Path]:
        return self._cmd(trial), self.data_dir

    @staticmethod
    def _printed(out: Path) -> int:
        lines = out.read_text(encoding="utf-8", errors="replace").splitlines()
        return sum(1 for line in lines if line.startswith("committed "))

    @staticmethod
    def _stage_mismatch(db: Path) -> set[int]:
        """Applications whose stage is not where their last move took them."""
        con = connect_ro(db)
        try:
            return {r[0] for r in con.execute(
                "SELECT a.id FROM application a JOIN stage_move m ON m.id = "
                "(SELECT max(id) FROM stage_move WHERE application_id = a.id) WHERE a.stage != m.to_stage")}
        finally:
            con.close()

    @staticmethod
    def _indices(db: Path, sql: str, prefix: str) -> set[int]:
        con = connect_ro(db)
        try:
            return {int(r[0][len(prefix):].split("有限公司")[0]) for r in con.execute(sql, (prefix + "%",))}
        finally:
            con.close()

    def _found(self, db: Path, run: int) -> tuple[set[int], set[int], set[int]]:
        created = self._indices(db, "SELECT name FROM enterprise WHERE name LIKE ?", f"崩溃测试{run}-")
        changed = self._indices(db, "SELECT contact FROM enterprise WHERE contact LIKE ?", f"崩溃{run}-")
        moved = self._indices(db, "SELECT reason FROM stage_move WHERE reason LIKE ?", f"崩溃测试{run}-")
        return created, changed, moved

    def check(self, trial: int, delay: float, db: Path, data_dir: Path, out: Path) -> None:
        c = self.counts
        printed = self._printed(out)
        created, changed, moved = self._found(db, trial)
        problems = []
        if not (created == changed == moved):
            problems.append(f"编辑只写入了一部分：新企业 {len(created)}，改联系人 {len(changed)}，环节变动 {len(moved)}")
        n = len(created)
        if created != set(range(n)):
            problems.append(f"写入的编辑不连续：{sorted(set(range(max(created, default=-1) + 1)) - created)[:5]} 缺失")
        if n < printed:
            problems.append(f"已提交的编辑丢失：报告提交 {printed} 次，数据库中只有 {n} 次")
        elif n > printed + 1:
            problems.append(f"数据库中有 {n} 次编辑，多于已提交的 {printed} 次（+1）")
        mismatch = self._stage_mismatch(db) - self.baseline_mismatch
        if mismatch:
            problems.append(f"{len(mismatch)} 个申报的环节与其最后一次变动不符：{sorted(mismatch)[:5]}")
        for run, want in self.expected.items():
            found = self._found(db, run)
            got, got_moves = len(found[0]), len(found[2])
            if got != want or got_moves != want:
                problems.append(f"第 {run} 轮已确认的 {want} 次编辑现在只剩 {got}/{got_moves}")
        if problems:
            c.lost_edits += 1
            c.fail(trial, delay, "；".join(problems))
        c.state("commit_unprinted" if n == printed + 1 else "as_printed")
        self.expected[trial] = n

    def after_run_to_end(self, trial: int, data_dir: Path, out: Path) -> None:
        self.expected[trial] = self._printed(out)


SCENARIOS: dict[str, type[Scenario]] = {"import": ImportScenario, "export": ExportScenario, "edits": EditsScenario}


def run(kills: dict[str, int] | int | None = None, *, seed: int | None = None, work: Path | None = None,
        log: Callable[[str], None] = lambda s: None, jobs: int = 2) -> Summary:
    """Run the scenarios (``kills``: per scenario, or a total spread like DEFAULT_KILLS), ``jobs``
    of them at a time (each scenario's trials run one after another)."""
    import tempfile
    from concurrent.futures import ThreadPoolExecutor

    if seed is None:
        seed = random.SystemRandom().randrange(1, 2**31)
    if kills is None:
        plan = dict(DEFAULT_KILLS)
    elif isinstance(kills, int):
        total = sum(DEFAULT_KILLS.values())
        plan = {k: max(1, round(kills * v / total)) for k, v in DEFAULT_KILLS.items()}
    else:
        plan = dict(kills)
    own = work is None
    work = Path(tempfile.mkdtemp(prefix="greendesk-crash-")) if own else Path(work)
    log(f"seed={seed} work={work}")
    t0 = time.perf_counter()
    try:
        scenarios = [SCENARIOS[name](work, random.Random(f"{seed}-{name}"), log) for name in plan]
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = [pool.submit(sc.run, plan[sc.name]) for sc in scenarios]
            results = [f.result() for f in futures]
        return Summary(seed, results, time.perf_counter() - t0)
    finally:
        if own:
            shutil.rmtree(work, ignore_errors=True)
