"""CPU-bound work a step spreads over worker processes: reading report PDFs, drawing model labels.

A step runs in one Python process (the refresh's own, under `energy-index run`), so work that is
CPU-bound and made of independent items goes to `ENERGY_INDEX_WORKERS` processes. They fork from
a fork server (started once per process, holding only the modules the work needs), which is
quick, and safe in a process with threads, unlike a plain fork; a spawned worker would import the
refresh's whole command line first.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import TypeVar

Item, Result = TypeVar("Item"), TypeVar("Result")
# What a worker needs, imported once by the fork server so every worker starts with it.
PRELOADED = ["energy_index.defs.corporate.report", "energy_index.defs.ratings.labels"]


def in_workers(work: Callable[[Item], Result], items: Iterable[Item], workers: int
               ) -> Iterator[tuple[Item, Result | BaseException]]:
    """(item, work(item)) for every item, as each finishes; what `work` raised (or a worker's death,
    BrokenProcessPool) in place of its result. One item, or one worker, runs here, in order.
    `work` must be a module-level function; items and results must pickle."""
    items = list(items)
    if len(items) <= 1 or workers <= 1:
        for item in items:
            try:
                yield item, work(item)
            except Exception as exc:  # noqa: BLE001 - handed to the caller, as a worker's would be
                yield item, exc
        return
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOADED)
    with ProcessPoolExecutor(max_workers=min(workers, len(items)), mp_context=context) as pool:
        futures = {pool.submit(work, item): item for item in items}
        for future in as_completed(futures):
            try:
                yield futures[future], future.result()
            except Exception as exc:  # noqa: BLE001 - a worker's error or death (BrokenProcessPool), handed back
                yield futures[future], exc
