"""Property tests (issue 7, item 5): whatever is typed, pasted or read from an Excel cell, the
credit-code check, name normalisation, date parsing and the importers' row parsing raise nothing
but the program's own validation error (ValidationError for a value, FileRejected for a sheet
that is no form or list at all) — and what they return has the promised shape.

Excel cells arrive from python-calamine / csv as str, float, int, bool, None, datetime.date and
datetime.datetime (exports/importers/tables.py); ``CELL`` draws every one of them, strings with
full-width characters and Excel's serial dates among them."""
from __future__ import annotations

import datetime as dt
import random

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from forms.fields import ENTERPRISE, PARK, Field, Kind
from forms.validators import (
    CREDIT_ALPHABET,
    ValidationError,
    credit_check_char,
    parse_bool,
    parse_date,
    parse_decimal,
    parse_int,
    validate_credit_code,
    validate_district,
    validate_phone,
)
from models.demo import make_credit_code

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text that looks like what clerks paste: digits (also full-width and other scripts), the code
# alphabet, date and phone punctuation, Chinese, odd spaces; plus anything at all.
PIECES = st.sampled_from(
    list("0123456789０１２３４５６７８９٠١٢٣²³½") + list(CREDIT_ALPHABET + "IOSVZiosvz")
    + ["-", "/", ".", "年", "月", "日", ":", "T", " ", "\u3000", "\u00a0", "+86", "转", "(", ")",
       "（", "）", "，", ",", "%", "人", "e", "E", "nan", "inf", "是", "否", "√", "×", "区", "县",
       "重庆市", "渝北", "500112", "023-", "1380013", "2024", "\n", "\x00", "\ud7ff", "ß", "ﬁ"]
)
MESSY = st.one_of(
    st.text(),
    st.lists(PIECES, max_size=24).map("".join),
    st.text(alphabet=st.characters(min_codepoint=0xFF00, max_codepoint=0xFF65)),
    st.text(alphabet="0123456789", min_size=300, max_size=700),  # a pasted run of digits
)
ANY_VALUE = st.one_of(MESSY, st.integers(), st.floats(), st.none(), st.booleans(), st.dates(), st.datetimes(),
                      st.decimals())
#: what one Excel cell can hold, as the importers receive it
CELL = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(),  # nan and ±inf included
    st.floats(min_value=1, max_value=2958465).map(float),  # Excel serial dates (and fractions of days)
    st.integers(min_value=1900, max_value=2100).map(float),  # a year in a number cell
    st.dates(),
    st.datetimes(),
    MESSY,
    st.text(alphabet=st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E)),  # full-width ASCII
)


def only_validation_error(fn, raw, **kw):
    try:
        fn(raw, **kw)
    except ValidationError as exc:
        assert str(exc), "a ValidationError must say why"


@SETTINGS
@given(ANY_VALUE)
def test_credit_code_raises_only_validation_error(raw):
    only_validation_error(validate_credit_code, raw)
    only_validation_error(validate_credit_code, raw, allow_bad_check=True)


@SETTINGS
@given(ANY_VALUE)
def test_parse_date_raises_only_validation_error(raw):
    only_validation_error(parse_date, raw)


@SETTINGS
@given(ANY_VALUE)
def test_phone_raises_only_validation_error(raw):
    only_validation_error(validate_phone, raw)


@SETTINGS
@given(ANY_VALUE)
def test_bool_district_numbers_raise_only_validation_error(raw):
    only_validation_error(parse_bool, raw)
    only_validation_error(validate_district, raw)
    only_validation_error(parse_int, raw)
    only_validation_error(parse_decimal, raw)


FIELDS = [f for f in ENTERPRISE.fields + PARK.fields] + [
    Field("score", "评价得分", Kind.DECIMAL, minimum=0),
    Field("level", "层级", Kind.CHOICE, choices=lambda: [("a", "甲")]),
]


def test_fields_cover_every_kind():
    assert {f.kind for f in FIELDS} == set(Kind)


@SETTINGS
@given(st.sampled_from(FIELDS), ANY_VALUE, st.sampled_from(["", "执照原件如此"]))
def test_field_parse_raises_only_validation_error(field, raw, override):
    try:
        field.parse(raw, refs={"park": {"重庆空港工业园区": 1}}, override=override)
    except ValidationError as exc:
        assert str(exc)


@SETTINGS
@given(st.integers(min_value=0, max_value=2**32), st.sampled_from(["500112", "500101", "500243", "110101"]))
def test_generated_codes_always_pass(seed, district):
    code = make_credit_code(random.Random(seed), district)
    assert validate_credit_code(code) == code
    assert validate_credit_code(code.lower()) == code


BODY = st.text(alphabet=CREDIT_ALPHABET, min_size=9, max_size=9)


@st.composite
def valid_codes(draw):
    body = draw(st.sampled_from("159Y")) + draw(st.sampled_from("123")) + draw(
        st.sampled_from(["500112", "110108", "440300"])) + draw(BODY)
    return body + credit_check_char(body)


@SETTINGS
@given(valid_codes(), st.integers(min_value=0, max_value=17), st.sampled_from(CREDIT_ALPHABET))
def test_any_single_character_change_fails(code, pos, ch):
    assume(code[pos] != ch)
    assert validate_credit_code(code) == code
    changed = code[:pos] + ch + code[pos + 1:]
    with pytest.raises(ValidationError):
        validate_credit_code(changed)


@SETTINGS
@given(valid_codes(), st.integers(min_value=0, max_value=16))
def test_swapping_two_different_neighbours_fails(code, pos):
    assume(code[pos] != code[pos + 1])
    swapped = code[:pos] + code[pos + 1] + code[pos] + code[pos + 2:]
    # neighbours' weights differ (3^(i-1) vs 3^i; the check char acts as weight 1 against 28), and
    # 31 is prime, so a transposition always changes the sum mod 31
    with pytest.raises(ValidationError):
        validate_credit_code(swapped)


@SETTINGS
@given(st.dates())
def test_dates_round_trip_through_every_written_form(d):
    for text in (d.isoformat(), f"{d.year}/{d.month}/{d.day}", f"{d.year}年{d.month}月{d.day}日",
                 f"{d.year:04d}{d.month:02d}{d.day:02d}"):
        if d.year < 1000:
            continue
        assert parse_date(text) == d


# ============================================================================ credit codes


def assert_code_shape(code: str, *, check: bool = True) -> None:
    assert isinstance(code, str) and len(code) == 18
    assert all(c in CREDIT_ALPHABET for c in code)
    if check:
        assert code[17] == credit_check_char(code[:17])


@SETTINGS
@given(CELL)
def test_credit_code_from_any_cell_is_valid_or_a_validation_error(raw):
    """The exact property: a returned code is 18 characters of the GB 32100-2015 alphabet with a
    correct check character; anything else is a ValidationError that says why."""
    for allow in (False, True):
        try:
            code = validate_credit_code(raw, allow_bad_check=allow)
        except ValidationError as exc:
            assert str(exc)
        else:
            assert_code_shape(code, check=not allow)


def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


#: what clerks do to a code that does not change it
COSMETIC = [str.lower, fullwidth, lambda c: f" {c[:6]} {c[6:12]}\u3000{c[12:]} ", lambda c: f"{c[:8]}-{c[8:]}",
            lambda c: c + "\u00a0", lambda c: fullwidth(c.lower())]
#: what goes wrong when a code is typed or pasted
EDIT_CHARS = st.sampled_from(list(CREDIT_ALPHABET + "IOSVZiosvz") + ["０", "Ｘ", "ｙ", " ", "-", "—", "\u3000", "。",
                                                                      "\n", "\x00", "Ⅰ", "〇", "一", "é", "ß"])


@st.composite
def near_valid_codes(draw):
    """A valid code, then zero to three edits: replace, insert or delete a character, swap two,
    or cut it short; then maybe a cosmetic change."""
    code = draw(valid_codes())
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        op = draw(st.sampled_from(["replace", "insert", "delete", "swap", "cut"]))
        i = draw(st.integers(min_value=0, max_value=max(len(code) - 1, 0)))
        if op == "replace" and code:
            code = code[:i] + draw(EDIT_CHARS) + code[i + 1:]
        elif op == "insert":
            code = code[:i] + draw(EDIT_CHARS) + code[i:]
        elif op == "delete":
            code = code[:i] + code[i + 1:]
        elif op == "swap" and i + 1 < len(code):
            code = code[:i] + code[i + 1] + code[i] + code[i + 2:]
        elif op == "cut":
            code = code[:i]
    if draw(st.booleans()):
        code = draw(st.sampled_from(COSMETIC))(code)
    return code


@SETTINGS
@given(near_valid_codes())
def test_near_valid_codes_are_valid_or_a_validation_error(raw):
    test_credit_code_from_any_cell_is_valid_or_a_validation_error.hypothesis.inner_test(raw)


@SETTINGS
@given(valid_codes(), st.sampled_from(COSMETIC))
def test_cosmetic_changes_give_back_the_same_code(code, change):
    assert validate_credit_code(change(code)) == code


# ============================================================================ names

from exports.names import (  # noqa: E402
    NAME_EQUAL,
    NameIndex,
    base_name,
    core_name,
    normalise_name,
    plant_suffix,
    similarity,
)

COMPANY_PARTS = st.sampled_from(
    ["重庆", "重庆市", "玖龙纸业", "长安汽车", "（重庆）", "(重庆)", "【渝北】", "有限公司", "有限责任公司", "股份有限公司",
     "集团", "科技", "渝北工厂", "化肥分公司", "一厂", "生产基地", " ", "\u3000", "·", ".", "Ａ", "b", "-", "—", "\n",
     "ß", "ﬁ", "İ", "ǰ", "\u0301", "Å", "Ω"])
NAMES = st.one_of(CELL, st.lists(COMPANY_PARTS, max_size=10).map("".join))


@SETTINGS
@given(NAMES)
def test_name_normalisation_of_any_cell_never_raises_and_keeps_its_promises(raw):
    """normalise_name: a string without spaces, brackets or dots, stable when applied again;
    base_name is a prefix of it and base + plant suffix gives it back; core_name is never empty
    for a name; similarity is between 0 and 1, and 1 for a name against itself."""
    norm = normalise_name(raw)
    assert isinstance(norm, str)
    assert normalise_name(norm) == norm
    assert not any(ch in norm for ch in " \u3000()（）[]【】.·")
    base, suffix = base_name(raw), plant_suffix(raw)
    assert norm.startswith(base)
    assert base + suffix == norm if suffix else base == norm
    core = core_name(raw)
    assert bool(core) == bool(norm)
    sim = similarity(raw, raw)
    assert sim == (1.0 if core else 0.0)
    assert 0.0 <= similarity(raw, "重庆玖龙纸业有限公司") <= 1.0


@SETTINGS
@given(st.lists(COMPANY_PARTS, min_size=1, max_size=8).map("".join))
def test_brackets_width_spaces_and_legal_form_do_not_change_the_key(name):
    variants = [
        name.replace("（", "(").replace("）", ")"),
        name.replace("(", "（").replace(")", "）"),
        fullwidth(name),
        " ".join(name),
        name.replace("有限责任公司", "有限公司"),
    ]
    for v in variants:
        assert normalise_name(v) == normalise_name(name), v


@SETTINGS
@given(st.lists(NAMES, max_size=12), NAMES)
def test_name_index_match_never_raises_and_finds_equal_names_first(names, query):
    index = NameIndex(enumerate(names))
    matches = index.match(query)
    assert len(matches) <= 5
    assert all(0 < m.confidence <= 1 and m.key in index.names for m in matches)
    assert [m.confidence for m in matches] == sorted((m.confidence for m in matches), reverse=True)
    equal = [k for k, n in index.names.items() if normalise_name(n) == normalise_name(query)]
    if equal and normalise_name(query):
        assert {m.key for m in matches if m.confidence == NAME_EQUAL} == set(equal[:5]) or len(equal) > 5


# ============================================================================ dates


@SETTINGS
@given(CELL)
def test_parse_date_of_any_cell_is_a_date_or_a_validation_error(raw):
    """The exact property: a plain ``datetime.date`` (never a datetime, never None) or a
    ValidationError; a date or datetime cell gives its own day."""
    try:
        d = parse_date(raw)
    except ValidationError as exc:
        assert str(exc)
        assert not isinstance(raw, dt.date)  # a real date cell always parses
    else:
        assert type(d) is dt.date
        if isinstance(raw, dt.datetime):
            assert d == raw.date()
        elif isinstance(raw, dt.date):
            assert d == raw


@SETTINGS
@given(st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(9999, 12, 31)), st.sampled_from(
    ["{d} 9:30", "{d}T09:30:00", "{d} 23:59:59.123", "{d}\u300008:00", " {d} "]))
def test_a_time_of_day_after_the_date_is_dropped(d, pattern):
    assert parse_date(pattern.format(d=d.isoformat())) == d
    assert parse_date(fullwidth(d.isoformat())) == d


# ============================================================================ importer rows

from pathlib import Path  # noqa: E402

from exports.importers.errors import FileRejected  # noqa: E402
from exports.importers.forms_in import (  # noqa: E402
    EnterpriseTarget,
    IndicatorTarget,
    ParkTarget,
    check_grid,
)
from exports.importers.tables import Grid  # noqa: E402
from forms.indicator_fields import indicator_schemas  # noqa: E402
from models.entities import Enterprise, Park  # noqa: E402

GOOD_CODE = "9150000020286320X6"
#: whole sheets cost more to draw than to check (about 0.2 s an example): fewer of them
ROW_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ROW_ACTIONS = {"create", "update", "unchanged", "error"}


_LIKELY: dict[Kind, st.SearchStrategy] = {}
_GOOD: dict[tuple[str, str], st.SearchStrategy] = {}


def likely_cell(f: Field):
    """A cell for field ``f`` as it goes wrong: near what belongs there, or anything at all.
    (Strategies are built once per kind: building them is most of a draw's cost.)"""
    if f.kind not in _LIKELY:
        _LIKELY[f.kind] = st.one_of(_near_cell(f.kind), CELL)
    return _LIKELY[f.kind]


def _near_cell(kind: Kind):
    return {
        Kind.CREDIT_CODE: st.one_of(near_valid_codes(), st.floats(min_value=1e15, max_value=1e18)),
        Kind.DISTRICT: st.sampled_from(["重庆渝北区", "北京市海淀区", "110101", "500199", "渝北"]),
        Kind.DATE: st.one_of(st.dates().map(str), st.sampled_from(["2024/5/6", "45418", "2024-02-30", "2024年13月1日"])),
        Kind.PHONE: st.sampled_from(["023-67891234转801", "+86 23 6789 1234", "12345", "(023)67891234", "1380013800"]),
        Kind.BOOL: st.sampled_from(["√", "×", "Y", "ＹＥＳ", 1.0, "也许", 2]),
        Kind.INT: st.one_of(st.integers(-5, 10**20), st.sampled_from(["3人", "1,200", "12.0", "-0", "1.5"])),
        Kind.DECIMAL: st.one_of(st.decimals(), st.sampled_from(["95.5%", "1,234.5", "-0", "1e400", "NaN"])),
        Kind.INDUSTRY: st.sampled_from(["3", "34 通用设备制造业", "C34", 34.5, "99", "通用设备制造业"]),
        Kind.CHOICE: st.sampled_from(["国家级 ", "省级", "经开区（国家级）"]),
        Kind.REF: st.sampled_from(["不存在的园区", "重庆甲工业园区"]),
    }.get(kind, st.lists(COMPANY_PARTS, min_size=0, max_size=40).map("".join))


def good_cell(schema, f: Field):
    """A cell that should pass for field ``f`` of ``schema``, typed in one of the ways people do."""
    key = (schema.kind, f.key)
    if key not in _GOOD:
        _GOOD[key] = _good_cell(schema, f)
    return _GOOD[key]


def _good_cell(schema, f: Field):
    if f.key == "credit_code" and schema.kind.startswith("indicator"):
        return st.sampled_from([GOOD_CODE, GOOD_CODE.lower(), fullwidth(GOOD_CODE)])
    if f.key == "name" and schema.kind == "indicator_park":
        return st.sampled_from(["重庆甲工业园区", "重庆甲工业园区 ", "重庆甲（工业）园区"])
    text = st.lists(COMPANY_PARTS.filter(lambda p: p.strip()), min_size=1, max_size=6).map("".join)
    if f.kind is Kind.CHOICE:
        return st.sampled_from([v for v, _label in f.choices()])
    if any(g.allow_override_key == f.key for g in schema.fields):  # 校验位例外原因: mostly empty
        return st.sampled_from([None, None, "经核对营业执照原件无误"])
    return {
        Kind.CREDIT_CODE: st.one_of(st.just(GOOD_CODE), valid_codes(), st.tuples(valid_codes(), st.sampled_from(COSMETIC))
                                    .map(lambda t: t[1](t[0]))),
        Kind.DISTRICT: st.sampled_from(["500112", "渝北区", "500112 渝北区", "江北区", "５００１０５"]),
        Kind.DATE: st.one_of(st.dates(dt.date(1950, 1, 1), dt.date(2025, 12, 31)),
                             st.datetimes(dt.datetime(1950, 1, 1), dt.datetime(2025, 12, 31)),
                             st.dates(dt.date(1950, 1, 1), dt.date(2025, 12, 31)).map(lambda d: f"{d.year}年{d.month}月{d.day}日"),
                             st.integers(20000, 46000).map(float)),
        Kind.PHONE: st.sampled_from(["13800138000", 13800138000.0, "023-67891234", "67891234", "138 0013 8000"]),
        Kind.BOOL: st.sampled_from(["是", "否", True, False, " 是 "]),
        Kind.INT: st.integers(max(f.minimum or 0, 0), max(f.minimum or 0, 0) + 1000).flatmap(
            lambda n: st.sampled_from([n, float(n), str(n)])),
        Kind.DECIMAL: st.one_of(st.decimals(min_value=0, max_value=10**6, places=2),
                                st.floats(min_value=0, max_value=1e6), st.integers(0, 10**6)),
        Kind.INDUSTRY: st.sampled_from(["34", 34.0, "13", "43", 26]),
        Kind.REF: st.none(),
    }.get(f.kind, text)


@st.composite
def form_rows(draw, schema):
    """A header (the schema's labels, maybe with an unknown column) and up to 6 data rows:
    clean rows (every cell as it belongs, typed the ways people type), rows with one bad cell,
    messy rows, empty and short rows, and the same row twice."""
    fields = list(schema.fields)
    header = [("*" if f.required else "") + f.label for f in fields]
    if draw(st.booleans()):
        header.append("不知道的列")
    rows = [header]
    for _ in range(draw(st.integers(min_value=0, max_value=6))):
        kind = draw(st.sampled_from(["clean", "clean", "one_bad", "messy", "empty", "short"]))
        if kind == "empty":
            rows.append([draw(st.sampled_from([None, "", " ", "\u3000"])) for _ in header])
            continue
        if kind == "messy":
            row = [draw(likely_cell(f)) for f in fields]
        else:
            row = [draw(good_cell(schema, f)) for f in fields]
            if kind == "one_bad":
                i = draw(st.integers(min_value=0, max_value=len(fields) - 1))
                row[i] = draw(likely_cell(fields[i]))
        row += [draw(CELL)] if len(header) > len(fields) else []
        if kind == "short":
            row = row[:draw(st.integers(min_value=1, max_value=len(row)))]
        rows.append(row)
    if len(rows) > 2 and draw(st.booleans()):
        rows.append(list(rows[1]))  # the same row again
    return rows


def check_rows(rows, schema, target):
    preview = check_grid(Grid(Path("表.xlsx"), "表1", rows), schema, target)
    nonempty = [r + 1 for r, row in enumerate(rows[1:], start=1)
                if any(v is not None and not (isinstance(v, str) and not v.strip()) for v in row[:len(schema.fields)])]
    assert [r.row for r in preview.rows] == nonempty
    for r in preview.rows:
        assert r.action in ROW_ACTIONS
        assert (r.action == "error") == bool(r.issues), (r.action, r.issues)
        for issue in r.issues:
            assert issue.row == r.row and issue.reason
            assert str(issue).startswith("表.xlsx 工作表「表1」 第")
        if r.action != "error":
            assert r.key
            if "credit_code" in r.values:
                assert_code_shape(r.values["credit_code"], check=not r.values.get("credit_code_override"))
    return preview


def loaded_enterprise_target() -> EnterpriseTarget:
    """A target that already holds one enterprise (so rows can be updates or unchanged)."""
    t = EnterpriseTarget(ENTERPRISE, Enterprise)
    values = {f.key: f.empty_value() for f in ENTERPRISE.fields}
    values.update(name="重庆甲公司", credit_code=GOOD_CODE, district_code="500112", above_scale=True)
    t._index[GOOD_CODE] = (1, values)
    return t


@ROW_SETTINGS
@given(form_rows(ENTERPRISE))
def test_enterprise_form_rows_never_raise(rows):
    """Every cell goes through the field definitions: a bad value is an issue on its row (with
    file, sheet, row and column), never an exception; rows without issues have a key."""
    check_rows(rows, ENTERPRISE, loaded_enterprise_target())


@ROW_SETTINGS
@given(form_rows(PARK))
def test_park_form_rows_never_raise(rows):
    check_rows(rows, PARK, ParkTarget(PARK, Park))


INDICATOR_SCHEMAS = indicator_schemas()


@ROW_SETTINGS
@given(st.sampled_from(sorted(INDICATOR_SCHEMAS)), st.data())
def test_indicator_form_rows_never_raise(kind, data):
    from decimal import Decimal

    schema = INDICATOR_SCHEMAS[kind]
    target = IndicatorTarget(schema, "enterprise" if kind == "indicator_enterprise" else "park")
    target._subjects = {GOOD_CODE: (1, "重庆甲公司"), normalise_name("重庆甲工业园区"): (1, "重庆甲工业园区")}
    target._values = {(1, 2025): {k: (10 + i, Decimal("1.5")) for i, k in enumerate(target.keys)}}
    check_rows(data.draw(form_rows(schema)), schema, target)


def test_indicator_schemas_exist():
    assert set(INDICATOR_SCHEMAS) == {"indicator_enterprise", "indicator_park"}


# ---------------------------------------------------------------------------- published lists

LIST_HEADER = ["序号", "企业名称", "统一社会信用代码", "区县", "批次", "年度", "日期", "撤销原因", "原名称", "新名称"]
LIST_NAMES = ["重庆甲公司", "重庆乙（集团）有限公司", "重庆甲工业园区"]


#: per list column: what such a column holds in published lists (or anything at all)
LIST_CELLS = {
    "企业名称": st.sampled_from(LIST_NAMES + ["重庆乙(集团)有限公司", "重庆甲公司渝北工厂", "重庆丙公司"]),
    "统一社会信用代码": st.one_of(st.sampled_from([GOOD_CODE, GOOD_CODE.lower(), "91500112CEPE747K5C"]), near_valid_codes()),
    "区县": st.sampled_from(["渝北区", "重庆市", "北京市", "四川", None]),
    "批次": st.sampled_from(["1", 2.0, "2024", "第2023批", "2024年度"]),
    "年度": st.sampled_from(["2024年度", 2025.0, "2023", None]),
    "日期": st.one_of(st.dates(), st.sampled_from(["2025-06-30", "2025年6月30日", "45418"])),
    "原名称": st.sampled_from(LIST_NAMES),
    "新名称": st.sampled_from(["重庆甲新名称有限公司", ""]),
}


@st.composite
def list_grids(draw):
    """A published list as a sheet: maybe title rows, the header (sometimes missing), data rows
    with what each column holds or anything at all, totals, notes and blank rows."""
    rows = []
    for _ in range(draw(st.integers(min_value=0, max_value=2))):
        rows.append([draw(st.sampled_from(["2025年度重庆市绿色工厂名单", "渝经信节能〔2025〕12号", "关于撤销的通知", None,
                                            "绿色工厂更名名单", "严重失信主体名单", "2025年度第三方评价机构推荐名单"]))])
    header = draw(st.permutations(LIST_HEADER))
    if draw(st.sampled_from([True, True, True, False])):  # mostly a header
        rows.append(list(header))
    for _ in range(draw(st.integers(min_value=0, max_value=6))):
        kind = draw(st.sampled_from(["typical", "typical", "typical", "any", "totals", "note", "blank"]))
        if kind == "typical":
            row = [draw(st.one_of(LIST_CELLS.get(h, CELL), st.none())) if draw(st.sampled_from([True, True, False]))
                   else draw(CELL) for h in header]
        elif kind == "any":
            row = [draw(CELL) for _ in range(draw(st.integers(min_value=0, max_value=len(header) + 1)))]
        elif kind == "totals":
            row = ["合计", None, draw(CELL)]
        elif kind == "note":
            row = ["注：以上排名不分先后"]
        else:
            row = [None] * len(header)
        rows.append(row)
    return Grid(Path("名单.xlsx"), "Sheet1", rows)


_LIST_DB = None


def list_db():
    """An in-memory database with the schema and a few subjects (made once for the module)."""
    global _LIST_DB
    if _LIST_DB is None:
        from sqlalchemy import create_engine
        from sqlalchemy.orm import sessionmaker

        import models.review  # noqa: F401  (registers the tables)
        import models.sync  # noqa: F401
        from models.base import Base

        engine = create_engine("sqlite://")
        Base.metadata.create_all(engine)
        factory = sessionmaker(engine)
        with factory() as s:
            s.info["user"] = "测试员"
            s.add_all([Enterprise(name="重庆甲公司", credit_code=GOOD_CODE, district_code="500112"),
                       Enterprise(name="重庆乙(集团)有限责任公司", credit_code="91500112CEPE747K5C", district_code="500112"),
                       Park(name="重庆甲工业园区", district_code="500112")])
            s.commit()
        _LIST_DB = factory
    return _LIST_DB


@ROW_SETTINGS
@given(list_grids(), st.sampled_from(["recognition", "revocation", "renaming", "evaluators",
                                      "evaluators_disqualified", "watchlist", None]))
def test_list_rows_never_raise(grid, action):
    """Reading a list raises only FileRejected (no header); mapping, matching every row and
    planning what the list would change raise nothing, and change nothing."""
    from unittest import mock

    from exports.lists import ListSpec, guess_spec, match_list, plan_list, propose_mapping, read_list

    with mock.patch("exports.lists.read_grids", return_value=("xlsx", [grid])):
        try:
            table = read_list(grid.path)
        except FileRejected as exc:
            assert str(exc)
            return
    spec, _doubts = guess_spec(table)
    if action is not None:
        spec = ListSpec(action=action, title_kind=spec.title_kind, year=spec.year or 2025)
    mapping = propose_mapping(None, table)
    with list_db()() as session:
        session.info["user"] = "测试员"
        preview = match_list(session, table, mapping, spec)
        assert len(preview.rows) == len(table.rows)
        for r in preview.rows:
            assert r.status in ("matched", "uncertain", "unmatched", "out_of_scope", "duplicate")
            assert r.code == "" or len(r.code) == 18
        plan_list(session, preview)
        assert not session.new and not session.dirty and not session.deleted
        session.rollback()


def test_park_named_only_punctuation_is_an_issue_not_an_empty_key():
    """Found by test_park_form_rows_never_raise: a park named 「·」 got the empty matching key, so
    any two such rows were 'the same park' and the row could be created without a key."""
    head = [f.label for f in PARK.fields]
    row = ["·", "经开区", "国家级", "500112", None, None, None, None]
    preview = check_grid(Grid(Path("园区.xlsx"), "园区信息", [head, row]), PARK, ParkTarget(PARK, Park))
    [r] = preview.rows
    assert r.action == "error"
    assert [i.reason for i in r.issues] == ["园区名称「·」只有标点或空格，无法确定是哪个园区，请填写园区全称。"]
