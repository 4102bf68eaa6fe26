"""开始新年度 in the window: the dialog names the applications that carry forward into N+1 and
how many finished ones stay; confirming carries them (same stage, linked to last year's),
takes a backup first, and 撤销上次导入 takes it back."""
from __future__ import annotations

import random

import pytest
from sqlalchemy import func, select

from desktop.dialogs.new_year import NewYearDialog
from models.demo import make_credit_code
from models.entities import Application, Enterprise
from models.pipeline import create_application
from models.stages import Stage, TitleKind
from sync_helpers import main_window, messages, wait  # noqa: F401 (fixture)

STAGES = {
    "重庆甲机械有限公司": Stage.BUILDING,
    "重庆乙电子有限公司": Stage.UNDER_REVIEW,
    "重庆丙材料有限公司": Stage.RECOMMENDED,
    "重庆丁化工有限公司": Stage.RECOGNISED,
    "重庆戊食品有限公司": Stage.REJECTED,
}


@pytest.fixture
def window(qtbot, db):
    rng = random.Random(5)
    with db.uow() as uow:
        s = uow.session
        for name, stage in STAGES.items():
            e = Enterprise(name=name, credit_code=make_credit_code(rng, "500112"), district_code="500112")
            s.add(e)
            s.flush()
            create_application(s, year=2025, title_kind=TitleKind.CITY_FACTORY, enterprise=e, stage=stage)
        uow.commit()
    return main_window(qtbot, db)


def apps(db, year: int) -> dict[str, Stage]:
    with db.uow() as uow:
        return {a.enterprise.name: a.stage for a in uow.session.scalars(select(Application).where(Application.year == year))}


def test_new_year_carries_unfinished_applications_and_can_be_undone(qtbot, window, monkeypatch, messages):
    db = window.ctx.db
    opened = []

    def run(self):
        opened.append(self)
        qtbot.addWidget(self)
        # what the clerk sees before confirming
        assert self.from_year == 2025 and self.arrow.text() == "→ 开始 2026 年度"
        assert "2025 年度有 3 条未完成的申报将结转到 2026 年度；已认定或未通过的 2 条留在 2025 年度" in self.summary.text()
        shown = {self.model.index(r, 0).data(): self.model.index(r, 2).data() for r in range(self.model.rowCount())}
        assert shown == {"重庆甲机械有限公司": "创建", "重庆乙电子有限公司": "区县初审", "重庆丙材料有限公司": "已推荐"}
        assert self.btn_ok.text() == "开始 2026 年度（结转 3 条）"
        assert apps(db, 2026) == {}  # looking changed nothing
        wait(qtbot, self.start())
        return int(self.result is not None)

    monkeypatch.setattr(NewYearDialog, "exec", run)
    changed = []
    window.ctx.data_changed.connect(changed.append)
    window.sync.act_new_year.trigger()
    dlg = opened[0]
    count, backup = dlg.result
    assert count == 3 and backup.exists()
    assert apps(db, 2026) == {"重庆甲机械有限公司": Stage.BUILDING, "重庆乙电子有限公司": Stage.UNDER_REVIEW,
                              "重庆丙材料有限公司": Stage.RECOMMENDED}
    assert apps(db, 2025) == STAGES  # finished ones stay in their year; the old ones stay too
    with db.uow() as uow:
        s = uow.session
        for a in s.scalars(select(Application).where(Application.year == 2026)):
            old = s.get(Application, a.carried_from_id)
            assert (old.year, old.enterprise_id, old.stage) == (2025, a.enterprise_id, a.stage)
    assert "已开始 2026 年度：结转了 3 条申报" in messages["information"][-1] and backup.name in messages["information"][-1]
    assert changed and "*" in changed[-1]
    # a second time: nothing left to carry, the button says so
    again = NewYearDialog(window.ctx, window, from_year=2025)
    qtbot.addWidget(again)
    assert not again.btn_ok.isEnabled() and "2025 年度没有需要结转的申报" in again.summary.text()
    assert "另有 3 条已经结转过" in again.summary.text()
    # 撤销上次导入 takes the new year back
    assert window.sync.undo_last_import()
    assert "开始 2026 年度" in messages["question"][-1]
    assert apps(db, 2026) == {}


def test_a_year_without_unfinished_applications(qtbot, window):
    dlg = NewYearDialog(window.ctx, window, from_year=2024)
    qtbot.addWidget(dlg)
    assert dlg.model.rowCount() == 0 and not dlg.btn_ok.isEnabled()
    assert "2024 年度没有需要结转的申报" in dlg.summary.text()
    dlg.year.setValue(2025)  # the clerk picks the right year: the list follows
    assert dlg.model.rowCount() == 3 and dlg.btn_ok.isEnabled()
    with window.ctx.db.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Application)) == 5


def test_undo_without_any_import(window, messages):
    assert not window.sync.undo_last_import()
    assert "没有可以撤销的导入" in messages["information"][-1]
