"""汇总表列设置 (issue 4, item 4: "the column set and order are configuration a clerk can
change"): tick, order and rename the columns; the written 推荐汇总表 follows."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import openpyxl
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

from desktop.dialogs.summary_columns import SummaryColumnsDialog
from exports.batch_data import BatchData, OfficeInfo, SubjectData
from exports.summary_table import COLUMNS, HEADER_ROW, column_specs, default_column_specs, write_summary_table

DEFAULT_HEADERS = ["序号", "区县", "名称", "统一社会信用代码", "所属行业", "主要产品", "所在园区", "第三方评价机构",
                   "评价得分", "基本要求是否符合", "联系人", "联系电话", "初审意见", "备注"]


def _data() -> BatchData:
    return BatchData(
        batch_id=1, year=2026, name="2026年度市级绿色工厂推荐", title_kind="city_factory",
        office=OfficeInfo(district_code="500112", district_name="渝北区", bureau_name="重庆市渝北区经济和信息化委员会",
                          doc_prefix="渝北经信发"),
        subjects=(SubjectData(application_id=7, subject_kind="enterprise", title_kind="city_factory",
                              name="重庆甲汽车零部件有限公司", credit_code="91500112MA5U000001", district_code="500112",
                              district_name="渝北区", phone="02367821234", evaluator="重庆示例绿色低碳评价中心",
                              score=Decimal("91.5"), basic_requirements_met=True, review_opinion="同意推荐"),),
    )


def _header(ctx, tmp_path) -> list[str]:
    with ctx.db.uow() as uow:
        specs = column_specs(uow.session)
    path = write_summary_table(_data(), tmp_path / "汇总表.xlsx", columns=specs, date=dt.date(2026, 6, 30))
    ws = openpyxl.load_workbook(path).active
    return [c.value for c in ws[HEADER_ROW] if c.value is not None]


def _dialog(qtbot, ctx) -> SummaryColumnsDialog:
    dlg = SummaryColumnsDialog(ctx)
    qtbot.addWidget(dlg)
    return dlg


def _item(dlg, key):
    for i in range(dlg.list.count()):
        if dlg.list.item(i).data(Qt.ItemDataRole.UserRole + 1) == key:
            return i, dlg.list.item(i)
    raise KeyError(key)


def _checked(dlg) -> list[str]:
    return [dlg.list.item(i).text() for i in range(dlg.list.count())
            if dlg.list.item(i).checkState() == Qt.CheckState.Checked]


def test_lists_the_default_columns_ticked_then_the_others(qtbot, ctx, tmp_path):
    assert _header(ctx, tmp_path) == DEFAULT_HEADERS
    dlg = _dialog(qtbot, ctx)
    assert dlg.list.count() == len(COLUMNS)
    assert _checked(dlg) == DEFAULT_HEADERS
    rest = [dlg.list.item(i).text() for i in range(len(DEFAULT_HEADERS), dlg.list.count())]
    assert "地址" in rest and "主要亮点" in rest
    assert dlg.count_label.text() == f"已选 14 列（共 {len(COLUMNS)} 列可选）。"


def test_untick_move_and_rename_change_the_written_header(qtbot, ctx, tmp_path):
    dlg = _dialog(qtbot, ctx)
    _i, notes = _item(dlg, "notes")
    notes.setCheckState(Qt.CheckState.Unchecked)
    _i, addr = _item(dlg, "address")
    addr.setCheckState(Qt.CheckState.Checked)
    # 名称 up to the second place, 统一社会信用代码 renamed
    row, _ = _item(dlg, "name")
    dlg.list.setCurrentRow(row)
    dlg.up_btn.click()
    assert dlg.list.currentRow() == row - 1
    _i, code = _item(dlg, "credit_code")
    code.setText("信用代码")
    assert dlg.count_label.text().startswith("已选 14 列")
    dlg.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert dlg.result() == SummaryColumnsDialog.DialogCode.Accepted
    header = _header(ctx, tmp_path)
    assert header[:4] == ["序号", "名称", "区县", "信用代码"]
    assert "备注" not in header
    # the newly ticked 地址 comes where it stood in the list: after the default ones
    assert header[-1] == "地址"
    assert len(header) == 14


def test_restore_default_and_cancel(qtbot, ctx, tmp_path):
    dlg = _dialog(qtbot, ctx)
    _i, item = _item(dlg, "phone")
    item.setCheckState(Qt.CheckState.Unchecked)
    dlg.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert "联系电话" not in _header(ctx, tmp_path)
    again = _dialog(qtbot, ctx)
    assert "联系电话" not in _checked(again)  # the saved choice is shown
    again.default_btn.click()
    assert _checked(again) == DEFAULT_HEADERS
    again.reject()  # cancelled: nothing saved
    assert "联系电话" not in _header(ctx, tmp_path)
    third = _dialog(qtbot, ctx)
    third.restore_default()
    third.accept()
    assert _header(ctx, tmp_path) == [s.header for s in default_column_specs()]


def test_no_column_ticked_cannot_be_saved(qtbot, ctx):
    dlg = _dialog(qtbot, ctx)
    for i in range(dlg.list.count()):
        dlg.list.item(i).setCheckState(Qt.CheckState.Unchecked)
    ok = dlg.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()
    assert dlg.count_label.text().startswith("已选 0 列")


def test_without_the_name_column_the_clerk_is_asked(qtbot, ctx, tmp_path, monkeypatch):
    asked = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda parent, title, text, *a, **k: asked.append(text) or QMessageBox.StandardButton.No)
    dlg = _dialog(qtbot, ctx)
    _i, name = _item(dlg, "name")
    name.setCheckState(Qt.CheckState.Unchecked)
    dlg.accept()
    assert len(asked) == 1 and "没有勾选“名称”列" in asked[0]
    assert dlg.result() != SummaryColumnsDialog.DialogCode.Accepted
    assert "名称" in _header(ctx, tmp_path)  # not saved
