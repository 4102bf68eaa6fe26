"""Benchmarks: the program against a baseline measured in the same run, printed as ratios.

    python tests/bench/run.py            # 20,000 enterprises / 30,000 applications
    python tests/bench/run.py --quick    # 2,000 / 3,000, a few seconds
    python tests/bench/run.py --only filter

One line per figure: ``NAME ratio=R target<=T key=value ...``. The data is generated afresh
(models.demo, fixed seed) in a temporary folder. The script is not part of the test suite: it
exits 0 unless something crashed, whatever the ratios say.

Adding a figure is one function, here::

    @figure("name", target=3.0)
    def name(bench: Bench) -> tuple[float, dict]:
        ...                      # measure the program and a baseline
        return ratio, {"program_ms": ..., "baseline_ms": ...}

or a module of its own, ``tests/bench/bench_NAME.py`` with ``bench_NAME(quick) -> dict`` (``ratio``,
``target`` or a module-level ``TARGET``, and any details), found and printed here as ``NAME``.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@dataclass
class Bench:
    quick: bool
    data_dir: Path  # holds greendesk.db with the generated data
    work: Path  # scratch folder
    enterprises: int
    applications: int
    runs: int = 3
    cache: dict[str, Any] = field(default_factory=dict)

    def once(self, key: str, fn: Callable[[], Any]) -> Any:
        """A measurement that several figures share, taken once."""
        if key not in self.cache:
            self.cache[key] = fn()
        return self.cache[key]


FigureFn = Callable[[Bench], tuple[float, dict[str, Any]]]
#: name -> (target, function); a function may also return details["target"] (modules do)
FIGURES: dict[str, tuple[float | None, FigureFn]] = {}


def figure(name: str, *, target: float | None) -> Callable[[FigureFn], FigureFn]:
    def deco(fn: FigureFn) -> FigureFn:
        FIGURES[name] = (target, fn)
        return fn

    return deco


# ---------------------------------------------------------------------------------- helpers
@dataclass
class ChildRun:
    seconds: float
    peak_rss_kb: int | None  # the child's peak resident memory (None where the OS won't say)
    stdout: str
    stderr: str
    returncode: int
    cpu_seconds: float | None = None  # the child's own user + system CPU time
    ready_seconds: float | None = None  # from launch until it printed its ready line
    ready_peak_rss_kb: int | None = None  # peak RSS at that moment
    ready_cpu_seconds: float | None = None  # CPU time used by then


# Runs a module or a code string the way ``python -m`` / ``python -c`` would, and reports the
# process's own peak RSS (VmHWM) at exit. Not getrusage(RUSAGE_CHILDREN): on Linux a child's
# ru_maxrss also counts the memory of the process it was forked from (this one, which holds the
# generated data), so the bare window would look as big as the program.
_WRAPPER = """
import atexit, os, runpy, sys, time
def _hwm():
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith('VmHWM:'):
                    return line.split()[1]
    except OSError:
        return None
def _peak():
    sys.stderr.write('BENCH_CPU_S=' + repr(time.process_time()) + chr(10))
    kb = _hwm()
    if kb:
        sys.stderr.write('BENCH_PEAK_KB=' + kb + chr(10))
    sys.stderr.flush()
atexit.register(_peak)
class _Tap:
    # the peak RSS when the program prints its ready line
    def __init__(self, out, marker):
        self._out, self._marker = out, marker
    def write(self, text):
        if self._marker and self._marker in text:
            self._marker = None
            sys.stderr.write('BENCH_READY_CPU_S=' + repr(time.process_time()) + chr(10))
            kb = _hwm()
            if kb:
                sys.stderr.write('BENCH_READY_PEAK_KB=' + kb + chr(10))
        return self._out.write(text)
    def __getattr__(self, name):
        return getattr(self._out, name)
sys.stdout = _Tap(sys.stdout, os.environ.pop('BENCH_READY_MARKER', ''))
mode, target, *rest = sys.argv[1:]
if mode == '-m':
    sys.argv = [target, *rest]
    runpy.run_module(target, run_name='__main__', alter_sys=True)
else:
    sys.argv = ['-c', *rest]
    exec(compile(target, '<string>', 'exec'), {'__name__': '__main__'})
"""


def run_child(args: list[str], *, cwd: Path = ROOT, ready: str | None = None) -> ChildRun:
    """Run ``python -m MODULE ...`` or ``python -c CODE ...`` to the end: wall time, CPU time
    and peak RSS, and when it printed a line containing ``ready`` (its output is read as it
    comes). Python writes its bytecode cache (as an installed program has it): with
    PYTHONDONTWRITEBYTECODE set, every run would compile the program's own modules again, a
    cost the bare window (nothing of ours to compile) never pays."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["BENCH_READY_MARKER"] = ready or ""
    marker = ready.encode("utf-8") if ready else None
    ready_at = None
    out: list[bytes] = []
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", _WRAPPER, *args], cwd=cwd, env=env,
                                stdout=subprocess.PIPE, stderr=err)
        assert proc.stdout is not None
        for line in proc.stdout:
            if ready_at is None and marker is not None and marker in line:
                ready_at = time.perf_counter() - t0
            out.append(line)
        returncode = proc.wait()
        seconds = time.perf_counter() - t0
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    peak = cpu = ready_peak = ready_cpu = None
    lines = []
    for line in stderr.splitlines():
        if line.startswith("BENCH_PEAK_KB="):
            peak = int(line.split("=", 1)[1])
        elif line.startswith("BENCH_READY_PEAK_KB="):
            ready_peak = int(line.split("=", 1)[1])
        elif line.startswith("BENCH_READY_CPU_S="):
            ready_cpu = float(line.split("=", 1)[1])
        elif line.startswith("BENCH_CPU_S="):
            cpu = float(line.split("=", 1)[1])
        else:
            lines.append(line)
    return ChildRun(seconds, peak, b"".join(out).decode("utf-8", "replace"), "\n".join(lines), returncode, cpu,
                    ready_at, ready_peak, ready_cpu)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def mb(kb: float | None) -> str:
    return "n/a" if kb is None else f"{kb / 1024:.1f}"


BARE_WINDOW = """
import sys
from PySide6.QtWidgets import QApplication, QWidget
app = QApplication(sys.argv[:1])
w = QWidget()
w.show()
app.processEvents()
print("READY", flush=True)
w.close()
"""
#: the line each program prints once its window is on screen (the program: desktop.app.READY_LINE)
APP_READY = "窗口已就绪"
BARE_READY = "READY"


def _ok_self_test(r: ChildRun) -> None:
    if r.returncode != 0 or "自检通过" not in r.stdout or r.ready_seconds is None:
        raise RuntimeError(f"self-test failed (exit {r.returncode}):\n{r.stdout}\n{r.stderr}")


def _ok_bare(r: ChildRun) -> None:
    if r.returncode != 0 or r.ready_seconds is None:
        raise RuntimeError(f"bare window failed (exit {r.returncode}):\n{r.stderr}")


def _startup_pairs(bench: Bench) -> tuple[list[ChildRun], list[ChildRun]]:
    """The self-test and the bare window run by turns (one warm-up pair, then ``runs`` pairs):
    each pair meets the machine in the same state, so a busy or quiet spell on a shared machine
    moves both sides of the ratio, not one."""
    args = ["-m", "desktop", "--data-dir", str(bench.data_dir), "--self-test", "--user", "bench"]
    program: list[ChildRun] = []
    bare: list[ChildRun] = []
    for i in range(bench.runs + 1):
        p = run_child(args, ready=APP_READY)
        _ok_self_test(p)
        b = run_child(["-c", BARE_WINDOW], ready=BARE_READY)
        _ok_bare(b)
        if i:
            program.append(p)
            bare.append(b)
    return program, bare


def self_test_runs(bench: Bench) -> list[ChildRun]:
    return bench.once("startup_pairs", lambda: _startup_pairs(bench))[0]


def bare_runs(bench: Bench) -> list[ChildRun]:
    return bench.once("startup_pairs", lambda: _startup_pairs(bench))[1]


# ---------------------------------------------------------------------------------- figures
@figure("startup", target=5.0)
def startup(bench: Bench) -> tuple[float, dict[str, Any]]:
    """The issue's figure: the whole `python -m desktop --self-test` on the data (open, back up,
    migrate, build the window, load every view once, exit) against a bare PySide6 program that
    shows one empty QWidget and exits: ``self_test_ms`` / ``bare_window_ms``. Also reported,
    not the target's figure: ``ready_ratio``, from launch until each says its window is on
    screen and painted (the program with its first tab's data). Medians of the runs; CPU time
    too (less disturbed by other work on a busy machine)."""
    runs, bare_r = self_test_runs(bench), bare_runs(bench)
    ready = statistics.median(r.ready_seconds for r in runs)
    bare_ready = statistics.median(r.ready_seconds for r in bare_r)
    app = statistics.median(r.seconds for r in runs)
    bare = statistics.median(r.seconds for r in bare_r)
    details: dict[str, Any] = {"self_test_ms": ms(app), "bare_window_ms": ms(bare),
                               "ready_ratio": f"{ready / bare_ready:.2f}", "ready_ms": ms(ready),
                               "bare_ready_ms": ms(bare_ready)}
    if all(r.ready_cpu_seconds is not None for r in [*runs, *bare_r]):
        cpu, bare_cpu = (statistics.median(r.ready_cpu_seconds for r in rs) for rs in (runs, bare_r))
        details |= {"ready_cpu_ratio": f"{cpu / bare_cpu:.2f}", "ready_cpu_ms": ms(cpu), "bare_ready_cpu_ms": ms(bare_cpu)}
    details |= {"runs": bench.runs}
    if all(r.cpu_seconds is not None for r in [*runs, *bare_r]):
        app_cpu = statistics.median(r.cpu_seconds for r in runs)
        bare_cpu = statistics.median(r.cpu_seconds for r in bare_r)
        details |= {"full_cpu_ratio": f"{app_cpu / bare_cpu:.2f}", "self_test_cpu_ms": ms(app_cpu),
                    "bare_window_cpu_ms": ms(bare_cpu)}
    return app / bare, details


@figure("memory", target=3.0)
def memory(bench: Bench) -> tuple[float, dict[str, Any]]:
    """Peak RSS (VmHWM) of that same --self-test, to its end (every view loaded), against the
    bare window's; ``ready_mb``: the self-test's peak when its window was ready."""
    runs, bare_r = self_test_runs(bench), bare_runs(bench)
    app = [r.peak_rss_kb for r in runs]
    bare = [r.peak_rss_kb for r in bare_r]
    if None in app or None in bare:
        return float("nan"), {"note": "peak RSS needs /proc (Linux)"}
    a, b = statistics.median(app), statistics.median(bare)
    details: dict[str, Any] = {"self_test_mb": mb(a), "bare_window_mb": mb(b)}
    ready = [r.ready_peak_rss_kb for r in runs]
    if None not in ready:
        details["ready_mb"] = mb(statistics.median(ready))
    return a / b, details


FILTER_TERMS = ["汽车", "重庆", "电子科技", "华", "91500112", "股份", "王", "不存在的企业名"]


@figure("filter", target=20.0)
def filter_keystroke(bench: Bench) -> tuple[float, dict[str, Any]]:
    """One keystroke in the enterprises search box over every enterprise, until the table is
    updated, against one Python pass of str.find over the same names. Each term is typed up to
    its last character first; the last character is the keystroke timed."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from desktop.context import AppContext
    from models.db import Database

    app = QApplication.instance() or QApplication(sys.argv[:1])
    db = Database.open(bench.data_dir, user="bench", backup=False)
    try:
        settings = QSettings(str(bench.work / "bench.ini"), QSettings.Format.IniFormat)
        ctx = AppContext(db, settings)
        widget, line, rows, source = _enterprise_table(ctx)
        widget.resize(1400, 860)
        widget.show()
        app.processEvents()
        names = [r[1] or "" for r in rows]

        def keystroke(term: str) -> float:
            line.setText(term[:-1])
            app.processEvents()
            t0 = time.perf_counter()
            line.insert(term[-1])  # what a key press (or an input-method commit) does
            app.processEvents()
            dt = time.perf_counter() - t0
            line.clear()
            app.processEvents()
            return dt

        def find_pass(term: str) -> float:
            t0 = time.perf_counter()
            hits = [i for i, n in enumerate(names) if n.find(term) >= 0]
            dt = time.perf_counter() - t0
            assert hits is not None
            return dt

        first = keystroke(FILTER_TERMS[0])  # includes any lazy index building
        key_times = [statistics.median(keystroke(t) for _ in range(3)) for t in FILTER_TERMS]
        find_times = [statistics.median(find_pass(t) for _ in range(5)) for t in FILTER_TERMS]
        widget.close()
        widget.deleteLater()
        app.processEvents()
    finally:
        db.close()
    k, f = statistics.median(key_times), statistics.median(find_times)
    return k / f, {
        "keystroke_ms": ms(k), "str_find_ms": ms(f), "first_keystroke_ms": ms(first),
        "slowest_term_ms": ms(max(key_times)), "rows": len(rows), "terms": len(FILTER_TERMS), "via": source,
    }


def _enterprise_table(ctx):
    """The real enterprises view when it has a search box and a table; otherwise a QTableView
    over SearchProxy/RowsModel with the enterprise rows, wired the way the views wire it."""
    from PySide6.QtWidgets import QLineEdit, QTableView, QVBoxLayout, QWidget

    try:
        from desktop.views.subjects import EnterprisesView

        view = EnterprisesView(ctx)
        line = view.findChild(QLineEdit, "search") or getattr(view, "search", None)
        table = view.findChild(QTableView)
        view.refresh()
        model = getattr(view, "model", None)
        if isinstance(line, QLineEdit) and table is not None and model is not None and hasattr(model, "rows"):
            return view, line, model.rows(), "EnterprisesView"
        view.deleteLater()
    except Exception:  # a view being rewritten must not stop the benchmark
        traceback.print_exc(file=sys.stderr)

    from desktop.table_model import Column, RowsModel, SearchProxy
    from models.subjects import enterprise_rows

    with ctx.db.uow() as uow:
        rows = enterprise_rows(uow.session)
    headers = ["名称", "统一社会信用代码", "区县", "行业", "园区", "主要产品", "联系人", "电话"]
    model = RowsModel([Column(h, i + 1) for i, h in enumerate(headers)])
    model.set_rows(rows)
    proxy = SearchProxy(model)
    widget = QWidget()
    line = QLineEdit(widget)
    table = QTableView(widget)
    table.setModel(proxy)
    line.textChanged.connect(proxy.set_search)
    lay = QVBoxLayout(widget)
    lay.addWidget(line)
    lay.addWidget(table)
    widget._keep = (model, proxy)  # keep the Python wrappers alive
    return widget, line, rows, "RowsModel+SearchProxy"


# ---------------------------------------------------------------------------------- modules
def module_figure(path: Path) -> FigureFn:
    """A figure from tests/bench/bench_NAME.py: ``bench_NAME(quick)`` returns a dict with
    ``ratio`` and details; the target is ``target``/``target_ratio`` there or the module's TARGET.
    The module makes its own data; it is imported only when its figure runs."""
    name = path.stem[len("bench_"):]

    def run(bench: Bench) -> tuple[float, dict[str, Any]]:
        import importlib.util

        spec = importlib.util.spec_from_file_location(f"greendesk_bench_{name}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        details = dict(getattr(module, f"bench_{name}")(bench.quick))
        ratio = float(details.pop("ratio"))
        target = details.pop("target", None) or details.pop("target_ratio", None) or getattr(module, "TARGET", None)
        details.pop("target_ratio", None)
        if target is not None:
            details["target"] = target
        return ratio, details

    return run


for _path in sorted(Path(__file__).resolve().parent.glob("bench_*.py")):
    FIGURES.setdefault(_path.stem[len("bench_"):], (None, module_figure(_path)))


# ---------------------------------------------------------------------------------- main
def machine_line() -> str:
    import PySide6
    import sqlalchemy

    return (f"machine cpus={os.cpu_count()} python={platform.python_version()} "
            f"platform={platform.platform()} pyside6={PySide6.__version__} sqlalchemy={sqlalchemy.__version__}")


def make_data(data_dir: Path, enterprises: int, applications: int) -> float:
    from models import demo
    from models.db import Database

    t0 = time.perf_counter()
    db = Database.open(data_dir, user="bench")
    try:
        demo.generate(db, enterprises=enterprises, applications=applications)
    finally:
        db.close()
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="2,000 enterprises / 3,000 applications")
    p.add_argument("--only", nargs="*", choices=sorted(FIGURES), help="only these figures")
    p.add_argument("--runs", type=int, default=3, help="measured runs per subprocess figure (median)")
    args = p.parse_args(argv)
    n_ent, n_app = (2000, 3000) if args.quick else (20000, 30000)

    print(machine_line(), flush=True)
    crashed = False
    with tempfile.TemporaryDirectory(prefix="greendesk-bench-") as tmp:
        work = Path(tmp)
        data_dir = work / "data"
        gen = make_data(data_dir, n_ent, n_app)
        size = (data_dir / "greendesk.db").stat().st_size
        print(f"data enterprises={n_ent} applications={n_app} generate_s={gen:.1f} db_mb={size / 2**20:.1f}",
              flush=True)
        bench = Bench(quick=args.quick, data_dir=data_dir, work=work, enterprises=n_ent,
                      applications=n_app, runs=args.runs)
        for name, (target, fn) in FIGURES.items():
            if args.only and name not in args.only:
                continue
            try:
                ratio, details = fn(bench)
            except Exception as exc:
                crashed = True
                traceback.print_exc()
                print(f"{name} error={type(exc).__name__}: {exc}", flush=True)
                continue
            target = details.pop("target", target)
            extra = " ".join(f"{k}={v}" for k, v in details.items())
            if target is None:
                print(f"{name} ratio={ratio:.2f} {extra}", flush=True)
                continue
            met = "yes" if ratio <= target else "no"
            print(f"{name} ratio={ratio:.2f} target<={target:g} met={met} {extra}", flush=True)
    return 1 if crashed else 0


if __name__ == "__main__":
    raise SystemExit(main())
