"""ML.ENERGY benchmark releases as partitions: the registry, the v3 leaderboard-data layout read
from generated task files, its Great Expectations suite, v2 and v3 side by side in the marts, a
bad v3 file failing its release alone, and a new pinned commit reloading that release alone."""

from __future__ import annotations

import dataclasses
import json

import duckdb
import pytest

from energy_index.definitions import build_definitions
from energy_index.defs.mlenergy.assets import _label_rows_from_before_releases
from energy_index.defs.mlenergy.layouts import (
    RUN_FILES,
    TASK_CONFIGURATIONS,
    configurations_frame,
    detect_layout,
    task_files,
)
from energy_index.defs.mlenergy.releases import RELEASES, _release, mlenergy_release_partitions
from energy_index.defs.operations.launch import InProcessLauncher
from energy_index.defs.operations.refresh import BENCHMARKS_JOB, OBSERVE_JOBS
from energy_index.defs.quality.mlenergy_suites import configurations_audit_frame, configurations_expectations
from energy_index.defs.quality.validation import validate
from energy_index.defs.resources import build_resources
from energy_index.defs.sources.fetcher import SourceError
from energy_index.registries import RegistryError
from energy_index.settings import load_settings
from energy_index_tests.fixtures import mlenergy, mlenergy_v3
from energy_index_tests.fixtures.pipeline import (
    environment,
    failure_messages,
    instance_beside,
    query,
    run_partition,
    scalar,
    sources_environment,
)

V2_RUNS = len(mlenergy.build_runs())


def test_each_registered_release_is_a_partition_and_a_bad_row_is_named():
    assert mlenergy_release_partitions.get_partition_keys() == ["v2", "v3"]
    assert RELEASES["v3"].entry_url.endswith(f"/{RELEASES['v3'].commit}/public/data/index.json")
    assert RELEASES["v3"].sibling_url("tasks/gpqa.json").endswith("/public/data/tasks/gpqa.json")
    with pytest.raises(RegistryError) as error:
        _release({"release": "3", "published_on": "2026-02-16", "commit": "main",
                  "entry_url": "https://example.org/index.json"})
    for phrase in ("mlenergy_releases.csv", "v<number>", "40-character", "{commit}"):
        assert phrase in str(error.value)


def test_layout_is_recognised_from_the_entry_file(tmp_path):
    archive, index = tmp_path / "archive", tmp_path / "index.json"
    archive.write_bytes(mlenergy.build_archive())
    index.write_bytes(mlenergy_v3.build_files()["index.json"])
    assert detect_layout(archive, RELEASES["v2"]) == RUN_FILES
    assert detect_layout(index, RELEASES["v3"]) == TASK_CONFIGURATIONS
    (tmp_path / "other.json").write_text('{"runs": []}')
    with pytest.raises(SourceError, match="unreadable: neither a repository archive"):
        detect_layout(tmp_path / "other.json", RELEASES["v3"])


def _task_file(tmp_path, name: str, configurations: list[dict]):
    path = tmp_path / name.replace("/", "_")
    path.write_text(json.dumps({"task": name.split("/")[-1].removesuffix(".json"), "configurations": configurations}))
    return path


def test_configurations_are_read_with_their_place_and_nested_degrees_flattened(tmp_path):
    rows = mlenergy_v3.build_tasks()["gpqa"][:2]
    nested = {**{k: v for k, v in rows[1].items() if k not in ("tensor_parallel", "expert_parallel")},
              "parallelization": {"tensor_parallel": 2, "expert_parallel": 2, "notes": ""}}
    frame = configurations_frame(RELEASES["v3"], {"tasks/gpqa.json": (
        _task_file(tmp_path, "tasks/gpqa.json", [rows[0], nested]), "llm_text_generation")})
    assert frame["source_configuration"].to_list() == ["tasks/gpqa.json#0", "tasks/gpqa.json#1"]
    assert frame["tensor_parallel"].to_list() == [1, 2] and frame["expert_parallel"].to_list() == [1, 2]
    assert set(frame["benchmark_release"]) == {"v3"} and "energy_per_video_joules" in frame.columns


def test_a_field_of_two_kinds_is_named_with_its_file_and_configuration(tmp_path):
    rows = mlenergy_v3.build_tasks()["gpqa"][:3]
    rows[2] = {**rows[2], "energy_per_token_joules": "0.3 J"}
    with pytest.raises(SourceError) as error:
        configurations_frame(RELEASES["v3"], {"tasks/gpqa.json": (_task_file(tmp_path, "tasks/gpqa.json", rows),
                                                                  "llm_text_generation")})
    assert "tasks/gpqa.json#2" in str(error.value) and "'energy_per_token_joules' is str" in str(error.value)


@pytest.mark.parametrize(("body", "problem"), [
    (b"{not json", "tasks/gpqa.json: not valid JSON"),
    (b'{"task": "gpqa", "configurations": []}', "tasks/gpqa.json: no `configurations` list"),
    (b'{"task": "lm-arena-chat", "configurations": [{}]}', "holds task 'lm-arena-chat', not 'gpqa'"),
    (b'{"task": "gpqa", "configurations": [3]}', "tasks/gpqa.json#0: configuration is not an object"),
])
def test_a_malformed_task_file_is_named_with_the_problem(tmp_path, body, problem):
    (tmp_path / "gpqa.json").write_bytes(body)
    with pytest.raises(SourceError) as error:
        configurations_frame(RELEASES["v3"], {"tasks/gpqa.json": (tmp_path / "gpqa.json", "llm_text_generation")})
    assert problem in str(error.value) and "[mlenergy] v3/" in str(error.value)


def test_an_index_task_without_a_known_family_is_refused():
    with pytest.raises(SourceError, match=r"tasks \['asr'\] have no known architecture family"):
        task_files({"tasks": ["gpqa", "asr"], "architectures": {"llm": ["gpqa"], "audio": ["asr"]}}, "v9/index.json")


def test_tables_loaded_before_releases_were_partitions_are_labelled_v2():
    """A warehouse from before this change holds v2's rows without `benchmark_release`: they are
    labelled v2, so v2's next load replaces them rather than adding a second copy."""
    with duckdb.connect() as conn:
        conn.execute("create schema raw; create table raw.mlenergy_runs as select 'a' as source_path")
        _label_rows_from_before_releases(conn)
        assert conn.execute("select benchmark_release from raw.mlenergy_runs").fetchall() == [("v2",)]


@pytest.mark.parametrize(("change", "expectation"), [
    ({"tensor_parallel": 2, "data_parallel": 2}, "parallel_degrees_within_gpus"),
    ({"activated_params_billions": 99.0}, "active_params_within_total"),
    ({"p95_itl_ms": 1.0}, "itl_percentiles_ordered"),
    ({"weight_precision": "int3"}, "weight_precision"),
    ({"avg_power_watts": -5.0}, "avg_power_watts"),
    ({"energy_per_token_joules": None}, "energy_reported"),
])
def test_the_suite_refuses_each_broken_rule_naming_the_configuration(tmp_path, change, expectation):
    rows = mlenergy_v3.build_tasks()["lm-arena-chat"][:4]
    rows[3] = {**rows[3], **change}
    frame = configurations_audit_frame(configurations_frame(RELEASES["v3"], {"tasks/lm-arena-chat.json": (
        _task_file(tmp_path, "tasks/lm-arena-chat.json", rows), "llm_text_generation")}))
    outcome = validate(frame, "test_suite", "raw.mlenergy_configurations", configurations_expectations(frame.columns),
                       id_column="source_configuration")
    assert not outcome.success
    assert [f["column"] for f in outcome.failures] == [expectation]
    assert "tasks/lm-arena-chat.json#3" in outcome.describe_failures()


def test_both_releases_load_side_by_side_and_v2_is_unchanged(built_home):
    warehouse = built_home / "warehouse.duckdb"
    counts = dict(query(warehouse, "select benchmark_release, count(*) from marts.fct_workload_energy group by 1"))
    assert counts == {"v2": V2_RUNS, "v3": mlenergy_v3.configuration_count()}
    assert scalar(warehouse, "select count(*) from raw.mlenergy_configurations") == mlenergy_v3.configuration_count()
    traced = query(warehouse, """select count(*), count(distinct run_id), bool_and(source_commit = ?) ,
        bool_and(source_path like 'tasks/%.json#%') from marts.fct_workload_energy where benchmark_release = 'v3'"""
                   .replace("?", f"'{RELEASES['v3'].commit}'"))[0]
    assert traced == (mlenergy_v3.configuration_count(),) * 2 + (True, True)
    labels = dict(query(warehouse, """select benchmark_release, count(distinct energy_label) from
        marts.fct_workload_energy group by 1"""))
    assert labels == {"v2": 3, "v3": 3}, "each release's runs are cut into their own tertiles"
    v2 = query(warehouse, """select count(*), count(weight_precision), count(median_itl_s), min(num_gpus)
        from marts.fct_workload_energy where benchmark_release = 'v2'""")[0]
    assert v2 == (V2_RUNS, 0, 0, 1), "v2 states no precision or inter-token latency"
    energies = query(warehouse, """select (select sum(greatest("Energy/req (J)", "Energy/image (J)", "Energy/video (J)"))
        from raw.mlenergy_runs), sum(energy_j) from marts.fct_workload_energy where benchmark_release = 'v2'""")[0]
    assert energies[1] == pytest.approx(energies[0]), "v2's energies are its raw runs' (labels: test_pipeline)"
    classifier = query(warehouse, """select population, n_runs from ml.energy_classifier_metrics
        where feature_set is null""")
    assert {population: runs for population, runs in classifier} == {
        "all_runs": V2_RUNS, "without_mllm": V2_RUNS - sum("mllm_text_generation" in p for p in mlenergy.build_runs())}


def test_b200_pairs_ratings_labels_and_emissions_cover_v3(built_home):
    warehouse = built_home / "warehouse.duckdb"
    pairs = dict(query(warehouse, """select gpu_pair, count(distinct (task, model, config)) from
        marts.fct_gpu_comparison group by 1"""))
    both = scalar(warehouse, """select count(*) from (select task, model, config from marts.fct_workload_energy
        where benchmark_release = 'v3' group by all having count(distinct accelerator) = 2)""")
    assert pairs["H100 to B200"] == both and "A100 to H100" in pairs
    h100 = query(warehouse, """select count(*), count(c.reference_run_id) from marts.fct_workload_energy w
        left join marts.fct_gpu_comparison c on c.reference_run_id = w.run_id where w.benchmark_release = 'v3'
        and w.accelerator = 'H100'""")[0]
    assert h100 == (h100[0], h100[0]), "every H100 run, the repeated one too, has its B200 counterpart"
    measured = query(warehouse, """select count(distinct (w.model, w.task)), count(distinct (w.model, t.task))
        from marts.fct_workload_energy w left join seeds.rating_tasks t on t.benchmark_release = w.benchmark_release
            and t.benchmark_task = w.task_family || '/' || w.task
        where w.benchmark_release = 'v3'""")[0]
    assert measured[0] == measured[1], "every v3 task has its rating task"
    unrated = query(warehouse, """select distinct w.model, t.task from marts.fct_workload_energy w
        join seeds.rating_tasks t on t.benchmark_release = w.benchmark_release
            and t.benchmark_task = w.task_family || '/' || w.task
        anti join marts.fct_model_ratings r on r.model = w.model and r.task = t.task and r.phase = 'inference'
        where w.benchmark_release = 'v3'""")
    assert unrated == []
    rated = dict(query(warehouse, """select task, count(distinct model) from marts.fct_model_ratings
        where figure_source = 'measured (ML.ENERGY v3)' group by 1"""))
    assert set(rated) == {"gpqa", "lm-arena-chat", "image-chat", "text-to-image-v3", "text-to-video-v3"}
    precisions = {p for (p,) in query(warehouse, "select distinct weight_precision from marts.fct_model_ratings "
                                                 "where weight_precision is not null")}
    assert {"fp8", "mxfp4"} <= precisions
    assert (built_home / "labels" / "openai-gpt-oss-20b.svg").exists()
    assert scalar(warehouse, "select count(*) from marts.fct_workload_emissions where accelerator = 'B200'") > 0
    specs = query(warehouse, "select tdp_w, memory_gb, peak_flops from raw.accelerator_specs where gpu = 'B200'")
    assert specs == [(1000, "180", 2.25e15)], "B200's datasheet figures, beside the other accelerators'"


def test_reference_scenario_uses_the_latest_release_that_measured_it(built_home):
    reference = query(built_home / "warehouse.duckdb", """select benchmark_release, model, gpu
        from intermediate.int_energy__chat_scenarios where is_reference""")
    assert reference == [("v3", "meta-llama/Llama-3.1-70B-Instruct", "H100")]


def _broken_gpqa() -> bytes:
    """gpqa.json with a negative energy, an unknown precision and ITL percentiles out of order."""
    tasks = mlenergy_v3.build_tasks()
    rows = tasks["gpqa"]
    rows[1] = {**rows[1], "energy_per_token_joules": -0.2}
    rows[2] = {**rows[2], "weight_precision": "fp6"}
    rows[3] = {**rows[3], "p90_itl_ms": rows[3]["p99_itl_ms"] * 2}
    return mlenergy_v3.build_files(tasks)["tasks/gpqa.json"]


def test_a_bad_v3_file_fails_its_release_alone_and_keeps_the_last_good_rows(copied_home, mirror):
    """The release's partition run (the UI's "Materialize", the nightly per-release run) fetches the
    changed task file and refuses it; the warehouse keeps v3's last good rows, v2 still loads."""
    warehouse = copied_home / "warehouse.duckdb"
    kept = """select benchmark_release, count(*), sum(energy_per_token_joules) from raw.mlenergy_configurations
        group by 1 union all select 'marts', count(*), sum(energy_j) from marts.fct_workload_energy"""
    before = query(warehouse, kept)
    mirror.add(mlenergy_v3.file_path("tasks/gpqa.json"), _broken_gpqa())
    result = run_partition(copied_home, mirror.base_url, BENCHMARKS_JOB, "v3")
    assert not result.success
    message = failure_messages(result)
    for phrase in ("[mlenergy]", "ML.ENERGY v3", "energy_per_token_joules", "tasks/gpqa.json#1", "weight_precision",
                   "tasks/gpqa.json#2", "itl_percentiles_ordered", "tasks/gpqa.json#3"):
        assert phrase in message
    assert query(warehouse, kept) == before
    assert run_partition(copied_home, mirror.base_url, BENCHMARKS_JOB, "v2").success, "the other release loads"


def test_a_new_pinned_commit_reloads_that_release_alone(refreshed_home, mirror, monkeypatch):
    """A new commit in the registry: the observation finds v3 changed, and the refresh plans v3's
    partition and what reads it, nothing of v2 or of the other sources. (Planned, not run: loading
    a release and rebuilding what reads it are run by the tests above.)"""
    moved = dataclasses.replace(RELEASES["v3"], commit="1" * 40)
    for name, body in mlenergy_v3.build_files().items():
        mirror.add("/" + moved.sibling_url(name).split("://", 1)[1], body)
    monkeypatch.setitem(RELEASES, "v3", moved)
    with environment(**sources_environment(refreshed_home, mirror.base_url)):
        launcher = InProcessLauncher(build_definitions(build_resources(load_settings())), instance_beside(refreshed_home))
        assert all(launcher(job).success for job in OBSERVE_JOBS)
        plan = launcher.plan()
    assert plan.partitions == [(BENCHMARKS_JOB, "v3")]
    planned = {key.to_user_string() for key in plan.assets}
    assert {"marts/fct_workload_energy", "marts/fct_model_ratings", "publish/analytics_snapshot"} <= planned
    assert not any(key.startswith(("raw/corporate", "raw/aei", "raw/google")) for key in planned)
