"""The ML quality checks: a retrained model whose scores fall past the assumptions seed's tolerance from
the last published model's fails its check, on the real warehouse, through Dagster."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from energy_index.assumptions import assumption
from energy_index.definitions import build_definitions
from energy_index.defs.ml.energy_models import EVALUATION_KEY, PRODUCTION_HISTORY_TABLE, PRODUCTION_KEY
from energy_index.defs.ml.quality_checks import (
    ACCURACY_TOLERANCE,
    BASELINE_KEY,
    MAPE_TOLERANCE,
    ML_QUALITY_CHECKS,
    production_grouped_accuracy_not_regressed,
    production_grouped_mape_not_regressed,
)
from energy_index.defs.resources import WarehouseResource, build_resources
from energy_index.settings import load_settings
from energy_index_tests.fixtures.pipeline import environment, query, sources_environment

ML_KEYS = [BASELINE_KEY, EVALUATION_KEY, PRODUCTION_KEY]
CHECK_NAMES = {"accuracy_not_regressed", "grouped_accuracy_not_regressed", "grouped_mape_not_regressed"}


def retrain(home: Path) -> dict[str, dg.AssetCheckEvaluation]:
    """Materialise the baseline, evaluation and production assets of the code location with their
    checks, as a refresh does (the ML quality checks added if the definitions do not carry them);
    the ML quality checks' evaluations by name (the ML assets' materialisation metadata, by asset,
    is kept in `retrain.materialisations`)."""
    with environment(**sources_environment(home, None)):
        resources = build_resources(load_settings())
        definitions = build_definitions(resources)
        wired = {key for check in definitions.asset_checks for key in check.check_keys}
        assert {key for check in ML_QUALITY_CHECKS for key in check.check_keys} <= wired, "the ml domain wires them"
        result = dg.materialize([*definitions.assets, *definitions.asset_checks], resources=resources,
                                selection=dg.AssetSelection.assets(*ML_KEYS), raise_on_error=False)
    assert result.success, "a failed quality check must not fail the run"
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations() if e.check_name in CHECK_NAMES}
    assert set(evaluations) == CHECK_NAMES
    retrain.materialisations = {e.asset_key: e.materialization.metadata for e in result.get_asset_materialization_events()}
    return evaluations


def forget_training(home: Path) -> None:
    """The warehouse as it was before any model was trained: no baseline rows, no production history."""
    with duckdb.connect(str(home / "warehouse.duckdb")) as conn:
        conn.execute("delete from ml.energy_classifier_metrics where model_path is not null")
        conn.execute(f"drop table if exists {PRODUCTION_HISTORY_TABLE}")


def scores(evaluation: dg.AssetCheckEvaluation) -> list[dict]:
    return [record.data for record in evaluation.metadata["scores"].value.records]


@pytest.fixture
def trained_home(copied_home) -> Path:
    """A private warehouse whose models were trained twice on the same data: the fixture build, then once more."""
    retrain(copied_home)
    return copied_home


def test_the_first_model_passes_with_no_baseline(copied_home):
    forget_training(copied_home)
    evaluations = retrain(copied_home)
    for evaluation in evaluations.values():
        assert evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR
        assert evaluation.blocking is False
        assert evaluation.metadata["baseline"].value == "none yet (first published model)"
        assert "No baseline yet" in evaluation.description
        assert all(row["previous"] is None and row["current"] > 0 for row in scores(evaluation))
    assert {row["subject"] for row in scores(evaluations["accuracy_not_regressed"])} == {"all_runs", "without_mllm"}
    assert evaluations["accuracy_not_regressed"].target_materialization_data is not None


def test_an_unchanged_retrain_passes(trained_home):
    history = f"select count(*), bool_and(replaced) from {PRODUCTION_HISTORY_TABLE}"
    (before, _), = query(trained_home / "warehouse.duckdb", history)
    evaluations = retrain(trained_home)
    for evaluation in evaluations.values():
        assert evaluation.passed, evaluation.description
        assert evaluation.metadata["baseline"].value == "compared with the last published model"
        for row in scores(evaluation):
            assert row["change"] == pytest.approx(0.0, abs=1e-12), "seeded training on the same runs scores the same"
            assert row["within_tolerance"]
    assert evaluations["grouped_accuracy_not_regressed"].metadata["tolerance"].value == assumption(ACCURACY_TOLERANCE)
    assert evaluations["grouped_mape_not_regressed"].metadata["tolerance"].value == assumption(MAPE_TOLERANCE)
    assert query(trained_home / "warehouse.duckdb", history) == [(before + 1, True)], \
        "one row per production materialisation, every one published"
    fitted = retrain.materialisations
    assert fitted[EVALUATION_KEY]["refitted"].value is False, "the same runs, settings and code: nothing refitted"
    assert fitted[PRODUCTION_KEY]["verdict"].text.startswith("kept the saved model")


def test_labels_that_no_longer_match_their_runs_fail_every_check(trained_home):
    """Pair every run's energy with another run's configuration (a broken join upstream, say): the
    retrained models are worse by far, the production asset keeps the saved model, and every check fails."""
    with duckdb.connect(str(trained_home / "warehouse.duckdb")) as conn:
        conn.execute("""create temp table shuffled as
            select runs.run_id, energy.energy_j, energy.log_energy, energy.energy_label
            from (select run_id, row_number() over (order by run_id) as n from marts.fct_workload_energy) as runs
            join (select energy_j, log_energy, energy_label, row_number() over (order by hash(run_id || 'shuffle')) as n
                  from marts.fct_workload_energy) as energy using (n)""")
        conn.execute("""update marts.fct_workload_energy as runs
            set energy_j = shuffled.energy_j, log_energy = shuffled.log_energy, energy_label = shuffled.energy_label
            from shuffled where runs.run_id = shuffled.run_id""")
    evaluations = retrain(trained_home)
    assert retrain.materialisations[EVALUATION_KEY]["refitted"].value is True, "new runs: the models are fitted again"
    for name, evaluation in evaluations.items():
        assert not evaluation.passed, f"{name}: {evaluation.description}"
        assert evaluation.severity == dg.AssetCheckSeverity.ERROR
        assert evaluation.description.startswith("REGRESSED past the tolerance")
        assert evaluation.metadata["regressed"].value
    for row in scores(evaluations["accuracy_not_regressed"]):
        assert row["change"] < -assumption(ACCURACY_TOLERANCE) and not row["within_tolerance"]
    (mape,) = scores(evaluations["grouped_mape_not_regressed"])
    assert mape["current"] > mape["previous"] * (1 + assumption(MAPE_TOLERANCE))
    assert evaluations["grouped_mape_not_regressed"].metadata["replaced"].value is False, \
        "the worse candidate is not published; the check still reports it"


def publish_earlier(home: Path, accuracy_delta: float, mape_factor: float) -> None:
    """Record a published production model just before the latest one, scored differently."""
    with duckdb.connect(str(home / "warehouse.duckdb")) as conn:
        conn.execute(f"""insert into {PRODUCTION_HISTORY_TABLE} by name
            select * replace (recorded_at - ? as recorded_at, true as replaced,
                              grouped_accuracy + ? as grouped_accuracy,
                              regressor_grouped_mape_pct * ? as regressor_grouped_mape_pct)
            from {PRODUCTION_HISTORY_TABLE} order by recorded_at desc limit 1""",
                     [timedelta(seconds=1), accuracy_delta, mape_factor])


@pytest.mark.parametrize(("share", "passes"), [(0.5, True), (1.5, False)])
def test_the_tolerance_comes_from_the_assumptions_seed(copied_home, share, passes):
    """A previous published model better by half the tolerance passes; better by one and a half fails."""
    accuracy_tolerance, mape_tolerance = assumption(ACCURACY_TOLERANCE), assumption(MAPE_TOLERANCE)
    publish_earlier(copied_home, share * accuracy_tolerance, 1 / (1 + share * mape_tolerance))
    warehouse = WarehouseResource(database=str(copied_home / "warehouse.duckdb"))
    for check, tolerance in [(production_grouped_accuracy_not_regressed, accuracy_tolerance),
                             (production_grouped_mape_not_regressed, mape_tolerance)]:
        result = check(dg.build_asset_check_context(resources={"duckdb": warehouse}))
        assert result.passed is passes, result.description
        assert result.metadata["tolerance"].value == tolerance
        assert result.metadata["previous"].value != result.metadata["current"].value
