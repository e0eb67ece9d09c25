"""Reading a run's reports: downloads through the real fetcher on 127.0.0.1, parses in worker
processes (or in this one), each parse cached by the PDF's content and the reader's code."""

from __future__ import annotations

import logging
import pickle

from energy_index.defs.corporate.reading import read_reports
from energy_index.defs.corporate.registry import REPORTS
from energy_index.defs.sources.fetcher import SourceFetcher
from energy_index.parallel import in_workers
from energy_index.progress import advance, watching
from energy_index_tests.conftest import mirror_path
from energy_index_tests.fixtures import corporate, report_layouts

GOOGLE, FACT_SHEET, META = "google_2024_environmental_report", "microsoft_2024_data_fact_sheet", "meta_2023"


def primary(reading) -> list[tuple]:
    return sorted(((c.metric, c.fiscal_year, c.region or "", c.value) for c in reading.parsed.metrics), key=repr)


def read(server, tmp_path, workers: int, report_ids=(GOOGLE, FACT_SHEET, META)):
    fetcher = SourceFetcher(cache_dir=str(tmp_path / "cache"), mirror=server.base_url)
    progress = []
    readings = read_reports([REPORTS[r] for r in report_ids], fetcher, tmp_path / "cache", workers,
                            lambda done, total, item: progress.append((done, total, item)))
    return {r.report.report_id: r for r in readings}, progress


def test_reports_read_in_workers_match_one_process_and_are_cached(server, tmp_path):
    server.add(mirror_path(REPORTS[GOOGLE].url), corporate.google_report())
    server.add(mirror_path(REPORTS[FACT_SHEET].url), corporate.fact_sheet())
    in_parallel, progress = read(server, tmp_path / "parallel", workers=2)
    alone, _ = read(server, tmp_path / "alone", workers=1)
    assert {r: reading.status for r, reading in in_parallel.items()} == \
        {GOOGLE: "parsed", FACT_SHEET: "parsed", META: "unavailable"}
    for report in (GOOGLE, FACT_SHEET):
        assert primary(in_parallel[report]) == primary(alone[report]), "workers read what one process reads"
    assert sorted(done for done, _, _ in progress) == [2, 3] and all(total == 3 for _, total, _ in progress)

    cached = sorted((tmp_path / "parallel" / "cache" / "parsed").glob("*.pickle"))
    assert len(cached) == 2
    cached[0].write_bytes(b"not a pickle")  # a damaged entry is parsed again and rewritten
    again, progress = read(server, tmp_path / "parallel", workers=2)
    assert [done for done, _, _ in progress] == [3], "one report parsed again; the other came from the cache"
    assert all(primary(again[r]) == primary(in_parallel[r]) for r in (GOOGLE, FACT_SHEET))
    assert isinstance(pickle.loads(cached[0].read_bytes()), type(again[GOOGLE].parsed))


def test_a_report_that_cannot_be_read_is_a_failed_reading_not_an_exception(server, tmp_path):
    server.add(mirror_path(REPORTS[GOOGLE].url), b"<html>Service unavailable</html>")
    server.add(mirror_path(REPORTS[META].url), report_layouts.no_ghg_table())
    readings, _ = read(server, tmp_path, workers=2, report_ids=(GOOGLE, META))
    assert readings[GOOGLE].status == "failed" and "not a PDF" in readings[GOOGLE].detail
    assert readings[META].status == "no_figures" and readings[META].parsed is not None


def test_work_in_workers_hands_back_each_result_or_error():
    results = dict(in_workers(int, ["1", "x", "3"], workers=2))
    assert results["1"] == 1 and results["3"] == 3 and isinstance(results["x"], ValueError)
    assert dict(in_workers(int, ["7"], workers=2)) == {"7": 7}, "one item runs in this process"
    alone = dict(in_workers(int, ["8", "y"], workers=1))
    assert alone["8"] == 8 and isinstance(alone["y"], ValueError), "in this process too, an error is handed back"


def test_a_steps_progress_reaches_its_log_and_whoever_watches(caplog):
    """A console watching a run sees `reports read 2/3 (item)` as the step reports it; the log gets
    the same line whether anyone watches or not."""
    log, seen = logging.getLogger("a step"), []
    with caplog.at_level(logging.INFO):
        with watching(lambda *progress: seen.append(progress)):
            advance(log, "reports read", 2, 3, GOOGLE)
        advance(log, "reports read", 3, 3, META)
    assert seen == [("reports read", 2, 3, GOOGLE)], "only while watching"
    assert [r.getMessage() for r in caplog.records] == [f"reports read 2/3: {GOOGLE}", f"reports read 3/3: {META}"]
