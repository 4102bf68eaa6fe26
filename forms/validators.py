"""Validators for what people type: credit codes, phones, dates, districts, yes/no, numbers.

Each validator takes the raw text, normalises what people really type (full-width characters,
lower case, stray spaces, 2024年5月6日 …) and returns the clean value, or raises
``ValidationError`` with the reason in Chinese. Nothing else may escape: property tests hold
every validator to that.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from .codes import district_by_code, district_by_name


class ValidationError(ValueError):
    """A value that does not fit; ``str()`` is the reason in Chinese."""


# --------------------------------------------------------------------------- normalising text

_SPACES = re.compile(r"[\s\u3000\u00a0\u200b\ufeff]+")


_FULLWIDTH = re.compile("[\uff01-\uff5e\u3000]")


def _halfwidth_char(m: re.Match) -> str:
    ch = m.group()
    return " " if ch == "\u3000" else chr(ord(ch) - 0xFEE0)


def to_halfwidth(text: str) -> str:
    """Full-width ASCII (ＡＢＣ１２３) to half-width; leaves Chinese characters alone.

    A regular expression, not a loop over characters: the table search index runs this over
    every row (20,000 enterprises), and most text has nothing to change."""
    if _FULLWIDTH.search(text) is None:
        return text
    return _FULLWIDTH.sub(_halfwidth_char, text)


def clean_text(value: object) -> str:
    """Trim, fold runs of white space (incl. full-width and no-break spaces) into one space."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value))
    return _SPACES.sub(" ", text).strip()


# --------------------------------------------------------------------------- credit code

CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_VALUES = {c: i for i, c in enumerate(CREDIT_ALPHABET)}
CREDIT_WEIGHTS = [pow(3, i, 31) for i in range(17)]
# GB 32100-2015: position 1 is the registering authority, position 2 the kind of body.
_AUTHORITIES = set("123456789ABCDEFGNY")


def normalise_credit_code(raw: object) -> str:
    text = to_halfwidth(str(raw or ""))
    text = _SPACES.sub("", text).replace("-", "").upper()
    return text


def credit_check_char(first17: str) -> str:
    total = sum(CREDIT_VALUES[c] * w for c, w in zip(first17, CREDIT_WEIGHTS))
    value = 31 - total % 31
    return CREDIT_ALPHABET[0 if value == 31 else value]


def validate_credit_code(raw: object, *, allow_bad_check: bool = False) -> str:
    """Return the normalised 18-character code or raise with the reason.

    ``allow_bad_check`` accepts a code whose only fault is the check character (the rare real
    code that fails it: the caller records an override with its reason).
    """
    code = normalise_credit_code(raw)
    if not code:
        raise ValidationError("请填写统一社会信用代码（18位）。")
    if len(code) != 18:
        raise ValidationError(f"统一社会信用代码应为18位，现在是{len(code)}位。")
    for pos, ch in enumerate(code, start=1):
        if ch not in CREDIT_VALUES:
            hint = "（代码中不使用字母 I、O、S、V、Z）" if ch in "IOSVZ" else ""
            raise ValidationError(f"第{pos}位「{ch}」不是统一社会信用代码允许的字符{hint}。")
    if code[0] not in _AUTHORITIES:
        raise ValidationError(f"第1位登记管理部门代码「{code[0]}」无效。")
    if not code[2:8].isdigit():
        raise ValidationError("第3–8位应为登记管理机关行政区划码（6位数字）。")
    expected = credit_check_char(code[:17])
    if code[17] != expected and not allow_bad_check:
        raise ValidationError(
            f"校验位不符：按 GB 32100-2015 计算，第18位应为「{expected}」，填写的是「{code[17]}」。"
            "请核对营业执照；确属真实代码可勾选“校验位例外”并说明原因。"
        )
    return code


def credit_code_check_ok(code: str) -> bool:
    try:
        validate_credit_code(code)
        return True
    except ValidationError:
        return False


# --------------------------------------------------------------------------- phone

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
# Area codes: 010 and 02x have three digits (023 is Chongqing), all others four.
_LANDLINE = re.compile(r"^(0[12]\d|0[3-9]\d{2})-?(\d{7,8})(?:-(\d{1,6}))?$")


def validate_phone(raw: object) -> str:
    """A mobile number (11 digits from 13–19) or a landline with area code (023-6xxxxxxx).

    A Chongqing landline typed without the area code (8 digits) gets 023- put in front.
    """
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)  # a number cell from Excel: 13800138000.0
    text = to_halfwidth(clean_text(raw))
    text = text.replace(" ", "").replace("—", "-").replace("－", "-").replace("(", "").replace(")", "-")
    text = text.replace("（", "").replace("）", "-")
    text = re.sub(r"(?:转|分机|ext\.?|EXT\.?|x)(\d{1,6})$", r"-\1", text)  # 023-67891234转801
    if text.startswith("+86") or text.startswith("0086"):
        text = text[3 if text.startswith("+") else 4:].lstrip("-")
        if text[:1].isdigit() and text[:1] not in "01":
            text = "0" + text  # +86 23 6789 1234: the area code without its leading 0
    if not text:
        raise ValidationError("请填写联系电话。")
    if _MOBILE.match(text.replace("-", "")):  # 13800138000, 138-0013-8000
        return text.replace("-", "")
    if re.fullmatch(r"\d{8}", text):
        return f"023-{text}"
    m = _LANDLINE.match(text)
    if m:
        area, number, ext = m.groups()
        return f"{area}-{number}" + (f"-{ext}" if ext else "")
    if text.isdigit() and text.startswith("1"):
        raise ValidationError(f"手机号应为11位数字，现在是{len(text)}位。")
    raise ValidationError("电话格式不对：手机号填11位数字，座机填区号-号码，如 023-67891234。")


# --------------------------------------------------------------------------- dates

_DATE_PATTERNS = [
    re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]
EXCEL_EPOCH = dt.date(1899, 12, 30)


def parse_date(raw: object) -> dt.date:
    """2024-05-06, 2024/5/6, 2024.5.6, 2024年5月6日, 20240506, an Excel serial, or a date/datetime."""
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if 1900 <= raw <= 2100 and float(raw).is_integer():
            # Excel day 2024 would be 1905-07-16: far likelier a year typed into a number cell
            raise ValidationError(f"「{int(raw)}」像是年份，请填写完整日期，如 {int(raw)}-05-06。")
        if 1 <= raw < 2958466:
            return EXCEL_EPOCH + dt.timedelta(days=int(raw))
        raise ValidationError(f"「{raw}」不是有效的日期。")
    text = to_halfwidth(clean_text(raw))
    if not text:
        raise ValidationError("请填写日期。")
    if re.fullmatch(r"\d{5}(\.0+)?", text):  # an Excel serial that arrived as text
        return parse_date(int(float(text)))
    # a time of day after the date (2024-05-06 9:30, 2024-05-06T09:30:00, 2024年5月6日9:30)
    text = re.sub(r"(?:T| |(?<=日))\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$", "", text).replace(" ", "")
    for pat in _DATE_PATTERNS:
        m = pat.match(text)
        if m:
            y, mth, d = (int(g) for g in m.groups())
            try:
                return dt.date(y, mth, d)
            except ValueError:
                raise ValidationError(f"「{raw}」不是存在的日期（{y}年{mth}月{d}日）。") from None
    raise ValidationError(f"「{raw}」不是可识别的日期，请写成 2024-05-06 或 2024年5月6日。")


def validate_date(raw: object, *, not_after_today: bool = False, earliest: dt.date | None = None) -> dt.date:
    d = parse_date(raw)
    if not_after_today and d > dt.date.today():
        raise ValidationError(f"日期 {d:%Y-%m-%d} 晚于今天。")
    if earliest and d < earliest:
        raise ValidationError(f"日期 {d:%Y-%m-%d} 早于 {earliest:%Y-%m-%d}，请核对。")
    return d


# --------------------------------------------------------------------------- district

def validate_district(raw: object) -> str:
    """A district or county of Chongqing, by GB/T 2260 code or by name; returns the code."""
    spaced = to_halfwidth(clean_text(raw))
    text = spaced.replace(" ", "")
    if not text:
        raise ValidationError("请选择区县。")
    code = spaced.split(" ")[0]  # the code alone, or a list label such as "500112 渝北区"
    if district_by_code(code):
        return code
    d = district_by_name(text)
    if d is None and text.startswith("重庆") and not text.startswith("重庆市"):
        d = district_by_name(text[2:])  # 重庆渝北区
    if d:
        return d.code
    if re.fullmatch(r"\d{6}", text):
        raise ValidationError(f"行政区划代码 {text} 不是重庆市的区县（应为 5001xx 或 5002xx）。")
    raise ValidationError(f"「{text}」不是重庆市的区县，请从列表中选择。")


# --------------------------------------------------------------------------- yes / no, numbers

_YES = {"是", "√", "✓", "✔", "Y", "YES", "TRUE", "1", "对", "有"}
_NO = {"否", "×", "✗", "✘", "X", "N", "NO", "FALSE", "0", "不是", "无"}


def parse_bool(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    text = to_halfwidth(clean_text(raw)).upper()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise ValidationError(f"「{raw}」请填写“是”或“否”。")


def parse_int(raw: object, *, minimum: int | None = None, maximum: int | None = None) -> int:
    if isinstance(raw, bool):
        raise ValidationError("请填写整数。")
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, float) and raw.is_integer():
        value = int(raw)
    else:
        text = to_halfwidth(clean_text(raw)).replace(",", "").replace("人", "").strip()
        if not re.fullmatch(r"[+-]?\d{1,18}(\.0+)?", text):
            raise ValidationError(f"「{raw}」不是整数。")
        value = int(text.split(".")[0])
    if minimum is not None and value < minimum:
        raise ValidationError(f"不能小于 {minimum}。")
    if maximum is not None and value > maximum:
        raise ValidationError(f"不能大于 {maximum}。")
    return value


def parse_decimal(raw: object, *, minimum: Decimal | None = None) -> Decimal:
    if isinstance(raw, bool):
        raise ValidationError("请填写数字。")
    if isinstance(raw, (int, float, Decimal)):
        text = str(raw)
    else:
        text = to_halfwidth(clean_text(raw)).replace(",", "").replace(" ", "")
        text = text.rstrip("%")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValidationError(f"「{raw}」不是数字。") from None
    if not value.is_finite():
        raise ValidationError(f"「{raw}」不是数字。")
    if minimum is not None and value < minimum:
        raise ValidationError(f"不能小于 {minimum}。")
    return value
