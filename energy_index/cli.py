"""`energy-index`: refresh the warehouse, query the published lake, read a report, estimate, rate."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import dagster as dg

from energy_index.defs.estimates.commands import add_serving_arguments, add_training_parser, run_estimate
from energy_index.defs.footprint.recording import warm_up
from energy_index.defs.operations.instance import write_instance_config
from energy_index.defs.operations.refresh import UnknownAssets
from energy_index.defs.operations.run_health import PoolBusy
from energy_index.defs.publish.commands import add_sql_parser, sql_command
from energy_index.defs.ratings.commands import add_rate_parser, rate_command
from energy_index.integrity import remove_partials
from energy_index.lake import LakeUnavailable
from energy_index.settings import REPO_ROOT, ProfileError, load_settings
from energy_index.summary import summary_lines
from energy_index.warehouse import WarehouseBusy, connect_warehouse

LAUNCHED_BY_TAG = "energy_index/launched_by"


def dagster_instance() -> dg.DagsterInstance:
    """The instance in DAGSTER_HOME, defaulting to the repository's .dagster_home as `make` does,
    so runs started here show up in `make dev`."""
    if not os.environ.get("DAGSTER_HOME"):
        os.environ["DAGSTER_HOME"] = str(REPO_ROOT / ".dagster_home")
    write_instance_config(Path(os.environ["DAGSTER_HOME"]), load_settings())
    return dg.DagsterInstance.get()


def run_refresh(full: bool = False, console=None, rebuild: frozenset[dg.AssetKey] = frozenset()):
    """Observe every source, then run, through the Dagster instance, what is stale.

    First heal what a killed run left behind: runs whose process died are marked failed and
    their `warehouse` pool slots freed; a live holder of the pool or of the warehouse file is
    waited for, for a bounded time, then named in the error. Returns (run outcomes, plan)."""
    instance = dagster_instance()
    from energy_index.defs.operations.launch import InstanceLauncher
    from energy_index.defs.operations.refresh import refresh
    from energy_index.defs.operations.run_health import WAREHOUSE_POOL, wait_for_pool

    settings = load_settings()
    warm_up(settings.country_iso, settings.footprint, str(settings.warehouse_path))  # the runs execute here
    say = console.print if console is not None else print
    wait_for_pool(instance, WAREHOUSE_POOL, settings.pool_wait_s, log=lambda line: say(f"energy-index: {line}"))
    connect_warehouse(str(settings.warehouse_path), settings.lock_wait_s).close()
    for directory, pattern in [(settings.cache_dir / "downloads", ".*.partial"), (settings.models_dir, ".*.partial"),
                               (settings.cache_dir / "parsed", ".*.partial"), (settings.cache_dir / "extracted", ".extract-*")]:
        remove_partials(directory, pattern)  # what a killed writer left; never read, only clutter
    watching = {"watch": console.watch, "ended": console.ended} if console is not None else {}
    how = " --full" if full else "".join(f" --rebuild {key.to_user_string()}" for key in sorted(rebuild))
    with InstanceLauncher(instance, tags={LAUNCHED_BY_TAG: "energy-index run" + how}, **watching) as launch:
        return refresh(launch, lambda: launch.plan(full, rebuild))


def run_command(args: argparse.Namespace) -> int:
    """`energy-index run`: the refresh with a concise console (the full log in a file), then the summary."""
    from energy_index.console import RefreshConsole, verbose_requested

    full = args.full or os.environ.get("FULL", "") not in ("", "0")
    keys = [*args.rebuild, *(os.environ.get("REBUILD") or "").replace(",", " ").split()]
    rebuild = frozenset(dg.AssetKey.from_user_string(key) for key in keys)
    with RefreshConsole(load_settings().home, verbose_requested(args.verbose)) as console:
        results = run_refresh(full, console, rebuild)
        for line in summary_lines(results, tables=False, runs=False):  # each run's line was printed as it ended
            console.print(line)
    return 0 if all(outcome.success for outcome in results[0]) else 1


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


def build_parser() -> argparse.ArgumentParser:
    """Every command and option of `energy-index` (the docs' CLI reference is generated from it)."""
    parser = argparse.ArgumentParser(prog="energy-index", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="observe the sources, rebuild what changed, publish, print a summary")
    run_parser.add_argument("--full", action="store_true", help="rebuild every asset, changed or not (FULL=1)")
    run_parser.add_argument("--rebuild", action="append", default=[], metavar="ASSET",
                            help="rebuild this asset (e.g. ml/energy_model_evaluation) and everything downstream of it, "
                                 "changed or not; repeatable (REBUILD=a,b)")
    run_parser.add_argument("-v", "--verbose", action="store_true",
                            help="stream the full Dagster and dbt log here instead of into <home>/logs "
                                 "(also ENERGY_INDEX_VERBOSE=1)")
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
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
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
        if args.command == "run":
            return run_command(args)
        print("\n".join(summary_lines(None)))
        return 0
    except (PoolBusy, WarehouseBusy, LakeUnavailable, ProfileError, UnknownAssets) as exc:
        print(f"energy-index {args.command}: {exc}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
