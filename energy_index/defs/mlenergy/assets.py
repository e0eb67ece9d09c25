"""Raw ML.ENERGY tables, loaded write-audit-publish with blocking Great Expectations checks."""


from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from energy_index.defs.mlenergy.archive import SOURCE, ExtractedArchive, extract_archive, load_into
from energy_index.defs.quality import mlenergy_suites as suites
from energy_index.defs.quality.audit import load_audited, suite_check_spec
from energy_index.defs.sources.fetcher import SourceError, SourceFetcher
from energy_index.metadata_tables import preview_table

ARCHIVE_KEY = dg.AssetKey(["sources", "mlenergy_archive"])
RUNS_KEY = dg.AssetKey(["raw", "mlenergy_runs"])
MODELS_KEY = dg.AssetKey(["raw", "mlenergy_models"])


def _latest_archive(conn: duckdb.DuckDBPyConnection, fetcher: SourceFetcher) -> tuple[Path, str, str]:
    """The archive the source asset last fetched, as (cached path, sha256, commit)."""
    row = conn.execute(
        "select url from raw.source_fetches where source = ? order by fetched_at desc limit 1", [SOURCE]
    ).fetchone()
    if row is None:
        raise SourceError(SOURCE, "raw.source_fetches", "no archive fetched yet: materialise sources first")
    cached = fetcher.cached(SOURCE, row[0])
    return Path(cached.path), cached.sha256, row[0].rstrip("/").rsplit("/", 1)[-1]


def _extracted(conn, fetcher: SourceFetcher) -> tuple[ExtractedArchive, str]:
    archive, sha256, commit = _latest_archive(conn, fetcher)
    return extract_archive(archive, sha256, Path(fetcher.cache_dir)), commit


def _origin(commit: str) -> str:
    return f"leaderboard-v2 archive at {commit[:12]}"


@dg.asset(key=RUNS_KEY, deps=[ARCHIVE_KEY], kinds={"duckdb"},
          check_specs=[suite_check_spec(RUNS_KEY)], pool="warehouse")
def mlenergy_runs(fetcher: SourceFetcher, duckdb: DuckDBResource):
    """One row per ML.ENERGY v2 benchmark run JSON, with the source's own field names.

    Identity columns come from the path `data/<family>/<task>/<GPU>/<org>/<model>/<config>.json`
    (task_family, task, gpu_name, model_id, config) plus source_path and source_commit. The
    older v1 leaderboard under `data/legacy/` is not read. Loaded write-audit-publish: a load
    that fails its Great Expectations suite never replaces the published table.
    """
    with duckdb.get_connection() as conn:
        archive, commit = _extracted(conn, fetcher)
        check = yield from load_audited(
            conn, source=SOURCE, origin=_origin(commit), table="raw.mlenergy_runs", key=RUNS_KEY,
            load=lambda staged: load_into(conn, staged, "mlenergy_runs.sql", archive.run_files, archive.root, commit),
            expectations=suites.runs_expectations, audit=suites.runs_audit_frame, id_column="source_path",
        )
        yield dg.MaterializeResult(check_results=[check], metadata=_runs_metadata(conn, commit))


@dg.asset(key=MODELS_KEY, deps=[ARCHIVE_KEY], kinds={"duckdb"},
          check_specs=[suite_check_spec(MODELS_KEY)], pool="warehouse")
def mlenergy_models(fetcher: SourceFetcher, duckdb: DuckDBResource):
    """Model metadata from each task's `models.json`: nickname, parameter counts, resolution."""
    with duckdb.get_connection() as conn:
        archive, commit = _extracted(conn, fetcher)
        check = yield from load_audited(
            conn, source=SOURCE, origin=_origin(commit), table="raw.mlenergy_models", key=MODELS_KEY,
            load=lambda staged: load_into(conn, staged, "mlenergy_models.sql", archive.model_files, archive.root, commit),
            expectations=lambda _columns: suites.models_expectations(), id_column="source_path",
        )
        yield dg.MaterializeResult(check_results=[check], metadata={
            "dagster/row_count": conn.execute("select count(*) from raw.mlenergy_models").fetchone()[0],
            "preview": preview_table(
                conn, "select task_family, task, model_id, nickname, params_billion from raw.mlenergy_models"),
        })


def _runs_metadata(conn, commit: str) -> dict:
    return {
        "dagster/row_count": conn.execute("select count(*) from raw.mlenergy_runs").fetchone()[0],
        "commit": commit,
        "runs_by_family_and_gpu": preview_table(
            conn, "select task_family, gpu_name, count(*) runs from raw.mlenergy_runs group by all order by all",
            limit=50),
        "preview": preview_table(
            conn, 'select task, gpu_name, model_id, config, "Energy/req (J)", "Energy/image (J)", '
                  '"Energy/video (J)" from raw.mlenergy_runs'),
    }
