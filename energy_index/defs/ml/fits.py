"""Which inputs a model asset was last fitted on, so a rebuild on the same inputs does not refit.

Dagster rebuilds the ML assets when fct_workload_energy is rebuilt, when their code changes, or on a
full refresh; the runs they read are often the very same rows (a full refresh, a source whose
change does not reach the benchmark runs). Fitting is seeded, so the same runs, settings and code
give the same models and scores: the asset then keeps the fit it recorded instead of paying for it
again (about 10 s for the evaluation's 26 cross-validated estimators), and says so in its metadata.
`ml.energy_model_fits` records the evaluation's fits (asset, fingerprint of its inputs, training
run); the production model keeps its fingerprint in its saved file's record.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import polars as pl

from energy_index.defs.code_versions import package_version
from energy_index.warehouse import append_rows, table_exists, utcnow

FITS_TABLE = "ml.energy_model_fits"
ML_PACKAGE = Path(__file__).resolve().parent


def inputs_fingerprint(runs: pl.DataFrame, *settings) -> str:
    """sha256 of the runs (every column, in their stored order), the asset's settings and the ML
    package's code."""
    digest = hashlib.sha256(runs.write_csv().encode())
    for setting in (*settings, package_version(ML_PACKAGE)):
        digest.update(b"\0" + repr(setting).encode())
    return digest.hexdigest()[:16]


def fitted_on(conn: duckdb.DuckDBPyConnection, asset: str, fingerprint: str) -> str | None:
    """The training run of the asset's latest fit, if that fit was on these very inputs."""
    if not table_exists(conn, FITS_TABLE):
        return None
    latest = conn.execute(f"select inputs_fingerprint, training_run_id from {FITS_TABLE} where asset = ? "
                          "order by fitted_at desc limit 1", [asset]).fetchone()
    return latest[1] if latest and latest[0] == fingerprint else None


def record_fit(conn: duckdb.DuckDBPyConnection, asset: str, fingerprint: str, training_run_id: str) -> None:
    append_rows(conn, FITS_TABLE, pl.DataFrame([{"asset": asset, "inputs_fingerprint": fingerprint,
                                                 "training_run_id": training_run_id, "fitted_at": utcnow()}]))
