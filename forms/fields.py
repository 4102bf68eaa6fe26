"""Field definitions: written once here, read by the editor, the Excel forms, the importers and
the export columns.

A ``Field`` knows its label, its kind, whether it is required, its note (the editor's tooltip,
the Excel form's cell comment), its choices, and how to turn raw input into a clean value.
"""
from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable, Mapping, Sequence

from . import codes
from .validators import (
    ValidationError,
    clean_text,
    parse_bool,
    parse_decimal,
    parse_int,
    validate_credit_code,
    validate_date,
    validate_district,
    validate_phone,
)


class Kind(str, enum.Enum):
    TEXT = "text"
    MULTILINE = "multiline"
    CREDIT_CODE = "credit_code"
    PHONE = "phone"
    DATE = "date"
    CHOICE = "choice"
    DISTRICT = "district"
    INDUSTRY = "industry"
    BOOL = "bool"
    INT = "int"
    DECIMAL = "decimal"
    REF = "ref"  # a reference to another record by name (e.g. the enterprise's park)


Choices = Callable[[], Sequence[tuple[str, str]]]  # (stored value, label shown)


def district_choices() -> list[tuple[str, str]]:
    return [(d.code, d.label) for d in codes.districts()]


def industry_choices() -> list[tuple[str, str]]:
    return [(i.code, i.label) for i in codes.industries()]


def plain_choices(values: Sequence[str]) -> Choices:
    return lambda: [(v, v) for v in values]


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    kind: Kind = Kind.TEXT
    required: bool = False
    note: str = ""
    max_len: int | None = None
    choices: Choices | None = None
    minimum: int | None = None
    ref: str | None = None  # for REF: the kind of record referred to ("park")
    placeholder: str = ""
    allow_override_key: str | None = None  # for CREDIT_CODE: the field holding an override reason

    def choice_list(self) -> list[tuple[str, str]]:
        if self.kind is Kind.DISTRICT:
            return district_choices()
        if self.kind is Kind.INDUSTRY:
            return industry_choices()
        if self.kind is Kind.BOOL:
            return [("是", "是"), ("否", "否")]
        return list(self.choices()) if self.choices else []

    def is_empty(self, raw: Any) -> bool:
        return raw is None or (isinstance(raw, str) and clean_text(raw) == "")

    def parse(self, raw: Any, *, refs: Mapping[str, Mapping[str, int]] | None = None,
              override: str = "") -> Any:
        """Raw input → clean value, or ValidationError with the reason. Empty → None/''."""
        if self.is_empty(raw):
            if self.required:
                raise ValidationError(f"「{self.label}」必须填写。")
            return self.empty_value()
        k = self.kind
        if k in (Kind.TEXT, Kind.MULTILINE):
            text = str(raw).strip() if k is Kind.MULTILINE else clean_text(raw)
            if self.max_len and len(text) > self.max_len:
                raise ValidationError(f"「{self.label}」最多{self.max_len}个字，现在{len(text)}个字。")
            return text
        if k is Kind.CREDIT_CODE:
            return validate_credit_code(raw, allow_bad_check=bool(clean_text(override)))
        if k is Kind.PHONE:
            return validate_phone(raw)
        if k is Kind.DATE:
            return validate_date(raw, not_after_today=True, earliest=dt.date(1900, 1, 1))
        if k is Kind.DISTRICT:
            return validate_district(raw)
        if k is Kind.INDUSTRY:
            return _parse_industry(raw)
        if k is Kind.CHOICE:
            text = clean_text(raw)
            values = [v for v, _ in self.choice_list()]
            labels = {lbl: v for v, lbl in self.choice_list()}
            if text in values:
                return text
            if text in labels:
                return labels[text]
            raise ValidationError(f"「{text}」不在可选项中（{'、'.join(values)}）。")
        if k is Kind.BOOL:
            return parse_bool(raw)
        if k is Kind.INT:
            return parse_int(raw, minimum=self.minimum)
        if k is Kind.DECIMAL:
            return parse_decimal(raw, minimum=Decimal(self.minimum) if self.minimum is not None else None)
        if k is Kind.REF:
            if isinstance(raw, int) and not isinstance(raw, bool):
                return raw
            table = (refs or {}).get(self.ref or "", {})
            name = clean_text(raw)
            if name in table:
                return table[name]
            raise ValidationError(f"找不到名为「{name}」的{self.label}，请先录入或从列表中选择。")
        raise AssertionError(k)  # pragma: no cover

    def empty_value(self) -> Any:
        if self.kind in (Kind.TEXT, Kind.MULTILINE, Kind.PHONE, Kind.DISTRICT, Kind.INDUSTRY, Kind.CHOICE):
            return ""
        if self.kind is Kind.BOOL:
            return False
        return None

    def display(self, value: Any) -> str:
        """Stored value → the text a clerk reads."""
        if value is None or value == "":
            return ""
        if self.kind is Kind.BOOL:
            return "是" if value else "否"
        if self.kind is Kind.DATE and isinstance(value, dt.date):
            return value.strftime("%Y-%m-%d")
        if self.kind is Kind.DISTRICT:
            return codes.district_name(value)
        if self.kind is Kind.INDUSTRY:
            ind = codes.industry_by_code(value)
            return ind.label if ind else str(value)
        return str(value)


def _parse_industry(raw: Any) -> str:
    text = clean_text(raw)
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        if isinstance(raw, float) and not raw.is_integer():
            raise ValidationError(f"「{raw}」不是 GB/T 4754-2017 的行业大类代码。")
        text = f"{int(raw):02d}"
    code = text.split(" ")[0]
    if code.isdigit() and len(code) == 1:
        code = "0" + code
    if codes.industry_by_code(code) and code.isdigit() and len(code) in (2, 3, 4):
        return code[:2]
    for ind in codes.industries():
        if text in (ind.name, ind.label):
            return ind.code
    raise ValidationError(f"「{text}」不是 GB/T 4754-2017 的行业大类，请从列表中选择。")


@dataclass(frozen=True)
class FormSchema:
    kind: str
    title: str
    version: int
    fields: tuple[Field, ...]
    groups: tuple[tuple[str, tuple[str, ...]], ...] = field(default=())

    def field(self, key: str) -> Field:
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(key)

    @property
    def keys(self) -> list[str]:
        return [f.key for f in self.fields]

    def validate(
        self, values: Mapping[str, Any], *, refs: Mapping[str, Mapping[str, int]] | None = None
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """Validate every field present in ``values``; returns (clean values, errors by key)."""
        clean: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for f in self.fields:
            if f.key not in values:
                continue
            override = ""
            if f.allow_override_key:
                override = clean_text(values.get(f.allow_override_key, ""))
            try:
                clean[f.key] = f.parse(values[f.key], refs=refs, override=override)
            except ValidationError as exc:
                errors[f.key] = str(exc)
        return clean, errors


ENTERPRISE = FormSchema(
    kind="enterprise",
    title="企业信息",
    version=1,
    fields=(
        Field("name", "企业名称", required=True, max_len=120, note="与营业执照一致的全称"),
        Field("credit_code", "统一社会信用代码", Kind.CREDIT_CODE, required=True,
              note="18位，与营业执照一致；可含小写字母或空格，程序自动整理",
              allow_override_key="credit_code_override", placeholder="如 91500000MA5U7AMQ8X"),
        Field("credit_code_override", "校验位例外原因", Kind.TEXT, max_len=200,
              note="仅当真实代码未通过校验位时填写原因（例如：经核对营业执照原件无误）"),
        Field("district_code", "所在区县", Kind.DISTRICT, required=True, note="重庆市辖区县"),
        Field("address", "地址", max_len=200),
        Field("industry_code", "所属行业", Kind.INDUSTRY, note="GB/T 4754-2017 行业大类，制造业为13–43"),
        Field("main_products", "主要产品", max_len=200),
        Field("park_id", "所在园区", Kind.REF, ref="park", note="所在工业园区名称，不在园区可不填"),
        Field("legal_rep", "法定代表人", max_len=40),
        Field("contact", "联系人", max_len=40),
        Field("phone", "联系电话", Kind.PHONE, note="手机11位，或座机 023-xxxxxxxx"),
        Field("above_scale", "规上企业", Kind.BOOL, note="是否规模以上工业企业：是/否"),
        Field("founded_on", "成立日期", Kind.DATE, note="如 2015-03-01"),
        Field("notes", "备注", Kind.MULTILINE, max_len=2000),
    ),
)

PARK = FormSchema(
    kind="park",
    title="园区信息",
    version=1,
    fields=(
        Field("name", "园区名称", required=True, max_len=120),
        Field("park_type", "园区类型", Kind.CHOICE, required=True, choices=plain_choices(codes.PARK_TYPES),
              note="第六条（一）：经开区、高新区、工业集聚区或市级特色工业园区"),
        Field("approval_level", "批准层级", Kind.CHOICE, choices=plain_choices(codes.APPROVAL_LEVELS),
              note="经国家或市政府批准"),
        Field("district_code", "所在区县", Kind.DISTRICT, required=True),
        Field("managing_body", "管理机构", max_len=120),
        Field("green_staff_count", "绿色发展专职人员数", Kind.INT, minimum=0,
              note="第六条（六）：专门机构的专职工作人员人数"),
        Field("credit_code", "管理机构统一社会信用代码", Kind.CREDIT_CODE,
              allow_override_key=None, note="可不填"),
        Field("notes", "备注", Kind.MULTILINE, max_len=2000),
    ),
)

SCHEMAS = {s.kind: s for s in (ENTERPRISE, PARK)}
