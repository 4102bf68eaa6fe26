"""Company and park names as people write them, reduced to a key for matching.

The same enterprise appears in different lists as 玖龙纸业（重庆）有限公司 and 玖龙纸业(重庆)有限公司,
重庆齿轮箱有限责任公司 and 重庆齿轮箱有限公司, with stray spaces, or as one of its plants:
重庆长安汽车股份有限公司渝北工厂, 重庆建峰化工股份有限公司化肥分公司. This module reduces a name to

* :func:`normalise_name` — half-width, no spaces, no brackets or dots, 有限责任公司 → 有限公司,
  Latin letters upper case (the "normalised name");
* :func:`base_name` — the normalised name without a plant or branch suffix after the company
  (…公司渝北工厂 → …公司);

and :class:`NameIndex` matches names against a set of records with a confidence: equal normalised
names 0.9, equal base names 0.85, a fuzzy match (difflib ratio) below that, which a person must
confirm. Credit-code matches (1.0) are the caller's business (see exports/lists.py).
"""
from __future__ import annotations

import difflib
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from typing import Hashable, Iterable

from forms.validators import clean_text, to_halfwidth

#: confidence of a match by normalised name (brackets, 有限责任公司, spaces folded)
NAME_EQUAL = 0.9
#: confidence of a match after dropping a plant/branch suffix (…公司渝北工厂 = …公司)
BASE_EQUAL = 0.85
#: matches at or above this are taken without asking; below it a person confirms
AUTO_ACCEPT = 0.85
#: a fuzzy candidate is offered only when difflib's ratio reaches this
FUZZY_MIN_RATIO = 0.8
#: fuzzy confidence = ratio × this (always below AUTO_ACCEPT)
FUZZY_WEIGHT = 0.84

_DROP = re.compile(r"[\s()\[\]{}<>（）【】〔〕［］｛｝〈〉《》「」『』·•・.．。,，、'\"“”‘’`\-—–_/\\:：;；]+")
_SUFFIX_WORDS = ("分公司", "工厂", "分厂", "一厂", "二厂", "三厂", "车间", "生产基地", "基地", "事业部", "厂区", "厂")
_PLANT = re.compile(
    r"^(.+?(?:有限公司|股份公司|集团公司|总公司|公司))(.{1,14}?(?:" + "|".join(_SUFFIX_WORDS) + r"))$"
)


def normalise_name(name: object) -> str:
    """The matching key of a name: 玖龙纸业（重庆）有限责任公司 → 玖龙纸业重庆有限公司."""
    text = to_halfwidth(clean_text(name))
    # upper() may decompose (ß → SS) and removed spaces may bring a combining mark back to its
    # letter: composing afterwards (NFC) makes the key the same however the name was typed
    text = unicodedata.normalize("NFC", _DROP.sub("", text).upper())
    return text.replace("有限责任公司", "有限公司")


def base_name(name: object) -> str:
    """The normalised name without a plant or branch after the company name:
    重庆长安汽车股份有限公司渝北工厂 → 重庆长安汽车股份有限公司; names ending in 公司 stay."""
    norm = normalise_name(name)
    m = _PLANT.match(norm)
    return m.group(1) if m else norm


def plant_suffix(name: object) -> str:
    """The plant or branch part of a name (渝北工厂), or ''."""
    m = _PLANT.match(normalise_name(name))
    return m.group(2) if m else ""


_REGION_PREFIX = re.compile(r"^(中国|重庆市?|重庆)")
_LEGAL_FORM = re.compile(r"(股份有限公司|有限公司|集团公司|集团|股份公司|公司|科技|实业|工业园区|园区|经济技术开发区|开发区|工业园)+$")


def core_name(name: object) -> str:
    """The distinctive part of a base name: without a leading 重庆(市) and trailing legal form
    and generic words (有限公司, 集团, 科技 …). 重庆四联光电科技有限公司 → 四联光电."""
    base = base_name(name)
    core = _LEGAL_FORM.sub("", _REGION_PREFIX.sub("", base))
    return core or base


def similarity(a: object, b: object) -> float:
    """How alike two names are (0–1): difflib's ratio of their distinctive parts (core_name),
    so that 重庆四联光电科技有限公司 and 重庆京东方光电科技有限公司 are not "similar" merely by
    sharing 重庆…光电科技有限公司."""
    ca, cb = core_name(a), core_name(b)
    if not ca or not cb:
        return 0.0
    return difflib.SequenceMatcher(None, ca, cb, autojunk=False).ratio()


@dataclass(frozen=True)
class NameMatch:
    """One candidate record for a name: its key (e.g. the record id), its name as stored, the
    confidence 0–1 and how it was found ("name" / "base" / "fuzzy")."""

    key: Hashable
    name: str
    confidence: float
    how: str

    @property
    def certain(self) -> bool:
        return self.confidence >= AUTO_ACCEPT


HOW_LABELS = {"code": "信用代码一致", "name": "名称一致", "base": "名称一致（去掉分厂/分公司后缀）",
              "fuzzy": "名称相近，需确认", "manual": "人工指定"}


def _bigrams(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)} or ({text} if text else set())


class NameIndex:
    """Names of many records, searchable by normalised name, base name and similarity.

    ``NameIndex([(id, name), ...]).match("玖龙纸业(重庆)有限责任公司")`` → the candidates, best first.
    Fuzzy search only compares names sharing character pairs with the query, so it stays fast on
    20,000 enterprises.
    """

    def __init__(self, items: Iterable[tuple[Hashable, str]] = ()) -> None:
        self.names: dict[Hashable, str] = {}
        self._norm: dict[str, list[Hashable]] = defaultdict(list)
        self._base: dict[str, list[Hashable]] = defaultdict(list)
        self._grams: dict[str, set[Hashable]] = defaultdict(set)
        self._keys_core: dict[Hashable, str] = {}
        for key, name in items:
            self.add(key, name)

    def __len__(self) -> int:
        return len(self.names)

    def add(self, key: Hashable, name: str) -> None:
        norm = normalise_name(name)
        if not norm:
            return
        self.names[key] = name
        self._keys_core[key] = core_name(name)
        self._norm[norm].append(key)
        base = base_name(name)
        self._base[base].append(key)
        for g in _bigrams(base):
            self._grams[g].add(key)

    def exact(self, name: object) -> list[Hashable]:
        """Records whose normalised name equals that of ``name``."""
        return list(self._norm.get(normalise_name(name), ()))

    def match(self, name: object, *, fuzzy: bool = True, limit: int = 5) -> list[NameMatch]:
        """Candidates for ``name``, best first: equal normalised names (0.9), equal base names
        (0.85), then similar names (ratio of the distinctive parts × 0.84, only with ratio ≥ 0.8)."""
        norm = normalise_name(name)
        if not norm:
            return []
        out: list[NameMatch] = []
        seen: set[Hashable] = set()
        for key in self._norm.get(norm, ()):
            out.append(NameMatch(key, self.names[key], NAME_EQUAL, "name"))
            seen.add(key)
        base = base_name(name)
        for key in self._base.get(base, ()):
            if key not in seen:
                out.append(NameMatch(key, self.names[key], BASE_EQUAL, "base"))
                seen.add(key)
        if out or not fuzzy:
            return out[:limit]
        grams = _bigrams(base)
        if not grams:
            return []
        # character pairs most names share (重庆, 有限, 机械 …) say little and cost much: count
        # the rarer ones
        common = max(200, len(self.names) // 20)
        rare = [g for g in grams if len(self._grams.get(g, ())) <= common] or list(grams)
        counts: dict[Hashable, int] = defaultdict(int)
        for g in rare:
            for key in self._grams.get(g, ()):
                counts[key] += 1
        # a candidate must share at least half of the query's (rarer) character pairs
        need = max(1, len(rare) // 2)
        shortlist = sorted((k for k, c in counts.items() if c >= need), key=lambda k: -counts[k])[:40]
        scored = []
        core = core_name(name)
        for key in shortlist:
            ratio = difflib.SequenceMatcher(None, core, self._keys_core[key], autojunk=False).ratio()
            if ratio >= FUZZY_MIN_RATIO:
                scored.append(NameMatch(key, self.names[key], round(ratio * FUZZY_WEIGHT, 3), "fuzzy"))
        scored.sort(key=lambda m: -m.confidence)
        return scored[:limit]
