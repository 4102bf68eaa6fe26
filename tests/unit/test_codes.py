"""Reference tables: Chongqing districts (GB/T 2260) and industries (GB/T 4754-2017)."""
from __future__ import annotations

from forms import codes


def test_districts_of_chongqing():
    ds = codes.districts()
    with_code = [d for d in ds if d.code.isdigit()]
    assert len(with_code) == 38  # 26 districts + 12 counties
    assert with_code[0].code == "500101" and with_code[0].name == "万州区"
    assert codes.district_by_code("500156").name == "武隆区"
    assert codes.district_by_code("500243").name == "彭水苗族土家族自治县"
    assert all(d.code.startswith(("5001", "5002")) for d in with_code)
    assert {"两江新区", "西部科学城重庆高新区", "万盛经开区"} <= {d.name for d in ds if d.kind == "管理区"}
    assert codes.district_by_code("500112").label == "500112 渝北区"


def test_district_lookup_by_name():
    assert codes.district_by_name("渝北区").code == "500112"
    assert codes.district_by_name("渝北").code == "500112"
    assert codes.district_by_name("重庆市渝北区").code == "500112"
    assert codes.district_by_name("忠县").code == "500233"  # too short to shorten further
    assert codes.district_by_name("酉阳").code == "500242"
    assert codes.district_by_name("海淀区") is None
    assert codes.district_name("500112") == "渝北区"
    assert codes.district_name("110101") == "110101"
    assert codes.district_name(None) == ""


def test_industries():
    inds = codes.industries()
    assert len(inds) == 97
    manufacturing = sorted(int(i.code) for i in inds if i.is_manufacturing)
    assert manufacturing == list(range(13, 44))
    assert codes.industry_by_code("3670").name == "汽车制造业"
    assert codes.industry_name("26") == "化学原料和化学制品制造业"
    assert not codes.industry_by_code("01").is_manufacturing
    assert codes.industry_by_code("") is None
    assert codes.industry_name("99x") == "99x"
