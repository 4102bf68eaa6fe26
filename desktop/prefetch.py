"""Reads started at start-up, on the second core while the window is built and shown: the
board's first page and the 称号监管 list come from here instead of waiting for SQLite then.

Once the window's settings are known the program starts a ``Prefetcher`` reading the board's
first page for the saved year and title, then builds the window; once the window is on screen
it adds the 称号监管 list for today, which the clerk (or the self-test) opens next. A view asks
``ctx.read(fn, *args)``: when a read of exactly ``fn(con, *args)`` was started and nothing was
written since, it waits for that result (usually there already); otherwise it reads now, as it
always would. A guess that was wrong (another year in the settings) costs only the read.

Each read runs in a thread of its own on a connection of its own (``db.read(own=True)``), no
Qt, and asks SQLite for its rows in one step each (``one_step``: ``models.db.rows_in_one_step``)
so it does not wait for the GIL once per row while the window's thread builds widgets. A result
is used once, and not at all after any write (``discard``, on every ``data_changed``) or after
``MAX_AGE`` seconds.
"""
from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from models.db import Database

#: a result older than this (seconds) is not used: the tab reads afresh
MAX_AGE = 60.0

Read = Callable[..., Any]


@dataclass
class _Job:
    fn: Read
    args: tuple[Hashable, ...]
    started: float = field(default_factory=time.monotonic)
    done: threading.Event = field(default_factory=threading.Event)
    result: Any = None
    error: BaseException | None = None


class Prefetcher:
    """Reads running in background threads (one each); ``take`` hands a result over once."""

    def __init__(self, db: Database, *, max_age: float = MAX_AGE) -> None:
        self.db = db
        self.max_age = max_age
        self._lock = threading.Lock()
        self._jobs: dict[tuple, _Job] = {}
        self._threads: list[threading.Thread] = []

    def submit(self, fn: Read, *args: Hashable) -> None:
        """Start ``fn(con, *args)`` in a thread of its own, on a connection of its own."""
        job = _Job(fn, args)
        with self._lock:
            self._jobs[(fn, args)] = job
        t = threading.Thread(target=self._run, args=(job,), name=f"greendesk-prefetch-{fn.__name__}", daemon=True)
        self._threads.append(t)
        t.start()

    def take(self, fn: Read, *args: Hashable) -> tuple[bool, Any]:
        """(True, the result) of a read of ``fn(con, *args)`` started here, fresh and not yet
        taken, waiting for it if it still runs; (False, None) otherwise, or if it failed (the
        caller reads again and meets the error itself)."""
        with self._lock:
            job = self._jobs.pop((fn, args), None)
        if job is None or time.monotonic() - job.started > self.max_age:
            return False, None
        job.done.wait()
        if job.error is not None:
            return False, None
        return True, job.result

    def discard(self) -> None:
        """Forget every result not taken yet (something was written: they may be out of date)."""
        with self._lock:
            self._jobs.clear()

    def close(self, timeout: float = 5.0) -> None:
        """Forget everything and wait (up to ``timeout`` seconds) for reads still running."""
        self.discard()
        for t in self._threads:
            t.join(timeout)
        self._threads.clear()

    def _run(self, job: _Job) -> None:
        try:
            with self.db.read(own=True) as con:
                job.result = job.fn(con, *job.args)
        except BaseException as exc:  # noqa: BLE001 -- take() reports a miss; the view reads again
            job.error = exc
        finally:
            job.done.set()


def read(prefetcher: Prefetcher | None, db: Database, fn: Read, *args: Hashable) -> Any:
    """``fn(con, *args)``: the prefetched result when there is one, else read now."""
    if prefetcher is not None:
        found, result = prefetcher.take(fn, *args)
        if found:
            return result
    with db.read() as con:
        return fn(con, *args)


# ----------------------------------------------------------------------------- the reads


def board_first_page(con, year: int, kinds: tuple[str, ...] | None, per_stage: int):
    """The 培育申报看板's first page of every stage and each stage's total, for ``year`` and
    the title kinds (values; None: all)."""
    from models import pipeline as pl
    from models.stages import TitleKind

    counts: dict = {}
    cards = pl.card_rows(con, year=year, title_kinds=[TitleKind(k) for k in kinds] if kinds else None,
                         per_stage=per_stage, stage_totals=counts, one_step=True)
    return cards, counts


def titles_list(con, today: dt.date):
    """The 称号监管 list for ``today``: (``models.title_list.TitleRow`` rows, the years counted
    Monday–Friday). Read in one step per query, then the rows made here too: started once the
    window is on screen, this Python work fills the moments the window's thread waits for
    SQLite while it loads the other tabs."""
    from forms.rules.loader import indicator_defs
    from models.title_list import build_title_rows, fallback_years_open, title_data

    data = title_data(con, today, catalogue=indicator_defs(), one_step=True)
    return build_title_rows(data, today), fallback_years_open(con)


#: the board's settings keys and page size (desktop.views.pipeline uses these)
BOARD_YEAR_KEY = "pipeline/year"
BOARD_TITLE_KEY = "pipeline/title"
CARD_PAGE = 200  # cards per column loaded at first; more as the column is scrolled


def board_choice(settings) -> tuple[int, tuple[str, ...] | None]:
    """The year and title kinds the board opens on: the saved ones, else this year and all
    titles. The board's combo boxes start from this, so the read ahead is for what it shows."""
    from models.stages import TitleKind

    year = dt.date.today().year
    saved = settings.value(BOARD_YEAR_KEY) if settings is not None else None
    try:
        year = int(saved) if saved not in (None, "") else year
    except (TypeError, ValueError):
        pass
    kind = settings.value(BOARD_TITLE_KEY, "") if settings is not None else ""
    valid = {k.value for k in TitleKind}
    return year, ((kind,) if isinstance(kind, str) and kind in valid else None)


def start(db: Database, settings) -> Prefetcher:
    """A prefetcher already reading the board's first page for what ``settings`` (the window's
    QSettings) will show: started before the window is built, which the board waits for."""
    p = Prefetcher(db)
    year, kinds = board_choice(settings)
    p.submit(board_first_page, year, kinds, CARD_PAGE)
    return p


def warm_titles(p: Prefetcher) -> None:
    """Start reading the 称号监管 list, once the window is on screen (before, it would compete
    with what the clerk sees first)."""
    p.submit(titles_list, dt.date.today())
