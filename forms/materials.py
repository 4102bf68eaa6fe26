"""Material checklists per title and year, and each application's checklist with its files.

The checklists are data (resources/rules/materials-*.toml): each file has a ``valid_from`` year
and ``[[lists]]`` of items for some titles; for an application the newest file that covers its
year is used. ``checklist_status`` joins the checklist with the received files for the window;
``attach_file`` stores a file against a checklist item (models.review_service does the work).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.entities import Application
from models.filestore import quick_verify
from models.review import Material, MaterialStatus
from models.review_service import AttachResult, attach_material
from models.stages import TitleKind

from .rules.loader import RuleFileError, read_toml, rules_dir


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    label: str
    required: bool = True
    accepts: tuple[str, ...] = ()
    article: str = ""
    note: str = ""


@dataclass(frozen=True)
class Checklist:
    id: str
    name: str
    valid_from: int
    title_kinds: tuple[TitleKind, ...]
    items: tuple[ChecklistItem, ...]

    @property
    def required_items(self) -> tuple[ChecklistItem, ...]:
        return tuple(i for i in self.items if i.required)

    def item(self, key: str) -> ChecklistItem | None:
        for i in self.items:
            if i.key == key:
                return i
        return None


@lru_cache(maxsize=2)
def load_checklists(folder: Path | None = None) -> tuple[Checklist, ...]:
    """Every checklist in resources/rules/materials-*.toml, newest ``valid_from`` first."""
    folder = Path(folder) if folder else rules_dir()
    out: list[Checklist] = []
    for path in sorted(folder.glob("materials-*.toml")):
        data = read_toml(path)
        for n, lst in enumerate(data.get("lists", []), start=1):
            try:
                kinds = tuple(TitleKind(k) for k in lst["title_kinds"])
                items = tuple(
                    ChecklistItem(str(i["key"]), str(i["label"]), bool(i.get("required", True)),
                                  tuple(str(a).lower() for a in i.get("accepts", ())), str(i.get("article", "")),
                                  str(i.get("note", "")))
                    for i in lst["items"]
                )
            except (KeyError, ValueError) as exc:
                raise RuleFileError(f"材料清单 {path.name} 第{n}个清单格式错误：{exc}") from exc
            keys = [i.key for i in items]
            if len(keys) != len(set(keys)):
                raise RuleFileError(f"材料清单 {path.name} 第{n}个清单中有重复的 key。")
            out.append(Checklist(str(data.get("id", path.stem)), str(data.get("name", path.stem)),
                                 int(data.get("valid_from", 0)), kinds, items))
    out.sort(key=lambda c: -c.valid_from)
    return tuple(out)


@lru_cache(maxsize=64)
def checklist_for(title_kind: TitleKind, year: int) -> Checklist | None:
    """The checklist for an application of ``title_kind`` in ``year`` (None when none applies)."""
    for cl in load_checklists():
        if title_kind in cl.title_kinds and cl.valid_from <= year:
            return cl
    return None


# --------------------------------------------------------------------------- one application's checklist


@dataclass(frozen=True)
class MaterialRow:
    """One received file as the window shows it."""

    id: int
    item_key: str
    original_name: str
    size: int
    file_type: str
    page_count: int | None
    received_on: dt.date
    received_by: str
    status: MaterialStatus
    status_reason: str
    status_by: str
    read_error: str
    sha256: str
    integrity: str  # ok / missing / changed / unchecked

    @property
    def status_label(self) -> str:
        return self.status.label

    @property
    def problem(self) -> str:
        """'' or the Chinese reason this file is not usable."""
        if self.read_error:
            return self.read_error
        if self.integrity == "missing":
            return f"「{self.original_name}」的存档文件已丢失。"
        if self.integrity == "changed":
            return f"「{self.original_name}」的存档文件收件后已被改动。"
        return ""


STATE_LABELS = {
    "missing": "未收到",
    "received": "待审核",
    "accepted": "已接收",
    "returned": "退回补正",
    "broken": "文件有问题",
    "optional": "（选交）未收到",
}


@dataclass(frozen=True)
class ChecklistRow:
    """One checklist item with its files. ``item`` is None for files filed under a key the
    current checklist does not know (kept, shown under 其他)."""

    item: ChecklistItem | None
    materials: tuple[MaterialRow, ...] = field(default_factory=tuple)

    @property
    def key(self) -> str:
        return self.item.key if self.item else (self.materials[0].item_key if self.materials else "")

    @property
    def label(self) -> str:
        return self.item.label if self.item else f"其他（{self.key}）"

    @property
    def required(self) -> bool:
        return bool(self.item and self.item.required)

    @property
    def state(self) -> str:
        """missing / optional / returned / broken / received / accepted."""
        live = [m for m in self.materials if m.status is not MaterialStatus.RETURNED]
        if not self.materials:
            return "missing" if self.required else "optional"
        if not live:
            return "returned"
        if any(m.problem for m in live):
            return "broken"
        if any(m.status is MaterialStatus.ACCEPTED for m in live):
            return "accepted"
        return "received"

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]


def material_rows(session: Session, application_id: int, *, files_dir: Path | None = None) -> list[MaterialRow]:
    """The application's live materials, oldest first; with ``files_dir`` each stored file is
    checked (one stat, a hash only when its size or time changed)."""
    out = []
    for m in session.scalars(
        select(Material).where(Material.application_id == application_id, Material.deleted_at.is_(None))
        .order_by(Material.id)
    ):
        integrity = "unchecked"
        if files_dir is not None:
            integrity = quick_verify(files_dir, m.sha256, m.size, m.stored_mtime_ns).state
        out.append(MaterialRow(m.id, m.item_key, m.original_name, m.size, m.file_type, m.page_count, m.received_on,
                               m.received_by, m.status, m.status_reason, m.status_by, m.read_error, m.sha256,
                               integrity))
    return out


def checklist_status(session: Session, application_id: int, *, files_dir: Path | None = None) -> list[ChecklistRow]:
    """The application's checklist, item by item in the checklist's order, each with its files;
    files under unknown keys come last. Empty when no checklist applies to the application."""
    app = session.get(Application, application_id)
    if app is None:
        return []
    cl = checklist_for(app.title_kind, app.year)
    mats = material_rows(session, application_id, files_dir=files_dir)
    rows: list[ChecklistRow] = []
    known: set[str] = set()
    for it in cl.items if cl else ():
        known.add(it.key)
        rows.append(ChecklistRow(it, tuple(m for m in mats if m.item_key == it.key)))
    extra: dict[str, list[MaterialRow]] = {}
    for m in mats:
        if m.item_key not in known:
            extra.setdefault(m.item_key, []).append(m)
    rows.extend(ChecklistRow(None, tuple(ms)) for ms in extra.values())
    return rows


def attach_file(
    session: Session,
    files_dir: Path,
    application_id: int,
    item_key: str,
    src: Path,
    *,
    user: str | None = None,
    received_on: dt.date | None = None,
) -> AttachResult:
    """Receive ``src`` for checklist item ``item_key`` of an application (see
    models.review_service.attach_material), adding a warning when the file type is not one the
    checklist item expects. The caller commits."""
    app = session.get(Application, application_id)
    accepts: tuple[str, ...] = ()
    label = item_key
    if app is not None:
        cl = checklist_for(app.title_kind, app.year)
        it = cl.item(item_key) if cl else None
        if it is not None:
            accepts, label = it.accepts, it.label
    result = attach_material(session, files_dir, application_id, item_key, Path(src), user=user,
                             received_on=received_on)
    if result.material is not None and accepts and result.material.file_type not in accepts:
        shown = "、".join(a.upper() for a in accepts)
        result.warnings.append(
            f"「{result.material.original_name}」的类型是 {result.material.file_type.upper() or '未知'}，"
            f"「{label}」通常应为 {shown}；已收录，请确认。"
        )
    return result
