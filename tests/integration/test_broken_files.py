"""A corpus of broken and hostile files: each gets its own message naming the file, and no
table changes."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

from exports.importers import EXIT_REJECTED, FileRejected, ImportRejected, import_path, inspect_file
from exports.importers.forms_in import apply_forms, preview_forms
from exports.importers.safety import MSG_OLD
from exports.xlsx_forms import write_form
from .import_helpers import table_counts as counts

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def good_xlsx(path: Path) -> Path:
    wb = openpyxl.Workbook()
    wb.active.append(["序号", "企业名称", "统一社会信用代码"])
    wb.active.append([1, "重庆甲公司", "9150000020286320X6"])
    wb.save(path)
    return path


def rezip(src: Path, dst: Path, change=None, extra: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if change:
                data = change(info.filename, data)
            zout.writestr(info.filename, data)
        for name, data in (extra or {}).items():
            zout.writestr(name, data)
    return dst


def not_a_zip(tmp: Path) -> Path:
    p = tmp / "名单.xlsx"
    p.write_text("这其实是一个文本文件\n序号,企业名称\n", encoding="utf-8")
    return p


def truncated(tmp: Path) -> Path:
    full = good_xlsx(tmp / "完整.xlsx").read_bytes()
    p = tmp / "只拷了一半.xlsx"
    p.write_bytes(full[: len(full) // 2])
    return p


def empty(tmp: Path) -> Path:
    p = tmp / "空文件.xlsx"
    p.write_bytes(b"")
    return p


def wrong_headers(tmp: Path) -> Path:
    wb = openpyxl.Workbook()
    wb.active.title = "Sheet1"
    wb.active.append(["姓名", "年龄", "爱好"])
    wb.active.append(["张三", 30, "钓鱼"])
    p = tmp / "无关的表.xlsx"
    wb.save(p)
    return p


def entity_bomb(tmp: Path) -> Path:
    bomb = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
            + b"".join(b'<!ENTITY lol%d "&lol%s;&lol%s;&lol%s;&lol%s;&lol%s;&lol%s;&lol%s;&lol%s;&lol%s;&lol%s;">'
                       % ((i,) + (str(i - 1).encode() if i > 1 else b"",) * 10) for i in range(1, 10))
            + b']>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            + b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>')
    src = good_xlsx(tmp / "原表.xlsx")
    return rezip(src, tmp / "实体炸弹.xlsx",
                 change=lambda name, data: bomb if name == "xl/worksheets/sheet1.xml" else data)


def traversal(tmp: Path) -> Path:
    return rezip(good_xlsx(tmp / "原表.xlsx"), tmp / "路径穿越.xlsx", extra={"../../evil.txt": b"owned"})


def old_xls(tmp: Path) -> Path:
    p = tmp / "旧版名单.xls"
    p.write_bytes(OLE + b"\x00" * 504 + "Workbook".encode("utf-16-le") + b"\x00" * 1024)
    return p


def xls_renamed(tmp: Path) -> Path:
    p = tmp / "改了扩展名.xlsx"
    p.write_bytes(OLE + b"\x00" * 504 + "Workbook".encode("utf-16-le") + b"\x00" * 1024)
    return p


def encrypted(tmp: Path) -> Path:
    p = tmp / "加了密码.xlsx"
    body = b"\x00" * 504 + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 50 + "EncryptedPackage".encode("utf-16-le")
    p.write_bytes(OLE + body + b"\x00" * 2048)
    return p


def zip_bomb(tmp: Path) -> Path:
    src = good_xlsx(tmp / "原表.xlsx")
    p = tmp / "压缩炸弹.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                zout.writestr(info.filename, zin.read(info))
        with zout.open("xl/worksheets/sheet1.xml", "w") as f:
            chunk = b" " * (1024 * 1024)
            for _ in range(64):
                f.write(chunk)
    return p


def word_document(tmp: Path) -> Path:
    p = tmp / "名单.xlsx"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    p.write_bytes(buf.getvalue())
    return p


def html_table(tmp: Path) -> Path:
    p = tmp / "系统导出.xlsx"
    p.write_text("<html><body><table><tr><td>序号</td></tr></table></body></html>", encoding="utf-8")
    return p


def binary_csv(tmp: Path) -> Path:
    p = tmp / "名单.csv"
    p.write_bytes(b"\x00\x01\x02\xff" * 100)
    return p


CORPUS = {
    "not_zip": (not_a_zip, "不是有效的 Excel 工作簿"),
    "truncated": (truncated, "文件不完整或已损坏"),
    "empty": (empty, "文件是空的（0 字节）"),
    "wrong_headers": (wrong_headers, "找不到名单的表头行"),
    "entities": (entity_bomb, "XML 实体声明"),
    "unsafe_path": (traversal, "不安全的路径「../../evil.txt」"),
    "old_xls": (old_xls, "请另存为 .xlsx 后再导入"),
    "old_xls_renamed": (xls_renamed, "请另存为 .xlsx 后再导入"),
    "encrypted": (encrypted, "设置了打开密码"),
    "too_large": (zip_bomb, "压缩炸弹"),
    "not_xlsx": (word_document, "这是 Word 文档"),
    "html": (html_table, "网页（HTML）格式"),
    "not_text": (binary_csv, "不是文本格式的 CSV 文件"),
}


@pytest.mark.parametrize("case", sorted(CORPUS))
def test_broken_file_gets_its_message_and_changes_nothing(demo_db, tmp_path, case):
    make, message = CORPUS[case]
    path = make(tmp_path)
    before = counts(demo_db)
    backups = sorted(demo_db.backups_dir.glob("*"))
    report = import_path(demo_db, path)
    assert report.exit_code == EXIT_REJECTED
    assert not report.applied
    text = report.text()
    assert f"文件「{path.name}」" in text, text
    assert message in text, text
    assert "未导入任何数据" in text
    assert counts(demo_db) == before
    assert sorted(demo_db.backups_dir.glob("*")) == backups  # not even a backup was needed
    assert not (tmp_path.parent / "evil.txt").exists()
    # the same through the form importer (a folder of returned forms)
    with demo_db.uow() as uow:
        preview = preview_forms(uow.session, path)
    [rejected] = preview.rejected
    form_message = {"wrong_headers": "不是本程序的信息采集表"}.get(case, message)
    assert form_message in str(rejected) and path.name in str(rejected)


def test_old_xls_message_exactly():
    assert "请另存为 .xlsx 后再导入" in MSG_OLD


@pytest.mark.parametrize("suffix", [".xls", ".et"])
def test_extension_alone_is_enough_for_old_formats(tmp_path, suffix):
    p = tmp_path / f"表{suffix}"
    p.write_bytes(b"PK\x03\x04 something")
    with pytest.raises(FileRejected) as exc:
        inspect_file(p)
    assert exc.value.code == "old_xls" and "请另存为 .xlsx 后再导入" in str(exc.value)


def test_form_with_a_required_column_removed(db, tmp_path):
    path = write_form(tmp_path / "被改过的表.xlsx", "enterprise")
    wb = openpyxl.load_workbook(path)
    ws = wb["企业信息"]
    ws.protection.sheet = False
    ws["B1"] = "备用列"
    ws.append(["重庆甲公司", "9150000020286320X6", None, "渝北区"])
    wb.save(path)
    before = counts(db)
    report = import_path(db, path)
    assert report.exit_code == EXIT_REJECTED
    assert "文件「被改过的表.xlsx」工作表「企业信息」第1行：表头缺少必填列「统一社会信用代码」" in report.text()
    assert counts(db) == before


def test_a_folder_with_one_broken_file_applies_nothing_unless_told(db, tmp_path):
    folder = tmp_path / "回收"
    folder.mkdir()
    good = write_form(folder / "甲.xlsx", "enterprise")
    wb = openpyxl.load_workbook(good)
    wb["企业信息"].append(["重庆甲公司", "9150000020286320X6", None, "渝北区"])
    wb.save(good)
    truncated(folder)
    (folder / "完整.xlsx").unlink()
    before = counts(db)
    with db.uow() as uow:
        preview = preview_forms(uow.session, folder)
    assert [r.path.name for r in preview.rejected] == ["只拷了一半.xlsx"]
    assert preview.counts()["create"] == 1
    with pytest.raises(ImportRejected, match="有 1 个文件无法读取"):
        apply_forms(db, preview)
    assert counts(db) == before
    result = apply_forms(db, preview, ignore_rejected_files=True)
    assert result.created == 1
