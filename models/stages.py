"""The pipeline's stages, the titles, and the rule for moving between stages.

Pure data and functions: no database, no Qt. See domain.md "The pipeline of one application" and
seed 002_e4cc3ba6cebebc4b.txt 第八–十一条.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass


class Stage(str, enum.Enum):
    CULTIVATING = "cultivating"
    BUILDING = "building"
    SELF_EVALUATED = "self_evaluated"
    EVALUATED = "evaluated"
    APPLIED = "applied"
    UNDER_REVIEW = "under_review"
    RECOMMENDED = "recommended"
    RECOGNISED = "recognised"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return STAGE_LABELS[self]

    @property
    def rank(self) -> int:
        """Position in the pipeline; 已认定 and 未通过 share the last rank."""
        return STAGE_RANK[self]

    @property
    def is_final(self) -> bool:
        return self in (Stage.RECOGNISED, Stage.REJECTED)


STAGES: tuple[Stage, ...] = tuple(Stage)

STAGE_LABELS = {
    Stage.CULTIVATING: "培育",
    Stage.BUILDING: "创建",
    Stage.SELF_EVALUATED: "自评完成",
    Stage.EVALUATED: "第三方评价完成",
    Stage.APPLIED: "已申请",
    Stage.UNDER_REVIEW: "区县初审",
    Stage.RECOMMENDED: "已推荐",
    Stage.RECOGNISED: "已认定",
    Stage.REJECTED: "未通过",
}

STAGE_RANK = {s: min(i, 7) for i, s in enumerate(STAGES)}

#: Stages after which the application's work in that year is finished.
FINISHED_STAGES = frozenset({Stage.RECOGNISED, Stage.REJECTED})


class SubjectKind(str, enum.Enum):
    ENTERPRISE = "enterprise"
    PARK = "park"

    @property
    def label(self) -> str:
        return "企业" if self is SubjectKind.ENTERPRISE else "园区"


@dataclass(frozen=True)
class TitleInfo:
    code: str
    label: str
    level: str  # 市级 / 国家级 / —
    subject: SubjectKind


class TitleKind(str, enum.Enum):
    CITY_FACTORY = "city_factory"
    CITY_PARK = "city_park"
    NATIONAL_FACTORY = "national_factory"
    NATIONAL_PARK = "national_park"
    SUPPLY_CHAIN = "supply_chain"
    NEAR_ZERO_PARK = "near_zero_park"
    VOLUNTARY_ASSESSMENT = "voluntary_assessment"
    DESIGN_PRODUCT = "design_product"

    @property
    def info(self) -> TitleInfo:
        return TITLES[self]

    @property
    def label(self) -> str:
        return TITLES[self].label

    @property
    def subject(self) -> SubjectKind:
        return TITLES[self].subject


TITLES = {
    TitleKind.CITY_FACTORY: TitleInfo("city_factory", "市级绿色工厂", "市级", SubjectKind.ENTERPRISE),
    TitleKind.CITY_PARK: TitleInfo("city_park", "市级绿色园区", "市级", SubjectKind.PARK),
    TitleKind.NATIONAL_FACTORY: TitleInfo("national_factory", "国家级绿色工厂", "国家级", SubjectKind.ENTERPRISE),
    TitleKind.NATIONAL_PARK: TitleInfo("national_park", "国家级绿色工业园区", "国家级", SubjectKind.PARK),
    TitleKind.SUPPLY_CHAIN: TitleInfo("supply_chain", "绿色供应链管理企业", "国家级", SubjectKind.ENTERPRISE),
    TitleKind.NEAR_ZERO_PARK: TitleInfo("near_zero_park", "近零碳园区试点", "市级", SubjectKind.PARK),
    TitleKind.VOLUNTARY_ASSESSMENT: TitleInfo(
        "voluntary_assessment", "自愿性绿色生产水平评估", "市级", SubjectKind.ENTERPRISE
    ),
    TitleKind.DESIGN_PRODUCT: TitleInfo("design_product", "绿色设计产品", "国家级", SubjectKind.ENTERPRISE),
}


class MoveKind(str, enum.Enum):
    NEXT = "next"  # one step forward: no reason needed
    BACK = "back"  # going back, e.g. 退回补正: reason required
    SKIP = "skip"  # jumping forward over a stage: reason required
    LATERAL = "lateral"  # 已认定 ↔ 未通过: reason required
    SAME = "same"


def classify_move(src: Stage, dst: Stage) -> MoveKind:
    if src == dst:
        return MoveKind.SAME
    if src.rank == dst.rank:
        return MoveKind.LATERAL
    if dst.rank < src.rank:
        return MoveKind.BACK
    if dst.rank == src.rank + 1:
        return MoveKind.NEXT
    return MoveKind.SKIP


def move_needs_reason(src: Stage, dst: Stage) -> bool:
    return classify_move(src, dst) in (MoveKind.BACK, MoveKind.SKIP, MoveKind.LATERAL)


def next_stages(src: Stage) -> list[Stage]:
    """The stages one ordinary step ahead (from 已推荐 both results are one step)."""
    return [s for s in STAGES if classify_move(src, s) is MoveKind.NEXT]


def move_explanation(src: Stage, dst: Stage) -> str:
    kind = classify_move(src, dst)
    return {
        MoveKind.NEXT: f"从「{src.label}」推进到「{dst.label}」",
        MoveKind.BACK: f"从「{src.label}」退回到「{dst.label}」，请填写退回原因",
        MoveKind.SKIP: f"从「{src.label}」跳过中间环节直接到「{dst.label}」，请填写原因",
        MoveKind.LATERAL: f"把结果从「{src.label}」改为「{dst.label}」，请填写原因",
        MoveKind.SAME: f"已在「{src.label}」",
    }[kind]


# --------------------------------------------------------------------------- supervision (seed 002, 第五章)
# Stored by value in title.state / title_change.kind / title_review.outcome; models.entities
# re-exports them. Here so plain-SQL reads (models.title_list) need no SQLAlchemy.


class TitleState(str, enum.Enum):
    VALID = "valid"
    UNDER_REVIEW = "under_review"
    REVOKED = "revoked"

    @property
    def label(self) -> str:
        return {"valid": "有效", "under_review": "复审中", "revoked": "已撤销"}[self.value]


class ChangeKind(str, enum.Enum):
    """第十九条: a renaming or a restructuring of a title holder, to be reported within 30 working days."""

    RENAME = "rename"
    RESTRUCTURE = "restructure"

    @property
    def label(self) -> str:
        return {"rename": "更名", "restructure": "重组"}[self.value]


class ReReviewOutcome(str, enum.Enum):
    PENDING = "pending"
    PASSED = "passed"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return {"pending": "待复审", "passed": "通过", "failed": "不通过"}[self.value]
