"""Long work off the GUI thread, through one helper.

An operation is a plain function ``fn(progress) -> result`` that never touches widgets. It calls
``progress.report(done, total, text)`` now and then, and ``progress.check()`` to stop when the
clerk pressed 取消 (that raises ``Cancelled``; the operation's own transaction then rolls back).
The result or the error comes back to the GUI thread by signal. The clerk sees a progress
dialog with a cancel button.
"""
from __future__ import annotations

import atexit
import threading
import traceback
from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, Qt, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget


class Cancelled(Exception):
    """Raised inside an operation when the clerk cancelled it."""


class Progress:
    def __init__(self, emit: Callable[[int, int, str], None]) -> None:
        self._emit = emit
        self._cancel = threading.Event()

    def report(self, done: int, total: int, text: str = "") -> None:
        self._emit(done, total, text)

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        if self._cancel.is_set():
            raise Cancelled()


class _Worker(QThread):
    progressed = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(object, str)
    was_cancelled = Signal()

    def __init__(self, fn: Callable[[Progress], Any]) -> None:
        super().__init__()
        self.fn = fn
        self.progress = Progress(lambda d, t, s: self.progressed.emit(d, t, s))

    def run(self) -> None:  # runs in the worker thread
        try:
            result = self.fn(self.progress)
        except Cancelled:
            self.was_cancelled.emit()
        except Exception as exc:  # reported to the GUI thread, never swallowed
            self.failed.emit(exc, traceback.format_exc())
        else:
            # The operation ran to its end: its result stands even if 取消 was pressed in the
            # last moment (the work is committed by then). Only a result that says it was
            # cancelled (e.g. a check run's summary) counts as a cancel.
            if getattr(result, "cancelled", False) is True:
                self.was_cancelled.emit()
            else:
                self.succeeded.emit(result)


class Operation(QObject):
    """A running background operation with its progress dialog."""

    finished = Signal(object)  # result
    failed = Signal(object, str)  # exception, traceback
    cancelled = Signal()
    done = Signal()  # after any of the three

    def __init__(
        self,
        parent: QWidget | None,
        title: str,
        fn: Callable[[Progress], Any],
        *,
        cancellable: bool = True,
        show_dialog: bool = True,
    ) -> None:
        super().__init__(parent)
        self.worker = _Worker(fn)
        self.dialog: QProgressDialog | None = None
        if show_dialog:
            dlg = QProgressDialog(title, "取消" if cancellable else "", 0, 0, parent)
            dlg.setWindowTitle(title)
            dlg.setWindowModality(Qt.WindowModality.WindowModal)
            dlg.setMinimumDuration(300)
            dlg.setAutoClose(False)
            dlg.setAutoReset(False)
            if not cancellable:
                dlg.setCancelButton(None)
            dlg.canceled.connect(self.cancel)
            self.dialog = dlg
        self.worker.progressed.connect(self._on_progress)
        self.worker.succeeded.connect(self._on_success)
        self.worker.failed.connect(self._on_failed)
        self.worker.was_cancelled.connect(self._on_cancelled)

    def start(self) -> "Operation":
        # kept alive until it ends, and waited for at exit: a QThread destroyed while it runs
        # aborts the whole program (e.g. the window closed during a load)
        _RUNNING.add(self)
        self.done.connect(lambda: _RUNNING.discard(self))
        self.worker.start()
        return self

    def cancel(self) -> None:
        self.worker.progress.cancel()
        if self.dialog is not None:
            self.dialog.setLabelText("正在取消……已做的改动将全部撤回。")

    def wait(self, ms: int = 60000) -> bool:
        return self.worker.wait(ms)

    def _on_progress(self, done: int, total: int, text: str) -> None:
        dlg = self.dialog
        if dlg is None:
            return
        if text:
            dlg.setLabelText(text)
        dlg.setMaximum(max(total, 0))
        # last: a modal QProgressDialog processes events in setValue, so the operation may end
        # (and self.dialog become None) inside this call
        dlg.setValue(min(done, total) if total else 0)

    def _close(self) -> None:
        self.worker.wait()
        if self.dialog is not None:
            self.dialog.close()
            self.dialog.deleteLater()
            self.dialog = None

    def _on_success(self, result: Any) -> None:
        self._close()
        self.finished.emit(result)
        self.done.emit()

    def _on_failed(self, exc: Exception, tb: str) -> None:
        self._close()
        self.failed.emit(exc, tb)
        self.done.emit()

    def _on_cancelled(self) -> None:
        self._close()
        self.cancelled.emit()
        self.done.emit()


def run_operation(parent: QWidget | None, title: str, fn: Callable[[Progress], Any], **kw: Any) -> Operation:
    return Operation(parent, title, fn, **kw).start()


def background(fn: Callable[[Progress], Any]) -> Operation:
    """An Operation without a progress dialog, not yet started; connect to its ``finished`` /
    ``failed`` / ``done``, then ``start()``."""
    return Operation(None, "", fn, cancellable=False, show_dialog=False)


#: operations under way (see Operation.start)
_RUNNING: set[Operation] = set()


@atexit.register
def _wait_for_running() -> None:
    for op in list(_RUNNING):
        op.wait(30000)
