"""The outcome of a check (通过 / 提醒 / 需人工判断 / 缺少数据 / 不符合), best to worst.

Plain Python, no SQLAlchemy: the window shows and filters outcomes at start without loading
the review's records (``models.review`` re-exports everything here).
"""
from __future__ import annotations

import enum
from typing import Iterable


class Outcome(str, enum.Enum):
    """The result of one check. Ordered from best to worst by ``rank``."""

    PASS = "pass"
    WARNING = "warning"
    MANUAL = "manual"
    MISSING = "missing"
    FAIL = "fail"

    @property
    def label(self) -> str:
        return OUTCOME_LABELS[self]

    @property
    def rank(self) -> int:
        return OUTCOME_RANK[self]


OUTCOME_LABELS = {
    Outcome.PASS: "通过",
    Outcome.WARNING: "提醒",
    Outcome.MANUAL: "需人工判断",
    Outcome.MISSING: "缺少数据",
    Outcome.FAIL: "不符合",
}
OUTCOME_RANK = {o: i for i, o in enumerate(Outcome)}
_RANK_BY_VALUE = {o.value: i for o, i in OUTCOME_RANK.items()}
_BY_RANK = list(Outcome)


def worst_outcome(outcomes: Iterable[Outcome | str]) -> Outcome | None:
    """The worst of ``outcomes`` (不符合 > 缺少数据 > 需人工判断 > 提醒 > 通过), None when empty.
    Accepts the enum or its stored value ("fail" …); an unknown value raises ValueError."""
    worst = -1
    for o in outcomes:
        rank = _RANK_BY_VALUE.get(o.value if isinstance(o, Outcome) else o)
        if rank is None:
            raise ValueError(f"未知的检查结果：{o!r}")
        if rank > worst:
            worst = rank
    return _BY_RANK[worst] if worst >= 0 else None
