"""File and folder names in the submission package are safe on Windows (issue 4, "Parts that
must be real"): no <>:"/\\|?*, no reserved device names, no trailing dot or space, full paths
under 240 characters, long names shortened predictably."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exports.safe_names import (
    MAX_PATH,
    fit_name,
    is_reserved,
    numbered_folder,
    safe_name,
    shorten,
    unique_name,
    utf16_len,
)

FORBIDDEN = set('<>:"/\\|?*')


def test_forbidden_characters_become_underscores():
    assert safe_name('报告:2025/第1版?.pdf') == "报告_2025_第1版_.pdf"
    assert safe_name('a<b>c"d|e*f\\g') == "a_b_c_d_e_f_g"
    assert safe_name("名称\t带\n控制符") == "名称_带_控制符"


@pytest.mark.parametrize("name", ["CON", "con", "Nul.txt", "PRN.pdf", "aux", "COM1.docx", "lpt9", "COM¹"])
def test_reserved_device_names_get_a_prefix(name):
    out = safe_name(name)
    assert out.startswith("_")
    assert not is_reserved(out)


def test_names_that_only_look_reserved_are_left_alone():
    assert safe_name("CONSOLE.pdf") == "CONSOLE.pdf"
    assert safe_name("COM10.txt") == "COM10.txt"
    assert safe_name("重庆CON有限公司") == "重庆CON有限公司"


def test_trailing_dots_and_spaces_are_removed():
    assert safe_name("重庆某某有限公司. . ") == "重庆某某有限公司"
    assert safe_name("  佐证材料 ") == "佐证材料"
    assert safe_name("...") == "未命名"
    assert safe_name("") == "未命名"


def test_long_names_keep_start_extension_and_a_stable_hash():
    long = "第三方评价报告_" + "重庆市渝北区某某汽车零部件制造有限公司绿色工厂第三方评价报告" * 6 + ".pdf"
    a = safe_name(long, max_len=60)
    b = safe_name(long, max_len=60)
    assert a == b  # predictable
    assert utf16_len(a) <= 60
    assert a.startswith("第三方评价报告_重庆市渝北区")
    assert a.endswith(".pdf")
    assert "~" in a
    other = safe_name(long.replace(".pdf", "（修订）.pdf"), max_len=60)
    assert other != a  # same start, different name: still different


def test_shorten_leaves_short_names_unchanged():
    assert shorten("营业执照.pdf", 50) == "营业执照.pdf"


def test_fit_name_keeps_the_full_path_under_240():
    prefix = 200
    name = "申报书_" + "很长的文件名" * 20 + ".docx"
    fitted = fit_name(name, prefix)
    assert prefix + 1 + utf16_len(fitted) < MAX_PATH
    assert fitted.endswith(".docx")
    with pytest.raises(ValueError, match="路径太长"):
        fit_name(name, 235)


def test_numbered_folder_sorts_and_is_safe():
    assert numbered_folder(1, "重庆甲有限公司") == "01_重庆甲有限公司"
    assert numbered_folder(12, "A/B:C 公司.") == "12_A_B_C 公司"
    assert numbered_folder(3, "X" * 300, max_len=60).startswith("03_XXX")
    assert utf16_len(numbered_folder(3, "X" * 300, max_len=60)) <= 60


def test_unique_name_ignores_case_like_windows():
    taken: set[str] = set()
    assert unique_name("报告.pdf", taken) == "报告.pdf"
    assert unique_name("报告.PDF", taken) == "报告 (2).PDF"
    assert unique_name("报告.pdf", taken) == "报告 (3).pdf"


def test_characters_outside_the_bmp_count_twice():
    assert utf16_len("𠀀") == 2
    out = shorten("𠀀" * 40 + ".pdf", 20)
    assert utf16_len(out) <= 20


@given(st.text(min_size=0, max_size=300))
def test_any_text_becomes_a_windows_safe_name(text):
    out = safe_name(text)
    assert out
    assert not (set(out) & FORBIDDEN)
    assert all(ord(c) >= 32 for c in out)
    assert not out.endswith((".", " "))
    assert not is_reserved(out)
    assert utf16_len(out) <= 120
    assert len(out.encode("utf-8")) <= 240  # Linux/macOS: 255 bytes a name


def test_a_long_chinese_name_fits_a_linux_file_system_too():
    out = safe_name("很长的说明" * 40 + ".pdf")
    assert len(out.encode("utf-8")) <= 240 and out.endswith(".pdf")
