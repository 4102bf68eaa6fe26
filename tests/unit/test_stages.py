"""The pipeline's stages and the rule for moving between them (domain.md, seed 002 第八–十一条)."""
from __future__ import annotations

import itertools

import pytest

from models.stages import (
    FINISHED_STAGES,
    STAGES,
    MoveKind,
    Stage,
    SubjectKind,
    TitleKind,
    classify_move,
    move_explanation,
    move_needs_reason,
    next_stages,
)

ORDER = ["培育", "创建", "自评完成", "第三方评价完成", "已申请", "区县初审", "已推荐", "已认定", "未通过"]


def test_stage_order_and_labels():
    assert [s.label for s in STAGES] == ORDER
    assert [s.rank for s in STAGES] == [0, 1, 2, 3, 4, 5, 6, 7, 7]
    assert FINISHED_STAGES == {Stage.RECOGNISED, Stage.REJECTED}
    assert [s for s in STAGES if s.is_final] == [Stage.RECOGNISED, Stage.REJECTED]


@pytest.mark.parametrize("src,dst,kind", [
    (Stage.CULTIVATING, Stage.BUILDING, MoveKind.NEXT),
    (Stage.APPLIED, Stage.UNDER_REVIEW, MoveKind.NEXT),
    (Stage.RECOMMENDED, Stage.RECOGNISED, MoveKind.NEXT),
    (Stage.RECOMMENDED, Stage.REJECTED, MoveKind.NEXT),
    (Stage.UNDER_REVIEW, Stage.APPLIED, MoveKind.BACK),  # 退回补正
    (Stage.RECOGNISED, Stage.CULTIVATING, MoveKind.BACK),
    (Stage.CULTIVATING, Stage.SELF_EVALUATED, MoveKind.SKIP),
    (Stage.EVALUATED, Stage.RECOGNISED, MoveKind.SKIP),
    (Stage.RECOGNISED, Stage.REJECTED, MoveKind.LATERAL),
    (Stage.REJECTED, Stage.RECOGNISED, MoveKind.LATERAL),
    (Stage.APPLIED, Stage.APPLIED, MoveKind.SAME),
])
def test_classify_move_examples(src, dst, kind):
    assert classify_move(src, dst) is kind


def test_classify_every_pair_consistently_with_ranks():
    counts = {k: 0 for k in MoveKind}
    for src, dst in itertools.product(STAGES, STAGES):
        kind = classify_move(src, dst)
        counts[kind] += 1
        if src == dst:
            assert kind is MoveKind.SAME
        elif dst.rank < src.rank:
            assert kind is MoveKind.BACK
        elif dst.rank == src.rank:
            assert kind is MoveKind.LATERAL
        elif dst.rank == src.rank + 1:
            assert kind is MoveKind.NEXT
        else:
            assert kind is MoveKind.SKIP
    # 9 same, 2 lateral (已认定↔未通过), 6 ordinary steps up to 已推荐 + 2 from it to the results
    assert counts[MoveKind.SAME] == 9
    assert counts[MoveKind.LATERAL] == 2
    assert counts[MoveKind.NEXT] == 8
    assert counts[MoveKind.BACK] + counts[MoveKind.SKIP] == 81 - 19


def test_reason_needed_for_back_skip_and_lateral_only():
    for src, dst in itertools.product(STAGES, STAGES):
        expected = classify_move(src, dst) in (MoveKind.BACK, MoveKind.SKIP, MoveKind.LATERAL)
        assert move_needs_reason(src, dst) is expected
    assert not move_needs_reason(Stage.CULTIVATING, Stage.BUILDING)
    assert move_needs_reason(Stage.UNDER_REVIEW, Stage.APPLIED)
    assert move_needs_reason(Stage.BUILDING, Stage.APPLIED)


def test_next_stages():
    assert next_stages(Stage.CULTIVATING) == [Stage.BUILDING]
    assert next_stages(Stage.UNDER_REVIEW) == [Stage.RECOMMENDED]
    assert next_stages(Stage.RECOMMENDED) == [Stage.RECOGNISED, Stage.REJECTED]
    assert next_stages(Stage.RECOGNISED) == []
    assert next_stages(Stage.REJECTED) == []


def test_move_explanations_in_chinese():
    assert move_explanation(Stage.CULTIVATING, Stage.BUILDING) == "从「培育」推进到「创建」"
    assert "请填写退回原因" in move_explanation(Stage.UNDER_REVIEW, Stage.APPLIED)
    assert "跳过中间环节" in move_explanation(Stage.CULTIVATING, Stage.APPLIED)
    assert "把结果从「已认定」改为「未通过」" in move_explanation(Stage.RECOGNISED, Stage.REJECTED)
    assert move_explanation(Stage.APPLIED, Stage.APPLIED) == "已在「已申请」"


def test_titles_and_who_may_apply():
    assert TitleKind.CITY_FACTORY.label == "市级绿色工厂"
    assert TitleKind.CITY_PARK.label == "市级绿色园区"
    assert TitleKind.CITY_FACTORY.subject is SubjectKind.ENTERPRISE
    assert TitleKind.CITY_PARK.subject is SubjectKind.PARK
    assert TitleKind.NEAR_ZERO_PARK.subject is SubjectKind.PARK
    assert TitleKind.NATIONAL_FACTORY.info.level == "国家级"
    assert all(k.info.code == k.value for k in TitleKind)
    assert SubjectKind.ENTERPRISE.label == "企业" and SubjectKind.PARK.label == "园区"
