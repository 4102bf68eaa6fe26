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
        from forms.demo_review_run import prepare_demo_review

        counts |= prepare_demo_review(db)
    except ValueError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    finally:
        db.close()
    print("已生成演示数据：" + "，".join(f"{k} {v}" for k, v in counts.items()))
    return 0


# ---------------------------------------------------------------------------------- packages
def _export_package_args(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export-package", help="导出推荐材料包：推荐函、推荐汇总表、各申报的材料和初审意见表、清单（文件夹和 zip）")
    p.add_argument("--year", type=int, required=True, help="年度，如 2026")
    p.add_argument("--batch", type=int, default=None, help="推荐批次编号（该年度只有一个批次时可省略）")
    p.add_argument("--out", type=Path, required=True, help="输出文件夹")
    p.add_argument("--date", default=None, help="成文日期，如 2026-06-30（默认今天）")
    p.add_argument("--number", type=int, default=None, help="指定文号序号（默认取下一个未用的序号）")
    p.add_argument("--overwrite", action="store_true", help="输出文件夹中已有同名材料包时覆盖")
    p.add_argument("--no-zip", action="store_true", help="只生成文件夹，不生成 zip")
    p.add_argument("--force", action="store_true", help="批次还有未解决的问题时也导出（问题照样列出）")


@command("export-package", _export_package_args)
def _export_package(args: argparse.Namespace, data_dir: Path) -> int:
    import datetime as dt

    from exports.batch_data import BatchDataError, find_batch_id, find_blockers, gather_batch
    from exports.letter import propose_letter, reserve_number
    from exports.package import PackageError, export_package
    from models.documents import DocumentNumberError

    day = None
    if args.date:
        try:
            day = dt.date.fromisoformat(args.date)
        except ValueError:
            print(f"错误：成文日期“{args.date}”格式不对，请写成 2026-06-30。", file=sys.stderr)
            return 2
    db = open_db(data_dir, user=getattr(args, "user", None))
    if db is None:
        return 2
    try:
        if getattr(args, "demo", False):  # greendesk --demo export-package …: demo data into an empty database
            from sqlalchemy import func, select

            from models import demo
            from models.entities import Enterprise

            with db.uow() as uow:
                empty = not uow.session.scalar(select(func.count()).select_from(Enterprise))
            if empty:
                from forms.demo_review_run import prepare_demo_review

                demo.generate(db)
                prepare_demo_review(db)
        with db.uow() as uow:
            s = uow.session
            try:
                batch_id = find_batch_id(s, args.year, args.batch)
                data = gather_batch(s, batch_id, files_dir=db.files_dir)
            except BatchDataError as exc:
                print(f"错误：{exc}", file=sys.stderr)
                return 2
            blockers = find_blockers(s, batch_id, data=data, rehash=False)
            if blockers:
                print(f"批次「{data.name}」有{len(blockers)}个问题：", file=sys.stderr)
                for b in blockers:
                    print(f"  - [申报 {b.application_id or '—'}] {b.message}", file=sys.stderr)
                if not args.force:
                    print("未导出。请解决以上问题后重试（或加 --force 仍然导出）。", file=sys.stderr)
                    return 1
            last = [-1]

            def progress(done: int, total: int, text: str) -> None:
                pct = done * 100 // max(total, 1)
                if pct // 10 != last[0]:
                    last[0] = pct // 10
                    print(f"  {pct:3d}% {text}", flush=True)

            try:
                letter = propose_letter(s, batch_id, date=day, data=data)
                letter = reserve_number(s, letter, number=args.number)
                result = export_package(
                    s, batch_id, args.out, letter=letter, date=day, files_dir=db.files_dir,
                    data_dir=db.data_dir, ignore_blockers=True, progress=progress,
                    overwrite=args.overwrite, make_zip=not args.no_zip, data=data,
                    before_publish=uow.commit,  # the number is recorded before the package appears
                )
            except (PackageError, DocumentNumberError) as exc:
                print(f"错误：{exc}", file=sys.stderr)
                return 1
            uow.commit()
    finally:
        db.close()
    print(f"已导出材料包：{result.folder}")
    if result.zip_path:
        print(f"压缩包：{result.zip_path}")
    print(f"推荐函文号：{result.doc_number}；{len(data.subjects)}个申报，{len(result.entries)}个文件。")
    return 0


def _verify_package_args(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("verify-package", help="核对材料包（文件夹或 zip）与其清单是否一致")
    p.add_argument("path", type=Path, help="材料包文件夹或 .zip 文件")


@command("verify-package", _verify_package_args)
def _verify_package(args: argparse.Namespace, data_dir: Path) -> int:
    from exports.package import PackageError, verify_package

    try:
        report = verify_package(args.path)
    except PackageError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    if report.ok:
        print(report.lines()[0])
        return 0
    print(f"材料包“{report.name}”与清单不一致（{len(report.missing)}个缺少，{len(report.changed)}个被改动，"
          f"{len(report.added)}个多出）：")
    for line in report.lines():
        print(f"  {line}")
    return 1


# ---------------------------------------------------------------------------------- check
def _check_args(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check", help="对某年度或某推荐批次的申报运行初审检查，逐条输出结果及所依据的条款")
    p.add_argument("--year", type=int, default=None, help="申报年度，如 2026")
    p.add_argument("--batch", type=int, default=None, help="推荐批次编号：只检查该批次的申报")
    p.add_argument("--all-stages", action="store_true",
                   help="检查所有环节的申报（按年度检查时默认只检查“已申请”“区县初审”“已推荐”；按批次检查时检查整个批次）")
    p.add_argument("--as-of", default=None, help="审查日期（默认今天），如 2026-06-30")
    p.add_argument("--no-file-check", action="store_true", help="不核对存档文件是否丢失或被改动")


@command("check", _check_args)
def _check(args: argparse.Namespace, data_dir: Path) -> int:
    """Exit 0 when the checks ran (whatever their results), 2 when they could not run."""
    from forms.rules.loader import RuleFileError
    from forms.rules.runner import REVIEW_STAGES, RunError, run_checks, select_applications
    from forms.validators import ValidationError, parse_date

    if args.year is None and args.batch is None:
        print("错误：请用 --year 指定申报年度，或用 --batch 指定推荐批次。", file=sys.stderr)
        return 2
    try:
        as_of = parse_date(args.as_of) if args.as_of else None
    except ValidationError as exc:
        print(f"错误：--as-of {exc}", file=sys.stderr)
        return 2
    db = open_db(data_dir, getattr(args, "user", None))
    if db is None:
        return 2
    try:
        with db.uow() as uow:
            # a batch is checked whole; a year, by default, only where review is under way
            every_stage = args.all_stages or args.batch is not None
            ids = select_applications(uow.session, year=args.year, batch_id=args.batch,
                                      stages=None if every_stage else REVIEW_STAGES)
        if not ids:
            print("没有符合条件的申报，未运行检查。")
            return 0
        summary = run_checks(db, ids, as_of=as_of, verify_files=not args.no_file_check)
    except (RunError, RuleFileError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    finally:
        db.close()
    for a in summary.outcomes:
        for r in a.results:
            final = a.final(r)
            mark = f"（人工改判，系统结果：{r.outcome.label}）" if final is not r.outcome else ""
            print(f"申报{a.application_id} {a.name}｜{r.article}｜{final.label}{mark}｜{r.text}｜{r.evidence}")
    for app_id, reason in summary.skipped:
        print(f"申报{app_id}｜未检查：{reason}")
    print(summary.text())
    return 0


# ---------------------------------------------------------------------------------- import
def _import_args(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "import", help="导入文件：填好的信息采集表（文件或文件夹）、发布的名单（.xlsx/.csv）、交换文件（.gdx）",
        description="先检查并列出将要做的改动，没有问题才导入；有错误时不做任何改动（退出码 1），"
                    "需要人工确认时也不做改动（退出码 3）。导入前自动备份数据库。")
    p.add_argument("file", type=Path, help="要导入的文件或文件夹")
    p.add_argument("--dry-run", action="store_true", help="只检查并列出将要做的改动，不写入数据库")
    p.add_argument("--yes", action="store_true", help="名单的列对应或名单内容是推测的，确认按推测导入（待确认的匹配仍不处理）")
    p.add_argument("--as", dest="kind", choices=["forms", "list", "exchange"], default=None,
                   help="指定文件类型（默认自动识别）")
    p.add_argument("--list-kind", choices=["recognition", "revocation", "renaming", "evaluators",
                                           "evaluators_disqualified", "watchlist"], default=None,
                   help="名单类型：认定、撤销、更名、评价机构、取消评价资格、失信/事故名单")
    p.add_argument("--title", default=None,
                   help="名单对应的称号：city_factory、city_park、national_factory、national_park、supply_chain …")
    p.add_argument("--year", type=int, default=None, help="名单的认定年度")
    p.add_argument("--doc", default=None, help="名单的文号，如 渝经信节能〔2026〕12号")
    p.add_argument("--date", default=None, help="认定或撤销日期，如 2026-12-15")
    p.add_argument("--keep", choices=["local", "incoming"], default=None,
                   help="交换文件有冲突时：local 保留本机，incoming 用导入的")
    p.add_argument("--errors-xlsx", type=Path, default=None, help="把发现的问题另存为 Excel 文件")


@command("import", _import_args)
def _import(args: argparse.Namespace, data_dir: Path) -> int:
    from exports.importers import EXIT_USAGE, import_path

    spec = None
    list_options = (args.list_kind, args.title, args.year, args.doc, args.date)
    if any(v is not None for v in list_options):
        spec = _list_spec(args)
        if spec is None:
            return EXIT_USAGE
    db = open_db(data_dir, getattr(args, "user", None))
    if db is None:
        return EXIT_USAGE
    try:
        report = import_path(db, args.file, dry_run=args.dry_run, yes=args.yes, kind=args.kind, spec=spec,
                             keep=args.keep)
    finally:
        db.close()
    print(report.text())
    if args.errors_xlsx and report.issues:
        from exports.importers.forms_in import export_issues

        export_issues(report.issues, args.errors_xlsx)
        print(f"问题清单已保存：{args.errors_xlsx}")
    return report.exit_code


def _list_spec(args: argparse.Namespace):
    """The list details given on the command line, over what the file's title suggests."""
    import datetime as dt

    from exports.lists import guess_spec, read_list
    from exports.importers import FileRejected
    from models.stages import TitleKind

    try:
        spec, _ = guess_spec(read_list(args.file))
    except FileRejected:
        from exports.lists import ListSpec

        spec = ListSpec()
    if args.list_kind:
        spec.action = args.list_kind
    if args.title:
        try:
            spec.title_kind = TitleKind(args.title)
        except ValueError:
            print(f"错误：--title 只能是 {'、'.join(t.value for t in TitleKind)}", file=sys.stderr)
            return None
    if args.year:
        spec.year = args.year
    if args.doc:
        spec.doc_number = args.doc
    if args.date:
        try:
            spec.date = dt.date.fromisoformat(args.date)
        except ValueError:
            print(f"错误：--date “{args.date}”格式不对，请写成 2026-12-15。", file=sys.stderr)
            return None
    return spec


# ---------------------------------------------------------------------------------- new year
def _new_year_args(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("new-year", help="开始新年度：把某年度未完成的申报结转到下一年度（已认定/未通过的留在原年度）")
    p.add_argument("--from", dest="from_year", type=int, required=True, help="结转的年度，如 2026（结转到 2027）")


@command("new-year", _new_year_args)
def _new_year(args: argparse.Namespace, data_dir: Path) -> int:
    from exports.importers import start_new_year

    db = open_db(data_dir, getattr(args, "user", None))
    if db is None:
        return 2
    try:
        n, backup = start_new_year(db, args.from_year)
    finally:
        db.close()
    print(f"已把 {args.from_year} 年度未完成的申报 {n} 件结转到 {args.from_year + 1} 年度。"
          f"结转前的数据已备份：{backup}")
    return 0


# ---------------------------------------------------------------------------------- doctor
def _doctor_args(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "doctor", help="检查与修复：数据库完整性、存档文件与登记的 SHA-256 是否一致、自动备份；可从备份恢复",
        description="只读检查，不改动任何数据；全部正常时退出码 0，发现问题时退出码 1（每个问题附处理办法）。"
                    "加 --restore 从自动备份恢复数据库（须先关闭程序；恢复前自动备份当前数据）。")
    p.add_argument("--restore", metavar="BACKUP", default=None,
                   help="从该备份恢复（备份文件名，如 greendesk-20260630-091500-000000-start.db，或备份文件的路径）")
    p.add_argument("--no-files", action="store_true", help="不核对存档文件（只检查数据库和备份）")


@command("doctor", _doctor_args)
def _doctor(args: argparse.Namespace, data_dir: Path) -> int:
    """Exit 0 when everything is whole, 1 when a problem was found, 2 when a restore failed."""
    from models.doctor import DoctorError, restore

    from .doctor_ui import run_checks

    if args.restore:
        try:
            src, safety = restore(data_dir, args.restore)
        except DoctorError as exc:
            print(f"错误：{exc}", file=sys.stderr)
            return 2
        print(f"已从备份 {src.name} 恢复数据库。")
        if safety is not None:
            print(f"恢复前的数据已另存为备份 {safety.name}（需要时可用 doctor --restore {safety.name} 撤回本次恢复）。")
        print("恢复后的检查：")
    last = [-1]

    def progress(done: int, total: int, text: str) -> None:
        pct = done * 100 // total if total else 0
        if total and pct // 25 != last[0]:
            last[0] = pct // 25
            print(f"  {pct:3d}% {text}", file=sys.stderr, flush=True)

    report = run_checks(data_dir, check_files=not args.no_files, progress=progress)
    print(report.text())
    return report.exit_code
