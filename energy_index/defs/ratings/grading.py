"""Grades for rated figures, and the training figures rated beside inference.

A relative grade (A-E by quintile within task, size class, configuration, boundary and grid)
moves when the fleet moves, as AI Energy Score's stars do; an absolute grade compares the
central figure with the methodology version's fixed thresholds and moves only with the version.
"""

from __future__ import annotations

import re
from functools import cache

import polars as pl

from energy_index.assumptions import assumption
from energy_index.defs.ratings.methodology import BOUNDS, SEEDS_DIR, Methodology, absolute_grade, relative_grade

RELATIVE_GROUP = ["phase", "task", "size_class", "configuration", "boundary", "grid_source", "grid_entity",
                  "grid_year", "basis"]
TRAINING = "training"
AS_REPORTED = "as_reported"
UNKNOWN_SIZE = "unknown size"
COLUMNS = ["model", "model_key", "task", "phase", "configuration", "boundary", "unit_of_work", "size_class", "params_billion",
           "benchmark_release", "gpu", "weight_precision", "config", "run_id", "latency_s", "meets_latency_objective", "grid_source", "grid_entity", "grid_year",
           "basis", "grid_kg_per_kwh", "pue", "energy_wh_low", "energy_wh_central", "energy_wh_high", "co2e_g_low",
           "co2e_g_central", "co2e_g_high", "energy_j_per_token", "co2e_mg_per_token", "energy_mwh_per_b_params",
           "co2e_t_per_b_params", "relative_grade", "relative_group_size", "absolute_grade", "absolute_energy_grade",
           "ecologits_accelerator_wh_per_unit", "accelerator_to_ecologits_ratio", "figure_source",
           "methodology_version"]


def with_size_class(frame: pl.DataFrame, methodology: Methodology, scope: pl.Expr) -> pl.DataFrame:
    """The size class whose parameter range holds the model's parameters (UNKNOWN_SIZE without)."""
    classes = methodology.size_classes.select("scope", "size_class", "min_params_billion", "max_params_billion")
    keyed = frame.with_row_index("_row").with_columns(scope.alias("scope"))
    matched = keyed.join(classes, on="scope", how="inner").filter(
        (pl.col("params_billion") >= pl.col("min_params_billion"))
        & (pl.col("max_params_billion").is_null() | (pl.col("params_billion") < pl.col("max_params_billion")))) \
        .group_by("_row").agg(pl.col("size_class").first())
    return keyed.join(matched, on="_row", how="left").with_columns(
        pl.col("size_class").fill_null(UNKNOWN_SIZE)).drop("_row", "scope")


def with_grades(frame: pl.DataFrame, methodology: Methodology, co2e: str, energy: str, rank_on: str) -> pl.DataFrame:
    """Relative grade on `rank_on` within its group; absolute grades on the `co2e` and `energy`
    columns against the thresholds for the row's phase and task.

    Inference ranks on energy: within one grid that is the CO2e order, and it still separates
    models on a grid whose market-based factor is zero, where every CO2e ties at 0."""
    # a model of unknown size has no class to be ranked in
    ranked = pl.col("size_class") != UNKNOWN_SIZE
    graded = frame.with_columns(
        pl.when(ranked).then(relative_grade(rank_on, RELATIVE_GROUP)).alias("relative_grade"),
        pl.when(ranked).then(pl.col(rank_on).count().over(RELATIVE_GROUP)).alias("relative_group_size"))
    for metric, column, name in (("co2e", co2e, "absolute_grade"), ("energy", energy, "absolute_energy_grade")):
        bounds = methodology.thresholds.filter(pl.col("metric") == metric).select(
            "phase", "task", *(pl.col(b).alias(f"_{b}") for b in BOUNDS))
        graded = graded.join(bounds, on=["phase", "task"], how="left").with_columns(
            absolute_grade(pl.col(column), [pl.col(f"_{b}") for b in BOUNDS]).alias(name)) \
            .drop(f"_{b}" for b in BOUNDS)
    return graded


def training_figures(emissions: pl.DataFrame) -> pl.DataFrame:
    """One row per trained model with a figure: the published CO2e (and energy) when the source
    states one and it is not flagged as contradicting its own inputs, else the estimator's.

    A published figure gets the estimator's smallest range (published inputs are rounded); an
    estimate keeps its own low-high range, applied to energy in the same proportion."""
    half_width = assumption("training_range_min_half_width")
    published = pl.col("published_co2e_t").is_not_null() & pl.col("flagged").not_()
    central_t = pl.when(published).then(pl.col("published_co2e_t")).otherwise(pl.col("estimate_co2e_t"))
    # an estimate without its own range gets the narrowest one, never none
    low_ratio = pl.when(published).then(1 - half_width).otherwise(
        (pl.col("estimate_co2e_t_low") / central_t).fill_nan(None).fill_null(1 - half_width))
    high_ratio = pl.when(published).then(1 + half_width).otherwise(
        (pl.col("estimate_co2e_t_high") / central_t).fill_nan(None).fill_null(1 + half_width))
    energy_mwh = pl.when(published & pl.col("published_energy_mwh").is_not_null()) \
        .then(pl.col("published_energy_mwh")).otherwise(pl.col("estimate_energy_mwh"))
    frame = emissions.with_columns(central_t.alias("_t"), energy_mwh.alias("_mwh"),
                                   low_ratio.alias("_low"), high_ratio.alias("_high"),
                                   pl.when(published).then(pl.lit("published"))
                                   .otherwise(pl.concat_str(pl.lit("estimated ("), "estimate_route", pl.lit(" route)")))
                                   .alias("figure_source")).filter(pl.col("_t").is_not_null())
    return frame.select(
        "model", pl.lit(TRAINING).alias("task"), pl.lit(TRAINING).alias("phase"),
        pl.lit(AS_REPORTED).alias("configuration"), pl.lit(AS_REPORTED).alias("boundary"),
        pl.lit("1 training run (graded per billion parameters)").alias("unit_of_work"), pl.col("params_b").alias("params_billion"),
        pl.col("accelerator").alias("gpu"), pl.lit("training run").alias("grid_source"),
        # one group for every run: each figure is under its own run's grid, as the source states it
        pl.lit("as the source states").alias("grid_entity"), pl.lit(None, pl.Int64).alias("grid_year"),
        pl.lit(AS_REPORTED).alias("basis"),
        *(pl.col("_mwh").mul(1e6).mul(pl.col(f"_{lv}") if lv != "central" else 1).alias(f"energy_wh_{lv}")
          for lv in ("low", "central", "high")),
        *(pl.col("_t").mul(1e6).mul(pl.col(f"_{lv}") if lv != "central" else 1).alias(f"co2e_g_{lv}")
          for lv in ("low", "central", "high")),
        (pl.col("_mwh") / pl.col("params_b")).alias("energy_mwh_per_b_params"),
        (pl.col("_t") / pl.col("params_b")).alias("co2e_t_per_b_params"), "figure_source")


@cache
def _name_words() -> frozenset[str]:
    return frozenset(pl.read_csv(SEEDS_DIR / "model_name_words.csv")["word"].str.to_lowercase().to_list())


def model_key(name: str) -> str:
    """A name reduced to what identifies the model across sources: no repository owner, no
    release-variant or publisher words (seed `model_name_words`), lower case, words joined by
    '-' with version dots kept ("Llama 3.1 8B" and "Llama 3 18B" stay apart)."""
    words = re.split(r"[^a-z0-9.]+", name.rsplit("/", 1)[-1].lower())
    return "-".join(w for w in words if w.strip(".") and w not in _name_words())


def finish(frame: pl.DataFrame, methodology: Methodology) -> pl.DataFrame:
    """The mart's columns in their documented order, with the methodology version on every row."""
    frame = frame.with_columns(pl.lit(methodology.version).alias("methodology_version"),
                               pl.col("model").map_elements(model_key, return_dtype=pl.Utf8).alias("model_key"))
    missing = [pl.lit(None).alias(c) for c in COLUMNS if c not in frame.columns]
    return frame.with_columns(missing).select(COLUMNS)
