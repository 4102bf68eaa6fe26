"""Entry point: ``greendesk`` / ``python -m desktop``.

    greendesk [--data-dir DIR] [--demo] [--self-test] [--user NAME]
    greendesk [--data-dir DIR] COMMAND ...      (commands: see desktop/cli.py)

The command line is how scripts and CI drive the program; without a command it opens the window.
Heavy libraries (openpyxl, python-docx, Alembic's command machinery) load only when used.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

APP_NAME = "GreenDesk"
APP_TITLE = "绿色制造培育申报管理"


def default_data_dir() -> Path:
    """The per-user data folder (Windows: %LOCALAPPDATA%\\GreenDesk), or, in portable mode (a
    file named ``portable`` beside the executable), a ``data`` folder beside the program."""
    if getattr(sys, "frozen", False):
        exe_dir = Path(sys.executable).resolve().parent
        if (exe_dir / "portable").exists() or (exe_dir / "portable.txt").exists():
            return exe_dir / "data"
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


def build_parser() -> argparse.ArgumentParser:
    from . import cli

    p = argparse.ArgumentParser(prog="greendesk", description=f"{APP_TITLE}（区县经信委）")
    p.add_argument("--data-dir", type=Path, default=None, help="数据文件夹（默认：用户数据目录）")
    p.add_argument("--demo", action="store_true", help="数据库为空时写入演示数据")
    p.add_argument("--self-test", action="store_true", help="打开数据库、迁移、离屏构建主窗口并加载每个视图，然后退出")
    p.add_argument("--user", default=None, help="操作人姓名（默认：系统用户名）")
    cli.add_commands(p)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    data_dir = args.data_dir or default_data_dir()
    if getattr(args, "command", None):
        from . import cli

        return cli.run_command(args, data_dir)
    if args.self_test:
        return self_test(data_dir, demo=args.demo, user=args.user)
    return run_gui(data_dir, demo=args.demo, user=args.user)


def open_database(data_dir: Path, *, demo: bool, user: str | None):
    from models.db import Database

    db = Database.open(data_dir, user=user)
    if demo:
        with db.read() as con:
            empty = not con.execute("SELECT COUNT(*) FROM enterprise").fetchone()[0]
        if empty:
            from forms.demo_review_run import prepare_demo_review
            from models import demo as demo_data

            demo_data.generate(db)
            prepare_demo_review(db)  # the current year's batch checked and reviewed, ready to export
    return db


def pause_gc() -> None:
    """Pause Python's cycle collector while the window starts. Start-up builds some 10^5
    long-lived objects (Qt wrappers, rows of the tabs) and the collector would walk them again
    and again, about 200 times (65 ms of a self-test at 20,000 enterprises); start-up makes
    little garbage for it (+1 MB). ``resume_gc`` once the start-up is done. Called after the
    database is open: generating the demo data makes garbage in quantity."""
    import gc

    gc.disable()


def resume_gc() -> None:
    import gc

    gc.enable()


def make_app(argv: list[str] | None = None):
    from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setApplicationDisplayName(APP_TITLE)
    from resources import resource_path

    icon = resource_path("icons", "greendesk.png")
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    # Qt's own strings (OK/Cancel in standard dialogs) in Chinese, then ours.
    translators = []
    for name, folder in (
        ("qtbase_zh_CN", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)),
        ("greendesk_zh_CN", str(resource_path("translations"))),
    ):
        tr = QTranslator(app)
        if tr.load(name, folder):
            app.installTranslator(tr)
            translators.append(tr)
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    app._greendesk_translators = translators  # keep them alive
    return app


def run_gui(data_dir: Path, *, demo: bool = False, user: str | None = None) -> int:
    app = make_app()
    from PySide6.QtWidgets import QMessageBox

    from models.db import DatabaseError

    try:
        db = open_database(data_dir, demo=demo, user=user)
    except DatabaseError as exc:
        QMessageBox.critical(None, APP_TITLE, str(exc))
        return 2
    from PySide6.QtCore import QSettings, QTimer

    from . import prefetch

    settings = QSettings("greendesk", "greendesk")
    warm = prefetch.start(db, settings)  # the board's first page, read while the window is built
    pause_gc()
    try:
        from .main_window import MainWindow

        win = MainWindow(db, settings=settings, prefetch=warm)
        win.show()
        win.after_start()  # the first tab's data is loaded
    finally:
        resume_gc()
    from .dialogs.due_week import schedule_due_week

    schedule_due_week(win)  # 本周待办, a moment after the window is on screen
    QTimer.singleShot(0, win, lambda: prefetch.warm_titles(warm))  # 称号监管, once the window is up
    QTimer.singleShot(int(prefetch.MAX_AGE * 1000), win, warm.discard)  # what no tab asked for goes
    try:
        return app.exec()
    finally:
        warm.close()
        db.close()


#: what the self-test prints once the window is on screen with its first screen of data (the
#: moment the start-up benchmark times: tests/bench/run.py)
READY_LINE = "自检：窗口已就绪（当前页的数据已显示）"


def self_test(data_dir: Path, *, demo: bool = False, user: str | None = None) -> int:
    """Open or create the database, migrate, show the window offscreen with the data of the tab
    it opens on (then print ``READY_LINE``: the window is ready for the user), load every other
    view once; exit 0, or non-zero with the reason. The window's settings are a throwaway copy:
    an offscreen run never changes the clerk's window size or last tab."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import tempfile

    try:
        from models.db import DatabaseError

        try:
            db = open_database(data_dir, demo=demo, user=user)
        except DatabaseError as exc:
            print(f"自检失败：{exc}", file=sys.stderr)
            return 2
        pause_gc()  # until every view is loaded
        from . import prefetch

        warm = None
        try:
            app = make_app()
            from PySide6.QtCore import QSettings

            from .main_window import MainWindow

            with tempfile.TemporaryDirectory(prefix="greendesk-self-test-") as tmp:
                settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
                # the board's first page is read on the second core while the window is built
                warm = prefetch.start(db, settings)
                win = MainWindow(db, settings=settings, prefetch=warm)
                win.show()
                win.load_current_view()
                app.processEvents()  # painted: what the clerk sees first
                print(READY_LINE, flush=True)
                prefetch.warm_titles(warm)  # as the window does once on screen
                loaded = win.load_all_views()
                resume_gc()
                app.processEvents()
                win.close()
                win.deleteLater()
                app.processEvents()
                del settings
        finally:
            if warm is not None:
                warm.close()
            resume_gc()
            db.close()
    except Exception as exc:  # the reason, for scripts and CI
        import traceback

        traceback.print_exc()
        print(f"自检失败：{type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(f"自检通过：数据库 {db.path}，已加载视图 {', '.join(loaded)}")
    global _EXIT_AT_ONCE
    _EXIT_AT_ONCE = True
    return 0


#: set when the program's work is done and everything is closed and written: the process may
#: end without the interpreter's teardown of every object (about 0.3 s after a self-test)
_EXIT_AT_ONCE = False


def run() -> None:
    """The console entry point (``greendesk``) and ``python -m desktop``."""
    rc = main()
    if _EXIT_AT_ONCE:
        import atexit

        atexit._run_exitfuncs()  # what others registered still runs
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(rc)
    raise SystemExit(rc)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
