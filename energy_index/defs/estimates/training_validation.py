"""Validate the training estimator on published figures, leave-one-out and leave-one-family-out,
beside the physical formula, and build the rows of `marts.fct_training_emissions`."""

from __future__ import annotations

import math
import re
import statistics
from dataclasses import dataclass, replace

import polars as pl

from energy_index.defs.estimates.inference import active_parameters
from energy_index.defs.estimates.inputs import Accelerator, find_accelerator
from energy_index.defs.estimates.training import (NotEstimable, TrainingRun, baseline_co2e_t, contradiction,
                                                  estimate, estimate_range, fit_factors, interval)
from energy_index.defs.estimates.training_utilisation import StatedUtilisation

# family: the reference file's column (a model generation, e.g. "Llama 3.1"); lineage: its
# leading name ("llama"), so no generation of a line (or its publisher's accounting) informs another.
VALIDATIONS = {"leave_one_out": "model", "leave_one_family_out": "family", "leave_one_lineage_out": "lineage"}
# The FLOPs route (GPU-hours withheld): by family, and by accelerator (its implied utilisation
# withheld too, so only other accelerators and papers' stated MFU can inform it).
FLOPS_VALIDATIONS = {"flops_route_leave_one_family_out": "family",
                     "flops_route_leave_one_accelerator_out": "accelerator"}
# The columns of marts.fct_training_emissions and their types, so a column with no value in any row
# (a reference file with no market-based figure, say) keeps its type instead of polars' Null,
# which the warehouse would store as INTEGER (dbt_project/models/analyst/_analyst__sources.yml).
TEXT, NUMBER = pl.Utf8, pl.Float64
EMISSIONS_SCHEMA = {
    "model": TEXT, "family": TEXT, "year": pl.Int64, "hardware": TEXT, "accelerator": TEXT, "params_b": NUMBER,
    "train_tokens_t": NUMBER, "gpu_hours": NUMBER, "published_energy_mwh": NUMBER, "published_co2e_t": NUMBER,
    "published_co2e_t_market": NUMBER, "baseline_co2e_t": NUMBER, "baseline_ape_pct": NUMBER, "estimate_route": TEXT,
    "estimate_energy_mwh": NUMBER, "estimate_co2e_t_low": NUMBER, "estimate_co2e_t": NUMBER,
    "estimate_co2e_t_high": NUMBER, "estimate_ape_pct": NUMBER, "estimate_validation": TEXT,
    "within_range": pl.Boolean, "intensity_basis": TEXT, "flagged": pl.Boolean, "flag_reason": TEXT, "status": TEXT,
    "source": TEXT, "source_locator": TEXT}


def lineage_of(family: str) -> str:
    return re.match(r"[a-z]*", family.lower()).group(0) or family.lower()


@dataclass(frozen=True)
class Published:
    """One reference row: what a user would know (`run`) and what the source published."""
    model: str
    family: str
    run: TrainingRun
    co2e_t: float | None
    energy_mwh: float | None
    flag: str | None

    @property
    def lineage(self) -> str:
        return lineage_of(self.family)

    @property
    def accelerator(self) -> str | None:
        return self.run.accelerator.name if self.run.accelerator else None

    @property
    def learnable(self) -> bool:
        return self.flag is None

    @property
    def scorable(self) -> bool:
        return self.flag is None and bool(self.co2e_t)  # a published 0 has no percentage error


def published_rows(reference: pl.DataFrame, specs: pl.DataFrame) -> list[Published]:
    """One `Published` per reference row. Active parameters (mixture-of-experts) come from the
    file's optional `active_params_b` column, else the `model_active_parameters` seed."""
    seeded = dict(active_parameters().iter_rows())
    rows = []
    for row in reference.iter_rows(named=True):
        active = row.get("active_params_b") or seeded.get(row["model"])
        accelerator = find_accelerator(specs, row["hardware"])
        if row["hardware_tdp_w"] is not None:  # the source's own TDP wins over the spec table's
            accelerator = replace(accelerator, tdp_w=row["hardware_tdp_w"]) if accelerator \
                else Accelerator(row["hardware"], row["hardware_tdp_w"], None)
        run = TrainingRun(accelerator, _scaled(row["params_b"], 1e9), _scaled(row["train_tokens_t"], 1e12),
                          row["gpu_hours"], row["pue"], row["carbon_intensity_kg_per_kwh"],
                          active_params=_scaled(active, 1e9))
        rows.append(Published(row["model"], row["family"] or row["model"], run, row["co2e_t_location"],
                              row["energy_mwh"], contradiction(run, row["co2e_t_location"], row["energy_mwh"])))
    return rows


def stated_utilisation(frame: pl.DataFrame, specs: pl.DataFrame) -> list[StatedUtilisation]:
    """Papers' stated MFU (the seed) on the accelerators the specs know; others cannot be used."""
    stated = []
    for row in frame.iter_rows(named=True):
        accelerator = find_accelerator(specs, row["accelerator"])
        if accelerator is not None:
            stated.append(StatedUtilisation(accelerator.name, row["family"], row["params_b"] * 1e9, row["mfu"]))
    return stated


def _scaled(value: float | None, unit: float) -> float | None:
    return None if value is None else value * unit


def held_out_estimates(rows: list[Published], group: str, withhold_gpu_hours: bool = False,
                       stated: list[StatedUtilisation] = ()) -> dict[str, dict]:
    """Estimate every scorable row from factors learnt on the other groups' unflagged rows (and
    the stated utilisation of other lineages: a paper's MFU never informs its own models)."""
    results = {}
    for held in rows:
        if not held.scorable or (withhold_gpu_hours and held.run.gpu_hours is None):
            continue
        training = [(r.run, r.co2e_t) for r in rows if r.learnable and getattr(r, group) != getattr(held, group)]
        others = [s for s in stated if lineage_of(s.family) != held.lineage]
        run = replace(held.run, gpu_hours=None) if withhold_gpu_hours else held.run
        try:
            result = estimate(run, fit_factors(training, others))
        except NotEstimable:
            continue
        if result.co2e_t <= 0:  # a zero estimate (a stated zero grid) has no percentage error
            continue
        results[held.model] = {"estimate": result, "group": getattr(held, group),
                               "residual": math.log(held.co2e_t / result.co2e_t)}
    return results


def scores(rows: list[Published], predicted: dict[str, float], estimator: str, validation: str) -> dict:
    apes = {r.model: abs(predicted[r.model] - r.co2e_t) / r.co2e_t for r in rows
            if r.scorable and predicted.get(r.model)}
    worst = max(apes, key=apes.get) if apes else None
    groups = {getattr(r, {**VALIDATIONS, **FLOPS_VALIDATIONS}[validation]) for r in rows if r.model in apes}
    return {"estimator": estimator, "validation": validation, "n_models": len(apes), "n_groups": len(groups),
            "mape_pct": 100 * statistics.fmean(apes.values()) if apes else None,
            "median_ape_pct": 100 * statistics.median(apes.values()) if apes else None,
            "worst_ape_pct": 100 * apes[worst] if worst else None, "worst_model": worst}


def accuracy_table(rows: list[Published], held: dict[str, dict[str, dict]]) -> pl.DataFrame:
    """MAPE, median APE and worst case of the formula and the estimator on the same rows (those
    both can estimate; the FLOPs route, which withholds GPU-hours, has no formula to compare)."""
    lines = []
    for validation, results in held.items():
        flops = validation.startswith("flops_route")
        same = [r for r in rows if r.model in results and (flops or baseline_co2e_t(r.run) is not None)]
        lines.append(scores(same, {m: v["estimate"].co2e_t for m, v in results.items()}, "energy_index", validation))
        if not flops:
            lines.append(scores(same, {r.model: baseline_co2e_t(r.run) for r in same}, "baseline_formula",
                                validation))
    return pl.DataFrame(lines, schema_overrides={"mape_pct": pl.Float64, "median_ape_pct": pl.Float64,
                                                 "worst_ape_pct": pl.Float64, "worst_model": pl.Utf8})


def fitted_estimator(rows: list[Published], held: dict[str, dict[str, dict]],
                     stated: list[StatedUtilisation] = ()) -> dict:
    """Factors learnt on every unflagged row (and papers' stated MFU), and the range multipliers
    of each route from the leave-one-family-out residuals."""
    factors = fit_factors([(r.run, r.co2e_t) for r in rows if r.learnable], stated)
    return {"factors": factors, "intervals": {
        "gpu_hours": interval([v["residual"] for v in held["leave_one_family_out"].values()]),
        "flops": interval([v["residual"] for v in held["flops_route_leave_one_family_out"].values()]),
        "energy": interval([])}}  # a measured energy: only the grid and PUE are uncertain


def validate_all(rows: list[Published], stated: list[StatedUtilisation] = ()) -> dict[str, dict[str, dict]]:
    held = {name: held_out_estimates(rows, group, stated=stated) for name, group in VALIDATIONS.items()}
    for name, group in FLOPS_VALIDATIONS.items():
        held[name] = held_out_estimates(rows, group, withhold_gpu_hours=True, stated=stated)
    return held


def emissions_table(rows: list[Published], held: dict[str, dict[str, dict]], fitted: dict,
                    source: pl.DataFrame) -> pl.DataFrame:
    """One row per reference model: published, baseline, and our estimate with its range: held
    out by family where there is a published figure to test, else from every usable row."""
    out = []
    for row, src in zip(rows, source.iter_rows(named=True), strict=True):
        result, low, high, how = _estimate_for(row, held, fitted)
        baseline = baseline_co2e_t(row.run)
        central = result.co2e_t if result else None
        out.append({
            "model": row.model, "family": row.family, "year": src["year"], "hardware": src["hardware"],
            "accelerator": row.run.accelerator.name if row.run.accelerator else None,
            "params_b": src["params_b"], "train_tokens_t": src["train_tokens_t"], "gpu_hours": src["gpu_hours"],
            "published_energy_mwh": row.energy_mwh, "published_co2e_t": row.co2e_t,
            "published_co2e_t_market": src["co2e_t_market"],
            "baseline_co2e_t": baseline, "baseline_ape_pct": _ape(baseline, row),
            "estimate_route": result.route if result else None,
            "estimate_energy_mwh": result.energy_mwh if result else None,
            "estimate_co2e_t_low": low, "estimate_co2e_t": central, "estimate_co2e_t_high": high,
            "estimate_ape_pct": _ape(central, row), "estimate_validation": how,
            "within_range": (low <= row.co2e_t <= high) if result and row.co2e_t else None,
            "intensity_basis": result.intensity_basis if result else None,
            "flagged": row.flag is not None, "flag_reason": row.flag,
            "status": _status(row, result), "source": src["source"], "source_locator": src.get("source_locator")})
    return pl.DataFrame(out, schema=EMISSIONS_SCHEMA)


def _estimate_for(row: Published, held: dict[str, dict[str, dict]], fitted: dict):
    """(estimate, low t, high t, how): held out by family, with the range from the other families'
    errors, where a published figure tests it; else the estimator fitted on every usable row
    (rows with nothing published, and flagged rows, to set beside the figure they contradict)."""
    lofo = held["leave_one_family_out"]
    if row.model in lofo:
        result = lofo[row.model]["estimate"]
        route_range = interval([v["residual"] for v in lofo.values() if v["group"] != row.family])
        return (result, *estimate_range(result, route_range, fitted["factors"]), "leave_one_family_out")
    if row.scorable:
        return None, None, None, None
    try:
        result = estimate(row.run, fitted["factors"])
    except NotEstimable:
        return None, None, None, None
    return (result, *estimate_range(result, fitted["intervals"][result.route], fitted["factors"]),
            "fitted on every usable row")


def _ape(value: float | None, row: Published) -> float | None:
    return 100 * abs(value - row.co2e_t) / row.co2e_t if value is not None and row.co2e_t else None


def _status(row: Published, result) -> str:
    if row.flag:
        return "flagged: contradicts its own inputs, not learnt from"
    if row.co2e_t is None:
        return "nothing published: estimated from every usable row" if result \
            else "nothing published, and not estimable from what the source states"
    if not row.co2e_t:
        return "published zero: not scored"
    return "validated (leave one family out)" if result else "not estimable from what the source states"
