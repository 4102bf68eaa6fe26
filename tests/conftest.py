"""Shared fixtures: a fresh temporary database per test, the app context, a small demo database.

Tests run headless: QT_QPA_PLATFORM=offscreen is set here, before Qt is imported.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pytest  # noqa: E402

SHARED = ROOT.parent / "shared"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    d.mkdir()
    return d


@pytest.fixture
def db(data_dir: Path):
    from models.db import Database

    database = Database.open(data_dir, user="测试员")
    yield database
    database.close()


@pytest.fixture
def demo_db(data_dir: Path):
    """A database with the standard demo data (300 enterprises, deterministic)."""
    from models import demo
    from models.db import Database

    database = Database.open(data_dir, user="测试员")
    demo.generate(database)
    yield database
    database.close()


@pytest.fixture
def ctx(qtbot, db):
    from PySide6.QtCore import QSettings

    from desktop.context import AppContext

    settings = QSettings(str(db.data_dir / "settings.ini"), QSettings.Format.IniFormat)
    return AppContext(db, settings)


@pytest.fixture
def demo_ctx(qtbot, demo_db):
    from PySide6.QtCore import QSettings

    from desktop.context import AppContext

    settings = QSettings(str(demo_db.data_dir / "settings.ini"), QSettings.Format.IniFormat)
    return AppContext(demo_db, settings)


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared 不存在：跳过依赖共享参考数据的测试")
    return SHARED
