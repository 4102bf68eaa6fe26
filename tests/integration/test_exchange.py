"""The exchange file between two PCs (two data folders): everything travels, foreign keys are
remapped by uid, one-sided changes flow, changes on both sides are conflicts (one on every
kind of record), the clerk's choices are kept, and importing twice changes nothing."""
from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import String, Text, select, update

from exports.exchange import (apply_exchange, conflict_rows, exchange_tables, export_exchange, foreign_keys,
                              preview_exchange_file, read_exchange, read_local, uid_maps)
from exports.importers import FileRejected, ImportCancelled, ImportRejected
from models import demo
from models.db import Database
from models.entities import Application, Enterprise
from models.office import get_profile
from .import_helpers import table_counts as counts


def content(db) -> dict[str, dict[str, dict]]:
    """Every exchanged table: uid → values (foreign keys as uids), time stamps left out."""
    tables = exchange_tables()
    with db.uow() as uow:
        ids = uid_maps(uow.session, tables)
        out = {}
        for t in tables:
            rows = read_local(uow.session, t, ids)
            out[t.name] = {u: {k: v for k, v in r.items() if k not in ("created_at", "updated_at")}
                           for u, r in rows.items()}
        return out


def files(db) -> dict[str, str]:
    root = db.files_dir
    if not root.exists():
        return {}
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def two_pcs(tmp_path):
    a = Database.open(tmp_path / "PC-A", user="甲")
    b = Database.open(tmp_path / "PC-B", user="乙")
    demo.generate(a, enterprises=40)
    yield a, b, tmp_path
    a.close()
    b.close()


def sync(src, dst, path: Path, **kw):
    export_exchange(src, path)
    preview = preview_exchange_file(dst, path)
    return preview, apply_exchange(dst, preview, **kw)


def editable_column(table) -> str:
    """A plain text column of ``table`` to edit in the test (notes where there is one)."""
    fks = foreign_keys(table)
    if "notes" in table.c:
        return "notes"
    for c in table.c:
        if c.name in ("uid",) or c.name in fks or not isinstance(c.type, (String, Text)):
            continue
        if type(c.type).__name__ == "Enum":
            continue
        return c.name
    raise AssertionError(f"no text column in {table.name}")


def test_first_exchange_copies_everything_and_a_second_import_changes_nothing(two_pcs):
    a, b, tmp = two_pcs
    assert files(a), "the demo data has attachments"
    path = tmp / "甲-导出.gdx"
    result = export_exchange(a, path)
    assert result.path == path and path.exists()
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        assert manifest["format"] == "greendesk-exchange"
        assert {f["path"] for f in manifest["files"]} == set(files(a))
    assert set(result.tables) == {t.name for t in exchange_tables()}
    preview = preview_exchange_file(b, path)
    assert preview.counts()["conflict"] == 0 and preview.counts()["update"] == 0
    assert preview.take_office
    applied = apply_exchange(b, preview)
    assert applied.backup is not None and applied.office_taken
    assert content(b) == content(a)
    assert files(b) == files(a)
    with b.uow() as uow:
        assert get_profile(uow.session).bureau_name == "重庆市渝北区经济和信息化委员会"
        # ids differ between the PCs, references follow the uids
        app = uow.session.scalars(select(Application).order_by(Application.id.desc())).first()
        app_uid, ent_uid = app.uid, (app.enterprise.uid if app.enterprise else app.park.uid)
    with a.uow() as uow:
        app_a = uow.session.scalars(select(Application).where(Application.uid == app_uid)).one()
        assert (app_a.enterprise.uid if app_a.enterprise else app_a.park.uid) == ent_uid
    before, snapshot = counts(b), content(b)
    again = preview_exchange_file(b, path)
    assert set(again.counts()) and again.counts()["new"] == again.counts()["update"] == again.counts()["conflict"] == 0
    assert not again.changes_anything
    apply_exchange(b, again)
    assert counts(b) == before and content(b) == snapshot


def test_conflicts_on_every_kind_of_record(two_pcs):
    a, b, tmp = two_pcs
    sync(a, b, tmp / "1.gdx")
    tables = [t for t in exchange_tables() if content(a)[t.name]]
    assert {"enterprise", "park", "application", "stage_move", "batch", "title"} <= {t.name for t in tables}
    edited = {}
    for t in tables:
        col = editable_column(t)
        uids = sorted(content(a)[t.name])
        both, only_b = uids[0], uids[-1] if len(uids) > 1 else None
        edited[t.name] = (col, both, only_b)
        with a.uow() as uow:
            uow.session.execute(update(t).where(t.c.uid == both).values({col: "甲改"}))
            uow.commit()
        with b.uow() as uow:
            uow.session.execute(update(t).where(t.c.uid == both).values({col: "乙改"}))
            if only_b:
                uow.session.execute(update(t).where(t.c.uid == only_b).values({col: "只有乙改"}))
            uow.commit()
    export_exchange(b, tmp / "2.gdx")
    preview = preview_exchange_file(a, tmp / "2.gdx")
    conflicts = {i.table: i for i in preview.conflicts}
    assert set(conflicts) == {t.name for t in tables}
    for name, item in conflicts.items():
        col, both, _ = edited[name]
        assert item.uid == both
        assert any(d.column == col and d.local == "甲改" and d.incoming == "乙改" for d in item.diffs), name
    ent = conflicts["enterprise"]
    assert ("备注", "甲改", "乙改") in conflict_rows(ent)  # labelled as the editor labels it
    updates = {i.table: i.uid for i in preview.items if i.action == "update"}
    assert updates == {name: only for name, (_, _, only) in edited.items() if only}

    # nothing is applied while a conflict is undecided
    before = counts(a)
    with pytest.raises(ImportRejected, match="在两台电脑上都被修改过"):
        apply_exchange(a, preview)
    assert counts(a) == before

    # the clerk keeps A's version for half of them and takes B's for the rest
    choices = {}
    for n, (name, item) in enumerate(sorted(conflicts.items())):
        choices[item.index if n % 2 else (item.table, item.uid)] = "incoming" if n % 2 else "local"
    result = apply_exchange(a, preview, choices=choices)
    assert result.conflicts_local + result.conflicts_incoming == len(conflicts)
    after = content(a)
    for n, (name, item) in enumerate(sorted(conflicts.items())):
        col, both, only_b = edited[name]
        assert after[name][both][col] == ("乙改" if n % 2 else "甲改"), name
        if only_b:
            assert after[name][only_b][col] == "只有乙改"

    # the same file again changes nothing
    snapshot, before = content(a), counts(a)
    again = preview_exchange_file(a, tmp / "2.gdx")
    assert again.counts()["conflict"] == again.counts()["update"] == again.counts()["new"] == 0
    apply_exchange(a, again)
    assert content(a) == snapshot and counts(a) == before

    # and back to B: B takes A's decisions, so both PCs hold the same data
    preview_b = preview_exchange_file(b, export_exchange(a, tmp / "3.gdx").path)
    assert preview_b.counts()["conflict"] == 0
    apply_exchange(b, preview_b)
    assert content(b) == content(a)


def test_the_same_enterprise_entered_on_both_pcs_is_one_record(two_pcs):
    a, b, tmp = two_pcs
    sync(a, b, tmp / "1.gdx")
    code = "9150000020286320X6"
    with a.uow() as uow:
        uow.session.add(Enterprise(name="重庆新甲公司", credit_code=code, district_code="500112", contact="甲录"))
        uow.commit()
    with b.uow() as uow:
        e = Enterprise(name="重庆新甲公司", credit_code=code, district_code="500112", contact="乙录")
        uow.session.add(e)
        uow.session.flush()
        from models.pipeline import create_application
        from models.stages import TitleKind

        create_application(uow.session, year=2026, title_kind=TitleKind.CITY_FACTORY, enterprise=e)
        uow.commit()
    preview = preview_exchange_file(a, export_exchange(b, tmp / "2.gdx").path)
    [item] = [i for i in preview.items if i.table == "enterprise" and i.action != "unchanged"]
    assert item.alias and item.action == "conflict"
    assert [(d.column, d.local, d.incoming) for d in item.diffs] == [("contact", "甲录", "乙录")]
    apply_exchange(a, preview, choices={item.index: "incoming"})
    with a.uow() as uow:
        [e] = uow.session.scalars(select(Enterprise).where(Enterprise.credit_code == code)).all()
        assert e.contact == "乙录"
        # B's application of its own record arrived attached to A's record
        app = uow.session.scalars(select(Application).where(Application.enterprise_id == e.id)).one()
        assert app.year == 2026
    # and again: nothing
    again = preview_exchange_file(a, tmp / "2.gdx")
    assert again.counts()["conflict"] == again.counts()["new"] == again.counts()["update"] == 0


def test_a_deletion_travels(two_pcs):
    a, b, tmp = two_pcs
    sync(a, b, tmp / "1.gdx")
    from models.subjects import soft_delete

    with a.uow() as uow:
        ent = uow.session.scalars(select(Enterprise).order_by(Enterprise.id)).first()
        uid = ent.uid
        soft_delete(uow.session, "enterprise", ent.id)
        uow.commit()
    sync(a, b, tmp / "2.gdx")
    with b.uow() as uow:
        e = uow.session.scalars(select(Enterprise).where(Enterprise.uid == uid)).one()
        assert e.deleted_at is not None


def test_cancel_and_failure_leave_database_and_files_alone(two_pcs):
    a, b, tmp = two_pcs
    path = export_exchange(a, tmp / "1.gdx").path
    preview = preview_exchange_file(b, path)
    before, before_files = counts(b), files(b)
    with pytest.raises(ImportCancelled):
        apply_exchange(b, preview, should_stop=lambda: True)
    assert counts(b) == before and files(b) == before_files
    calls = []
    with pytest.raises(ImportCancelled):
        apply_exchange(b, preview, should_stop=lambda: len(calls) > 30 or calls.append(1))
    assert counts(b) == before and files(b) == before_files


def test_a_file_from_a_newer_program_or_damaged_is_refused(two_pcs):
    a, b, tmp = two_pcs
    path = export_exchange(a, tmp / "1.gdx").path
    newer = tmp / "newer.gdx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(newer, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "manifest.json":
                m = json.loads(data)
                m["schema_revision"] = "9999"
                data = json.dumps(m).encode()
            dst.writestr(info, data)
    with pytest.raises(FileRejected) as exc:
        read_exchange(newer)
    assert exc.value.code == "newer_version" and "更新版本的程序" in str(exc.value)
    damaged = tmp / "damaged.gdx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(damaged, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "tables/enterprise.jsonl":
                data = data[: len(data) // 2] + b"\n{broken"
            dst.writestr(info, data)
    with pytest.raises(FileRejected) as exc:
        read_exchange(damaged)
    assert exc.value.code == "damaged"
    assert counts(b)["enterprise"] == 0
