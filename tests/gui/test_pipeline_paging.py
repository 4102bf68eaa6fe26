"""The pipeline board loads each column's cards page by page: counts are right before the cards
are loaded, scrolling fetches the next page in order, a search and a look-up by id load the rest
(the demo data with a page of 3 cards)."""
from __future__ import annotations

import pytest

from desktop.views import pipeline as pv
from desktop.views.pipeline import PipelineView
from models import pipeline as pl
from models.stages import STAGES, Stage

YEAR = 2026


@pytest.fixture
def board(qtbot, demo_ctx, monkeypatch):
    monkeypatch.setattr(pv, "CARD_PAGE", 3)
    v = PipelineView(demo_ctx)
    qtbot.addWidget(v)
    v.refresh()
    v.set_year(YEAR)
    return v


def _all_cards(ctx) -> dict[Stage, list[pl.CardRow]]:
    with ctx.db.uow() as uow:
        cards = pl.card_rows(uow.session, year=YEAR)
    out: dict[Stage, list[pl.CardRow]] = {s: [] for s in STAGES}
    for c in cards:
        out[c.stage].append(c)
    return out


def test_columns_show_full_counts_but_load_one_page(board, demo_ctx):
    every = _all_cards(demo_ctx)
    col = board.column_of(Stage.CULTIVATING)
    n = len(every[Stage.CULTIVATING])
    assert n > 7
    assert col.model.rowCount() == 3
    assert col.header.text() == f"{Stage.CULTIVATING.label}（{n}）"
    assert "/" not in col.header.text()
    assert [c.total() for c in (x.model for x in board.columns)] == [len(every[s]) for s in STAGES]
    assert board.count_label.text() == f"{YEAR}年度 共 {sum(map(len, every.values()))} 项"


def test_scrolling_fetches_the_next_pages_in_board_order(board, demo_ctx):
    every = _all_cards(demo_ctx)[Stage.CULTIVATING]
    m = board.column_of(Stage.CULTIVATING).model
    assert m.canFetchMore()
    m.fetchMore()
    assert m.rowCount() == 6
    while m.canFetchMore():
        m.fetchMore()
    assert [c.id for c in m.cards()] == [c.id for c in every]


def test_search_finds_cards_not_loaded_yet(board, demo_ctx):
    last = _all_cards(demo_ctx)[Stage.CULTIVATING][-1]
    board.search_edit.setText(last.credit_code)
    names = [c.name for c in board.column_of(Stage.CULTIVATING).model.cards()]
    assert names == [last.name]
    board.search_edit.clear()
    assert board.column_of(Stage.CULTIVATING).model.rowCount() == len(_all_cards(demo_ctx)[Stage.CULTIVATING])


def test_selecting_a_card_beyond_the_first_page_loads_it(board, demo_ctx):
    last = _all_cards(demo_ctx)[Stage.CULTIVATING][-1]
    m = board.column_of(Stage.CULTIVATING).model
    assert m.row_of_id(last.id) is None
    board.show_record("application", last.id)
    assert [c.id for c in board.selected_cards()] == [last.id]
    assert board.current_card().name == last.name


def test_paged_model_passes_qtmodeltester(board, qtmodeltester):
    qtmodeltester.check(board.column_of(Stage.CULTIVATING).model)
