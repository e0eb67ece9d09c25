"""`make bench` (`python -m energy_index_bench [part ...]`): run the selected parts, print their
table, write `<home>/bench.json`; exit 1 if a pass/fail rule broke."""

from __future__ import annotations

import json
import os
import platform
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from energy_index.settings import HOME_ENV, MIRROR_ENV, REPO_ROOT
from energy_index_bench.aei import aei_rows
from energy_index_bench.lake import lake_rows
from energy_index_bench.pipeline import pipeline_part
from energy_index_bench.refreshes import resolve_mirror
from energy_index_bench.table import format_table

PARTS, PARTS_ENV = ("pipeline", "lake", "aei"), "ENERGY_INDEX_BENCH"


def selected_parts(argv: list[str]) -> list[str]:
    """The parts to run: `python -m energy_index_bench [pipeline] [lake] [aei]`, else `ENERGY_INDEX_BENCH`
    (e.g. `ENERGY_INDEX_BENCH=lake make bench`), else all of them."""
    chosen = argv or (os.environ.get(PARTS_ENV) or " ".join(PARTS)).replace(",", " ").split()
    if set(chosen) - set(PARTS):
        sys.exit(f"bench: unknown part(s) {sorted(set(chosen) - set(PARTS))}; the parts are {', '.join(PARTS)}")
    return [part for part in PARTS if part in chosen]


def main(argv: list[str] | None = None) -> int:
    """Run the selected parts, print their table, write bench.json; 1 if a pass/fail rule broke."""
    parts = selected_parts(sys.argv[1:] if argv is None else argv)
    mirror, server = resolve_mirror()
    source = f"{mirror} (serving {os.environ[MIRROR_ENV]})" if server else (mirror or "upstream URLs")
    print(f"bench: {', '.join(parts)}; sources from {source}", flush=True)
    rows, pipeline, lake = [], None, None
    out_dir = Path(os.environ.get(HOME_ENV) or REPO_ROOT / "data")
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        with tempfile.TemporaryDirectory(prefix="energy-index-bench-") as tmp:
            if "pipeline" in parts:
                pipeline = pipeline_part(mirror, server, Path(tmp), out_dir)
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
