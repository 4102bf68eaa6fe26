"""Rule sets, checklists and benchmark tables are data: they load, and a broken rule file is
refused with a message naming the file and the rule."""
from __future__ import annotations

import pytest

from forms.materials import checklist_for, load_checklists
from forms.rules import RuleFileError, load_rule_sets
from forms.rules.checks import CHECKS
from forms.rules.loader import benchmarks_for, indicator_defs, parse_rule_set
from models.stages import TitleKind


def good(**kw):
    data = {
        "id": "x-2030", "name": "测试规则", "title_kinds": ["city_factory"], "valid_from": 2030,
        "rules": [{"id": "R1", "article": "第七条（六）", "text": "证书有效", "check": "certificates_valid",
                   "params": {"kinds": ["iso9001"]}}],
    }
    data.update(kw)
    return data


def test_a_new_year_is_a_new_file():
    rs = parse_rule_set(good())
    assert rs.covers(TitleKind.CITY_FACTORY, 2031) and not rs.covers(TitleKind.CITY_FACTORY, 2029)
    assert rs.rule("R1").params == {"kinds": ["iso9001"]}


@pytest.mark.parametrize(("change", "message"), [
    ({"rules": [{"id": "R1", "article": "第七条（六）", "text": "t", "check": "no_such_check"}]}, "未知的检查方法「no_such_check」"),
    ({"rules": [{"id": "R1", "article": "a", "text": "t", "check": "single_application"},
                {"id": "R1", "article": "a", "text": "t", "check": "single_application"}]}, "规则编号 R1 重复"),
    ({"rules": [{"id": "R1", "text": "t", "check": "single_application"}]}, "缺少「article」"),
    ({"rules": [{"id": "R1", "article": "a", "text": "t", "check": "single_application", "severity": "fatal"}]},
     "severity 只能是 error 或 warning"),
    ({"rules": [{"id": "R1", "article": "a", "text": "t", "check": "evaluator_load"}]}, "需要参数 max_projects"),
    ({"title_kinds": ["city_castle"]}, "未知的称号"),
])
def test_broken_rule_files_are_refused_with_the_reason(change, message):
    with pytest.raises(RuleFileError, match=message):
        parse_rule_set(good(**change))


def test_missing_top_level_key_names_it():
    data = good()
    del data["valid_from"]
    with pytest.raises(RuleFileError, match="缺少「valid_from」"):
        parse_rule_set(data)


def test_shipped_sets_use_only_known_checks_and_name_an_article():
    for rs in load_rule_sets():
        for r in rs.rules:
            assert r.check in CHECKS
            assert r.article and r.text and r.severity in ("error", "warning")


def test_checklists_per_title():
    factory = checklist_for(TitleKind.CITY_FACTORY, 2026)
    park = checklist_for(TitleKind.CITY_PARK, 2026)
    assert {i.key for i in factory.required_items} >= {
        "application_form", "self_evaluation", "third_party_report", "business_license", "pledge", "certificates"}
    assert factory.item("evidence").required is False
    assert "approval_document" in {i.key for i in park.required_items}
    assert "business_license" not in {i.key for i in park.items}
    assert checklist_for(TitleKind.CITY_FACTORY, 2020) is None
    assert load_checklists()


def test_benchmarks_overlay_the_industry_row_on_the_default():
    default = benchmarks_for("benchmarks-cq-2024", "factory", "34")
    chem = benchmarks_for("benchmarks-cq-2024", "factory", "26")
    assert default["energy_per_value_added"] < chem["energy_per_value_added"]
    assert set(chem) == set(default)
    assert all(indicator_defs()[k].better in ("lower", "higher") for k in chem)
