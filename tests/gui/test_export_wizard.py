"""起草推荐函与导出材料包 (issue 4): the blockers list that opens the application, the letter
edited in the preview and written as .docx, the export in the background with progress and
cancel, document numbers never reused, and the ways in (menu, batches view)."""
from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

import docx
import pytest
from PySide6.QtCore import QDate
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import func, select

from desktop.dialogs import application_detail
from desktop.dialogs.export_wizard import ExportWizard, open_export_wizard
from exports.batch_data import find_batch_id
from forms.demo_review_run import batch_application_ids, prepare_demo_review
from models.entities import Application, Batch, IssuedDocument
from models.pipeline import assign_batch
from models.stages import TitleKind

ROOT = "2026渝北区绿色制造推荐材料"
DAY = QDate(2026, 6, 30)


@pytest.fixture
def prepared_ctx(demo_ctx):
    """The demo with its 2026 batch reviewed (checks stored, overrides), as `greendesk --demo`."""
    prepare_demo_review(demo_ctx.db)
    return demo_ctx


@pytest.fixture
def no_detail_page(monkeypatch):
    """Record the application pages the wizard asks for instead of opening them."""
    opened = []
    monkeypatch.setattr(application_detail, "open_application",
                        lambda ctx, app_id, parent=None, **kw: opened.append((app_id, kw.get("tab"))))
    return opened


def _wizard(qtbot, ctx, **kw) -> ExportWizard:
    wiz = ExportWizard(ctx, **kw)
    qtbot.addWidget(wiz)
    wiz.show()
    return wiz


def _demo_batch(ctx) -> int:
    with ctx.db.uow() as uow:
        return find_batch_id(uow.session, 2026)


def _to_export_page(wiz: ExportWizard, out: Path) -> None:
    wiz.date_edit.setDate(DAY)
    wiz.go_next()
    assert wiz.step() == 1
    wiz.go_next()
    assert wiz.step() == 2
    wiz.out_edit.setText(str(out))


def _export(qtbot, wiz: ExportWizard, **kw):
    op = wiz.start_export(**kw)
    assert op is not None
    with qtbot.waitSignal(op.done, timeout=60000):
        pass
    return op


def _letter_text(path: Path) -> str:
    return "\n".join(p.text for p in docx.Document(str(path)).paragraphs)


def _doc_count(ctx) -> int:
    with ctx.db.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(IssuedDocument))


# ----------------------------------------------------------------------------- step 1: 检查


def test_unreviewed_batch_lists_its_blockers_and_a_row_opens_the_application(qtbot, demo_ctx, no_detail_page):
    wiz = _wizard(qtbot, demo_ctx)
    with demo_ctx.db.uow() as uow:
        ids = batch_application_ids(uow.session, 2026)
    assert wiz.batch_combo.currentText() == f"2026年度市级绿色工厂推荐（{len(ids)}项）"
    # every application lacks its stored checks: one row each, and the wizard does not go on
    model = wiz.blocker_model
    assert model.rowCount() == len(ids) > 5
    kinds = {model.index(r, 1).data() for r in range(model.rowCount())}
    assert kinds == {"未运行检查"}
    assert "尚未运行初审检查" in model.index(0, 2).data()
    assert f"还有 {len(ids)} 个问题" in wiz.check_summary.text()
    assert not wiz.next_btn.isEnabled()
    wiz.go_next()
    assert wiz.step() == 0
    # double-click on a row: the window shows the application and its page opens on 初审结果
    app_id = wiz.blockers[wiz.blocker_proxy.id_at(2)].application_id
    with qtbot.waitSignal(demo_ctx.open_record, timeout=2000) as sig:
        wiz.blocker_view.doubleClicked.emit(wiz.blocker_proxy.index(2, 0))
    assert sig.args == ["application", app_id]
    assert no_detail_page == [(app_id, "results")]
    assert model.index(2, 0).data() == wiz.blockers[2].subject_name


def test_blocker_table_model_is_sound(qtbot, demo_ctx, qtmodeltester):
    wiz = _wizard(qtbot, demo_ctx)
    qtmodeltester.check(wiz.blocker_model)


def test_open_button_opens_the_real_application_page(qtbot, demo_ctx):
    wiz = _wizard(qtbot, demo_ctx)
    wiz.blocker_view.selectRow(0)
    assert wiz.open_btn.isEnabled()
    app_id = wiz.blockers[0].application_id
    wiz.open_btn.click()
    page = application_detail.find_open(app_id)
    assert page is not None and page.isVisible()  # a child of the wizard: closed with it
    assert page.current_tab() == "results"
    page.close()


def test_reviewing_in_the_window_clears_the_list_and_recheck_finds_a_changed_file(qtbot, demo_ctx):
    wiz = _wizard(qtbot, demo_ctx)
    with demo_ctx.db.uow() as uow:
        n = len(batch_application_ids(uow.session, 2026))
    assert wiz.blocker_model.rowCount() == n
    # the clerk runs the checks elsewhere in the program: the open wizard follows
    prepare_demo_review(demo_ctx.db)
    demo_ctx.changed("check_run")
    assert wiz.blocker_model.rowCount() == 0
    assert "没有发现问题" in wiz.check_summary.text()
    assert wiz.next_btn.isEnabled()
    # a stored file changed on disk behind the program's back: 重新检查 re-reads every file
    with demo_ctx.db.uow() as uow:
        data_app = batch_application_ids(uow.session, 2026)[0]
        from models.filestore import stored_path
        from models.review import Material

        m = uow.session.scalars(select(Material).where(Material.application_id == data_app)).first()
        path = stored_path(demo_ctx.db.files_dir, m.sha256)
        name = m.original_name
    path.chmod(0o644)
    raw = bytearray(path.read_bytes())
    raw[-10] ^= 0x01  # same size, same time: only the hash tells
    stat = path.stat()
    path.write_bytes(bytes(raw))
    import os

    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    op = wiz.recheck(full=True)
    with qtbot.waitSignal(op.done, timeout=30000):
        pass
    rows = [(wiz.blocker_model.index(r, 1).data(), wiz.blocker_model.index(r, 2).data())
            for r in range(wiz.blocker_model.rowCount())]
    assert rows == [("文件被改动", f"材料文件“{name}”在收取后被改动过（校验值不符）。请重新收取该文件。")]
    assert not wiz.next_btn.isEnabled()


# ----------------------------------------------------------------------------- step 2: 推荐函


def test_prepared_demo_batch_has_no_blockers_and_proposes_the_next_number(qtbot, prepared_ctx):
    wiz = _wizard(qtbot, prepared_ctx)
    assert wiz.blocker_model.rowCount() == 0
    with prepared_ctx.db.uow() as uow:
        n = len(batch_application_ids(uow.session, 2026))
    assert wiz.check_summary.text().startswith(f"批次「2026年度市级绿色工厂推荐」共 {n} 个申报，没有发现问题")
    wiz.date_edit.setDate(DAY)
    wiz.go_next()
    assert wiz.step() == 1
    assert wiz.prefix_label.text() == "渝北经信发〔2026〕"
    assert wiz.number_spin.value() == 1
    assert "建议的文号" in wiz.number_note.text()
    preview = wiz.preview.toPlainText()
    assert preview.startswith("重庆市渝北区经济和信息化委员会\n渝北经信发〔2026〕1号\n")
    assert "市经济信息委：" in preview and "2026年6月30日" in preview
    assert wiz.title_edit.toPlainText().endswith(f"等{n}家企业申报2026年度重庆市绿色工厂的函")
    # the preview follows each change
    wiz.title_edit.setPlainText("关于推荐重庆市绿色工厂的函")
    assert "\n关于推荐重庆市绿色工厂的函\n" in wiz.preview.toPlainText()
    # a date in another year: that year's series
    wiz.date_edit.setDate(QDate(2027, 1, 8))
    assert wiz.prefix_label.text() == "渝北经信发〔2027〕"
    assert "渝北经信发〔2027〕1号" in wiz.preview.toPlainText()


def test_edited_body_is_what_the_exported_letter_says(qtbot, prepared_ctx, tmp_path):
    wiz = _wizard(qtbot, prepared_ctx)
    wiz.date_edit.setDate(DAY)
    wiz.go_next()
    sentence = "经我委实地走访，上述企业绿色发展成效显著，特此推荐。"
    body = wiz.body_edit.toPlainText()
    wiz.body_edit.setPlainText(body.replace("请予审核：", "请予审核（已实地走访）：") + "\n\n" + sentence)
    wiz.contact_edit.setText("（联系人：王强，联系电话：023-67820000）")
    assert sentence in wiz.preview.toPlainText()
    assert wiz.letter_edited()
    wiz.go_next()
    wiz.out_edit.setText(str(tmp_path / "out"))
    op = _export(qtbot, wiz)
    assert wiz.result is not None, op
    text = _letter_text(wiz.result.folder / "推荐函.docx")
    assert sentence in text
    assert "请予审核（已实地走访）：" in text
    assert "渝北经信发〔2026〕1号" in text
    assert "（联系人：王强，联系电话：023-67820000）" in text
    assert "市经济信息委：" in text and "2026年6月30日" in text


# ----------------------------------------------------------------------------- step 3: 导出


def test_export_runs_in_the_background_and_writes_folder_zip_and_manifest(qtbot, prepared_ctx, tmp_path, monkeypatch):
    opened = []
    monkeypatch.setattr("desktop.dialogs.export_wizard.QDesktopServices.openUrl", lambda url: opened.append(url))
    out = tmp_path / "报送"
    wiz = _wizard(qtbot, prepared_ctx)
    _to_export_page(wiz, out)
    assert wiz.target_label.text() == f"文件夹 {out / ROOT}\n压缩包 {ROOT}.zip（与文件夹放在一起）"
    steps = []
    op = wiz.start_export()
    op.worker.progressed.connect(lambda d, t, s: steps.append((d, t, s)))
    assert op.worker.isRunning() or op.worker.isFinished()
    with qtbot.waitSignal(op.finished, timeout=60000):
        pass
    assert steps and steps[-1][0] == steps[-1][1] > 0  # progress reached its end
    folder, zpath = out / ROOT, out / f"{ROOT}.zip"
    assert folder.is_dir() and zpath.is_file()
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    paths = {f["path"] for f in manifest["files"]}
    assert {"推荐函.docx", "推荐汇总表.xlsx", "清单.xlsx"} <= paths
    sheets = sorted(p for p in paths if p.endswith("/初审意见表.docx"))
    with prepared_ctx.db.uow() as uow:
        n = len(batch_application_ids(uow.session, 2026))
    assert len(sheets) == n and sheets[0].startswith("01_")
    assert manifest["letter"]["doc_number"] == "渝北经信发〔2026〕1号"
    on_disk = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert on_disk - {"manifest.json"} == paths  # every file is listed, nothing else
    with zipfile.ZipFile(zpath) as z:
        assert {n.split("/", 1)[1] for n in z.namelist() if "/" in n} >= paths
    # the summary for the clerk, and the number is taken (committed)
    text = wiz.result_label.text()
    assert f"文件夹：{folder}" in text and f"压缩包：{zpath}" in text
    assert "推荐函文号：渝北经信发〔2026〕1号" in text and f"{n} 个申报" in text
    assert _doc_count(prepared_ctx) == 1
    assert "本批次已取得的文号" in wiz.number_note.text()
    # the output folder is remembered for next time
    assert prepared_ctx.settings.value("submit/out_dir") == str(out)
    wiz.open_folder_btn.click()
    assert [u.toLocalFile() for u in opened] == [str(out)]


def test_cancel_leaves_no_package_and_takes_no_number(qtbot, prepared_ctx, tmp_path):
    out = tmp_path / "out"
    wiz = _wizard(qtbot, prepared_ctx)
    _to_export_page(wiz, out)
    op = wiz.start_export()
    op.cancel()
    with qtbot.waitSignal(op.cancelled, timeout=60000):
        pass
    assert wiz.result is None
    assert not (out / ROOT).exists() and not (out / f"{ROOT}.zip").exists()
    assert not out.exists() or list(out.iterdir()) == []  # no temporary leftovers either
    assert _doc_count(prepared_ctx) == 0
    assert "已取消导出" in wiz.result_label.text()
    # the next export gets the number the cancelled one did not take
    _export(qtbot, wiz)
    assert wiz.result.doc_number == "渝北经信发〔2026〕1号"


def test_a_second_batch_gets_the_next_number_and_the_first_keeps_its_own(qtbot, prepared_ctx, tmp_path):
    db = prepared_ctx.db
    first = _demo_batch(prepared_ctx)
    with db.uow() as uow:
        s = uow.session
        b = Batch(year=2026, name="2026年度市级绿色工厂推荐（第二批）", title_kind=TitleKind.CITY_FACTORY)
        s.add(b)
        s.flush()
        ids = batch_application_ids(s, 2026)
        assign_batch(s, [s.get(Application, i) for i in ids[:5]], b)
        uow.commit()
        second = b.id
    wiz = _wizard(qtbot, prepared_ctx, batch_id=first)
    assert wiz.batch_id == first
    _to_export_page(wiz, tmp_path / "a")
    _export(qtbot, wiz)
    assert wiz.result.doc_number == "渝北经信发〔2026〕1号"
    # the other batch, from the batch chooser
    wiz.batch_combo.setCurrentIndex(wiz.batch_combo.findData(second))
    assert wiz.step() == 0 and wiz.blocker_model.rowCount() == 0
    _to_export_page(wiz, tmp_path / "b")
    assert wiz.number_spin.value() == 2
    _export(qtbot, wiz)
    assert wiz.result.doc_number == "渝北经信发〔2026〕2号"
    letter = _letter_text(tmp_path / "b" / ROOT / "推荐函.docx")
    assert "渝北经信发〔2026〕2号" in letter and "等5家企业" in letter
    # back to the first batch: its own number again, not a new one
    wiz.batch_combo.setCurrentIndex(wiz.batch_combo.findData(first))
    wiz.date_edit.setDate(DAY)
    wiz.go_next()
    assert wiz.number_spin.value() == 1 and "本批次已取得的文号" in wiz.number_note.text()
    with db.uow() as uow:
        rows = uow.session.execute(select(IssuedDocument.number, IssuedDocument.batch_id)
                                   .order_by(IssuedDocument.number)).all()
    assert [tuple(r) for r in rows] == [(1, first), (2, second)]


def test_a_number_already_used_is_refused_with_the_next_free_one(qtbot, prepared_ctx, tmp_path, monkeypatch):
    from models.documents import allocate_number

    with prepared_ctx.db.uow() as uow:  # another letter of the office took 3 meanwhile
        allocate_number(uow.session, "渝北经信发", 2026, number=3, title="关于其他事项的函")
        uow.commit()
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a, **k: warnings.append(text))
    wiz = _wizard(qtbot, prepared_ctx)
    wiz.date_edit.setDate(DAY)
    wiz.go_next()
    assert wiz.number_spin.value() == 4
    wiz.number_spin.setValue(3)
    assert "指定的序号" in wiz.number_note.text()
    wiz.go_next()
    wiz.out_edit.setText(str(tmp_path / "out"))
    _export(qtbot, wiz)
    assert wiz.result is None
    assert len(warnings) == 1 and "渝北经信发〔2026〕3号 已经使用过" in warnings[0] and "下一个可用的序号是 4" in warnings[0]
    assert wiz.step() == 1  # back to the letter, to change the number
    assert not (tmp_path / "out" / ROOT).exists()
    wiz.number_spin.setValue(5)
    wiz.go_next()
    _export(qtbot, wiz)
    assert wiz.result.doc_number == "渝北经信发〔2026〕5号"
    assert "渝北经信发〔2026〕5号" in _letter_text(wiz.result.folder / "推荐函.docx")


def test_an_existing_package_is_overwritten_only_when_the_clerk_agrees(qtbot, prepared_ctx, tmp_path, monkeypatch):
    out = tmp_path / "out"
    (out / ROOT).mkdir(parents=True)
    (out / ROOT / "旧文件.txt").write_text("old", encoding="utf-8")
    answers = []

    def question(parent, title, text, *a, **k):
        answers.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", question)
    wiz = _wizard(qtbot, prepared_ctx)
    _to_export_page(wiz, out)
    _export(qtbot, wiz)  # refused: the package exists; the question is asked
    assert len(answers) == 1 and "覆盖" in answers[0]
    op = wiz.operation  # the second run, with overwrite
    with qtbot.waitSignal(op.done, timeout=60000):
        pass
    assert wiz.result is not None
    assert not (out / ROOT / "旧文件.txt").exists()
    assert (out / ROOT / "推荐函.docx").is_file()


# ----------------------------------------------------------------------------- ways in


def test_menu_and_batches_view_open_the_wizard_on_the_current_batch(qtbot, prepared_ctx):
    from desktop.main_window import MainWindow
    from desktop.views.batches import BatchesView

    win = MainWindow(prepared_ctx.db, settings=prepared_ctx.settings)
    qtbot.addWidget(win)
    texts = [a.text() for a in win.menus["submit"].actions() if a.text()]
    assert texts == ["起草推荐函与导出材料包(&E)…", "核验材料包(&V)…", "汇总表列设置(&C)…"]
    batches = next(v for v in win.views if isinstance(v, BatchesView))
    batches.refresh()
    batch_id = _demo_batch(prepared_ctx)
    batches.show_record("batch", batch_id)
    assert batches.export_btn.isEnabled()
    wiz = batches.export_batch()  # a child of the window, deleted when closed
    assert wiz.isVisible() and wiz.batch_id == batch_id
    # asked again (from the menu): the same window, not a second one
    win.menus["submit"].actions()[0].trigger()
    assert win._export_wizard is wiz
    assert open_export_wizard(prepared_ctx, win, batch_id=batch_id) is wiz
    wiz.close()


def test_office_without_document_prefix_blocks_and_opens_the_profile(qtbot, prepared_ctx, monkeypatch):
    from desktop.dialogs.profile import ProfileDialog
    from models.office import save_profile

    with prepared_ctx.db.uow() as uow:
        save_profile(uow.session, {"doc_prefix": ""})
        uow.commit()
    opened = []
    monkeypatch.setattr(ProfileDialog, "exec", lambda self: opened.append(self) or 0)
    wiz = _wizard(qtbot, prepared_ctx)
    assert wiz.blocker_model.rowCount() == 1
    assert wiz.blocker_model.index(0, 0).data() == "（整个批次）"
    assert wiz.blocker_model.index(0, 1).data() == "单位信息不全"
    assert "发文字号前缀" in wiz.blocker_model.index(0, 2).data()
    wiz.open_blocker(0)
    assert len(opened) == 1
    assert not wiz.next_btn.isEnabled()


def test_dialog_started_on_a_year_without_batches_says_what_to_do(qtbot, ctx):
    wiz = _wizard(qtbot, ctx)
    assert wiz.batch_id is None
    assert "还没有推荐批次" in wiz.check_summary.text()
    assert not wiz.next_btn.isEnabled()
    assert wiz.start_export() is None


def test_date_default_is_today(qtbot, prepared_ctx):
    wiz = _wizard(qtbot, prepared_ctx)
    assert wiz.date_edit.date().toPython() == dt.date.today()
    assert wiz.current_draft().date_text == f"{dt.date.today().year}年{dt.date.today().month}月{dt.date.today().day}日"
