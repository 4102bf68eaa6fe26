"""The attachment store on real files: copies named by SHA-256, the original never touched,
bad input named in Chinese, and stored files checked cheaply."""
from __future__ import annotations

import hashlib
import os
import zipfile

import pytest

from models import filestore
from models.demo_review import make_pdf


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_store_copies_under_its_hash_and_never_touches_the_original(tmp_path):
    src = tmp_path / "in" / "营业执照.pdf"
    src.parent.mkdir()
    data = make_pdf([["licence"]])
    src.write_bytes(data)
    os.utime(src, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    before = src.stat()
    stored = filestore.store_file(tmp_path / "files", src)
    assert stored.sha256 == sha(data)
    assert stored.path == tmp_path / "files" / stored.sha256[:2] / stored.sha256
    assert stored.path.read_bytes() == data
    after = src.stat()
    assert src.read_bytes() == data
    assert (after.st_mtime_ns, after.st_size, after.st_mode) == (before.st_mtime_ns, before.st_size, before.st_mode)
    # no temporary file is left in the store
    assert [p.name for p in (tmp_path / "files").rglob(".incoming*")] == []


def test_same_content_is_stored_once(tmp_path):
    a, b = tmp_path / "a.pdf", tmp_path / "b.pdf"
    data = make_pdf([["same"]])
    a.write_bytes(data)
    b.write_bytes(data)
    s1 = filestore.store_file(tmp_path / "files", a)
    s2 = filestore.store_file(tmp_path / "files", b)
    assert s1.path == s2.path
    assert len([p for p in (tmp_path / "files").rglob("*") if p.is_file()]) == 1


def test_a_damaged_stored_copy_is_replaced_by_a_good_one(tmp_path):
    src = tmp_path / "a.pdf"
    src.write_bytes(make_pdf([["x"]]))
    s = filestore.store_file(tmp_path / "files", src)
    os.chmod(s.path, 0o644)
    s.path.write_bytes(b"garbage")
    s2 = filestore.store_file(tmp_path / "files", src)
    assert s2.path.read_bytes() == src.read_bytes()


def test_valid_pdf_gives_its_page_count(tmp_path):
    p = tmp_path / "自评价报告.pdf"
    p.write_bytes(make_pdf([["1"], ["2"], ["3"]]))
    info = filestore.inspect_file(p)
    assert (info.kind, info.page_count, info.error, info.read_error) == ("pdf", 3, "", "")


def test_zero_byte_file_is_refused_by_name(tmp_path):
    p = tmp_path / "承诺书.pdf"
    p.write_bytes(b"")
    info = filestore.inspect_file(p)
    assert info.error == "文件「承诺书.pdf」是空文件（0 字节），未收录。请让申报单位重新提供。"


def test_exe_renamed_pdf_is_refused_by_name(tmp_path):
    p = tmp_path / "第三方评价报告.pdf"
    p.write_bytes(b"MZ\x90\x00" + b"\x00" * 200)
    info = filestore.inspect_file(p)
    assert "「第三方评价报告.pdf」" in info.error
    assert "可执行程序" in info.error and "扩展名与内容不符" in info.error


def test_jpeg_named_pdf_is_refused_as_a_mismatch(tmp_path):
    p = tmp_path / "营业执照.pdf"
    p.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 100)
    info = filestore.inspect_file(p)
    assert "扩展名是 .pdf，但内容是JPEG 图片" in info.error


def test_corrupt_pdf_is_received_but_marked_unreadable(tmp_path):
    p = tmp_path / "申报书.pdf"
    p.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n%%EOF garbage")
    info = filestore.inspect_file(p)
    assert info.error == ""
    assert info.read_error.startswith("「申报书.pdf」无法作为 PDF 打开")


def encrypted_pdf(path, pages: int, user_password: str):
    """A PDF of ``pages`` pages encrypted with ``user_password`` (owner password set too)."""
    from pypdf import PdfReader, PdfWriter

    plain = path.with_name("plain-" + path.name)
    plain.write_bytes(make_pdf([[f"page {i}"] for i in range(pages)]))
    w = PdfWriter()
    for page in PdfReader(plain).pages:
        w.add_page(page)
    w.encrypt(user_password=user_password, owner_password="owner")
    with open(path, "wb") as f:
        w.write(f)
    return path


def test_encrypted_pdf_is_received_but_marked_unreadable(tmp_path):
    p = encrypted_pdf(tmp_path / "自评价报告.pdf", 1, "1234")
    info = filestore.inspect_file(p)
    assert info.read_error == "「自评价报告.pdf」是加密的 PDF，需要密码才能打开。请让申报单位提供未加密的文件。"


def test_pdf_with_only_an_owner_password_opens(tmp_path):
    """Print-restricted PDFs (empty user password) are common and readable."""
    info = filestore.inspect_file(encrypted_pdf(tmp_path / "证书.pdf", 2, ""))
    assert (info.read_error, info.page_count) == ("", 2)


def test_word_files_open_or_are_named_broken(tmp_path):
    from docx import Document

    good = tmp_path / "规划.docx"
    d = Document()
    d.add_paragraph("绿色工厂中长期规划")
    d.save(str(good))
    assert filestore.inspect_file(good).read_error == ""
    assert filestore.inspect_file(good).kind == "docx"
    bad = tmp_path / "坏规划.docx"
    with zipfile.ZipFile(bad, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document><unclosed>")
    assert filestore.inspect_file(bad).read_error.startswith("「坏规划.docx」无法作为 Word 文件打开")


def test_large_file_gives_a_warning(tmp_path, monkeypatch):
    monkeypatch.setattr(filestore, "LARGE_FILE_BYTES", 100)
    p = tmp_path / "佐证材料.pdf"
    p.write_bytes(make_pdf([["x" * 50]] * 3))
    info = filestore.inspect_file(p)
    assert info.error == ""
    assert info.warnings and "「佐证材料.pdf」" in info.warnings[0] and "超过 200 MB" in info.warnings[0]


def test_missing_source_is_named(tmp_path):
    info = filestore.inspect_file(tmp_path / "没有这个文件.pdf")
    assert "「没有这个文件.pdf」无法读取" in info.error


def test_quick_verify_hashes_only_when_size_or_time_changed(tmp_path, monkeypatch):
    src = tmp_path / "a.pdf"
    src.write_bytes(make_pdf([["a"]]))
    s = filestore.store_file(tmp_path / "files", src)
    calls = []
    real = filestore.hash_file
    monkeypatch.setattr(filestore, "hash_file", lambda p: calls.append(p) or real(p))
    assert filestore.quick_verify(tmp_path / "files", s.sha256, s.size, s.mtime_ns).state == "ok"
    assert calls == []
    # touched, same content: rehashed once, still ok, with the new time to store
    os.utime(s.path, ns=(s.mtime_ns + 10**9, s.mtime_ns + 10**9))
    res = filestore.quick_verify(tmp_path / "files", s.sha256, s.size, s.mtime_ns)
    assert (res.state, res.rehashed, res.mtime_ns) == ("ok", True, s.mtime_ns + 10**9)
    assert len(calls) == 1


def test_changed_or_missing_stored_files_are_told_apart(tmp_path):
    src = tmp_path / "a.pdf"
    src.write_bytes(make_pdf([["a"]]))
    s = filestore.store_file(tmp_path / "files", src)
    os.chmod(s.path, 0o644)
    data = bytearray(s.path.read_bytes())
    data[-10] ^= 0xFF  # same size, other content
    s.path.write_bytes(bytes(data))
    assert filestore.quick_verify(tmp_path / "files", s.sha256, s.size, s.mtime_ns).state == "changed"
    assert filestore.full_verify(tmp_path / "files", s.sha256).state == "changed"
    s.path.unlink()
    assert filestore.quick_verify(tmp_path / "files", s.sha256, s.size, s.mtime_ns).state == "missing"


@pytest.mark.parametrize("name", ["a.PDF", "b.Pdf"])
def test_extension_case_does_not_matter(tmp_path, name):
    p = tmp_path / name
    p.write_bytes(make_pdf([["x"]]))
    assert filestore.inspect_file(p).error == ""
