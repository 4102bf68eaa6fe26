"""The records of the district's review (初审): materials, third-party reports, certificates,
yearly indicators, the evaluator registry, the dishonesty/incident watch list, and the stored
results of the checks with the overrides people made.

Seed 002_e4cc3ba6cebebc4b.txt 第九、十条 (what the district reviews), 第二十一、二十二条 (the
evaluators). Plain data: no Qt, no rule logic (the rules live in ``forms.rules``).
"""
from __future__ import annotations

import datetime as dt
import enum
import json
from decimal import Decimal
from typing import Any, Optional

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.types import TypeDecorator
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, RecordMixin, now
from .entities import Application, Enterprise, Park, SoftDeleteMixin, str_enum
from .outcomes import OUTCOME_LABELS, OUTCOME_RANK, Outcome, worst_outcome  # noqa: F401  (defined there, re-exported)


class JSONText(TypeDecorator):
    """JSON kept as UTF-8 text (``ensure_ascii=False``): Chinese evidence takes half the
    space of ``\\uXXXX`` escapes, and a run over 2,000 applications writes megabytes less."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    def process_result_value(self, value: str | None, dialect: Any) -> Any:
        return None if value is None else json.loads(value)


# --------------------------------------------------------------------------- enums


class MaterialStatus(str, enum.Enum):
    RECEIVED = "received"  # 已收件，待审核
    ACCEPTED = "accepted"  # 审核通过
    RETURNED = "returned"  # 退回补正 (with a reason)

    @property
    def label(self) -> str:
        return {"received": "待审核", "accepted": "已接收", "returned": "退回补正"}[self.value]


class CertKind(str, enum.Enum):
    """Management-system certificates asked for by 第七条（六）."""

    ISO9001 = "iso9001"
    ISO14001 = "iso14001"
    ISO45001 = "iso45001"
    ISO50001 = "iso50001"  # ISO 50001 or GB/T 23331 (the same energy-management system)

    @property
    def label(self) -> str:
        return CERT_LABELS[self]


CERT_LABELS = {
    CertKind.ISO9001: "质量管理体系认证（ISO 9001）",
    CertKind.ISO14001: "环境管理体系认证（ISO 14001）",
    CertKind.ISO45001: "职业健康安全管理体系认证（ISO 45001）",
    CertKind.ISO50001: "能源管理体系认证（ISO 50001 / GB/T 23331）",
}


# --------------------------------------------------------------------------- records


class Evaluator(RecordMixin, SoftDeleteMixin, Base):
    """A third-party evaluation body (第三方评价机构, 第二十、二十一、二十二条).

    ``list_years`` are the years it is on the municipal list of recommended evaluators
    (第二十一条); ``disqualified_on`` and ``disqualified_reason`` record a 取消评价资格 decision
    (第二十二条).
    """

    __tablename__ = "evaluator"
    name: Mapped[str] = mapped_column(String(120))
    credit_code: Mapped[str] = mapped_column(String(18), default="")
    list_years: Mapped[list[int]] = mapped_column(JSON, default=list)
    disqualified_on: Mapped[Optional[dt.date]] = mapped_column(default=None)
    disqualified_reason: Mapped[str] = mapped_column(Text, default="")
    contact: Mapped[str] = mapped_column(String(80), default="")
    source: Mapped[str] = mapped_column(String(20), default="entered")
    notes: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_evaluator_name", "name"),)

    def disqualified_by(self, day: dt.date) -> bool:
        return self.disqualified_on is not None and self.disqualified_on <= day


class Material(RecordMixin, SoftDeleteMixin, Base):
    """One received file of an application: a copy kept in the file store under its SHA-256.

    ``item_key`` names the checklist item (forms.materials). ``read_error`` says why the file
    could not be opened when it was received (corrupt or encrypted PDF …); ``stored_mtime_ns``
    is the stored copy's modification time when it was last hashed, so a check run rehashes only
    files whose size or time changed.
    """

    __tablename__ = "material"
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"))
    item_key: Mapped[str] = mapped_column(String(40))
    original_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    file_type: Mapped[str] = mapped_column(String(16), default="")
    page_count: Mapped[Optional[int]] = mapped_column(default=None)
    received_on: Mapped[dt.date] = mapped_column(default=dt.date.today)
    received_by: Mapped[str] = mapped_column(String(40), default="")
    status: Mapped[MaterialStatus] = mapped_column(str_enum(MaterialStatus), default=MaterialStatus.RECEIVED)
    status_reason: Mapped[str] = mapped_column(Text, default="")
    status_by: Mapped[str] = mapped_column(String(40), default="")
    status_at: Mapped[Optional[dt.datetime]] = mapped_column(default=None)
    read_error: Mapped[str] = mapped_column(Text, default="")
    stored_mtime_ns: Mapped[int] = mapped_column(BigInteger, default=0)
    verified_at: Mapped[Optional[dt.datetime]] = mapped_column(default=None)
    declared_name: Mapped[str] = mapped_column(String(120), default="")
    declared_credit_code: Mapped[str] = mapped_column(String(18), default="")
    notes: Mapped[str] = mapped_column(Text, default="")

    application: Mapped[Application] = relationship()

    __table_args__ = (
        Index("ix_material_application_id", "application_id"),
        Index("ix_material_sha256", "sha256"),
    )


class ThirdPartyReport(RecordMixin, SoftDeleteMixin, Base):
    """The third-party evaluation report of an application (第九条), as recorded by the clerk.

    ``subject_name`` / ``subject_credit_code`` are the name and code as written on the report
    (compared with the database by the consistency check).
    """

    __tablename__ = "third_party_report"
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"))
    evaluator_id: Mapped[Optional[int]] = mapped_column(ForeignKey("evaluator.id"), default=None)
    evaluator_name: Mapped[str] = mapped_column(String(120), default="")
    report_no: Mapped[str] = mapped_column(String(60), default="")
    report_date: Mapped[Optional[dt.date]] = mapped_column(default=None)
    standard: Mapped[str] = mapped_column(String(120), default="")
    basic_requirements_met: Mapped[Optional[bool]] = mapped_column(default=None)
    score: Mapped[Optional[Decimal]] = mapped_column(default=None)
    highlights: Mapped[str] = mapped_column(String(100), default="")
    self_evaluation_date: Mapped[Optional[dt.date]] = mapped_column(default=None)
    subject_name: Mapped[str] = mapped_column(String(120), default="")
    subject_credit_code: Mapped[str] = mapped_column(String(18), default="")
    notes: Mapped[str] = mapped_column(Text, default="")

    application: Mapped[Application] = relationship()
    evaluator: Mapped[Optional[Evaluator]] = relationship()

    __table_args__ = (
        Index("ix_third_party_report_application_id", "application_id"),
        Index("ix_third_party_report_evaluator_id", "evaluator_id"),
    )


class Certificate(RecordMixin, SoftDeleteMixin, Base):
    """A management-system certificate held by an enterprise or park (第七条（六）)."""

    __tablename__ = "certificate"
    enterprise_id: Mapped[Optional[int]] = mapped_column(ForeignKey("enterprise.id"), default=None)
    park_id: Mapped[Optional[int]] = mapped_column(ForeignKey("park.id"), default=None)
    kind: Mapped[CertKind] = mapped_column(str_enum(CertKind))
    standard: Mapped[str] = mapped_column(String(40), default="")
    number: Mapped[str] = mapped_column(String(80), default="")
    issuer: Mapped[str] = mapped_column(String(120), default="")
    issued_on: Mapped[Optional[dt.date]] = mapped_column(default=None)
    expires_on: Mapped[Optional[dt.date]] = mapped_column(default=None)
    notes: Mapped[str] = mapped_column(Text, default="")

    enterprise: Mapped[Optional[Enterprise]] = relationship()
    park: Mapped[Optional[Park]] = relationship()

    __table_args__ = (
        CheckConstraint("(enterprise_id IS NOT NULL) + (park_id IS NOT NULL) = 1", name="one_subject"),
        Index("ix_certificate_enterprise_id", "enterprise_id"),
        Index("ix_certificate_park_id", "park_id"),
    )


class Indicator(RecordMixin, SoftDeleteMixin, Base):
    """One yearly indicator of an enterprise or park, in long format: (subject, year, key) →
    value and unit. The keys and their labels are data (resources/rules/indicators.toml)."""

    __tablename__ = "indicator"
    enterprise_id: Mapped[Optional[int]] = mapped_column(ForeignKey("enterprise.id"), default=None)
    park_id: Mapped[Optional[int]] = mapped_column(ForeignKey("park.id"), default=None)
    year: Mapped[int]
    key: Mapped[str] = mapped_column(String(40))
    value: Mapped[Decimal]
    unit: Mapped[str] = mapped_column(String(20), default="")
    source: Mapped[str] = mapped_column(String(40), default="")
    notes: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        CheckConstraint("(enterprise_id IS NOT NULL) + (park_id IS NOT NULL) = 1", name="one_subject"),
        Index(
            "uq_indicator_enterprise_live", "enterprise_id", "year", "key",
            unique=True, sqlite_where=text("deleted_at IS NULL AND enterprise_id IS NOT NULL"),
        ),
        Index(
            "uq_indicator_park_live", "park_id", "year", "key",
            unique=True, sqlite_where=text("deleted_at IS NULL AND park_id IS NOT NULL"),
        ),
        # covering (the value, and deleted_at for the WHERE): 称号监管 compares two years inside
        # SQLite, reading no table rows (models.title_list.indicator_report_status)
        Index(
            "ix_indicator_enterprise_value", "enterprise_id", "year", "key", "value", "deleted_at",
            sqlite_where=text("deleted_at IS NULL AND enterprise_id IS NOT NULL"),
        ),
        Index(
            "ix_indicator_park_value", "park_id", "year", "key", "value", "deleted_at",
            sqlite_where=text("deleted_at IS NULL AND park_id IS NOT NULL"),
        ),
    )


class WatchlistEntry(RecordMixin, SoftDeleteMixin, Base):
    """An entry of an imported dishonesty or incident list (失信名单、较大及以上事故通报),
    matched by credit code or name (第七条（三）, 第六条（三）, 第十七条（五）（六）)."""

    __tablename__ = "watchlist_entry"
    name: Mapped[str] = mapped_column(String(120), default="")
    credit_code: Mapped[str] = mapped_column(String(18), default="")
    list_name: Mapped[str] = mapped_column(String(60), default="")
    listed_on: Mapped[Optional[dt.date]] = mapped_column(default=None)
    until: Mapped[Optional[dt.date]] = mapped_column(default=None)
    source: Mapped[str] = mapped_column(String(120), default="")
    notes: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        Index("ix_watchlist_entry_credit_code", "credit_code"),
        Index("ix_watchlist_entry_name", "name"),
    )


class CheckRun(Base):
    """The latest results of the checks on one application (one row per application).

    ``results`` is a list of plain dicts, one per rule, in rule order::

        {"rule_id", "article", "text", "severity", "check", "outcome", "evidence"}

    ``computed_worst`` is the worst computed outcome; ``worst_outcome`` the worst after the
    people's overrides (what the pipeline filter uses).
    """

    __tablename__ = "check_run"
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"), unique=True)
    rule_set: Mapped[str] = mapped_column(String(60), default="")
    rule_set_name: Mapped[str] = mapped_column(String(200), default="")
    as_of: Mapped[dt.date]
    run_at: Mapped[dt.datetime] = mapped_column(default=now)
    run_by: Mapped[str] = mapped_column(String(40), default="")
    computed_worst: Mapped[str] = mapped_column(String(12), default="")
    worst_outcome: Mapped[str] = mapped_column(String(12), default="")
    results: Mapped[list[dict[str, Any]]] = mapped_column(JSONText, default=list)

    __table_args__ = (Index("ix_check_run_worst_outcome", "worst_outcome"),)


class CheckOverride(RecordMixin, SoftDeleteMixin, Base):
    """A person's decision replacing one check's result, with the reason, author and date.

    A new override of the same rule supersedes the old one (which is kept, with ``deleted_at``
    set, as history). ``base_outcome`` is what the program had computed when the person decided.
    """

    __tablename__ = "check_override"
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"))
    rule_id: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[Outcome] = mapped_column(str_enum(Outcome))
    base_outcome: Mapped[str] = mapped_column(String(12), default="")
    reason: Mapped[str] = mapped_column(Text)
    user: Mapped[str] = mapped_column(String(40), default="")
    at: Mapped[dt.datetime] = mapped_column(default=now)

    __table_args__ = (Index("ix_check_override_application_id", "application_id"),)


REVIEW_TABLE_LABELS = {
    "evaluator": "第三方评价机构",
    "material": "申报材料",
    "third_party_report": "第三方评价报告",
    "certificate": "管理体系证书",
    "indicator": "年度指标",
    "watchlist_entry": "失信/事故名单",
    "check_run": "初审检查结果",
    "check_override": "人工改判",
}

# the audit log and its view name these tables in Chinese too
from .entities import TABLE_LABELS as _TABLE_LABELS  # noqa: E402

_TABLE_LABELS.update(REVIEW_TABLE_LABELS)
