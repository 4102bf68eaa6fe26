"""Name normalisation and matching (exports/names.py): the variants real lists contain."""
from __future__ import annotations

import pytest

from exports.names import (AUTO_ACCEPT, BASE_EQUAL, NAME_EQUAL, NameIndex, base_name, core_name, normalise_name,
                           plant_suffix, similarity)


@pytest.mark.parametrize("a, b", [
    ("玖龙纸业（重庆）有限公司", "玖龙纸业(重庆)有限公司"),  # full-width / half-width brackets
    ("重庆齿轮箱有限责任公司", "重庆齿轮箱有限公司"),  # 有限责任公司 / 有限公司
    ("重庆 京东方光电科技 有限公司 ", "重庆京东方光电科技有限公司"),  # spaces, trailing space
    ("重庆\u3000京东方光电科技有限公司", "重庆京东方光电科技有限公司"),  # ideographic space
    ("重庆美心.麦森门业有限公司", "重庆美心·麦森门业有限公司"),  # the dot as typed and as printed
    ("重庆ＡＢＢ江津涡轮增压系统有限公司", "重庆abb江津涡轮增压系统有限公司"),  # full-width, case
    ("重庆星星套装门（集团）有限责任公司", "重庆星星套装门[集团]有限公司"),
])
def test_variants_normalise_to_the_same_key(a, b):
    assert normalise_name(a) == normalise_name(b)


def test_different_companies_stay_different():
    assert normalise_name("重庆齿轮箱有限公司") != normalise_name("重庆齿轮有限公司")
    assert normalise_name("重庆宗申动力机械股份有限公司") != normalise_name("重庆宗申通用动力机械有限公司")


@pytest.mark.parametrize("name, base, suffix", [
    ("重庆长安汽车股份有限公司渝北工厂", "重庆长安汽车股份有限公司", "渝北工厂"),
    ("重庆建峰化工股份有限公司化肥分公司", "重庆建峰化工股份有限公司", "化肥分公司"),
    ("重庆市天友乳业股份有限公司乳品一厂", "重庆市天友乳业股份有限公司", "乳品一厂"),
    ("重庆水泵厂有限责任公司", "重庆水泵厂有限公司", ""),  # 厂 inside the name is not a plant suffix
    ("重庆两江新区鱼复工业开发区", "重庆两江新区鱼复工业开发区", ""),
])
def test_plant_suffix(name, base, suffix):
    assert base_name(name) == base
    assert plant_suffix(name) == suffix


def test_core_name_drops_region_and_legal_form():
    assert core_name("重庆四联光电科技有限公司") == "四联光电"
    assert core_name("重庆市天友乳业股份有限公司乳品一厂") == "天友乳业"


def test_similarity_ignores_shared_boilerplate():
    # both are 重庆…光电科技有限公司, but different companies
    assert similarity("重庆四联光电科技有限公司", "重庆京东方光电科技有限公司") < 0.6
    assert similarity("重庆市天友乳业股份有限公司", "重庆天友乳业股份有限公司") == 1.0


def test_index_matches_with_confidence():
    index = NameIndex([
        (1, "重庆长安汽车股份有限公司"),
        (2, "玖龙纸业(重庆)有限公司"),
        (3, "重庆天友乳业股份有限公司"),
        (4, "重庆京东方光电科技有限公司"),
    ])
    [m] = index.match("玖龙纸业（重庆）有限责任公司")
    assert (m.key, m.confidence, m.how, m.certain) == (2, NAME_EQUAL, "name", True)
    [m] = index.match("重庆长安汽车股份有限公司渝北工厂")
    assert (m.key, m.confidence, m.how, m.certain) == (1, BASE_EQUAL, "base", True)
    [m] = index.match("重庆市天友乳业股份有限公司乳品一厂")
    assert m.key == 3 and m.how == "fuzzy" and m.confidence < AUTO_ACCEPT and not m.certain
    assert index.match("重庆四联光电科技有限公司") == []
    assert index.match("") == []
    assert index.exact("重庆京东方光电科技有限公司") == [4]


def test_exact_match_wins_over_the_plant_of_the_same_company():
    index = NameIndex([(1, "重庆长安汽车股份有限公司"), (2, "重庆长安汽车股份有限公司渝北工厂")])
    best = index.match("重庆长安汽车股份有限公司渝北工厂")[0]
    assert (best.key, best.how) == (2, "name")


def test_two_records_with_one_name_are_both_offered():
    index = NameIndex([(1, "重庆甲机械有限公司"), (2, "重庆甲机械有限责任公司")])
    matches = index.match("重庆甲机械有限公司")
    assert {m.key for m in matches} == {1, 2}
    assert all(m.confidence == NAME_EQUAL for m in matches)


def test_fuzzy_search_is_fast_on_many_names():
    import time

    index = NameIndex((i, f"重庆第{i}号精密机械制造有限公司") for i in range(20000))
    t0 = time.perf_counter()
    for i in range(50):
        index.match(f"重庆第{i}号精密机械制造厂")
    assert time.perf_counter() - t0 < 5


@pytest.mark.parametrize("typed, other", [("ß\u0301", "SS\u0301"), ("\u01fa", "A\u030a \u0301"), ("Ǻ", "Å\u0301")])
def test_a_name_typed_composed_or_decomposed_has_one_key(typed, other):
    """Found by the property tests: upper() decomposing ß, and a removed space bringing a
    combining mark back to its letter, gave a key that changed when normalised again."""
    key = normalise_name(typed)
    assert normalise_name(key) == key
    assert normalise_name(other) == key
