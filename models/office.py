"""The office profile (one row) and small settings."""
from __future__ import annotations

from typing import Any, Mapping

from sqlalchemy.orm import Session

from .entities import OfficeProfile, Setting

PROFILE_KEYS = ("district_code", "district_name", "bureau_name", "doc_prefix", "signatory",
                "contact_person", "contact_phone")


def get_profile(session: Session) -> OfficeProfile:
    profile = session.get(OfficeProfile, 1)
    if profile is None:
        profile = OfficeProfile(id=1)
        session.add(profile)
        session.flush()
    return profile


def save_profile(session: Session, values: Mapping[str, Any]) -> OfficeProfile:
    profile = get_profile(session)
    for k in PROFILE_KEYS:
        if k in values and getattr(profile, k) != values[k]:
            setattr(profile, k, values[k])
    session.flush()
    return profile


def get_setting(session: Session, key: str, default: Any = None) -> Any:
    row = session.get(Setting, key)
    return default if row is None else row.value


def set_setting(session: Session, key: str, value: Any) -> None:
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value
    session.flush()


def delete_setting(session: Session, key: str) -> bool:
    """Remove the setting ``key`` (flushed; the caller commits); False if there was none."""
    row = session.get(Setting, key)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True
