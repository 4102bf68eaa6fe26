"""Document numbers (发文字号) the office issues: 渝北经信发〔2026〕12号.

A number is taken from the ``issued_document`` table: the next free number of that prefix and
year is one more than the highest ever taken. Rows are never deleted, so a number stays used
even when its letter is discarded, and is never given to another letter. An office numbers all
its documents in one series (not only the green-factory letters), so the clerk may also take a
specific number that the series has reached, provided it is not taken yet.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .entities import IssuedDocument


class DocumentNumberError(ValueError):
    """A number that cannot be taken; ``str()`` is a Chinese message for the clerk."""


def format_doc_number(prefix: str, year: int, number: int) -> str:
    """渝北经信发〔2026〕12号 — year in 〔〕, no leading zeros, no 第 (GB/T 9704-2012 7.2.4)."""
    return f"{prefix}〔{year}〕{number}号"


def next_free_number(session: Session, prefix: str, year: int) -> int:
    """The number the next letter of this prefix and year would get (nothing is taken)."""
    top = session.scalar(
        select(func.max(IssuedDocument.number)).where(
            IssuedDocument.prefix == prefix, IssuedDocument.year == year
        )
    )
    return (top or 0) + 1


def is_taken(session: Session, prefix: str, year: int, number: int) -> bool:
    return session.scalar(
        select(func.count()).select_from(IssuedDocument).where(
            IssuedDocument.prefix == prefix, IssuedDocument.year == year, IssuedDocument.number == number
        )
    ) > 0


def allocate_number(
    session: Session,
    prefix: str,
    year: int,
    *,
    title: str = "",
    batch_id: int | None = None,
    issued_on: dt.date | None = None,
    number: int | None = None,
) -> IssuedDocument:
    """Take a document number and record it (flushed, not committed: the caller's unit of work
    commits). ``number=None`` takes the next free one; a given number must be free."""
    prefix = (prefix or "").strip()
    if not prefix:
        raise DocumentNumberError("单位信息中没有填写发文字号前缀（如“渝北经信发”），请先在“单位信息”中填写。")
    if number is None:
        number = next_free_number(session, prefix, year)
    elif number < 1:
        raise DocumentNumberError("文号序号必须是正整数。")
    elif is_taken(session, prefix, year, number):
        raise DocumentNumberError(
            f"文号 {format_doc_number(prefix, year, number)} 已经使用过，不能重复使用。"
            f"下一个可用的序号是 {next_free_number(session, prefix, year)}。"
        )
    doc = IssuedDocument(
        prefix=prefix, year=year, number=number, title=title, batch_id=batch_id,
        issued_on=issued_on, user=str(session.info.get("user", "")),
    )
    session.add(doc)
    try:
        session.flush()
    except IntegrityError as exc:  # another PC took it between our read and write; roll back
        raise DocumentNumberError(
            f"文号 {format_doc_number(prefix, year, number)} 刚被占用，请重新取号。"
        ) from exc
    return doc


def documents_for_batch(session: Session, batch_id: int) -> list[IssuedDocument]:
    """Numbers taken for a batch's letters, newest first."""
    return list(session.scalars(
        select(IssuedDocument).where(IssuedDocument.batch_id == batch_id)
        .order_by(IssuedDocument.id.desc())
    ))


def latest_for_batch(session: Session, batch_id: int) -> IssuedDocument | None:
    docs = documents_for_batch(session, batch_id)
    return docs[0] if docs else None
