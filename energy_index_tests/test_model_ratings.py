"""Carbon-efficiency ratings on a fixture of five chat models whose grades are worked out by hand."""

from __future__ import annotations

import polars as pl
import pytest

from energy_index.assumptions import assumption
from energy_index.defs.ratings import checks
from energy_index.defs.ratings.assets import model_ratings
from energy_index.defs.ratings.grading import model_key, training_figures
from energy_index.defs.ratings.inference_rating import measured_model_tasks
from energy_index.defs.ratings.methodology import MethodologyError, available_versions, load_methodology

# per-token energies (J) that make 1,000 requests of 400 tokens a round number of Wh: 0.009 J -> 1 Wh
WH_PER_J_PER_TOKEN = 400 * 1000 / 3600
TASKS = """methodology_version,task,benchmark_release,benchmark_task,unit_of_work,units,output_tokens,latency_metric,latency_limit_s,source
{v},chat,v2,llm_text_generation/chat,"1,000 requests of 400 output tokens",1000,400,avg_tpot_s,0.1,fixture
{v},text-to-image,v2,diffusion/text-to-image,"1,000 images",1000,,batch_latency_s,10,fixture
"""
SIZES = """methodology_version,scope,size_class,min_params_billion,max_params_billion,source
{v},text,small,0,20,fixture
{v},text,large,20,,fixture
{v},image,all sizes,0,,fixture
{v},training,small,0,20,fixture
{v},training,large,20,,fixture
"""
THRESHOLDS = """methodology_version,phase,task,metric,unit,a_max,b_max,c_max,d_max,source
{v},inference,chat,co2e,g,{chat},fixture
{v},inference,chat,energy,Wh,3,6,12,24,fixture
{v},inference,text-to-image,co2e,g,1,2,3,4,fixture
{v},inference,text-to-image,energy,Wh,1,2,3,4,fixture
{v},training,training,co2e,t per B,1,2,4,8,fixture
{v},training,training,energy,MWh per B,1,2,4,8,fixture
"""


def write_methodology(directory, versions: dict[str, str]):
    """Seeds with one block per version; `versions` maps a version to its chat CO2e bounds."""
    directory.mkdir(exist_ok=True)
    for name, template in (("rating_tasks", TASKS), ("rating_size_classes", SIZES), ("rating_thresholds", THRESHOLDS)):
        header, body = template.split("\n", 1)
        rows = "".join(body.format(v=v, chat=bounds) for v, bounds in versions.items())
        (directory / f"{name}.csv").write_text(f"{header}\n{rows}")
    return directory


def chat_run(model: str, per_token_j: float, tpot_s: float, params: float = 7.0, index: int = 0) -> dict:
    return {"run_id": f"{model}/{index}", "benchmark_release": "v2", "task_family": "llm_text_generation", "task": "chat",
            "task_key": "llm_text_generation/chat", "model": model, "gpu": "H100 80GB HBM3", "config": f"c{index}",
            "params_b": params, "active_params_b": params, "batch_size": 64, "modality": "text",
            "avg_output_tokens": 400.0, "energy_per_output_token_j": per_token_j, "energy_j": per_token_j * 400,
            "avg_tpot_s": tpot_s, "median_itl_s": None, "batch_latency_s": None, "weight_precision": None}


def fleet(extra: int = 0) -> pl.DataFrame:
    """Five small chat models whose best configurations cost 2, 5, 10, 20 and 40 Wh per 1,000
    requests; m1 has three configurations within the latency objective (median 3 Wh) and a cheaper,
    too slow one that neither figure may use; m5 has none within the objective."""
    runs = [chat_run("org/m1", 0.018, 0.05), chat_run("org/m1", 0.027, 0.06, index=1),
            chat_run("org/m1", 0.036, 0.08, index=2), chat_run("org/m1", 0.009, 0.2, index=3),
            chat_run("org/m2", 0.045, 0.05), chat_run("org/m3", 0.09, 0.05), chat_run("org/m4", 0.18, 0.05),
            chat_run("org/m5", 0.36, 0.12), chat_run("org/m5", 0.72, 0.3, index=1)]
    runs += [chat_run(f"org/new{i}", 0.0045 / (i + 1), 0.05) for i in range(extra)]
    return pl.DataFrame(runs, schema_overrides={"batch_latency_s": pl.Float64, "median_itl_s": pl.Float64,
                                                "weight_precision": pl.Utf8})


FACTORS = pl.DataFrame({"factor_source": ["company", "company"], "factor_entity": ["Acme", "Acme"],
                        "factor_year": [2023, 2024], "pue": [1.5, 1.2], "pue_source": ["reported"] * 2,
                        "location_kg_per_kwh": [0.9, 0.5], "market_kg_per_kwh": [0.3, 0.1]})


@pytest.fixture
def methodology(tmp_path):
    return load_methodology(seeds_dir=write_methodology(tmp_path / "seeds", {"2026-12": "1,3,6,12"}))


def rows(ratings: pl.DataFrame, **where) -> pl.DataFrame:
    return ratings.filter(*(pl.col(k) == v for k, v in where.items())).sort("model")


def test_five_models_rated_by_hand(methodology):
    ratings = model_ratings(fleet(), FACTORS, None, methodology)
    world = rows(ratings, configuration="best_within_latency_objective", boundary="accelerator",
                 grid_entity="world average")
    assert world["energy_wh_central"].to_list() == pytest.approx([2, 5, 10, 20, 40])
    assert world["co2e_g_central"].to_list() == pytest.approx([0.96, 2.4, 4.8, 9.6, 19.2])  # x 0.48 kg/kWh
    assert world["relative_grade"].to_list() == ["A", "B", "C", "D", "E"]
    assert world["absolute_grade"].to_list() == ["A", "B", "C", "D", "E"]  # bounds 1, 3, 6, 12 g
    assert world["absolute_energy_grade"].to_list() == ["A", "B", "C", "D", "E"]  # bounds 3, 6, 12, 24 Wh
    assert world["meets_latency_objective"].to_list() == [True, True, True, True, False]
    assert world["energy_j_per_token"].to_list() == pytest.approx([0.018, 0.045, 0.09, 0.18, 0.36])
    tolerance = assumption("accelerator_energy_tolerance")
    assert world["energy_wh_low"][0] == pytest.approx(2 * (1 - tolerance))
    median = rows(ratings, model="org/m1", configuration="median_configuration", boundary="accelerator",
                  grid_entity="world average")
    assert median["energy_wh_central"][0] == pytest.approx(3)  # 0.018, 0.027, 0.036 J per token (0.009 too slow)


def test_comprehensive_boundary_adds_the_serving_stack_and_the_site_pue(methodology):
    ratings = model_ratings(fleet(), FACTORS, None, methodology)
    acme = rows(ratings, model="org/m3", configuration="best_within_latency_objective", boundary="comprehensive",
                grid_entity="Acme")
    assert acme["grid_year"].to_list() == [2024, 2024]  # the latest year only, both bases
    shares = {p: assumption(f"serving_share_{p}") for p in ("accelerator", "host", "idle")}
    central = 10 * (shares["accelerator"] + shares["host"] + shares["idle"]) / shares["accelerator"] * 1.2
    location = acme.filter(pl.col("basis") == "location").row(0, named=True)
    assert location["energy_wh_central"] == pytest.approx(central)
    assert location["co2e_g_central"] == pytest.approx(central * 0.5)
    assert location["energy_wh_low"] < location["energy_wh_central"] < location["energy_wh_high"]
    market = acme.filter(pl.col("basis") == "market").row(0, named=True)
    assert market["co2e_g_central"] == pytest.approx(central * 0.1)
    for name, (passed, detail) in [("comprehensive", checks.comprehensive_not_below_accelerator(ratings)),
                                   ("ranges", checks.ranges_contain_central(ratings)),
                                   ("monotone", checks.grades_monotone(ratings)),
                                   ("quintiles", checks.relative_grades_cover_quintiles(ratings))]:
        assert passed, (name, detail)


def test_absolute_grades_do_not_move_with_the_fleet_but_relative_ones_do(methodology):
    before = model_ratings(fleet(), FACTORS, None, methodology)
    after = model_ratings(fleet(extra=3), FACTORS, None, methodology)  # three better models arrive
    keys = ["model", "configuration", "boundary", "grid_entity", "basis"]
    joined = before.join(after, on=keys, suffix="_after", nulls_equal=True)
    assert joined.height == before.height
    assert joined["absolute_grade"].to_list() == joined["absolute_grade_after"].to_list()
    assert joined["absolute_energy_grade"].to_list() == joined["absolute_energy_grade_after"].to_list()
    assert (joined["relative_grade"] != joined["relative_grade_after"]).any()


def test_a_new_methodology_version_changes_grades_only_when_chosen(tmp_path):
    seeds = write_methodology(tmp_path / "seeds", {"2025-06": "10,20,30,40", "2026-12": "1,3,6,12"})
    assert available_versions(seeds) == ["2025-06", "2026-12"]
    newest, older = load_methodology(seeds_dir=seeds), load_methodology("2025-06", seeds_dir=seeds)
    assert newest.version == "2026-12"
    graded = {m.version: rows(model_ratings(fleet(), FACTORS, None, m), boundary="accelerator",
                              configuration="best_within_latency_objective", grid_entity="world average")
              for m in (newest, older)}
    assert graded["2025-06"]["absolute_grade"].to_list() == ["A"] * 4 + ["B"]
    assert set(graded["2025-06"]["methodology_version"]) == {"2025-06"}
    with pytest.raises(MethodologyError, match="no rows for methodology version '2024-01'"):
        load_methodology("2024-01", seeds_dir=seeds)


@pytest.mark.parametrize("versions, file, message", [
    ({"2026-12": "1,3,3,12"}, "rating_thresholds", "must be given and rise"),
    ({"2026-12": "1,x,6,12"}, "rating_thresholds", "row 2, column b_max: 'x' is not a number"),
    ({"2026-9": "1,3,6,12"}, "rating_thresholds", "methodology_version '2026-9' is not YYYY-MM"),
])
def test_bad_methodology_names_the_file_and_the_row(tmp_path, versions, file, message):
    seeds = write_methodology(tmp_path / "seeds", versions)
    with pytest.raises(MethodologyError, match=f"{file}.csv") as error:
        load_methodology(seeds_dir=seeds)
    assert message in str(error.value)


@pytest.mark.parametrize("file, edit, message", [
    ("rating_thresholds", lambda text: text + text.splitlines()[1] + "\n", "inference/chat/co2e has more than one"),
    ("rating_size_classes", lambda text: text.replace("text,large,20,", "text,large,10,"), "overlap"),
    ("rating_tasks", lambda text: text.replace("avg_tpot_s,0.1", "avg_tpot_s,0"), "latency_limit_s"),
])
def test_inconsistent_seeds_are_refused(tmp_path, file, edit, message):
    seeds = write_methodology(tmp_path / "seeds", {"2026-12": "1,3,6,12"})
    path = seeds / f"{file}.csv"
    path.write_text(edit(path.read_text()))
    with pytest.raises(MethodologyError, match=message):
        load_methodology(seeds_dir=seeds)


def test_ties_share_a_grade_and_a_model_of_unknown_size_is_not_ranked(methodology):
    extra = [chat_run("org/twin", 0.045, 0.05), {**chat_run("org/sizeless", 0.01, 0.05), "params_b": None}]
    runs = fleet().vstack(pl.DataFrame(extra, schema=fleet().schema))
    world = rows(model_ratings(runs, FACTORS, None, methodology), configuration="best_within_latency_objective",
                 boundary="accelerator", grid_entity="world average")
    grades = dict(zip(world["model"], world["relative_grade"]))
    assert grades["org/twin"] == grades["org/m2"]  # the same 5 Wh
    assert grades["org/sizeless"] is None and world.filter(pl.col("model") == "org/sizeless")["absolute_grade"][0]
    assert checks.relative_grades_cover_quintiles(model_ratings(runs, FACTORS, None, methodology))[0]


def test_training_uses_the_published_figure_unless_it_contradicts_itself(methodology):
    emissions = pl.DataFrame({
        "model": ["Pub 7B", "Flag 70B", "Est 30B", "None 1B"], "params_b": [7.0, 70.0, 30.0, 1.0],
        "accelerator": ["A100"] * 4, "year": [2023] * 4, "published_co2e_t": [14.0, 1.0, None, None],
        "published_energy_mwh": [35.0, None, None, None], "flagged": [False, True, False, False],
        "estimate_route": ["gpu_hours", "gpu_hours", "flops", None], "estimate_co2e_t_low": [12.0, 200.0, 50.0, None],
        "estimate_co2e_t": [15.0, 280.0, 60.0, None], "estimate_co2e_t_high": [18.0, 350.0, 90.0, None],
        "estimate_energy_mwh": [40.0, 700.0, 150.0, None]})
    figures = training_figures(emissions).sort("model")
    assert figures["model"].to_list() == ["Est 30B", "Flag 70B", "Pub 7B"]  # nothing to rate for None 1B
    assert figures["co2e_g_central"].to_list() == pytest.approx([60e6, 280e6, 14e6])
    assert figures["figure_source"].to_list() == ["estimated (flops route)", "estimated (gpu_hours route)",
                                                  "published"]
    assert figures["co2e_t_per_b_params"].to_list() == pytest.approx([2.0, 4.0, 2.0])
    assert figures["energy_wh_low"][0] == pytest.approx(150e6 * 50 / 60)  # the estimate's range, in proportion
    ratings = model_ratings(fleet(), FACTORS, emissions, methodology)
    trained = rows(ratings, phase="training")
    assert trained["absolute_grade"].to_list() == ["B", "C", "B"]  # 2, 4, 2 t per B against 1, 2, 4, 8
    assert trained["size_class"].to_list() == ["large", "large", "small"]


def test_model_keys_join_a_benchmark_name_to_a_training_name():
    assert model_key("meta-llama/Meta-Llama-3.1-70B-Instruct") == model_key("Llama 3.1 70B") == "llama-3.1-70b"
    assert model_key("google/gemma-2-27b-it") != model_key("google/gemma-2-9b-it")
    assert model_key("Llama 3.1 8B") != model_key("Llama 3 18B")
    assert model_key("Qwen2.5-1.5B") != model_key("Qwen2.5-15B")


def test_every_measured_model_rated_fails_when_one_is_missing(methodology, tmp_path):
    image = {**chat_run("org/painter", 0.0, 0.0), "task_family": "diffusion", "task": "text-to-image",
             "task_key": "diffusion/text-to-image", "modality": "image", "energy_j": 100.0, "batch_latency_s": 3.0}
    runs = fleet().vstack(pl.DataFrame([image], schema=fleet().schema))
    slow = runs.with_columns(pl.when(pl.col("model") == "org/m2").then(None).otherwise(pl.col("avg_tpot_s"))
                             .alias("avg_tpot_s"))
    ratings = model_ratings(slow, FACTORS, None, methodology)  # an unknown latency still gets a rating
    assert rows(ratings, model="org/m2", configuration="best_within_latency_objective")["meets_latency_objective"] \
        .to_list() == [False] * rows(ratings, model="org/m2", configuration="best_within_latency_objective").height
    assert checks.every_measured_model_rated(ratings, measured_model_tasks(slow, methodology))[0]
    seeds = write_methodology(tmp_path / "chat_only", {"2026-12": "1,3,6,12"})
    tasks = seeds / "rating_tasks.csv"
    tasks.write_text("".join(line for line in tasks.read_text().splitlines(True) if "text-to-image" not in line))
    chat_only = load_methodology(seeds_dir=seeds)  # a task the data has and the methodology does not
    passed, detail = checks.every_measured_model_rated(model_ratings(runs, FACTORS, None, chat_only),
                                                       measured_model_tasks(runs, chat_only))
    assert not passed and detail["incomplete"][0]["model"] == "org/painter"
    ratings = model_ratings(fleet(), FACTORS, None, methodology)
    broken = ratings.with_columns(pl.when(pl.col("boundary") == "comprehensive").then(0.0)
                                  .otherwise(pl.col("energy_wh_central")).alias("energy_wh_central"))
    assert not checks.comprehensive_not_below_accelerator(broken)[0]
    assert not checks.ranges_contain_central(broken)[0]
