"""A full in-process materialisation of every asset into a temporary warehouse."""

from __future__ import annotations

import json

import joblib

from energy_index.defs.economic_index.formats import FORMATS
from energy_index.defs.ml.baseline import tertile_labels
from energy_index_tests.fixtures.mlenergy import build_runs
from energy_index_tests.fixtures.pipeline import published, query, scalar

EXPECTED_RUNS = len(build_runs())


def test_raw_runs_keep_every_v2_run_and_skip_legacy(built_home):
    warehouse = built_home / "warehouse.duckdb"
    assert scalar(warehouse, "select count(*) from raw.mlenergy_runs") == EXPECTED_RUNS
    assert scalar(warehouse, "select count(*) from raw.mlenergy_runs where source_path like '%legacy%'") == 0
    columns = {row[0] for row in query(warehouse, "describe raw.mlenergy_runs")}
    assert {"Energy/req (J)", "Max BS (reqs)", "task_family", "gpu_name", "source_commit"} <= columns


def test_model_metadata_has_one_row_per_model_and_task(built_home):
    rows = query(built_home / "warehouse.duckdb",
                 "select task, count(*) from raw.mlenergy_models group by 1 order by 1")
    assert dict(rows) == {"chat": 5, "image-to-video": 1, "text-to-image": 2, "text-to-video": 1}


def test_workload_energy_mart_follows_the_contract(built_home):
    warehouse = built_home / "warehouse.duckdb"
    rows = query(warehouse, "select modality, energy_unit, count(*) from marts.fct_workload_energy group by all")
    assert {(m, u) for m, u, _ in rows} == {("text", "J/request"), ("multimodal_text", "J/request"),
                                            ("image", "J/image"), ("video", "J/video")}
    mismatched = scalar(warehouse, """
        select count(*) from marts.fct_workload_energy
        where energy_j <> greatest(coalesce(energy_per_video_j, 0), coalesce(energy_per_image_j, 0),
                                   coalesce(energy_per_request_j, 0))""")
    assert mismatched == 0
    per_token = query(warehouse, """select energy_per_output_token_j, energy_per_request_j / avg_output_tokens
        from marts.fct_workload_energy where modality = 'text' limit 5""")
    assert all(abs(a - b) < 1e-12 for a, b in per_token)
    assert scalar(warehouse, "select count(*) from marts.fct_workload_energy "
                             "where modality = 'image' and energy_per_output_token_j is not null") == 0


def test_energy_labels_are_tertiles_of_log_energy_like_qcut(built_home):
    """Within a release (v2 here, the original analysis's labels): a new release relabels nothing."""
    rows = query(built_home / "warehouse.duckdb", "select energy_j, energy_label from marts.fct_workload_energy "
                                                  "where benchmark_release = 'v2' order by run_id")
    energy = [r[0] for r in rows]
    import numpy as np
    assert [r[1] for r in rows] == list(tertile_labels(np.array(energy)))
    counts = {label: sum(1 for r in rows if r[1] == label) for label in ("Low", "Medium", "High")}
    assert max(counts.values()) - min(counts.values()) <= 2


def test_validation_results_are_recorded(built_home):
    rows = query(built_home / "warehouse.duckdb",
                 "select table_name, bool_and(success), count(*) from quality.validation_results group by 1")
    recorded = {name: ok for name, ok, _ in rows}
    assert recorded["raw.mlenergy_runs"] and recorded["raw.mlenergy_models"]
    assert {fmt.raw_table for fmt in FORMATS} <= set(recorded) and all(recorded.values())


def test_classifier_metrics_and_saved_models(built_home):
    rows = query(built_home / "warehouse.duckdb", """
        select population, estimator, evaluation_scheme, n_runs, n_train, n_test, accuracy, macro_f1,
               confusion_matrix, features, model_path
        from ml.energy_classifier_metrics where feature_set is null order by population""")
    assert [r[0] for r in rows] == ["all_runs", "without_mllm"]
    mllm_runs = sum(1 for path in build_runs() if path.startswith("data/mllm"))
    assert [r[3] for r in rows] == [EXPECTED_RUNS, EXPECTED_RUNS - mllm_runs]
    for population, estimator, scheme, n, n_train, n_test, accuracy, f1, confusion, features, path in rows:
        assert scheme == "stratified_holdout_70_30" and n_train + n_test == n
        matrix = json.loads(confusion)
        assert sum(map(sum, matrix)) == n_test
        assert accuracy == sum(matrix[i][i] for i in range(3)) / n_test
        assert 0 < f1 <= 1 and "model" not in features and "energy_j" not in features
        saved = joblib.load(path)
        assert saved["population"] == population and saved["accuracy"] == accuracy


def test_snapshot_is_published_with_every_table(built_home):
    analytics = published(built_home)
    tables = {f"{s}.{t}" for s, t in query(analytics, "select schema_name, table_name from duckdb_tables() "
                                                      "where database_name = 'analytics'")}
    assert {"raw.mlenergy_runs", "raw.source_fetches", "marts.fct_workload_energy",
            "staging.stg_mlenergy__runs", "ml.energy_classifier_metrics", "quality.validation_results",
            "meta.refreshes", "meta.published_tables"} <= tables
    assert not any(t.startswith("raw_staging.") for t in tables)
    assert scalar(analytics, "select count(*) from marts.fct_workload_energy where benchmark_release = 'v2'") == \
        EXPECTED_RUNS
