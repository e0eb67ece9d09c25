"""Refreshes as the benchmarks run them: each `energy-index run` in a child process (its own wall time
and peak RSS), against a directory mirror served over a local HTTP server so warm runs go through
real conditional requests (If-Modified-Since -> 304), with the requests it answered counted."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb

from energy_index.settings import HOME_ENV, MIRROR_ENV, REPO_ROOT


class CountingHandler(SimpleHTTPRequestHandler):
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
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(CountingHandler, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}", server


def refresh_env(home: Path, dagster_home: Path, mirror: str | None) -> dict:
    env = {**os.environ, HOME_ENV: str(home), "DAGSTER_HOME": str(dagster_home)}
    env.pop(MIRROR_ENV, None)
    return {**env, MIRROR_ENV: mirror} if mirror else env


def run_refresh(home: Path, dagster_home: Path, mirror: str | None, log: Path, extra_env: dict | None = None) -> dict:
    """One full refresh in a child process: wall time, peak RSS, the bytes it downloaded, and the
    lines it printed (what a person reads on the console; the full log goes to a file)."""
    env = {**refresh_env(home, dagster_home, mirror), **(extra_env or {})}
    CountingHandler.statuses.clear()
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
            "fetches": rows, "http": dict(CountingHandler.statuses), "started_at": started_at,
            "console_lines": len(log.read_text().splitlines()),
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
