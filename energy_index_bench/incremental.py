"""`make bench`, incremental refreshes: what a refresh rebuilt, read from the Dagster instance's
events (never inferred from timing), and how long loading the code location takes.

- no-op: a refresh right after the warm one; nothing changed upstream or in code, so it must
  rebuild nothing (no dbt model, no fit) and download nothing.
- one source: the same, with one Google Cloud grid file touched upstream (served with a new
  Last-Modified); only the assets downstream of that file may run.
- code location: `import energy_index.definitions; defs()` in a fresh process, best of 3, beside
  importing only dagster and dagster-dbt (the floor any dbt code location pays) in the same run.
"""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import dagster as dg
from dagster._core.events import DagsterEventType
from dagster._core.storage.dagster_run import RunsFilter

from energy_index.settings import REPO_ROOT

LOAD_REPEATS = 3


def rebuilt_since(dagster_home: Path, started_at: datetime) -> list[tuple[str, str]]:
    """(asset, step) of every materialisation in the runs created since `started_at`."""
    instance = dg.DagsterInstance.from_config(str(dagster_home))
    found = []
    for record in instance.get_run_records(filters=RunsFilter(created_after=started_at)):
        events = instance.get_records_for_run(record.dagster_run.run_id,
                                              of_type=DagsterEventType.ASSET_MATERIALIZATION, limit=10_000)
        found += [(e.event_log_entry.dagster_event.asset_key.to_user_string(), e.event_log_entry.step_key)
                  for e in events.records]
    return found


def fitting_assets() -> set[str]:
    """Assets that fit a model (kind scikitlearn)."""
    return assets_of_kind("scikitlearn")


def assets_of_kind(kind: str) -> set[str]:
    """Materialisable assets of one kind (`dbt`: every model, seed and analyst view, whichever step builds it)."""
    from energy_index.definitions import defs

    graph = defs().resolve_asset_graph()
    return {key.to_user_string() for key in graph.materializable_asset_keys if kind in graph.get(key).kinds}


def downstream_of(key: dg.AssetKey) -> set[str]:
    """Every materialisable asset at or below `key`."""
    from energy_index.definitions import defs

    graph = defs().resolve_asset_graph()
    keys, frontier = {key}, [key]
    while frontier:
        children = graph.get(frontier.pop()).child_keys - keys
        frontier += children
        keys |= children
    return {k.to_user_string() for k in keys if graph.get(k).is_materializable}


def touched_grid_file(mirror_root: Path, tmp: Path) -> tuple[str, Path]:
    """(URL path on the HTTP mirror, a fresh copy) of the latest Google Cloud grid file."""
    from energy_index.defs.grid_carbon.files import GridCarbonSource

    source = GridCarbonSource()
    parts = urlsplit(source.url(max(source.checked_years())))
    served = f"/{parts.netloc}{parts.path}"
    copy = tmp / "touched-grid.csv"
    copy.write_bytes((mirror_root / served.lstrip("/")).read_bytes())  # a new mtime: a new Last-Modified
    return served, copy


def refresh_rows(name: str, run: dict, rebuilt: list[tuple[str, str]]) -> list[tuple[str, float | int, str]]:
    refits, dbt_assets = fitting_assets(), assets_of_kind("dbt")
    return [(f"{name}_wall_time", run["wall_s"], "s"),
            (f"{name}_assets_rebuilt", len(rebuilt), "assets"),
            (f"{name}_dbt_models_rebuilt", sum(asset in dbt_assets for asset, _ in rebuilt), "models"),
            (f"{name}_models_refitted", sum(asset in refits for asset, _ in rebuilt), "assets"),
            (f"{name}_bytes_downloaded", run["bytes_downloaded"], "bytes")]


def one_source_rows(run: dict, rebuilt: list[tuple[str, str]]) -> list[tuple[str, float | int, str]]:
    allowed = downstream_of(dg.AssetKey(["sources", "google_region_carbon_files"]))
    outside = sorted({asset for asset, _ in rebuilt} - allowed)
    if outside:
        print(f"bench: the one-source refresh rebuilt assets outside the file's downstream: {outside}", flush=True)
    return refresh_rows("one_source", run, rebuilt) + [
        ("one_source_downstream_size", len(allowed), "assets"),
        ("one_source_rebuilt_outside_downstream", len(outside), "assets")]


def _best_load_s(code: str) -> float:
    times = []
    for _ in range(LOAD_REPEATS):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return min(times)


def code_location_rows() -> list[tuple[str, float, str]]:
    ours = _best_load_s("import energy_index.definitions as d; d.defs()")
    floor = _best_load_s("import dagster, dagster_dbt")
    return [("code_location_load", ours, "s"), ("dagster_and_dagster_dbt_import", floor, "s"),
            ("code_location_load_floor_ratio", ours / floor, "x")]
