"""Carbon-efficiency ratings as assets: the ratings mart, checked before it is published, and a
label per model."""


from pathlib import Path

import dagster as dg
import polars as pl
from dagster_duckdb import DuckDBResource

from energy_index.assumptions import ASSUMPTIONS_KEY, assumptions, seed_key
from energy_index.defs.estimates.inference_assets import RUNS_SQL, serving_runs
from energy_index.defs.estimates.training_assets import EMISSIONS_KEY
from energy_index.defs.ml.assets import WORKLOAD_ENERGY
from energy_index.defs.mlenergy.assets import MODELS_KEY
from energy_index.defs.ratings import checks
from energy_index.defs.ratings.grading import finish, model_key, training_figures, with_grades, with_size_class
from energy_index.defs.ratings.inference_rating import (
    BEST,
    grid_scenarios,
    inference_figures,
    measured_model_tasks,
    rated_configurations,
)
from energy_index.defs.ratings.methodology import REFERENCE_GRID, Methodology, load_methodology
from energy_index.files import url_for
from energy_index.integrity import read_json, write_json_atomically
from energy_index.metadata_tables import frame_table
from energy_index.parallel import in_workers
from energy_index.settings import load_settings
from energy_index.warehouse import replace_table, table_exists, utcnow

RATINGS_KEY = dg.AssetKey(["marts", "fct_model_ratings"])
LABEL_INDEX = "labels.json"  # {model: fingerprint of the label drawn for it}
GRID_FACTORS_KEY = dg.AssetKey(["intermediate", "int_emissions__grid_factors"])
SEED_KEYS = [seed_key(name) for name in ("rating_tasks", "rating_size_classes", "rating_thresholds",
                                          "model_active_parameters", "model_name_words", "assumptions")]


class RatingConfig(dg.Config):
    """Which version of the rating methodology to apply (the newest in the seeds by default)."""

    methodology_version: str | None = None


def model_ratings(runs: pl.DataFrame, factors: pl.DataFrame, training: pl.DataFrame | None,
                  methodology: Methodology) -> pl.DataFrame:
    """Every rating: inference per model, task, configuration, boundary and grid; training per
    model; each with low / central / high figures and its relative and absolute grades."""
    rated = rated_configurations(runs, methodology)
    inference = inference_figures(rated, grid_scenarios(factors)).with_columns(
        pl.lit("inference").alias("phase"), pl.col("params_b").alias("params_billion"),
        pl.concat_str(pl.lit("measured (ML.ENERGY "), "benchmark_release", pl.lit(")")).alias("figure_source"))
    inference = with_grades(with_size_class(inference, methodology, pl.col("modality")), methodology,
                            "co2e_g_central", "energy_wh_central", rank_on="energy_wh_central")
    frames = [finish(inference, methodology)]
    if training is not None and training.height:
        trained = with_size_class(training_figures(training), methodology, pl.lit("training"))
        frames.append(finish(with_grades(trained, methodology, "co2e_t_per_b_params", "energy_mwh_per_b_params",
                                         rank_on="co2e_t_per_b_params"),
                             methodology))
    return pl.concat(frames, how="vertical_relaxed").sort("phase", "task", "model", "configuration", "boundary",
                                                          "grid_source", "grid_entity", "basis", nulls_last=True)


def _audit(ratings: pl.DataFrame, measured: pl.DataFrame) -> list[dg.AssetCheckResult]:
    results = {"every_measured_model_rated": checks.every_measured_model_rated(ratings, measured),
               "grades_monotone": checks.grades_monotone(ratings),
               "relative_grades_cover_quintiles": checks.relative_grades_cover_quintiles(ratings),
               "comprehensive_not_below_accelerator": checks.comprehensive_not_below_accelerator(ratings),
               "ranges_contain_central": checks.ranges_contain_central(ratings)}
    return [dg.AssetCheckResult(check_name=name, passed=passed, metadata={"detail": dg.MetadataValue.json(detail)})
            for name, (passed, detail) in results.items()]


@dg.asset(key=RATINGS_KEY, deps=[WORKLOAD_ENERGY, MODELS_KEY, GRID_FACTORS_KEY, EMISSIONS_KEY, *SEED_KEYS],
          kinds={"polars", "duckdb"}, pool="warehouse",
          check_specs=[dg.AssetCheckSpec(name, asset=RATINGS_KEY, description=text)
                       for name, text in checks.CHECK_DESCRIPTIONS.items()])
def fct_model_ratings(context: dg.AssetExecutionContext, config: RatingConfig, duckdb: DuckDBResource):
    """Carbon-efficiency ratings of AI models (SCER for LLMs), one row per model, task, phase
    (training / inference), configuration (best within the latency objective, median), system
    boundary (accelerator: what ML.ENERGY measures; comprehensive: plus host CPU/DRAM, idle
    capacity and the site's PUE) and grid (world average, each company's and cloud region's
    latest location- and market-based factor). Energy (Wh) and CO2e (g) per unit of work, low /
    central / high; relative grade (A-E by quintile within task and size class) and absolute
    grades (fixed, versioned thresholds in gCO2e and Wh); EcoLogits' estimate beside text rows.
    Written only when every rating check passes.
    """
    methodology = load_methodology(config.methodology_version)
    with duckdb.get_connection() as conn:
        runs = serving_runs(conn.sql(RUNS_SQL).pl())
        factors = conn.sql("select * from intermediate.int_emissions__grid_factors").pl()
        training = conn.sql("select * from marts.fct_training_emissions").pl() \
            if table_exists(conn, "marts.fct_training_emissions") else None
        ratings = model_ratings(runs, factors, training, methodology).with_columns(pl.lit(utcnow()).alias("rated_at"))
        measured = measured_model_tasks(runs, methodology)
        results = _audit(ratings, measured)
        failed = [r.check_name for r in results if not r.passed]
        if failed:  # the results describe ratings that were never published: reported without a materialisation
            yield from results
            raise dg.Failure(f"marts.fct_model_ratings not published: checks failed: {', '.join(failed)} "
                             "(the previous ratings stay)", metadata={"failed_checks": failed})
        replace_table(conn, "marts.fct_model_ratings", ratings)
    context.log.info(f"rated {ratings['model'].n_unique()} models under methodology {methodology.version}")
    yield dg.MaterializeResult(metadata=_metadata(ratings, methodology), check_results=results)


def headline(ratings: pl.DataFrame) -> pl.DataFrame:
    """The label view: best configuration under the world-average grid, and training rows."""
    return ratings.filter(((pl.col("configuration") == BEST) & (pl.col("grid_entity") == REFERENCE_GRID))
                          | (pl.col("phase") == "training"))


def _metadata(ratings: pl.DataFrame, methodology: Methodology) -> dict:
    from energy_index.defs.ratings.labels import ratings_plot
    from energy_index.plots import figure_markdown

    top = headline(ratings).filter(pl.col("boundary") != "comprehensive")
    ecologits = ratings.filter((pl.col("boundary") == "accelerator") & (pl.col("grid_entity") == REFERENCE_GRID)) \
        .drop_nulls("accelerator_to_ecologits_ratio").group_by("task", "configuration").agg(
            pl.col("model").n_unique().alias("models"),
            pl.col("accelerator_to_ecologits_ratio").median().alias("median_measured_to_ecologits"),
            pl.col("accelerator_to_ecologits_ratio").min().alias("min"),
            pl.col("accelerator_to_ecologits_ratio").max().alias("max")).sort("task", "configuration")
    inference = top.filter(pl.col("phase") == "inference")
    return {
        "dagster/row_count": ratings.height, "models_rated": ratings["model"].n_unique(),
        "methodology_version": methodology.version,
        "grades_world_average_accelerator": frame_table(top.select(
            "phase", "task", "model", "size_class", "co2e_g_central", "energy_wh_central", "relative_grade",
            "absolute_grade", "absolute_energy_grade").sort("phase", "task", "co2e_g_central")),
        "measured_to_ecologits": frame_table(ecologits),
        **({} if inference.is_empty() else {"energy_vs_co2e": figure_markdown(ratings_plot(_plot_points(ratings)))}),
    }


def _plot_points(ratings: pl.DataFrame) -> list[dict]:
    """Best configuration, accelerator boundary: the world-average point and its grade, with the span
    of CO2e over every location-based grid for the same energy."""
    best = ratings.filter((pl.col("phase") == "inference") & (pl.col("configuration") == BEST)
                          & (pl.col("boundary") == "accelerator") & (pl.col("basis") == "location"))
    spans = best.group_by("model", "task").agg(pl.col("co2e_g_central").min().alias("co2e_g_min"),
                                               pl.col("co2e_g_central").max().alias("co2e_g_max"))
    return best.filter(pl.col("grid_entity") == REFERENCE_GRID).join(spans, on=["model", "task"]).select(
        "task", "model", "unit_of_work", "absolute_grade", "co2e_g_min", "co2e_g_max",
        pl.col("energy_wh_central").alias("energy_wh"), pl.col("co2e_g_central").alias("co2e_g")).to_dicts()


class LabelStore(dg.ConfigurableResource):
    """Where model labels (SVG and PNG) are written (ENERGY_INDEX_HOME/labels)."""

    directory: str


@dg.asset(key=["ratings", "model_labels"], deps=[RATINGS_KEY, ASSUMPTIONS_KEY, seed_key("model_name_words")], kinds={"svg", "png"},
          pool="warehouse")
def model_labels(context: dg.AssetExecutionContext, duckdb: DuckDBResource, label_store: LabelStore):
    """An appliance-style energy label per rated model (SVG, and PNG for the UI): each task's
    absolute grade on the A-E scale, the relative grade and its group, energy and CO2e per unit
    of work with their ranges, boundary, grid and methodology version. Labels use the best
    configuration within the latency objective under the world-average grid, at both
    boundaries, and the training figure where there is one. A label whose content and drawing
    code are unchanged (its fingerprint in `labels.json`) and whose files exist is not drawn again.
    """
    from energy_index.defs.ratings.labels import draw_label, label_files, label_fingerprint
    from energy_index.plots import png_markdown

    with duckdb.get_connection() as conn:
        ratings = headline(conn.sql("select * from marts.fct_model_ratings").pl())
    directory = Path(label_store.directory)
    drawn_before = read_json(directory / LABEL_INDEX) or {}
    written, fingerprints, to_draw = {}, {}, []
    # one label per model across sources: inference rows under the benchmark's name, training beside them
    for _, rows in ratings.sort("phase", "task", "boundary").group_by("model_key", maintain_order=True):
        model = rows.sort("phase")["model"][0]  # 'inference' sorts first: the benchmark's full name
        shown, version = label_rows(rows), rows["methodology_version"][0]
        fingerprints[model], written[model] = label_fingerprint(model, shown, version), label_files(model, directory)
        if drawn_before.get(model) != fingerprints[model] or not all(path.exists() for path in written[model]):
            to_draw.append((model, shown, version, directory))
    for _, drawn in in_workers(draw_label, to_draw, load_settings().workers):  # matplotlib is CPU-bound
        if isinstance(drawn, BaseException):
            raise drawn
    write_json_atomically(directory / LABEL_INDEX, fingerprints)
    current = {path for pair in written.values() for path in pair}
    stale = [p for p in [*directory.glob("*.svg"), *directory.glob("*.png")] if p not in current]
    for path in stale:  # a model that lost its rating must not keep a label
        path.unlink()
    context.log.info(f"{len(written)} labels in {directory} ({len(to_draw)} drawn, the rest unchanged), "
                     f"{len(stale)} stale files removed")
    reference = assumptions()["reference_model"]  # the serving scenario's model leads the UI's examples
    shown = sorted(written, key=lambda m: (model_key(m) != model_key(reference), m))[:3]
    return dg.MaterializeResult(metadata={
        "dagster/row_count": len(written), "directory": dg.MetadataValue.url(url_for(directory)),
        "labels": label_links(written),
        **{f"label: {model}": png_markdown(written[model][1], f"label of {model}") for model in shown}})


def label_links(written: dict[str, tuple[Path, Path]]) -> dg.MetadataValue:
    """Every model's label as links the browser opens through the file server (energy_index/files.py),
    SVG and PNG: a table cell would show the server's file path as plain text, which opens nothing."""
    lines = [f"- [{model.replace('[', '(').replace(']', ')')}]({url_for(svg)}) ([png]({url_for(png)}))"
             for model, (svg, png) in sorted(written.items(), key=lambda item: item[0].lower())]
    return dg.MetadataValue.md("\n".join(lines) or "no model is rated, so no label")


def label_rows(rows: pl.DataFrame) -> list[dict]:
    """A model's headline ratings in the shape the label renderer takes."""
    def grid(row: dict) -> str:
        if row["phase"] == "training":
            return "grid as the training run's source states"
        return f"{row['grid_entity']}, {row['basis']}-based, {row['grid_kg_per_kwh']:.3g} kgCO2e/kWh"

    return [{**{k: row[k] for k in ("phase", "task", "boundary", "unit_of_work", "absolute_grade", "relative_grade")},
             "configuration": row["configuration"].replace("_", " "),
             **{f"energy_wh{s}": row[f"energy_wh_{lv}"] for s, lv in (("", "central"), ("_low", "low"),
                                                                      ("_high", "high"))},
             **{f"co2e_g{s}": row[f"co2e_g_{lv}"] for s, lv in (("", "central"), ("_low", "low"), ("_high", "high"))},
             "relative_group": f"{row['task']}, {row['size_class']}, {row['relative_group_size']} models",
             "grid": grid(row)} for row in rows.to_dicts()]
