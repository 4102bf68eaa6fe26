"""The 称号监管 tab: every title with its state, source, ban and to-dos; filters; revocation through
the dialog with its confirmation (第十七条, 第十八条); renaming due 30 working days later and
overdue in red (第十九条); the fallback warning and the holidays dialog; re-reviews (第十六条,
a failed one leading to 第十七条（二）); the yearly indicators dialog (第十六条); the ban on the
enterprise's record; the tab in the main window, loaded when first shown."""
from __future__ import annotations

import datetime as dt
import openpyxl
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox
from sqlalchemy import select

from desktop.dialogs.title_change import ChangeDialog, ReportedDialog
from desktop.dialogs.title_holidays import HolidaysDialog
from desktop.dialogs.title_indicators import IndicatorsDialog
from desktop.dialogs.title_new import NewTitleDialog
from desktop.dialogs.title_review import ReviewResultDialog, ScheduleReviewDialog
from desktop.dialogs.title_revoke import RevokeDialog
from desktop.supervision_ui import set_date
from desktop.views.titles import C_TODO, TitlesView
from models.entities import (
    AuditEntry,
    Enterprise,
    Park,
    ReReviewOutcome,
    Setting,
    Title,
    TitleChange,
    TitleReview,
    TitleState,
)
from models.review_service import set_indicator
from models.stages import TitleKind
from models.supervision import add_title, revoke_title, schedule_review
from sync_helpers import messages  # noqa: F401 (fixture: message boxes answered without blocking)

TODAY = dt.date(2026, 11, 21)
HEADERS = ["单位", "称号", "级别", "年度", "认定文号", "状态", "来源", "禁止申报至", "指标报送", "待办"]
FALLBACK = "2027年的法定节假日尚未收录，按周一至周五计算；可在「节假日设置」中录入"


@pytest.fixture
def ids(ctx) -> dict[str, int]:
    """Four holders: a 2024 factory title without its indicators, an imported park title, a
    revoked factory title, and a title under re-review with its indicators filed."""
    with ctx.db.uow() as uow:
        s = uow.session
        e1 = Enterprise(name="重庆绿源机械有限公司", credit_code="91500112MA5U7AMQ8M", district_code="500112")
        e2 = Enterprise(name="重庆恒泰化工有限公司", credit_code="9150000020286320X6", district_code="500112")
        e3 = Enterprise(name="重庆瑞丰食品有限公司", credit_code="91500112CEPE747K5C", district_code="500112")
        park = Park(name="重庆空港工业园区")
        s.add_all([e1, e2, e3, park])
        s.flush()
        t1 = add_title(s, title_kind=TitleKind.CITY_FACTORY, year=2024, enterprise_id=e1.id,
                       doc_number="渝经信节能〔2024〕20号", recognised_on=dt.date(2024, 12, 20))
        t2 = Title(title_kind=TitleKind.CITY_PARK, park_id=park.id, year=2025, doc_number="渝经信节能〔2025〕31号",
                   source="import")
        s.add(t2)
        s.flush()
        set_indicator(s, park_id=park.id, year=2025, key="carbon_intensity", value="1.1")
        t3 = add_title(s, title_kind=TitleKind.CITY_FACTORY, year=2023, enterprise_id=e2.id,
                       doc_number="渝经信节能〔2023〕9号", recognised_on=dt.date(2023, 12, 1))
        revoke_title(s, t3.id, cause="（六）", revoked_on=dt.date(2026, 3, 12), doc="渝经信节能〔2026〕8号")
        t4 = add_title(s, title_kind=TitleKind.CITY_FACTORY, year=2025, enterprise_id=e3.id,
                       doc_number="渝经信节能〔2025〕12号", recognised_on=dt.date(2025, 12, 10))
        set_indicator(s, enterprise_id=e3.id, year=2024, key="energy_per_value_added", value="0.40")
        set_indicator(s, enterprise_id=e3.id, year=2025, key="energy_per_value_added", value="0.45")
        schedule_review(s, t4.id, dt.date(2026, 12, 3))
        uow.commit()
        return {"valid": t1.id, "park": t2.id, "revoked": t3.id, "review": t4.id,
                "e1": e1.id, "e2": e2.id, "e3": e3.id, "park_id": park.id}


@pytest.fixture
def view(qtbot, ctx, ids) -> TitlesView:
    v = TitlesView(ctx)
    qtbot.addWidget(v)
    v.today = TODAY
    v.resize(1400, 700)
    v.refresh()
    return v


def shown(v: TitlesView) -> dict[str, list[str]]:
    """Row texts keyed by unit name, as the table shows them."""
    out = {}
    for r in range(v.proxy.rowCount()):
        cells = [v.proxy.index(r, c).data() for c in range(v.proxy.columnCount())]
        out[cells[0]] = cells
    return out


def row_index(v: TitlesView, name: str) -> int:
    return next(r for r in range(v.proxy.rowCount()) if v.proxy.index(r, 0).data() == name)


def pick(v: TitlesView, title_id: int) -> None:
    assert v.select_id(title_id)


def exec_with(fill):
    """A dialog's exec that fills it in and presses 确定 (as the clerk would)."""
    def exec_(dlg):
        fill(dlg)
        dlg.accept()
        return dlg.result()
    return exec_


def stored_title(ctx, tid: int) -> Title:
    with ctx.db.uow() as uow:
        t = uow.session.get(Title, tid)
        uow.session.expunge(t)  # a plain snapshot after the unit of work ends
        return t


# --------------------------------------------------------------------------- the table


def test_every_title_with_state_source_ban_and_todo(view, qtmodeltester):
    qtmodeltester.check(view.model)
    qtmodeltester.check(view.proxy)
    assert [view.proxy.headerData(c, Qt.Orientation.Horizontal) for c in range(len(HEADERS))] == HEADERS
    rows = shown(view)
    assert rows["重庆绿源机械有限公司"] == [
        "重庆绿源机械有限公司", "市级绿色工厂", "市级", "2024", "渝经信节能〔2024〕20号", "有效", "手工录入", "",
        "未报", "年度指标逾期未报（2026-04-15前）"]
    assert rows["重庆空港工业园区"][1:9] == ["市级绿色园区", "市级", "2025", "渝经信节能〔2025〕31号", "有效", "名单导入",
                                        "", "已报"]
    assert rows["重庆恒泰化工有限公司"][5:10] == ["已撤销", "手工录入", "2029-03-12前", "", ""]
    assert rows["重庆瑞丰食品有限公司"][5:10] == ["复审中", "手工录入", "", "指标下降⚠", "复审（2026-12-03）"]
    # overdue first (the 待办 column sorts overdue rows to the top), in red with a mark
    assert view.proxy.index(0, 0).data() == "重庆绿源机械有限公司"
    assert view.proxy.index(0, 0).data(Qt.ItemDataRole.ForegroundRole).color().name() == "#c0271d"
    assert view.proxy.index(0, C_TODO).data(Qt.ItemDataRole.DecorationRole) is not None
    r = row_index(view, "重庆恒泰化工有限公司")
    assert "第十七条（六）被列入失信黑名单的" in view.proxy.index(r, 5).data(Qt.ItemDataRole.ToolTipRole)
    r = row_index(view, "重庆瑞丰食品有限公司")
    assert view.proxy.index(r, 8).data(Qt.ItemDataRole.ToolTipRole) == "比上年变差：单位工业增加值综合能耗（能源低碳化）"
    assert view.proxy.index(r, 0).data(Qt.ItemDataRole.ForegroundRole) is None
    assert view.count_label.text() == "显示 4 / 共 4 项：有效 2，复审中 1，已撤销 1；逾期待办 1 项"


def test_filters_by_title_state_year_and_search(view):
    view.kind_combo.setCurrentIndex(view.kind_combo.findData("city_park"))
    assert list(shown(view)) == ["重庆空港工业园区"]
    view.kind_combo.setCurrentIndex(0)
    view.state_combo.setCurrentIndex(view.state_combo.findData("revoked"))
    assert list(shown(view)) == ["重庆恒泰化工有限公司"]
    view.state_combo.setCurrentIndex(view.state_combo.findData("overdue"))
    assert list(shown(view)) == ["重庆绿源机械有限公司"]
    view.state_combo.setCurrentIndex(view.state_combo.findData("todo"))
    assert set(shown(view)) == {"重庆绿源机械有限公司", "重庆瑞丰食品有限公司"}
    view.state_combo.setCurrentIndex(0)
    assert [view.year_combo.itemText(i) for i in range(view.year_combo.count())] == [
        "全部年度", "2025年", "2024年", "2023年"]
    view.year_combo.setCurrentIndex(view.year_combo.findData(2025))
    assert set(shown(view)) == {"重庆空港工业园区", "重庆瑞丰食品有限公司"}
    view.search_edit.setText("〔2025〕12")
    assert list(shown(view)) == ["重庆瑞丰食品有限公司"]
    assert view.count_label.text().startswith("显示 1 / 共 4 项")


def test_detail_shows_revocation_and_ban_第十八条(view, ids):
    pick(view, ids["revoked"])
    text = view.detail.text()
    assert "已撤销：2026-03-12，依据第十七条（六）被列入失信黑名单的（渝经信节能〔2026〕8号）" in text
    assert "2029-03-12前不得重新申报（第十八条）" in text
    assert not view.act_revoke.isEnabled() and not view.act_review.isEnabled()


# --------------------------------------------------------------------------- 第十七条


def test_revocation_through_the_dialog_after_confirmation_第十七条(view, ctx, ids, monkeypatch, messages):
    pick(view, ids["valid"])
    assert view.act_revoke.isEnabled()

    def fill(dlg: RevokeDialog):
        heading = dlg.findChildren(type(dlg.ban))[0].text()
        assert heading == "撤销「重庆绿源机械有限公司」2024年市级绿色工厂称号（渝经信节能〔2024〕20号）"
        dlg.accept()  # no cause chosen: refused
        assert dlg.result() == 0 and "第十七条（一）至（七）" in dlg.error.text()
        dlg.cause.setCurrentIndex(dlg.cause.findData("（五）"))
        set_date(dlg.date, dt.date(2026, 11, 20))
        assert "2029-11-20前不得重新申报" in dlg.ban.text()
        dlg.doc.setText("渝经信节能〔2026〕41号")
        dlg.notes.setPlainText("2026年10月发生较大环境污染事故")

    # the clerk says No at the confirmation: nothing changes
    messages["answer"][0] = QMessageBox.StandardButton.No
    monkeypatch.setattr(RevokeDialog, "exec", exec_with(fill))
    assert not view.revoke_selected()
    assert stored_title(ctx, ids["valid"]).state is TitleState.VALID
    assert "撤销情形：第十七条（五）发生较大及以上安全、环境、质量等事故的" in messages["question"][0]
    assert "2029-11-20前该单位不得重新申报（第十八条）" in messages["question"][0]

    messages["answer"][0] = QMessageBox.StandardButton.Yes
    assert view.revoke_selected()
    t = stored_title(ctx, ids["valid"])
    assert (t.state, t.revoked_on, t.revocation_cause, t.revocation_doc) == (
        TitleState.REVOKED, dt.date(2026, 11, 20), "（五）", "渝经信节能〔2026〕41号")
    assert "2026年10月发生较大环境污染事故" in t.notes
    assert shown(view)["重庆绿源机械有限公司"][5:8] == ["已撤销", "手工录入", "2029-11-20前"]
    with ctx.db.uow() as uow:
        entry = uow.session.scalars(select(AuditEntry).where(
            AuditEntry.table_name == "title", AuditEntry.record_id == ids["valid"],
            AuditEntry.action == "update")).one()
        assert entry.user == "测试员" and entry.after["revocation_cause"] == "（五）"



def test_title_dialogs_show_unit_in_bold_then_the_article_in_grey_第十七条_第十九条(qtbot):
    """The title dialogs share their pieces (supervision_ui.heading_label/doc_edit/notes_edit,
    review_ui.note_label): the unit in bold, the article they apply in grey, a 文号 of at most 60
    characters."""
    from PySide6.QtWidgets import QLabel

    from desktop.supervision_ui import ARTICLE_17, ARTICLE_19

    revoke = RevokeDialog(None, "撤销「重庆绿源机械有限公司」称号")
    change = ChangeDialog(None, "重庆绿源机械有限公司", {})
    review = ScheduleReviewDialog(None, "重庆绿源机械有限公司 市级绿色工厂")
    for dlg, head, article in ((revoke, "撤销「重庆绿源机械有限公司」称号", ARTICLE_17),
                               (change, "单位：重庆绿源机械有限公司", ARTICLE_19),
                               (review, "重庆绿源机械有限公司 市级绿色工厂", None)):
        qtbot.addWidget(dlg)
        labels = dlg.findChildren(QLabel)
        assert (labels[0].text(), labels[0].styleSheet()) == (head, "font-weight: bold")
        if article:
            assert (labels[1].text(), labels[1].styleSheet()) == (article, "color: palette(placeholder-text)")
        dlg.doc.setText("文" * 80)
        assert len(dlg.doc.text()) == 60

def test_new_title_entered_by_hand(view, ctx, ids, monkeypatch):
    def fill(dlg: NewTitleDialog):
        dlg.subject.setCurrentIndex(dlg.subject.findData(ids["e1"]))
        dlg.kind.setCurrentIndex(dlg.kind.findData("national_factory"))
        dlg.year.setValue(2025)
        dlg.doc.setText("工信厅节函〔2025〕12号")

    monkeypatch.setattr(NewTitleDialog, "exec", exec_with(fill))
    tid = view.new_record()
    t = stored_title(ctx, tid)
    assert (t.title_kind, t.enterprise_id, t.year, t.doc_number, t.source) == (
        TitleKind.NATIONAL_FACTORY, ids["e1"], 2025, "工信厅节函〔2025〕12号", "entered")
    assert view.selected_id() == tid
    assert view.proxy.index(view.table.currentIndex().row(), 1).data() == "国家级绿色工厂"
    assert view.proxy.index(view.table.currentIndex().row(), 2).data() == "国家级"


# --------------------------------------------------------------------------- 第十九条


def test_renaming_through_the_dialog_overdue_then_reported_第十九条(view, ctx, ids, monkeypatch):
    pick(view, ids["review"])

    def fill(dlg: ChangeDialog):
        set_date(dlg.completed, dt.date(2026, 9, 24))
        assert dlg.due.text() == "2026-11-12（30个工作日）"
        assert not dlg.fallback.isVisibleTo(dlg)
        dlg.new_name.setText("重庆瑞丰集团有限公司")

    monkeypatch.setattr(ChangeDialog, "exec", exec_with(fill))
    assert view.record_change()
    with ctx.db.uow() as uow:
        ch = uow.session.scalars(select(TitleChange)).one()
        assert (ch.due_on, ch.old_name, ch.new_name, ch.reported_on) == (
            dt.date(2026, 11, 12), "重庆瑞丰食品有限公司", "重庆瑞丰集团有限公司", None)
        assert uow.session.get(Enterprise, ids["e3"]).name == "重庆瑞丰集团有限公司"
    row = shown(view)["重庆瑞丰集团有限公司"]
    assert row[9] == "更名上报已逾期（2026-11-12前）；复审（2026-12-03）"
    r = row_index(view, "重庆瑞丰集团有限公司")
    assert view.proxy.index(r, 0).data(Qt.ItemDataRole.ForegroundRole).color().name() == "#c0271d"
    assert view.act_reported.isEnabled()

    def report(dlg: ReportedDialog):
        set_date(dlg.date, dt.date(2026, 11, 21))
        dlg.doc.setText("渝北经信发〔2026〕40号")

    monkeypatch.setattr(ReportedDialog, "exec", exec_with(report))
    assert view.mark_reported()
    row = shown(view)["重庆瑞丰集团有限公司"]
    assert row[9] == "复审（2026-12-03）"
    assert view.proxy.index(row_index(view, "重庆瑞丰集团有限公司"), 0).data(Qt.ItemDataRole.ForegroundRole) is None


def test_fallback_warning_then_the_holidays_dialog_changes_the_due_date_第十九条(view, ctx, ids, monkeypatch, messages):
    pick(view, ids["valid"])

    def fill(dlg: ChangeDialog):
        dlg.kind.setCurrentIndex(dlg.kind.findData("restructure"))
        set_date(dlg.completed, dt.date(2026, 12, 18))
        assert dlg.due.text() == "2027-01-29（30个工作日）"
        assert dlg.fallback.isVisibleTo(dlg) and dlg.fallback.text() == FALLBACK
        assert not dlg.new_name.isEnabled()

    monkeypatch.setattr(ChangeDialog, "exec", exec_with(fill))
    assert view.record_change()
    assert view.fallback_label.isVisibleTo(view) and view.fallback_label.text() == FALLBACK

    dlg = HolidaysDialog(ctx, view, year=2027)
    assert dlg.state.text() == FALLBACK
    dlg.holidays.setPlainText("2027-01-01\n2027-02-30")
    dlg.accept()
    assert dlg.result() == 0 and dlg.error.text() == "以下内容不是2027年的日期，请改正：2027-02-30"
    dlg.holidays.setPlainText("2027-01-01")
    dlg.workdays.setPlainText("2027-01-01")
    dlg.accept()
    assert dlg.result() == 0 and "同时出现" in dlg.error.text()
    dlg.workdays.setPlainText("")
    dlg.accept()
    assert dlg.result() == 1
    assert messages["information"][-1] == ("已保存2027年节假日：放假 1 天，调休上班 0 天。\n"
                                           "已按新日历重新计算 1 项更名/重组的上报截止日期。")
    with ctx.db.uow() as uow:
        assert uow.session.get(Setting, "holidays:2027").value == {"holidays": ["2027-01-01"], "workdays": []}
        ch = uow.session.scalars(select(TitleChange)).one()
        assert (ch.due_on, ch.due_fallback) == (dt.date(2027, 2, 1), False)
    view.refresh()
    assert not view.fallback_label.isVisibleTo(view)
    assert "重组上报（2027-02-01前）" in shown(view)["重庆绿源机械有限公司"][9]


def test_holidays_dialog_for_a_year_the_calendar_knows(ctx, qtbot):
    dlg = HolidaysDialog(ctx, None, year=2026)
    qtbot.addWidget(dlg)
    assert dlg.state.text().startswith("程序自带的日历已收录2026年的放假安排")
    assert not dlg.clear_button.isEnabled()


# --------------------------------------------------------------------------- 第十六条 re-review


def test_re_review_scheduled_then_failed_leads_to_revocation_for_cause_two_第十七条(view, ctx, ids, monkeypatch,
                                                                                   messages):
    pick(view, ids["valid"])
    assert view.act_review.text() == "安排复审…"

    def schedule(dlg: ScheduleReviewDialog):
        set_date(dlg.date, dt.date(2026, 12, 10))
        dlg.doc.setText("渝经信节能〔2026〕50号")

    monkeypatch.setattr(ScheduleReviewDialog, "exec", exec_with(schedule))
    assert view.review_selected()
    assert stored_title(ctx, ids["valid"]).state is TitleState.UNDER_REVIEW
    assert shown(view)["重庆绿源机械有限公司"][5] == "复审中"
    assert view.act_review.text() == "录入复审结果…"

    def result(dlg: ReviewResultDialog):
        dlg.accept()  # no outcome chosen: refused
        assert dlg.result() == 0 and "请选择复审结果" in dlg.error.text()
        dlg.failed.setChecked(True)
        set_date(dlg.date, dt.date(2026, 12, 10))

    seen_cause = []

    def revoke(dlg: RevokeDialog):
        seen_cause.append(dlg.cause.currentData())
        dlg.doc.setText("渝经信节能〔2026〕52号")

    monkeypatch.setattr(ReviewResultDialog, "exec", exec_with(result))
    monkeypatch.setattr(RevokeDialog, "exec", exec_with(revoke))
    assert view.review_selected()
    assert "依第十七条（二），应撤销该称号" in messages["question"][0]
    assert seen_cause == ["（二）"]
    t = stored_title(ctx, ids["valid"])
    assert (t.state, t.revocation_cause, t.revocation_doc) == (TitleState.REVOKED, "（二）", "渝经信节能〔2026〕52号")
    with ctx.db.uow() as uow:
        rv = uow.session.scalars(select(TitleReview).where(TitleReview.title_id == ids["valid"])).one()
        assert (rv.outcome, rv.held_on, rv.doc) == (ReReviewOutcome.FAILED, dt.date(2026, 12, 10), "渝经信节能〔2026〕50号")


def test_re_review_passed_makes_the_title_valid_第十六条(view, ctx, ids, monkeypatch):
    pick(view, ids["review"])
    assert view.act_review.text() == "录入复审结果…"

    def result(dlg: ReviewResultDialog):
        dlg.passed.setChecked(True)
        set_date(dlg.date, dt.date(2026, 12, 3))

    monkeypatch.setattr(ReviewResultDialog, "exec", exec_with(result))
    assert view.review_selected()
    assert stored_title(ctx, ids["review"]).state is TitleState.VALID
    assert shown(view)["重庆瑞丰食品有限公司"][5] == "有效" and shown(view)["重庆瑞丰食品有限公司"][9] == ""


# --------------------------------------------------------------------------- 第十六条 indicators


def test_indicators_dialog_due_date_missing_list_and_prefilled_export_第十六条(qtbot, ctx, ids, tmp_path,
                                                                             monkeypatch, messages):
    dlg = IndicatorsDialog(ctx, None, year=2026, today=TODAY)
    qtbot.addWidget(dlg)
    assert dlg.due.date().toString("yyyy-MM-dd") == "2026-04-15"
    assert dlg.data_year.text() == "（报送2025年度数据）"
    assert dlg.summary.text() == ("应报 3 家：已报 2 家（其中关键指标比上年变差 1 家），未报 1 家。截止 2026-04-15，"
                                  "已过截止日期，请催报未报单位。")
    assert [dlg.proxy.index(r, 2).data() for r in range(dlg.proxy.rowCount())] == ["未报", "指标下降⚠", "已报"]
    assert dlg.missing_names() == ["重庆绿源机械有限公司"]
    dlg.only_missing.setChecked(True)
    assert dlg.proxy.rowCount() == 1 and dlg.proxy.index(0, 0).data() == "重庆绿源机械有限公司"

    set_date(dlg.due, dt.date(2026, 4, 30))
    assert dlg.save_due_date()
    with ctx.db.uow() as uow:
        assert uow.session.get(Setting, "indicator_due:2026").value == "2026-04-30"
    assert "截止 2026-04-30" in dlg.summary.text()

    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(out))
    op = dlg.export_forms()
    with qtbot.waitSignal(op.done, timeout=30000):
        pass
    files = sorted(p.name for p in out.iterdir())
    assert files == ["2025年度企业绿色制造关键指标采集表（持证单位）.xlsx", "2025年度园区绿色制造关键指标采集表（持证单位）.xlsx"]
    wb = openpyxl.load_workbook(out / files[0])
    ws = wb["企业年度指标"]
    assert [c.value for c in ws[1]][:3] == ["*企业名称", "*统一社会信用代码", "*年度"]
    values = [list(row) for row in ws.iter_rows(min_row=2, max_col=3, values_only=True) if row[0]]
    assert sorted(values) == [["重庆瑞丰食品有限公司", "91500112CEPE747K5C", 2025],
                              ["重庆绿源机械有限公司", "91500112MA5U7AMQ8M", 2025]]
    assert "发给各单位填写2025年度数据" in messages["information"][-1]

    # the missing holder fills in its row; the form comes back through the ordinary import
    path = out / files[0]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == "重庆绿源机械有限公司")
    col = next(c.column for c in ws[1] if c.value and str(c.value).startswith("单位工业增加值综合能耗"))
    ws.cell(row, col, value=0.38)
    wb.save(path)
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(path)], ""))
    op = dlg.import_forms()
    with qtbot.waitSignal(op.done, timeout=30000):
        pass
    imp = dlg.import_dialog
    assert imp is not None and imp.isVisible()
    qtbot.addWidget(imp)
    assert imp.apply_problem() == ""
    with qtbot.waitSignal(imp.apply().done, timeout=30000):
        pass
    with ctx.db.uow() as uow:
        from models.review import Indicator

        got = uow.session.scalars(select(Indicator).where(Indicator.enterprise_id == ids["e1"])).all()
        assert [(i.year, i.key, float(i.value)) for i in got] == [(2025, "energy_per_value_added", 0.38)]
    assert dlg.missing_names() == []
    assert dlg.summary.text().startswith("应报 3 家：已报 3 家")


# --------------------------------------------------------------------------- the enterprise's record


def test_the_enterprise_record_shows_the_ban_第十八条(qtbot, ctx, ids):
    from desktop.dialogs.record_editor import RecordEditor

    editor = RecordEditor(ctx, "enterprise", ids["e2"])
    qtbot.addWidget(editor)
    assert editor.ban_label is not None
    assert editor.ban_label.text() == ("禁止申报：2029-03-12前不得申报（市级绿色工厂称号于2026-03-12撤销，"
                                       "第十七条（六）被列入失信黑名单的，渝经信节能〔2026〕8号；第十八条）")
    other = RecordEditor(ctx, "enterprise", ids["e1"])
    qtbot.addWidget(other)
    assert other.ban_label is None


# --------------------------------------------------------------------------- in the main window


def test_the_tab_loads_when_first_shown_and_has_its_menu(qtbot, db, ids):
    from desktop.main_window import MainWindow

    win = MainWindow(db, settings=QSettings(str(db.data_dir / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    view = next(v for v in win.views if isinstance(v, TitlesView))
    assert view.title == "称号监管" and view.model.rowCount() == 0 and not view._loaded  # nothing read at start
    menu = win.menus["supervise"]
    texts = [a.text().split("\t")[0] for a in menu.actions() if not a.isSeparator()]
    assert texts[:4] == ["称号监管", "新增称号…", "撤销称号…", "更名/重组…"]
    assert "年度指标…" in texts and "节假日设置…" in texts
    next(a for a in menu.actions() if a.text() == "称号监管").trigger()
    assert win.tabs.currentWidget() is view
    assert view._loaded and view.model.rowCount() == 4
    win.show_record("title", ids["revoked"])
    assert view.selected_id() == ids["revoked"]
