"""The user guide's screenshots (tools/user_guide.py): every step of the yearly cycle run against
a small demo in a temporary folder produces a picture that is not blank and shows what the step
is about — the tab that is current, the dialog's title, the page of a wizard, the rows a table
shows; and docs/user-guide.md shows every step's picture and only pictures that exist."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import user_guide  # noqa: E402  (tools/user_guide.py)

#: step → the window title (or the main window's tab) its picture must show
TITLES = {
    "profile": "单位信息",
    "backups": "备份与恢复",
    "doctor": "检查与修复",
    "enterprises": "企业",
    "enterprise-editor": "新增企业",
    "parks": "园区",
    "sync-menu": "园区",
    "export-form": "导出信息采集表",
    "import-forms": "导入信息采集表",
    "import-errors": "导入信息采集表",
    "pipeline": "培育申报看板",
    "new-application": "新增申报",
    "move-reason": "填写移动原因",
    "review": "初审",
    "materials": "申报详情 — ",
    "results": "申报详情 — ",
    "override": "人工改判：第",
    "evaluators": "第三方评价机构",
    "batches": "推荐批次",
    "export-check": "起草推荐函与导出材料包",
    "export-letter": "起草推荐函与导出材料包",
    "export-done": "起草推荐函与导出材料包",
    "verify-package": "核验材料包",
    "import-list": "导入名单 — ",
    "titles": "称号监管",
    "title-revoke": "撤销称号",
    "title-change": "更名/重组",
    "title-indicators": "年度指标报送（第十六条）",
    "due-week": "本周待办",
    "dashboard": "年度概览",
    "targets": "编辑2026年目标",
    "new-year": "开始新年度",
    "exchange": "导入交换文件 — ",
    "audit": "操作日志",
}


@pytest.fixture(scope="module")
def guide(qapp, tmp_path_factory):
    """Every step run once on a small demo; the window and its dialogs closed afterwards."""
    tmp = tmp_path_factory.mktemp("guide")
    out = tmp / "shots"
    with user_guide.open_guide(out, tmp=tmp, enterprises=120, app=qapp, quick=True) as g:
        user_guide.run_steps(g)
        shots = {s.name: s for s in g.shots}
        messages = list(g.messages)
    assert not [w for w in qapp.topLevelWidgets() if w.isVisible()], "a step left a window open"
    return shots, messages


def not_blank(path: Path) -> tuple[int, float]:
    """(distinct colours in a sample, share of the commonest colour) below the drawn title bar."""
    img = QImage(str(path))
    assert not img.isNull(), f"{path} is not a readable image"
    seen: dict[int, int] = {}
    n = 0
    for y in range(user_guide.TITLE_BAR + 2, img.height(), 3):
        for x in range(0, img.width(), 3):
            c = img.pixel(x, y)
            seen[c] = seen.get(c, 0) + 1
            n += 1
    return len(seen), max(seen.values()) / n


def test_every_step_has_an_expectation():
    assert [name for name, _fn in user_guide.STEPS] == list(TITLES)


@pytest.mark.parametrize("name", list(TITLES))
def test_each_step_saves_a_picture_of_what_it_is_about(guide, name):
    shots, _messages = guide
    shot = shots[name]
    number = [n for n, _fn in user_guide.STEPS].index(name) + 1
    assert shot.path.name == f"{number:02d}-{name}.png"
    assert shot.path.stat().st_size < 160_000
    img = QImage(str(shot.path))
    assert img.width() >= 300 and img.height() >= 150
    colours, commonest = not_blank(shot.path)
    assert colours >= 12 and commonest < 0.92, f"{name}: the picture is (nearly) blank"
    assert shot.title.startswith(TITLES[name]), (name, shot.title)
    if shot.tab and shot.title == shot.tab:  # a tab of the main window: the whole window at 1280 x 800
        assert (img.width(), img.height()) == (1280 + 2, 800 + user_guide.TITLE_BAR + 1)


def test_tables_in_the_pictures_are_not_empty(guide):
    shots, _messages = guide
    f = {name: s.facts for name, s in shots.items()}
    assert 0 < f["enterprises"]["rows"] < f["enterprises"]["total"]  # the search typed filters
    assert f["enterprises"]["search"] == "渝北 汽车"
    assert f["parks"]["rows"] > 0
    assert f["backups"]["rows"] >= 3 and any("导入前自动备份" in t for t in f["backups"]["labels"])
    assert sum(f["pipeline"]["counts"].values()) > 0 and f["pipeline"]["selected"]
    assert f["review"]["rows"] > 0 and f["materials"]["rows"] > 0 and f["results"]["rows"] > 0
    assert f["batches"]["members"] > 0
    assert f["new-year"]["rows"] > 0 and f["import-list"]["rows"] > 0
    assert f["evaluators"]["rows"] > 0
    assert f["doctor"]["rows"] > 0 and f["doctor"]["status"].startswith("✔")


def test_the_steps_show_the_cycle_as_the_guide_tells_it(guide):
    shots, _messages = guide
    # the editor refuses a wrong check character and says which one is expected
    assert "统一社会信用代码" in shots["enterprise-editor"].facts["message"]
    assert shots["sync-menu"].facts["actions"][:1] == ["导出空白信息采集表…"]
    assert shots["import-forms"].tab.startswith("更新") and shots["import-errors"].tab.startswith("错误")
    assert "退回" in shots["move-reason"].facts["explanation"]
    assert shots["results"].tab == "初审结果" and shots["results"].facts["selected"].startswith("第")
    # the wizard: refused while an application under review is in the batch, then each page
    check = shots["export-check"]
    assert check.tab == "检查" and check.facts["blockers"] > 0 and not check.facts["next_enabled"]
    assert shots["export-letter"].tab == "推荐函" and "市经济信息委" in shots["export-letter"].facts["preview"]
    assert shots["export-done"].tab == "导出" and "已导出材料包" in shots["export-done"].facts["result"]
    assert "完整" in shots["verify-package"].facts["status"]
    assert shots["import-list"].facts["confirm_enabled"]  # a doubtful row chosen for confirmation
    assert shots["exchange"].facts["conflicts"] >= 1 and not shots["exchange"].facts["merge_enabled"]


def test_the_supervision_and_dashboard_steps(guide):
    """称号监管 and 年度概览 as the guide tells them: an overdue to-do chosen (第十九条 or 第十六条),
    the revocation's ban (第十八条), the renaming's 30 working days (第十九条), the targets saved
    and compared on the dashboard once its figures are in."""
    shots, _messages = guide
    titles = shots["titles"].facts
    assert titles["rows"] > 0 and titles["overdue"] and "逾期" in titles["todo"]
    revoke = shots["title-revoke"].facts
    assert revoke["cause"].startswith("（六）") and "三年内不得重新申报" in revoke["ban"]
    assert "30个工作日" in shots["title-change"].facts["due"]
    assert shots["targets"].facts["values"]["市级绿色工厂"] == 15
    dash = shots["dashboard"].facts
    assert dash["year"] == 2026 and not dash["busy"] and len(dash["tabs"]) == 5
    assert "尚未设定目标" not in dash["targets"]
    assert shots["due-week"].facts["rows"] > 0


def test_the_guide_shows_every_step_and_only_pictures_that_exist():
    text = (ROOT / "docs" / "user-guide.md").read_text(encoding="utf-8")
    shown = re.findall(r"\]\((guide/[^)]+\.png)\)", text)
    names = [n for n, _fn in user_guide.STEPS]
    expected = [f"guide/{i:02d}-{n}.png" for i, n in enumerate(names, start=1)]
    assert sorted(set(shown)) == sorted(expected)
    for rel in shown:
        path = ROOT / "docs" / rel
        assert path.is_file(), f"{rel} is missing: run python tools/user_guide.py docs/guide"
        assert path.stat().st_size <= 160_000, f"{rel} is too large"
