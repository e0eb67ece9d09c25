"""`energy-index`: run the whole pipeline, summarise what it published, parse a report PDF."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import dagster as dg
import duckdb

from energy_index.defs.estimates.commands import add_serving_arguments, add_training_parser, run_estimate
from energy_index.defs.estimates.figures import summary_lines as estimator_summary_lines
from energy_index.defs.footprint.recording import refresh_lines
from energy_index.defs.operations.instance import write_instance_config
from energy_index.defs.operations.refresh import OBSERVE_JOBS, plan_lines
from energy_index.defs.operations.run_health import PoolBusy
from energy_index.defs.publish.commands import add_sql_parser, sql_command
from energy_index.defs.ratings.commands import add_rate_parser, rate_command
from energy_index.defs.ratings.commands import summary_lines as rating_summary_lines
from energy_index.integrity import remove_partials
from energy_index.lake import LAKE_ALIAS, Lake, LakeUnavailable, connect_published, lake_for, snapshots
from energy_index.settings import REPO_ROOT, ProfileError, load_settings
from energy_index.warehouse import WarehouseBusy, connect_warehouse

LAUNCHED_BY_TAG = "energy_index/launched_by"


def dagster_instance() -> dg.DagsterInstance:
    """The instance in DAGSTER_HOME, defaulting to the repository's .dagster_home as `make` does,
    so runs started here show up in `make dev`."""
    if not os.environ.get("DAGSTER_HOME"):
        os.environ["DAGSTER_HOME"] = str(REPO_ROOT / ".dagster_home")
    write_instance_config(Path(os.environ["DAGSTER_HOME"]), load_settings())
    return dg.DagsterInstance.get()


def run_refresh(full: bool = False):
    """Observe every source, then launch, through the Dagster instance, runs of what is stale.

    First heal what a killed run left behind: runs whose process died are marked failed and
    their `warehouse` pool slots freed; a live holder of the pool or of the warehouse file is
    waited for, for a bounded time, then named in the error. Returns (run outcomes, plan)."""
    instance = dagster_instance()
    from energy_index.defs.operations.launch import InstanceLauncher
    from energy_index.defs.operations.refresh import refresh
    from energy_index.defs.operations.run_health import WAREHOUSE_POOL, wait_for_pool

    settings = load_settings()
    wait_for_pool(instance, WAREHOUSE_POOL, settings.pool_wait_s, log=lambda line: print(f"energy-index: {line}"))
    connect_warehouse(str(settings.warehouse_path), settings.lock_wait_s).close()
    for directory, pattern in [(settings.cache_dir / "downloads", ".*.partial"), (settings.models_dir, ".*.partial"),
                               (settings.cache_dir / "extracted", ".extract-*")]:
        remove_partials(directory, pattern)  # what a killed writer left; never read, only clutter
    with InstanceLauncher(instance, tags={LAUNCHED_BY_TAG: "energy-index run" + (" --full" if full else "")}) as launch:
        return refresh(launch, lambda: launch.plan(full))


def run_lines(outcome) -> list[str]:
    name = f"{outcome.job_name}" + (f" [{outcome.partition}]" if outcome.partition else "")
    done = f"{len(outcome.observed)} source versions observed" if outcome.job_name in OBSERVE_JOBS else \
        f"{len(outcome.materialized)} asset materialisations"
    lines = [f"{name} (run {outcome.run_id[:8]}): {'succeeded' if outcome.success else 'FAILED'}, {done}"]
    return lines + [f"  failed step {failure}" for failure in outcome.failures]


def summary_lines(results) -> list[str]:
    settings = load_settings()
    lines = []
    if results is not None:
        outcomes, plan = results
        for outcome in outcomes:
            lines += run_lines(outcome)
        lines += plan_lines(plan, outcomes)
        lines += refresh_lines(str(settings.warehouse_path), [o.run_id for o in outcomes])
    lake = lake_for(settings)
    try:
        lines += snapshot_lines(lake)
    except LakeUnavailable as exc:
        if results is None:
            raise  # `energy-index summary`: the lake is all it has to show
        lines.append(f"published lake unreadable: {exc}")  # e.g. the team's catalog is down: the runs' lines stand
    lines += [f"warehouse (pipeline): {settings.warehouse_path}",
              f"published lake ({settings.profile} profile): catalog {lake.shown}, data {lake.data_path}",
              "  read it with `energy-index sql \"select ...\"` (add --version N for an earlier refresh)",
              f"download cache: {settings.cache_dir}", f"models: {settings.models_dir}",
              f"sources: {'mirror ' + settings.mirror if settings.mirror else 'upstream URLs'}"]
    return lines


def snapshot_lines(lake: Lake) -> list[str]:
    if not lake.exists:
        return ["nothing published to the lake yet"]
    with connect_published(lake) as conn:
        latest = snapshots(conn)[0]
        lines = [f"published snapshot {latest['snapshot_id']} ({latest['committed_at']:%Y-%m-%d %H:%M UTC}, "
                 f"{latest['message'] or 'no message'}), rows per published table:"]
        tables = conn.execute(f"select schema_name || '.' || table_name from duckdb_tables() "
                              f"where database_name = '{LAKE_ALIAS}' order by 1").fetchall()
        for (name,) in tables:
            count = conn.execute(f"select count(*) from {name}").fetchone()[0]
            lines.append(f"  {name:<45} {count:>8}")
        lines += _accuracy_lines(conn)
        lines += estimator_summary_lines(conn)
        lines += rating_summary_lines(conn)
        lines += _report_lines(conn)
    return lines


def _report_lines(conn: duckdb.DuckDBPyConnection) -> list[str]:
    try:
        rows = conn.execute("select report_id, status, detail, metrics_recognised, checks_passed "
                            "from raw.corporate_report_status order by report_id").fetchall()
    except duckdb.CatalogException:
        return []
    lines = ["corporate reports:"]
    for report_id, status, detail, recognised, passed in rows:
        if status == "parsed":
            lines.append(f"  {report_id:<52} {recognised} values recognised, checks "
                         f"{'passed' if passed else 'FAILED (see raw/corporate_report_metrics checks)'}")
        else:
            lines.append(f"  {report_id:<52} {'SKIPPED' if status == 'unavailable' else status.upper()}: {detail}")
    return lines + _reader_accuracy_lines(conn)


def _reader_accuracy_lines(conn: duckdb.DuckDBPyConnection) -> list[str]:
    try:
        rows = conn.execute("""select truth_set, sum(exact), sum(truth_rows), sum(unit_scale), sum(false_values)
            from quality.corporate_reader_accuracy group by 1 order by 1""").fetchall()
    except duckdb.CatalogException:
        return []
    return ["report reader against figures read by eye:"] + [
        f"  {name:<12} {exact}/{total} exact ({100 * exact / max(total, 1):.1f}%), {scale} unit-scale errors, "
        f"{false} false values" for name, exact, total, scale, false in rows]


def _accuracy_lines(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """The seed baseline's latest scores, and the best model on unseen models (grouped CV)."""
    try:
        seed = conn.execute(
            "select population, accuracy, macro_f1, n_runs from ml.energy_classifier_metrics "
            "where feature_set is null and trained_at = (select max(trained_at) from ml.energy_classifier_metrics "
            "where feature_set is null) order by 1").fetchall()
        best = conn.execute(
            "select estimator, feature_set, accuracy, macro_f1 from ml.energy_classifier_metrics "
            "where evaluation_scheme = 'grouped_cv_by_model' and trained_at = (select max(trained_at) "
            "from ml.energy_classifier_metrics where feature_set is not null) order by macro_f1 desc limit 1"
        ).fetchall()
    except duckdb.Error:  # no metrics yet, or no evaluation run yet (no feature_set column)
        return []
    lines = ["classifier, seed baseline (stratified 70/30):"]
    lines += [f"  {pop:<14} accuracy {acc:.3f}, macro-F1 {f1:.3f} on {n} runs" for pop, acc, f1, n in seed]
    lines += [f"best on unseen models (grouped CV): {est} on {fs} features, accuracy {acc:.3f}, macro-F1 {f1:.3f}"
              for est, fs, acc, f1 in best]
    return lines


def parse_report_command(args: argparse.Namespace) -> int:
    """Print the values read in any PDF with their evidence (CSV or JSON), or explain every reading."""
    from energy_index.defs.corporate.explain import explain, values_frame
    from energy_index.defs.corporate.extract import ReportError
    from energy_index.defs.corporate.report import parse_report

    try:
        report = parse_report(Path(args.path))
    except ReportError as exc:
        print(f"energy-index parse-report: {exc}", file=sys.stderr)
        return 2
    if args.explain:
        print(explain(report, args.format == "json"))
    else:
        frame = values_frame(report, Path(args.path).stem, args.company or "", args.all, args.regions)
        print(frame.write_json() if args.format == "json" else frame.write_csv(), end="\n" if frame.is_empty() else "")
    print(f"# {args.path}: {report.status}: {report.detail or report.status} "
          f"({report.pages} pages, {len(report.tables)} tables)", file=sys.stderr)
    return 2 if report.status == "no_text_layer" else 0


def predict_command(args: argparse.Namespace) -> int:
    """Class, calibrated probabilities and predicted energy for one configuration, as JSON."""
    import json

    from energy_index.defs.ml.production import predict

    text = Path(args.config[1:]).read_text() if args.config.startswith("@") else args.config
    try:
        result = predict(json.loads(text), load_settings().models_dir)
    except (ValueError, FileNotFoundError) as exc:
        print(f"energy-index predict: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2))
    return 0


def serve_files(host: str, port: int) -> int:
    """Serve ENERGY_INDEX_HOME's charts, labels and report images until interrupted, or until the
    process that started it (`make dev`'s dagster dev) ends."""
    import threading
    import time

    from energy_index.files import file_server

    server, parent = file_server(host, port), os.getppid()

    def stop_with_parent() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        server.shutdown()

    threading.Thread(target=stop_with_parent, daemon=True).start()
    print(f"energy-index files: serving charts, labels and reports on http://{host}:{port}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="energy-index", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="observe the sources, rebuild what changed, publish, print a summary")
    run_parser.add_argument("--full", action="store_true", help="rebuild every asset, changed or not (FULL=1)")
    commands.add_parser("summary", help="summarise the published lake (the latest snapshot)")
    parse = commands.add_parser("parse-report", help="print the metrics recognised in a report PDF")
    parse.add_argument("path", help="a PDF file")
    parse.add_argument("--company", help="company name to put on every row")
    parse.add_argument("--format", choices=["csv", "json"], default="csv")
    parse.add_argument("--all", action="store_true",
                       help="every reading (chosen, agreeing, lost, rejected), not only the chosen values")
    parse.add_argument("--regions", action="store_true", help="include regional breakdowns")
    parse.add_argument("--explain", action="store_true",
                       help="per metric and year: every candidate seen, the one chosen and why")
    predict_parser = commands.add_parser(
        "predict", help="energy of a measured workload configuration (--config), or of a model never "
                        "benchmarked (--params --gpu --batch), with a range")
    predict_parser.add_argument("--config",
                                help='JSON object with fct_workload_energy column names, or @file.json; e.g. '
                                     '{"gpu": "H100 80GB HBM3", "task_family": "llm_text_generation", '
                                     '"avg_tpot_s": 0.05, "avg_output_tokens": 400, "avg_batch_size_reqs": 60, '
                                     '"max_batch_size_reqs": 64, "tensor_parallel": 1, "pipeline_parallel": 1}')
    add_serving_arguments(predict_parser)
    add_training_parser(commands)
    add_rate_parser(commands)
    files = commands.add_parser("files", help="serve the charts, labels and report images the Dagster UI links to")
    files.add_argument("--host", default="127.0.0.1")
    files.add_argument("--port", type=int, default=3100)
    add_sql_parser(commands)
    commands.add_parser("instance", help="write DAGSTER_HOME/dagster.yaml for the warehouse profile")
    args = parser.parse_args(argv)
    if args.command == "sql":
        return sql_command(args)
    if args.command == "instance":
        dagster_instance()
        return 0
    if args.command == "files":
        return serve_files(args.host, args.port)
    if args.command == "rate":
        return rate_command(args)
    if args.command == "estimate-training":
        return run_estimate("training", args)
    if args.command == "predict" and args.config is None:
        if args.params is None:
            parser.error("predict needs --config (a measured configuration) or --params (a model not in the data)")
        return run_estimate("inference", args)
    if args.command == "parse-report":
        return parse_report_command(args)
    if args.command == "predict":
        return predict_command(args)
    try:
        results = run_refresh(args.full or os.environ.get("FULL", "") not in ("", "0")) \
            if args.command == "run" else None
        lines = summary_lines(results)
    except (PoolBusy, WarehouseBusy, LakeUnavailable, ProfileError) as exc:
        print(f"energy-index {args.command}: {exc}", file=sys.stderr)
        return 3
    print("\n".join(lines))
    return 0 if results is None or all(outcome.success for outcome in results[0]) else 1


if __name__ == "__main__":
    sys.exit(main())
