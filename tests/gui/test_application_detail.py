"""The application page: materials checklist (drop, file dialog, open, accept, return, bad
files), third-party report, certificates, indicators, 初审 results with overrides, and the
初审意见表 — what a clerk sees and what ends up in the database."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from docx import Document
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QInputDialog, QMessageBox
from sqlalchemy import func, select

from desktop.dialogs import application_detail as ad
from desktop.dialogs.application_detail import (
    M_FILE, M_KEY, M_PAGES, M_STATE, M_STATUS, ApplicationDetailDialog, CertificateDialog, OverrideDialog,
)
from forms.rules.runner import run_checks
from models.entities import Application, Enterprise
from models.pipeline import create_application
from models.review import (
    CertKind, CheckOverride, CheckRun, Indicator, Material, MaterialStatus, Outcome, ThirdPartyReport,
)
from models.review_service import certificates_for, evaluators, save_report
from models.stages import Stage, TitleKind
from tests.integration.review_fixtures import AS_OF, factory_application, good_code, pdf_file

NAME = "重庆绿源机械有限公司"


# ---------------------------------------------------------------------------------------- fixtures
@pytest.fixture
def app_id(ctx, tmp_path) -> int:
    """A 市级绿色工厂 application with everything in order on AS_OF, except that its report's
    score is 76 (第七条（八） fails); 第七条（二） always needs a person."""
    with ctx.db.uow() as uow:
        aid = factory_application(uow.session, ctx.db.files_dir, tmp_path / "src", name=NAME)
        save_report(uow.session, aid, {"score": 76})
        uow.commit()
    return aid


@pytest.fixture
def bare_id(ctx) -> int:
    """An application that has received nothing yet."""
    with ctx.db.uow() as uow:
        ent = Enterprise(name="重庆新申报科技有限公司", credit_code=good_code(), district_code="500112",
                         industry_code="39")
        uow.session.add(ent)
        uow.session.flush()
        app = create_application(uow.session, year=2026, title_kind=TitleKind.CITY_FACTORY, enterprise=ent,
                                 stage=Stage.APPLIED)
        uow.commit()
        return app.id


def make_page(qtbot, ctx, app_id: int, tab: str = "materials") -> ApplicationDetailDialog:
    dlg = ApplicationDetailDialog(ctx, app_id, as_of=AS_OF, tab=tab)
    qtbot.addWidget(dlg)
    dlg.resize(1200, 760)
    with qtbot.waitExposed(dlg):
        dlg.show()
    return dlg


@pytest.fixture
def page(qtbot, ctx, bare_id) -> ApplicationDetailDialog:
    return make_page(qtbot, ctx, bare_id)


@pytest.fixture
def checked_page(qtbot, ctx, app_id) -> ApplicationDetailDialog:
    run_checks(ctx.db, [app_id], as_of=AS_OF)
    return make_page(qtbot, ctx, app_id, "results")


@pytest.fixture
def warnings(monkeypatch) -> list[str]:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text, *a, **k: shown.append(text))
    return shown


def drop_files(qtbot, dlg: ApplicationDetailDialog, item_key: str, paths: list[Path]) -> None:
    """Drag files from the file manager onto the checklist row of ``item_key`` and drop them."""
    tab = dlg.materials_tab
    row = tab.row_index(item_key)
    assert row is not None, item_key
    table = tab.table
    pos = QPointF(table.visualRect(tab.model.index(row, 3)).center())
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    enter = QDragEnterEvent(pos, *args)
    QApplication.sendEvent(table.viewport(), enter)
    assert enter.isAccepted()
    move = QDragMoveEvent(pos, *args)
    QApplication.sendEvent(table.viewport(), move)
    assert move.isAccepted()
    with qtbot.waitSignal(dlg.operation_done, timeout=15000):
        QApplication.sendEvent(table.viewport(), QDropEvent(pos, *args))


def rows_of(dlg: ApplicationDetailDialog, key: str) -> list[tuple]:
    m = dlg.materials_tab.model
    return [m.row_at(r) for r in range(m.rowCount()) if m.row_at(r)[M_KEY] == key]


def materials(ctx, app_id: int) -> list[Material]:
    with ctx.db.uow() as uow:
        found = list(uow.session.scalars(select(Material).where(Material.application_id == app_id,
                                                                Material.deleted_at.is_(None))))
        uow.session.expunge_all()  # readable after the block
        return found


def stored_files(ctx) -> list[Path]:
    d = ctx.db.files_dir
    return sorted(p for p in d.rglob("*") if p.is_file()) if d.exists() else []


# ---------------------------------------------------------------------------------------- materials
def test_checklist_shows_required_and_optional_items_with_their_state(page):
    m = page.materials_tab.model
    rows = [m.row_at(r) for r in range(m.rowCount())]
    labels = {r[M_KEY]: r for r in rows}
    assert labels["business_license"][1] == "营业执照（复印件加盖公章）"
    assert labels["business_license"][2] == "必交" and labels["business_license"][M_STATE] == "未收到"
    assert labels["evidence"][2] == "选交" and labels["evidence"][M_STATE] == "（选交）未收到"
    assert "必交 8 项，已收 0 项" in page.materials_tab.summary.text()
    assert "营业执照（复印件加盖公章）" in page.materials_tab.summary.text()


def test_dropping_a_pdf_on_a_row_receives_it_with_its_page_count(qtbot, ctx, page, bare_id, tmp_path):
    src = pdf_file(tmp_path / "incoming", "营业执照扫描件.pdf", pages=3)
    original = src.read_bytes()
    drop_files(qtbot, page, "business_license", [src])
    row = rows_of(page, "business_license")[0]
    assert row[M_FILE] == "营业执照扫描件.pdf"
    assert page.materials_tab.model.data(page.materials_tab.model.index(
        page.materials_tab.row_index("business_license"), 4)) == "3"  # the 页数 column
    assert row[M_PAGES] == 3 and row[M_STATE] == "待审核"
    [mat] = materials(ctx, bare_id)
    assert (mat.item_key, mat.original_name, mat.page_count, mat.received_by) == (
        "business_license", "营业执照扫描件.pdf", 3, "测试员")
    # copied into the store under its SHA-256; the original untouched
    assert [p.name for p in stored_files(ctx)] == [mat.sha256]
    assert src.read_bytes() == original
    assert "已收录「营业执照扫描件.pdf」，3 页。" in page.materials_tab.message.text()


def test_a_zero_byte_file_is_refused_with_its_name_and_nothing_is_stored(qtbot, ctx, page, bare_id, tmp_path,
                                                                          warnings):
    empty = tmp_path / "承诺书.pdf"
    empty.write_bytes(b"")
    drop_files(qtbot, page, "pledge", [empty])
    assert len(warnings) == 1
    assert "承诺书.pdf" in warnings[0] and "清单没有改动" in warnings[0]
    assert "承诺书.pdf" in page.materials_tab.message.text()
    assert materials(ctx, bare_id) == []
    assert stored_files(ctx) == []
    assert rows_of(page, "pledge")[0][M_STATE] == "未收到"


def test_an_exe_renamed_pdf_is_refused_and_a_good_file_in_the_same_drop_is_kept(qtbot, ctx, page, bare_id,
                                                                                 tmp_path, warnings):
    fake = tmp_path / "申报书.pdf"
    fake.write_bytes(b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 400)
    good = pdf_file(tmp_path, "申报书（盖章版）.pdf", pages=2)
    drop_files(qtbot, page, "application_form", [fake, good])
    assert len(warnings) == 1
    assert "申报书.pdf" in warnings[0] and "可执行程序" in warnings[0]
    names = [m.original_name for m in materials(ctx, bare_id)]
    assert names == ["申报书（盖章版）.pdf"]
    assert [r[M_FILE] for r in rows_of(page, "application_form")] == ["申报书（盖章版）.pdf"]


def test_add_files_dialog_receives_for_the_selected_item_and_remembers_the_folder(qtbot, ctx, page, bare_id,
                                                                                  tmp_path, monkeypatch):
    first = pdf_file(tmp_path / "第一批", "自评价报告.pdf", pages=5)
    second = pdf_file(tmp_path / "第二批", "绿色工厂规划.pdf", pages=2)
    asked: list[str] = []
    answers = iter([[str(first)], [str(second)]])

    def get_files(_parent, _title, folder, _filter):
        asked.append(folder)
        return next(answers), ""

    monkeypatch.setattr(QFileDialog, "getOpenFileNames", get_files)
    tab = page.materials_tab
    assert tab.select_item("self_evaluation")
    with qtbot.waitSignal(page.operation_done, timeout=15000):
        assert tab.add_files()
    assert tab.select_item("green_plan")
    with qtbot.waitSignal(page.operation_done, timeout=15000):
        assert tab.add_files()
    assert asked[1] == str(tmp_path / "第一批")  # the last folder, remembered
    by_key = {m.item_key: (m.original_name, m.page_count) for m in materials(ctx, bare_id)}
    assert by_key == {"self_evaluation": ("自评价报告.pdf", 5), "green_plan": ("绿色工厂规划.pdf", 2)}


def test_return_a_material_needs_a_reason_and_shows_it(qtbot, ctx, app_id, warnings, monkeypatch):
    dlg = make_page(qtbot, ctx, app_id)
    tab = dlg.materials_tab
    assert tab.select_item("business_license")
    replies = iter([("  ", True), ("营业执照复印件未加盖公章，请补正后重新提交。", True)])
    monkeypatch.setattr(QInputDialog, "getMultiLineText", lambda *a, **k: next(replies))
    assert tab.return_selected() == 0  # no reason: refused
    assert warnings and "必须填写原因" in warnings[0]
    lic = next(m for m in materials(ctx, app_id) if m.item_key == "business_license")
    assert lic.status is MaterialStatus.ACCEPTED
    assert tab.select_item("business_license")
    assert tab.return_selected() == 1
    lic = next(m for m in materials(ctx, app_id) if m.item_key == "business_license")
    assert lic.status is MaterialStatus.RETURNED
    assert lic.status_reason == "营业执照复印件未加盖公章，请补正后重新提交。" and lic.status_by == "测试员"
    row = rows_of(dlg, "business_license")[0]
    assert row[M_STATE] == "退回补正"
    assert row[M_STATUS] == "退回补正（测试员）：营业执照复印件未加盖公章，请补正后重新提交。"


def test_accept_marks_the_selected_file_accepted(qtbot, ctx, page, bare_id, tmp_path):
    drop_files(qtbot, page, "pledge", [pdf_file(tmp_path, "承诺书.pdf", pages=1)])
    tab = page.materials_tab
    assert tab.select_item("pledge")
    tab.accept_button.click()
    [mat] = materials(ctx, bare_id)
    assert mat.status is MaterialStatus.ACCEPTED
    assert rows_of(page, "pledge")[0][M_STATE] == "已接收"


def test_open_shows_a_copy_under_the_original_name_in_the_system_viewer(qtbot, ctx, page, tmp_path, monkeypatch):
    src = pdf_file(tmp_path, "营业执照.pdf", pages=1)
    drop_files(qtbot, page, "business_license", [src])
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    page.materials_tab.select_item("business_license")
    page.materials_tab.open_selected()
    [url] = opened
    path = Path(url.toLocalFile())
    assert path.name == "营业执照.pdf"
    assert path.read_bytes() == src.read_bytes()
    assert ctx.db.files_dir not in path.parents  # never the stored file itself


def test_full_verification_of_the_application_names_a_changed_file(qtbot, ctx, app_id, monkeypatch):
    """第十条: materials unchanged since received — the separate full verification rehashes."""
    dlg = make_page(qtbot, ctx, app_id)
    lic = next(m for m in materials(ctx, app_id) if m.item_key == "business_license")
    stored = ctx.db.files_dir / lic.sha256[:2] / lic.sha256
    stored.chmod(0o644)
    stored.write_bytes(stored.read_bytes()[:-5] + b"XXXXX")  # same size, other content
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box.text()) or 0)
    with qtbot.waitSignal(dlg.operation_done, timeout=15000):
        assert dlg.materials_tab.verify()
    assert shown and f"「{NAME}」：「business_license.pdf」的存档文件收件后已被改动" in shown[0]
    assert "重新收件" in dlg.materials_tab.message.text()


# ---------------------------------------------------------------------------------------- report, certificates, indicators
def test_report_form_picks_the_evaluator_from_the_registry_and_checks_the_score(qtbot, ctx, page, bare_id):
    tab = page.report_tab
    page.show_tab("report")
    with ctx.db.uow() as uow:
        ev = next(e for e in evaluators(uow.session) if e.name == "重庆市节能技术服务中心")
        ev_id = ev.id
    tab.evaluator.setCurrentIndex(tab.evaluator.findData(ev_id))
    assert "未列入2026年度市级名录（第二十一条" in tab.evaluator_state.text()
    tab.report_no.setText("LSPJ-2026-001")
    tab.report_date.set_value(dt.date(2026, 5, 20))
    tab.basic.setCurrentIndex(tab.basic.findData(True))
    tab.highlights.setText("光伏" * 60)
    assert len(tab.highlights.text()) == 100  # the field stops at 100 characters
    tab.score.setText("120")
    assert not tab.save()
    assert "评价得分应在 0–100 之间" in tab.error.text()
    with ctx.db.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(ThirdPartyReport)) == 0
    tab.score.setText("86.5")
    assert tab.save()
    with ctx.db.uow() as uow:
        rep = uow.session.scalars(select(ThirdPartyReport)).one()
        assert (rep.evaluator_id, rep.evaluator_name, rep.report_no, rep.report_date, rep.score,
                rep.basic_requirements_met) == (ev_id, "重庆市节能技术服务中心", "LSPJ-2026-001",
                                                dt.date(2026, 5, 20), Decimal("86.5"), True)
    assert not tab.dirty and "已保存" in tab.saved_label.text()


def test_certificate_added_in_the_editor_shows_expired_on_the_review_date(qtbot, ctx, page, bare_id, monkeypatch):
    """第七条（六）: certificates present and not expired on the review date."""

    def fill(dlg):
        dlg.kind.setCurrentIndex(dlg.kind.findData(CertKind.ISO14001.value))
        dlg.number.setText("04424E30123R1M")
        dlg.issuer.setText("中国质量认证中心")
        dlg.expires_on.set_value(dt.date(2026, 3, 1))
        dlg.accept()
        return dlg.result()

    monkeypatch.setattr(CertificateDialog, "exec", fill)
    assert page.certificates_tab.add()
    with ctx.db.uow() as uow:
        ent_id = uow.session.get(Application, bare_id).enterprise_id
        [cert] = certificates_for(uow.session, enterprise_id=ent_id)
        assert (cert.kind, cert.number, cert.expires_on) == (CertKind.ISO14001, "04424E30123R1M", dt.date(2026, 3, 1))
    m = page.certificates_tab.model
    assert m.data(m.index(0, 0)) == "环境管理体系认证（ISO 14001）"
    assert m.data(m.index(0, 6)) == "已过期（121 天）"
    assert "缺少有效的：" in page.certificates_tab.hint.text()


def test_certificate_editor_refuses_a_certificate_without_expiry(qtbot):
    dlg = CertificateDialog()
    qtbot.addWidget(dlg)
    dlg.number.setText("X1")
    dlg.accept()
    assert dlg.result() == 0 and "有效期截止日" in dlg.error.text()


def test_indicator_cells_edit_the_stored_values(qtbot, ctx, page, bare_id, warnings, qtmodeltester):
    tab = page.indicators_tab
    m = tab.model
    qtmodeltester.check(m)
    row = m.keys.index("water_reuse_rate")
    col = 2 + m.years.index(2025)
    assert m.headerData(col, Qt.Orientation.Horizontal) == "2025年"
    assert m.setData(m.index(row, col), "93.5")
    assert not m.setData(m.index(row, col + 0), "九十")  # not a number: refused
    assert warnings and "不是数字" in warnings[0]
    with ctx.db.uow() as uow:
        ent_id = uow.session.get(Application, bare_id).enterprise_id
        ind = uow.session.scalars(select(Indicator).where(Indicator.enterprise_id == ent_id,
                                                          Indicator.deleted_at.is_(None))).one()
        assert (ind.year, ind.key, ind.value, ind.unit) == (2025, "water_reuse_rate", Decimal("93.5"), "%")
    assert m.data(m.index(row, col)) == "93.5"
    assert m.setData(m.index(row, col), "")  # cleared: removed
    with ctx.db.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Indicator).where(
            Indicator.deleted_at.is_(None))) == 0


# ---------------------------------------------------------------------------------------- results and overrides
def test_run_checks_on_the_page_shows_each_result_with_article_and_evidence(qtbot, ctx, app_id):
    """第七条（六）: an expired certificate fails, and the evidence names the certificate and date."""
    with ctx.db.uow() as uow:
        ent_id = uow.session.get(Application, app_id).enterprise_id
        cert = next(c for c in certificates_for(uow.session, enterprise_id=ent_id) if c.kind is CertKind.ISO45001)
        cert.expires_on = dt.date(2026, 4, 30)
        uow.commit()
    dlg = make_page(qtbot, ctx, app_id, "results")
    assert "尚未运行初审检查" in dlg.results_tab.header.text()
    with qtbot.waitSignal(dlg.operation_done, timeout=15000):
        assert dlg.results_tab.run()
    tab = dlg.results_tab
    m = tab.model
    rows = {m.row_at(r)[2]: m.row_at(r) for r in range(m.rowCount())}
    art6 = rows["第七条（六）"]
    assert art6[1] == "不符合"
    assert "2026年4月30日过期" in art6[4] and "职业健康安全" in art6[4]
    assert rows["第七条（八）"][1] == "不符合" and "76" in rows["第七条（八）"][4]
    assert rows["第七条（一）"][1] == "通过"
    assert m.data(m.index(0, 0), Qt.ItemDataRole.DecorationRole) is not None  # the outcome's icon
    assert "不符合" in tab.header.text() and "审查基准日 2026-06-30 · 测试员" in tab.header.text()
    assert tab.select_article("第七条（六）")
    assert "2026年4月30日过期" in tab.detail.toPlainText()
    with ctx.db.uow() as uow:
        run = uow.session.scalars(select(CheckRun).where(CheckRun.application_id == app_id)).one()
        assert (run.as_of, run.run_by, run.worst_outcome) == (AS_OF, "测试员", "fail")
    assert "共检查 1 个申报" in dlg.status_label.text()


def test_override_with_a_reason_shows_author_and_date_and_changes_the_worst(qtbot, ctx, checked_page, app_id,
                                                                            monkeypatch):
    """第七条（八）: a person overrides the failed score check with a reason."""
    tab = checked_page.results_tab
    assert tab.sheet.worst is Outcome.FAIL
    assert tab.select_article("第七条（八）")
    reason = "专家复核：评价机构计分有误，复核得分 82 分"
    monkeypatch.setattr(OverrideDialog, "get", classmethod(lambda cls, parent, row: (Outcome.PASS, reason)))
    assert tab.override_selected()
    m = tab.model
    row = next(m.row_at(r) for r in range(m.rowCount()) if m.row_at(r)[2] == "第七条（八）")
    today = dt.date.today().strftime("%Y-%m-%d")
    assert row[1] == "通过（人工改判）"
    assert row[5].startswith(f"测试员 {today}") and row[5].endswith(reason)
    assert tab.sheet.worst is Outcome.MANUAL  # 第七条（二） still needs a person
    assert "需人工判断" in tab.header.text()
    assert "人工改判为" in tab.detail.toPlainText() and reason in tab.detail.toPlainText()
    with ctx.db.uow() as uow:
        run = uow.session.scalars(select(CheckRun).where(CheckRun.application_id == app_id)).one()
        assert (run.computed_worst, run.worst_outcome) == ("fail", "manual")
        o = uow.session.scalars(select(CheckOverride)).one()
        assert (o.rule_id, o.outcome, o.base_outcome, o.reason, o.user) == ("F7-8", Outcome.PASS, "fail", reason,
                                                                           "测试员")


def test_override_without_a_reason_is_refused(qtbot, ctx, checked_page, warnings):
    """第七条（八）: the override dialog and the service both refuse an empty reason."""
    tab = checked_page.results_tab
    assert tab.select_article("第七条（八）")
    dlg = OverrideDialog(checked_page, tab.selected_row())
    qtbot.addWidget(dlg)
    assert dlg.outcome.currentData() == Outcome.PASS.value
    dlg.reason.setPlainText("   ")
    dlg.accept()
    assert dlg.result() == 0 and "请填写改判理由" in dlg.error.text()
    assert not tab.apply_override("F7-8", Outcome.PASS, "  ")
    assert warnings and "人工改判必须填写理由" in warnings[0]
    with ctx.db.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(CheckOverride)) == 0
    assert tab.sheet.worst is Outcome.FAIL


def test_override_history_keeps_the_superseded_and_withdrawn(qtbot, ctx, checked_page, monkeypatch):
    """第七条（二）: two overrides in turn, then withdrawn; the history shows all three states."""
    tab = checked_page.results_tab
    assert tab.select_article("第七条（二）")
    assert tab.apply_override("F7-2", Outcome.WARNING, "产值下降，待补充说明")
    assert tab.apply_override("F7-2", Outcome.PASS, "已补充说明，产值下降系技改停产")
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    assert tab.select_article("第七条（二）")
    assert tab.clear_selected()
    text = tab.show_all_history()
    assert "本申报的全部改判记录（2 条）" in text
    assert text.count("已取代或撤销") == 2
    assert "第七条（二）" in text and "产值下降，待补充说明" in text and "已补充说明，产值下降系技改停产" in text
    row = next(r for r in tab.sheet.rows if r.rule_id == "F7-2")
    assert row.override is None and row.final is Outcome.MANUAL


def test_print_review_sheet_writes_the_docx_with_subject_checks_and_opinion(qtbot, ctx, checked_page, tmp_path,
                                                                           monkeypatch):
    """The 初审意见表: the subject, every check with its article (第七条（八）), the decision."""
    out = tmp_path / "意见表" / "初审意见表"
    asked: list[str] = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda _p, _t, suggested, _f: asked.append(suggested) or (str(out), ""))
    questions: list[str] = []
    monkeypatch.setattr(QMessageBox, "question",
                        lambda _p, _t, text, *a, **k: questions.append(text) or QMessageBox.StandardButton.No)
    (tmp_path / "意见表").mkdir()
    tab = checked_page.results_tab
    tab.decision.setCurrentIndex(tab.decision.findData("退回补正"))
    tab.opinion.setPlainText("第三方评价得分低于 80 分，请补充评价。")
    written = checked_page.print_sheet()
    assert written == out.with_name("初审意见表.docx") and written.is_file()
    assert asked[0].endswith(f"2026年度初审意见表_{NAME}.docx")
    assert questions and str(written) in questions[0]
    doc = Document(str(written))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert NAME in cells
    assert "第七条（八）" in cells and "第七条（六）" in cells
    assert any("第三方评价得分低于 80 分，请补充评价。" in c for c in cells)
    assert any("☑ 退回补正" in c for c in cells)
    # the folder is remembered for next time
    assert ctx.settings.value(ad.SHEET_FOLDER_KEY) == str(tmp_path / "意见表")


def test_print_before_any_check_says_to_run_the_checks_first(qtbot, ctx, page, monkeypatch):
    infos: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text, *a, **k: infos.append(text))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: pytest.fail("不应询问保存位置"))
    assert page.print_sheet() is None
    assert infos and "请先" in infos[0] and "运行检查" in infos[0]
    assert page.current_tab() == "results"


def test_page_shows_stage_history_and_remembers_geometry_and_tab(qtbot, ctx, app_id):
    dlg = make_page(qtbot, ctx, app_id, "history")
    m = dlg.history_tab.model
    assert m.rowCount() >= 1 and m.data(m.index(m.rowCount() - 1, 2)) == "区县初审"
    assert f"{NAME}" in dlg.windowTitle()
    dlg.resize(780, 590)  # (within the offscreen screen: restoring clamps to it)
    dlg.show_tab("certificates")
    dlg.close()
    again = ApplicationDetailDialog(ctx, app_id)
    qtbot.addWidget(again)
    assert again.current_tab() == "certificates"
    assert (again.width(), again.height()) == (780, 590)


def test_the_conclusion_and_opinion_are_kept_with_the_application(qtbot, ctx, checked_page, app_id):
    """What the clerk decides in 初审结果 is stored (audited), shown again when the window is
    reopened, and no longer blocks the batch as an undecided review."""
    from models.entities import AuditEntry

    tab = checked_page.results_tab
    tab.decision.setCurrentIndex(tab.decision.findData("通过"))
    tab.opinion.setPlainText("材料齐全，指标达到要求，同意推荐。")
    checked_page.close()  # the opinion typed a moment ago is saved as the window closes
    with ctx.db.uow() as uow:
        app = uow.session.get(Application, app_id)
        assert (app.review_outcome, app.review_opinion) == ("通过", "材料齐全，指标达到要求，同意推荐。")
        logged = uow.session.scalars(select(AuditEntry).where(AuditEntry.table_name == "application",
                                                              AuditEntry.record_id == app_id)).all()
        assert any("review_opinion" in (e.after or {}) for e in logged)
    again = make_page(qtbot, ctx, app_id, "results")
    assert again.results_tab.decision.currentText() == "通过，同意推荐"
    assert again.results_tab.opinion.toPlainText() == "材料齐全，指标达到要求，同意推荐。"
    assert again.results_tab.decision_state.text() == "已保存"
    again.results_tab.decision.setCurrentIndex(0)  # back to undecided: stored at once
    with ctx.db.uow() as uow:
        assert uow.session.get(Application, app_id).review_outcome == ""
