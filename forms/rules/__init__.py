"""The 初审 rule engine: rule sets as data (resources/rules/*.toml), built-in checks, evaluation.

    from forms.rules import load_rule_sets, rule_set_for, evaluate
    from forms.rules.runner import run_checks, select_applications

* ``loader``  — reading and checking rule sets, the indicator catalogue, benchmark tables;
* ``checks``  — the registry of checks a rule file can name (``CHECKS``), each a pure function;
* ``engine``  — ``evaluate(rule_set, facts, as_of)`` → one ``RuleResult`` per rule;
* ``runner``  — selecting applications, running with progress and cancel, storing results.

Outcomes are ``models.review.Outcome`` (通过 / 不符合 / 提醒 / 缺少数据 / 需人工判断).
"""
from models.review import Outcome, worst_outcome

from .checks import CHECKS, Finding
from .engine import RuleResult, evaluate, evaluate_rule
from .loader import Rule, RuleFileError, RuleSet, load_rule_sets, rule_set_by_id, rule_set_for

__all__ = [
    "CHECKS", "Finding", "Outcome", "Rule", "RuleFileError", "RuleResult", "RuleSet", "evaluate",
    "evaluate_rule", "load_rule_sets", "rule_set_by_id", "rule_set_for", "worst_outcome",
]
