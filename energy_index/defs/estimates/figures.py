"""The estimators' headline figures, read back from their accuracy marts for `make run`'s
summary and `make bench`: one place that names them."""

from __future__ import annotations

import duckdb

TRAINING_SQL = """select validation, estimator, n_models, mape_pct, median_ape_pct, worst_ape_pct, worst_model
    from marts.fct_training_estimator_accuracy order by validation, estimator"""
INFERENCE_SQL = """select task, estimator, n_models, n_runs, median_ape
    from marts.fct_inference_estimator_accuracy
    where modality = 'text' or task like 'all %' order by modality, task_family, task, estimator"""


def headline_figures(conn: duckdb.DuckDBPyConnection) -> list[tuple[str, float, str]]:
    """(name, value, unit) rows; empty when the accuracy marts are not built yet."""
    rows: list[tuple[str, float, str]] = []
    try:
        training = conn.execute(TRAINING_SQL).fetchall()
        inference = conn.execute(INFERENCE_SQL).fetchall()
    except duckdb.CatalogException:
        return rows
    for validation, estimator, n, mape, median, worst, _ in training:
        if mape is not None:
            rows += [(f"training_{validation}_{estimator}_mape", mape, f"% on {n} models"),
                     (f"training_{validation}_{estimator}_median_ape", median, "%"),
                     (f"training_{validation}_{estimator}_worst_ape", worst, "%")]
    for task, estimator, n_models, n_runs, median in inference:
        name = task.replace(" ", "_").replace("-", "_")
        rows.append((f"inference_{name}_{estimator}_median_ape", median, f"% on {n_runs} runs of {n_models} models"))
    return rows


def summary_lines(conn: duckdb.DuckDBPyConnection) -> list[str]:
    figures = dict((name, value) for name, value, _ in headline_figures(conn))
    if not figures:
        return []
    lines = ["estimators (held-out error against published / measured figures):"]
    ours, formula = (figures.get(f"training_leave_one_family_out_{e}_mape") for e in ("energy_index", "baseline_formula"))
    if ours is not None:
        lines.append(f"  training CO2e, leave one family out: MAPE {ours:.1f}% (physical formula {_pct(formula)})")
    ours, ecologits = (figures.get(f"inference_all_text_{e}_median_ape") for e in ("energy_index", "ecologits"))
    if ours is not None:
        lines.append(f"  inference energy per output token, models held out: median APE {ours:.1f}% "
                     f"(EcoLogits {_pct(ecologits)})")
    return lines


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}%"
