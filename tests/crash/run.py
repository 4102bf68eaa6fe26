"""Crash safety: kill the program at random moments during an import, an export and a burst of
edits, and check what is left (see harness.py).

    python tests/crash/run.py                      # 12 + 10 + 10 kills
    python tests/crash/run.py --kills 60           # spread over the three scenarios
    python tests/crash/run.py --only import --kills 20 --seed 1234

Prints the seed (``--seed`` repeats a run's draws), one line per scenario — kills, integrity ok,
half-applied imports found, half-written packages found, lost or partial edits, damaged backups,
starts ok — and every failure. Exits 1 when anything failed.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--kills", type=int, default=None, help="kills in all (default 32: 12 import, 10 export, 10 edits)")
    p.add_argument("--only", choices=sorted(harness.SCENARIOS), action="append", default=None,
                   help="run only this scenario (may be repeated); --kills is then per scenario")
    p.add_argument("--seed", type=int, default=None, help="seed of the kill moments (default: random, printed)")
    p.add_argument("--work", type=Path, default=None, help="keep the trials' folders here (default: a temporary folder, removed)")
    p.add_argument("--jobs", type=int, default=2, help="scenarios run at the same time (default 2)")
    p.add_argument("-v", "--verbose", action="store_true", help="a line per kill")
    args = p.parse_args(argv)
    if args.only:
        kills: dict[str, int] | int | None = {name: args.kills or harness.DEFAULT_KILLS[name] for name in args.only}
    else:
        kills = args.kills
    log = (lambda s: print(s, flush=True)) if args.verbose else (lambda s: None)
    if args.work:
        args.work.mkdir(parents=True, exist_ok=True)
    summary = harness.run(kills, seed=args.seed, work=args.work, log=log, jobs=args.jobs)
    print(summary.text())
    return 1 if summary.failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
