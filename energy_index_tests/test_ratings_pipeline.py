"""Model ratings in the pipeline, as labels and on the command line, on the generated sources."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

from energy_index.settings import HOME_ENV
from energy_index_tests.fixtures.pipeline import environment, published, query, scalar


def rate(home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "energy_index.cli", "rate", *args], capture_output=True, text=True, check=False,
                          env={**os.environ, HOME_ENV: str(home)}, timeout=120)


def test_every_measured_model_is_rated_for_both_boundaries_and_configurations(built_home):
    analytics = published(built_home)
    unrated = query(analytics, """
        select distinct w.model, w.task from marts.fct_workload_energy w
        where not exists (select 1 from marts.fct_model_ratings r where r.model = w.model and r.phase = 'inference')""")
    assert unrated == []
    kinds = query(analytics, """select distinct configuration, boundary from marts.fct_model_ratings
        where phase = 'inference' order by 1, 2""")
    assert kinds == [("best_within_latency_objective", "accelerator"), ("best_within_latency_objective",
                                                                          "comprehensive"),
                     ("median_configuration", "accelerator"), ("median_configuration", "comprehensive")]
    assert scalar(analytics, "select count(*) from marts.fct_model_ratings where phase = 'training'") > 0
    assert scalar(analytics, """select count(*) from marts.fct_model_ratings
        where co2e_g_low > co2e_g_central or co2e_g_central > co2e_g_high or absolute_grade not in
        ('A', 'B', 'C', 'D', 'E') or methodology_version is null""") == 0


def test_a_label_per_rated_model_carries_its_grade(built_home):
    labels = built_home / "labels"
    model, grade = query(published(built_home), """select model, absolute_grade from marts.fct_model_ratings
        where phase = 'inference' and grid_entity = 'world average' and boundary = 'accelerator'
        and configuration = 'best_within_latency_objective' order by model limit 1""")[0]
    from energy_index.defs.ratings.labels import slug

    svg = labels / f"{slug(model)}.svg"
    texts = [node.text for node in ElementTree.parse(svg).iter() if node.tag.endswith("text") and node.text]
    assert model in texts and grade in texts
    assert (labels / f"{slug(model)}.png").read_bytes().startswith(b"\x89PNG")


def test_rate_prints_a_known_models_rating(built_home):
    model = query(published(built_home), """select model from marts.fct_model_ratings
        where phase = 'inference' and task = 'chat' order by model limit 1""")[0][0]
    done = rate(built_home, model.split("/")[-1], "--task", "chat", "--format", "json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["model"] == model and result["label"].endswith(".svg")
    assert {r["boundary"] for r in result["ratings"]} == {"accelerator", "comprehensive"}
    assert {r["grid_entity"] for r in result["ratings"]} == {"world average"}
    text = rate(built_home, model, "--task", "chat")
    assert text.returncode == 0 and "absolute grade" in text.stdout and "boundary comprehensive" in text.stdout


def test_rate_prints_a_v3_models_rating_with_its_release_gpu_and_precision(built_home):
    done = rate(built_home, "gpt-oss-20b", "--task", "gpqa", "--format", "json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["model"] == "openai/gpt-oss-20b" and result["label"].endswith(".svg")
    assert {(r["benchmark_release"], r["weight_precision"]) for r in result["ratings"]} == {("v3", "mxfp4")}
    assert {r["gpu"] for r in result["ratings"]} <= {"H100", "B200"}
    assert {r["figure_source"] for r in result["ratings"]} == {"measured (ML.ENERGY v3)"}


def test_rate_explains_a_model_task_or_grid_without_a_rating(built_home):
    unknown = rate(built_home, "no-such-model-9000B")
    assert unknown.returncode == 2 and "no rating for 'no-such-model-9000B'" in unknown.stderr
    assert "no measured runs" in unknown.stderr and unknown.stdout == ""
    model = query(published(built_home), """select model from marts.fct_model_ratings
        where phase = 'inference' and task = 'chat' order by model limit 1""")[0][0]
    wrong_task = rate(built_home, model, "--task", "text-to-video")
    assert wrong_task.returncode == 2 and "has no text-to-video rating" in wrong_task.stderr
    wrong_grid = rate(built_home, model, "--region", "mars-north1")
    assert wrong_grid.returncode == 2 and "no location-based grid named 'mars-north1'" in wrong_grid.stderr


def test_labels_are_drawn_again_only_when_what_they_show_changed(copied_home):
    """A refresh that rebuilds the labels on unchanged ratings draws none of them again; a label whose
    file went missing is drawn again, and one whose model lost its rating is removed."""
    import dagster as dg

    from energy_index.defs.ratings.assets import LABEL_INDEX, LabelStore, model_labels
    from energy_index.defs.resources import WarehouseResource
    from energy_index.files import url_for
    from energy_index.integrity import read_json

    labels = copied_home / "labels"
    before = {path: path.stat().st_mtime_ns for path in labels.glob("*.svg")}
    missing = sorted(before)[0]
    missing.unlink()
    stale = labels / "a-model-no-longer-rated.svg"
    stale.write_text("<svg/>")
    resources = {"duckdb": WarehouseResource(database=str(copied_home / "warehouse.duckdb")),
                 "label_store": LabelStore(directory=str(labels))}
    with environment(**{HOME_ENV: str(copied_home)}):
        result = dg.materialize([model_labels], resources=resources)
        assert result.success
        served = url_for(labels)
    after = {path: path.stat().st_mtime_ns for path in labels.glob("*.svg")}
    assert missing in after and not stale.exists()
    assert {p: t for p, t in after.items() if p != missing} == {p: t for p, t in before.items() if p != missing}, \
        "unchanged labels are not drawn again"
    assert len(read_json(labels / LABEL_INDEX)) == len(after)
    links = result.get_asset_materialization_events()[0].materialization.metadata["labels"].value.splitlines()
    assert len(links) == len(after) and str(labels) not in "".join(links), "links, not the server's paths"
    assert all(re.fullmatch(rf"- \[.+\]\({served}/[^/]+\.svg\) \(\[png\]\({served}/[^/]+\.png\)\)", link)
               for link in links), links[:2]
