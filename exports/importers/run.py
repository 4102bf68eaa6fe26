"""The command line's import: recognise, preview, print, apply (see ``import_path``)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from . import (EXIT_NEEDS_CONFIRMATION, EXIT_OK, EXIT_REJECTED, KIND_LABELS, ImportReport, detect)
from .errors import FileRejected, ImportRejected, Issue

MAX_LINES = 200  # issues printed in full; the rest are counted


def _issue_lines(issues: list[Issue], limit: int = MAX_LINES) -> list[str]:
    out = [f"  - {i}" for i in issues[:limit]]
    if len(issues) > limit:
        out.append(f"  ……另有 {len(issues) - limit} 条未列出")
    return out


def run_import(db: Any, path: Path, *, dry_run: bool, yes: bool, kind: str | None, spec: Any, keep: str | None,
               progress: Callable[[int, int, str], None] | None,
               should_stop: Callable[[], bool] | None) -> ImportReport:
    report = ImportReport(path)
    try:
        report.kind = kind or detect(path)
    except FileRejected as exc:
        report.exit_code = EXIT_REJECTED
        report.issues.append(Issue(exc.path.name, exc.sheet, exc.row, exc.column, "", "", exc.reason))
        report.lines.append(f"错误：{exc}")
        report.lines.append("未导入任何数据。")
        return report
    report.lines.append(f"文件：{path.name}（{KIND_LABELS.get(report.kind, report.kind)}）")
    runner = {"forms": _forms, "list": _list, "exchange": _exchange}[report.kind]
    try:
        runner(db, path, report, dry_run=dry_run, yes=yes, spec=spec, keep=keep, progress=progress,
               should_stop=should_stop)
    except FileRejected as exc:
        report.exit_code = EXIT_REJECTED
        report.issues.append(Issue(exc.path.name, exc.sheet, exc.row, exc.column, "", "", exc.reason))
        report.lines.append(f"错误：{exc}")
        report.lines.append("未导入任何数据。")
    except ImportRejected as exc:
        report.exit_code = EXIT_REJECTED
        report.lines.append(f"错误：{exc}")
    return report


def _finish(report: ImportReport, dry_run: bool, apply: Callable[[], Any], *, result_line: str = "") -> None:
    """Apply (unless a dry run) and say what happened."""
    if not dry_run:
        result = apply()
        report.applied = True
        report.backup = result.backup
        if result_line:
            report.lines.append(result_line + result.summary())
    if dry_run:
        report.lines.append("（试运行：未做任何改动。去掉 --dry-run 即可导入。）")
    elif report.applied:
        if report.backup:
            report.lines.append(f"已导入。导入前的数据已备份：{report.backup}（可在“备份与恢复”中恢复以撤销本次导入）")
        else:
            report.lines.append("已导入。")


def _forms(db: Any, path: Path, report: ImportReport, *, dry_run: bool, yes: bool, spec: Any, keep: Any,
           progress: Any, should_stop: Any) -> None:
    from .forms_in import apply_forms, preview_forms

    with db.uow() as uow:
        preview = preview_forms(uow.session, path, progress=progress, should_stop=should_stop)
    counts = preview.counts()
    report.counts = dict(counts, rejected_files=len(preview.rejected))
    report.issues = preview.issues
    report.lines.append(f"读取文件 {len(preview.files)} 个：新增 {counts['create']} 条，修改 {counts['update']} 条，"
                        f"无变化 {counts['unchanged']} 条，有错误 {counts['error']} 条"
                        + (f"，无法读取的文件 {len(preview.rejected)} 个" if preview.rejected else ""))
    for r in preview.rows:
        if r.action == "create":
            report.lines.append(f"  新增 {r.name}（{r.key}）  [{r.file} 第{r.row}行]")
        elif r.action == "update":
            changes = "；".join(f"{c.label}：{c.old_text or '（空）'} → {c.new_text}" for c in r.changes)
            report.lines.append(f"  修改 {r.name}：{changes}  [{r.file} 第{r.row}行]")
    for exc in preview.rejected:
        report.lines.append(f"错误：{exc}")
    row_issues = [i for r in preview.rows for i in r.issues]
    if row_issues:
        report.lines.append(f"错误 {len(row_issues)} 处（文件、行、列、原因）：")
        report.lines.extend(_issue_lines(row_issues))
    if preview.warnings:
        report.lines.append(f"提醒 {len(preview.warnings)} 处：")
        report.lines.extend(_issue_lines(preview.warnings, 20))
    if preview.has_errors:
        report.exit_code = EXIT_REJECTED
        report.lines.append("有错误，未导入任何数据。请改正后重新导入。")
        return
    _finish(report, dry_run, lambda: apply_forms(db, preview, progress=progress, should_stop=should_stop))


def _list(db: Any, path: Path, report: ImportReport, *, dry_run: bool, yes: bool, spec: Any, keep: Any,
          progress: Any, should_stop: Any) -> None:
    from exports.lists import ACTIONS, apply_list, plan_list, preview_list_file

    with db.uow() as uow:
        preview, doubts = preview_list_file(uow.session, path, spec, progress=progress, should_stop=should_stop)
        plan = plan_list(uow.session, preview)
    t = preview.table
    report.lines.append(f"名单：{t.sheet + ' ' if t.sheet else ''}表头在第{t.header_row}行，数据 {len(t.rows)} 行"
                        + (f"（跳过 {len(t.skipped)} 行：合计、空行、说明等）" if t.skipped else ""))
    report.lines.append("列对应：" + "，".join(f"{h or '（空）'}→{_col_label(preview.mapping.keys.get(c, ''))}"
                                             for c, h in enumerate(t.headers)))
    report.lines.append(f"名单内容：{preview.spec.describe()}")
    counts = preview.counts()
    report.counts = dict(counts, **{f"plan_{k}": plan.count(k) for k in
                                    ("recognise", "reject", "title_new", "title_update", "revoke", "rename",
                                     "evaluator_new", "evaluator_update", "watch_new")})
    report.lines.append("匹配：" + "，".join(f"{label} {counts[k]}" for k, label in
                                           (("matched", "已匹配"), ("uncertain", "待确认"), ("unmatched", "未找到"),
                                            ("out_of_scope", "非本市"), ("duplicate", "重复"))))
    for r in preview.rows:
        if r.status == "uncertain":
            cands = "、".join(f"{c.name}（{c.confidence:.2f}）" for c in r.candidates[:3])
            report.lines.append(f"  待确认 第{r.row}行 {r.name}：可能是 {cands}" + (f"；{r.note}" if r.note else ""))
    for c in plan.changes:
        report.lines.append(f"  {c.text}" + (f"  [第{c.row}行]" if c.row else ""))
    report.lines.append(f"将会：{plan.summary()}（{ACTIONS.get(preview.spec.action, '')}）")
    if preview.issues:
        report.lines.append(f"提醒 {len(preview.issues)} 处：")
        report.lines.extend(_issue_lines(preview.issues, 50))
    report.issues = preview.issues
    if doubts and not yes:
        report.exit_code = EXIT_NEEDS_CONFIRMATION
        report.lines.append("以下内容需要确认：" + "；".join(doubts) + "。")
        report.lines.append("请在程序的导入向导中核对，或确认无误后加 --yes 重新运行（也可用 --title/--year/--doc 指定）。未做任何改动。")
        return
    if preview.uncertain() and not yes:
        report.exit_code = EXIT_NEEDS_CONFIRMATION
        report.lines.append(f"有 {len(preview.uncertain())} 行名称相近但不完全一致，需人工确认。"
                            "加 --yes 将只导入确定的匹配（待确认的行不处理）。未做任何改动。")
        return
    _finish(report, dry_run, lambda: apply_list(db, preview, progress=progress, should_stop=should_stop))


def _col_label(key: str) -> str:
    from exports.lists import COLUMNS

    return COLUMNS[key].label if key in COLUMNS else "不导入"


def _exchange(db: Any, path: Path, report: ImportReport, *, dry_run: bool, yes: bool, spec: Any, keep: Any,
              progress: Any, should_stop: Any) -> None:
    from exports.exchange import apply_exchange, conflict_rows, preview_exchange_file

    preview = preview_exchange_file(db, path, progress=progress, should_stop=should_stop)
    xf = preview.file
    office = xf.office.get("bureau_name") or xf.office.get("district_name") or "（未填单位）"
    report.lines.append(f"来自：{office}，导出于 {xf.created_at}")
    counts = preview.counts()
    report.counts = dict(counts, new_files=len(preview.new_files))
    report.lines.append(f"新增 {counts['new']} 条，更新 {counts['update']} 条，无变化 {counts['unchanged']} 条，"
                        f"本机较新保留 {counts['keep_local']} 条，冲突 {counts['conflict']} 条，新附件 {len(preview.new_files)} 个")
    for table, c in preview.counts_by_table().items():
        if c["new"] or c["update"] or c["conflict"]:
            from models.sync import table_label

            report.lines.append(f"  {table_label(table)}：新增 {c['new']}，更新 {c['update']}，冲突 {c['conflict']}")
    for item in preview.conflicts:
        report.lines.append(f"  冲突 {item.name}：" + "；".join(f"{label} 本机「{a}」/ 导入「{b}」"
                                                              for label, a, b in conflict_rows(item)))
    if preview.issues:
        report.lines.append(f"提醒 {len(preview.issues)} 处：")
        report.lines.extend(_issue_lines(preview.issues, 50))
    report.issues = preview.issues
    if preview.conflicts and keep is None:
        report.exit_code = EXIT_NEEDS_CONFIRMATION
        report.lines.append("有冲突：两台电脑都改过同一条记录。请在程序中逐条选择，或加 --keep local（保留本机）/"
                            " --keep incoming（用导入的）重新运行。未做任何改动。")
        return
    _finish(report, dry_run, lambda: apply_exchange(db, preview, default=keep, progress=progress,
                                                    should_stop=should_stop), result_line="合并结果：")


__all__ = ["run_import", "EXIT_OK"]
