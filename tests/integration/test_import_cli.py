"""`greendesk --data-dir DIR import FILE [--dry-run] [--yes]` and `new-year`: what it prints,
its exit codes, and that a rejected import changes nothing."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from desktop.app import main
from exports.exchange import export_exchange
from exports.xlsx_forms import write_form
from models.db import Database
from models.entities import Application, Enterprise
from models.pipeline import create_application
from models.stages import Stage, TitleKind
from .import_helpers import table_counts as counts

CODE = "9150000020286320X6"


@pytest.fixture
def data(tmp_path) -> Path:
    d = tmp_path / "data"
    db = Database.open(d, user="测试员")
    with db.uow() as uow:
        e = Enterprise(name="重庆甲汽车零部件有限公司", credit_code=CODE, district_code="500112")
        uow.session.add(e)
        uow.session.flush()
        create_application(uow.session, year=2026, title_kind=TitleKind.CITY_FACTORY, enterprise=e,
                           stage=Stage.RECOMMENDED)
        uow.commit()
    db.close()
    return d


def run(capsys, *args: str) -> tuple[int, str]:
    code = main([*args])
    out = capsys.readouterr()
    return code, out.out + out.err


def filled_form(path: Path, rows: list[list]) -> Path:
    write_form(path, "enterprise")
    wb = openpyxl.load_workbook(path)
    ws = wb["企业信息"]
    for i, row in enumerate(rows, start=2):
        for j, v in enumerate(row, start=1):
            ws.cell(row=i, column=j, value=v)
    wb.save(path)
    return path


def test_form_dry_run_then_import(data, tmp_path, capsys):
    path = filled_form(tmp_path / "回收.xlsx", [
        ["重庆乙电子有限公司", "91500112CEPE747K5C", None, "渝北区", None, None, None, None, None, "王五", "13800138000"],
        ["重庆甲汽车零部件有限公司", CODE.lower(), None, "渝北区", None, None, None, None, None, "新联系人"],
    ])
    before = counts(data / "greendesk.db")
    code, out = run(capsys, "--data-dir", str(data), "import", str(path), "--dry-run")
    assert code == 0
    assert "文件：回收.xlsx（信息采集表）" in out
    assert "新增 1 条，修改 1 条，无变化 0 条，有错误 0 条" in out
    assert "新增 重庆乙电子有限公司（91500112CEPE747K5C）  [回收.xlsx 第2行]" in out
    assert "修改 重庆甲汽车零部件有限公司：联系人：（空） → 新联系人  [回收.xlsx 第3行]" in out
    assert "试运行：未做任何改动" in out
    assert counts(data / "greendesk.db") == before
    code, out = run(capsys, "--data-dir", str(data), "import", str(path))
    assert code == 0
    assert "已导入。导入前的数据已备份：" in out
    db = Database.open(data, user="测试员")
    try:
        with db.uow() as uow:
            assert sorted(uow.session.scalars(select(Enterprise.contact))) == ["新联系人", "王五"]
    finally:
        db.close()


def test_form_with_errors_exits_1_and_lists_each_error(data, tmp_path, capsys):
    path = filled_form(tmp_path / "有错.xlsx", [
        ["重庆乙电子有限公司", "91500112CEPE747K5X", None, "渝北区"],
        ["重庆丙公司", "91500000MA5U7AMQ84", None, "北京", None, None, None, None, None, None, "12345"],
    ])
    before = counts(data / "greendesk.db")
    xlsx = tmp_path / "问题.xlsx"
    code, out = run(capsys, "--data-dir", str(data), "import", str(path), "--errors-xlsx", str(xlsx))
    assert code == 1
    assert "有错.xlsx 工作表「企业信息」 第2行 B列（统一社会信用代码）：" in out
    assert "有错.xlsx 工作表「企业信息」 第3行 D列（所在区县）：「北京」不是重庆市的区县" in out
    assert "有错.xlsx 工作表「企业信息」 第3行 K列（联系电话）：" in out
    assert "有错误，未导入任何数据" in out
    assert counts(data / "greendesk.db") == before
    assert [c.value for c in openpyxl.load_workbook(xlsx).active[2]][:4] == ["有错.xlsx", "企业信息", 2, "B"]


def _list(path: Path, title: str | None) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    if title:
        ws.append([title])
    ws.append(["序号", "企业名称", "统一社会信用代码"])
    ws.append([1, "重庆甲汽车零部件有限公司", CODE])
    wb.save(path)
    return path


def test_list_with_a_guessed_year_needs_yes(data, tmp_path, capsys):
    path = _list(tmp_path / "绿色工厂名单.xlsx", None)
    before = counts(data / "greendesk.db")
    code, out = run(capsys, "--data-dir", str(data), "import", str(path))
    assert code == 3
    assert "无法从标题判断年度" in out and "--yes" in out and "未做任何改动" in out
    assert counts(data / "greendesk.db") == before
    code, out = run(capsys, "--data-dir", str(data), "import", str(path), "--year", "2026",
                    "--doc", "渝经信节能〔2026〕31号")
    assert code == 0, out
    assert "名单内容：认定名单，市级绿色工厂，2026年度，渝经信节能〔2026〕31号" in out
    assert "「重庆甲汽车零部件有限公司」2026年市级绿色工厂：已推荐 → 已认定" in out
    db = Database.open(data, user="测试员")
    try:
        with db.uow() as uow:
            assert uow.session.scalars(select(Application.stage)).one() is Stage.RECOGNISED
    finally:
        db.close()


def test_list_with_a_full_title_applies_and_yes_accepts_a_guess(data, tmp_path, capsys):
    path = _list(tmp_path / "a.xlsx", "2026年重庆市绿色工厂名单 渝经信节能〔2026〕31号")
    code, out = run(capsys, "--data-dir", str(data), "import", str(path), "--dry-run")
    assert code == 0, out
    assert "将会：认定 1，新增称号 1，无变化 0（认定名单）" in out
    other = _list(tmp_path / "b.xlsx", None)
    code, out = run(capsys, "--data-dir", str(data), "import", str(other), "--yes", "--dry-run")
    assert code == 0


def test_exchange_conflict_needs_keep(data, tmp_path, capsys):
    other = tmp_path / "other"
    shutil_copy(data, other)
    db = Database.open(other, user="乙")
    try:
        with db.uow() as uow:
            uow.session.scalars(select(Enterprise)).one().contact = "乙改"
            uow.commit()
        gdx = export_exchange(db, tmp_path / "乙.gdx").path
    finally:
        db.close()
    db = Database.open(data, user="甲")
    try:
        with db.uow() as uow:
            uow.session.scalars(select(Enterprise)).one().contact = "甲改"
            uow.commit()
    finally:
        db.close()
    before = counts(data / "greendesk.db")
    code, out = run(capsys, "--data-dir", str(data), "import", str(gdx))
    assert code == 3
    assert "（交换文件）" in out
    assert "冲突 企业「重庆甲汽车零部件有限公司」：联系人 本机「甲改」/ 导入「乙改」" in out
    assert counts(data / "greendesk.db") == before
    code, out = run(capsys, "--data-dir", str(data), "import", str(gdx), "--keep", "incoming")
    assert code == 0, out
    assert "合并结果：" in out
    db = Database.open(data, user="甲")
    try:
        with db.uow() as uow:
            assert uow.session.scalars(select(Enterprise.contact)).one() == "乙改"
    finally:
        db.close()


def shutil_copy(src: Path, dst: Path) -> None:
    """Copy a data folder as a clerk copies it to a USB stick (the database file only)."""
    dst.mkdir()
    con = sqlite3.connect(src / "greendesk.db")
    out = sqlite3.connect(dst / "greendesk.db")
    con.backup(out)
    out.close()
    con.close()


def test_broken_file_exits_1(data, tmp_path, capsys):
    p = tmp_path / "名单.xls"
    p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    code, out = run(capsys, "--data-dir", str(data), "import", str(p))
    assert code == 1
    assert "文件「名单.xls」：" in out and "请另存为 .xlsx 后再导入" in out


def test_new_year_carries_unfinished_applications(data, capsys):
    code, out = run(capsys, "--data-dir", str(data), "new-year", "--from", "2026")
    assert code == 0
    assert "已把 2026 年度未完成的申报 1 件结转到 2027 年度" in out
    db = Database.open(data, user="测试员")
    try:
        with db.uow() as uow:
            years = sorted(uow.session.scalars(select(Application.year)))
            assert years == [2026, 2027]
    finally:
        db.close()
