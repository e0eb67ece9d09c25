"""Analysts' readers survive a refresh: the old one keeps its snapshot, a new one sees new data."""

from __future__ import annotations

import subprocess
import sys

import duckdb

from energy_index_tests.fixtures.mlenergy import archive_path, build_archive, build_runs
from energy_index_tests.fixtures.pipeline import run_pipeline

COUNT = "select count(*) from marts.fct_workload_energy"


def count_in_new_process(database) -> int:
    """An analyst's fresh read-only connection, from another process as it would be."""
    code = f"import duckdb; print(duckdb.connect({str(database)!r}, read_only=True).execute({COUNT!r}).fetchone()[0])"
    return int(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout)


def test_open_reader_keeps_a_consistent_snapshot_while_a_refresh_publishes(copied_home, mirror):
    analytics = copied_home / "analytics.duckdb"
    old_reader = duckdb.connect(str(analytics), read_only=True)
    before = old_reader.execute(COUNT).fetchone()[0]

    runs = build_runs()
    extra = {path.replace("bs32+tp1", "bs64+tp1"): dict(run) for path, run in runs.items()
             if "acme/tiny-chat/bs32+tp1" in path}
    runs.update(extra)
    mirror.add(archive_path(), build_archive(runs))
    result = run_pipeline(copied_home, mirror.base_url)

    assert result.success
    assert old_reader.execute(COUNT).fetchone()[0] == before
    assert old_reader.execute("select count(*) from raw.mlenergy_runs").fetchone()[0] == before
    assert count_in_new_process(analytics) == before + len(extra)
    old_reader.close()
    assert not analytics.with_name("analytics.duckdb.partial").exists()
