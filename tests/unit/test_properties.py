"""Property tests: validators raise nothing but ValidationError, whatever is typed or pasted."""
from __future__ import annotations

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
ANY_VALUE = st.one_of(MESSY, st.integers(), st.floats(), st.none(), st.booleans(), st.dates())


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
