"""The kept records: office profile, parks, enterprises, applications and their moves, batches,
titles, settings and the audit log."""
from __future__ import annotations

import datetime as dt
import enum
from typing import Any, Optional

from sqlalchemy import JSON, CheckConstraint, Enum, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, RecordMixin, now
from .labels import TABLE_LABELS  # noqa: F401  (defined there, re-exported)
from .stages import Stage, SubjectKind, TitleKind
# the supervision enums live with the other enums (no SQLAlchemy there), re-exported here
from .stages import ChangeKind, ReReviewOutcome, TitleState  # noqa: F401


def str_enum(cls: type[enum.Enum]) -> Enum:
    """Store an enum by its value in a plain VARCHAR (no CHECK: new values need no migration)."""
    return Enum(
        cls,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda e: [m.value for m in e],
    )


class SoftDeleteMixin:
    """Deleting a record stamps ``deleted_at``; undo clears it. Lists hide deleted records."""

    deleted_at: Mapped[Optional[dt.datetime]] = mapped_column(default=None)


class OfficeProfile(Base):
    """The bureau using this copy of the program (one row, id 1)."""

    __tablename__ = "office_profile"
    id: Mapped[int] = mapped_column(primary_key=True)
    district_code: Mapped[str] = mapped_column(String(8), default="")
    district_name: Mapped[str] = mapped_column(String(40), default="")
    bureau_name: Mapped[str] = mapped_column(String(80), default="")
    doc_prefix: Mapped[str] = mapped_column(String(20), default="")
    signatory: Mapped[str] = mapped_column(String(40), default="")
    contact_person: Mapped[str] = mapped_column(String(40), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(default=now)

    @property
    def is_complete(self) -> bool:
        return bool(self.district_code and self.bureau_name and self.doc_prefix)


class Setting(Base):
    """Small configuration values a clerk can change (column sets, due dates, the user name)."""

    __tablename__ = "setting"
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


class Park(RecordMixin, SoftDeleteMixin, Base):
    __tablename__ = "park"
    name: Mapped[str] = mapped_column(String(120))
    credit_code: Mapped[Optional[str]] = mapped_column(String(18), default=None)
    park_type: Mapped[str] = mapped_column(String(20), default="")
    approval_level: Mapped[str] = mapped_column(String(20), default="")
    district_code: Mapped[str] = mapped_column(String(8), default="")
    managing_body: Mapped[str] = mapped_column(String(120), default="")
    green_staff_count: Mapped[Optional[int]] = mapped_column(default=None)
    notes: Mapped[str] = mapped_column(Text, default="")

    enterprises: Mapped[list["Enterprise"]] = relationship(back_populates="park")

    __table_args__ = (Index("ix_park_name", "name"),)


class Enterprise(RecordMixin, SoftDeleteMixin, Base):
    __tablename__ = "enterprise"
    name: Mapped[str] = mapped_column(String(120))
    credit_code: Mapped[str] = mapped_column(String(18))
    credit_code_override: Mapped[str] = mapped_column(Text, default="")
    district_code: Mapped[str] = mapped_column(String(8), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    industry_code: Mapped[str] = mapped_column(String(4), default="")
    main_products: Mapped[str] = mapped_column(String(200), default="")
    park_id: Mapped[Optional[int]] = mapped_column(ForeignKey("park.id"), default=None)
    legal_rep: Mapped[str] = mapped_column(String(40), default="")
    contact: Mapped[str] = mapped_column(String(40), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    above_scale: Mapped[bool] = mapped_column(default=False)
    founded_on: Mapped[Optional[dt.date]] = mapped_column(default=None)
    notes: Mapped[str] = mapped_column(Text, default="")

    park: Mapped[Optional[Park]] = relationship(back_populates="enterprises")

    __table_args__ = (
        Index("ix_enterprise_name", "name"),
        # One live record per credit code; a deleted one does not block re-entry.
        Index(
            "uq_enterprise_credit_code_live",
            "credit_code",
            unique=True,
            sqlite_where=text("deleted_at IS NULL"),
        ),
    )


class Batch(RecordMixin, SoftDeleteMixin, Base):
    """One year's recommendation set: the unit a letter and a package are made for."""

    __tablename__ = "batch"
    year: Mapped[int]
    name: Mapped[str] = mapped_column(String(120))
    title_kind: Mapped[Optional[TitleKind]] = mapped_column(str_enum(TitleKind), default=None)
    notes: Mapped[str] = mapped_column(Text, default="")

    applications: Mapped[list["Application"]] = relationship(back_populates="batch")


class Application(RecordMixin, SoftDeleteMixin, Base):
    """One subject (enterprise or park) applying for one title in one year."""

    __tablename__ = "application"
    year: Mapped[int]
    title_kind: Mapped[TitleKind] = mapped_column(str_enum(TitleKind))
    subject_kind: Mapped[SubjectKind] = mapped_column(str_enum(SubjectKind))
    enterprise_id: Mapped[Optional[int]] = mapped_column(ForeignKey("enterprise.id"), default=None)
    park_id: Mapped[Optional[int]] = mapped_column(ForeignKey("park.id"), default=None)
    stage: Mapped[Stage] = mapped_column(str_enum(Stage), default=Stage.CULTIVATING)
    stage_changed_at: Mapped[dt.datetime] = mapped_column(default=now)
    batch_id: Mapped[Optional[int]] = mapped_column(ForeignKey("batch.id"), default=None)
    review_outcome: Mapped[str] = mapped_column(String(20), default="")
    review_opinion: Mapped[str] = mapped_column(Text, default="", server_default="")
    carried_from_id: Mapped[Optional[int]] = mapped_column(ForeignKey("application.id"), default=None)
    notes: Mapped[str] = mapped_column(Text, default="")

    enterprise: Mapped[Optional[Enterprise]] = relationship()
    park: Mapped[Optional[Park]] = relationship()
    batch: Mapped[Optional[Batch]] = relationship(back_populates="applications")
    moves: Mapped[list["StageMove"]] = relationship(
        back_populates="application", order_by="StageMove.id", cascade="all, delete-orphan"
    )

    __table_args__ = (
        CheckConstraint(
            "(enterprise_id IS NOT NULL) + (park_id IS NOT NULL) = 1", name="one_subject"
        ),
        Index("ix_application_year_stage", "year", "stage"),
        Index("ix_application_enterprise_id", "enterprise_id"),
        Index("ix_application_park_id", "park_id"),
    )

    @property
    def subject(self) -> Enterprise | Park:
        return self.enterprise if self.enterprise is not None else self.park  # type: ignore[return-value]

    @property
    def subject_name(self) -> str:
        s = self.subject
        return s.name if s is not None else ""


class StageMove(Base):
    """One move of an application between stages: when, who, why."""

    __tablename__ = "stage_move"
    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"))
    from_stage: Mapped[Optional[Stage]] = mapped_column(str_enum(Stage))
    to_stage: Mapped[Stage] = mapped_column(str_enum(Stage))
    at: Mapped[dt.datetime] = mapped_column(default=now)
    user: Mapped[str] = mapped_column(String(40), default="")
    reason: Mapped[str] = mapped_column(Text, default="")

    application: Mapped[Application] = relationship(back_populates="moves")

    __table_args__ = (Index("ix_stage_move_application_id", "application_id"),)


class Title(RecordMixin, SoftDeleteMixin, Base):
    """A title held by a subject: 市级绿色工厂 2024, 渝经信节能〔2024〕N号, valid."""

    __tablename__ = "title"
    title_kind: Mapped[TitleKind] = mapped_column(str_enum(TitleKind))
    enterprise_id: Mapped[Optional[int]] = mapped_column(ForeignKey("enterprise.id"), default=None)
    park_id: Mapped[Optional[int]] = mapped_column(ForeignKey("park.id"), default=None)
    year: Mapped[int]
    doc_number: Mapped[str] = mapped_column(String(60), default="")
    recognised_on: Mapped[Optional[dt.date]] = mapped_column(default=None)
    state: Mapped[TitleState] = mapped_column(str_enum(TitleState), default=TitleState.VALID)
    source: Mapped[str] = mapped_column(String(20), default="entered")
    application_id: Mapped[Optional[int]] = mapped_column(ForeignKey("application.id"), default=None)
    revoked_on: Mapped[Optional[dt.date]] = mapped_column(default=None)
    revocation_cause: Mapped[str] = mapped_column(String(20), default="")
    revocation_doc: Mapped[str] = mapped_column(String(60), default="")
    notes: Mapped[str] = mapped_column(Text, default="")

    enterprise: Mapped[Optional[Enterprise]] = relationship()
    park: Mapped[Optional[Park]] = relationship()

    __table_args__ = (
        CheckConstraint(
            "(enterprise_id IS NOT NULL) + (park_id IS NOT NULL) = 1", name="one_subject"
        ),
        Index("ix_title_enterprise_id", "enterprise_id"),
        Index("ix_title_park_id", "park_id"),
    )


class AuditEntry(Base):
    """Who changed what and when, with the record before and after."""

    __tablename__ = "audit_entry"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=now)
    user: Mapped[str] = mapped_column(String(40), default="")
    action: Mapped[str] = mapped_column(String(12))  # insert / update / delete / restore
    table_name: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[Optional[int]]
    record_uid: Mapped[Optional[str]] = mapped_column(String(32))
    summary: Mapped[str] = mapped_column(String(200), default="")
    before: Mapped[Optional[dict]] = mapped_column(JSON, default=None)
    after: Mapped[Optional[dict]] = mapped_column(JSON, default=None)

    __table_args__ = (
        Index("ix_audit_entry_at", "at"),
        Index("ix_audit_entry_table_record", "table_name", "record_id"),
    )


class IssuedDocument(RecordMixin, Base):
    """A document number the office has used (推荐函 文号): numbers are never reused, so a
    number once allocated stays here even if the letter is discarded."""

    __tablename__ = "issued_document"
    prefix: Mapped[str] = mapped_column(String(20))
    year: Mapped[int]
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(200), default="")
    batch_id: Mapped[Optional[int]] = mapped_column(ForeignKey("batch.id"), default=None)
    issued_on: Mapped[Optional[dt.date]] = mapped_column(default=None)
    user: Mapped[str] = mapped_column(String(40), default="")

    __table_args__ = (
        Index("uq_issued_document_prefix_year_number", "prefix", "year", "number", unique=True),
    )

    @property
    def doc_number(self) -> str:
        """渝北经信发〔2026〕12号 — year in 〔〕, no leading zeros, no 第 (GB/T 9704-2012 7.2.4)."""
        return f"{self.prefix}〔{self.year}〕{self.number}号"


# --------------------------------------------------------------------------- supervision (issue 6)


class TitleChange(RecordMixin, SoftDeleteMixin, Base):
    """A renaming or restructuring of a title holder: the date its formalities were completed,
    the report's due date (30 working days later, 第十九条) and the date it was reported."""

    __tablename__ = "title_change"
    kind: Mapped[ChangeKind] = mapped_column(str_enum(ChangeKind))
    enterprise_id: Mapped[Optional[int]] = mapped_column(ForeignKey("enterprise.id"), default=None)
    park_id: Mapped[Optional[int]] = mapped_column(ForeignKey("park.id"), default=None)
    title_id: Mapped[Optional[int]] = mapped_column(ForeignKey("title.id"), default=None)
    completed_on: Mapped[dt.date]
    due_on: Mapped[dt.date]
    due_fallback: Mapped[bool] = mapped_column(default=False)
    old_name: Mapped[str] = mapped_column(String(120), default="")
    new_name: Mapped[str] = mapped_column(String(120), default="")
    reported_on: Mapped[Optional[dt.date]] = mapped_column(default=None)
    doc: Mapped[str] = mapped_column(String(60), default="")
    notes: Mapped[str] = mapped_column(Text, default="")

    enterprise: Mapped[Optional[Enterprise]] = relationship()
    park: Mapped[Optional[Park]] = relationship()
    title: Mapped[Optional[Title]] = relationship()

    __table_args__ = (
        CheckConstraint(
            "(enterprise_id IS NOT NULL) + (park_id IS NOT NULL) = 1", name="one_subject"
        ),
        Index("ix_title_change_enterprise_id", "enterprise_id"),
        Index("ix_title_change_park_id", "park_id"),
    )

    @property
    def name(self) -> str:
        """For the audit log: 「甲公司 → 乙公司」."""
        if self.old_name and self.new_name and self.old_name != self.new_name:
            return f"{self.old_name} → {self.new_name}"
        return self.new_name or self.old_name or ""


class TitleReview(RecordMixin, SoftDeleteMixin, Base):
    """A re-review (复审) of a title, 第十六条: when it is scheduled, when it was held, the outcome.
    A failed one is a cause of revocation (第十七条（二）)."""

    __tablename__ = "title_review"
    title_id: Mapped[int] = mapped_column(ForeignKey("title.id"))
    scheduled_on: Mapped[dt.date]
    held_on: Mapped[Optional[dt.date]] = mapped_column(default=None)
    outcome: Mapped[ReReviewOutcome] = mapped_column(str_enum(ReReviewOutcome), default=ReReviewOutcome.PENDING)
    doc: Mapped[str] = mapped_column(String(60), default="")
    notes: Mapped[str] = mapped_column(Text, default="")

    title: Mapped[Title] = relationship()

    __table_args__ = (Index("ix_title_review_title_id", "title_id"),)

