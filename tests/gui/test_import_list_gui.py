"""Importing a published recognition list in the window: the header found under the title rows,
the proposed column mapping (corrected per column and remembered), the list details, matches
with confidence, an uncertain row confirmed (or rejected, or pointed at another subject), the
planned changes, and applying: 已认定 and a title with the document number."""
from __future__ import annotations

import random
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtWidgets import QInputDialog, QMessageBox
from sqlalchemy import select

from desktop.dialogs.import_list import ImportListDialog
from exports.lists import SETTING_HEADERS
from models.demo import make_credit_code
from models.entities import Application, Enterprise, Title, TitleState
from models.office import get_setting
from models.pipeline import create_application
from models.stages import Stage, TitleKind
from sync_helpers import main_window, messages, open_preview, wait  # noqa: F401 (fixture)

DOC = "渝经信节能〔2026〕31号"
_rng = random.Random(11)
A, B, C, D = (make_credit_code(_rng, "500112") for _ in range(4))
ENTERPRISES = [
    ("重庆甲汽车零部件有限公司", A, Stage.RECOMMENDED),
    ("玖龙纸业(重庆)有限公司", B, Stage.RECOMMENDED),
    ("重庆天友乳业股份有限公司", C, Stage.RECOMMENDED),
    ("重庆丁电子有限公司", D, Stage.RECOMMENDED),
]


@pytest.fixture
def window(qtbot, db):
    ids = {}
    with db.uow() as uow:
        s = uow.session
        for name, code, stage in ENTERPRISES:
            e = Enterprise(name=name, credit_code=code, district_code="500112")
            s.add(e)
            s.flush()
            create_application(s, year=2026, title_kind=TitleKind.CITY_FACTORY, enterprise=e, stage=stage)
            ids[name] = e.id
        uow.commit()
    w = main_window(qtbot, db)
    w.ids = ids
    return w


def published_list(path: Path) -> Path:
    """As the commission publishes it: 附件, a merged title, the 文号, a blank line, the header,
    a 区县 merged over two rows, a row by credit code, one by name (other brackets, 有限责任公司),
    one only similar (to confirm), one unknown, a totals row and a note."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "名单"
    ws["A1"] = "附件"
    ws["A2"] = "2026年重庆市绿色工厂名单"
    ws.merge_cells("A2:F2")
    ws["A3"] = DOC
    ws.merge_cells("A3:F3")
    ws.append([])
    ws.append(["序号", "区县", "企业名称", "统一社会信用代码", "第三方评价机构", "备注"])  # row 5
    ws.append([1, "渝北区", "重庆甲汽车零部件有限公司", A, "重庆市节能技术服务中心", None])
    ws.append([2, None, "玖龙纸业（重庆）有限责任公司", None, "重庆大学", None])
    ws.merge_cells("B6:B7")
    ws.append([3, "渝北区", "重庆市天友乳业股份有限公司乳品一厂", None, "重庆大学", None])  # fuzzy
    ws.append([4, "江北区", "重庆戊材料有限公司", None, "重庆大学", None])  # not in the database
    ws.append(["合计", None, "4家", None, None, None])
    ws.append(["注：排名不分先后。"])
    wb.save(path)
    return path


def rows(dlg) -> dict[str, list[str]]:
    """Row number → the cells shown."""
    m = dlg.rows_model
    return {m.index(r, 0).data(): [m.index(r, c).data() for c in range(m.columnCount())] for r in range(m.rowCount())}


def plan_texts(dlg) -> list[str]:
    m = dlg.plan_model
    return [m.index(r, 1).data() for r in range(m.rowCount())]


def pick(dlg, excel_row: int) -> None:
    index = next(r.index for r in dlg.preview.rows if r.row == excel_row)
    assert dlg.select_row(index)


def test_preview_shows_header_mapping_details_and_matches(qtbot, window, tmp_path):
    dlg = open_preview(qtbot, window, published_list(tmp_path / "2026年市级绿色工厂名单.xlsx"), ImportListDialog)
    assert "表头在第 5 行，数据 4 行（跳过 2 行：合计行、说明行）" in dlg.info.text()
    assert "2026年重庆市绿色工厂名单" in dlg.info.text()
    assert [c.currentText() for c in dlg.combos] == ["序号", "区县/地区", "名称", "统一社会信用代码", "第三方评价机构", "备注"]
    assert dlg.how_labels[2].text() == "列名一致"
    assert (dlg.action.currentText(), dlg.title.currentText(), dlg.year.value(), dlg.doc.text()) == \
        ("认定名单", "市级绿色工厂", 2026, DOC)
    got = rows(dlg)
    assert got["6"][2:8] == [A, "已匹配", "重庆甲汽车零部件有限公司", "1.00", "信用代码一致", "2026"]
    assert got["7"][3:7] == ["已匹配", "玖龙纸业(重庆)有限公司", "0.90", "名称一致"]
    assert got["8"][3] == "待确认" and got["8"][4] == "可能是：重庆天友乳业股份有限公司" and got["8"][5] == "0.84"
    assert got["9"][3] == "未找到"
    assert dlg.tabs.tabText(0) == "匹配结果（4 行，待确认 1）"
    assert "有 1 行名称相近但不完全一致" in dlg.doubt_label.text()
    # what applying would do, before anything is written
    plan = plan_texts(dlg)
    assert "「重庆甲汽车零部件有限公司」2026年市级绿色工厂：已推荐 → 已认定" in plan
    assert any("重庆丁电子有限公司" in t and "未通过" in t for t in plan)
    assert not any("天友" in t for t in plan)  # undecided: neither recognised nor rejected
    assert dlg.btn_apply.isEnabled()


def test_confirming_the_uncertain_row_recognises_it_with_the_document_number(qtbot, window, messages, tmp_path):
    db = window.ctx.db
    dlg = open_preview(qtbot, window, published_list(tmp_path / "名单.xlsx"), ImportListDialog)
    pick(dlg, 8)
    assert "第 8 行「重庆市天友乳业股份有限公司乳品一厂」" in dlg.cand_label.text()
    assert dlg.cand_combo.currentText().startswith("重庆天友乳业股份有限公司（可信度 0.84")
    dlg.btn_confirm.click()
    got = rows(dlg)
    assert got["8"][3:8] == ["已确认", "重庆天友乳业股份有限公司", "1.00", "人工确认", "2026"]
    assert "「重庆天友乳业股份有限公司」2026年市级绿色工厂：已推荐 → 已认定" in plan_texts(dlg)
    assert "名称相近" not in dlg.doubt_label.text()
    wait(qtbot, dlg.apply())
    assert messages["question"] == []  # nothing left to confirm: no question
    assert dlg.result is not None and dlg.result.backup.exists()
    assert "已导入名单" in messages["information"][-1] and dlg.result.backup.name in messages["information"][-1]
    with db.uow() as uow:
        s = uow.session
        app = s.scalars(select(Application).where(Application.enterprise_id == window.ids["重庆天友乳业股份有限公司"])).one()
        assert app.stage is Stage.RECOGNISED
        assert app.moves[-1].reason == f"依据{DOC}认定"
        title = s.scalars(select(Title).where(Title.enterprise_id == window.ids["重庆天友乳业股份有限公司"])).one()
        assert (title.title_kind, title.year, title.doc_number, title.state) == \
            (TitleKind.CITY_FACTORY, 2026, DOC, TitleState.VALID)
        stages = {a.enterprise.name: a.stage for a in s.scalars(select(Application))}
        assert stages == {"重庆甲汽车零部件有限公司": Stage.RECOGNISED, "玖龙纸业(重庆)有限公司": Stage.RECOGNISED,
                          "重庆天友乳业股份有限公司": Stage.RECOGNISED, "重庆丁电子有限公司": Stage.REJECTED}
        assert len(s.scalars(select(Title)).all()) == 3
        assert get_setting(s, SETTING_HEADERS)["企业名称"] == "name"  # remembered for next year
    assert window.ctx.settings.value("sync/last_what").startswith("导入名单「名单.xlsx」")


def test_rejecting_or_pointing_at_another_subject(qtbot, window, monkeypatch, messages, tmp_path):
    dlg = open_preview(qtbot, window, published_list(tmp_path / "名单.xlsx"), ImportListDialog)
    pick(dlg, 8)
    dlg.btn_reject.click()
    assert rows(dlg)["8"][3] == "已否定"
    assert any("重庆天友乳业股份有限公司" in t and "未通过" in t for t in plan_texts(dlg))
    # … then the clerk says it is another enterprise after all
    offered = []

    def get_item(_p, _t, label, items, *_a, **_k):
        offered.append((label, items))
        return next(i for i in items if i.startswith("重庆丁电子有限公司")), True

    monkeypatch.setattr(QInputDialog, "getItem", get_item)
    pick(dlg, 8)
    dlg.btn_other.click()
    assert "名单第 8 行" in offered[0][0] and len(offered[0][1]) == 4
    assert rows(dlg)["8"][3:5] == ["已确认", "重庆丁电子有限公司"]
    plan = plan_texts(dlg)
    assert "「重庆丁电子有限公司」2026年市级绿色工厂：已推荐 → 已认定" in plan
    assert any("重庆天友乳业股份有限公司" in t and "未通过" in t for t in plan)


def test_correcting_the_column_mapping_matches_again(qtbot, window, tmp_path):
    dlg = open_preview(qtbot, window, published_list(tmp_path / "名单.xlsx"), ImportListDialog)
    pick(dlg, 8)
    dlg.btn_confirm.click()  # a decision that survives matching again
    # the clerk says column C is not the name: without names only the credit code row matches
    combo = dlg.combos[2]
    combo.setCurrentIndex(combo.findData(""))
    dlg._mapping_changed(2)
    wait(qtbot, dlg.op)
    assert dlg.how_labels[2].text() == "已手动指定"
    got = rows(dlg)
    assert got["6"][3] == "已匹配" and got["7"][3] == "未找到"
    # and back: the 企业名称 column is the name again
    combo.setCurrentIndex(combo.findData("name"))
    dlg._mapping_changed(2)
    wait(qtbot, dlg.op)
    got = rows(dlg)
    assert got["7"][3] == "已匹配" and got["8"][3:5] == ["已确认", "重庆天友乳业股份有限公司"]
    # with neither names nor codes there is nothing to apply
    for col in (2, 3):
        dlg.combos[col].setCurrentIndex(0)
        dlg._mapping_changed(col)
        wait(qtbot, dlg.op)
    assert "没有找到名称或统一社会信用代码列" in dlg.doubt_label.text()
    assert not dlg.btn_apply.isEnabled()


def test_list_details_change_the_plan(qtbot, window, messages, tmp_path):
    dlg = open_preview(qtbot, window, published_list(tmp_path / "名单.xlsx"), ImportListDialog)
    dlg.doc.setText("渝经信节能〔2026〕99号")
    dlg.doc.editingFinished.emit()
    assert dlg.preview.spec.doc_number == "渝经信节能〔2026〕99号"
    assert "渝经信节能〔2026〕99号" in dlg.plan_label.text()
    dlg.reject_absent.setChecked(False)
    assert not any("未通过" in t for t in plan_texts(dlg))
    # another year: the rows are matched again for 2025 (no applications: titles only)
    dlg.year.setValue(2025)
    dlg.year.editingFinished.emit()
    wait(qtbot, dlg.op)
    assert rows(dlg)["6"][7] == "2025"
    plan = plan_texts(dlg)
    assert plan and all("新增称号 2025年市级绿色工厂" in t for t in plan)
    # applying with a row still uncertain asks first; "no" changes nothing
    messages["answer"][0] = QMessageBox.StandardButton.No
    assert dlg.apply() is None
    assert "还有 1 行待确认" in messages["question"][-1]
    with window.ctx.db.uow() as uow:
        assert uow.session.scalars(select(Title)).all() == []
