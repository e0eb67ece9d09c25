"""`make bench`: a cold refresh, a no-op refresh and one with one source touched upstream
(`bench_incremental`: what each rebuilt, from the instance's events), the code location's load
time, warm full refreshes (FULL=1) with and without footprint tracking (the tracker's overhead),
our ML.ENERGY parse against bare DuckDB, the time
to heal two faults against a cold refresh (`bench_faults`), the report reader's accuracy
and speed (`bench_reports`), and the estimators' held-out errors beside their baselines
(`estimates.figures`): the `pipeline` part. The `lake` part (`bench_lake`): a full refresh and
its publish step in the local and team warehouse profiles, analysts' queries on the published
lake while it runs, and the local catalog's choice (`bench_catalog`). The `aei` part (`bench_aei`):
a generated ~100 MB Economic Index long-format file ingested by the pipeline's path against bare
DuckDB reading it. All run by default; pick some with `python -m energy_index.bench lake aei` or
`ENERGY_INDEX_BENCH=lake make bench`.

Each refresh runs in a child process so wall time and peak RSS are the pipeline's own, not
this script's. A directory mirror is served over a local HTTP server, so the warm run goes
through real conditional requests (If-Modified-Since -> 304) rather than the file shortcut.
The pass/fail rules: a no-op refresh rebuilds and downloads nothing, a touched source rebuilds
nothing outside its downstream, and no analyst query on the lake fails; timings are reported only.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb

from energy_index.bench_aei import aei_rows
from energy_index.bench_faults import fault_rows
from energy_index.bench_incremental import (
    code_location_rows,
    one_source_rows,
    rebuilt_since,
    refresh_rows,
    touched_grid_file,
)
from energy_index.bench_lake import lake_rows
from energy_index.bench_reports import report_rows
from energy_index.defs.estimates.figures import headline_figures
from energy_index.defs.mlenergy.archive import SOURCE, extract_archive, load_into
from energy_index.settings import FOOTPRINT_ENV, HOME_ENV, MIRROR_ENV, REPO_ROOT

REPEATS = 5
FULL = {"FULL": "1"}
PARTS, PARTS_ENV = ("pipeline", "lake", "aei"), "ENERGY_INDEX_BENCH"


class _CountingHandler(SimpleHTTPRequestHandler):
    """Counts status codes so the report can show the warm run really got 304s."""

    statuses: Counter = Counter()
    overrides: dict[str, Path] = {}  # URL path -> file served instead (a source "changed upstream")

    def translate_path(self, path):
        return str(self.overrides[path]) if path in self.overrides else super().translate_path(path)

    def log_request(self, code="-", size="-"):
        self.statuses[str(int(code)) if isinstance(code, int) else str(code)] += 1

    def log_message(self, format, *args):  # noqa: A002 - signature fixed by the base class
        pass  # the refresh's own log says what was fetched; per-request lines are noise


def resolve_mirror() -> tuple[str | None, ThreadingHTTPServer | None]:
    """The mirror URL to hand the refresh, starting a local server for a directory mirror."""
    raw = os.environ.get(MIRROR_ENV) or None
    if raw is None or raw.startswith(("http://", "https://")):
        return raw, None
    root = Path(raw).expanduser().resolve()
    if not root.is_dir():
        sys.exit(f"bench: {MIRROR_ENV}={raw!r} is neither an http(s) URL nor a directory")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_CountingHandler, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}", server


def refresh_env(home: Path, dagster_home: Path, mirror: str | None) -> dict:
    env = {**os.environ, HOME_ENV: str(home), "DAGSTER_HOME": str(dagster_home)}
    env.pop(MIRROR_ENV, None)
    return {**env, MIRROR_ENV: mirror} if mirror else env


def run_refresh(home: Path, dagster_home: Path, mirror: str | None, log: Path, extra_env: dict | None = None) -> dict:
    """One full refresh in a child process: wall time, peak RSS and the bytes it downloaded."""
    env = {**refresh_env(home, dagster_home, mirror), **(extra_env or {})}
    _CountingHandler.statuses.clear()
    started_at = datetime.now(UTC)
    start = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "energy_index.cli", "run"],
                                cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        # wait4 rather than proc.wait(): it hands back the child's rusage (peak RSS included,
        # and it covers the dbt grandchild the child waited for).
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # tell Popen the pid is already reaped
    if proc.returncode != 0:
        tail = "".join(log.read_text().splitlines(keepends=True)[-40:])
        sys.exit(f"bench: refresh exited with {proc.returncode}; last lines of {log}:\n{tail}")
    rows, downloaded = _fetches_since(home, started_at)
    # ru_maxrss is KiB on Linux but bytes on macOS.
    rss_mib = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    return {"wall_s": wall, "peak_rss_mib": rss_mib, "bytes_downloaded": downloaded,
            "fetches": rows, "http": dict(_CountingHandler.statuses), "started_at": started_at,
            "tracking_s": _tracking_seconds(home, started_at)}


def _tracking_seconds(home: Path, started_at: datetime) -> float | None:
    """Seconds the footprint tracking itself took in the run (CodeCarbon calls, row writes,
    observations), as the hooks measured and recorded them per step."""
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as conn:
        try:
            spent = conn.execute("select sum(tracking_overhead_s) from raw.pipeline_emissions "
                                 "where recorded_at >= ?", [started_at]).fetchone()[0]
        except duckdb.Error:
            return None  # not recorded: reported as missing, never as a free 0%
    return None if spent is None else float(spent)


def _fetches_since(home: Path, started_at: datetime) -> tuple[int, int]:
    """Fetch rows the run just logged; the table is append-only, so its start time separates runs."""
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as conn:
        rows, downloaded = conn.execute(
            "select count(*), coalesce(sum(bytes_downloaded), 0) from raw.source_fetches "
            "where fetched_at >= ?", [started_at]).fetchone()
    return int(rows), int(downloaded)


def _best_of(fn) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def parse_baseline(home: Path) -> dict:
    """Our raw.mlenergy_runs load versus a bare read_json over the same files, both best of N."""
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as conn:
        url, path, sha256 = conn.execute(
            "select url, path, sha256 from raw.source_fetches where source = ? "
            "order by fetched_at desc limit 1", [SOURCE]).fetchone()
    archive = extract_archive(Path(path), sha256, home / "cache")  # already extracted by the cold run
    commit = url.rstrip("/").rsplit("/", 1)[-1]

    def ours():
        with duckdb.connect() as scratch:  # a fresh database each time, so no table is reused
            load_into(scratch, "bench_runs", "mlenergy_runs.sql", archive.run_files, archive.root, commit)

    def bare():
        with duckdb.connect() as scratch:
            scratch.execute("select count(*) from read_json(?, union_by_name = true)",
                            [archive.run_files]).fetchone()

    ours_s, bare_s = _best_of(ours), _best_of(bare)
    return {"files": len(archive.run_files), "ours_s": ours_s, "bare_s": bare_s}


def metrics(cold: dict, warm: dict, parse: dict) -> list[tuple[str, float | int, str]]:
    rows = []
    for name, run in (("cold", cold), ("warm_full", warm)):
        rows += [(f"{name}_wall_time", run["wall_s"], "s"),
                 (f"{name}_peak_rss", run["peak_rss_mib"], "MiB"),
                 (f"{name}_bytes_downloaded", run["bytes_downloaded"], "bytes"),
                 (f"{name}_fetches", run["fetches"], "rows")]
        rows += [(f"{name}_http_{code}", n, "responses") for code, n in sorted(run["http"].items())]
    return rows + [
        ("warm_full_cold_wall_ratio", warm["wall_s"] / cold["wall_s"], "x"),
        ("parse_files", parse["files"], "files"),
        ("parse_ours_best_of_5", parse["ours_s"] * 1000, "ms"),
        ("parse_bare_duckdb_best_of_5", parse["bare_s"] * 1000, "ms"),
        ("parse_ours_bare_ratio", parse["ours_s"] / parse["bare_s"], "x"),
    ]


def footprint_rows(tracked: dict, untracked: dict) -> list[tuple[str, float, str]]:
    """What measuring every step with CodeCarbon costs (target: under 5% of the refresh): the time
    the hooks measured themselves spending, over the warm refresh's wall time; and the wall-time
    difference from a warm refresh with CodeCarbon off (its hooks still write rows), which this
    machine's run-to-run noise (tens of percent) swamps, so it is shown only beside the direct
    measure."""
    rows = [("warm_codecarbon_off_wall_time", untracked["wall_s"], "s"),
            ("codecarbon_overhead_by_wall_time", (tracked["wall_s"] - untracked["wall_s"]) / tracked["wall_s"] * 100,
             "%")]
    if tracked["tracking_s"] is None:
        print("bench: the warm refresh recorded no footprint rows; tracking overhead not measured", flush=True)
        return rows
    return [("footprint_tracking_time", tracked["tracking_s"], "s"),
            ("footprint_overhead_measured", tracked["tracking_s"] / tracked["wall_s"] * 100, "%"), *rows]


def format_table(rows: list[tuple[str, float | int, str]]) -> str:
    cells = [(name, f"{value:,}" if isinstance(value, int) else f"{value:,.3f}", unit)
             for name, value, unit in rows]
    width = max(len(name) for name, _, _ in cells + [("metric", "", "")])
    vwidth = max(len(value) for _, value, _ in cells + [("", "value", "")])
    lines = [f"{'metric':<{width}}  {'value':>{vwidth}}  unit", "-" * (width + vwidth + 10)]
    return "\n".join(lines + [f"{n:<{width}}  {v:>{vwidth}}  {u}" for n, v, u in cells])


def selected_parts(argv: list[str]) -> list[str]:
    """The parts to run: `python -m energy_index.bench [pipeline] [lake] [aei]`, else `ENERGY_INDEX_BENCH`
    (e.g. `ENERGY_INDEX_BENCH=lake make bench`), else all of them."""
    chosen = argv or (os.environ.get(PARTS_ENV) or " ".join(PARTS)).replace(",", " ").split()
    if set(chosen) - set(PARTS):
        sys.exit(f"bench: unknown part(s) {sorted(set(chosen) - set(PARTS))}; the parts are {', '.join(PARTS)}")
    return [part for part in PARTS if part in chosen]


def pipeline_part(mirror: str | None, server, tmp: Path) -> dict:
    """Cold, no-op, one-source and warm refreshes, the code location, parse baseline and faults."""
    home, dagster_home = Path(tmp, "home"), Path(tmp, "dagster_home")
    home.mkdir()
    dagster_home.mkdir()
    shutil.copy(REPO_ROOT / "dagster_instance.yaml", dagster_home / "dagster.yaml")
    print("bench: cold refresh ...", flush=True)
    cold = run_refresh(home, dagster_home, mirror, Path(tmp, "cold.log"))
    cold["rebuilt"] = rebuilt_since(dagster_home, cold["started_at"])
    print("bench: no-op refresh ...", flush=True)
    noop = run_refresh(home, dagster_home, mirror, Path(tmp, "noop.log"))
    incremental = refresh_rows("noop", noop, rebuilt_since(dagster_home, noop["started_at"]))
    if server:
        print("bench: one source touched upstream ...", flush=True)
        served, copy = touched_grid_file(Path(os.environ[MIRROR_ENV]).expanduser().resolve(), Path(tmp))
        _CountingHandler.overrides[served] = copy
        one = run_refresh(home, dagster_home, mirror, Path(tmp, "one-source.log"))
        incremental += one_source_rows(one, rebuilt_since(dagster_home, one["started_at"]))
    print("bench: code location load (best of 3) ...", flush=True)
    incremental += code_location_rows()
    print("bench: warm full refresh (FULL=1) ...", flush=True)
    warm = run_refresh(home, dagster_home, mirror, Path(tmp, "warm.log"), FULL)
    print("bench: warm full refresh with CodeCarbon off ...", flush=True)
    untracked = run_refresh(home, dagster_home, mirror, Path(tmp, "untracked.log"), {**FULL, FOOTPRINT_ENV: "off"})
    print(f"bench: parse baseline (best of {REPEATS}) ...", flush=True)
    parse = parse_baseline(home)
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as conn:
        estimators = headline_figures(conn)
    print("bench: faults (killed in dbt, truncated cache), each healed by the next refresh ...", flush=True)
    faults = fault_rows(home, dagster_home, {**refresh_env(home, dagster_home, mirror), **FULL}, cold["wall_s"],
                        lambda log: run_refresh(home, dagster_home, mirror, log, FULL), Path(tmp))
    rows = metrics(cold, warm, parse) + [("cold_assets_rebuilt", len(cold["rebuilt"]), "assets")] + incremental \
        + footprint_rows(warm, untracked) + faults + report_rows() + estimators
    return {"rows": rows, "warm": warm, "home": home, "dagster_home": dagster_home}


def main(argv: list[str] | None = None) -> int:
    """Run the selected parts, print their table, write bench.json; 1 if a pass/fail rule broke."""
    parts = selected_parts(sys.argv[1:] if argv is None else argv)
    mirror, server = resolve_mirror()
    source = f"{mirror} (serving {os.environ[MIRROR_ENV]})" if server else (mirror or "upstream URLs")
    print(f"bench: {', '.join(parts)}; sources from {source}", flush=True)
    rows, pipeline, lake = [], None, None
    try:
        with tempfile.TemporaryDirectory(prefix="energy-index-bench-") as tmp:
            if "pipeline" in parts:
                pipeline = pipeline_part(mirror, server, Path(tmp))
                rows += pipeline["rows"]
            if "lake" in parts:  # on the pipeline's home when it ran: no second cold refresh
                built = (pipeline["home"], pipeline["dagster_home"], pipeline["warm"]["wall_s"]) if pipeline else None
                lake_figures, lake = lake_rows(mirror, Path(tmp), built)
                rows += lake_figures
            if "aei" in parts:
                rows += aei_rows(Path(tmp))
    finally:
        if server:
            server.shutdown()
    print(format_table(rows))
    out_dir = Path(os.environ.get(HOME_ENV) or REPO_ROOT / "data")
    out_dir.mkdir(parents=True, exist_ok=True)
    report = {"timestamp": datetime.now(UTC).isoformat(), "python": platform.python_version(),
              "duckdb": duckdb.__version__, "source": source, "parts": parts,
              "metrics": {name: {"value": value, "unit": unit} for name, value, unit in rows},
              **({"lake": lake} if lake else {})}
    (out_dir / "bench.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"bench: wrote {out_dir / 'bench.json'}")
    return _verdict(pipeline["warm"] if pipeline else None, {name: value for name, value, _ in rows})


def _verdict(warm: dict | None, figures: dict) -> int:
    """Fail on the properties that must hold; a run with no fetch rows would pass vacuously. An
    analyst's query on the lake must never fail: it reads the previous refresh or the new one."""
    problems = [f"{name} = {value}: analyst queries on the published lake failed"
                for name, value in figures.items() if name.startswith("lake_") and "_query_failures_" in name and value]
    problems += _pipeline_problems(warm, figures) if warm is not None else []
    for problem in problems:
        print(f"bench: FAIL - {problem}", file=sys.stderr)
    return 1 if problems else 0


def _pipeline_problems(warm: dict, figures: dict) -> list[str]:
    problems = []
    if warm["fetches"] == 0:
        problems.append("the warm full refresh logged no source fetches, so 0 bytes proves nothing")
    if warm["bytes_downloaded"] > 0:
        problems.append(f"the warm full refresh downloaded {warm['bytes_downloaded']} bytes; "
                        "an unchanged source must be a cache hit")
    if figures["noop_assets_rebuilt"] or figures["noop_bytes_downloaded"]:
        problems.append(f"the no-op refresh rebuilt {figures['noop_assets_rebuilt']} assets and downloaded "
                        f"{figures['noop_bytes_downloaded']} bytes; it must do neither")
    if figures.get("one_source_rebuilt_outside_downstream"):
        problems.append("the one-source refresh rebuilt assets outside the touched file's downstream")
    return problems


if __name__ == "__main__":
    sys.exit(main())
