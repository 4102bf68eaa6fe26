"""The yearly indicator forms (年度指标采集表): one row per enterprise (or park) and year, one
column per indicator of the catalogue (resources/rules/indicators.toml, read through
forms.rules.loader.indicator_defs), so a new indicator in the catalogue is a new column in the
blank form and in the importer without code changes.

Stored in long format (models.review.Indicator: subject, year, key → value, unit). The importer
(exports/importers/forms_in.py, IndicatorTarget) matches rows to enterprises by credit code and
to parks by name; the subject must already be registered.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterable

from .fields import Field, FormSchema, Kind

KINDS = {"indicator_enterprise": "enterprise", "indicator_park": "park"}
VERSION = 1


def _defs() -> dict[str, Any]:
    from forms.rules.loader import indicator_defs

    return indicator_defs()


def indicator_field(d: Any) -> Field:
    label = f"{d.label}（{d.unit}）" if d.unit else d.label
    note = "填数字，不带单位"
    if d.unit == "%":
        note = "填百分数的数值，如 95.5 表示 95.5%"
    return Field(d.key, label, Kind.DECIMAL, note=note)


def indicator_schemas() -> dict[str, FormSchema]:
    """The indicator forms, by kind: "indicator_enterprise" and "indicator_park"."""
    try:
        defs = _defs()
    except Exception:  # pragma: no cover - the catalogue is missing or broken
        return {}
    this_year = dt.date.today().year
    year = Field("year", "年度", Kind.INT, required=True, minimum=2000,
                 note=f"指标所属年度，如 {this_year - 1}")
    ent = FormSchema(
        kind="indicator_enterprise", title="企业年度指标", version=VERSION,
        fields=(
            Field("name", "企业名称", required=True, max_len=120, note="与营业执照一致的全称"),
            Field("credit_code", "统一社会信用代码", Kind.CREDIT_CODE, required=True,
                  note="18位，用于确定是哪家企业（须已在区县登记）"),
            year,
            *(indicator_field(d) for d in defs.values() if "enterprise" in d.subjects),
        ),
    )
    park = FormSchema(
        kind="indicator_park", title="园区年度指标", version=VERSION,
        fields=(
            Field("name", "园区名称", required=True, max_len=120, note="须与已登记的园区名称一致"),
            year,
            *(indicator_field(d) for d in defs.values() if "park" in d.subjects),
        ),
    )
    return {ent.kind: ent, park.kind: park}


def indicator_prefill(session: Any, schema: FormSchema, ids: Iterable[int] | str, *, year: int | None) -> list[dict[str, Any]]:
    """Rows for a pre-filled indicator form: each subject with its stored values of ``year``."""
    from sqlalchemy import select

    from models.entities import Enterprise, Park
    from models.review import Indicator

    subject = KINDS[schema.kind]
    model = Enterprise if subject == "enterprise" else Park
    q = select(model).where(model.deleted_at.is_(None)).order_by(model.name)
    if ids != "all":
        q = q.where(model.id.in_(list(ids)))  # type: ignore[arg-type]
    out = []
    col = Indicator.enterprise_id if subject == "enterprise" else Indicator.park_id
    for rec in session.scalars(q):
        row: dict[str, Any] = {"name": rec.name, "year": year}
        if subject == "enterprise":
            row["credit_code"] = rec.credit_code
        if year is not None:
            for key, value in session.execute(select(Indicator.key, Indicator.value).where(
                    col == rec.id, Indicator.year == year, Indicator.deleted_at.is_(None))):
                row[key] = value
        out.append(row)
    return out


def unit_of(key: str) -> str:
    d = _defs().get(key)
    return d.unit if d else ""
