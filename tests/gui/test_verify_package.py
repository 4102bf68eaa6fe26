"""核验材料包 (issue 4, item 6): the dialog re-reads a package in the background and lists every
file missing, changed or added; green when intact."""
from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog

from desktop.dialogs.verify_package import VerifyPackageDialog

ROOT = "2026渝北区绿色制造推荐材料"


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    """One package of the reviewed demo batch (folder and zip), made once for the module."""
    from exports.batch_data import find_batch_id
    from exports.package import export_package
    from forms.demo_review_run import prepare_demo_review
    from models import demo
    from models.db import Database

    base = tmp_path_factory.mktemp("pkg")
    db = Database.open(base / "data", user="测试员")
    try:
        demo.generate(db)
        prepare_demo_review(db)
        with db.uow() as uow:
            export_package(uow.session, find_batch_id(uow.session, 2026), base / "out",
                           files_dir=db.files_dir, data_dir=db.data_dir)
            uow.commit()
    finally:
        db.close()
    return base / "out"


@pytest.fixture
def package(exported, tmp_path) -> Path:
    """A copy of the package this test may damage."""
    out = tmp_path / "copy"
    shutil.copytree(exported, out)
    return out


def _verify(qtbot, ctx, path) -> VerifyPackageDialog:
    dlg = VerifyPackageDialog(ctx, path=path)
    qtbot.addWidget(dlg)
    with qtbot.waitSignal(dlg.operation.done, timeout=30000):
        pass
    return dlg


def _rows(dlg) -> list[tuple[str, str]]:
    m = dlg.model
    return [(m.index(r, 0).data(), m.index(r, 1).data()) for r in range(m.rowCount())]


def test_intact_zip_is_green(qtbot, ctx, package):
    dlg = _verify(qtbot, ctx, package / f"{ROOT}.zip")
    assert dlg.report is not None and dlg.report.ok
    assert dlg.status.text().startswith(f"✔ 材料包“{ROOT}”完整：")
    assert "个文件与清单一致" in dlg.status.text()
    assert "#1e7b34" in dlg.status.styleSheet()  # green
    assert _rows(dlg) == [] and dlg.table.isHidden()


def test_changed_byte_and_extra_file_are_listed_in_red(qtbot, ctx, package):
    folder = package / ROOT
    pdf = sorted(folder.glob("01_*/第三方评价报告_*.pdf"))[0]
    raw = bytearray(pdf.read_bytes())
    raw[len(raw) // 2] ^= 0xFF  # one byte
    pdf.write_bytes(bytes(raw))
    (folder / "01_说明.txt").write_text("后来放进去的", encoding="utf-8")
    dlg = _verify(qtbot, ctx, folder)
    rel = pdf.relative_to(folder).as_posix()
    assert _rows(dlg) == [("被改动", rel), ("多出", "01_说明.txt")]
    text = dlg.status.text()
    assert text.startswith(f"✘ 材料包“{ROOT}”与清单不一致：被改动 1 个，多出 1 个文件。")
    assert "缺少" not in text
    assert "#c0271d" in dlg.status.styleSheet()  # red
    assert dlg.table.isVisibleTo(dlg)


def test_file_missing_from_the_zip(qtbot, ctx, package):
    src = package / f"{ROOT}.zip"
    damaged = package / "缺文件.zip"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(damaged, "w") as zout:
        for info in zin.infolist():
            if info.filename.endswith("/推荐汇总表.xlsx"):
                continue
            zout.writestr(info, zin.read(info))
    dlg = _verify(qtbot, ctx, damaged)
    assert _rows(dlg) == [("缺少", "推荐汇总表.xlsx")]
    assert "缺少 1 个" in dlg.status.text()


def test_not_a_package_says_so(qtbot, ctx, tmp_path):
    (tmp_path / "随便一个文件夹").mkdir()
    dlg = _verify(qtbot, ctx, tmp_path / "随便一个文件夹")
    assert dlg.report is None
    assert "没有 manifest.json，不是材料包" in dlg.status.text()
    assert "#c0271d" in dlg.status.styleSheet()


def test_choose_folder_verifies_it_and_remembers_where(qtbot, ctx, package, monkeypatch):
    folder = package / ROOT
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(folder))
    dlg = VerifyPackageDialog(ctx)
    qtbot.addWidget(dlg)
    assert dlg.status.text() == "尚未核验。"
    dlg.choose_folder()
    with qtbot.waitSignal(dlg.operation.done, timeout=30000):
        pass
    assert dlg.path_edit.text() == str(folder)
    assert dlg.report.ok
    assert ctx.settings.value("submit/verify_dir") == str(package)


def test_result_model_is_sound(qtbot, ctx, package, qtmodeltester):
    folder = package / ROOT
    (folder / "推荐函.docx").unlink()
    (folder / "多余.txt").write_text("x", encoding="utf-8")
    dlg = _verify(qtbot, ctx, folder)
    assert len(_rows(dlg)) == 2
    qtmodeltester.check(dlg.model)
