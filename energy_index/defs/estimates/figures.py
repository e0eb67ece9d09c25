"""The estimators' headline figures, read back from their accuracy marts for `make run`'s
summary and `make bench`: one place that names them."""

from __future__ import annotations

import duckdb

TRAINING_SQL = """select validation, estimator, n_models, mape_pct, median_ape_pct, worst_ape_pct, worst_model
    from marts.fct_training_estimator_accuracy order by validation, estimator"""
INFERENCE_SQL = """select validation, held_out, modality, estimator, n_models, n_runs, median_ape, inside_range_pct
    from marts.fct_inference_estimator_accuracy
    where task like 'all %' order by validation, held_out, modality, estimator"""


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
    for validation, held, modality, estimator, n_models, n_runs, median, inside in inference:
        name = f"inference_{validation}_{held}_{modality}_{estimator}".replace("-", "_").lower()
        rows.append((f"{name}_median_ape", median, f"% on {n_runs} runs of {n_models} models"))
        if inside is not None:
            rows.append((f"{name}_inside_range", inside, "% of held-out runs"))
    return rows


def summary_lines(conn: duckdb.DuckDBPyConnection) -> list[str]:
    figures = dict((name, value) for name, value, _ in headline_figures(conn))
    if not figures:
        return []
    lines = ["estimators (held-out error against published / measured figures):"]
    ours, formula = (figures.get(f"training_leave_one_family_out_{e}_mape") for e in ("energy_index", "baseline_formula"))
    if ours is not None:
        lines.append(f"  training CO2e, leave one family out: MAPE {ours:.1f}% (physical formula {_pct(formula)})")
    for held, what in (("family", "family"), ("accelerator", "accelerator (papers' MFU only)")):
        flops = figures.get(f"training_flops_route_leave_one_{held}_out_energy_index_mape")
        if flops is not None:
            lines.append(f"  training CO2e without GPU-hours (FLOPs route), leave one {what} out: MAPE {flops:.1f}%")
    lines.append("  inference energy per output token, median APE (EcoLogits on the same runs; share inside range):")
    for label, split in INFERENCE_SPLITS:
        ours, ecologits, inside = (figures.get(f"inference_{split}_text_{e}") for e in (
            "energy_index_median_ape", "ecologits_median_ape", "energy_index_inside_range"))
        if ours is not None:
            lines.append(f"    {label:<34} {ours:5.1f}% (EcoLogits {_pct(ecologits)}; {_pct(inside)} inside)")
    diffusion = [(m, figures.get(f"inference_leave_one_model_out_all_{m}_energy_index_median_ape")) for m in ("image", "video")]
    if any(v is not None for _, v in diffusion):
        lines.append("  diffusion, models held out: " + ", ".join(f"per {m} {_pct(v)}" for m, v in diffusion))
    return lines


INFERENCE_SPLITS = (("models held out (both releases)", "leave_one_model_out_all"),
                    ("fit on v2, predict v3", "cross_release_v3"), ("fit on v3, predict v2", "cross_release_v2"),
                    ("B200 held out", "leave_one_gpu_out_b200"))


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}%"
