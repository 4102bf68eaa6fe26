"""Data shipped with the program: reference tables, rule sets, templates, icons.

Only ``resource_path`` lives here: it finds a resource both in a source checkout and in a
frozen PyInstaller bundle (where resources/ is unpacked under ``sys._MEIPASS``).
"""
from __future__ import annotations

import sys
from pathlib import Path


def resource_path(*parts: str) -> Path:
    base = getattr(sys, "_MEIPASS", None)
    root = Path(base) / "resources" if base else Path(__file__).resolve().parent
    return root.joinpath(*parts)
