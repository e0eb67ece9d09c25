"""Inference figures to rate: the configurations rated, the grids, and the two system boundaries.

Per model and task two measured configurations are kept: the lowest-energy one that meets the
task's latency objective (the fastest one, flagged, when none does) and the median one, so a
grade says what careful serving achieves and what typical serving costs. Energy is per unit of
work (1,000 requests of a stated length, 1,000 images, 1 video) from the measured per-token or
per-item energy, so a model that writes long answers is not penalised for the benchmark's prompts.
"""

from __future__ import annotations

import polars as pl

from energy_index.assumptions import assumption
from energy_index.defs.estimates.inference import ecologits_per_token
from energy_index.defs.ratings.methodology import REFERENCE_GRID, Methodology

BEST = "best_within_latency_objective"
MEDIAN = "median_configuration"
ACCELERATOR, COMPREHENSIVE = "accelerator", "comprehensive"
RUN_COLUMNS = ["run_id", "benchmark_release", "model", "gpu", "config", "params_b", "active_params_b", "batch_size",
               "modality", "weight_precision", "avg_output_tokens", "energy_per_output_token_j", "energy_j",
               "avg_tpot_s", "median_itl_s", "batch_latency_s"]


def rated_configurations(runs: pl.DataFrame, methodology: Methodology) -> pl.DataFrame:
    """One row per model, task and configuration kind (best within the latency objective, median),
    with `accelerator_wh_per_unit` and the run it comes from."""
    tasks = methodology.tasks.rename({"task": "task_name", "benchmark_task": "task_key"})
    frame = runs.drop("task").join(tasks, on=["benchmark_release", "task_key"], how="inner")
    per_unit = pl.when(pl.col("output_tokens").is_not_null()) \
        .then(pl.col("energy_per_output_token_j") * pl.col("output_tokens")).otherwise(pl.col("energy_j"))
    latency = pl.when(pl.col("latency_metric") == "avg_tpot_s").then(pl.col("avg_tpot_s")) \
        .when(pl.col("latency_metric") == "median_itl_s").then(pl.col("median_itl_s")) \
        .otherwise(pl.col("batch_latency_s"))
    frame = frame.with_columns((per_unit * pl.col("units") / 3600).alias("accelerator_wh_per_unit"),
                               latency.alias("latency_s")).drop_nulls("accelerator_wh_per_unit")
    # an unknown latency cannot be shown to meet the objective
    meets = (pl.col("latency_s") <= pl.col("latency_limit_s")).fill_null(False)
    keys = ["model", "task_name"]
    frame = frame.with_columns(meets.alias("meets_latency_objective"),
                               meets.any().over(keys).alias("_any_meets"))
    preference = pl.when(pl.col("meets_latency_objective")).then(pl.col("accelerator_wh_per_unit")) \
        .otherwise(pl.col("latency_s"))
    best = frame.sort([pl.col("meets_latency_objective").not_(), preference, pl.col("run_id")], nulls_last=True) \
        .group_by(keys, maintain_order=True).first().with_columns(pl.lit(BEST).alias("configuration"))
    # the median of what the objective allows; of every configuration when nothing meets it
    eligible = frame.filter(pl.col("meets_latency_objective") | pl.col("_any_meets").not_())
    median = eligible.sort("accelerator_wh_per_unit", "run_id").group_by(keys, maintain_order=True) \
        .agg(pl.all().get((pl.len() - 1) // 2)).with_columns(pl.lit(MEDIAN).alias("configuration"))
    rated = pl.concat([best, median.select(best.columns)]).drop("_any_meets").rename({"task_name": "task"})
    return rated.with_columns(_ecologits_wh_per_unit(rated)).sort("task", "model", "configuration")


def measured_model_tasks(runs: pl.DataFrame, methodology: Methodology) -> pl.DataFrame:
    """Every (model, task) with a measured energy, named by the methodology's task that rates it, or
    `<release> <family/task>` when none does, for the check that each one is rated."""
    energy = pl.when(pl.col("modality") == "text").then(pl.col("energy_per_output_token_j")) \
        .otherwise(pl.col("energy_j"))
    tasks = methodology.tasks.select("benchmark_release", pl.col("benchmark_task").alias("task_key"), "task")
    measured = runs.filter(energy.is_not_null()).drop("task").join(tasks, on=["benchmark_release", "task_key"],
                                                                   how="left")
    return measured.select("model", pl.coalesce("task", pl.concat_str("benchmark_release", pl.lit(" "), "task_key"))
                           .alias("task")).unique()


def _ecologits_wh_per_unit(rated: pl.DataFrame) -> pl.Series:
    """EcoLogits' GPU energy for the same model and batch, per unit of work (text only)."""
    text = (rated["modality"] == "text") & rated["active_params_b"].is_not_null() \
        & rated["params_b"].is_not_null() & rated["batch_size"].is_not_null()
    values = [None] * rated.height
    if text.any():
        rows = rated.filter(text)
        per_token = ecologits_per_token(rows)
        scaled = per_token * rows["output_tokens"].to_numpy() * rows["units"].to_numpy() / 3600
        for index, value in zip(text.arg_true().to_list(), scaled.tolist()):
            values[index] = value
    return pl.Series("ecologits_accelerator_wh_per_unit", values, dtype=pl.Float64)


def grid_scenarios(factors: pl.DataFrame) -> pl.DataFrame:
    """The grids a rating is stated under: the world average (the default), and the latest year of
    each company's disclosed factors and of each cloud region that states the basis, location-
    and market-based.

    `factors` has the columns of `intermediate.int_emissions__grid_factors`."""
    def latest(basis: str) -> pl.DataFrame:
        stated = factors.drop_nulls(f"{basis}_kg_per_kwh")
        return stated.filter(pl.col("factor_year") == pl.col("factor_year").max().over("factor_source",
                                                                                       "factor_entity"))

    bases = [latest(basis).select(pl.col("factor_source").alias("grid_source"), pl.col("factor_entity").alias("grid_entity"),
                           pl.col("factor_year").cast(pl.Int64).alias("grid_year"), pl.lit(basis).alias("basis"),
                           pl.col(f"{basis}_kg_per_kwh").alias("grid_kg_per_kwh"), "pue", "pue_source")
             for basis in ("location", "market")]
    reference = pl.DataFrame({"grid_source": ["reference"], "grid_entity": [REFERENCE_GRID], "grid_year": [None],
                              "basis": ["location"], "grid_kg_per_kwh": [assumption("world_average_grid_kg_per_kwh")],
                              "pue": [assumption("default_pue")], "pue_source": ["assumed (default_pue)"]},
                             schema_overrides={"grid_year": pl.Int64})
    return pl.concat([reference, *bases], how="vertical_relaxed").drop_nulls("grid_kg_per_kwh") \
        .sort("grid_source", "grid_entity", "basis", nulls_last=True)


def boundary_multipliers() -> dict[str, tuple[float, float, float]]:
    """IT energy per unit of accelerator energy (low, central, high) for each boundary, from the
    published serving shares in the assumptions table; the site's PUE is applied on top.

    Comprehensive: central counts host CPU/DRAM and idle capacity beside the accelerators; low
    leaves idle capacity out (a fully loaded fleet); high is the study's comprehensive / active-
    accelerator ratio without its data-centre overhead."""
    accelerator, host, idle, overhead = (assumption(f"serving_share_{part}")
                                         for part in ("accelerator", "host", "idle", "overhead"))
    it_share = accelerator + host + idle
    high = assumption("comprehensive_to_active_accelerator_high") * it_share / (it_share + overhead)
    return {ACCELERATOR: (1.0, 1.0, 1.0),
            COMPREHENSIVE: ((accelerator + host) / accelerator, it_share / accelerator, high)}


def inference_figures(rated: pl.DataFrame, grids: pl.DataFrame) -> pl.DataFrame:
    """Energy (Wh) and CO2e (g) per unit, low / central / high, for every rated configuration under
    every grid and both boundaries. The accelerator boundary is what was measured, with its
    measurement tolerance, and no PUE; the comprehensive one adds the serving stack and the PUE."""
    tolerance = assumption("accelerator_energy_tolerance")
    frames = []
    for boundary, (low, central, high) in boundary_multipliers().items():
        site = pl.col("pue") if boundary == COMPREHENSIVE else pl.lit(1.0)
        frames.append(rated.join(grids, how="cross").with_columns(
            pl.lit(boundary).alias("boundary"),
            (pl.col("accelerator_wh_per_unit") * (1 - tolerance) * low * site).alias("energy_wh_low"),
            (pl.col("accelerator_wh_per_unit") * central * site).alias("energy_wh_central"),
            (pl.col("accelerator_wh_per_unit") * (1 + tolerance) * high * site).alias("energy_wh_high")))
    figures = pl.concat(frames)
    # Wh x kg/kWh = g
    figures = figures.with_columns(*(
        (pl.col(f"energy_wh_{level}") * pl.col("grid_kg_per_kwh")).alias(f"co2e_g_{level}")
        for level in ("low", "central", "high")))
    tokens = pl.col("units") * pl.col("output_tokens")
    return figures.with_columns(
        (pl.col("energy_wh_central") * 3600 / tokens).alias("energy_j_per_token"),
        (pl.col("co2e_g_central") * 1000 / tokens).alias("co2e_mg_per_token"),
        (pl.col("accelerator_wh_per_unit") / pl.col("ecologits_accelerator_wh_per_unit"))
        .alias("accelerator_to_ecologits_ratio"))
