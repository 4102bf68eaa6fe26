"""Every rule of the shipped Chongqing rule sets, on hand-made facts: one passing and at least one
failing case each, named by article (seed 002_e4cc3ba6cebebc4b.txt). No database, no disk
beyond the shipped rule files."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal as D

import pytest

from forms.rules import Outcome, evaluate, evaluate_rule, load_rule_sets, rule_set_by_id
from forms.rules.checks import CHECKS
from forms.validators import credit_check_char
from models.entities import TitleState
from models.review import MaterialStatus
from models.review_facts import (
    ApplicationFacts,
    CertificateFacts,
    EvaluatorFacts,
    MaterialFacts,
    ReportFacts,
    SubjectFacts,
    TitleFacts,
    WatchHit,
)
from models.stages import Stage, SubjectKind, TitleKind

AS_OF = dt.date(2026, 6, 30)
YEAR = 2026
FACTORY = rule_set_by_id("cq-2024-city-factory")
PARK = rule_set_by_id("cq-2024-city-park")


def code_for(body: str) -> str:
    return body + credit_check_char(body)


ENT_CODE = code_for("91500112MA5U7AMQ8")
PARK_CODE = code_for("11500112MB1234567")
EVALUATOR = EvaluatorFacts(1, "重庆示例绿色低碳评价中心", list_years=frozenset({2025, 2026}))

FACTORY_ITEMS = ["application_form", "self_evaluation", "third_party_report", "business_license", "pledge",
                 "certificates", "green_body", "green_plan"]
PARK_ITEMS = ["application_form", "self_evaluation", "third_party_report", "approval_document", "pledge",
              "green_body", "energy_target", "indicator_table"]


def material(i: int, key: str, **kw) -> MaterialFacts:
    base = dict(id=i, item_key=key, original_name=f"{key}.pdf", sha256=f"{i:064x}", size=1000, file_type="pdf",
                page_count=2, status=MaterialStatus.ACCEPTED, received_on=AS_OF - dt.timedelta(days=10))
    base.update(kw)
    return MaterialFacts(**base)


def factory(**kw) -> ApplicationFacts:
    """A municipal green-factory application that passes every computable rule."""
    subject = SubjectFacts(SubjectKind.ENTERPRISE, 7, "重庆绿源机械有限公司", ENT_CODE, "", "500112", "34")
    indicators = {
        (2025, "revenue"): D("52000"), (2025, "output_value"): D("48000"),
        (2025, "energy_per_value_added"): D("0.21"), (2025, "carbon_intensity"): D("0.55"),
        (2025, "water_reuse_rate"): D("92.5"), (2025, "solid_waste_utilisation"): D("97"),
    }
    base = dict(
        id=11, year=YEAR, title_kind=TitleKind.CITY_FACTORY, subject=subject, stage=Stage.UNDER_REVIEW,
        batch_id=3, batch_name="2026年度市级绿色工厂推荐",
        materials=tuple(material(i, k, declared_name=subject.name if k == "business_license" else "",
                                 declared_credit_code=ENT_CODE if k == "business_license" else "")
                        for i, k in enumerate(FACTORY_ITEMS, start=1)),
        report=ReportFacts(5, 1, EVALUATOR.name, "LSPJ-1", AS_OF - dt.timedelta(days=60), "GB/T 36132-2018", True,
                           D("88.5"), "光伏", AS_OF - dt.timedelta(days=120), subject.name, ENT_CODE),
        evaluator=EVALUATOR,
        certificates=tuple(CertificateFacts(i, k, f"N{i}", "中国质量认证中心", None, AS_OF + dt.timedelta(days=400))
                           for i, k in enumerate(["iso9001", "iso14001", "iso45001", "iso50001"], start=1)),
        indicators=indicators, watchlist_size=25, listing_years=frozenset({2025, 2026}),
        evaluator_load=3, evaluator_group="推荐批次「2026年度市级绿色工厂推荐」",
    )
    base.update(kw)
    return ApplicationFacts(**base)


def park(**kw) -> ApplicationFacts:
    """A municipal green-park application that passes every computable rule."""
    subject = SubjectFacts(SubjectKind.PARK, 4, "重庆空港工业园区", PARK_CODE, "", "500112", "", None,
                           park_type="工业集聚区", approval_level="市级", managing_body="重庆空港工业园区管理委员会",
                           green_staff_count=3)
    indicators = {
        (2025, "output_value"): D("3200000"), (2025, "value_added"): D("800000"),
        (2023, "carbon_intensity"): D("1.10"), (2024, "carbon_intensity"): D("1.02"),
        (2025, "carbon_intensity"): D("0.95"), (2025, "energy_target_met"): D(1),
        (2025, "energy_per_value_added"): D("0.42"), (2025, "water_reuse_rate"): D("93"),
        (2025, "solid_waste_utilisation"): D("96"), (2025, "renewable_share"): D("12.5"),
    }
    base = factory(
        title_kind=TitleKind.CITY_PARK, subject=subject, certificates=(), indicators=indicators,
        materials=tuple(material(i, k) for i, k in enumerate(PARK_ITEMS, start=1)),
        park_enterprises=20,
        park_titles={1: frozenset({TitleKind.CITY_FACTORY}), 2: frozenset({TitleKind.VOLUNTARY_ASSESSMENT}),
                     3: frozenset({TitleKind.NATIONAL_FACTORY})},
    )
    report = replace(base.report, subject_name=subject.name, subject_credit_code=PARK_CODE)
    return replace(base, report=report, **kw)


def with_material(f: ApplicationFacts, key: str, **kw) -> ApplicationFacts:
    return replace(f, materials=tuple(replace(m, **kw) if m.item_key == key else m for m in f.materials))


def without_material(f: ApplicationFacts, key: str) -> ApplicationFacts:
    return replace(f, materials=tuple(m for m in f.materials if m.item_key != key))


def with_indicator(f: ApplicationFacts, year: int, key: str, value) -> ApplicationFacts:
    ind = dict(f.indicators)
    if value is None:
        ind.pop((year, key), None)
    else:
        ind[(year, key)] = D(str(value))
    return replace(f, indicators=ind)


def with_report(f: ApplicationFacts, **kw) -> ApplicationFacts:
    return replace(f, report=replace(f.report, **kw))


def with_cert(f: ApplicationFacts, kind: str, **kw) -> ApplicationFacts:
    return replace(f, certificates=tuple(replace(c, **kw) if c.kind == kind else c for c in f.certificates))


# (rule id, how to make it fail, the failing outcome, words the evidence must contain)
FAILS = {
    "F7-1": [(lambda f: replace(f, subject=replace(f.subject, industry_code="51")), Outcome.FAIL, "不是制造业"),
             (lambda f: replace(f, subject=replace(f.subject, credit_code=ENT_CODE[:17] + "0" if ENT_CODE[17] != "0" else ENT_CODE[:17] + "1")),
              Outcome.FAIL, "校验位不符"),
             (lambda f: replace(f, subject=replace(f.subject, district_code="510104")), Outcome.FAIL, "不是重庆市的区县"),
             (lambda f: replace(f, subject=replace(f.subject, industry_code="")), Outcome.MISSING, "未录入所属行业")],
    "F7-2": [(lambda f: with_indicator(f, 2025, "revenue", None), Outcome.MISSING, "缺少2025年营业收入")],
    "F7-3": [(lambda f: replace(f, watch_hits=(WatchHit("失信被执行人名单", "重庆绿源机械有限公司", ENT_CODE,
                                                         dt.date(2025, 11, 2), None, "信用中国"),)),
              Outcome.FAIL, "列入「失信被执行人名单」"),
             (lambda f: without_material(f, "pledge"), Outcome.MISSING, "未收到「承诺书"),
             (lambda f: replace(f, watchlist_size=0), Outcome.WARNING, "尚未导入失信/事故名单")],
    "F7-4": [(lambda f: with_material(f, "green_body", status=MaterialStatus.RETURNED, status_reason="未盖公章"),
              Outcome.FAIL, "已退回补正：未盖公章"),
             (lambda f: with_material(f, "green_body", status=MaterialStatus.RECEIVED), Outcome.MANUAL, "尚未审核"),
             (lambda f: without_material(f, "green_body"), Outcome.MISSING, "未收到")],
    "F7-5": [(lambda f: with_material(f, "green_plan", integrity="changed"), Outcome.FAIL, "已被改动"),
             (lambda f: without_material(f, "green_plan"), Outcome.MISSING, "未收到")],
    "F7-6": [(lambda f: with_cert(f, "iso14001", expires_on=dt.date(2026, 3, 1), number="CQC-14001-77"),
              Outcome.FAIL, "环境管理体系认证（ISO 14001）证书（编号 CQC-14001-77，中国质量认证中心）已于2026年3月1日过期"),
             (lambda f: replace(f, certificates=f.certificates[:3]), Outcome.MISSING, "未录入能源管理体系认证"),
             (lambda f: with_cert(f, "iso9001", expires_on=AS_OF + dt.timedelta(days=30)), Outcome.WARNING, "将于")],
    "F7-7": [(lambda f: with_indicator(f, 2025, "energy_per_value_added", "0.45"), Outcome.FAIL,
              "单位工业增加值综合能耗（能源低碳化） 0.45吨标准煤/万元，未达到标杆值 0.3"),
             (lambda f: with_indicator(f, 2025, "water_reuse_rate", None), Outcome.MISSING, "缺少2025年工业用水重复利用率")],
    "F7-8": [(lambda f: with_report(f, basic_requirements_met=False), Outcome.FAIL, "基本要求不符合"),
             (lambda f: with_report(f, score=D("76.5")), Outcome.FAIL, "评价得分 76.5 分，低于 80 分"),
             (lambda f: replace(f, report=None), Outcome.MISSING, "未录入第三方评价报告")],
    "F18-1": [(lambda f: replace(f, titles=(TitleFacts(9, TitleKind.CITY_FACTORY, 2022, TitleState.REVOKED,
                                                        dt.date(2025, 3, 12), "渝经信节能〔2022〕9号", "渝经信节能〔2025〕8号"),)),
               Outcome.FAIL, "2025年3月12日被撤销，渝经信节能〔2025〕8号，3年内（2028年3月12日前）不得重新申报")],
    "F12-1": [(lambda f: replace(f, titles=(TitleFacts(9, TitleKind.CITY_FACTORY, 2024, TitleState.VALID, None,
                                                        "渝经信节能〔2024〕12号", "", application_id=3),)),
               Outcome.FAIL, "已持有2024年「市级绿色工厂」称号（有效，渝经信节能〔2024〕12号）")],
    "F3-1": [(lambda f: replace(f, duplicates=((99, Stage.APPLIED),)), Outcome.FAIL, "申报编号 99（已申请）")],
    "F21-1": [(lambda f: replace(f, evaluator=replace(EVALUATOR, list_years=frozenset({2024}))), Outcome.FAIL,
               "不在2026年度市级第三方服务机构名单内"),
              (lambda f: replace(f, evaluator=replace(EVALUATOR, list_years=frozenset()), listing_years=frozenset()),
               Outcome.MANUAL, "尚未录入2026年度市级第三方服务机构名单")],
    "F22-1": [(lambda f: replace(f, evaluator=replace(EVALUATOR, disqualified_on=AS_OF - dt.timedelta(days=90),
                                                       disqualified_reason="报告弄虚作假")),
               Outcome.FAIL, "已于2026年4月1日被取消评价资格（报告弄虚作假）"),
              (lambda f: replace(f, evaluator=replace(EVALUATOR, disqualified_on=AS_OF - dt.timedelta(days=10),
                                                       disqualified_reason="不负责任")),
               Outcome.MANUAL, "在取消资格之前")],
    "N-15": [(lambda f: replace(f, evaluator_load=16), Outcome.FAIL, "评价了 16 个项目，超过 15 个的上限")],
    "F10-1": [(lambda f: with_report(f, subject_name="重庆绿源机械有限责任公司"), Outcome.FAIL,
               "第三方评价报告上的名称为「重庆绿源机械有限责任公司」，与登记名称「重庆绿源机械有限公司」不一致"),
              (lambda f: with_material(f, "business_license", declared_credit_code="91500112MA5U7AMQ80"),
               Outcome.FAIL, "「business_license.pdf」上的信用代码为 91500112MA5U7AMQ80")],
    "F9-1": [(lambda f: with_report(f, self_evaluation_date=AS_OF - dt.timedelta(days=30)), Outcome.FAIL,
              "不晚于自评价日期"),
             (lambda f: with_report(f, report_date=AS_OF - dt.timedelta(days=400),
                                    self_evaluation_date=AS_OF - dt.timedelta(days=500)), Outcome.FAIL,
              "超过 365 天的有效期"),
             (lambda f: with_report(f, self_evaluation_date=None), Outcome.MISSING, "未录入自评价日期")],
    "F10-2": [(lambda f: with_material(f, "pledge", integrity="missing"), Outcome.FAIL, "「pledge.pdf」的存档文件已丢失"),
              (lambda f: with_material(f, "self_evaluation", read_error="「self_evaluation.pdf」是加密的 PDF，需要密码才能打开。"),
               Outcome.FAIL, "加密的 PDF"),
              (lambda f: without_material(f, "business_license"), Outcome.MISSING, "「营业执照（复印件加盖公章）」未收到")],
    # parks
    "P6-1": [(lambda f: replace(f, subject=replace(f.subject, park_type="物流园区")), Outcome.FAIL, "园区类型「物流园区」"),
             (lambda f: replace(f, subject=replace(f.subject, approval_level="区县级")), Outcome.FAIL, "不是国家或市政府批准"),
             (lambda f: without_material(f, "approval_document"), Outcome.MISSING, "未收到「园区批准设立文件")],
    "P6-2": [(lambda f: with_indicator(f, 2025, "value_added", None), Outcome.MISSING, "缺少2025年工业增加值")],
    "P6-3a": [(lambda f: replace(f, watch_hits=(WatchHit("较大环境污染事故通报", "重庆空港工业园区"),)), Outcome.FAIL,
               "较大环境污染事故通报")],
    "P6-3b": [(lambda f: with_indicator(f, 2025, "energy_target_met", 0), Outcome.FAIL, "2025年未完成"),
              (lambda f: with_indicator(f, 2025, "energy_target_met", None), Outcome.MISSING, "未录入2025年")],
    "P6-3c": [(lambda f: with_indicator(f, 2025, "carbon_intensity", "1.05"), Outcome.FAIL,
               "2025年（1.05）未低于2024年（1.02）"),
              (lambda f: with_indicator(f, 2023, "carbon_intensity", None), Outcome.MISSING, "缺少2023年碳排放强度")],
    "P6-4": [(lambda f: replace(f, park_enterprises=40), Outcome.WARNING, "园区登记企业 40 家，其中获评绿色工厂或参与绿色生产水平评估 3 家，占 7.5%"),
             (lambda f: replace(f, park_enterprises=0, park_titles={}), Outcome.MISSING, "没有登记在该园区的企业")],
    "P6-5": [(lambda f: with_material(f, "pledge", status=MaterialStatus.RETURNED, status_reason="缺淘汰目录承诺"),
              Outcome.FAIL, "缺淘汰目录承诺")],
    "P6-6": [(lambda f: replace(f, subject=replace(f.subject, green_staff_count=1)), Outcome.FAIL, "专职工作人员 1 人，少于 2 人"),
             (lambda f: replace(f, subject=replace(f.subject, green_staff_count=None)), Outcome.MISSING, "未录入")],
    "P6-7": [(lambda f: with_indicator(f, 2025, "renewable_share", "4"), Outcome.FAIL, "可再生能源使用比例 4%，未达到标杆值 10")],
    "P6-8": [(lambda f: with_report(f, score=D("79.9")), Outcome.FAIL, "评价得分 79.9 分，低于 80 分")],
    "P18-1": [(lambda f: replace(f, titles=(TitleFacts(9, TitleKind.CITY_PARK, 2021, TitleState.REVOKED,
                                                        dt.date(2024, 1, 5)),)), Outcome.FAIL, "不得重新申报")],
    "P12-1": [(lambda f: replace(f, titles=(TitleFacts(9, TitleKind.CITY_PARK, 2025, TitleState.VALID),)), Outcome.FAIL,
               "已持有2025年「市级绿色园区」称号")],
    "P3-1": [(lambda f: replace(f, duplicates=((98, Stage.BUILDING),)), Outcome.FAIL, "申报编号 98（创建）")],
    "P21-1": [(lambda f: replace(f, evaluator=None, report=replace(f.report, evaluator_id=None, evaluator_name="某某认证公司")),
               Outcome.FAIL, "评价机构「某某认证公司」不在机构名录中")],
    "P22-1": [(lambda f: replace(f, evaluator=replace(EVALUATOR, disqualified_on=dt.date(2025, 1, 1), disqualified_reason="抽查不合格")),
               Outcome.FAIL, "已于2025年1月1日被取消评价资格")],
    "P10-1": [(lambda f: with_report(f, subject_name="重庆空港工业园"), Outcome.FAIL, "与登记名称「重庆空港工业园区」不一致")],
    "P9-1": [(lambda f: with_report(f, report_date=AS_OF + dt.timedelta(days=3)), Outcome.FAIL, "晚于审查日")],
    "P10-2": [(lambda f: without_material(f, "energy_target"), Outcome.MISSING, "「节能减排目标完成情况（市级或区县下达）」未收到")],
}

#: judge-only rules: with their data present they ask a person (never pass silently)
JUDGE_ONLY = {"F7-2", "P6-2"}


def _cases(rule_set, make):
    for rule in rule_set.rules:
        yield pytest.param(rule_set, rule.id, make, id=f"{rule.article}-{rule.id}")


def _fail_cases():
    for rule_set, make in ((FACTORY, factory), (PARK, park)):
        for rule in rule_set.rules:
            for n, (mod, outcome, words) in enumerate(FAILS.get(rule.id, []), start=1):
                yield pytest.param(rule_set, rule.id, make, mod, outcome, words, id=f"{rule.article}-{rule.id}-{n}")


def test_every_shipped_rule_has_a_failing_case():
    """第六条、第七条 and the record-wide rules: no rule of the shipped sets goes untested."""
    for rs in (FACTORY, PARK):
        for rule in rs.rules:
            assert FAILS.get(rule.id), f"{rs.id} {rule.id} {rule.article} 没有不通过的测试用例"


@pytest.mark.parametrize(("rule_set", "rule_id", "make"), [*_cases(FACTORY, factory), *_cases(PARK, park)])
def test_rule_passes_on_good_data(rule_set, rule_id, make):
    """Each rule (named by its article in the test id, e.g. 第七条（六）-F7-6) passes on a good
    application; a judge-only rule (第七条（二）, 第六条（二）) asks for a person instead."""
    result = evaluate_rule(rule_set.rule(rule_id), make(), AS_OF)
    expected = Outcome.MANUAL if rule_id in JUDGE_ONLY else Outcome.PASS
    assert result.outcome is expected, result.evidence
    assert result.evidence
    assert result.article == rule_set.rule(rule_id).article


@pytest.mark.parametrize(("rule_set", "rule_id", "make", "mod", "outcome", "words"), list(_fail_cases()))
def test_rule_fails_on_bad_data(rule_set, rule_id, make, mod, outcome, words):
    """Each rule (article in the test id) gives the expected outcome and names the evidence."""
    result = evaluate_rule(rule_set.rule(rule_id), mod(make()), AS_OF)
    assert result.outcome is outcome, result.evidence
    assert words in result.evidence


def test_good_factory_passes_everything_but_the_judge_only_item():
    """第七条（一）–（八） and the record-wide rules on a clean application: only 第七条（二）
    waits for a person."""
    results = evaluate(FACTORY, factory(), AS_OF)
    assert [r.article for r in results if r.outcome is not Outcome.PASS] == ["第七条（二）"]
    assert {r.article for r in results} >= {f"第七条（{n}）" for n in "一二三四五六七八"}


def test_park_rule_set_covers_every_item_of_article_6():
    """第六条（一）–（八） each have at least one rule in the park set."""
    assert {r.article for r in PARK.rules} >= {f"第六条（{n}）" for n in "一二三四五六七八"}


def test_figures_present_never_pass_silently():
    """第七条（二）: with revenue and output present the result is 需人工判断, with the figures."""
    r = evaluate_rule(FACTORY.rule("F7-2"), factory(), AS_OF)
    assert r.outcome is Outcome.MANUAL
    assert "2025年营业收入 52000 万元" in r.evidence and "请审查人判断" in r.evidence


def test_revoked_more_than_three_years_ago_may_apply_again():
    """第十八条: a revocation older than three years no longer bars the application."""
    f = factory(titles=(TitleFacts(9, TitleKind.CITY_FACTORY, 2019, TitleState.REVOKED, dt.date(2023, 6, 29)),))
    assert evaluate_rule(FACTORY.rule("F18-1"), f, AS_OF).outcome is Outcome.PASS


def test_revoked_without_a_date_asks_a_person():
    """第十八条: a revoked title without its date cannot be judged by the program."""
    f = factory(titles=(TitleFacts(9, TitleKind.CITY_FACTORY, 2019, TitleState.REVOKED, None),))
    assert evaluate_rule(FACTORY.rule("F18-1"), f, AS_OF).outcome is Outcome.MANUAL


def test_title_of_this_very_application_is_not_a_second_title():
    """第十二条: the title recognised from this application does not count as already held."""
    f = factory(titles=(TitleFacts(9, TitleKind.CITY_FACTORY, 2026, TitleState.VALID, application_id=11),))
    assert evaluate_rule(FACTORY.rule("F12-1"), f, AS_OF).outcome is Outcome.PASS


def test_fifteen_projects_is_still_allowed():
    """年度申报通知: at most 15 projects per evaluator and batch — 15 passes, 16 fails."""
    assert evaluate_rule(FACTORY.rule("N-15"), factory(evaluator_load=15), AS_OF).outcome is Outcome.PASS


def test_brackets_and_spaces_do_not_make_names_differ():
    """第十条: 玖龙纸业（重庆）有限公司 = 玖龙纸业(重庆) 有限公司 for the consistency check."""
    f = factory(subject=replace(factory().subject, name="玖龙纸业（重庆）有限公司"))
    f = with_report(f, subject_name="玖龙纸业(重庆) 有限公司")
    f = with_material(f, "business_license", declared_name="玖龙纸业(重庆)有限公司")
    assert evaluate_rule(FACTORY.rule("F10-1"), f, AS_OF).outcome is Outcome.PASS


def test_returned_material_needs_a_new_copy():
    """第十条: a required item whose only file was returned for correction counts as not received."""
    f = with_material(factory(), "pledge", status=MaterialStatus.RETURNED, status_reason="未签字")
    r = evaluate_rule(FACTORY.rule("F10-2"), f, AS_OF)
    assert r.outcome is Outcome.MISSING
    assert "已退回补正，尚未重新提交" in r.evidence


def test_warning_severity_turns_a_failure_into_a_warning():
    """第六条（四） is configured as a warning: a low share is 提醒, not 不符合."""
    assert PARK.rule("P6-4").severity == "warning"
    r = evaluate_rule(PARK.rule("P6-4"), park(park_enterprises=100), AS_OF)
    assert r.outcome is Outcome.WARNING


def test_a_broken_check_asks_a_person_instead_of_stopping(monkeypatch):
    """A check raising on odd data gives 需人工判断 naming the error; the other rules still run."""
    import forms.rules.checks as checks

    def boom(f, p, as_of):
        raise KeyError("x")

    monkeypatch.setitem(CHECKS, "report_dates", checks.CheckDef("report_dates", boom, "x"))
    results = evaluate(FACTORY, factory(), AS_OF)
    bad = [r for r in results if r.check == "report_dates"]
    assert bad[0].outcome is Outcome.MANUAL and "检查程序出错" in bad[0].evidence
    assert len(results) == len(FACTORY.rules)


def test_rule_sets_are_found_by_title_and_year():
    """A year's rules are a file: the 2024 sets apply to 2024 and later, not to 2023."""
    from forms.rules import rule_set_for

    assert rule_set_for(TitleKind.CITY_FACTORY, 2026).id == "cq-2024-city-factory"
    assert rule_set_for(TitleKind.CITY_PARK, 2024).id == "cq-2024-city-park"
    assert rule_set_for(TitleKind.CITY_FACTORY, 2023) is None
    assert rule_set_for(TitleKind.SUPPLY_CHAIN, 2026) is None
    assert len(load_rule_sets()) >= 2
