"""What `energy-index run` ends with and `energy-index summary` prints: the refresh's runs and plan,
then the published lake's latest snapshot (rows, models' scores, estimators, ratings, reports)."""

from __future__ import annotations

import duckdb

from energy_index.defs.estimates.figures import summary_lines as estimator_summary_lines
from energy_index.defs.footprint.recording import refresh_lines
from energy_index.defs.operations.refresh import OBSERVE_JOBS, plan_lines
from energy_index.defs.ratings.commands import summary_lines as rating_summary_lines
from energy_index.lake import LAKE_ALIAS, Lake, LakeUnavailable, connect_published, lake_for, snapshots
from energy_index.settings import load_settings


def run_line(outcome) -> str:
    """One run: what it was for, whether it succeeded, what it did, how long it took."""
    name = outcome.job_name + (f" [{outcome.partition}]" if outcome.partition else "")
    done = f"{len(outcome.observed)} source versions observed" if outcome.job_name in OBSERVE_JOBS else \
        f"{len(outcome.materialized)} asset materialisations"
    took = f", {outcome.elapsed_s:.1f} s" if outcome.elapsed_s is not None else ""
    return f"{name} (run {outcome.run_id[:8]}): {'succeeded' if outcome.success else 'FAILED'}, {done}{took}"


def failure_lines(outcome) -> list[str]:
    """Each failed step of a run with its error in full."""
    return [f"  failed step {failure}" for failure in outcome.failures]


def summary_lines(results, tables: bool = True, runs: bool = True) -> list[str]:
    """The refresh's runs (`runs`) and plan (when it ran), then the lake's latest snapshot;
    `tables=False` counts the published tables instead of listing each (`energy-index summary` lists them)."""
    settings = load_settings()
    lines = []
    if results is not None:
        outcomes, plan = results
        for outcome in outcomes if runs else ():
            lines += [run_line(outcome), *failure_lines(outcome)]
        lines += plan_lines(plan, outcomes)
        lines += refresh_lines(str(settings.warehouse_path), [o.run_id for o in outcomes])
    lake = lake_for(settings)
    try:
        lines += snapshot_lines(lake, tables)
    except LakeUnavailable as exc:
        if results is None:
            raise  # `energy-index summary`: the lake is all it has to show
        lines.append(f"published lake unreadable: {exc}")  # e.g. the team's catalog is down: the runs' lines stand
    return lines + [f"warehouse (pipeline): {settings.warehouse_path}",
                    f"published lake ({settings.profile} profile): catalog {lake.shown}, data {lake.data_path}",
                    "  read it with `energy-index sql \"select ...\"` (add --version N for an earlier refresh)",
                    f"download cache: {settings.cache_dir}", f"models: {settings.models_dir}",
                    f"sources: {'mirror ' + settings.mirror if settings.mirror else 'upstream URLs'}"]


def snapshot_lines(lake: Lake, tables: bool = True) -> list[str]:
    if not lake.exists:
        return ["nothing published to the lake yet"]
    with connect_published(lake) as conn:
        latest = snapshots(conn)[0]
        names = [name for (name,) in conn.execute(f"select schema_name || '.' || table_name from duckdb_tables() "
                                                  f"where database_name = '{LAKE_ALIAS}' order by 1").fetchall()]
        counts = _row_counts(conn, names)
        header = (f"published snapshot {latest['snapshot_id']} ({latest['committed_at']:%Y-%m-%d %H:%M UTC}, "
                  f"{latest['message'] or 'no message'})")
        if tables:
            lines = [f"{header}, rows per published table:"] + [f"  {n:<45} {c:>8}" for n, c in counts.items()]
        else:
            lines = [f"{header}: {len(counts)} tables, {sum(counts.values()):,} rows "
                     "(`energy-index summary` lists them)"]
        lines += _benchmark_lines(conn)
        lines += _accuracy_lines(conn)
        lines += estimator_summary_lines(conn)
        lines += rating_summary_lines(conn)
        lines += _report_lines(conn, each=tables)
    return lines


def _benchmark_lines(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """One line per ML.ENERGY release in the workload mart: its runs, models and GPUs."""
    try:
        rows = conn.execute("""select benchmark_release, count(*), count(distinct model),
            string_agg(distinct accelerator, ', ' order by accelerator) from marts.fct_workload_energy
            group by 1 order by 1""").fetchall()
    except duckdb.Error:  # nothing built yet
        return []
    return [f"ML.ENERGY {release}: {runs:,} runs of {models} models on {gpus}" for release, runs, models, gpus in rows]


def _row_counts(conn, names: list[str]) -> dict[str, int]:
    """Every published table's rows, from the lake's own statistics (one catalog query; counting
    each table took a catalog round trip and a read of its files' footers). A publish replaces
    whole tables, never deleting rows in place, so the recorded count is the table's; a table
    without data files has none recorded and no rows."""
    metadata = f"__ducklake_metadata_{LAKE_ALIAS}"
    recorded = dict(conn.execute(f"""select s.schema_name || '.' || t.table_name, st.record_count
        from {metadata}.ducklake_table t join {metadata}.ducklake_schema s using (schema_id)
        join {metadata}.ducklake_table_stats st using (table_id)
        where t.end_snapshot is null and s.end_snapshot is null""").fetchall())
    return {name: int(recorded.get(name) or 0) for name in names}


def _report_lines(conn: duckdb.DuckDBPyConnection, each: bool) -> list[str]:
    """A line per report; or (`each=False`) one for those read with their checks passed and one per
    other report, so the lines grow with the problems, not with the registry."""
    try:
        rows = conn.execute("select report_id, status, detail, metrics_recognised, checks_passed "
                            "from raw.corporate_report_status order by report_id").fetchall()
    except duckdb.CatalogException:
        return []
    good = [(r, n) for r, status, _, n, passed in rows if status == "parsed" and passed]
    lines = [f"corporate reports: {len(good)} read, {sum(n for _, n in good)} values, checks passed"
             + (f" ({', '.join(r for r, _ in good)})" if each else "")]
    unavailable = [r for r, status, *_ in rows if status == "unavailable"]
    for report_id, status, detail, recognised, passed in rows:
        if status == "parsed" and not passed:
            lines.append(f"  {report_id:<52} {recognised} values recognised, checks FAILED "
                         "(see raw/corporate_report_metrics checks)")
        elif status != "parsed" and (each or status != "unavailable" or len(unavailable) <= 3):
            lines.append(f"  {report_id:<52} {'SKIPPED' if status == 'unavailable' else status.upper()}: {detail}")
    if not each and len(unavailable) > 3:  # one line, however many the source lacks
        lines.append(f"  {len(unavailable)} SKIPPED, not available from the source: {', '.join(unavailable)}")
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
