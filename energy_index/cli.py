"""`energy-index`: run the whole pipeline and summarise what it published."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import dagster as dg
import duckdb

from energy_index.settings import load_settings


def run_refresh() -> dg.ExecuteInProcessResult:
    """Materialise every asset with the job the nightly schedule runs, recorded in DAGSTER_HOME."""
    from energy_index.definitions import defs

    job = defs().resolve_job_def("refresh_everything")
    instance = dg.DagsterInstance.get()
    return job.execute_in_process(instance=instance, raise_on_error=False)


def summary_lines(result: dg.ExecuteInProcessResult | None) -> list[str]:
    settings = load_settings()
    lines = []
    if result is not None:
        materialised = result.get_asset_materialization_events()
        failed = [e.step_key for e in result.all_events if e.is_step_failure]
        lines.append(f"run {result.run_id}: {'succeeded' if result.success else 'FAILED'}, "
                     f"{len(materialised)} asset materialisations")
        for step in failed:
            lines.append(f"  failed step: {step}")
    lines += snapshot_lines(settings.analytics_path)
    lines += [f"warehouse (pipeline): {settings.warehouse_path}",
              f"analytics (published, read-only): {settings.analytics_path}",
              f"download cache: {settings.cache_dir}", f"models: {settings.models_dir}",
              f"sources: {'mirror ' + settings.mirror if settings.mirror else 'upstream URLs'}"]
    return lines


def snapshot_lines(analytics: Path) -> list[str]:
    if not analytics.exists():
        return ["no analytics snapshot published yet"]
    lines = ["rows per published table:"]
    with duckdb.connect(str(analytics), read_only=True) as conn:
        tables = conn.execute(
            "select schema_name || '.' || table_name, estimated_size from duckdb_tables() order by 1"
        ).fetchall()
        for name, _ in tables:
            count = conn.execute(f"select count(*) from {name}").fetchone()[0]
            lines.append(f"  {name:<45} {count:>8}")
        lines += _accuracy_lines(conn)
    return lines


def _accuracy_lines(conn: duckdb.DuckDBPyConnection) -> list[str]:
    try:
        rows = conn.execute(
            "select population, estimator, evaluation_scheme, accuracy, macro_f1, n_runs "
            "from ml.energy_classifier_metrics "
            "where trained_at = (select max(trained_at) from ml.energy_classifier_metrics) order by 1, 2"
        ).fetchall()
    except duckdb.CatalogException:
        return []
    return ["classifier (latest training run):"] + [
        f"  {pop:<14} {est} [{scheme}] accuracy {acc:.3f}, macro-F1 {f1:.3f} on {n} runs"
        for pop, est, scheme, acc, f1, n in rows
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="energy-index", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="materialise every asset, publish, print a summary")
    commands.add_parser("summary", help="summarise the published analytics database")
    args = parser.parse_args(argv)
    result = run_refresh() if args.command == "run" else None
    print("\n".join(summary_lines(result)))
    return 0 if result is None or result.success else 1


if __name__ == "__main__":
    sys.exit(main())
