"""The fast paths of a check run give what the plain ones give: the stored-file check for many
files at once (第十条: unchanged since received), the facts' quick constructors, the overrides read
without the ORM, and the cached number and date texts of the evidence."""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import fields
from decimal import Decimal

import pytest

from forms.rules import checks
from models import filestore
from models.review import CheckOverride, MaterialStatus, Outcome
from models.review_facts import (
    ApplicationFacts,
    CertificateFacts,
    MaterialFacts,
    ReportFacts,
    SubjectFacts,
    TitleFacts,
    quick_constructor,
    override_outcomes,
)
from models.stages import SubjectKind, TitleKind


@pytest.fixture
def stored(tmp_path):
    """Five stored files: ok, missing, grown, touched (same bytes), rewritten (same size)."""
    files = tmp_path / "files"
    out = {}
    for name in ("ok", "missing", "grown", "touched", "rewritten"):
        st = filestore.store_bytes(files, f"%PDF-1.4 {name}\n".encode())
        out[name] = (st.sha256, st.size, st.mtime_ns)
    filestore.stored_path(files, out["missing"][0]).unlink()
    p = filestore.stored_path(files, out["grown"][0])
    os.chmod(p, 0o644)
    p.write_bytes(p.read_bytes() + b"x")
    p = filestore.stored_path(files, out["touched"][0])
    st = p.stat()
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    p = filestore.stored_path(files, out["rewritten"][0])
    data = p.read_bytes()
    os.chmod(p, 0o644)
    p.write_bytes(data[:-2] + b"?\n")
    st = p.stat()
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    return files, out


@pytest.mark.parametrize("listing", [False, True], ids=["stat", "folder-listing"])
def test_quick_verify_many_matches_quick_verify_第十条(stored, listing):
    """第十条: every stored file is found ok, missing or changed exactly as the one-by-one check
    finds it, whether sizes and times come from stat or from the shard folders' listing."""
    files, out = stored
    order = ["ok", "missing", "grown", "touched", "rewritten", "ok"]  # a file shared by two materials
    asked = [out[k] for k in order]
    many = filestore.quick_verify_many(files, asked, listing=listing)
    one = [filestore.quick_verify(files, *f) for f in asked]
    assert [i.state for i in many] == ["ok", "missing", "changed", "ok", "changed", "ok"]
    assert many == one
    # the touched file was rehashed and found unchanged: its new time is reported to be stored
    touched = filestore.stored_path(files, out["touched"][0]).stat().st_mtime_ns
    assert many[3].mtime_ns == touched != out["touched"][2]


def test_quick_verify_many_rehashes_a_shared_file_once(stored, monkeypatch):
    files, out = stored
    calls = []
    real = filestore.full_verify
    monkeypatch.setattr(filestore, "full_verify", lambda *a, **k: calls.append(a[1]) or real(*a, **k))
    res = filestore.quick_verify_many(files, [out["touched"]] * 3)
    assert [r.state for r in res] == ["ok"] * 3
    assert calls == [out["touched"][0]]


SAMPLES = {
    SubjectFacts: (SubjectKind.ENTERPRISE, 7, "重庆绿源机械有限公司", "91500112MA5U000001", "", "500112", "34", None,
                   "", "", "", None, dt.date(2009, 8, 15)),
    MaterialFacts: (3, "pledge", "承诺书.pdf", "ab" * 32, 10, "", None, MaterialStatus.ACCEPTED, "", "", None, "ok",
                    "", ""),
    ReportFacts: (5, 1, "评价中心", "R1", dt.date(2026, 4, 1), "GB/T 36132-2018", True, Decimal("88"), "", None, "", ""),
    CertificateFacts: (9, "iso14001", "N1", "CQC", None, dt.date(2028, 1, 1), ""),
}


@pytest.mark.parametrize("cls", list(SAMPLES), ids=lambda c: c.__name__)
def test_quick_constructor_builds_the_same_frozen_object(cls):
    make = quick_constructor(cls)
    values = SAMPLES[cls]
    made, plain = make(*values), cls(*values)
    assert type(made) is cls
    assert made == plain and hash(made) == hash(plain) and repr(made) == repr(plain)
    assert [getattr(made, f.name) for f in fields(cls)] == list(values)
    with pytest.raises(AttributeError):
        made.id = 99  # still frozen


def test_quick_constructor_of_the_application_and_its_title():
    subject = SubjectFacts(*SAMPLES[SubjectFacts])
    title = TitleFacts(1, TitleKind.CITY_FACTORY, 2024, "valid")
    assert quick_constructor(TitleFacts)(*[getattr(title, f.name) for f in fields(TitleFacts)]) == title
    plain = ApplicationFacts(11, 2026, TitleKind.CITY_FACTORY, subject, titles=(title,))
    made = quick_constructor(ApplicationFacts)(*[getattr(plain, f.name) for f in fields(ApplicationFacts)])
    assert type(made) is ApplicationFacts and made == plain and made.materials_of("pledge") == []


def test_override_outcomes_reads_the_newest_live_override_of_each_rule(db):
    from models.pipeline import create_application
    from models.entities import Enterprise

    with db.uow() as uow:
        s = uow.session
        ent = Enterprise(name="重庆绿源机械有限公司", credit_code="91500112MA5U000001", district_code="500112",
                         industry_code="34")
        s.add(ent)
        s.flush()
        app = create_application(s, year=2026, title_kind=TitleKind.CITY_FACTORY, enterprise=ent)
        s.flush()
        s.add_all([
            CheckOverride(application_id=app.id, rule_id="F7-6", outcome=Outcome.PASS, reason="一", user="u"),
            CheckOverride(application_id=app.id, rule_id="F7-6", outcome=Outcome.FAIL, reason="二", user="u"),
            CheckOverride(application_id=app.id, rule_id="F7-8", outcome=Outcome.MANUAL, reason="三", user="u"),
            CheckOverride(application_id=app.id, rule_id="F7-1", outcome=Outcome.PASS, reason="删", user="u",
                          deleted_at=dt.datetime(2026, 1, 1)),
        ])
        s.flush()
        assert override_outcomes(s, [app.id, app.id + 1000]) == {app.id: {"F7-6": Outcome.FAIL, "F7-8": Outcome.MANUAL}}
        assert override_outcomes(s, [app.id + 1000]) == {}


def _fmt_num_as_before(v):
    """fmt_num as it was written first (no short cut)."""
    if v is None:
        return "（未填）"
    d = Decimal(str(v))
    if d == d.to_integral_value():
        return str(d.quantize(Decimal(1)))
    return format(d.normalize(), "f")


@pytest.mark.parametrize("value, text", [
    (Decimal("52000.0000"), "52000"), (Decimal("0.2100"), "0.21"), (Decimal("88"), "88"), (Decimal("-1.50"), "-1.5"),
    (Decimal("1E+3"), "1000"), (Decimal("0E-4"), "0"), (0.2, "0.2"), (92, "92"), (None, "（未填）"),
])
def test_fmt_num_shows_values_as_before(value, text):
    assert checks.fmt_num(value) == text == _fmt_num_as_before(value)


def test_fmt_num_agrees_with_the_plain_formatting_on_odd_values():
    odd = [Decimal("123456789012345678901234567890.5"), Decimal("0.000001"), Decimal("1.23E-7"), Decimal("-0"),
           Decimal("100.000"), Decimal("7.10"), 1e20, 3.0, -2, Decimal("12345678901234567890123456.78")]
    assert [checks.fmt_num(v) for v in odd] == [_fmt_num_as_before(v) for v in odd]


def test_fmt_date_shows_dates_and_blanks():
    assert checks.fmt_date(dt.date(2026, 6, 3)) == "2026年6月3日"
    assert checks.fmt_date(dt.date(2026, 6, 3)) == "2026年6月3日"
    assert checks.fmt_date(None) == "（未填）"
    assert checks.fmt_date(dt.datetime(2026, 6, 3, 12, 0)) == "2026年6月3日"
