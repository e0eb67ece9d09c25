"""Analysts' readers survive a refresh, and every refresh stays readable: the lake's snapshots."""

from __future__ import annotations

import os
import subprocess
import sys

from energy_index.lake import connect_published, snapshots
from energy_index_tests.fixtures import grid_carbon
from energy_index_tests.fixtures.pipeline import published, run_changed, scalar

COUNT = "select count(*) from marts.dim_grid_carbon_intensity"
INTENSITY = "select round(sum(grid_gco2e_per_kwh), 3) from marts.dim_grid_carbon_intensity"
RAW = "select count(*) from raw.google_region_carbon"


def count_in_new_process(home) -> int:
    """An analyst's fresh connection through the CLI, from another process as it would be."""
    done = subprocess.run([sys.executable, "-m", "energy_index.cli", "sql", COUNT], check=True,
                          capture_output=True, text=True, env=_env(home))
    return int(done.stdout.splitlines()[1])


def _env(home) -> dict:
    return {**os.environ, "ENERGY_INDEX_HOME": str(home)}


def test_open_reader_keeps_its_snapshot_and_the_earlier_refresh_stays_readable(refreshed_home, mirror):
    copied_home = refreshed_home
    lake = published(copied_home)
    reader = connect_published(lake)
    reader.execute("begin transaction")
    before, intensity_before = reader.execute(COUNT).fetchone()[0], reader.execute(INTENSITY).fetchone()[0]
    raw_before = reader.execute(RAW).fetchone()[0]
    first = snapshots(reader)[0]["snapshot_id"]

    year = max(grid_carbon.ROWS)  # a new cloud region upstream: one more row of that year
    extra = [("testland-west1", "Test", 0.5, 100.0)]
    mirror.add(grid_carbon.file_path(year), grid_carbon.build_file(year, [*grid_carbon.ROWS[year], *extra]))
    _, result = run_changed(copied_home, mirror.base_url)

    assert result.success
    assert reader.execute(COUNT).fetchone()[0] == before, "an open transaction keeps the snapshot it began on"
    assert reader.execute(RAW).fetchone()[0] == raw_before
    reader.execute("commit")
    assert reader.execute(COUNT).fetchone()[0] == before + len(extra), "its next transaction sees the new refresh"
    reader.close()
    assert count_in_new_process(copied_home) == before + len(extra)

    publish = next(e for e in result.get_asset_materialization_events()
                   if e.asset_key.to_user_string() == "publish/analytics_snapshot").materialization
    latest = publish.metadata["snapshot_id"].value
    assert latest > first and publish.metadata["run_id"].text == result.run_id
    with connect_published(lake) as conn:
        committed = {s["snapshot_id"]: s["extra_info"] for s in snapshots(conn)}
        assert result.run_id in committed[latest], "the snapshot carries the run that committed it"
        refreshes = conn.execute("select run_id from meta.refreshes order by published_at").fetchall()
        assert refreshes[-1] == (result.run_id,)
    with connect_published(lake, version=first) as earlier:
        assert earlier.execute(COUNT).fetchone()[0] == before, "time travel: the earlier refresh's rows"
        assert earlier.execute(INTENSITY).fetchone()[0] == intensity_before
    assert scalar(lake, f"select count(*) from marts.dim_grid_carbon_intensity at (version => {first})") == before
