"""统一社会信用代码 (GB 32100-2015): real codes, generated codes, and each kind of wrong input."""
from __future__ import annotations

import random

import pytest

from forms.validators import (
    CREDIT_ALPHABET,
    ValidationError,
    credit_check_char,
    credit_code_check_ok,
    normalise_credit_code,
    validate_credit_code,
)
from models.demo import DEMO_DISTRICTS, make_credit_code

# Published codes of well-known companies (from their business licences / annual reports);
# each one passes the GB 32100-2015 check, verified independently below.
REAL_CODES = {
    "华为技术有限公司": "914403001922038216",
    "腾讯科技（深圳）有限公司": "9144030071526726XG",
    "阿里巴巴（中国）有限公司": "91330100716105852F",
    "中国石油化工股份有限公司": "91110000710926094P",
    "贵州茅台酒股份有限公司": "91520000214434146R",
    "比亚迪股份有限公司": "91440300192317458F",
    "中国工商银行股份有限公司": "91100000100003962T",
    "万科企业股份有限公司": "91440300192181490G",
    "重庆长安汽车股份有限公司": "9150000020286320X6",
    "珠海格力电器股份有限公司": "91440400192548256N",
}


def reference_check_char(first17: str) -> str:
    """The check character computed straight from the standard's text (domain.md), not from the
    module under test: weights 3^(i-1) mod 31, check = 31 - (sum mod 31), 31 -> 0."""
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    total = sum(alphabet.index(c) * w for c, w in zip(first17, weights))
    v = 31 - total % 31
    return alphabet[0 if v == 31 else v]


@pytest.mark.parametrize("name,code", REAL_CODES.items(), ids=list(REAL_CODES))
def test_real_published_codes_pass(name, code):
    assert reference_check_char(code[:17]) == code[17]
    assert credit_check_char(code[:17]) == code[17]
    assert validate_credit_code(code) == code
    assert credit_code_check_ok(code)


def test_alphabet_and_weights_match_the_standard():
    assert CREDIT_ALPHABET == "0123456789ABCDEFGHJKLMNPQRTUWXY"
    assert len(CREDIT_ALPHABET) == 31
    assert not set("IOSVZ") & set(CREDIT_ALPHABET)


def test_check_value_31_becomes_zero():
    # a body whose weighted sum is a multiple of 31 has check value 31, written as "0"
    body = "9150011200000000"
    for c in CREDIT_ALPHABET:
        if reference_check_char(body + c) == "0":
            assert credit_check_char(body + c) == "0"
            assert validate_credit_code(body + c + "0") == body + c + "0"
            return
    pytest.fail("no body with check character 0 found")  # pragma: no cover


def test_generated_demo_codes_pass():
    rng = random.Random(7)
    for _ in range(500):
        district = rng.choice(DEMO_DISTRICTS)[0]
        code = make_credit_code(rng, district)
        assert code[2:8] == district
        assert reference_check_char(code[:17]) == code[17]
        assert validate_credit_code(code) == code


@pytest.mark.parametrize("raw,expected", [
    ("9150000020286320x6", "9150000020286320X6"),  # lower case
    ("９１５０００００２０２８６３２０Ｘ６", "9150000020286320X6"),  # full-width
    ("９１４４０３００７１５２６７２６ｘｇ", "9144030071526726XG"),  # full-width lower case
    (" 9150 0000 2028 6320 X6 ", "9150000020286320X6"),  # spaces
    ("915000-002028-6320X6", "9150000020286320X6"),  # hyphens
    ("915000\u3000002028\u00a06320X6", "9150000020286320X6"),  # ideographic / no-break spaces
    ("915000－002028－6320X6", "9150000020286320X6"),  # full-width hyphens
])
def test_normalises_what_people_type(raw, expected):
    assert validate_credit_code(raw) == expected


def test_normalise_keeps_wrong_input_for_the_message():
    assert normalise_credit_code(None) == ""
    assert normalise_credit_code("ａｂｃ") == "ABC"


def test_empty_asks_for_the_code():
    for raw in ("", "   ", None):
        with pytest.raises(ValidationError, match="请填写统一社会信用代码"):
            validate_credit_code(raw)


@pytest.mark.parametrize("raw,n", [("915000002028632", 15), ("9150000020286320X", 17),
                                   ("9150000020286320X61", 19), ("ｌｏｗｅｒ", 5)])
def test_wrong_length_says_how_long(raw, n):
    with pytest.raises(ValidationError) as exc:
        validate_credit_code(raw)
    assert "应为18位" in str(exc.value)
    assert f"现在是{n}位" in str(exc.value)


@pytest.mark.parametrize("letter", list("IOSVZ"))
def test_forbidden_letters_are_explained(letter):
    code = "91500000" + letter + "20286320X"  # 18 characters, position 9 is the bad one
    with pytest.raises(ValidationError) as exc:
        validate_credit_code(code)
    msg = str(exc.value)
    assert f"第9位「{letter}」" in msg
    assert "I、O、S、V、Z" in msg


def test_forbidden_lower_case_letter_is_reported_upper_case():
    with pytest.raises(ValidationError, match="第9位「O」.*I、O、S、V、Z"):
        validate_credit_code("91500000o20286320X")


def test_other_bad_characters_named_without_the_letter_hint():
    with pytest.raises(ValidationError) as exc:
        validate_credit_code("9150000020286*20X6")
    assert "第14位「*」" in str(exc.value)
    assert "I、O、S、V、Z" not in str(exc.value)


@pytest.mark.parametrize("name,code", list(REAL_CODES.items())[:4], ids=list(REAL_CODES)[:4])
def test_wrong_check_char_names_the_expected_one(name, code):
    wrong = next(c for c in CREDIT_ALPHABET if c != code[17])
    with pytest.raises(ValidationError) as exc:
        validate_credit_code(code[:17] + wrong)
    msg = str(exc.value)
    assert f"应为「{code[17]}」" in msg
    assert f"填写的是「{wrong}」" in msg
    assert "校验位" in msg


def test_allow_bad_check_accepts_only_a_check_fault():
    code = "9150000020286320X6"
    bad = code[:17] + "7"
    assert validate_credit_code(bad, allow_bad_check=True) == bad
    assert not credit_code_check_ok(bad)
    # the override excuses the check character only, nothing else
    with pytest.raises(ValidationError, match="18位"):
        validate_credit_code(bad[:-1], allow_bad_check=True)
    with pytest.raises(ValidationError, match="I、O、S、V、Z"):
        validate_credit_code("91500000I20286320X", allow_bad_check=True)


@pytest.mark.parametrize("first", ["0", "H", "X", "W"])
def test_bad_registering_authority(first):
    body = first + "150000020286320X"
    code = body + credit_check_char(body)
    with pytest.raises(ValidationError, match="第1位登记管理部门代码「" + first + "」无效"):
        validate_credit_code(code)


def test_non_digit_region_part():
    body = "9150A10020286320X"
    code = body + credit_check_char(body)
    with pytest.raises(ValidationError, match="第3–8位.*行政区划码"):
        validate_credit_code(code)


def test_any_single_change_of_a_real_code_is_caught():
    code = REAL_CODES["重庆长安汽车股份有限公司"]
    for pos in range(18):
        for c in CREDIT_ALPHABET:
            if c == code[pos]:
                continue
            changed = code[:pos] + c + code[pos + 1:]
            assert not credit_code_check_ok(changed), changed
