"""Living with SQLite's single write lock (and with PostgreSQL lock waits too).

SQLite lets any number of readers run beside one writer (WAL mode), but writers queue: a writer
waits up to the busy timeout (settings.SQLITE_BUSY_TIMEOUT, 60 s by default) and then gets
"database is locked". Tutela's long writes are kept shorter than that (all-or-nothing imports;
summary rebuilds in chunks that release the lock between them), and:

- long-running processes (the task worker, the scheduler) do not die of a locked database: they
  retry with back-off (`retry_locked`, `backoff_delays`);
- page views do not wait for writes they do not need (a session's "last seen" stamp, queueing a
  summary rebuild): those are attempted with a short wait and skipped when the lock is taken
  (`write_nowait`); the next request tries again.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections

logger = logging.getLogger(__name__)

T = TypeVar("T")

# A page view's optional write waits this long for the lock, then gives up.
NOWAIT_MS = 150
# Between two chunks of a long rebuild the lock is left free this long: longer than the longest
# sleep of SQLite's busy handler between two tries (100 ms), so every writer waiting for the lock
# gets it (a chunk that began again at once would win nearly every time: the waiting writers
# poll, they are not queued).
GAP_SECONDS = 0.15


def is_locked(exc: BaseException) -> bool:
    """The error is a lock wait that ran out (SQLite's "database is locked"/"busy", PostgreSQL's
    lock timeout or deadlock), not a broken query."""
    if not isinstance(exc, OperationalError):
        return False
    text = str(exc).lower()
    return any(
        words in text
        for words in (
            "database is locked",
            "database table is locked",
            "database is busy",
            "lock timeout",
            "deadlock detected",
            "could not obtain lock",
        )
    )


def backoff_delays(
    *, first: float = 0.5, factor: float = 2.0, longest: float = 15.0
) -> Iterator[float]:
    """0.5, 1, 2, 4, 8, 15, 15, ... seconds."""
    delay = first
    while True:
        yield delay
        delay = min(delay * factor, longest)


def retry_locked(
    function: Callable[[], T],
    *,
    what: str,
    attempts: int | None = None,
    sleep: Callable[[float], object] = time.sleep,
    should_stop: Callable[[], bool] = lambda: False,
) -> T:
    """Call `function` until it does not fail on a lock (at most `attempts` times; None: until
    `should_stop()`), waiting longer each time, with a log line per wait. Other errors, and the
    last lock error, are raised."""
    for tries, delay in enumerate(backoff_delays(), start=1):
        try:
            return function()
        except OperationalError as exc:
            if not is_locked(exc) or (attempts is not None and tries >= attempts) or should_stop():
                raise
            logger.warning("%s: the database is busy (%s); retrying in %.1f s", what, exc, delay)
            _close_broken(exc)
            sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover


def _close_broken(exc: BaseException) -> None:
    """After a lock error outside a transaction, start the next attempt on a clean connection."""
    connection = connections[DEFAULT_DB_ALIAS]
    if not connection.in_atomic_block:
        connection.close_if_unusable_or_obsolete()


@contextlib.contextmanager
def _short_busy_timeout(using: str, milliseconds: int) -> Iterator[None]:
    connection = connections[using]
    if connection.vendor != "sqlite":
        yield
        return
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        previous = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA busy_timeout = {int(milliseconds)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA busy_timeout = {int(previous)}")


class WriterGaps:
    """Between the transactions of a long rebuild: every `LOCK_GAP_EVERY_SECONDS` (setting, 0.5 s
    by default) of work, leave SQLite's write lock free for GAP_SECONDS, so that the writers
    waiting for it take it (PostgreSQL queues lock waits: nothing to do). A writer then waits
    for at most that long plus one chunk."""

    def __init__(self, using: str = DEFAULT_DB_ALIAS) -> None:
        self.using = using
        self.every = float(getattr(settings, "LOCK_GAP_EVERY_SECONDS", 0.5))
        self.since = time.monotonic()

    def between(self) -> None:
        connection = connections[self.using]
        if connection.vendor != "sqlite" or connection.in_atomic_block:
            return
        if time.monotonic() - self.since >= self.every:
            time.sleep(GAP_SECONDS)
            self.since = time.monotonic()


def write_nowait(
    function: Callable[[], T], *, what: str, using: str = DEFAULT_DB_ALIAS
) -> tuple[bool, T | None]:
    """Run an optional write, waiting at most NOWAIT_MS for SQLite's write lock; on a lock it is
    skipped (logged at debug level). Returns (done, what `function` returned). Outside a
    transaction only: inside one, the lock is the caller's business."""
    connection = connections[using]
    if connection.in_atomic_block:
        return True, function()
    try:
        with _short_busy_timeout(using, NOWAIT_MS):
            return True, function()
    except OperationalError as exc:
        if not is_locked(exc):
            raise
        logger.debug("%s skipped: the database is busy", what)
        return False, None
