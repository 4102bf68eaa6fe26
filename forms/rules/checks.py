"""The built-in checks that rule files name in ``check = "..."``.

A check is a plain function ``(facts, params, as_of) -> Finding``: it reads one application's
facts (models.review_facts.ApplicationFacts), the rule's parameters from the rule file and the
review date, and returns an outcome with its evidence in Chinese (which file, which date, which
value). Checks never touch the database or the disk, so each is unit-tested on hand-made facts.

Outcomes: 通过 PASS, 不符合 FAIL, 提醒 WARNING, 缺少数据 MISSING, 需人工判断 MANUAL. A check
that cannot decide something a person must judge returns MANUAL and says what to judge: it
never passes silently. A rule's ``severity = "warning"`` turns its FAIL into WARNING (engine).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from operator import attrgetter
from typing import Any, Callable, Mapping, NamedTuple

from models.entities import TitleState
from models.review import CERT_LABELS, CertKind, MaterialStatus, Outcome
from models.review_facts import ApplicationFacts, MaterialFacts, identity_key
from models.stages import SubjectKind, TitleKind

from .. import codes
from ..validators import ValidationError, validate_credit_code
from . import loader as _loader

# A year's run calls these checks tens of thousands of times: what depends only on a rule's
# parameters or on the shipped tables (labels, benchmark lines, title kinds) is looked up once
# and kept; what depends on the application is computed every time.

_PASS, _FAIL, _WARNING, _MISSING, _MANUAL = Outcome.PASS, Outcome.FAIL, Outcome.WARNING, Outcome.MISSING, Outcome.MANUAL
_RETURNED, _ACCEPTED = MaterialStatus.RETURNED, MaterialStatus.ACCEPTED
_ONE = Decimal(1)
_by_expiry = attrgetter("expires_on")


class Finding(NamedTuple):
    """What one check found (a named pair: one is made per rule per application)."""

    outcome: Outcome
    evidence: str


CheckFn = Callable[[ApplicationFacts, Mapping[str, Any], dt.date], Finding]


@dataclass(frozen=True)
class CheckDef:
    name: str
    fn: CheckFn
    label: str
    required: tuple[str, ...] = ()

    def validate(self, params: Mapping[str, Any]) -> str | None:
        """None when the rule file's params suit this check, else what is wrong (Chinese)."""
        missing = [p for p in self.required if p not in params]
        if missing:
            return f"检查方法 {self.name} 需要参数 {'、'.join(missing)}。"
        return None


CHECKS: dict[str, CheckDef] = {}


def check(name: str, label: str, *, required: tuple[str, ...] = ()) -> Callable[[CheckFn], CheckFn]:
    """Register a check under ``name`` (the name rule files use)."""

    def deco(fn: CheckFn) -> CheckFn:
        CHECKS[name] = CheckDef(name, fn, label, required)
        return fn

    return deco


# --------------------------------------------------------------------------- helpers


_DATE_TEXTS: dict[dt.date, str] = {}


def fmt_date(d: dt.date | None) -> str:
    try:
        return _DATE_TEXTS[d]  # a run shows the same few hundred days over and over
    except (KeyError, TypeError):
        pass
    text = f"{d.year}年{d.month}月{d.day}日" if d else "（未填）"
    if (d is None or type(d) is dt.date) and len(_DATE_TEXTS) < 8192:
        _DATE_TEXTS[d] = text
    return text


def fmt_num(v: Decimal | float | int | None) -> str:
    if v is None:
        return "（未填）"
    d = v if type(v) is Decimal else Decimal(str(v))  # Decimal(str(d)) is d again
    s = str(d)
    if len(s) <= 28 and "E" not in s and s[-1:].isdigit():
        # plain notation within the context's precision (a stored value: "52000.0000", "0.2100"):
        # dropping the trailing zeros gives what quantize / normalize below give
        if "." not in s:
            return s
        s = s.rstrip("0")
        return s[:-1] if s[-1] == "." else s
    if d == d.to_integral_value():
        return str(d.quantize(_ONE))
    return format(d.normalize(), "f")


def add_years(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


_SINCE: dict[tuple[dt.date, int], dt.date] = {}


def _years_before(as_of: dt.date, years: int) -> dt.date:
    """add_years(as_of, -years), kept: every application of a run has the same review date."""
    key = (as_of, years)
    try:
        return _SINCE[key]
    except (KeyError, TypeError):
        pass
    since = add_years(as_of, -years)
    if type(as_of) is dt.date and type(years) is int and len(_SINCE) < 256:
        _SINCE[key] = since
    return since


def _result(fails: list[str], missing: list[str], manual: list[str], warnings: list[str], ok: list[str]) -> Finding:
    """Worst first: any fail → FAIL, else missing → MISSING, else manual → MANUAL, else warning →
    WARNING, else PASS; the evidence lists the problems first, then what was fine."""
    if fails:
        outcome, parts = _FAIL, fails + missing + manual + warnings
    elif missing:
        outcome, parts = _MISSING, missing + manual + warnings
    elif manual:
        outcome, parts = _MANUAL, manual + warnings
    elif warnings:
        outcome, parts = _WARNING, warnings
    else:
        outcome, parts = _PASS, ok
    if not parts:
        return Finding(outcome, "")
    return Finding(outcome, "；".join(parts if all(parts) else [p for p in parts if p]) + "。")


_materials_module = None


_CHECKLIST_FOR: dict[tuple, tuple] = {}


def _checklist_for(title_kind: TitleKind, year: int):
    """forms.materials.checklist_for (imported on first use: forms.materials imports this
    package), kept per title and year while the same checklists are loaded."""
    global _materials_module
    if _materials_module is None:
        from .. import materials

        _materials_module = materials
    m = _materials_module
    lists, lookup = m.load_checklists(), m.checklist_for
    key = (title_kind, year)
    entry = _CHECKLIST_FOR.get(key)
    if entry is not None and entry[0] is lists and entry[1] is lookup:
        return entry[2]
    cl = lookup(title_kind, year)
    if len(_CHECKLIST_FOR) > 64:
        _CHECKLIST_FOR.clear()
    _CHECKLIST_FOR[key] = (lists, lookup, cl)
    return cl


_CHECKLIST_INFO: dict[int, tuple] = {}


def _checklist_info(cl) -> tuple[dict[str, str], tuple]:
    """(item key → label, required items) of a checklist, kept per checklist object."""
    entry = _CHECKLIST_INFO.get(id(cl))
    if entry is None or entry[0] is not cl:
        labels: dict[str, str] = {}
        for it in cl.items:
            labels.setdefault(it.key, it.label)  # the first item of a key, as Checklist.item finds it
        entry = (cl, labels, cl.required_items)
        if len(_CHECKLIST_INFO) > 64:
            _CHECKLIST_INFO.clear()
        _CHECKLIST_INFO[id(cl)] = entry  # holds cl: its id is not reused while kept
    return entry[1], entry[2]


def _item_label(f: ApplicationFacts, item: str) -> str:
    cl = _checklist_for(f.title_kind, f.year)
    if not cl:
        return item
    return _checklist_info(cl)[0].get(item, item)


def file_problem(m: MaterialFacts) -> str:
    """What is wrong with one received file ('' when it opens and is unchanged)."""
    if m.read_error:
        return m.read_error.rstrip("。")
    if m.integrity == "missing":
        return f"「{m.original_name}」的存档文件已丢失（资料库中找不到，请重新收件）"
    if m.integrity == "changed":
        return f"「{m.original_name}」的存档文件收件后已被改动（SHA-256 与收件时不一致，请重新收件）"
    return ""


def material_state(f: ApplicationFacts, item: str) -> tuple[str, str]:
    """(state, evidence) of a checklist item: accepted / received / returned / broken / absent."""
    ms = [m for m in f.materials if m.item_key == item]
    if not ms:
        return "absent", f"未收到「{_item_label(f, item)}」"
    live = [m for m in ms if m.status is not _RETURNED]
    if not live:
        last = ms[-1]
        why = f"：{last.status_reason}" if last.status_reason else ""
        return "returned", f"「{last.original_name}」已退回补正{why}，尚未重新提交"
    broken = [p for p in [file_problem(m) for m in live] if p]
    if broken:
        return "broken", "；".join(broken)
    accepted = [m for m in live if m.status is _ACCEPTED]
    names = "、".join([f"「{m.original_name}」" for m in (accepted or live)])
    if accepted:
        return "accepted", f"{names}已接收"
    return "received", f"已收到{names}，尚未审核：请审阅内容后在材料清单中标记“已接收”"


def _material_finding(state: str, evidence: str) -> Finding | None:
    """The finding for a material that is not accepted; None when it is."""
    if state == "absent":
        return Finding(_MISSING, evidence + "。")
    if state == "returned" or state == "broken":
        return Finding(_FAIL, evidence + "。")
    if state == "received":
        return Finding(_MANUAL, evidence + "。")
    return None


def _note_material(f: ApplicationFacts, item: str | None, fails: list[str], missing: list[str], ok: list[str]) -> None:
    """Add a supporting document's state to a check's lists: absent → missing, returned or broken
    → failed, received or accepted → fine."""
    if item:
        state, evidence = material_state(f, item)
        {"absent": missing, "returned": fails, "broken": fails}.get(state, ok).append(evidence)


# --------------------------------------------------------------------------- 第七条 factory items


_CODE_LINES: dict[tuple, tuple[bool, str]] = {}


def _district_line(code: str) -> tuple[bool, str]:
    """(a Chongqing district?, the evidence line) for a district code; kept per code."""
    key = ("district", code)
    try:
        return _CODE_LINES[key]
    except (KeyError, TypeError):
        pass
    if codes.district_by_code(code) is None:
        line = (False, f"所在区县代码 {code} 不是重庆市的区县")
    else:
        line = (True, f"所在区县：{codes.district_name(code)}")
    if type(code) is str and len(_CODE_LINES) < 4096:
        _CODE_LINES[key] = line
    return line


def _industry_line(code: str, section: str) -> tuple[bool, str]:
    """(in the required 门类?, the evidence line) for an industry code; kept per code."""
    key = ("industry", code, section)
    try:
        return _CODE_LINES[key]
    except (KeyError, TypeError):
        pass
    ind = codes.industry_by_code(code)
    if ind is None:
        line = (False, f"行业代码 {code} 不在 GB/T 4754-2017 大类中")
    elif ind.section != section:
        line = (False, f"所属行业 {ind.label} 属门类 {ind.section}（{ind.section_name}），不是制造业")
    else:
        line = (True, f"所属行业 {ind.label}（门类 {ind.section} 制造业）")
    if type(code) is str and len(_CODE_LINES) < 4096:
        _CODE_LINES[key] = line
    return line


@check("enterprise_basics", "信用代码、所在区县、制造业门类")
def enterprise_basics(f: ApplicationFacts, p: Mapping[str, Any], as_of: dt.date) -> Finding:
    """第七条（一）: valid credit code registered in Chongqing, a Chongqing district, 门类 C."""
    s = f.subject
    if s.kind is not SubjectKind.ENTERPRISE:
        return Finding(Outcome.MANUAL, "该项只适用于企业，请人工判断。")
    fails, missing, ok = [], [], []
    if not s.credit_code:
        missing.append("未录入统一社会信用代码")
    else:
        try:
            code = validate_credit_code(s.credit_code, allow_bad_check=bool(s.credit_code_override))
        except ValidationError as exc:
            fails.append(f"统一社会信用代码 {s.credit_code} 无效：{str(exc).rstrip('。')}")
        else:
            prefix = str(p.get("region_code_prefix", "50"))
            if not code[2:8].startswith(prefix):
                fails.append(f"统一社会信用代码 {code} 的登记机关区划码 {code[2:8]} 不在重庆市（应以 {prefix} 开头）")
            else:
                note = f"（校验位例外：{s.credit_code_override}）" if s.credit_code_override else ""
                ok.append(f"统一社会信用代码 {code} 有效、登记机关在重庆市{note}")
    if not s.district_code:
        missing.append("未录入所在区县")
    else:
        known, text = _district_line(s.district_code)
        (ok if known else fails).append(text)
    section = str(p.get("industry_section", "C"))
    known, text = _industry_line(s.industry_code, section)
    if not s.industry_code:
        missing.append("未录入所属行业")
    else:
        (ok if known else fails).append(text)
    if not fails and not missing:
        ok.append("是否在本市纳税、实际从事生产请结合现场核实")
    return _result(fails, missing, [], [], ok)


@check("figures_then_person", "数据齐全后由人判断", required=("keys",))
def figures_then_person(f: ApplicationFacts, p: Mapping[str, Any], as_of: dt.date) -> Finding:
    """第七条（二）, 第六条（二）: the figures must be there; whether they are good, a person judges."""
    year = f.year + int(p.get("year_offset", -1))
    defs = _loader.indicator_defs()
    indicators = f.indicators
    have, missing = [], []
    for key in p["keys"]:
        d = defs.get(key)
        label = d.label if d else key
        v = indicators.get((year, key))
        if v is None:
            missing.append(f"缺少{year}年{label}")
        else:
            have.append(f"{year}年{label} {fmt_num(v)} {d.unit if d else ''}".rstrip())
    if missing:
        return Finding(Outcome.MISSING, "；".join(missing) + "。请在“年度指标”中录入后重新检查。")
    question = p.get("question", "请审查人判断")
    return Finding(Outcome.MANUAL, "；".join(have) + f"。{question}。")


@check("pledge_and_watchlist", "承诺书与失信/事故名单", required=("item",))
def pledge_and_watchlist(f: ApplicationFacts, p: Mapping[str, Any], as_of: dt.date) -> Finding:
    """第七条（三）, 第六条（三）: a pledge among the materials; not on an imported list."""
    years = int(p.get("years", 3))
    since = _years_before(as_of, years)
    hits = [h for h in f.watch_hits if h.until is None or h.until >= since] if f.watch_hits else []
    if hits:
        text = "；".join(
            f"列入「{h.list_name or '失信/事故名单'}」" + (f"（{fmt_date(h.listed_on)}" if h.listed_on else "（")
            + (f"，来源：{h.source}）" if h.source else "）")
            for h in hits
        )
        return Finding(Outcome.FAIL, f"{f.subject.name}{text}。")
    state, evidence = material_state(f, p["item"])
    bad = _material_finding(state, evidence)
    if bad is not None:
        return bad
    if f.watchlist_size == 0:
        return Finding(Outcome.WARNING, f"{evidence}；尚未导入失信/事故名单，无法比对，请另行查询（如“信用中国”）。")
    return Finding(Outcome.PASS, f"{evidence}；未出现在已导入的失信/事故名单（共 {f.watchlist_size} 条）中。")


@check("material_accepted", "证明材料已接收", required=("item",))
def material_accepted(f: ApplicationFacts, p: Mapping[str, Any], as_of: dt.date) -> Finding:
    """第七条（四）（五）, 第六条（五）: the evidence document is received and accepted."""
    state, evidence = material_state(f, p["item"])
    bad = _material_finding(state, evidence)
    if bad is not None:
        return bad
    if p.get("on_accepted", "pass") == "manual":
        return Finding(Outcome.MANUAL, evidence + "，内容请审查人判断。")
    return Finding(Outcome.PASS, evidence + "。")


@lru_cache(maxsize=64)
def _cached_cert_label(kind: str) -> str:
    return CERT_LABELS.get(CertKind(kind), kind)


def _cert_label(kind: str) -> str:
    try:
        return _cached_cert_label(kind)
    except TypeError:  # an unhashable parameter: let CertKind say what is wrong
        return CERT_LABELS.get(CertKind(kind), kind)


@check("certificates_valid", "管理体系证书有效", required=("kinds",))
def certificates_valid(f: ApplicationFacts, p: Mapping[str, Any], as_of: dt.date) -> Finding:
    """第七条（六）: each certificate kind present and not expired on the review date."""
    warn_until = as_of + dt.timedelta(days=int(p.get("warn_days", 90)))
    fails, missing, warnings, ok = [], [], [], []
    all_certs = f.certificates
    by_kind: dict[str, list] | None = {}  # the certificates of each kind, in order
    for c in all_certs:
        if type(c.kind) is not str:  # not a plain string: compare as below, one by one
            by_kind = None
            break
        by_kind.setdefault(c.kind, []).append(c)
    for kind in p["kinds"]:
        label = _cert_label(kind)
        if by_kind is not None and type(kind) is str:
            certs = by_kind.get(kind)
        else:
            certs = [c for c in all_certs if c.kind == kind]
        if not certs:
            missing.append(f"未录入{label}证书")
            continue
        if len(certs) == 1:
            c = certs[0]
            if c.expires_on is None:
                missing.append(f"{label}证书（编号 {c.number or '未填'}）未录入有效期")
                continue
        else:
            dated = [c for c in certs if c.expires_on is not None]
            if not dated:
                missing.append(f"{label}证书（编号 {certs[-1].number or '未填'}）未录入有效期")
                continue
            c = max(dated, key=_by_expiry)
        what = f"{label}证书（编号 {c.number or '未填'}" + (f"，{c.issuer}" if c.issuer else "") + "）"
        if c.expires_on < as_of:
            fails.append(f"{what}已于{fmt_date(c.expires_on)}过期")
        elif c.expires_on <= warn_until:  # (expires_on - as_of).days <= warn_days
            warnings.append(f"{what}将于{fmt_date(c.expires_on)}到期")
        else:
            ok.append(f"{what}有效期至{fmt_date(c.expires_on)}")
    return _result(fails, missing, [], warnings, ok)


@check("indicator_benchmarks", "指标与标杆值比较", required=("benchmarks", "table"))
def indicator_benchmarks(f: ApplicationFacts, p: Mapping[str, Any], as_of: dt.date) -> Finding:
    """第七条（七）, 第六条（七）: each benchmarked indicator at or better than the benchmark."""
    year = f.year + int(p.get("year_offset", -1))
    bench = _benchmark_lines(p["benchmarks"], p["table"], f.subject.industry_code)
    if not bench:
        return Finding(Outcome.MANUAL, "标杆值表中没有适用于该行业的数值，请审查人对照全市先进水平判断。")
    indicators = f.indicators
    fails, missing, ok = [], [], []
    for key, ref, label, unit, lower, word, ref_text in bench:
        v = indicators.get((year, key))
        if v is None:
            missing.append(f"缺少{year}年{label}")
            continue
        line = f"{year}年{label} {fmt_num(v)}{unit}"
        if (v <= ref) if lower else (v >= ref):
            ok.append(f"{line}，{word}标杆值 {ref_text}")
        else:
            fails.append(f"{line}，未达到标杆值 {ref_text}（应{word}）")
    return _result(fails, missing, [], [], ok)


_BENCHMARK_LINES: dict[tuple, tuple] = {}


def _benchmark_lines(name: str, table: str, industry_code: str) -> tuple[tuple, ...]:
    """The benchmarks that apply to one industry, each as (key, value, label, unit, lower is
    better, 不高于/不低于, value as shown), kept per industry while the benchmark file and the
    indicator catalogue stay loaded."""
    source, defs = _loader.benchmark_table(name), _loader.indicator_defs()
    key = (name, table, (industry_code or "")[:2])
    entry = _BENCHMARK_LINES.get(key)
    if entry is None or entry[0] is not source or entry[1] is not defs:
        lines = []
        for k, ref in _loader.benchmarks_for(name, table, industry_code).items():
            d = defs[k]
            lower = d.better == "lower"
            lines.append((k, ref, d.label, d.unit, lower, "不高于" if lower else "不低于", fmt_num(ref)))
        entry = (source, defs, tuple(lines))
        if len(_BENCHMARK_LINES) > 256:
            _BENCHMARK_LINES.clear()
        _BENCHMARK_LINES[key] = entry
    return entry[2]


def _score_floor(raw: Any) -> tuple[Decimal, str]:
    """The rule's minimum score as a Decimal and as shown."""
    key = (type(raw), raw)
    try:
        return _SCORE_FLOORS[key]
    except (KeyError, TypeError):  # TypeError: an unhashable parameter, not kept
        pass
    d = Decimal(str(raw))
    value = (d, fmt_num(d))
    try:
        if len(_SCORE_FLOORS) < 64:
            _SCORE_FLOORS[key] = value
    except TypeError:
        pass
    return value


_SCORE_FLOORS: dict[tuple, tuple[Decimal, str]] = {}


@check("third_party_report", "第三方评价结论与得分")
def third_party_report(f: ApplicationFacts, p: Mapping[str, Any], as_of: dt.date) -> Finding:
    """第七条（八）, 第六条（八）: report present, basic requirements met, score ≥ threshold."""
    r = f.report
    if r is None:
        return Finding(Outcome.MISSING, "未录入第三方评价报告。")
    min_score, min_text = _score_floor(p.get("min_score", 0))
    fails, missing, ok = [], [], []
    if r.basic_requirements_met is None:
        missing.append("评价报告未录入“基本要求是否符合”")
    elif not r.basic_requirements_met:
        fails.append("第三方评价报告结论：基本要求不符合")
    else:
        ok.append("基本要求全部符合")
    if r.score is None:
        missing.append("评价报告未录入评价得分")
    elif r.score < min_score:
        fails.append(f"评价得分 {fmt_num(r.score)} 分，低于 {min_text} 分")
    else:
        ok.append(f"评价得分 {fmt_num(r.score)} 分（不低于 {min_text} 分）")
    if r.evaluator_name:
        ok.append(f"评价机构：{r.evaluator_name}")
    if r.standard:
        ok.append(f"依据标准：{r.standard}")
    return _result(fails, missing, [], [], ok)


# --------------------------------------------------------------------------- 第六条 park items


@check("park_approval", "园区类型与批准层级")
def park_approval(f: ApplicationFacts, p: Mapping[str, Any], as_of: dt.date) -> Finding:
    """第六条（一）: an approved zone of an allowed type and level, with its approval document."""
    s = f.subject
    if s.kind is not SubjectKind.PARK:
        return Finding(Outcome.MANUAL, "该项只适用于园区，请人工判断。")
    fails, missing, ok = [], [], []
    types = list(p.get("types", []))
    levels = list(p.get("levels", []))
    if not s.park_type:
        missing.append("未录入园区类型")
    elif types and s.park_type not in types:
        fails.append(f"园区类型「{s.park_type}」不在{ '、'.join(types)}之列")
    else:
        ok.append(f"园区类型：{s.park_type}")
    if not s.approval_level:
        missing.append("未录入批准层级")
    elif levels and s.approval_level not in levels:
        fails.append(f"批准层级「{s.approval_level}」不是国家或市政府批准")
    else:
        ok.append(f"批准层级：{s.approval_level}")
    _note_material(f, p.get("item"), fails, missing, ok)
    return _result(fails, missing, [], [], ok)


@check("indicator_flag", "是否完成目标（1/0）", required=("key",))
def indicator_flag(f: ApplicationFacts, p: Mapping[str, Any], as_of: dt.date) -> Finding:
    """第六条（三） energy-saving targets met: a yes/no indicator for the last year."""
    from .loader import indicator_label

    year = f.year + int(p.get("year_offset", -1))
    label = indicator_label(p["key"]).split("（")[0]
    v = f.indicator(year, p["key"])
    if v is None:
        return Finding(Outcome.MISSING, f"未录入{year}年“{label}”情况。")
    if v >= 1:
        return Finding(Outcome.PASS, f"{year}年已{label}。")
    return Finding(Outcome.FAIL, f"{year}年未{label}。")


@check("carbon_intensity_falling", "碳排放强度逐年下降")
def carbon_intensity_falling(f: ApplicationFacts, p: Mapping[str, Any], as_of: dt.date) -> Finding:
    """第六条（三）: the carbon intensity falls every year over the last ``years`` years."""
    from .loader import indicator_defs

    key = p.get("key", "carbon_intensity")
    n = max(2, int(p.get("years", 3)))
    last = f.year + int(p.get("year_offset", -1))
    years = list(range(last - n + 1, last + 1))
    d = indicator_defs().get(key)
    unit = d.unit if d else ""
    values = {y: f.indicator(y, key) for y in years}
    absent = [y for y, v in values.items() if v is None]
    if absent:
        return Finding(Outcome.MISSING, f"缺少{'、'.join(f'{y}年' for y in absent)}碳排放强度，无法判断是否逐年下降。")
    series = " → ".join(f"{y}年 {fmt_num(values[y])}" for y in years)
    rises = [(a, b) for a, b in zip(years, years[1:]) if values[b] >= values[a]]
    if rises:
        which = "、".join(f"{b}年（{fmt_num(values[b])}）未低于{a}年（{fmt_num(values[a])}）" for a, b in rises)
        return Finding(Outcome.FAIL, f"碳排放强度（{unit}）：{series}；{which}。")
    return Finding(Outcome.PASS, f"碳排放强度（{unit}）逐年下降：{series}。")


@check("park_green_share", "园区绿色工厂及评估企业占比", required=("min_share",))
def park_green_share(f: ApplicationFacts, p: Mapping[str, Any], as_of: dt.date) -> Finding:
    """第六条（四）: share of the park's enterprises (as recorded in this program) that hold a
    green-factory title or took part in the voluntary assessment."""
    if f.subject.kind is not SubjectKind.PARK:
        return Finding(Outcome.MANUAL, "该项只适用于园区，请人工判断。")
    kinds = {TitleKind(k) for k in p.get("kinds", ["city_factory", "national_factory", "voluntary_assessment"])}
    total = f.park_enterprises
    if total == 0:
        return Finding(Outcome.MISSING, "本程序中没有登记在该园区的企业，无法计算占比；请在企业信息中填写“所在园区”。")
    green = sum(1 for ks in f.park_titles.values() if ks & kinds)
    share = Decimal(green) / Decimal(total)
    need = Decimal(str(p["min_share"]))
    text = (f"园区登记企业 {total} 家，其中获评绿色工厂或参与绿色生产水平评估 {green} 家，"
            f"占 {share * 100:.1f}%（参考值不低于 {need * 100:.0f}%，按本程序登记的企业计算）")
    if share >= need:
        return Finding(Outcome.PASS, text + "。")
    return Finding(Outcome.FAIL, text + "，占比偏低。")


@check("park_staff", "专门机构与专职人员", required=("min_staff",))
def park_staff(f: ApplicationFacts, p: Mapping[str, Any], as_of: dt.date) -> Finding:
    """第六条（六）: a dedicated body with at least ``min_staff`` full-time staff."""
    s = f.subject
    need = int(p["min_staff"])
    fails, missing, ok = [], [], []
    if s.managing_body:
        ok.append(f"管理机构：{s.managing_body}")
    if s.green_staff_count is None:
        missing.append("未录入绿色发展专职工作人员人数")
    elif s.green_staff_count < need:
        fails.append(f"绿色发展专职工作人员 {s.green_staff_count} 人，少于 {need} 人")
    else:
        ok.append(f"绿色发展专职工作人员 {s.green_staff_count} 人（不少于 {need} 人）")
    _note_material(f, p.get("item"), fails, missing, ok)
    return _result(fails, missing, [], [], ok)


# --------------------------------------------------------------------------- record-wide checks


@lru_cache(maxsize=64)
def _cached_title_kinds(kinds: tuple[str, ...]) -> frozenset[TitleKind]:
    return frozenset(TitleKind(k) for k in kinds)


def _title_kinds(kinds: tuple[str, ...]) -> frozenset[TitleKind]:
    try:
        return _cached_title_kinds(kinds)
    except TypeError:  # an unhashable parameter: let TitleKind say what is wrong
        return frozenset(TitleKind(k) for k in kinds)


@lru_cache(maxsize=64)
def _kind_labels(kinds: frozenset[TitleKind]) -> str:
    return "、".join(sorted(k.label for k in kinds))


@check("not_revoked_recently", "三年内未被撤销称号", required=("years",))
def not_revoked_recently(f: ApplicationFacts, p: Mapping[str, Any], as_of: dt.date) -> Finding:
    """第十八条: a title revoked within ``years`` years bars a new application."""
    years = int(p["years"])
    kinds = _title_kinds(tuple(p.get("kinds", []))) or frozenset((f.title_kind,))
    revoked = [t for t in f.titles if t.state is TitleState.REVOKED and t.title_kind in kinds] if f.titles else []
    fails, manual, ok = [], [], []
    for t in revoked:
        doc = f"，{t.revocation_doc}" if t.revocation_doc else ""
        if t.revoked_on is None:
            manual.append(f"{t.year}年「{t.title_kind.label}」称号已撤销，但未录入撤销日期，请核实是否在{years}年内")
            continue
        until = add_years(t.revoked_on, years)
        if as_of < until:
            fails.append(f"「{t.title_kind.label}」称号于{fmt_date(t.revoked_on)}被撤销{doc}，"
                         f"{years}年内（{fmt_date(until)}前）不得重新申报")
        else:
            ok.append(f"「{t.title_kind.label}」称号于{fmt_date(t.revoked_on)}被撤销，已满{years}年")
    if not revoked:
        ok.append(f"没有被撤销的{_kind_labels(kinds)}称号")
    return _result(fails, [], manual, [], ok)


@check("not_already_titled", "尚未持有该称号")
def not_already_titled(f: ApplicationFacts, p: Mapping[str, Any], as_of: dt.date) -> Finding:
    """A subject that already holds the title (from another application) is flagged."""
    kinds = _title_kinds(tuple(p.get("kinds", []))) or frozenset((f.title_kind,))
    held = [
        t for t in f.titles
        if t.title_kind in kinds and t.state in (TitleState.VALID, TitleState.UNDER_REVIEW) and t.application_id != f.id
    ]
    if held:
        text = "；".join(
            f"已持有{t.year}年「{t.title_kind.label}」称号（{t.state.label}" + (f"，{t.doc_number}）" if t.doc_number else "）")
            for t in held
        )
        return Finding(Outcome.FAIL, text + "。")
    return Finding(Outcome.PASS, f"未持有{_kind_labels(kinds)}称号。")


@check("single_application", "同年度不重复申报")
def single_application(f: ApplicationFacts, p: Mapping[str, Any], as_of: dt.date) -> Finding:
    """Two live applications of one subject for one title in one year are flagged."""
    if f.duplicates:
        others = "、".join(f"申报编号 {i}（{stage.label}）" for i, stage in f.duplicates)
        return Finding(Outcome.FAIL, f"{f.subject.name}在{f.year}年度还有「{f.title_kind.label}」申报：{others}，请合并或删除重复申报。")
    return Finding(Outcome.PASS, f"{f.year}年度只有这一个「{f.title_kind.label}」申报。")


def _evaluator_name(f: ApplicationFacts) -> str:
    if f.evaluator is not None:
        return f.evaluator.name
    return f.report.evaluator_name if f.report else ""


@check("evaluator_listed", "评价机构在市级名单内")
def evaluator_listed(f: ApplicationFacts, p: Mapping[str, Any], as_of: dt.date) -> Finding:
    """第二十一条: the evaluator is on the municipal list of the application's year."""
    if f.report is None:
        return Finding(Outcome.MISSING, "未录入第三方评价报告，无法核对评价机构。")
    name = _evaluator_name(f)
    if not name:
        return Finding(Outcome.MISSING, "第三方评价报告未录入评价机构。")
    list_known = f.year in f.listing_years
    if f.evaluator is None:
        if list_known:
            return Finding(Outcome.FAIL, f"评价机构「{name}」不在机构名录中，也不在{f.year}年度市级名单内。")
        return Finding(Outcome.MANUAL, f"评价机构「{name}」不在机构名录中，且尚未录入{f.year}年度市级名单，请人工核对。")
    if f.year in f.evaluator.list_years:
        return Finding(Outcome.PASS, f"评价机构「{name}」在{f.year}年度市级第三方服务机构名单内。")
    if list_known:
        return Finding(Outcome.FAIL, f"评价机构「{name}」不在{f.year}年度市级第三方服务机构名单内。")
    return Finding(Outcome.MANUAL, f"尚未录入{f.year}年度市级第三方服务机构名单，请按市经济信息委公布的名单核对「{name}」"
                                   "（可在“第三方评价机构”中为各机构录入名单年度）。")


@check("evaluator_not_disqualified", "评价机构未被取消资格")
def evaluator_not_disqualified(f: ApplicationFacts, p: Mapping[str, Any], as_of: dt.date) -> Finding:
    """第二十二条: the evaluator has not lost its right to evaluate in Chongqing."""
    if f.report is None:
        return Finding(Outcome.MISSING, "未录入第三方评价报告，无法核对评价机构。")
    name = _evaluator_name(f)
    if not name:
        return Finding(Outcome.MISSING, "第三方评价报告未录入评价机构。")
    ev = f.evaluator
    if ev is None:
        return Finding(Outcome.MANUAL, f"评价机构「{name}」不在机构名录中，无法核对是否被取消评价资格，请人工核对。")
    if ev.disqualified_on is not None and ev.disqualified_on <= as_of:
        why = f"（{ev.disqualified_reason}）" if ev.disqualified_reason else ""
        text = f"评价机构「{name}」已于{fmt_date(ev.disqualified_on)}被取消评价资格{why}"
        if f.report.report_date is not None and f.report.report_date < ev.disqualified_on:
            return Finding(Outcome.MANUAL, text + f"；本报告出具于{fmt_date(f.report.report_date)}，在取消资格之前，"
                                                  "是否认可请审查人判断。")
        return Finding(Outcome.FAIL, text + "。")
    return Finding(Outcome.PASS, f"评价机构「{name}」未被取消评价资格。")


@check("evaluator_load", "评价机构每批次项目数", required=("max_projects",))
def evaluator_load(f: ApplicationFacts, p: Mapping[str, Any], as_of: dt.date) -> Finding:
    """Chongqing's yearly notice: one evaluator takes at most ``max_projects`` per batch."""
    if f.report is None:
        return Finding(Outcome.MISSING, "未录入第三方评价报告，无法统计评价机构的项目数。")
    name = _evaluator_name(f)
    if not name:
        return Finding(Outcome.MISSING, "第三方评价报告未录入评价机构。")
    limit = int(p["max_projects"])
    n = f.evaluator_load
    if n > limit:
        return Finding(Outcome.FAIL, f"评价机构「{name}」在{f.evaluator_group}中评价了 {n} 个项目，超过 {limit} 个的上限。")
    return Finding(Outcome.PASS, f"评价机构「{name}」在{f.evaluator_group}中评价了 {n} 个项目（上限 {limit} 个）。")


@check("identity_consistent", "名称和信用代码一致")
def identity_consistent(f: ApplicationFacts, p: Mapping[str, Any], as_of: dt.date) -> Finding:
    """第十条 (truth of the materials): the name and credit code on the report and the materials
    agree with the database (brackets and spaces do not count)."""
    s = f.subject
    sources: list[tuple[str, str, str]] = []
    if f.report is not None:
        sources.append(("第三方评价报告", f.report.subject_name, f.report.subject_credit_code))
    for m in f.materials:
        if m.status is MaterialStatus.RETURNED:
            continue
        if m.declared_name or m.declared_credit_code:
            sources.append((f"「{m.original_name}」", m.declared_name, m.declared_credit_code))
    sources = [x for x in sources if x[1] or x[2]]
    if not sources:
        return Finding(Outcome.MISSING, "第三方评价报告和各项材料中都没有录入名称和信用代码，无法核对。")
    fails = []
    checked = 0
    for where, name, code in sources:
        if name:
            checked += 1
            if identity_key(name) != identity_key(s.name):
                fails.append(f"{where}上的名称为「{name}」，与登记名称「{s.name}」不一致")
        if code:
            checked += 1
            if not s.credit_code:
                fails.append(f"{where}上的信用代码为 {code}，数据库中未录入信用代码")
            elif code.strip().upper() != s.credit_code.upper():
                fails.append(f"{where}上的信用代码为 {code}，与登记的 {s.credit_code} 不一致")
    if fails:
        return Finding(Outcome.FAIL, "；".join(fails) + "。")
    return Finding(Outcome.PASS, f"名称和信用代码在{len(sources)}份材料中与登记信息一致（共核对 {checked} 项）。")


@check("report_dates", "报告日期先后与有效期")
def report_dates(f: ApplicationFacts, p: Mapping[str, Any], as_of: dt.date) -> Finding:
    """第九条: self-evaluation first, then the third-party report, within ``max_age_days``."""
    r = f.report
    if r is None:
        return Finding(Outcome.MISSING, "未录入第三方评价报告。")
    missing = []
    if r.report_date is None:
        missing.append("未录入第三方评价报告日期")
    if r.self_evaluation_date is None:
        missing.append("未录入自评价日期")
    if missing:
        return Finding(Outcome.MISSING, "；".join(missing) + "。")
    fails, ok = [], []
    if r.report_date <= r.self_evaluation_date:
        fails.append(f"第三方评价报告日期{fmt_date(r.report_date)}不晚于自评价日期{fmt_date(r.self_evaluation_date)}")
    else:
        ok.append(f"自评价{fmt_date(r.self_evaluation_date)}，第三方评价报告{fmt_date(r.report_date)}")
    max_age = int(p.get("max_age_days", 365))
    if r.report_date > as_of:
        fails.append(f"报告日期{fmt_date(r.report_date)}晚于审查日{fmt_date(as_of)}")
    elif (as_of - r.report_date).days > max_age:
        fails.append(f"报告出具于{fmt_date(r.report_date)}，至审查日{fmt_date(as_of)}已 {(as_of - r.report_date).days} 天，"
                     f"超过 {max_age} 天的有效期")
    else:
        ok.append(f"在 {max_age} 天有效期内")
    return _result(fails, [], [], [], ok)


@check("materials_complete", "必交材料齐全、可打开、未改动")
def materials_complete(f: ApplicationFacts, p: Mapping[str, Any], as_of: dt.date) -> Finding:
    """第十条: every required item of the checklist received, readable and unchanged."""
    cl = _checklist_for(f.title_kind, f.year)
    if cl is None:
        return Finding(Outcome.MANUAL, f"没有「{f.title_kind.label}」{f.year}年度的材料清单，请人工核对材料。")
    required = _checklist_info(cl)[1]
    fails, missing, warnings = [], [], []
    live = [m for m in f.materials if m.status is not _RETURNED]
    live_keys = {m.item_key for m in live}
    for it in required:
        if it.key not in live_keys:
            returned = [m for m in f.materials if m.item_key == it.key]
            missing.append(f"「{it.label}」" + ("已退回补正，尚未重新提交" if returned else "未收到"))
    unchecked = False
    for m in live:
        integrity = m.integrity
        if m.read_error or integrity == "missing" or integrity == "changed":
            problem = file_problem(m)
            if problem:
                fails.append(problem)
        if integrity == "unchecked":
            unchecked = True
    if unchecked:
        warnings.append("本次未核对存档文件是否完好")
    n_req = len(required)
    ok = [f"必交材料 {n_req} 项齐全，共 {len(live)} 个文件，均能打开且收件后未改动"]
    return _result(fails, missing, [], warnings, ok)
