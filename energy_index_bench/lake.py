"""`make bench`, the published lake in both warehouse profiles: a full refresh's wall time, its
publish step, and analysts' queries while it runs (`bench_mix`); then the local catalog's choice
(`bench_catalog`).

`local` is the default profile (SQLite catalog, Parquet under the home). `team` gets a throwaway
PostgreSQL (`pgserver`, its socket in a short /tmp directory) holding the lake's catalog and the
Dagster instance, with the lake's files in a directory. Both start from a built home: the pipeline
bench's when it ran (else a cold refresh of this bench's own); the team's is a copy whose empty
lake is first filled by one publish, so its timed publish too replaces a previous snapshot.

Per profile: the query mix with no refresh running (the baseline), then one FULL=1 refresh, timed,
with the mix running during it. Ratios are against this run's own measurements: team / local
(refresh, publish step, baseline latency) and latency during the refresh / baseline.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
import warnings
from contextlib import contextmanager
from pathlib import Path

import duckdb

from energy_index.lake import NO_DOWNLOADS, Lake, lake_for
from energy_index.settings import (
    DAGSTER_POSTGRES_ENV,
    HOME_ENV,
    LAKE_CATALOG_ENV,
    LAKE_DATA_ENV,
    MIRROR_ENV,
    PROFILE_ENV,
    Settings,
)
from energy_index_bench.catalog import catalog_rows
from energy_index_bench.faults import start_refresh
from energy_index_bench.mix import (
    TOTAL,
    baseline_mix,
    per_query,
    per_query_table,
    reader_pool,
    refresh_with_mix,
    summary,
)

Row = tuple[str, float | int, str]


def profile_env(profile: str, home: Path, dagster_home: Path, mirror: str | None, team: dict,
                full: bool = True) -> dict:
    """The environment of `energy-index run` in `profile` (`team` names its catalog, data and instance)."""
    env = {key: value for key, value in os.environ.items()
           if key not in (MIRROR_ENV, LAKE_CATALOG_ENV, LAKE_DATA_ENV, DAGSTER_POSTGRES_ENV, "FULL")}
    env.update({HOME_ENV: str(home), "DAGSTER_HOME": str(dagster_home), PROFILE_ENV: profile,
                **({"FULL": "1"} if full else {}), **({MIRROR_ENV: mirror} if mirror else {}), **team})
    return env


@contextmanager
def environment(values: dict):
    """os.environ with `values` for the block (the team's Dagster instance reads its URL there)."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)


@contextmanager
def team_postgres(data_dir: Path):
    """A throwaway PostgreSQL with databases `lake` and `dagster`; yields the team profile's variables."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs: XDG_RUNTIME_DIR unset, so /tmp/runtime-<uid>
        import pgserver

    socket_dir = tempfile.mkdtemp(prefix="pg", dir="/tmp")  # short: a socket's path has ~100 bytes
    server = pgserver.get_server(socket_dir, cleanup_mode="stop")
    try:
        server.psql("create database lake;")
        server.psql("create database dagster;")
        yield {LAKE_CATALOG_ENV: f"postgres:dbname=lake host={socket_dir} user=postgres", LAKE_DATA_ENV: f"{data_dir}/",
               DAGSTER_POSTGRES_ENV: f"postgresql+psycopg2://postgres@/dagster?host={socket_dir}"}
    finally:
        server.cleanup()
        shutil.rmtree(socket_dir, ignore_errors=True)


def build_home(home: Path, dagster_home: Path, mirror: str | None, log: Path) -> float:
    """A cold refresh in the local profile, so the timed one has a home and a lake to replace; its wall time."""
    start = time.perf_counter()
    proc = start_refresh(profile_env("local", home, dagster_home, mirror, {}, full=False), log)
    if proc.wait() != 0:
        tail = "".join(log.read_text().splitlines(keepends=True)[-40:])
        sys.exit(f"bench: the lake bench's cold refresh exited with {proc.returncode}; last lines of {log}:\n{tail}")
    return time.perf_counter() - start


def seed_lake(home: Path, lake: Lake) -> None:
    """Publish the home's warehouse into an empty lake once, as a previous refresh would have."""
    from energy_index.defs.publish.snapshot import publish_to_lake

    with duckdb.connect(str(home / "warehouse.duckdb"), config=NO_DOWNLOADS) as conn:
        publish_to_lake(conn, lake, "bench-seed")


def run_profile(profile: str, home: Path, dagster_home: Path, mirror: str | None, team: dict,
                expected_s: float, tmp: Path) -> dict:
    """The baseline mix, then the timed FULL=1 refresh with the mix during it, in one profile."""
    from energy_index.defs.operations.instance import write_instance_config

    settings = Settings(home=home, mirror=mirror, profile=profile, lake_catalog=team.get(LAKE_CATALOG_ENV),
                        lake_data=team.get(LAKE_DATA_ENV))
    lake = lake_for(settings)
    with environment(team), reader_pool() as pool:
        write_instance_config(dagster_home, settings)
        if profile == "team":
            seed_lake(home, lake)
        print(f"bench: lake, {profile} profile: {TOTAL} analyst queries, no refresh running ...", flush=True)
        baseline = baseline_mix(pool, lake)
        print(f"bench: lake, {profile} profile: FULL=1 refresh, {TOTAL} analyst queries during it ...", flush=True)
        env = profile_env(profile, home, dagster_home, mirror, team)
        during = refresh_with_mix(pool, lake, env, tmp / f"lake-{profile}.log", dagster_home, expected_s)
    return {"baseline": baseline, **during}


def profile_rows(profile: str, s: dict) -> list[Row]:
    """One profile's rows for the bench table; each ratio compares a shape of the mix with itself."""
    p, ms = f"lake_{profile}", 1000
    return [(f"{p}_full_refresh_wall_time", s["wall_s"], "s"), (f"{p}_publish_step", s["publish_s"], "s"),
            (f"{p}_publish_share_of_refresh", s["publish_s"] / s["wall_s"] * 100, "%"),
            (f"{p}_queries_during_refresh", s["during"], f"of {TOTAL}"),
            (f"{p}_queries_during_publish_step", s["in_publish"], f"of {TOTAL}"),
            (f"{p}_query_failures_during_refresh", s["failures"], f"of {TOTAL}"),
            (f"{p}_query_failures_no_refresh", s["baseline_failures"], f"of {TOTAL}"),
            (f"{p}_query_p50_no_refresh", s["base_p50"] * ms, "ms"), (f"{p}_query_p95_no_refresh", s["base_p95"] * ms, "ms"),
            (f"{p}_query_attach_p50_no_refresh", s["attach_p50"] * ms, "ms"),
            (f"{p}_query_p50_during_refresh", s["p50"] * ms, "ms"), (f"{p}_query_p95_during_refresh", s["p95"] * ms, "ms"),
            (f"{p}_query_p50_refresh_no_refresh_ratio", s["p50"] / s["base_p50"], "x"),
            (f"{p}_query_p95_refresh_no_refresh_ratio", s["p95"] / s["base_p95"], "x"),
            (f"{p}_query_alone_p50_refresh_no_refresh_ratio", s["alone_p50"] / s["base_alone_p50"], "x"),
            (f"{p}_query_together_p50_refresh_no_refresh_ratio", s["together_p50"] / s["base_together_p50"], "x"),
            (f"{p}_query_p50_during_publish_step", s["publish_p50"] * ms, "ms"),
            (f"{p}_query_p50_publish_step_no_refresh_ratio", s["publish_p50"] / s["base_together_p50"], "x")]


def team_local_rows(local: dict, team: dict) -> list[Row]:
    """The team profile against the local one, measured in the same run."""
    return [("lake_team_local_refresh_ratio", team["wall_s"] / local["wall_s"], "x"),
            ("lake_team_local_publish_step_ratio", team["publish_s"] / local["publish_s"], "x"),
            ("lake_team_local_query_p50_no_refresh_ratio", team["base_p50"] / local["base_p50"], "x"),
            ("lake_team_local_query_p50_during_refresh_ratio", team["p50"] / local["p50"], "x")]


def lake_rows(mirror: str | None, tmp: Path, built: tuple[Path, Path, float] | None = None) -> tuple[list[Row], dict]:
    """Both profiles and the catalog choice: (rows, details). `built` is (home, Dagster home, the
    wall time of its last full refresh) of a home already built; without it one is built here."""
    if built is None:
        home, dagster_home = tmp / "lake-home", tmp / "lake-dagster-home"
        print("bench: lake: building a home (cold refresh) ...", flush=True)
        built = (home, dagster_home, build_home(home, dagster_home, mirror, tmp / "lake-cold.log"))
    home, dagster_home, expected_s = built
    runs = {"local": run_profile("local", home, dagster_home, mirror, {}, expected_s, tmp)}
    team_home = tmp / "lake-team-home"
    shutil.copytree(home, team_home, ignore=lambda directory, names: ["lake"] if Path(directory) == home else [])
    with team_postgres(tmp / "lake-team-data") as team:
        runs["team"] = run_profile("team", team_home, tmp / "lake-team-dagster-home", mirror, team,
                                   runs["local"]["wall_s"], tmp)
    found = {profile: summary(run) for profile, run in runs.items()}
    for profile, figures in found.items():
        if figures["first_error"]:
            print(f"bench: lake, {profile} profile, first query error: {figures['first_error']}", flush=True)
    queries = per_query(runs)
    print(per_query_table(queries), flush=True)
    rows = profile_rows("local", found["local"]) + profile_rows("team", found["team"])
    rows += team_local_rows(found["local"], found["team"])
    print("bench: lake catalog: a writer committing while readers attach, DuckDB file against SQLite ...", flush=True)
    rows += catalog_rows()
    return rows, {"per_query": queries, "first_errors": {p: f["first_error"] for p, f in found.items()}}
