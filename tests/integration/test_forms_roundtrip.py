"""Blank forms out, filled in by openpyxl as a person would, back in: what the form looks like
to Excel, every stored value after the import, the preview, errors, undo and cancel."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from exports.importers import ImportCancelled, ImportRejected, undo_import
from exports.importers.forms_in import apply_forms, export_issues, preview_forms
from exports.xlsx_forms import MARKER_NAME, MARKER_SHEET, OPTIONS_SHEET, marker_from_rows, write_form
from forms import codes
from models.entities import AuditEntry, Enterprise, Park
from .import_helpers import table_counts as counts

CODES = ["9150000020286320X6", "91500112CEPE747K5C", "91500000MA5U7AMQ84"]


def fill(path: Path, sheet: str, rows: list[list], start: int = 2) -> None:
    """Type values into the form as a person would (openpyxl, keeping the form's formats)."""
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    for i, row in enumerate(rows, start=start):
        for j, v in enumerate(row, start=1):
            if v is not None:
                ws.cell(row=i, column=j, value=v)
    wb.save(path)


# --------------------------------------------------------------------------- the blank form


def test_blank_enterprise_form_as_excel_sees_it(db, tmp_path):
    with db.uow() as uow:
        uow.session.add(Park(name="重庆空港工业园区", park_type="工业集聚区", district_code="500112"))
        uow.commit()
        path = write_form(tmp_path / "企业信息采集表.xlsx", "enterprise", session=uow.session)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["说明", "企业信息", OPTIONS_SHEET, MARKER_SHEET]
    assert wb.active.title == "企业信息"
    assert wb[OPTIONS_SHEET].sheet_state == "hidden"
    assert wb[MARKER_SHEET].sheet_state == "veryHidden"
    ws = wb["企业信息"]
    headers = [c.value for c in ws[1]]
    assert headers == ["*企业名称", "*统一社会信用代码", "校验位例外原因", "*所在区县", "地址", "所属行业", "主要产品", "所在园区",
                       "法定代表人", "联系人", "联系电话", "规上企业", "成立日期", "备注"]
    # a note per header, with the field's own note
    assert all(c.comment is not None for c in ws[1])
    assert "与营业执照一致的全称" in ws["A1"].comment.text
    assert "必填" in ws["B1"].comment.text and "文本" in ws["B1"].comment.text
    # text cells for codes and phones, date cells, frozen header
    assert ws["B2"].number_format == "@" and ws["K2"].number_format == "@"
    assert ws["M2"].number_format == "yyyy-mm-dd"
    assert ws.freeze_panes == "A2"
    # drop-downs from ranges on the hidden sheet
    dvs = {str(dv.sqref).split(":")[0]: dv for dv in ws.data_validations.dataValidation}
    assert set(dvs) == {"D2", "F2", "H2", "L2"}
    district = dvs["D2"]
    assert district.type == "list" and district.formula1.startswith(f"'{OPTIONS_SHEET}'!$A$2:$A$")
    opts = wb[OPTIONS_SHEET]
    offered = [opts.cell(row=r, column=1).value for r in range(2, opts.max_row + 1) if opts.cell(row=r, column=1).value]
    assert offered == [d.label for d in codes.districts()]
    assert "500112 渝北区" in offered
    yes_no_col = dvs["L2"].formula1.split("!")[1][1]
    assert [opts[f"{yes_no_col}2"].value, opts[f"{yes_no_col}3"].value] == ["是", "否"]
    park_col = dvs["H2"].formula1.split("!")[1][1]
    assert opts[f"{park_col}2"].value == "重庆空港工业园区"
    assert dvs["H2"].errorStyle == "warning"  # a park not yet registered may still be typed
    # protected header, unlocked data cells
    assert ws.protection.sheet is True
    assert ws["A1"].protection.locked is True
    assert ws["A2"].protection.locked is False and ws["N300"].protection.locked is False
    assert ws.protection.insertRows is False and ws.protection.formatColumns is False  # allowed
    # the hidden marker
    marker = marker_from_rows([[c.value for c in r] for r in wb[MARKER_SHEET].iter_rows()])
    assert marker is not None and (marker.kind, marker.version, marker.data_sheet) == ("enterprise", 1, "企业信息")
    assert marker.columns[:3] == ("name", "credit_code", "credit_code_override")
    assert MARKER_NAME in wb.defined_names
    # the instructions list every column
    text = "\n".join(str(c.value) for row in wb["说明"].iter_rows() for c in row if c.value)
    assert "不要修改第1行表头" in text
    assert all(label in text for label in ("企业名称", "统一社会信用代码", "所在区县", "成立日期", "备注"))


def test_blank_park_form_has_its_choices(tmp_path):
    path = write_form(tmp_path / "园区.xlsx", "park")
    wb = openpyxl.load_workbook(path)
    ws = wb["园区信息"]
    assert [c.value for c in ws[1]][:4] == ["*园区名称", "*园区类型", "批准层级", "*所在区县"]
    dvs = {str(dv.sqref).split(":")[0]: dv for dv in ws.data_validations.dataValidation}
    col = dvs["B2"].formula1.split("!")[1][1]
    opts = wb[OPTIONS_SHEET]
    assert [opts[f"{col}{r}"].value for r in range(2, 6)] == list(codes.PARK_TYPES)


# --------------------------------------------------------------------------- round trip


def test_round_trip_with_messy_values_stores_every_value(db, tmp_path):
    folder = tmp_path / "回收"
    folder.mkdir()
    parks = write_form(folder / "园区信息采集表.xlsx", "park")
    fill(parks, "园区信息", [["重庆甲工业园区 ", "高新区", "国家级", "500112 渝北区", "甲园区管委会", "３", None, "新园区"]])
    ents = write_form(folder / "企业信息采集表.xlsx", "enterprise")
    fill(ents, "企业信息", [
        ["重庆瑞恒汽车零部件有限公司 ", "9150 0000 2028 6320 x6", None, "渝北区", "重庆市渝北区工业大道1号", "36 汽车制造业",
         "汽车座椅", "重庆甲工业园区", "张三", "李四 ", "138 0013 8000", "√", "2015/3/1", "第一行\n第二行"],
        ["重庆泰鑫电子科技有限公司", "９１５００１１２ＣＥＰＥ７４７Ｋ５Ｃ", None, "500112 渝北区", None, "39", None, None,
         None, "王五", 67891234, "Y", "2018年11月20日", None],
        ["重庆宏盛建材有限责任公司", "91500000ma5u7amq84", None, "江北", None, "30 非金属矿物制品业", "商品混凝土", None,
         None, None, "023-67891234转801", "否", 41000, None],
    ])
    (folder / "~$企业信息采集表.xlsx").write_bytes(b"lock file of an open workbook")  # skipped
    before = counts(db)
    seen: list[tuple[int, int, str]] = []
    with db.uow() as uow:
        preview = preview_forms(uow.session, folder, progress=lambda d, t, s: seen.append((d, t, s)))
    assert counts(db) == before  # a preview changes nothing
    assert seen and seen[-1][0] == seen[-1][1]
    assert [p.name for p in preview.files] == ["企业信息采集表.xlsx", "园区信息采集表.xlsx"]
    assert preview.kinds == {"企业信息采集表.xlsx": "enterprise", "园区信息采集表.xlsx": "park"}
    assert preview.counts() == {"create": 4, "update": 0, "unchanged": 0, "error": 0}, preview.issues
    result = apply_forms(db, preview)
    assert (result.created, result.updated) == (4, 0)
    assert result.backup is not None and result.backup.exists()
    assert result.tables == {"park", "enterprise"}
    with db.uow() as uow:
        s = uow.session
        park = s.scalars(select(Park)).one()
        assert (park.name, park.park_type, park.approval_level, park.district_code, park.managing_body,
                park.green_staff_count, park.credit_code, park.notes) == \
            ("重庆甲工业园区", "高新区", "国家级", "500112", "甲园区管委会", 3, None, "新园区")
        ents = {e.credit_code: e for e in s.scalars(select(Enterprise))}
        a = ents[CODES[0]]
        assert (a.name, a.district_code, a.address, a.industry_code, a.main_products, a.park_id, a.legal_rep,
                a.contact, a.phone, a.above_scale, a.founded_on, a.notes, a.credit_code_override) == \
            ("重庆瑞恒汽车零部件有限公司", "500112", "重庆市渝北区工业大道1号", "36", "汽车座椅", park.id, "张三",
             "李四", "13800138000", True, dt.date(2015, 3, 1), "第一行\n第二行", "")
        b = ents[CODES[1]]
        assert (b.name, b.district_code, b.address, b.industry_code, b.main_products, b.park_id, b.legal_rep,
                b.contact, b.phone, b.above_scale, b.founded_on, b.notes) == \
            ("重庆泰鑫电子科技有限公司", "500112", "", "39", "", None, "", "王五", "023-67891234", True,
             dt.date(2018, 11, 20), "")
        c = ents[CODES[2]]
        assert (c.name, c.district_code, c.industry_code, c.main_products, c.phone, c.above_scale, c.founded_on) == \
            ("重庆宏盛建材有限责任公司", "500105", "30", "商品混凝土", "023-67891234-801", False, dt.date(2012, 4, 1))
        # the audit log names the import and the clerk
        entries = s.scalars(select(AuditEntry).where(AuditEntry.table_name == "enterprise")).all()
        assert len(entries) == 3 and all(e.user == "测试员" and e.action == "insert" for e in entries)
        assert "新增企业「重庆瑞恒汽车零部件有限公司」（表格导入）" in {e.summary for e in entries}
    # the same files again: nothing to do
    with db.uow() as uow:
        again = preview_forms(uow.session, folder)
    assert again.counts() == {"create": 0, "update": 0, "unchanged": 4, "error": 0}


def test_prefilled_form_comes_back_with_field_by_field_changes(demo_db, tmp_path):
    with demo_db.uow() as uow:
        ids = list(uow.session.scalars(select(Enterprise.id).order_by(Enterprise.name).limit(5)))
        path = write_form(tmp_path / "预填.xlsx", "enterprise", session=uow.session, ids=ids)
        first = uow.session.get(Enterprise, ids[0])
        name, code, district, address = first.name, first.credit_code, first.district_code, first.address
        old_contact, old_phone = first.contact, first.phone
    wb = openpyxl.load_workbook(path)
    ws = wb["企业信息"]
    assert ws["A2"].value == name and ws["B2"].value == code
    assert ws["D2"].value == f"{district} {codes.district_name(district)}"
    assert ws.max_row >= 6
    with demo_db.uow() as uow:
        unchanged = preview_forms(uow.session, path)
    assert unchanged.counts() == {"create": 0, "update": 0, "unchanged": 5, "error": 0}, unchanged.issues
    ws["J2"] = "新联系人"
    ws["K2"] = "13900001111"
    ws["E2"] = None  # an emptied cell does not clear the stored address
    wb.save(path)
    with demo_db.uow() as uow:
        preview = preview_forms(uow.session, path)
    assert preview.counts()["update"] == 1
    [row] = [r for r in preview.rows if r.action == "update"]
    assert row.record_id == ids[0]
    assert [(c.label, c.old_text, c.new_text) for c in row.changes] == [
        ("联系人", old_contact, "新联系人"), ("联系电话", old_phone, "13900001111")]
    apply_forms(demo_db, preview)
    with demo_db.uow() as uow:
        e = uow.session.get(Enterprise, ids[0])
        assert (e.contact, e.phone, e.address) == ("新联系人", "13900001111", address)
        audit = uow.session.scalars(select(AuditEntry).where(AuditEntry.record_id == ids[0],
                                                              AuditEntry.table_name == "enterprise",
                                                              AuditEntry.action == "update")).one()
        assert audit.before == {"contact": old_contact, "phone": old_phone}
        assert audit.after == {"contact": "新联系人", "phone": "13900001111"}


def _form_with_one_bad_row(tmp_path: Path) -> Path:
    path = write_form(tmp_path / "有错.xlsx", "enterprise")
    fill(path, "企业信息", [
        ["重庆甲公司", CODES[0], None, "渝北区"],
        ["重庆乙公司", "91500112CEPE747K5X", None, "渝北区"],  # wrong check character
        ["重庆丙公司", CODES[2], None, "北京"],
    ])
    return path


def test_errors_apply_nothing_until_excluded(db, tmp_path):
    path = _form_with_one_bad_row(tmp_path)
    before = counts(db)
    with db.uow() as uow:
        preview = preview_forms(uow.session, path)
    assert preview.counts() == {"create": 1, "update": 0, "unchanged": 0, "error": 2}
    issues = preview.issues
    assert [(i.file, i.sheet, i.row, i.column, i.header) for i in issues] == [
        ("有错.xlsx", "企业信息", 3, "B", "统一社会信用代码"), ("有错.xlsx", "企业信息", 4, "D", "所在区县")]
    assert issues[0].value == "91500112CEPE747K5X" and "第18位应为「C」" in issues[0].reason
    with pytest.raises(ImportRejected, match="所选的行中有 2 行有错误，未导入任何数据"):
        apply_forms(db, preview)
    assert counts(db) == before
    # the errors as an Excel file for the enterprise
    out = export_issues(issues, tmp_path / "问题.xlsx")
    ws = openpyxl.load_workbook(out).active
    assert [c.value for c in ws[1]] == ["文件", "工作表", "行", "列", "表头", "填写的内容", "问题", "类型"]
    assert [c.value for c in ws[2]][:6] == ["有错.xlsx", "企业信息", 3, "B", "统一社会信用代码", "91500112CEPE747K5X"]
    # the clerk excludes the bad rows
    result = apply_forms(db, preview, exclude=preview.error_rows())
    assert (result.created, result.skipped) == (1, 2)
    with db.uow() as uow:
        assert uow.session.scalars(select(Enterprise.name)).all() == ["重庆甲公司"]


def test_a_chosen_part_only(db, tmp_path):
    path = write_form(tmp_path / "f.xlsx", "enterprise")
    fill(path, "企业信息", [["重庆甲公司", CODES[0], None, "渝北区"], ["重庆乙公司", CODES[1], None, "渝北区"]])
    with db.uow() as uow:
        preview = preview_forms(uow.session, path)
    apply_forms(db, preview, rows=[1])
    with db.uow() as uow:
        assert uow.session.scalars(select(Enterprise.name)).all() == ["重庆乙公司"]


def test_undo_restores_the_database_from_before_the_import(db, tmp_path):
    path = write_form(tmp_path / "f.xlsx", "enterprise")
    fill(path, "企业信息", [["重庆甲公司", CODES[0], None, "渝北区"]])
    before = counts(db)
    with db.uow() as uow:
        preview = preview_forms(uow.session, path)
    result = apply_forms(db, preview)
    assert counts(db)["enterprise"] == before["enterprise"] + 1
    safety = undo_import(db, result.backup)
    assert safety.exists()
    assert counts(db) == before


def test_cancel_changes_nothing(db, tmp_path):
    path = write_form(tmp_path / "f.xlsx", "enterprise")
    fill(path, "企业信息", [[f"重庆第{i}公司", code, None, "渝北区"] for i, code in enumerate(CODES)])
    with db.uow() as uow:
        preview = preview_forms(uow.session, path)
    before = counts(db)
    calls = []

    def stop() -> bool:
        calls.append(1)
        return len(calls) > 2  # the clerk presses 取消 while it writes

    with pytest.raises(ImportCancelled):
        apply_forms(db, preview, should_stop=stop)
    after = counts(db)
    assert after == before
    # the preview itself can be cancelled too
    with db.uow() as uow, pytest.raises(ImportCancelled):
        preview_forms(uow.session, path, should_stop=lambda: True)


def test_a_preview_the_database_moved_away_from_is_refused(db, tmp_path):
    with db.uow() as uow:
        uow.session.add(Enterprise(name="重庆甲公司", credit_code=CODES[0], district_code="500112", contact="甲"))
        uow.commit()
    path = write_form(tmp_path / "f.xlsx", "enterprise")
    fill(path, "企业信息", [["重庆甲公司", CODES[0], None, "渝北区", None, None, None, None, None, "乙"],
                          ["重庆丙公司", CODES[1], None, "渝北区"]])
    with db.uow() as uow:
        preview = preview_forms(uow.session, path)
    assert [r.action for r in preview.rows] == ["update", "create"]
    with db.uow() as uow:  # someone edits the record in the window meanwhile
        uow.session.scalars(select(Enterprise)).one().contact = "丁"
        uow.commit()
    with pytest.raises(ImportRejected, match="「联系人」在预览之后已被修改"):
        apply_forms(db, preview)
    with db.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Enterprise)) == 1


def test_a_hand_made_table_with_the_form_headers_is_accepted(db, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["企业名称", "统一社会信用代码", "所在区县", "联系人", "随便一列"])
    ws.append(["重庆甲公司", CODES[0], "渝北区", "张三", "x"])
    wb.save(tmp_path / "自制.xlsx")
    with db.uow() as uow:
        preview = preview_forms(uow.session, tmp_path / "自制.xlsx")
    assert preview.counts()["create"] == 1
    [w] = preview.warnings
    assert (w.column, w.header, w.severity) == ("E", "随便一列", "warning")


def test_yearly_indicator_form_round_trip(demo_db, tmp_path):
    from models.review import Indicator

    with demo_db.uow() as uow:
        ent = uow.session.scalars(select(Enterprise).order_by(Enterprise.id)).first()
        ent_id, ent_name, ent_code = ent.id, ent.name, ent.credit_code
        path = write_form(tmp_path / "指标.xlsx", "indicator_enterprise", session=uow.session, ids=[ent_id], year=2031)
    wb = openpyxl.load_workbook(path)
    ws = wb["企业年度指标"]
    headers = [c.value for c in ws[1]]
    assert headers[:4] == ["*企业名称", "*统一社会信用代码", "*年度", "营业收入（万元）"]
    assert [ws["A2"].value, ws["B2"].value, ws["C2"].value] == [ent_name, ent_code, 2031]
    col = {h: i + 1 for i, h in enumerate(headers)}
    ws.cell(row=2, column=col["营业收入（万元）"], value="１２,３４５.６")
    ws.cell(row=2, column=col["工业用水重复利用率（生产洁净化）（%）"], value="95.5%")
    wb.save(path)
    with demo_db.uow() as uow:
        preview = preview_forms(uow.session, path)
    [row] = preview.rows
    assert row.action == "create", row.issues
    apply_forms(demo_db, preview)
    with demo_db.uow() as uow:
        got = {i.key: (i.value, i.unit, i.source) for i in uow.session.scalars(
            select(Indicator).where(Indicator.enterprise_id == ent_id, Indicator.year == 2031))}
    assert got == {"revenue": (Decimal("12345.6"), "万元", "表格导入"),
                   "water_reuse_rate": (Decimal("95.5"), "%", "表格导入")}
    ws.cell(row=2, column=col["营业收入（万元）"], value=13000)
    wb.save(path)
    with demo_db.uow() as uow:
        preview = preview_forms(uow.session, path)
    [row] = preview.rows
    assert row.action == "update"
    assert [(c.key, c.old, c.new) for c in row.changes] == [("revenue", Decimal("12345.6000"), Decimal("13000"))]
