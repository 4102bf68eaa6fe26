"""The exchange file (.gdx): the whole office's data and attached files, from one PC to another
(or from last year's machine), merged without losing either side's changes.

::

    export_exchange(db, "渝北区-2026-06-30.gdx")                 # on PC A
    xf = read_exchange(path)                                     # on PC B: checked, not applied
    preview = preview_exchange(session, xf)                      # new / update / keep / conflict
    preview.conflicts                                            # side by side, field by field
    apply_exchange(db, preview, choices={i: "incoming"}, ...)    # backup + one transaction

The file is a ZIP: ``manifest.json`` (format, schema revision, the exporting PC, the office,
table row counts, every attached file with its SHA-256), ``tables/<table>.jsonl`` (one record a
line, by its stable ``uid``; foreign keys written as the referenced record's uid, since ids differ
between PCs) and ``files/...`` (the attachment store under DATA_DIR/files). Every table of
``models.base.Base.metadata`` that has a ``uid`` column is exchanged, so tables added later
travel without changes here.

Merging compares content hashes (every column but id and the time stamps) with what each side
has seen (models.sync.SyncRecord: the hashes a record had at each export and import):

* not here → added (or, when a local record has the same natural key — the same live credit
  code, the same document number — taken as that record: equal, or a conflict);
* same content → unchanged;
* the incoming version was seen here before → ours is newer: kept;
* our version was seen by the other PC → theirs is newer: updated;
* neither → both changed it since the last exchange: a **conflict**, shown side by side; the
  clerk chooses per record ("local" / "incoming"), or a default applies.

Importing the same file twice changes nothing the second time. Deletions travel as the
``deleted_at`` stamp (soft delete). The office profile is taken only when this PC has none yet.
"""
from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
import os
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Iterable, Iterator, Mapping

from sqlalchemy import JSON, Boolean, Date, DateTime, Enum, Integer, Numeric, Table, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .importers.errors import FileRejected, ImportRejected, Issue, Progress
from .importers.safety import EXCHANGE_FORMAT, inspect_file, unsafe_member

FORMAT_VERSION = 1
SUFFIX = ".gdx"
SKIP_COLUMNS = frozenset({"id", "uid"})
NOT_CONTENT = frozenset({"id", "uid", "created_at", "updated_at"})
EXCLUDED_TABLES = frozenset({"sync_record"})
SETTING_PEER = "sync.peer_id"
ACTION_LABELS = {"new": "新增", "update": "更新", "unchanged": "无变化", "keep_local": "保留本机（本机较新）",
                 "conflict": "冲突"}


# --------------------------------------------------------------------------- tables and values


def exchange_tables() -> list[Table]:
    """Every table with a ``uid`` column, parents before children."""
    import models.entities  # noqa: F401
    import models.sync  # noqa: F401

    try:
        import models.review  # noqa: F401
    except ImportError:  # pragma: no cover
        pass
    from models.base import Base

    return [t for t in Base.metadata.sorted_tables if "uid" in t.c and t.name not in EXCLUDED_TABLES]


def foreign_keys(table: Table) -> dict[str, str]:
    """column name → referenced table name, for references to exchanged tables (by id)."""
    out = {}
    for fk in table.foreign_keys:
        ref = fk.column.table
        if "uid" in ref.c and fk.column.name == "id":
            out[fk.parent.name] = ref.name
    return out


def to_json(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def from_json(column: Any, value: Any) -> Any:
    """A JSON value back to what the column stores."""
    if value is None:
        return None
    t = column.type
    if isinstance(t, Enum):
        enum_class = getattr(t, "enum_class", None)
        return enum_class(value) if enum_class is not None else value
    if isinstance(t, DateTime):
        return dt.datetime.fromisoformat(value)
    if isinstance(t, Date):
        return dt.date.fromisoformat(value)
    if isinstance(t, Numeric) and not isinstance(t, Integer):
        return Decimal(str(value))
    if isinstance(t, Boolean):
        return bool(value)
    if isinstance(t, Integer):
        return int(value)
    if isinstance(t, JSON):
        return value
    return value


def content_hash(values: Mapping[str, Any]) -> str:
    """The hash of a record's content: every column except id, uid and the time stamps."""
    return hash_content({k: v for k, v in values.items() if k not in NOT_CONTENT})


def hash_content(content: Mapping[str, Any]) -> str:
    """content_hash of values that already leave out id, uid and the time stamps."""
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


def uid_maps(session: Session, tables: Iterable[Table]) -> dict[str, dict[int, str]]:
    out = {}
    for t in tables:
        out[t.name] = dict(session.execute(select(t.c.id, t.c.uid)).all())
    return out


def _converter(column: Any, fk_ids: Mapping[int, str] | None) -> Callable[[Any], Any] | None:
    """How one column's stored value becomes JSON (None: as it is)."""
    if fk_ids is not None:
        return lambda v: fk_ids.get(v) if v is not None else None
    t = column.type
    if isinstance(t, Enum):
        return lambda v: v.value if isinstance(v, enum.Enum) else v
    if isinstance(t, (Date, DateTime)):
        return lambda v: v.isoformat() if v is not None else None
    if isinstance(t, Numeric) and not isinstance(t, Integer):
        return lambda v: str(v) if v is not None else None
    return None


def local_rows(session: Session, table: Table, ids: Mapping[str, Mapping[int, str]]
               ) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(uid, content, time stamps) of every row of ``table``: JSON-ready, foreign keys as uids;
    content is every column but id, uid and the time stamps."""
    fks = foreign_keys(table)
    cols = [c for c in table.c if c.name not in SKIP_COLUMNS]
    convs = [_converter(c, ids[fks[c.name]] if c.name in fks else None) for c in cols]
    names = [c.name for c in cols]
    stamp = [n in NOT_CONTENT for n in names]
    q = select(table.c.uid, *cols)
    for row in session.execute(q):
        content: dict[str, Any] = {}
        stamps: dict[str, Any] = {}
        for name, conv, is_stamp, v in zip(names, convs, stamp, row[1:]):
            if conv is not None:
                v = conv(v)
            if is_stamp:
                stamps[name] = v
            else:
                content[name] = v
        yield row[0], content, stamps


def read_local(session: Session, table: Table, ids: Mapping[str, Mapping[int, str]]) -> dict[str, dict[str, Any]]:
    """uid → values (JSON-ready, foreign keys as uids, time stamps included) of every row."""
    return {uid: {**content, **stamps} for uid, content, stamps in local_rows(session, table, ids)}


def peer_id(session: Session) -> str:
    """This PC's id in exchange files (made on first use)."""
    from models.base import new_uid
    from models.office import get_setting, set_setting

    pid = get_setting(session, SETTING_PEER)
    if not pid:
        pid = new_uid()
        set_setting(session, SETTING_PEER, pid)
    return pid


# --------------------------------------------------------------------------- export


@dataclass
class ExportResult:
    path: Path
    tables: dict[str, int]
    files: int
    bytes: int


_STORED = (".pdf", ".jpg", ".jpeg", ".png", ".zip", ".docx", ".xlsx", ".ofd", ".tif", ".tiff", ".gz", ".7z", ".rar")


def export_exchange(
    db: Any,
    path: Path | str,
    *,
    progress: Callable[[int, int, str], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> ExportResult:
    """Write the whole office's data and the attachment store to ``path`` (.gdx). Records the
    exported versions as seen (models.sync), so a later merge knows what the other PC got."""
    from models.db import APP_VERSION
    from models.migrations import HEAD
    from models.office import get_profile
    from models.sync import add_history, load_history

    path = Path(path)
    if path.suffix.lower() != SUFFIX:
        path = path.with_name(path.name + SUFFIX)
    prog = Progress(progress, should_stop)
    tables = exchange_tables()
    files = list(_store_files(db.files_dir))
    tmp = path.with_name(path.name + ".part")
    counts: dict[str, int] = {}
    seen: list[tuple[str, str, list[str], None]] = []
    with db.uow() as uow:
        s = uow.session
        me = peer_id(s)
        history = load_history(s)
        ids = uid_maps(s, tables)
        profile = get_profile(s)
        office = {k: getattr(profile, k) for k in ("district_code", "district_name", "bureau_name", "doc_prefix",
                                                   "signatory", "contact_person", "contact_phone")}
        total = len(tables) + len(files)
        try:
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
                for n, t in enumerate(tables):
                    prog.report(n, total, f"正在导出{_label(t.name)}")
                    n_rows = 0
                    with zf.open(f"tables/{t.name}.jsonl", "w") as out:
                        buf: list[str] = []
                        for uid, content, stamps in local_rows(s, t, ids):
                            text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                                              default=str)
                            h = hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()
                            hist, _alias = history.get((t.name, uid), ([], None))
                            head = json.dumps({"uid": uid, "h": h, "hist": [x for x in hist if x != h][-20:],
                                               "t": stamps}, ensure_ascii=False, separators=(",", ":"))
                            buf.append(f'{head[:-1]},"v":{text}}}\n')
                            seen.append((t.name, uid, [h], None))
                            n_rows += 1
                            if len(buf) >= 2000:
                                out.write("".join(buf).encode("utf-8"))
                                buf.clear()
                        out.write("".join(buf).encode("utf-8"))
                    counts[t.name] = n_rows
                manifest_files = []
                for n, (rel, full) in enumerate(files):
                    prog.report(len(tables) + n, total, f"正在导出附件 {n + 1}/{len(files)}")
                    digest = _sha256(full)
                    size = full.stat().st_size
                    ctype = zipfile.ZIP_STORED if full.suffix.lower() in _STORED or _looks_hashed(rel) else zipfile.ZIP_DEFLATED
                    zf.write(full, f"files/{rel}", compress_type=ctype)
                    manifest_files.append({"path": rel, "sha256": digest, "size": size})
                manifest = {
                    "format": EXCHANGE_FORMAT,
                    "format_version": FORMAT_VERSION,
                    "schema_revision": HEAD,
                    "app_version": APP_VERSION,
                    "created_at": dt.datetime.now().replace(microsecond=0).isoformat(),
                    "peer": me,
                    "user": s.info.get("user", ""),
                    "office": office,
                    "tables": {t.name: {"rows": counts[t.name], "columns": [c.name for c in t.c if c.name != "id"]}
                               for t in tables},
                    "files": manifest_files,
                }
                zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
            prog.check()
            add_history(s, seen, history)
            os.replace(tmp, path)
            uow.commit()
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    return ExportResult(path, counts, len(files), path.stat().st_size)


def _looks_hashed(rel: str) -> bool:
    name = PurePosixPath(rel).name
    return len(name) == 64 and all(c in "0123456789abcdef" for c in name)


def _store_files(files_dir: Path) -> Iterator[tuple[str, Path]]:
    if not files_dir.is_dir():
        return
    for p in sorted(files_dir.rglob("*")):
        if p.is_file() and not p.name.endswith((".part", ".tmp")) and not p.name.startswith("."):
            yield p.relative_to(files_dir).as_posix(), p


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1024 * 1024), b""):
            h.update(chunk)
    return h.hexdigest()


def _label(table: str) -> str:
    from models.sync import table_label

    return table_label(table)


# --------------------------------------------------------------------------- reading a file


@dataclass
class ExchangeFile:
    path: Path
    manifest: dict[str, Any]
    rows: dict[str, list[dict[str, Any]]]  # table → [{"uid", "h", "hist", "v"}]

    @property
    def office(self) -> dict[str, Any]:
        return self.manifest.get("office") or {}

    @property
    def files(self) -> list[dict[str, Any]]:
        return self.manifest.get("files") or []

    @property
    def created_at(self) -> str:
        return str(self.manifest.get("created_at", ""))


def read_exchange(path: Path | str) -> ExchangeFile:
    """Check and read an exchange file (nothing is changed). FileRejected with the reason when
    it is not one, is damaged, or was written by a newer program."""
    from models.migrations import REVISIONS

    path = Path(path)
    kind = inspect_file(path)
    if kind != "exchange":
        raise FileRejected(path, "not_exchange", "不是本程序导出的交换文件。")
    try:
        with zipfile.ZipFile(path) as zf:
            manifest = json.loads(zf.read("manifest.json").decode("utf-8"))
            if int(manifest.get("format_version", 0)) > FORMAT_VERSION or \
                    manifest.get("schema_revision") not in REVISIONS:
                raise FileRejected(path, "newer_version",
                                   f"交换文件由更新版本的程序导出（数据结构版本 {manifest.get('schema_revision')}），"
                                   "本程序无法合并。请先在本机安装最新版本的程序。")
            rows: dict[str, list[dict[str, Any]]] = {}
            names = set(zf.namelist())
            for table in manifest.get("tables", {}):
                member = f"tables/{table}.jsonl"
                if member not in names:
                    raise FileRejected(path, "damaged", f"交换文件缺少数据「{member}」，可能已损坏。请重新导出。")
                items = []
                with zf.open(member) as f:
                    for n, line in enumerate(f, start=1):
                        if not line.strip():
                            continue
                        item = json.loads(line)
                        if not isinstance(item, dict) or not isinstance(item.get("v"), dict) or not item.get("uid"):
                            raise FileRejected(path, "damaged", f"交换文件数据「{member}」第{n}行格式不对，可能已损坏。")
                        items.append(item)
                rows[table] = items
            for f in manifest.get("files", []):
                rel = str(f.get("path", ""))
                if unsafe_member(rel) or f"files/{rel}" not in names:
                    raise FileRejected(path, "damaged", f"交换文件中的附件「{rel}」缺失或路径不安全。")
    except FileRejected:
        raise
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, UnicodeDecodeError) as exc:
        raise FileRejected(path, "damaged", f"交换文件已损坏，无法读取（{exc}）。请重新导出后再导入。") from None
    return ExchangeFile(path, manifest, rows)


# --------------------------------------------------------------------------- preview


@dataclass
class FieldDiff:
    column: str
    label: str
    local: Any
    incoming: Any


@dataclass
class MergeItem:
    index: int
    table: str
    uid: str  # the incoming record's uid
    action: str  # new / update / unchanged / keep_local / conflict
    name: str  # what a clerk recognises: 企业「…」
    local_uid: str | None = None  # the local record (differs from uid for an alias)
    local_id: int | None = None
    incoming: dict[str, Any] = field(default_factory=dict)
    local: dict[str, Any] | None = None
    diffs: list[FieldDiff] = field(default_factory=list)
    incoming_hash: str = ""
    local_hash: str = ""
    alias: bool = False  # the local record has another uid (same natural key, or same content)
    adopt: bool = False  # … and takes the incoming uid (it never left this PC under its own)

    @property
    def action_label(self) -> str:
        return ACTION_LABELS[self.action]


@dataclass
class MergePreview:
    file: ExchangeFile
    items: list[MergeItem] = field(default_factory=list)
    new_files: list[dict[str, Any]] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    take_office: bool = False

    def counts(self) -> dict[str, int]:
        out = {a: 0 for a in ACTION_LABELS}
        for i in self.items:
            out[i.action] += 1
        return out

    def counts_by_table(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for i in self.items:
            out.setdefault(i.table, {a: 0 for a in ACTION_LABELS})[i.action] += 1
        return out

    @property
    def conflicts(self) -> list[MergeItem]:
        return [i for i in self.items if i.action == "conflict"]

    @property
    def changes_anything(self) -> bool:
        return any(i.action in ("new", "update", "conflict") for i in self.items) or bool(self.new_files) \
            or self.take_office


def _labels_for(table: str) -> dict[str, str]:
    from exports.xlsx_forms import form_schemas

    out: dict[str, str] = {}
    for schema in form_schemas().values():
        if schema.kind == table:
            out.update({f.key: f.label for f in schema.fields})
    return out


def _natural_keys(table: Table) -> list[tuple[tuple[str, ...], bool]]:
    """Unique keys other than id/uid: (columns, live rows only)."""
    out = []
    for idx in table.indexes:
        if not idx.unique:
            continue
        cols = tuple(c.name for c in idx.columns)
        if cols in (("uid",), ("id",)):
            continue
        where = idx.dialect_options["sqlite"].get("where") if "sqlite" in idx.dialect_options else None
        out.append((cols, where is not None))
    for cons in table.constraints:
        cols = tuple(c.name for c in getattr(cons, "columns", []))
        if type(cons).__name__ == "UniqueConstraint" and cols not in (("uid",), ("id",)):
            out.append((cols, False))
    return out


def _record_name(table: str, values: Mapping[str, Any], names: Mapping[str, str]) -> str:
    label = _label(table)
    for k in ("name", "original_name", "title", "bureau_name"):
        if values.get(k):
            return f"{label}「{values[k]}」"
    subject = names.get(values.get("enterprise_id") or "") or names.get(values.get("park_id") or "")
    if not subject and values.get("application_id"):
        subject = names.get(values["application_id"], "")
    extra = " ".join(str(values[k]) for k in ("year", "key", "doc_number", "item_key", "to_stage") if values.get(k))
    return f"{label}「{(subject + ' ' if subject else '') + extra}」" if (subject or extra) else label


def preview_exchange(
    session: Session,
    xf: ExchangeFile,
    *,
    files_dir: Path | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> MergePreview:
    """Compare the file with this database, record by record, and the file's attachments with
    the store in ``files_dir`` (DATA_DIR/files). Changes nothing."""
    from models.office import get_profile
    from models.sync import load_history

    prog = Progress(progress, should_stop)
    preview = MergePreview(xf)
    tables = {t.name: t for t in exchange_tables()}
    history = load_history(session)
    ids = uid_maps(session, tables.values())
    for t in xf.rows:
        if t not in tables:
            preview.issues.append(Issue(xf.path.name, "", None, "", "", t,
                                        f"本程序没有数据表「{t}」，其中的记录将被忽略。", "warning"))
    # names for display: subjects and applications, local and incoming
    names: dict[str, str] = {}
    locals_: dict[str, dict[str, tuple[dict[str, Any], dict[str, Any]]]] = {}
    for tname in ("park", "enterprise", "evaluator", "application"):
        if tname in tables:
            locals_[tname] = {u: (c, st) for u, c, st in local_rows(session, tables[tname], ids)}
    for tname in ("park", "enterprise", "evaluator"):
        for uid, (c, _st) in locals_.get(tname, {}).items():
            names[uid] = str(c.get("name") or "")
        for item in xf.rows.get(tname, []):
            names.setdefault(item["uid"], str(item["v"].get("name") or ""))
    for uid, (c, _st) in locals_.get("application", {}).items():
        names[uid] = names.get(c.get("enterprise_id") or "", "") or names.get(c.get("park_id") or "", "")
    for item in xf.rows.get("application", []):
        v = item["v"]
        names.setdefault(item["uid"], names.get(v.get("enterprise_id") or "", "") or names.get(v.get("park_id") or "", ""))
    aliases: dict[str, str] = {uid: alias for (_t, uid), (_h, alias) in history.items() if alias}
    total = sum(len(xf.rows.get(t, [])) for t in tables)
    done = 0
    for tname, table in tables.items():
        incoming = xf.rows.get(tname, [])
        if not incoming:
            continue
        label = _label(tname)
        local = locals_.get(tname)
        if local is None:
            local = {u: (c, st) for u, c, st in local_rows(session, table, ids)}
        local_hash: dict[str, str] = {}

        def lhash(uid: str) -> str:
            h = local_hash.get(uid)
            if h is None:
                h = local_hash[uid] = hash_content(local[uid][0])
            return h

        local_ids = {uid: rid for rid, uid in ids[tname].items()}
        labels = _labels_for(tname)
        fks = foreign_keys(table)
        content_cols = {c.name for c in table.c if c.name not in NOT_CONTENT}
        stamp_cols = {c.name for c in table.c if c.name in NOT_CONTENT} - SKIP_COLUMNS
        nat = _natural_keys(table)
        nat_index: list[dict[tuple, str]] | None = None
        orphans: dict[str, list[str]] | None = None  # content hash → local uids the file lacks
        incoming_uids = {item["uid"] for item in incoming}
        for item in incoming:
            done += 1
            prog.tick(done, total, f"正在比较{label}")
            uid = item["uid"]
            raw = item["v"]
            # columns this program does not know (a file from a later version) are left out
            content = raw if raw.keys() <= content_cols else {k: v for k, v in raw.items() if k in content_cols}
            stamps = {k: v for k, v in (item.get("t") or {}).items() if k in stamp_cols}
            ih = hash_content(content)  # computed here: a file's own claim is not trusted
            local_uid = aliases.get(uid, uid)
            alias = local_uid != uid
            if local_uid not in local:
                # the same thing created on both PCs independently? (same natural key)
                if nat and nat_index is None:
                    nat_index = _build_nat_index(nat, local)
                translated = {k: (aliases.get(v, v) if k in fks and isinstance(v, str) else v) for k, v in content.items()}
                for (cols, live_only), index in zip(nat, nat_index or []):
                    if live_only and translated.get("deleted_at") is not None:
                        continue
                    key = tuple(translated.get(c) for c in cols)
                    if all(k is not None for k in key) and key in index:
                        local_uid, alias = index[key], True
                        aliases[uid] = local_uid
                        break
            if local_uid not in local:
                # the very same content under another uid (rows both programs seeded, a record
                # typed identically on both PCs): the same record
                if orphans is None:
                    orphans = {}
                    taken = set(aliases.values())
                    for luid in local:
                        if luid not in incoming_uids and luid not in taken:
                            orphans.setdefault(lhash(luid), []).append(luid)
                twins = orphans.get(ih)
                if twins:
                    local_uid, alias = twins.pop(), True
                    aliases[uid] = local_uid
            mi = MergeItem(len(preview.items), tname, uid, "new", label, incoming={**content, **stamps},
                           incoming_hash=ih, alias=alias, local_uid=local_uid)
            preview.items.append(mi)
            if local_uid not in local:
                mi.name = _record_name(tname, content, names)
                continue
            lv = local[local_uid][0]
            if lv == content:  # the common case: nothing to hash twice
                local_hash[local_uid] = ih
            lh = lhash(local_uid)
            hist = history.get((tname, local_uid), ([], None))[0]
            mi.local_id, mi.local_hash = local_ids.get(local_uid), lh
            mi.adopt = alias and (tname, local_uid) not in history
            if lh == ih or (alias and _same_content(lv, content, fks, aliases)):
                mi.action = "unchanged"
                continue
            mi.local = {**lv, **local[local_uid][1]}
            ihist = set(item.get("hist") or ())
            if ih in hist:
                mi.action = "keep_local"
            elif lh in ihist:
                mi.action = "update"
            else:
                mi.action = "conflict"
            mi.name = _record_name(tname, content, names)
            for c in table.c:
                if c.name not in content:
                    continue
                a, b = lv.get(c.name), content.get(c.name)
                if c.name in fks:
                    b = aliases.get(b, b) if isinstance(b, str) else b
                    if a == b:
                        continue
                    a_text, b_text = names.get(a or "", a), names.get(b or "", b)
                elif a == b:
                    continue
                else:
                    a_text, b_text = a, b
                mi.diffs.append(FieldDiff(c.name, labels.get(c.name, c.name), a_text, b_text))
    # attachments: what is missing here
    for f in xf.files:
        target = files_dir / f["path"] if files_dir else None
        if target is None or not target.exists():
            preview.new_files.append(f)
        elif target.stat().st_size != f.get("size"):
            preview.issues.append(Issue(xf.path.name, "", None, "", "", f["path"],
                                        "本机已有同名附件但内容不同，保留本机的文件。", "warning"))
    profile = get_profile(session)
    preview.take_office = not profile.is_complete and bool(xf.office.get("bureau_name"))
    mine = profile.district_code
    theirs = xf.office.get("district_code")
    if mine and theirs and mine != theirs:
        preview.issues.append(Issue(xf.path.name, "", None, "", "", "",
                                    f"交换文件来自「{xf.office.get('bureau_name') or theirs}」，与本机单位不同，请确认后再导入。",
                                    "warning"))
    prog.report(total, total, "比较完成")
    return preview


def _build_nat_index(nat: list[tuple[tuple[str, ...], bool]],
                     local: Mapping[str, tuple[dict[str, Any], dict[str, Any]]]) -> list[dict[tuple, str]]:
    out = []
    for cols, live_only in nat:
        index = {}
        for uid, (v, _st) in local.items():
            if live_only and v.get("deleted_at") is not None:
                continue
            key = tuple(v.get(c) for c in cols)
            if all(k is not None for k in key):
                index[key] = uid
        out.append(index)
    return out


def _same_content(local: Mapping[str, Any], incoming: Mapping[str, Any], fks: Mapping[str, str],
                  aliases: Mapping[str, str]) -> bool:
    """Equal once the incoming references are translated to local uids (aliases)."""
    if not aliases:
        return False
    for k, v in incoming.items():
        if k in NOT_CONTENT:
            continue
        if k in fks and isinstance(v, str):
            v = aliases.get(v, v)
        if local.get(k) != v:
            return False
    return True


def preview_exchange_file(db: Any, path: Path | str, **kw: Any) -> MergePreview:
    """read_exchange + preview_exchange against ``db`` (its files folder included)."""
    xf = read_exchange(path)
    with db.uow() as uow:
        return preview_exchange(uow.session, xf, files_dir=db.files_dir, **kw)


# --------------------------------------------------------------------------- apply


@dataclass
class MergeResult:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    kept_local: int = 0
    conflicts_local: int = 0
    conflicts_incoming: int = 0
    files_added: int = 0
    office_taken: bool = False
    backup: Path | None = None
    tables: set[str] = field(default_factory=set)

    def summary(self) -> str:
        parts = [f"新增 {self.added}", f"更新 {self.updated}", f"无变化 {self.unchanged}"]
        if self.kept_local:
            parts.append(f"保留本机较新 {self.kept_local}")
        if self.conflicts_local or self.conflicts_incoming:
            parts.append(f"冲突 {self.conflicts_local + self.conflicts_incoming}（用本机 {self.conflicts_local}，"
                         f"用导入 {self.conflicts_incoming}）")
        if self.files_added:
            parts.append(f"附件 {self.files_added} 个")
        return "，".join(parts)


def _choice_for(item: MergeItem, choices: Mapping[Any, str] | None, default: str | None) -> str | None:
    if choices:
        for key in (item.index, (item.table, item.uid)):
            if key in choices:
                c = choices[key]
                if c not in ("local", "incoming"):
                    raise ValueError(f"冲突的选择只能是 local 或 incoming，收到 {c!r}")
                return c
    return default


def apply_exchange(
    db: Any,
    preview: MergePreview,
    *,
    choices: Mapping[Any, str] | None = None,
    default: str | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    backup: bool = True,
) -> MergeResult:
    """Merge ``preview`` into the database: backup, then one transaction; new attachment files
    are copied first and removed again if anything fails. ``choices`` maps a conflict (its item
    index, or (table, uid)) to "local" or "incoming"; ``default`` ("local"/"incoming") settles the
    rest. Unsettled conflicts refuse the whole import (ImportRejected, nothing changed)."""
    from models.office import get_profile
    from models.sync import add_history, insert_rows, load_history, update_rows

    if default not in (None, "local", "incoming"):
        raise ValueError("default 只能是 local、incoming 或 None")
    open_conflicts = [i for i in preview.conflicts if _choice_for(i, choices, default) is None]
    if open_conflicts:
        names = "、".join(i.name for i in open_conflicts[:5])
        raise ImportRejected(f"有 {len(open_conflicts)} 条记录在两台电脑上都被修改过（如 {names}），"
                             "请逐条选择保留本机还是导入的版本后再导入。未做任何改动。")
    prog = Progress(progress, should_stop)
    result = MergeResult()
    created_files: list[Path] = []
    try:
        _copy_files(db.files_dir, preview, created_files, prog)
        result.files_added = len(created_files)
        prog.report(0, len(preview.items), "正在备份数据库")
        if backup:
            result.backup = db.backup_now("import")
        with db.uow() as uow:
            s = uow.session
            tables = {t.name: t for t in exchange_tables()}
            history = load_history(s)
            ids = uid_maps(s, tables.values())
            uid_to_id = {t: {u: i for i, u in m.items()} for t, m in ids.items()}
            aliases = {i.uid: i.local_uid for i in preview.items if i.alias and i.local_uid}
            for (tname, uid), (_h, alias) in history.items():
                if alias:
                    aliases.setdefault(uid, alias)
            note = f"（交换文件 {preview.file.path.name}）"
            seen: list[tuple[str, str, list[str], str | None]] = []
            adopted: set[tuple[str, str]] = set()
            done = 0
            for tname, table in tables.items():
                items = [i for i in preview.items if i.table == tname]
                if not items:
                    continue
                fks = foreign_keys(table)
                # a twin that never left this PC takes the other PC's uid: from now on both PCs
                # know the record by one uid
                for i in items:
                    if i.adopt and i.local_id is not None and i.local_uid:
                        s.execute(update(table).where(table.c.id == i.local_id).values(uid=i.uid))
                        uid_to_id[tname].pop(i.local_uid, None)
                        uid_to_id[tname][i.uid] = i.local_id
                        aliases.pop(i.uid, None)
                        adopted.add((tname, i.uid))

                def convert(values: Mapping[str, Any], *, defer_self: bool) -> tuple[dict[str, Any], dict[str, str]]:
                    row: dict[str, Any] = {}
                    deferred: dict[str, str] = {}
                    for c in table.c:
                        if c.name in SKIP_COLUMNS or c.name not in values:
                            continue
                        v = values[c.name]
                        if c.name in fks and v is not None:
                            ref = fks[c.name]
                            v = aliases.get(v, v)
                            if ref == tname and defer_self:
                                deferred[c.name] = v
                                v = None
                            else:
                                rid = uid_to_id.get(ref, {}).get(v)
                                if rid is None:
                                    if not c.nullable:
                                        raise ImportRejected(f"{_label(tname)}的记录引用了不存在的{_label(ref)}（{v}），"
                                                             "交换文件可能不完整。未做任何改动。")
                                    preview.issues.append(Issue(preview.file.path.name, "", None, "", c.name, v,
                                                                f"引用的{_label(ref)}不存在，已置空。", "warning"))
                                v = rid
                        else:
                            v = from_json(c, v)
                        row[c.name] = v
                    return row, deferred

                inserts, insert_names, self_refs = [], [], []
                updates, update_names, update_uids = [], {}, {}
                for i in items:
                    done += 1
                    prog.tick(done, len(preview.items), f"正在合并{_label(tname)}")
                    choice = _choice_for(i, choices, default) if i.action == "conflict" else None
                    if i.action == "new":
                        row, deferred = convert(i.incoming, defer_self=True)
                        row["uid"] = i.uid
                        inserts.append(row)
                        insert_names.append(i.name)
                        if deferred:
                            self_refs.append((i.uid, deferred))
                        result.added += 1
                    elif i.action == "update" or choice == "incoming":
                        row, _ = convert(i.incoming, defer_self=False)
                        row.pop("created_at", None)  # the record's birth stays as it is here
                        before = {}
                        for k in row:
                            old = (i.local or {}).get(k)
                            before[k] = uid_to_id.get(fks[k], {}).get(old) if k in fks else from_json(table.c[k], old)
                        changed = {k: v for k, v in row.items() if before.get(k) != v}
                        if i.local_id is not None and changed:
                            updates.append((i.local_id, {k: before.get(k) for k in changed}, changed))
                            update_names[i.local_id] = i.name
                            update_uids[i.local_id] = i.local_uid or i.uid
                        if i.action == "update":
                            result.updated += 1
                        else:
                            result.conflicts_incoming += 1
                    elif i.action == "conflict":
                        result.conflicts_local += 1
                    elif i.action == "keep_local":
                        result.kept_local += 1
                    else:
                        result.unchanged += 1
                if inserts:
                    new_ids = insert_rows(s, table, inserts, note=note, names=insert_names)
                    uid_to_id.setdefault(tname, {}).update(new_ids)
                    fix = []
                    for uid, deferred in self_refs:
                        after = {k: uid_to_id[tname].get(v) for k, v in deferred.items()}
                        fix.append((uid_to_id[tname][uid], {k: None for k in after}, after))
                    update_rows(s, table, fix, touch=False, note=note)
                if updates:
                    update_rows(s, table, updates, touch=False, note=note, names=update_names, uids=update_uids)
                if inserts or updates:
                    result.tables.add(tname)
            prog.check()
            # what each side has now seen: the incoming version, and our resulting version
            id_to_uid = {t: {rid: u for u, rid in m.items()} for t, m in uid_to_id.items()}
            touched = {i.table for i in preview.items if i.action != "unchanged" or i.alias}
            final = {t: {u: hash_content(c) for u, c, _st in local_rows(s, tables[t], id_to_uid)} for t in touched}
            for i in preview.items:
                local_uid = i.uid if (i.table, i.uid) in adopted else (i.local_uid or i.uid)
                if i.table in final:
                    lh = final[i.table].get(local_uid)
                else:  # nothing in this table changed: the local version is the one compared
                    lh = i.local_hash or i.incoming_hash
                hashes = [i.incoming_hash] + ([lh] if lh else [])
                seen.append((i.table, local_uid, hashes, None))
                if local_uid != i.uid:
                    seen.append((i.table, i.uid, [i.incoming_hash], local_uid))
            add_history(s, seen, history)
            if preview.take_office:
                profile = get_profile(s)
                if not profile.is_complete:
                    for k, v in preview.file.office.items():
                        if hasattr(profile, k) and isinstance(v, str):
                            setattr(profile, k, v)
                    result.office_taken = True
                    result.tables.add("office_profile")
            peer_id(s)
            prog.check()
            try:
                uow.commit()
            except IntegrityError as exc:
                raise ImportRejected(f"合并时数据冲突（{exc.orig}），未做任何改动。请把此情况告知技术支持。") from None
    except BaseException:
        for p in created_files:
            p.unlink(missing_ok=True)
        raise
    return result


def _copy_files(files_dir: Path, preview: MergePreview, created: list[Path], prog: Progress) -> None:
    if not preview.new_files:
        return
    root = Path(files_dir).resolve()
    with zipfile.ZipFile(preview.file.path) as zf:
        for n, f in enumerate(preview.new_files):
            prog.report(n, len(preview.new_files), f"正在复制附件 {n + 1}/{len(preview.new_files)}")
            rel = f["path"]
            target = (root / rel).resolve()
            if root not in target.parents:
                raise ImportRejected(f"附件路径「{rel}」不安全，未做任何改动。")
            if target.exists():
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(target.name + ".part")
            h = hashlib.sha256()
            with zf.open(f"files/{rel}") as src, open(tmp, "wb") as dst:
                for chunk in iter(lambda: src.read(1024 * 1024), b""):
                    h.update(chunk)
                    dst.write(chunk)
            if h.hexdigest() != f.get("sha256"):
                tmp.unlink(missing_ok=True)
                raise ImportRejected(f"附件「{rel}」的校验值与清单不符（文件已损坏），未做任何改动。请重新导出交换文件。")
            os.replace(tmp, target)
            created.append(target)


def conflict_rows(item: MergeItem) -> list[tuple[str, str, str]]:
    """(field label, this PC's value, the file's value) for showing a conflict side by side."""
    def text(v: Any) -> str:
        if v is None:
            return ""
        if isinstance(v, bool):
            return "是" if v else "否"
        return str(v)

    return [(d.label, text(d.local), text(d.incoming)) for d in item.diffs]
