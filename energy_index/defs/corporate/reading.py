"""Reading the reports of one run: downloaded one by one, parsed by worker processes in parallel,
each parse kept in a cache keyed by the PDF's content and the reader's code.

Parsing a report (camelot on its relevant pages) is CPU-bound and takes seconds to minutes; a run
that reads many reports (a first refresh, a new reader) spreads them over `ENERGY_INDEX_WORKERS`
processes (energy_index/parallel.py). A parse depends only on the PDF's bytes and the reader's code (this package), so it
is cached under `cache/parsed/`: a report whose file and reader are unchanged (a full refresh, a
report run again alone after its batch failed) is not parsed again. A cache entry that cannot
be read is parsed again and rewritten.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from energy_index.defs.code_versions import package_version
from energy_index.defs.corporate.registry import Report
from energy_index.defs.corporate.report import ParsedReport, parse_or_problem
from energy_index.defs.sources.fetcher import FetchResult, SourceError, SourceFetcher, SourceUnavailable
from energy_index.integrity import atomic_path
from energy_index.parallel import in_workers

SOURCE = "corporate_reports"
READER_PACKAGE = Path(__file__).resolve().parent


@dataclass
class Reading:
    """What one report gave: its download, its parse, or why there is none."""

    report: Report
    fetch: FetchResult | None = None
    parsed: ParsedReport | None = None
    status: str = "parsed"  # parsed | no_text_layer | no_figures | unavailable | failed
    detail: str = ""


def read_reports(reports: list[Report], fetcher: SourceFetcher, cache_dir: Path, workers: int,
                 progress: Callable[[int, int, str], None]) -> list[Reading]:
    """Download and parse every report, in the given order; a report that cannot be had or read
    is a Reading with its status and why, never an exception."""
    readings = [_download(report, fetcher) for report in reports]
    pending = {}
    for reading in readings:
        if reading.fetch is not None and not _from_cache(reading, cache_dir):
            pending[Path(reading.fetch.path)] = reading
    done = len(readings) - len(pending)
    for path, parsed_or_problem in in_workers(parse_or_problem, list(pending), workers):
        reading, done = pending[path], done + 1
        if isinstance(parsed_or_problem, BaseException):  # the worker died (a crash in a PDF library)
            parsed_or_problem = f"the reader's worker process failed ({parsed_or_problem!r}); read it alone to see why"
        _settle(reading, parsed_or_problem)
        if reading.parsed is not None:
            _store(reading, cache_dir)
        progress(done, len(readings), reading.report.report_id)
    return readings


def _download(report: Report, fetcher: SourceFetcher) -> Reading:
    try:
        return Reading(report, fetch=fetcher.fetch(SOURCE, report.url))
    except SourceUnavailable as exc:
        return Reading(report, status="unavailable", detail=str(exc))
    except SourceError as exc:
        return Reading(report, status="failed", detail=str(exc))


def _cache_path(reading: Reading, cache_dir: Path) -> Path:
    return cache_dir / "parsed" / f"{reading.fetch.sha256[:24]}-{package_version(READER_PACKAGE)}.pickle"


def _from_cache(reading: Reading, cache_dir: Path) -> bool:
    path = _cache_path(reading, cache_dir)
    try:
        with path.open("rb") as handle:
            parsed = pickle.load(handle)
    except FileNotFoundError:
        return False
    except Exception:  # noqa: BLE001 - a damaged entry of any kind is parsed again
        path.unlink(missing_ok=True)
        return False
    if not isinstance(parsed, ParsedReport):
        return False
    _settle(reading, parsed)
    return True


def _store(reading: Reading, cache_dir: Path) -> None:
    target = _cache_path(reading, cache_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(target) as partial, partial.open("wb") as handle:
        pickle.dump(reading.parsed, handle, protocol=pickle.HIGHEST_PROTOCOL)


def _settle(reading: Reading, parsed_or_problem: ParsedReport | str) -> None:
    if isinstance(parsed_or_problem, ParsedReport):
        reading.parsed, reading.status, reading.detail = parsed_or_problem, parsed_or_problem.status, \
            parsed_or_problem.detail
    else:
        reading.status, reading.detail = "failed", parsed_or_problem
