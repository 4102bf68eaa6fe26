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
from models.review_facts import ApplicationFacts

from .checks import CHECKS
from .loader import Rule, RuleSet


@dataclass(frozen=True)
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


def evaluate_rule(rule: Rule, facts: ApplicationFacts, as_of: dt.date) -> RuleResult:
    try:
        finding = CHECKS[rule.check].fn(facts, rule.params, as_of)
        outcome, evidence = finding.outcome, finding.evidence
    except Exception as exc:  # noqa: BLE001 - one broken check must not stop a batch
        outcome = Outcome.MANUAL
        evidence = f"检查程序出错（{type(exc).__name__}：{exc}），请人工判断，并把这条信息告诉维护人员。"
    if rule.severity == "warning" and outcome is Outcome.FAIL:
        outcome = Outcome.WARNING
    return RuleResult(rule.id, rule.article, rule.text, rule.severity, rule.check, outcome, evidence)


def evaluate(rule_set: RuleSet, facts: ApplicationFacts, as_of: dt.date) -> list[RuleResult]:
    """Every rule of ``rule_set`` on one application, in order."""
    return [evaluate_rule(rule, facts, as_of) for rule in rule_set.rules]
