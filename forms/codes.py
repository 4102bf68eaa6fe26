"""Reference tables shipped in resources/data: Chongqing districts (GB/T 2260) and industries
(GB/T 4754-2017 大类)."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache

from resources import resource_path


@dataclass(frozen=True)
class District:
    code: str
    name: str
    kind: str  # 区 / 县 / 自治县 / 管理区 (a functional area without its own GB/T 2260 code)

    @property
    def label(self) -> str:
        return f"{self.code} {self.name}"


@dataclass(frozen=True)
class Industry:
    code: str  # two digits, 大类
    name: str
    section: str  # 门类 letter
    section_name: str

    @property
    def label(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_manufacturing(self) -> bool:
        """门类 C 制造业: 大类 13–43 (seed 002 第七条（一）: a manufacturer)."""
        return self.section == "C"


def _read(name: str) -> list[dict[str, str]]:
    with open(resource_path("data", name), encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@lru_cache(maxsize=1)
def districts() -> tuple[District, ...]:
    return tuple(District(r["code"], r["name"], r["kind"]) for r in _read("districts.csv"))


@lru_cache(maxsize=1)
def _district_index() -> tuple[dict[str, District], dict[str, District]]:
    by_code = {d.code: d for d in districts()}
    by_name: dict[str, District] = {}
    for d in districts():
        by_name[d.name] = d
        by_name["重庆市" + d.name] = d
        short = d.name
        for suffix in ("土家族苗族自治县", "苗族土家族自治县", "土家族自治县", "区", "县"):
            if short.endswith(suffix) and len(short) > len(suffix) + 1:
                short = short[: -len(suffix)]
                break
        by_name.setdefault(short, d)
    return by_code, by_name


def district_by_code(code: str) -> District | None:
    return _district_index()[0].get(code)


def district_by_name(name: str) -> District | None:
    return _district_index()[1].get(name.strip())


def district_name(code: str | None) -> str:
    d = district_by_code(code or "")
    return d.name if d else (code or "")


@lru_cache(maxsize=1)
def industries() -> tuple[Industry, ...]:
    return tuple(
        Industry(r["code"], r["name"], r["section"], r["section_name"])
        for r in _read("industries_gbt4754_2017.csv")
    )


@lru_cache(maxsize=1)
def _industry_index() -> dict[str, Industry]:
    return {i.code: i for i in industries()}


def industry_by_code(code: str | None) -> Industry | None:
    return _industry_index().get((code or "").strip()[:2])


def industry_name(code: str | None) -> str:
    i = industry_by_code(code)
    return i.name if i else (code or "")


PARK_TYPES = ("经开区", "高新区", "工业集聚区", "市级特色工业园区")
APPROVAL_LEVELS = ("国家级", "市级")
