"""The submission package (报送材料包) of a batch, and checking one later.

    <out>/2026渝北区绿色制造推荐材料/            and the same as <out>/2026渝北区绿色制造推荐材料.zip
        推荐函.docx
        推荐汇总表.xlsx
        01_重庆××有限公司/
            初审意见表.docx
            申报书_原文件名.pdf
            第三方评价报告_原文件名.pdf
            …
        02_…/
        清单.xlsx          every file above with its size and SHA-256, for people
        manifest.json      the same for programs (and 清单.xlsx's own hash)

Names are safe on Windows and full paths stay under 240 characters (exports/safe_names.py); the
zip stores UTF-8 names (flag bit 11), so Explorer shows the Chinese correctly.

Writing is atomic: the folder and the zip are written under temporary names in the output folder
(``….tmp-xxxxxx``) and renamed at the end; a cancel (``should_stop`` returns True between files)
or an error removes them, and a crash leaves only the temporary names, never a half package under
the final name. Each material is copied with ``shutil.copyfile`` and then read once, to hash it
and to add it to the zip (already-compressed files — PDF, images, Office files — are stored, not
deflated again); a stored file whose hash no longer matches stops the export. The copying runs
in one writer thread, in the package's order, while the calling thread renders the letter, the
table and the 初审意见表; ``progress`` and ``should_stop`` are only called from the calling
thread.

``verify_package(path)`` re-reads a package folder or zip and reports every file missing, added
or changed against its manifest.
"""
from __future__ import annotations

import datetime as dt
import glob
import hashlib
import json
import os
import secrets
import shutil
import threading
import unicodedata
import zipfile
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING, Callable, Iterable, Sequence

from .batch_data import BatchData, Blocker, SubjectData
from .letter import LetterDraft, write_letter
from .safe_names import fit_name, numbered_folder, safe_name, unique_name, utf16_len
from .summary_table import ColumnSpec, write_summary_table, write_table

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

MANIFEST_JSON = "manifest.json"
MANIFEST_XLSX = "清单.xlsx"
LETTER_NAME = "推荐函.docx"
SUMMARY_NAME = "推荐汇总表.xlsx"
REVIEW_SHEET_NAME = "初审意见表.docx"
FORMAT = "greendesk.package"
FORMAT_VERSION = 1
CHUNK = 1024 * 1024
#: a path inside the package may be at most this long even when the output folder is short, so
#: the package can be copied or unpacked elsewhere (the rest of the 240 is for that folder)
MAX_INNER_PATH = 200
#: already compressed: stored in the zip as they are
STORED_SUFFIXES = frozenset({
    ".pdf", ".ofd", ".zip", ".rar", ".7z", ".gz", ".bz2", ".xz", ".jpg", ".jpeg", ".png", ".gif",
    ".webp", ".heic", ".docx", ".xlsx", ".pptx", ".docm", ".xlsm", ".mp4", ".mp3",
})

Progress = Callable[[int, int, str], None]
ReviewSheetWriter = Callable[[SubjectData, Path], None]


class PackageError(Exception):
    """The package cannot be made; ``str()`` is a Chinese message for the clerk."""


class PackageCancelled(PackageError):
    def __init__(self) -> None:
        super().__init__("已取消导出，未生成任何材料包。")


class PackageExists(PackageError):
    pass


class PackageBlocked(PackageError):
    def __init__(self, blockers: list[Blocker]) -> None:
        self.blockers = blockers
        lines = "\n".join(f"  - {b.message}" for b in blockers)
        super().__init__(f"批次还有{len(blockers)}个问题，不能导出：\n{lines}")


@dataclass(frozen=True)
class PlannedFile:
    """One file of the package before it is written. ``rel`` is '/'-separated, inside the
    package folder."""

    rel: str
    kind: str  # letter / summary / review_sheet / material
    label: str  # what it is, for 清单.xlsx: 推荐函, 第三方评价报告 …
    application_id: int | None = None
    source: Path | None = None
    sha256: str | None = None  # expected, for materials
    size: int | None = None
    original_name: str = ""
    subject_name: str = ""


@dataclass(frozen=True)
class ManifestEntry:
    path: str
    size: int
    sha256: str
    kind: str = ""
    label: str = ""
    application_id: int | None = None


@dataclass
class PackageResult:
    name: str
    folder: Path
    zip_path: Path | None
    entries: list[ManifestEntry]
    doc_number: str = ""
    letter: LetterDraft | None = None

    @property
    def total_bytes(self) -> int:
        return sum(e.size for e in self.entries)


# ----------------------------------------------------------------------------- planning


def package_name(data: BatchData) -> str:
    """<年度><区县>绿色制造推荐材料, e.g. 2026渝北区绿色制造推荐材料."""
    return safe_name(f"{data.year}{data.office.district_name}绿色制造推荐材料", max_len=60)


def plan_package(data: BatchData, *, base_len: int = 0, with_review_sheets: bool = True) -> tuple[str, list[PlannedFile]]:
    """The package's name and every file in it, with safe, unique, short-enough names.

    ``base_len`` is the length of the output folder's path; full paths stay under 240 and paths
    inside the package under :data:`MAX_INNER_PATH` whatever the output folder."""
    if not data.subjects:
        raise PackageError(f"推荐批次「{data.name}」中没有申报，无法生成材料包。")
    root = package_name(data)
    prefix = max(base_len, 240 - MAX_INNER_PATH) + 1 + utf16_len(root)
    files = [
        PlannedFile(LETTER_NAME, "letter", "推荐函"),
        PlannedFile(SUMMARY_NAME, "summary", "推荐汇总表"),
    ]
    width = max(2, len(str(len(data.subjects))))
    for i, s in enumerate(data.subjects, start=1):
        folder = numbered_folder(i, s.name, width=width, max_len=60)
        folder_prefix = prefix + 1 + utf16_len(folder)
        taken: set[str] = set()
        names = [REVIEW_SHEET_NAME] if with_review_sheets else []
        for n in names:
            taken.add(n.casefold())
        if with_review_sheets:
            files.append(PlannedFile(f"{folder}/{REVIEW_SHEET_NAME}", "review_sheet", "初审意见表",
                                     application_id=s.application_id, subject_name=s.name))
        for m in s.materials:
            name = safe_name(f"{m.type_label}_{m.original_name}")
            try:
                name = fit_name(name, folder_prefix)
            except ValueError as exc:
                raise PackageError(str(exc)) from exc
            name = unique_name(name, taken)
            files.append(PlannedFile(
                f"{folder}/{name}", "material", m.type_label, application_id=s.application_id,
                source=m.stored_path, sha256=m.sha256, size=m.size, original_name=m.original_name,
                subject_name=s.name,
            ))
    return root, files


# ----------------------------------------------------------------------------- writing


class _Writer:
    """Writes files into the temporary folder and the temporary zip side by side."""

    def __init__(self, folder: Path, zip_path: Path | None, root: str) -> None:
        self.folder = folder
        self.root = root
        self.zf = zipfile.ZipFile(zip_path, "w", allowZip64=True) if zip_path else None
        self.now = dt.datetime.now().timetuple()[:6]

    def _zinfo(self, rel: str, size: int) -> zipfile.ZipInfo:
        zi = zipfile.ZipInfo(f"{self.root}/{rel}", date_time=self.now)
        stored = PurePosixPath(rel).suffix.lower() in STORED_SUFFIXES
        zi.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
        zi.external_attr = 0o644 << 16
        zi.file_size = size
        return zi

    def add_written(self, rel: str) -> tuple[int, str]:
        """A file already in the folder: hash it and add it to the zip in one read."""
        path = self.folder / rel
        size = path.stat().st_size
        h = hashlib.sha256()
        if self.zf is None:
            with open(path, "rb") as f:
                for chunk in iter(lambda: f.read(CHUNK), b""):
                    h.update(chunk)
            return size, h.hexdigest()
        with open(path, "rb") as f, self.zf.open(self._zinfo(rel, size), "w",
                                                 force_zip64=size > zipfile.ZIP64_LIMIT // 2) as out:
            for chunk in iter(lambda: f.read(CHUNK), b""):
                h.update(chunk)
                out.write(chunk)
        return size, h.hexdigest()

    def copy_in(self, src: Path, rel: str) -> tuple[int, str]:
        dest = self.folder / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
        return self.add_written(rel)

    def close(self) -> None:
        if self.zf is not None:
            self.zf.close()
            self.zf = None


def _remove(path: Path) -> None:
    try:
        if path.is_dir():
            shutil.rmtree(path, onerror=_chmod_and_retry)
        elif path.exists():
            path.unlink()
    except OSError:
        pass


def _chmod_and_retry(func, p, _exc) -> None:  # Windows: read-only copies from the store
    try:
        os.chmod(p, 0o666)
        func(p)
    except OSError:
        pass


def build_package(
    data: BatchData,
    out_dir: Path | str,
    *,
    letter: LetterDraft,
    review_sheet: ReviewSheetWriter | None = None,
    columns: Sequence[ColumnSpec] | None = None,
    date: dt.date | None = None,
    template: Path | None = None,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
    overwrite: bool = False,
    make_zip: bool = True,
    before_publish: Callable[[], None] | None = None,
) -> PackageResult:
    """Write the package folder (and zip) for ``data`` into ``out_dir`` from plain data.

    ``review_sheet(subject, path)`` writes one subject's 初审意见表; None leaves it out.
    ``before_publish()`` is called once everything is written, just before the final names: the
    caller commits the letter's document number there, so a package under its final name always
    has its number recorded, even if the program is killed right after (an error raised there
    removes the temporaries like any other).
    Raises PackageCancelled, PackageExists (the package is there and ``overwrite`` is False) or
    PackageError; in every case nothing is left under the final names."""
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    root, planned = plan_package(data, base_len=utf16_len(str(out_dir)), with_review_sheets=review_sheet is not None)
    final_dir = out_dir / root
    final_zip = out_dir / f"{root}.zip" if make_zip else None
    if not overwrite:
        for p in (final_dir, final_zip):
            if p is not None and p.exists():
                raise PackageExists(f"输出文件夹中已有“{p.name}”。请换一个输出文件夹，或选择覆盖。")
    _clean_leftovers(out_dir, [p for p in (final_dir, final_zip) if p is not None])
    token = secrets.token_hex(3)
    tmp_dir = out_dir / f"{root}.tmp-{token}"
    tmp_zip = out_dir / f"{root}.zip.tmp-{token}" if make_zip else None
    total = len(planned) + 2
    report = progress or (lambda done, total, text: None)
    stop = should_stop or (lambda: False)
    day = date or letter.date
    entries: list[ManifestEntry] = []
    writer: _Writer | None = None
    # One writer thread copies, hashes and zips, in plan order, while this thread renders the
    # next Word/Excel files: the copying (system calls, hashlib and zlib release the GIL) hides
    # behind the rendering instead of adding to it.
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="package-writer")
    cancelled = threading.Event()
    futures: list[Future] = []

    def copy_task(f: PlannedFile) -> tuple[int, str]:
        if cancelled.is_set():
            raise PackageCancelled()
        assert f.source is not None and writer is not None
        if not f.source.is_file():
            raise PackageError(f"{f.subject_name}：材料文件“{f.original_name}”在资料库中找不到了。请重新收取该文件后再导出。")
        size, digest = writer.copy_in(f.source, f.rel)
        if f.sha256 and digest != f.sha256:
            raise PackageError(
                f"{f.subject_name}：材料文件“{f.original_name}”在收取后被改动过（校验值不符）。请重新收取该文件后再导出。")
        return size, digest

    def add_task(rel: str) -> tuple[int, str]:
        if cancelled.is_set():
            raise PackageCancelled()
        assert writer is not None
        return writer.add_written(rel)

    def collect(*, wait: bool) -> None:
        """Record the files the writer has finished, in order; report progress; raise its error."""
        while len(entries) < len(futures):
            fut = futures[len(entries)]
            if not fut.done():
                if not wait:
                    return
                done_set, _ = futures_wait([fut], timeout=0.2)
                if not done_set:
                    if stop():
                        raise PackageCancelled()
                    continue
            size, digest = fut.result()
            f = planned[len(entries)]
            entries.append(ManifestEntry(f.rel, size, digest, f.kind, f.label, f.application_id))
            report(len(entries), total, f"已写入 {f.rel}")

    try:
        tmp_dir.mkdir()
        writer = _Writer(tmp_dir, tmp_zip, root)
        report(0, total, "开始导出")
        for f in planned:
            if stop():
                raise PackageCancelled()
            collect(wait=False)
            if f.kind == "material":
                futures.append(pool.submit(copy_task, f))
                continue
            dest = tmp_dir / f.rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            if f.kind == "letter":
                write_letter(letter, dest, template=template)
            elif f.kind == "summary":
                write_summary_table(data, dest, columns=columns, date=day)
            elif f.kind == "review_sheet":
                subject = next(s for s in data.subjects if s.application_id == f.application_id)
                assert review_sheet is not None
                review_sheet(subject, dest)
            futures.append(pool.submit(add_task, f.rel))
        collect(wait=True)
        if stop():
            raise PackageCancelled()
        write_manifest_xlsx(tmp_dir / MANIFEST_XLSX, root, entries, planned, day)
        size, digest = writer.add_written(MANIFEST_XLSX)
        listing = ManifestEntry(MANIFEST_XLSX, size, digest, "manifest", "文件清单")
        report(len(planned) + 1, total, f"已写入 {MANIFEST_XLSX}")
        manifest = _manifest_dict(data, root, letter, entries + [listing], planned)
        (tmp_dir / MANIFEST_JSON).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        writer.add_written(MANIFEST_JSON)
        writer.close()
        pool.shutdown(wait=True)
        if stop():
            raise PackageCancelled()
        if before_publish is not None:
            before_publish()
        _move_into_place(tmp_dir, final_dir, tmp_zip, final_zip, overwrite=overwrite, token=token)
    except BaseException:
        cancelled.set()
        pool.shutdown(wait=True, cancel_futures=True)  # the writer must be idle before cleaning up
        if writer is not None:
            try:
                writer.close()
            except Exception:  # noqa: BLE001 - the original error matters, not the close
                pass
        _remove(tmp_dir)
        if tmp_zip is not None:
            _remove(tmp_zip)
        raise
    report(total, total, "完成")
    return PackageResult(root, final_dir, final_zip, entries + [listing], letter.doc_number, letter)


def _clean_leftovers(out_dir: Path, finals: list[Path]) -> None:
    """What an export killed part-way left beside these final names: half-written temporaries
    (``….tmp-xxxxxx``) are removed; an old package moved aside for overwriting (``….old-xxxxxx``)
    goes back under its name if the new one never took it, and is removed otherwise."""
    for final in finals:
        for p in sorted(out_dir.glob(f"{glob.escape(final.name)}.tmp-*")):
            _remove(p)
        for p in sorted(out_dir.glob(f"{glob.escape(final.name)}.old-*")):
            if not final.exists():
                try:
                    os.replace(p, final)
                    continue
                except OSError:
                    pass
            _remove(p)


def _move_into_place(tmp_dir: Path, final_dir: Path, tmp_zip: Path | None, final_zip: Path | None,
                     *, overwrite: bool, token: str) -> None:
    """Rename the finished temporaries to the final names (an old package, when overwriting, is
    first moved aside and removed only after the new one is in place)."""
    olds: list[tuple[Path, Path]] = []
    for final in (final_dir, final_zip):
        if final is not None and final.exists():
            if not overwrite:
                raise PackageExists(f"输出文件夹中已有“{final.name}”。请换一个输出文件夹，或选择覆盖。")
            aside = final.with_name(f"{final.name}.old-{token}")
            os.replace(final, aside)
            olds.append((aside, final))
    try:
        if tmp_zip is not None and final_zip is not None:
            os.replace(tmp_zip, final_zip)
        os.replace(tmp_dir, final_dir)
    except OSError:
        for aside, final in olds:  # put the old package back
            if not final.exists():
                os.replace(aside, final)
        raise
    for aside, _final in olds:
        _remove(aside)


def _manifest_dict(data: BatchData, root: str, letter: LetterDraft, entries: list[ManifestEntry],
                   planned: list[PlannedFile]) -> dict:
    folders = {}
    for f in planned:
        if f.application_id is not None and "/" in f.rel:
            folders.setdefault(f.application_id, f.rel.split("/", 1)[0])
    from models.db import APP_VERSION

    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "name": root,
        "created_at": dt.datetime.now().replace(microsecond=0).isoformat(),
        "program": f"GreenDesk {APP_VERSION}",
        "office": {"district_code": data.office.district_code, "district_name": data.office.district_name,
                   "bureau_name": data.office.bureau_name},
        "batch": {"id": data.batch_id, "year": data.year, "name": data.name, "title_kind": data.title_kind},
        "letter": {"doc_number": letter.doc_number, "title": letter.title, "date": letter.date.isoformat()},
        "subjects": [
            {"seq": i, "application_id": s.application_id, "name": s.name, "credit_code": s.credit_code,
             "folder": folders.get(s.application_id, "")}
            for i, s in enumerate(data.subjects, start=1)
        ],
        "files": [asdict(e) for e in entries],
    }


def write_manifest_xlsx(path: Path, root: str, entries: list[ManifestEntry], planned: list[PlannedFile],
                        day: dt.date) -> Path:
    """清单.xlsx: every file with its size and SHA-256, in the same layout as the summary table."""
    from openpyxl import Workbook

    from .letter import format_date

    originals = {f.rel: f.original_name for f in planned}
    wb = Workbook()
    ws = wb.active
    ws.title = "文件清单"
    rows = [[i, e.path, e.label + (f"（原文件名：{originals[e.path]}）" if originals.get(e.path) else ""),
             e.size, e.sha256] for i, e in enumerate(entries, start=1)]
    write_table(
        ws,
        title=f"{root} 文件清单",
        subtitle_left=f"共{len(entries)}个文件，{_human_size(sum(e.size for e in entries))}",
        subtitle_right=f"生成日期：{format_date(day)}",
        headers=["序号", "文件", "说明", "大小（字节）", "SHA-256 校验值"],
        kinds=["int", "text", "text", "int", "code"],
        rows=rows,
        widths=[(5, 6), (30, 60), (12, 40), (10, 14), (66, 68)],
    )
    ws.sheet_view.showGridLines = False
    wb.properties.title = f"{root} 文件清单"
    wb.save(str(path))
    return path


def _human_size(n: int) -> str:
    for unit in ("字节", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "字节" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} 字节"  # pragma: no cover


# ----------------------------------------------------------------------------- from the database


#: the review outcome recorded on the application → the decision ticked on its 初审意见表
_DECISIONS = {"通过": "通过，同意推荐", "退回补正": "退回补正", "不予推荐": "不予推荐"}


def default_review_sheet_writer(session: "Session") -> ReviewSheetWriter:
    """The 初审意见表 writer of the review feature (exports/review_sheet.py), bound to the
    session; the decision box and the opinion are the ones kept with the application."""
    from . import review_sheet as rs

    def write(subject: SubjectData, path: Path) -> None:
        try:
            rs.write_review_sheet(session, subject.application_id, path, reviewer_opinion=subject.review_note,
                                  decision=_DECISIONS.get(subject.review_outcome))
        except rs.ReviewSheetError as exc:
            raise PackageError(f"{subject.name}的初审意见表无法生成：{exc}") from exc

    return write


def export_package(
    session: "Session",
    batch_id: int,
    out_dir: Path | str,
    *,
    letter: LetterDraft | None = None,
    date: dt.date | None = None,
    files_dir: Path | None = None,
    data_dir: Path | None = None,
    ignore_blockers: bool = False,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] | None = None,
    overwrite: bool = False,
    make_zip: bool = True,
    review_sheet: ReviewSheetWriter | None = None,
    data: BatchData | None = None,
    before_publish: Callable[[], None] | None = None,
) -> PackageResult:
    """Gather the batch, check its blockers, take the letter's document number and write the
    package. ``letter`` is the clerk's edited draft (None: the program's own wording). The
    document number is flushed into the session: the caller commits it after success (a failed
    or cancelled export rolls back and the number stays free) — or, better, in
    ``before_publish`` (see build_package), so that a crash between the package taking its final
    name and the commit cannot leave a sent-looking letter whose number is free again."""
    from .batch_data import find_blockers, gather_batch
    from .letter import letter_template, propose_letter, reserve_number
    from .summary_table import column_specs

    data = data or gather_batch(session, batch_id, files_dir=files_dir)
    if not ignore_blockers:
        blockers = find_blockers(session, batch_id, data=data, rehash=False)
        if blockers:
            raise PackageBlocked(blockers)
    if letter is None:
        letter = propose_letter(session, batch_id, date=date, data=data)
    letter = reserve_number(session, letter)
    return build_package(
        data, out_dir, letter=letter,
        review_sheet=review_sheet or default_review_sheet_writer(session),
        columns=column_specs(session), date=date or letter.date,
        template=letter_template(data_dir or (Path(files_dir).parent if files_dir else None)),
        progress=progress, should_stop=should_stop, overwrite=overwrite, make_zip=make_zip,
        before_publish=before_publish,
    )


# ----------------------------------------------------------------------------- verifying


@dataclass
class VerifyReport:
    """The result of checking a package against its manifest."""

    path: Path
    name: str = ""
    checked: int = 0
    missing: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.added or self.changed)

    def lines(self) -> list[str]:
        """Chinese lines for the clerk, one per difference (or one saying all is well)."""
        if self.ok:
            return [f"材料包“{self.name}”完整：{self.checked}个文件与清单一致。"]
        out = [f"缺少：{p}" for p in self.missing]
        out += [f"被改动：{p}" for p in self.changed]
        out += [f"多出：{p}" for p in self.added]
        return out


def _norm(rel: str) -> str:
    return unicodedata.normalize("NFC", rel.replace("\\", "/"))


def _read_manifest(raw: bytes, where: str) -> dict:
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PackageError(f"{where} 中的 {MANIFEST_JSON} 已损坏，无法核对（{exc}）。") from exc
    if manifest.get("format") != FORMAT or not isinstance(manifest.get("files"), list):
        raise PackageError(f"{where} 中的 {MANIFEST_JSON} 不是本程序生成的材料包清单。")
    return manifest


def verify_package(path: Path | str) -> VerifyReport:
    """Re-read a package folder or .zip and compare every file with its manifest."""
    path = Path(path)
    if not path.exists():
        raise PackageError(f"找不到 {path}。请检查路径。")
    if path.is_dir():
        return _verify_folder(path)
    if zipfile.is_zipfile(path):
        return _verify_zip(path)
    raise PackageError(f"{path} 既不是材料包文件夹，也不是 .zip 文件。")


def _verify_folder(folder: Path) -> VerifyReport:
    mpath = folder / MANIFEST_JSON
    if not mpath.is_file():
        subs = [p for p in folder.iterdir() if p.is_dir() and (p / MANIFEST_JSON).is_file()]
        if len(subs) == 1:
            return _verify_folder(subs[0])
        raise PackageError(f"文件夹 {folder} 中没有 {MANIFEST_JSON}，不是材料包（或清单已被删除）。")
    manifest = _read_manifest(mpath.read_bytes(), str(folder))
    members = ((p.relative_to(folder).as_posix(), lambda p=p: open(p, "rb"))
               for p in sorted(folder.rglob("*")) if p.is_file() and p != mpath)
    return _compare(VerifyReport(folder, manifest.get("name", folder.name)), manifest, members)


def _compare(report: VerifyReport, manifest: dict,
             members: Iterable[tuple[str, Callable[[], IO[bytes]]]]) -> VerifyReport:
    """Fill ``report`` from the package's members — (path inside the package, opener) — against
    the manifest: every member is read to the end and hashed."""
    expected = {_norm(f["path"]): f for f in manifest["files"]}
    present: set[str] = set()
    for rel, open_member in members:
        rel = _norm(rel)
        present.add(rel)
        want = expected.get(rel)
        if want is None:
            report.added.append(rel)
            continue
        report.checked += 1
        h = hashlib.sha256()
        size = 0
        try:
            with open_member() as f:
                for chunk in iter(lambda: f.read(CHUNK), b""):
                    h.update(chunk)
                    size += len(chunk)
        except (zipfile.BadZipFile, OSError, EOFError):  # a zip member's CRC mismatch, a damaged entry
            report.changed.append(rel)
            continue
        if size != want["size"] or h.hexdigest() != want["sha256"]:
            report.changed.append(rel)
    report.missing = sorted(set(expected) - present)
    return report


def _verify_zip(zpath: Path) -> VerifyReport:
    try:
        zf = zipfile.ZipFile(zpath)
    except zipfile.BadZipFile as exc:
        raise PackageError(f"{zpath.name} 已损坏，无法作为 zip 打开（{exc}）。") from exc
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        roots = {i.filename.split("/", 1)[0] for i in infos if "/" in i.filename}
        mname = next((i.filename for i in infos if i.filename.count("/") <= 1
                      and i.filename.rsplit("/", 1)[-1] == MANIFEST_JSON), None)
        if mname is None:
            raise PackageError(f"{zpath.name} 中没有 {MANIFEST_JSON}，不是材料包（或清单已被删除）。")
        prefix = mname[: -len(MANIFEST_JSON)]
        try:
            manifest = _read_manifest(zf.read(mname), zpath.name)
        except zipfile.BadZipFile as exc:
            raise PackageError(f"{zpath.name} 中的 {MANIFEST_JSON} 已损坏（{exc}）。") from exc
        report = VerifyReport(zpath, manifest.get("name", next(iter(roots), zpath.stem)))
        members = ((i.filename[len(prefix):] if i.filename.startswith(prefix) else i.filename,
                    lambda i=i: zf.open(i)) for i in infos if i.filename != mname)
        return _compare(report, manifest, members)
