"""The exchange file in the window: exported from the menu on one PC (data folder), imported on
another with a conflict shown side by side (字段 | 本机 | 文件), merging refused until it is
decided, the clerk's choice stored; 全部保留本机 / 全部用文件中的; importing again changes nothing."""
from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog
from sqlalchemy import select

from desktop.dialogs.exchange import ExchangeImportDialog
from exports.exchange import apply_exchange, export_exchange, preview_exchange_file
from models.db import Database
from models.entities import Enterprise, Park
from sync_helpers import counts, main_window, messages, open_preview, table, wait  # noqa: F401 (fixture)


@pytest.fixture
def two_pcs(qtbot, tmp_path):
    """PC A (this window) and PC B, with the same data after a first exchange; then the same
    enterprise and the same park edited on both, and one more enterprise only on B."""
    a = Database.open(tmp_path / "PC-A", user="甲")
    b = Database.open(tmp_path / "PC-B", user="乙")
    with a.uow() as uow:
        uow.session.add(Enterprise(name="重庆甲机械有限公司", credit_code="9150000020286320X6", district_code="500112",
                                   contact="张三"))
        uow.session.add(Park(name="重庆空港工业园区", park_type="工业集聚区", district_code="500112"))
        uow.commit()
    first = tmp_path / "第一次.gdx"
    export_exchange(a, first)
    apply_exchange(b, preview_exchange_file(b, first))
    for db, who in ((a, "甲"), (b, "乙")):
        with db.uow() as uow:
            e = uow.session.scalars(select(Enterprise)).one()
            e.contact = f"{who}改的联系人"
            p = uow.session.scalars(select(Park)).one()
            p.managing_body = f"{who}改的管委会"
            uow.commit()
    with b.uow() as uow:
        uow.session.add(Enterprise(name="重庆乙新材料有限公司", credit_code="91500112CEPE747K5C", district_code="500112"))
        uow.commit()
    window = main_window(qtbot, a)
    yield window, a, b, tmp_path
    a.close()
    b.close()


def export_b(tmp_path: Path, b) -> Path:
    path = tmp_path / "乙-交换文件.gdx"
    export_exchange(b, path)
    return path


def test_export_exchange_file_from_the_menu(qtbot, two_pcs, monkeypatch, messages):
    window, a, _b, tmp = two_pcs
    offered = []
    target = tmp / "导出" / "甲.gdx"
    target.parent.mkdir()

    def save(_p, _t, start, *_a, **_k):
        offered.append(start)
        return str(target), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save)
    window.sync.act_export_exchange.trigger()
    wait(qtbot, window.sync.op)
    assert offered[0].endswith(".gdx") and "交换文件" in Path(offered[0]).name
    assert target.exists()
    text = messages["information"][-1]
    assert str(target) in text and "条记录" in text and "导入导出 → 导入" in text
    # the file is a real exchange file: PC B sees A's changes in it
    preview = preview_exchange_file(_b, target)
    assert preview.counts()["conflict"] == 2


def test_a_conflict_resolved_in_the_dialog(qtbot, two_pcs, messages):
    window, a, b, tmp = two_pcs
    dlg = open_preview(qtbot, window, export_b(tmp, b), ExchangeImportDialog)
    before = counts(a)
    # per kind of record: the new enterprise and the two conflicts
    per_table = {row[0]: row for row in table(dlg.tables_model)}
    assert per_table["企业"][1:] == ["1", "0", "0", "0", "1"]
    assert per_table["园区"][5] == "1"
    assert dlg.tabs.currentWidget() is dlg.conflict_page
    assert dlg.tabs.tabText(1) == "冲突 (2，未选 2)"
    conflicts = table(dlg.conflicts_model)
    assert [c[0] for c in conflicts] == ["园区「重庆空港工业园区」", "企业「重庆甲机械有限公司」"]
    assert all(c[3] == "未选择" for c in conflicts)
    # side by side: 字段 | 本机 | 文件
    dlg.conflicts_view.setCurrentIndex(dlg.conflicts_proxy.index(1, 0))
    assert table(dlg.side_model) == [["联系人", "甲改的联系人", "乙改的联系人"]]
    assert "企业「重庆甲机械有限公司」" in dlg.side_label.text()
    # merging is refused until every conflict is decided
    assert not dlg.btn_apply.isEnabled() and "还有 2 条冲突未选择" in dlg.status.text()
    assert dlg.apply() is None and "还有 2 条冲突未选择" in messages["warning"][-1]
    assert counts(a) == before
    dlg.take_incoming.click()  # the enterprise: B's contact
    assert table(dlg.conflicts_model)[1][3] == "用文件中的"
    assert not dlg.btn_apply.isEnabled() and "还有 1 条冲突未选择" in dlg.status.text()
    assert dlg.current_conflict() == dlg.preview.conflicts[0].index  # moved on to the undecided one
    assert table(dlg.side_model) == [["管理机构", "甲改的管委会", "乙改的管委会"]]
    dlg.keep_local.click()  # the park: keep A's
    assert dlg.btn_apply.isEnabled() and dlg.tabs.tabText(1) == "冲突 (2，未选 0)"
    wait(qtbot, dlg.apply())
    assert dlg.result is not None and dlg.result.backup.exists()
    assert (dlg.result.added, dlg.result.conflicts_incoming, dlg.result.conflicts_local) == (1, 1, 1)
    assert "已合并" in messages["information"][-1] and dlg.result.backup.name in messages["information"][-1]
    with a.uow() as uow:
        s = uow.session
        assert s.scalar(select(Enterprise.contact).where(Enterprise.name == "重庆甲机械有限公司")) == "乙改的联系人"
        assert s.scalar(select(Park.managing_body)) == "甲改的管委会"
        assert {e.name for e in s.scalars(select(Enterprise))} == {"重庆甲机械有限公司", "重庆乙新材料有限公司"}

    # the same file again: nothing to merge, nothing changes
    again = open_preview(qtbot, window, tmp / "乙-交换文件.gdx", ExchangeImportDialog)
    assert not again.preview.conflicts and not again.tabs.isTabVisible(1)
    assert "没有本机尚未有的改动" in again.status.text()


def test_all_local_and_all_incoming(qtbot, two_pcs, messages):
    window, a, b, tmp = two_pcs
    dlg = open_preview(qtbot, window, export_b(tmp, b), ExchangeImportDialog)
    dlg.btn_all_incoming.click()
    assert [c[3] for c in table(dlg.conflicts_model)] == ["用文件中的", "用文件中的"]
    assert dlg.take_incoming.isChecked() and not dlg.keep_local.isChecked()
    dlg.btn_all_local.click()
    assert [c[3] for c in table(dlg.conflicts_model)] == ["保留本机", "保留本机"]
    assert dlg.keep_local.isChecked()
    wait(qtbot, dlg.apply())
    with a.uow() as uow:
        assert uow.session.scalar(select(Enterprise.contact).where(Enterprise.name == "重庆甲机械有限公司")) == "甲改的联系人"
        assert uow.session.scalar(select(Park.managing_body)) == "甲改的管委会"


def test_cancelling_the_merge_changes_nothing(qtbot, two_pcs, monkeypatch, messages):
    from exports import exchange

    window, a, b, tmp = two_pcs
    dlg = open_preview(qtbot, window, export_b(tmp, b), ExchangeImportDialog)
    dlg.choose_all("incoming")
    before = counts(a)
    real = exchange.apply_exchange

    def clerk_cancels(*args, progress, should_stop, **kw):
        def report(done, total, text):
            progress(done, total, text)
            if text != "正在备份数据库":  # writing has begun: 取消
                progress.__self__.cancel()
        return real(*args, progress=report, should_stop=should_stop, **kw)

    monkeypatch.setattr(exchange, "apply_exchange", clerk_cancels)
    wait(qtbot, dlg.apply())
    assert dlg.result is None
    assert messages["information"] == ["已取消合并，数据库和附件都未做任何改动。"]
    assert counts(a) == before
    with a.uow() as uow:
        assert uow.session.scalar(select(Enterprise.contact).where(Enterprise.name == "重庆甲机械有限公司")) == "甲改的联系人"
