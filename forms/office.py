"""The office profile form (district, bureau, document-number prefix, signatory, contact)."""
from __future__ import annotations

from .fields import Field, FormSchema, Kind

PROFILE = FormSchema(
    kind="office_profile",
    title="单位信息",
    version=1,
    fields=(
        Field("district_code", "所在区县", Kind.DISTRICT, required=True, note="GB/T 2260 行政区划"),
        Field("bureau_name", "单位名称", required=True, max_len=80, placeholder="如 重庆市渝北区经济和信息化委员会"),
        Field("doc_prefix", "发文字号前缀", required=True, max_len=20, placeholder="如 渝北经信发",
              note="推荐函文号为：前缀〔年份〕序号号"),
        Field("signatory", "签发人", max_len=40),
        Field("contact_person", "联系人", max_len=40),
        Field("contact_phone", "联系电话", Kind.PHONE),
    ),
)
