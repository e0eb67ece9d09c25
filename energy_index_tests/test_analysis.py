"""GPU comparison and what-if scenarios, checked by hand against the generated v2 benchmark archive
(the v3 fixture's rows sit beside them in every table, under their own release)."""

from __future__ import annotations

from collections import defaultdict
from statistics import median

import dagster as dg
import duckdb
import pytest

from energy_index.defs.analysis.gpu_comparison import gpu_comparison
from energy_index.defs.analysis.scenarios import ScenarioConfig, fct_scenarios
from energy_index.defs.resources import WarehouseResource
from energy_index_tests.fixtures.mlenergy import build_runs
from energy_index_tests.fixtures.pipeline import failure_messages, query

A100, H100 = "A100-SXM4-40GB", "H100 80GB HBM3"
ENERGY_FIELDS = ("Energy/req (J)", "Energy/image (J)", "Energy/video (J)")
MODALITY = {"chat": "text", "text-to-image": "image", "text-to-video": "video", "image-to-video": "video"}


def fixture_runs() -> list[dict]:
    """The generated runs as the marts see them: identity, modality, energy, TPOT, steps, batch."""
    runs = []
    for path, body in build_runs().items():
        family, task, gpu, org, name, config = path.removesuffix(".json").split("/")[1:7]
        runs.append({"family": family, "task": task, "gpu": gpu, "model": f"{org}/{name}", "config": config,
                     "modality": "multimodal_text" if family.startswith("mllm") else MODALITY[task],
                     "energy": next(body[f] for f in ENERGY_FIELDS if f in body), "tpot": body.get("Avg TPOT (s)"),
                     "steps": body.get("Denoising steps"), "batch": body.get("Batch size")})
    return runs


def counterpart(run: dict, runs: list[dict], gpu: str) -> dict | None:
    same = [r for r in runs if r["gpu"] == gpu and all(r[k] == run[k] for k in ("family", "task", "model", "config"))]
    return same[0] if same else None


def materialise(home, assets, config: ScenarioConfig | None = None, raise_on_error: bool = True):
    run_config = dg.RunConfig(ops={"marts__fct_scenarios": config}) if config else None
    return dg.materialize(assets, resources={"duckdb": WarehouseResource(database=str(home / "warehouse.duckdb"))},
                          run_config=run_config, raise_on_error=raise_on_error)


def scenario_rows(home, scenario: str, config: ScenarioConfig | None = None) -> dict[str, tuple]:
    """modality -> (baseline_energy_j, scenario_energy_j, change_pct, runs_in_scope, note) of v2."""
    materialise(home, [fct_scenarios], config)
    return {r[0]: r[1:] for r in query(home / "warehouse.duckdb", f"""
        select modality, baseline_energy_j, scenario_energy_j, change_pct, runs_in_scope, note
        from marts.fct_scenarios where scenario = '{scenario}' and benchmark_release = 'v2'""")}


def edit_runs(home, sql: str) -> None:
    """Change the scenario's input in the private warehouse copy, to reach cases the fixture lacks."""
    with duckdb.connect(str(home / "warehouse.duckdb")) as conn:
        conn.execute(sql)


def assert_rows(rows: dict[str, tuple], expected: dict[str, tuple[float, float, int]]) -> None:
    """Each modality's (baseline, scenario, runs) by hand, and the total row summing them."""
    expected = {**expected, "all": tuple(sum(v[i] for v in expected.values()) for i in range(3))}
    assert set(rows) == set(expected)
    for modality, (baseline, scenario, runs) in expected.items():
        assert rows[modality][0] == pytest.approx(baseline) and rows[modality][1] == pytest.approx(scenario)
        assert rows[modality][3] == runs
        if baseline:
            assert rows[modality][2] == pytest.approx(100 * (scenario - baseline) / baseline)


def test_gpu_comparison_pairs_runs_of_both_gpus_with_their_ratio(built_home):
    runs = fixture_runs()
    rows = query(built_home / "warehouse.duckdb", """select model, config, modality, energy_unit, reference_energy_j,
        compared_energy_j, compared_to_reference_ratio, reference_avg_tpot_s, compared_avg_tpot_s,
        reference_batch_latency_s from marts.fct_gpu_comparison where task_family = 'llm_text_generation'
        and model = 'acme/tiny-chat' and config = 'bs8+tp1+pp1' and gpu_pair = 'A100 to H100'""")
    a100 = next(r for r in runs if r["gpu"] == A100 and r["model"] == "acme/tiny-chat" and r["config"] == "bs8+tp1+pp1")
    h100 = counterpart(a100, runs, H100)
    assert rows == [("acme/tiny-chat", "bs8+tp1+pp1", "text", "J/request", pytest.approx(a100["energy"]),
                     pytest.approx(h100["energy"]), pytest.approx(h100["energy"] / a100["energy"]),
                     pytest.approx(a100["tpot"]), pytest.approx(h100["tpot"]), None)]
    # Every generated run exists on both GPUs, so every A100 run has exactly one pair.
    pairs = query(built_home / "warehouse.duckdb", "select count(*) from marts.fct_gpu_comparison "
                                                   "where benchmark_release = 'v2'")[0][0]
    assert pairs == sum(r["gpu"] == A100 for r in runs) == 39


def test_gpu_comparison_asset_reports_ratio_distribution_and_plots(copied_home, monkeypatch):
    monkeypatch.setenv("ENERGY_INDEX_HOME", str(copied_home))  # where the plots are written
    result = materialise(copied_home, [gpu_comparison])
    metadata = result.asset_materializations_for_node("ml__gpu_comparison")[0].metadata
    runs = fixture_runs()
    video = [counterpart(r, runs, H100)["energy"] / r["energy"] for r in runs
             if r["gpu"] == A100 and r["modality"] == "video"]
    ratios = {r.data["modality"]: r.data for r in metadata["ratio_by_gpu_pair_and_modality"].records
              if r.data["gpu_pair"] == "A100 to H100"}
    assert ratios["video"]["pairs"] == 4 and ratios["video"]["median_ratio"] == pytest.approx(median(video), rel=1e-3)
    for modality, pairs in {"image": 8, "multimodal_text": 3, "text": 24, "all": 39}.items():
        assert ratios[modality]["pairs"] == pairs
    for key in ("energy_histogram", f"correlation_heatmap/v2 {A100}", f"correlation_heatmap/v2 {H100}",
                "correlation_heatmap/v3 B200"):
        plot = metadata[key].value
        assert plot.startswith("![plot](") and len(plot) < 1000, "a short image by URL, shown inline"
        chart = plot.split("/charts/", 1)[1].split(")", 1)[0]
        assert (copied_home / "charts" / chart).read_bytes().startswith(b"\x89PNG")


def test_a100_to_h100_by_hand(copied_home):
    runs = fixture_runs()
    expected: dict[str, list] = defaultdict(lambda: [0.0, 0.0, 0])
    for run in (r for r in runs if r["gpu"] == A100):
        expected[run["modality"]][0] += run["energy"]
        expected[run["modality"]][1] += counterpart(run, runs, H100)["energy"]
        expected[run["modality"]][2] += 1
    rows = scenario_rows(copied_home, "a100_to_h100")
    assert_rows(rows, {k: tuple(v) for k, v in expected.items()})
    assert rows["all"][4].startswith("0 of 39 A100 runs have no H100 run")


def test_a100_run_without_h100_counterpart_is_unchanged_and_counted(copied_home):
    edit_runs(copied_home, f"""delete from marts.fct_workload_energy where gpu = '{H100}'
        and model = 'paint/fast-image' and config = 'bs1+steps25'""")
    # What rebuilding the dbt mart would do: the pair no longer exists.
    edit_runs(copied_home, """delete from marts.fct_gpu_comparison
        where model = 'paint/fast-image' and config = 'bs1+steps25'""")
    images = [r for r in fixture_runs() if r["modality"] == "image"]
    baseline = sum(r["energy"] for r in images if r["gpu"] == A100)
    scenario = sum(r["energy"] if r["model"] == "paint/fast-image" and r["config"] == "bs1+steps25"
                   else counterpart(r, images, H100)["energy"] for r in images if r["gpu"] == A100)
    rows = scenario_rows(copied_home, "a100_to_h100")
    assert rows["image"][:2] == (pytest.approx(baseline), pytest.approx(scenario))
    assert rows["image"][4].startswith("1 of 8 A100 runs") and rows["all"][4].startswith("1 of 39 A100 runs")


def lowest_energy_by_hand(limit: float) -> tuple[dict[str, tuple[float, float, int]], int]:
    """Per modality (baseline, scenario, runs): each (task, model, GPU) group's runs all take its
    lowest energy with TPOT <= limit, or stay as they are; and the number of groups that stay."""
    groups = defaultdict(list)
    for run in fixture_runs():
        if run["tpot"] is not None:
            groups[(run["modality"], run["family"], run["task"], run["model"], run["gpu"])].append(run)
    expected, unchanged = defaultdict(lambda: [0.0, 0.0, 0]), 0
    for (modality, *_), members in groups.items():
        allowed = [r["energy"] for r in members if r["tpot"] <= limit]
        unchanged += not allowed
        expected[modality][0] += sum(r["energy"] for r in members)
        expected[modality][1] += min(allowed) * len(members) if allowed else sum(r["energy"] for r in members)
        expected[modality][2] += len(members)
    return {k: tuple(v) for k, v in expected.items()}, unchanged


def test_lowest_energy_config_under_latency_limit_by_hand_and_the_limit_matters(copied_home):
    default = scenario_rows(copied_home, "lowest_energy_config_under_latency_limit")
    expected, unchanged = lowest_energy_by_hand(0.1)
    assert_rows(default, expected)
    assert unchanged == 0 and default["all"][4].startswith("0 of 10 (task, model, GPU) groups")
    # At 10 ms the 70B model's TPOT (17 ms on A100, 12 ms on H100) is over the limit on both GPUs.
    strict = scenario_rows(copied_home, "lowest_energy_config_under_latency_limit",
                           ScenarioConfig(latency_limit_s=0.01))
    expected, unchanged = lowest_energy_by_hand(0.01)
    assert_rows(strict, expected)
    assert unchanged == 2
    assert "2 of 10 (task, model, GPU) groups" in strict["all"][4] and "<= 0.01 s" in strict["all"][4]
    assert strict["text"][1] > default["text"][1], "the 70B groups no longer take their lowest-energy config"


def capped_by_hand(cap: int) -> tuple[float, float]:
    """Text-to-image (the fixture's only step counts, 25 and 50): runs above the cap take the
    run of the same model, GPU and batch at the largest step count <= cap, if there is one."""
    images = [r for r in fixture_runs() if r["modality"] == "image"]
    scenario = 0.0
    for run in images:
        below = [r for r in images if (r["model"], r["gpu"], r["batch"]) == (run["model"], run["gpu"], run["batch"])
                 and r["steps"] <= cap]
        scenario += max(below, key=lambda r: r["steps"])["energy"] if run["steps"] > cap and below else run["energy"]
    return sum(r["energy"] for r in images), scenario


@pytest.mark.parametrize("cap, above, unchanged", [(25, 8, 0), (30, 8, 0), (50, 0, 0), (10, 16, 16)])
def test_cap_denoising_steps_by_hand(copied_home, cap, above, unchanged):
    rows = scenario_rows(copied_home, "cap_denoising_steps", ScenarioConfig(max_denoising_steps=cap))
    baseline, scenario = capped_by_hand(cap)
    # Video runs are all at 25 steps, so only text-to-image is in scope.
    assert_rows(rows, {"image": (baseline, scenario, 16)})
    assert rows["image"][4].startswith(f"{above} of 16 runs are above {cap} steps")
    assert rows["image"][4].endswith(f"{unchanged} of them have none and are unchanged")
    if cap == 25:
        assert rows["image"][2] < -25, "50 steps cost about twice 25 in the fixture"


def test_cap_denoising_steps_says_so_when_no_model_has_several_step_counts(copied_home):
    edit_runs(copied_home, "delete from marts.fct_workload_energy where denoising_steps = 50")
    rows = scenario_rows(copied_home, "cap_denoising_steps")
    assert list(rows) == ["all"]
    baseline, scenario, change_pct, runs, note = rows["all"]
    assert (baseline, scenario, change_pct, runs) == (0, 0, None, 0)
    assert "no diffusion model is measured at several denoising step counts" in note and "has 25 steps" in note


def test_scenarios_reject_impossible_config_and_keep_the_last_table(copied_home):
    scenario_rows(copied_home, "a100_to_h100")
    kept = "select benchmark_release, count(*) from marts.fct_scenarios group by 1 order by 1"
    before = query(copied_home / "warehouse.duckdb", kept)
    result = materialise(copied_home, [fct_scenarios], ScenarioConfig(latency_limit_s=0), raise_on_error=False)
    assert not result.success and "latency_limit_s must be > 0" in failure_messages(result)
    assert query(copied_home / "warehouse.duckdb", kept) == before and before[0] == ("v2", 10)
