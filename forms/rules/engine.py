"""Evaluating a rule set on one application's facts.

``evaluate(rule_set, facts, as_of)`` runs every rule's check and returns one ``RuleResult`` per
rule, in the rule file's order. A rule with ``severity = "warning"`` reports a failure as 提醒.
A check that breaks on unexpected data does not stop the run: its result is 需人工判断 with the
error named, so a person looks at it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Mapping

from models.review import Outcome
from models.review_facts import ApplicationFacts, quick_constructor

from .checks import CHECKS
from .loader import Rule, RuleSet

_FAIL, _WARNING, _MANUAL = Outcome.FAIL, Outcome.WARNING, Outcome.MANUAL


@dataclass(frozen=True, slots=True)
class RuleResult:
    rule_id: str
    article: str
    text: str
    severity: str
    check: str
    outcome: Outcome
    evidence: str

    def as_dict(self) -> dict[str, Any]:
        """The stored form (models.review.CheckRun.results)."""
        return {"rule_id": self.rule_id, "article": self.article, "text": self.text, "severity": self.severity,
                "check": self.check, "outcome": self.outcome.value, "evidence": self.evidence}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "RuleResult":
        return cls(d["rule_id"], d["article"], d["text"], d.get("severity", "error"), d.get("check", ""),
                   Outcome(d["outcome"]), d.get("evidence", ""))

    def line(self) -> str:
        """One line for a log or the command line: 第七条（六） 不符合 审查内容：证据"""
        return f"{self.article} {self.outcome.label}：{self.text}｜{self.evidence}"


def _broken(exc: Exception) -> str:
    return f"检查程序出错（{type(exc).__name__}：{exc}），请人工判断，并把这条信息告诉维护人员。"


def evaluate_rule(rule: Rule, facts: ApplicationFacts, as_of: dt.date) -> RuleResult:
    try:
        finding = CHECKS[rule.check].fn(facts, rule.params, as_of)
        outcome, evidence = finding.outcome, finding.evidence
    except Exception as exc:  # noqa: BLE001 - one broken check must not stop a batch
        outcome = Outcome.MANUAL
        evidence = _broken(exc)
    if rule.severity == "warning" and outcome is Outcome.FAIL:
        outcome = Outcome.WARNING
    return RuleResult(rule.id, rule.article, rule.text, rule.severity, rule.check, outcome, evidence)


#: RuleResult(...) without the frozen dataclass's per-field setattr: a year's run makes tens of
#: thousands of results
_new_result = quick_constructor(RuleResult)
_COMPILED: dict[int, tuple[RuleSet, tuple]] = {}


def _compiled(rule_set: RuleSet) -> tuple:
    """(check name, params, warning?, id, article, text, severity) per rule, kept per rule set."""
    entry = _COMPILED.get(id(rule_set))
    if entry is None or entry[0] is not rule_set:
        rules = tuple(
            (r.check, r.params, r.severity == "warning", r.id, r.article, r.text, r.severity)
            for r in rule_set.rules
        )
        if len(_COMPILED) > 32:
            _COMPILED.clear()
        entry = _COMPILED[id(rule_set)] = (rule_set, rules)  # holds the set: its id is not reused while kept
    return entry[1]


def evaluate(rule_set: RuleSet, facts: ApplicationFacts, as_of: dt.date) -> list[RuleResult]:
    """Every rule of ``rule_set`` on one application, in order (evaluate_rule for each, inlined:
    a year's run evaluates tens of thousands of rules)."""
    new, checks = _new_result, CHECKS
    out = []
    for check, params, warning, rule_id, article, text, severity in _compiled(rule_set):
        try:
            outcome, evidence = checks[check].fn(facts, params, as_of)
        except Exception as exc:  # noqa: BLE001 - one broken check must not stop a batch
            outcome, evidence = _MANUAL, _broken(exc)
        if warning and outcome is _FAIL:
            outcome = _WARNING
        out.append(new(rule_id, article, text, severity, check, outcome, evidence))
    return out
