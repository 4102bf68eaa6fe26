"""`greendesk --data-dir DIR check --year 2026 [--batch ID]`: one line per result with its
article; exit 0 when the checks ran, non-zero when they could not."""
from __future__ import annotations

import re

from desktop.app import main
from models.db import DB_NAME


def test_check_on_the_demo_prints_every_result_with_its_article(tmp_path, capsys):
    d = tmp_path / "demo"
    assert main(["--data-dir", str(d), "demo"]) == 0
    capsys.readouterr()
    assert main(["--data-dir", str(d), "check", "--year", "2026"]) == 0
    out = capsys.readouterr().out.splitlines()
    lines = [line for line in out if line.startswith("申报") and "｜未检查" not in line]
    assert lines
    # 申报41 名称｜第七条（六）｜不符合｜审查内容｜依据
    pattern = re.compile(r"^申报\d+ .+｜(第[一二三四五六七八九十]+条(（[一二三四五六七八]）)?|年度申报通知)｜"
                         r"(通过|不符合|提醒|缺少数据|需人工判断)(（人工改判，系统结果：.+?）)?｜.+｜.+$")
    assert all(pattern.match(line) for line in lines), next(x for x in lines if not pattern.match(x))
    articles = {line.split("｜")[1] for line in lines}
    assert {f"第七条（{n}）" for n in "一二三四五六七八"} <= articles
    outcomes = {re.sub(r"（.*", "", line.split("｜")[2]) for line in lines}
    assert outcomes == {"通过", "不符合", "提醒", "缺少数据", "需人工判断"}  # the demo's realistic mix
    assert out[-1].startswith("共检查 ")


def test_check_a_batch_checks_the_whole_batch(tmp_path, capsys):
    d = tmp_path / "demo"
    assert main(["--data-dir", str(d), "demo"]) == 0
    from models.db import Database
    from models.entities import Batch
    from sqlalchemy import select

    db = Database.open(d, backup=False)
    with db.uow() as uow:
        batch_id = uow.session.scalars(select(Batch.id).where(Batch.year == 2026)).one()
    db.close()
    capsys.readouterr()
    assert main(["--data-dir", str(d), "check", "--batch", str(batch_id)]) == 0
    out = capsys.readouterr().out
    assert "｜第七条（八）｜" in out
    assert "共检查 " in out


def test_check_needs_a_year_or_a_batch(tmp_path, capsys):
    assert main(["--data-dir", str(tmp_path / "d"), "check"]) == 2
    assert "请用 --year 指定申报年度" in capsys.readouterr().err


def test_unknown_batch_cannot_run(db, capsys):
    data_dir = db.data_dir
    db.close()
    assert main(["--data-dir", str(data_dir), "check", "--batch", "999"]) == 2
    assert "推荐批次（编号 999）不存在或已删除" in capsys.readouterr().err


def test_nothing_to_check_still_ran(db, capsys):
    data_dir = db.data_dir
    db.close()
    assert main(["--data-dir", str(data_dir), "check", "--year", "2031"]) == 0
    assert "没有符合条件的申报" in capsys.readouterr().out


def test_a_database_that_cannot_open_is_an_error(tmp_path, capsys):
    d = tmp_path / "d"
    d.mkdir()
    (d / DB_NAME).write_bytes(b"this is not sqlite" * 100)
    assert main(["--data-dir", str(d), "check", "--year", "2026"]) == 2
    assert "错误：" in capsys.readouterr().err


def test_bad_review_date_is_refused(tmp_path, capsys):
    assert main(["--data-dir", str(tmp_path / "d"), "check", "--year", "2026", "--as-of", "明天"]) == 2
    assert "--as-of" in capsys.readouterr().err
