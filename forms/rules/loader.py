"""Rule sets, the indicator catalogue and the benchmark tables: data files under resources/rules/.

A rule-set file (``kind`` is implied by having ``[[rules]]``) names the titles it is for and the
first application year it applies to (``valid_from``; optionally ``valid_until``). For an
application the newest set whose years cover it is used, so a new year's rules are a new file.
Files are checked when read: an unknown check, a duplicate rule id or a missing field is a
``RuleFileError`` naming the file and the rule.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from models.stages import TitleKind
from resources import resource_path

SEVERITIES = ("error", "warning")


class RuleFileError(ValueError):
    """A rule, checklist or benchmark file that cannot be used; ``str()`` says which and why."""


@dataclass(frozen=True)
class Rule:
    id: str
    article: str
    text: str
    check: str
    severity: str = "error"
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RuleSet:
    id: str
    name: str
    title_kinds: tuple[TitleKind, ...]
    valid_from: int
    rules: tuple[Rule, ...]
    valid_until: int | None = None
    source: str = ""
    region: str = ""
    level: str = ""
    materials: str = ""
    path: Path | None = None

    def covers(self, title_kind: TitleKind, year: int) -> bool:
        return (
            title_kind in self.title_kinds
            and self.valid_from <= year
            and (self.valid_until is None or year <= self.valid_until)
        )

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)


@dataclass(frozen=True)
class IndicatorDef:
    key: str
    label: str
    unit: str = ""
    better: str = ""  # "lower", "higher" or ""
    subjects: tuple[str, ...] = ("enterprise", "park")


def rules_dir() -> Path:
    return resource_path("rules")


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise RuleFileError(f"规则文件 {path.name} 格式错误：{exc}") from exc
    except OSError as exc:
        raise RuleFileError(f"规则文件 {path.name} 无法读取：{exc.strerror or exc}") from exc


def parse_rule_set(data: Mapping[str, Any], path: Path | None = None) -> RuleSet:
    """Build and check a rule set from parsed TOML; raises RuleFileError naming what is wrong."""
    from .checks import CHECKS

    where = path.name if path else data.get("id", "规则集")
    for key in ("id", "name", "title_kinds", "valid_from", "rules"):
        if key not in data:
            raise RuleFileError(f"规则文件 {where} 缺少「{key}」。")
    try:
        kinds = tuple(TitleKind(k) for k in data["title_kinds"])
    except ValueError as exc:
        raise RuleFileError(f"规则文件 {where} 的 title_kinds 有未知的称号：{exc}") from exc
    rules: list[Rule] = []
    seen: set[str] = set()
    for i, r in enumerate(data["rules"], start=1):
        for key in ("id", "article", "text", "check"):
            if not str(r.get(key, "")).strip():
                raise RuleFileError(f"规则文件 {where} 第{i}条规则缺少「{key}」。")
        rid = str(r["id"])
        if rid in seen:
            raise RuleFileError(f"规则文件 {where} 中规则编号 {rid} 重复。")
        seen.add(rid)
        if r["check"] not in CHECKS:
            raise RuleFileError(f"规则文件 {where} 的规则 {rid} 使用了未知的检查方法「{r['check']}」。")
        severity = r.get("severity", "error")
        if severity not in SEVERITIES:
            raise RuleFileError(f"规则文件 {where} 的规则 {rid}：severity 只能是 error 或 warning。")
        params = dict(r.get("params", {}))
        problem = CHECKS[r["check"]].validate(params)
        if problem:
            raise RuleFileError(f"规则文件 {where} 的规则 {rid}：{problem}")
        rules.append(Rule(rid, str(r["article"]), str(r["text"]), str(r["check"]), severity, params))
    until = data.get("valid_until")
    return RuleSet(
        id=str(data["id"]), name=str(data["name"]), title_kinds=kinds, valid_from=int(data["valid_from"]),
        valid_until=int(until) if until else None, rules=tuple(rules), source=str(data.get("source", "")),
        region=str(data.get("region", "")), level=str(data.get("level", "")),
        materials=str(data.get("materials", "")), path=path,
    )


@lru_cache(maxsize=4)
def load_rule_sets(folder: Path | None = None) -> tuple[RuleSet, ...]:
    """Every rule set under resources/rules (or ``folder``), newest first."""
    folder = Path(folder) if folder else rules_dir()
    sets: list[RuleSet] = []
    ids: set[str] = set()
    for path in sorted(folder.glob("*.toml")):
        data = read_toml(path)
        if "rules" not in data:
            continue  # checklists, benchmarks, the indicator catalogue
        rs = parse_rule_set(data, path)
        if rs.id in ids:
            raise RuleFileError(f"规则集编号 {rs.id} 在多个文件中重复（{path.name}）。")
        ids.add(rs.id)
        sets.append(rs)
    sets.sort(key=lambda s: (-s.valid_from, s.id))
    return tuple(sets)


def rule_set_for(title_kind: TitleKind, year: int, sets: tuple[RuleSet, ...] | None = None) -> RuleSet | None:
    """The rule set for an application of ``title_kind`` in ``year``: the newest that covers it."""
    for rs in sets if sets is not None else load_rule_sets():
        if rs.covers(title_kind, year):
            return rs
    return None


def rule_set_by_id(set_id: str) -> RuleSet | None:
    return next((s for s in load_rule_sets() if s.id == set_id), None)


@lru_cache(maxsize=1)
def indicator_defs() -> dict[str, IndicatorDef]:
    """The indicator catalogue (resources/rules/indicators.toml): key → definition."""
    data = read_toml(rules_dir() / "indicators.toml")
    return {
        key: IndicatorDef(key, v.get("label", key), v.get("unit", ""), v.get("better", ""),
                          tuple(v.get("subjects", ("enterprise", "park"))))
        for key, v in data.items()
    }


def indicator_label(key: str) -> str:
    d = indicator_defs().get(key)
    return d.label if d else key


@lru_cache(maxsize=8)
def benchmark_table(name: str) -> dict[str, dict[str, dict[str, Decimal]]]:
    """A benchmark file: table ("factory"/"park") → industry code or "default" → key → value."""
    path = rules_dir() / f"{name}.toml"
    if not path.exists():
        raise RuleFileError(f"找不到标杆值文件 {path.name}。")
    data = read_toml(path)
    defs = indicator_defs()
    out: dict[str, dict[str, dict[str, Decimal]]] = {}
    for table in ("factory", "park"):
        rows = data.get(table, {})
        out[table] = {}
        for code, values in rows.items():
            for key in values:
                if key not in defs:
                    raise RuleFileError(f"标杆值文件 {path.name} 的 [{table}.{code}] 中有未知指标「{key}」。")
                if not defs[key].better:
                    raise RuleFileError(f"标杆值文件 {path.name} 的指标「{key}」没有比较方向（indicators.toml 的 better）。")
            out[table][str(code)] = {k: Decimal(str(v)) for k, v in values.items()}
    return out


def benchmarks_for(name: str, table: str, industry_code: str = "") -> dict[str, Decimal]:
    """The benchmark values that apply to one subject: the table's default overlaid by its
    industry's row (two-digit 大类)."""
    t = benchmark_table(name).get(table, {})
    values = dict(t.get("default", {}))
    values.update(t.get((industry_code or "")[:2], {}))
    return values
