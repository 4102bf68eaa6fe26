"""The 初审 rule engine: rule sets as data (resources/rules/*.toml), built-in checks, evaluation.

    from forms.rules import load_rule_sets, rule_set_for, evaluate
    from forms.rules.runner import run_checks, select_applications

* ``loader``  — reading and checking rule sets, the indicator catalogue, benchmark tables;
* ``checks``  — the registry of checks a rule file can name (``CHECKS``), each a pure function;
* ``engine``  — ``evaluate(rule_set, facts, as_of)`` → one ``RuleResult`` per rule;
* ``runner``  — selecting applications, running with progress and cancel, storing results.

Outcomes are ``models.review.Outcome`` (通过 / 不符合 / 提醒 / 缺少数据 / 需人工判断).
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

# Names are imported when first used (PEP 562): ``forms.rules.loader`` (the indicator catalogue,
# which the 称号监管 tab reads at start) must not pull in models.review and SQLAlchemy.
_WHERE = {
    "Outcome": "models.review", "worst_outcome": "models.review",
    "CHECKS": ".checks", "Finding": ".checks",
    "RuleResult": ".engine", "evaluate": ".engine", "evaluate_rule": ".engine",
    "Rule": ".loader", "RuleFileError": ".loader", "RuleSet": ".loader", "load_rule_sets": ".loader",
    "rule_set_by_id": ".loader", "rule_set_for": ".loader",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(where, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
