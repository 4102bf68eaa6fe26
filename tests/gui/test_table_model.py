"""The enterprise and park table models (RowsModel behind SearchProxy) under pytest-qt's
qtmodeltester, with real rows from the demo database."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from desktop.table_model import PAGE, Column, RowsModel, SearchProxy
from desktop.views.subjects import EnterprisesView, ParksView
from models import subjects


@pytest.fixture
def enterprise_model(demo_ctx):
    view = EnterprisesView(demo_ctx)  # the columns exactly as the view shows them
    columns = view.model.columns
    view.deleteLater()
    model = RowsModel(columns)
    with demo_ctx.db.uow() as uow:
        model.set_rows(subjects.enterprise_rows(uow.session))
    return model


def test_enterprise_model_passes_qtmodeltester(qtmodeltester, enterprise_model):
    assert enterprise_model.rowCount() == 300
    qtmodeltester.check(enterprise_model, force_py=True)


def test_enterprise_proxy_passes_qtmodeltester_while_searching_and_sorting(qtmodeltester, enterprise_model):
    proxy = SearchProxy(enterprise_model)
    qtmodeltester.check(proxy, force_py=True)  # re-checks on every reset and layout change below
    proxy.set_search("渝北")
    assert 0 < proxy.rowCount() < 300
    proxy.sort(2, Qt.SortOrder.DescendingOrder)
    proxy.set_search("汽车")
    assert 0 < proxy.rowCount() < 300
    proxy.set_search("")
    assert proxy.rowCount() == 300


@pytest.mark.parametrize("cls", [EnterprisesView, ParksView])
def test_view_models_pass_qtmodeltester_with_data(qtbot, qtmodeltester, demo_ctx, cls):
    view = cls(demo_ctx)
    qtbot.addWidget(view)
    view.refresh()
    assert view.proxy.rowCount() > 0
    qtmodeltester.check(view.proxy, force_py=True)
    view.search.setText("重庆")
    view.table.sortByColumn(1, Qt.SortOrder.DescendingOrder)
    view.refresh()
    assert view.proxy.rowCount() > 0


def test_headers_and_cells_show_names_not_codes(enterprise_model):
    headers = [enterprise_model.headerData(c, Qt.Orientation.Horizontal) for c in range(enterprise_model.columnCount())]
    assert headers[:5] == ["企业名称", "统一社会信用代码", "区县", "所属行业", "所在园区"]
    districts = {enterprise_model.index(r, 2).data() for r in range(enterprise_model.rowCount())}
    assert "渝北区" in districts and not any(d.isdigit() for d in districts)
    industries = {enterprise_model.index(r, 3).data() for r in range(enterprise_model.rowCount())}
    assert "汽车制造业" in industries
    assert {enterprise_model.index(r, 8).data() for r in range(enterprise_model.rowCount())} <= {"是", "否"}


def test_big_tables_are_fetched_in_pages(qtmodeltester):
    rows = [(i, f"企业{i:05d}", "500112") for i in range(PAGE + 500)]
    model = RowsModel([Column("名称", 1), Column("区县", 2)])
    model.set_rows(rows)
    assert model.rowCount() == PAGE and model.canFetchMore()
    model.fetchMore()
    assert model.rowCount() == PAGE + 500 and not model.canFetchMore()
    qtmodeltester.check(model, force_py=True)


def test_a_row_past_the_first_page_is_found_by_id():
    rows = [(i, f"企业{i:05d}", "500112") for i in range(PAGE + 500)]
    model = RowsModel([Column("名称", 1), Column("区县", 2)])
    model.set_rows(rows)
    assert model.row_of_id(PAGE + 10) == PAGE + 10  # pages it in
    assert model.index(PAGE + 10, 0).data() == f"企业{PAGE + 10:05d}"


def test_search_folds_full_width_and_case():
    model = RowsModel([Column("名称", 1), Column("代码", 2)])
    model.set_rows([(1, "重庆甲有限公司", "91500112MA5U7AMQ8X"), (2, "重庆乙有限公司", "91500113MA5U7AMR0B")])
    model.set_search("ｍａ５ｕ７ａｍｑ")
    assert [model.id_at(r) for r in range(model.rowCount())] == [1]
    model.set_search("重庆 乙")
    assert [model.id_at(r) for r in range(model.rowCount())] == [2]


def test_sort_orders_values_and_keeps_empty_apart():
    model = RowsModel([Column("名称", 1), Column("园区", 2)])
    model.set_rows([(1, "甲", "B园"), (2, "乙", None), (3, "丙", "A园")])
    model.sort(1, Qt.SortOrder.AscendingOrder)
    assert [model.index(r, 1).data() for r in range(3)] == ["A园", "B园", ""]
    model.sort(1, Qt.SortOrder.DescendingOrder)
    shown = [model.index(r, 1).data() for r in range(3)]
    assert [v for v in shown if v] == ["B园", "A园"]
