"""What must hold of every published rating, computed on the frame before it is written.

Each function returns (passed, metadata) so the asset can publish only a table that passes
and show the offending rows when one does not.
"""

from __future__ import annotations

import polars as pl

from energy_index.defs.ratings.grading import RELATIVE_GROUP
from energy_index.defs.ratings.inference_rating import ACCELERATOR, COMPREHENSIVE
from energy_index.defs.ratings.methodology import GRADES

Result = tuple[bool, dict]
CHECK_DESCRIPTIONS = {
    "every_measured_model_rated": "Every model and task with measured runs has an inference rating for both "
                                  "configurations and both boundaries.",
    "grades_monotone": "Within a grading group a higher figure never gets a better grade, relative or absolute.",
    "relative_grades_cover_quintiles": "Every relative-grading group of five or more models uses all five grades.",
    "comprehensive_not_below_accelerator": "The comprehensive boundary's figures are never below the accelerator "
                                           "boundary's for the same model, configuration and grid.",
    "ranges_contain_central": "Every low / central / high range holds its central value (energy and CO2e).",
}


def _sample(frame: pl.DataFrame, limit: int = 10) -> list[dict]:
    return frame.head(limit).to_dicts()


def every_measured_model_rated(ratings: pl.DataFrame, measured: pl.DataFrame) -> Result:
    """`measured` has one row per (model, task) with runs; each needs 2 configurations x 2 boundaries."""
    rated = ratings.filter(pl.col("phase") == "inference").group_by("model", "task").agg(
        pl.struct("configuration", "boundary").n_unique().alias("kinds"))
    missing = measured.join(rated, on=["model", "task"], how="left").filter(pl.col("kinds").fill_null(0) < 4)
    return missing.is_empty(), {"measured_model_tasks": measured.height, "incomplete": _sample(missing)}


GRADED_FIGURE = {  # grade column -> (inference figure, training figure) it is given on
    "relative_grade": ("energy_wh_central", "co2e_t_per_b_params"),
    "absolute_grade": ("co2e_g_central", "co2e_t_per_b_params"),
    "absolute_energy_grade": ("energy_wh_central", "energy_mwh_per_b_params"),
}


def grades_monotone(ratings: pl.DataFrame) -> Result:
    """Sorted by its figure within a group, a grade never gets better (A=0 ... E=4)."""
    order = {grade: index for index, grade in enumerate(GRADES)}
    offending = []
    for grade, (inference, training) in GRADED_FIGURE.items():
        value = pl.when(pl.col("phase") == "training").then(pl.col(training)).otherwise(pl.col(inference))
        rows = ratings.drop_nulls(grade).with_columns(value.alias("_value"),
                                                      pl.col(grade).replace_strict(order).alias("_rank"))
        bad = rows.sort("_value", "_rank").with_columns(pl.col("_rank").cum_max().over(RELATIVE_GROUP)
                                                        .alias("_worst_so_far")) \
            .filter(pl.col("_rank") < pl.col("_worst_so_far"))
        if bad.height:
            offending.append({"grade": grade, "rows": _sample(bad.select("model", "task", grade, "_value"))})
    return not offending, {"offending": offending}


def relative_grades_cover_quintiles(ratings: pl.DataFrame) -> Result:
    """A group whose figures take five or more distinct values must use every grade A-E."""
    inference, training = GRADED_FIGURE["relative_grade"]
    figure = pl.when(pl.col("phase") == "training").then(pl.col(training)).otherwise(pl.col(inference))
    groups = ratings.drop_nulls("relative_grade").group_by(RELATIVE_GROUP).agg(
        pl.col("relative_grade").n_unique().alias("grades"), figure.n_unique().alias("distinct_figures"))
    five = groups.filter(pl.col("distinct_figures") >= len(GRADES))
    gaps = five.filter(pl.col("grades") < len(GRADES))
    return gaps.is_empty(), {"groups_of_five_or_more": five.height, "incomplete_groups": _sample(gaps)}


def comprehensive_not_below_accelerator(ratings: pl.DataFrame) -> Result:
    """Pairs the two boundaries of each model, configuration and grid; no comprehensive figure below."""
    keys = ["model", "task", "configuration", "grid_source", "grid_entity", "grid_year", "basis"]
    levels = [f"{kind}_{level}" for kind in ("energy_wh", "co2e_g") for level in ("low", "central", "high")]
    pairs = ratings.filter(pl.col("boundary") == ACCELERATOR).select(*keys, *levels).join(
        ratings.filter(pl.col("boundary") == COMPREHENSIVE).select(*keys, *levels), on=keys, suffix="_comp",
        nulls_equal=True)
    below = pairs.filter(pl.any_horizontal(pl.col(f"{c}_comp") < pl.col(c) for c in levels))
    return below.is_empty() and pairs.height > 0, {"pairs": pairs.height, "below": _sample(below.select(keys))}


def ranges_contain_central(ratings: pl.DataFrame) -> Result:
    """low <= central <= high for energy and CO2e on every row."""
    outside = ratings.filter(pl.any_horizontal(
        (pl.col(f"{kind}_low") > pl.col(f"{kind}_central")) | (pl.col(f"{kind}_central") > pl.col(f"{kind}_high"))
        for kind in ("energy_wh", "co2e_g")))
    return outside.is_empty(), {"rows": ratings.height, "outside": _sample(outside.select("model", "task", "boundary"))}
