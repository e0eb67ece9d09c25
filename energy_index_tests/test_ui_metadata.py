"""What an analyst sees in the Dagster UI: every asset described, grouped by domain, owned, tagged
and linked to its code; every check described; dbt tables with row counts and column schemas;
check results after the materialisation they check; charts shown inline by URL."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import dagster as dg
import pytest

from energy_index.definitions import defs
from energy_index.defs.domains import FRESH_LAYERS, OWNER
from energy_index.settings import REPO_ROOT
from energy_index_tests.fixtures.pipeline import instance_beside

DOMAIN_GROUPS = {"mlenergy", "economic_index", "corporate", "grid_carbon", "emissions", "analysis", "footprint",
                 "assumptions", "estimates", "ml", "ratings", "publish", "analyst"}
# Observations of what is upstream are not data we hold; what we load from them is checked.
UNCHECKED_LAYERS = {"upstream"}


@pytest.fixture(scope="module")
def graph():
    return defs().resolve_asset_graph()


def test_every_asset_is_grouped_by_domain_owned_tagged_and_linked_to_its_code(graph):
    for key in graph.get_all_asset_keys():
        node, name = graph.get(key), key.to_user_string()
        assert node.group_name in DOMAIN_GROUPS, f"{name} is in group {node.group_name}"
        assert list(node.owners) == [OWNER], name
        assert {"layer", "pii", "source"} <= set(node.tags) and node.tags["pii"] == "none", name
        assert node.tags["layer"] == key.path[0], name
        assert "dagster/code_references" in node.metadata or not node.is_materializable, f"{name} has no code link"
        assert "dagster_dbt/project" not in node.metadata, "the unserializable project object is not shown"


def test_every_mart_has_a_freshness_check_the_daemon_runs():
    definitions = defs()
    graph = definitions.resolve_asset_graph()
    marts = {k for k in graph.get_all_asset_keys() if k.path[0] in FRESH_LAYERS}
    checked = {key.asset_key for key in graph.asset_check_keys if key.name == "freshness_check"}
    assert len(marts) > 20 and checked == marts
    sensor = definitions.resolve_sensor_def("marts_freshness")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING


def test_dbt_models_sit_in_their_domain_groups(graph):
    group = {k.to_user_string(): graph.get(k).group_name for k in graph.get_all_asset_keys()}
    assert group["marts/fct_workload_energy"] == "mlenergy" and group["staging/stg_aei__task_mappings"] == \
        "economic_index"
    assert group["marts/fct_scenarios"] == "analysis" and group["upstream/corporate_reports"] == "corporate"
    assert group["seeds/rating_thresholds"] == "ratings"


def test_every_check_is_described_and_every_materialised_asset_checked(graph):
    undescribed = [str(k) for k in graph.asset_check_keys if not (graph.get_check_spec(k).description or "").strip()]
    assert undescribed == []
    checked = {k.asset_key for k in graph.asset_check_keys}
    unchecked = sorted(k.to_user_string() for k in graph.get_all_asset_keys()
                       if k.path[0] in ("marts", "raw") and k not in checked)
    assert unchecked == []
    spec = graph.get_check_spec(dg.AssetCheckKey(dg.AssetKey(["marts", "fct_workload_energy"]),
                                                 "not_null_fct_workload_energy_energy_j"))
    assert spec.description == "Every row of marts/fct_workload_energy has a value in energy_j."


def test_dbt_tables_report_row_counts_and_column_schemas(built_home):
    """Every dbt model and seed reports its column schema, every table and seed its row count (views
    are not counted: that would run their query); Python marts report row counts too."""
    import json

    from energy_index.defs.transform.assets import dbt_project, translator

    manifest = json.loads(dbt_project.manifest_path.read_text())
    instance = instance_beside(built_home)
    missing = []
    for node in manifest["nodes"].values():
        if node["resource_type"] not in ("model", "seed"):
            continue
        key = translator.get_asset_key(node)
        event = instance.get_latest_materialization_event(key)
        metadata = event.asset_materialization.metadata if event else {}
        expected = {"dagster/column_schema"} | ({"dagster/row_count"} if node["config"]["materialized"] != "view"
                                                else set())
        missing += [f"{key.to_user_string()}: {name}" for name in sorted(expected - set(metadata))]
    assert missing == []
    workload = instance.get_latest_materialization_event(dg.AssetKey(["marts", "fct_workload_energy"]))
    assert workload.asset_materialization.metadata["dagster/row_count"].value > 0
    scenarios = instance.get_latest_materialization_event(dg.AssetKey(["marts", "fct_scenarios"]))
    assert scenarios.asset_materialization.metadata["dagster/row_count"].value > 0


def test_check_results_come_after_the_materialisation_they_check(built_home):
    """A check result attaches to the latest materialisation when it is stored, so one emitted before
    its asset's materialisation would describe the previous run's data (or none)."""
    instance = instance_beside(built_home)
    evaluations = instance.get_event_records(dg.EventRecordsFilter(dg.DagsterEventType.ASSET_CHECK_EVALUATION),
                                             limit=5000)
    assert len(evaluations) > 100
    misplaced = []
    for record in evaluations:
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        target = evaluation.target_materialization_data
        if target is not None and target.run_id == record.event_log_entry.run_id:
            continue
        # Without a materialisation in its run: a failed blocking check (nothing was published), or
        # the status of a report partition the run did not read.
        if evaluation.passed is False or "report_status" in evaluation.metadata \
                or evaluation.asset_check_key.name == "freshness_check":  # judges the latest update, by design
            continue
        misplaced.append(str(evaluation.asset_check_key))
    assert misplaced == [], "check results attached to an earlier run's materialisation, or to none"


def test_charts_are_short_markdown_images_served_by_url(tmp_path, monkeypatch):
    from energy_index.files import file_server
    from energy_index.plots import series_plot

    monkeypatch.setenv("ENERGY_INDEX_HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "warehouse.duckdb").write_bytes(b"not for the browser")
    server = file_server("127.0.0.1", 0)
    monkeypatch.setenv("ENERGY_INDEX_FILES_URL", f"http://127.0.0.1:{server.server_address[1]}")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        chart = series_plot({"scope1": [(2022, 1.0), (2023, 2.0)]}, "a chart", "tCO2e")
        assert len(chart.value) < 1000, "short enough for the UI to render inline"
        url = chart.value.split("](", 1)[1].split(")", 1)[0]
        with urllib.request.urlopen(url) as response:
            assert response.status == 200 and response.read().startswith(b"\x89PNG")
        for outside in ("/warehouse.duckdb", "/charts/../warehouse.duckdb", "/charts/%2e%2e/warehouse.duckdb",
                        "//charts/../warehouse.duckdb", "/charts/../"):
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(f"{server_url(server)}{outside}")
            assert refused.value.code == 404, outside
    finally:
        server.shutdown()
        server.server_close()


# `make dev`'s shell starts the file server, then becomes dagster dev; here a parent that starts it
# and ends when its standard input closes.
STARTS_THE_FILE_SERVER = ("import subprocess, sys; subprocess.Popen([sys.executable, '-m', 'energy_index.cli', "
                          "'files', '--port', sys.argv[1]]); sys.stdin.read()")


def test_the_file_server_serves_the_home_and_stops_with_the_process_that_started_it(tmp_path):
    """`energy-index files` answers the UI's chart URLs from ENERGY_INDEX_HOME, and when the process
    that started it (dagster dev) ends, it ends too and frees its port."""
    (tmp_path / "charts").mkdir()
    (tmp_path / "charts" / "a.png").write_bytes(b"\x89PNG a chart")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/charts/a.png"
    parent = subprocess.Popen([sys.executable, "-c", STARTS_THE_FILE_SERVER, str(port)], stdin=subprocess.PIPE,
                              cwd=REPO_ROOT, env={**os.environ, "ENERGY_INDEX_HOME": str(tmp_path)})
    try:
        assert answered(url, within_s=120) == b"\x89PNG a chart"
    finally:
        parent.stdin.close()
        parent.wait(timeout=60)
    deadline = time.monotonic() + 30
    while answered(url, within_s=0) is not None:
        assert time.monotonic() < deadline, "the file server outlived the process that started it"
        time.sleep(0.5)


def answered(url: str, within_s: float) -> bytes | None:
    """The body at `url`, trying until `within_s` has passed; None if nothing answers (refused, or
    reset by a server shutting down as it was asked)."""
    deadline = time.monotonic() + within_s
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read()
        except OSError:  # URLError, ConnectionResetError, RemoteDisconnected
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.5)


def server_url(server) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


def test_every_report_partition_says_what_its_report_gave(built_home):
    """Every report's partition carries, on its materialisation, the status `raw.corporate_report_status`
    holds, and whether it was read (for a report not read, why), instead of a bare "Missing"."""
    from energy_index_tests.fixtures.pipeline import query

    statuses = dict(query(built_home / "warehouse.duckdb", "select report_id, status from raw.corporate_report_status"))
    assert set(statuses.values()) > {"parsed"}, "the generated sources leave some registered reports out"
    instance = instance_beside(built_home)
    shown = {}
    records = instance.fetch_materializations(dg.AssetKey(["raw", "corporate_report_metrics"]), limit=1000).records
    for record in sorted(records, key=lambda r: r.storage_id):
        materialization = record.event_log_entry.dagster_event.event_specific_data.materialization
        shown[materialization.partition] = (materialization.metadata["report_status"].value,
                                            materialization.metadata["status"].value,
                                            "reason" in materialization.metadata)
    assert shown == {report: (status, "read" if status == "parsed" else "unread", status != "parsed")
                     for report, status in statuses.items()}
