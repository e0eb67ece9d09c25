"""Progress of a long step, for whoever watches it: the step's own log, and a console in this process.

A step that works through many items (report PDFs, release files) calls `advance(...)` after each:
the line goes to the step's log (the Dagster UI shows it), and `energy-index run`, which executes
its runs in its own process, shows it live (`watching`). Nothing else is shared between them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Listener = Callable[[str, int, int, str], None]
_listeners: list[Listener] = []
_lock = threading.Lock()


@contextmanager
def watching(listener: Listener) -> Iterator[None]:
    """Call `listener(what, done, total, item)` for every step's progress while the block runs."""
    with _lock:
        _listeners.append(listener)
    try:
        yield
    finally:
        with _lock:
            _listeners.remove(listener)


def advance(log, what: str, done: int, total: int, item: str = "") -> None:
    """Say that `done` of `total` `what` are done (`item` the latest), in the log and to any watcher."""
    log.info(f"{what} {done}/{total}" + (f": {item}" if item else ""))
    with _lock:
        listeners = list(_listeners)
    for listener in listeners:
        listener(what, done, total, item)
