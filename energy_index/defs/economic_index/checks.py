"""Non-blocking Economic Index checks: known data properties reported, not rejected."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from energy_index.defs.quality.economic_index_suites import SHARE_SUM_TOLERANCE
from energy_index.metadata_tables import records_table

# Checked where dbt reads them, outside the per-release partitions that load them.
INTERACTIONS_KEY = dg.AssetKey(["staging", "stg_aei__automation_vs_augmentation"])
TASK_USAGE_KEY = dg.AssetKey(["marts", "fct_task_usage"])
# At this release 3,513 of 3,514 task names match a statement; below this we want to hear of it.
MIN_MATCH_RATE = 0.99


@dg.asset_check(asset=INTERACTIONS_KEY, blocking=False, name="interaction_shares_sum_to_100")
def interaction_shares_sum_to_100(duckdb: DuckDBResource):
    """Warns when a file's interaction-type shares do not sum to 100%.

    Release 2025-02-10 (and its copy in 2025-03-27) sums to about 84.2%: the shares are kept as
    published (`share_pct_raw`) and a normalised copy (`share_pct_normalised`) is carried beside
    them in `staging.stg_aei__automation_vs_augmentation`; nothing is rescaled silently.
    """
    with duckdb.get_connection() as conn:
        sums = conn.execute("""select release, source_file, sum(pct) from raw.aei_automation_vs_augmentation
            group by all order by all""").fetchall()
    off = [(release, file, total) for release, file, total in sums if abs(total - 100) > SHARE_SUM_TOLERANCE]
    rows = [{"release": r, "file": f, "observed_sum_pct": float(t), "normalisation_factor": float(100 / t)}
            for r, f, t in sums if t]
    return dg.AssetCheckResult(
        passed=not off,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"observed_sum_pct": float(off[0][2] if off else (sums[0][2] if sums else 0)),
                  "files": records_table(rows, ["release", "file", "observed_sum_pct", "normalisation_factor"]),
                  "handling": "raw and normalised shares both carried downstream, labelled"},
    )


@dg.asset_check(asset=TASK_USAGE_KEY, blocking=False, name="task_statement_match_rate")
def task_statement_match_rate(duckdb: DuckDBResource):
    """Share of task names in the mappings that match an O*NET task statement (case- and
    whitespace-insensitive); unmatched tasks stay in the mart, flagged, and are listed here."""
    with duckdb.get_connection() as conn:
        matched, total, unmatched_share = conn.execute(
            "select count(*) filter (where is_matched), count(*), "
            "coalesce(sum(share_pct) filter (where not is_matched), 0) from marts.fct_task_usage"
        ).fetchone()
        unmatched = [r[0] for r in conn.execute(
            "select task_name from marts.fct_task_usage where not is_matched order by share_pct desc limit 20"
        ).fetchall()]
    rate = matched / total if total else 0.0
    return dg.AssetCheckResult(
        passed=rate >= MIN_MATCH_RATE,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"match_rate": rate, "matched_tasks": matched, "task_names": total,
                  "unmatched_share_pct": float(unmatched_share), "unmatched_tasks": dg.MetadataValue.json(unmatched)},
    )
