"""Command-line commands: ``greendesk [--data-dir DIR] COMMAND ...``.

Each later feature registers its command here: a function that adds its sub-parser and one that
runs it and returns the exit code. Commands run without a window.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable

Runner = Callable[[argparse.Namespace, Path], int]
_COMMANDS: dict[str, tuple[Callable[[argparse._SubParsersAction], None], Runner]] = {}


def command(name: str, add_args: Callable[[argparse._SubParsersAction], None]):
    def deco(fn: Runner) -> Runner:
        _COMMANDS[name] = (add_args, fn)
        return fn

    return deco


def add_commands(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add_args, _ in _COMMANDS.values():
        add_args(sub)


def run_command(args: argparse.Namespace, data_dir: Path) -> int:
    _, fn = _COMMANDS[args.command]
    return fn(args, data_dir)


def open_db(data_dir: Path, user: str | None = None):
    """Open the database for a command; prints the reason and returns None when it cannot."""
    from models.db import Database, DatabaseError

    try:
        return Database.open(data_dir, user=user)
    except DatabaseError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return None


# ---------------------------------------------------------------------------------- demo
def _demo_args(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="向空数据库写入演示数据（可指定规模，用于性能测试）")
    p.add_argument("--enterprises", type=int, default=300)
    p.add_argument("--applications", type=int, default=None)
    p.add_argument("--seed", type=int, default=20260601)


@command("demo", _demo_args)
def _demo(args: argparse.Namespace, data_dir: Path) -> int:
    from models import demo

    db = open_db(data_dir)
    if db is None:
        return 2
    try:
        counts = demo.generate(db, enterprises=args.enterprises, applications=args.applications, seed=args.seed)
    except ValueError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    finally:
        db.close()
    print("已生成演示数据：" + "，".join(f"{k} {v}" for k, v in counts.items()))
    return 0
