"""A refresh redoes only what changed: asserted on the runs' events, never on timing.

Each test starts from a copy of the fixture warehouse together with the Dagster instance that
built it, and runs `make run`'s refresh (observe, plan, run what is stale) in process.
"""

import os
import pty
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.storage.dagster_run import DagsterRunStatus, RunsFilter
from dagster._core.storage.tags import REPOSITORY_LABEL_TAG

from energy_index.cli import LAUNCHED_BY_TAG
from energy_index.definitions import build_definitions
from energy_index.defs.economic_index.releases import RELEASES
from energy_index.defs.operations.launch import InProcessLauncher
from energy_index.defs.operations.refresh import (
    MAIN_JOB,
    OBSERVE_JOBS,
    VERIFIED,
    UnknownAssets,
    refresh,
)
from energy_index.defs.resources import build_resources
from energy_index.defs.sources.fetcher import SourceFetcher
from energy_index.defs.transform.assets import KEPT_INVOCATIONS, PARSE_STATE, keep_partial_parse
from energy_index.settings import REPO_ROOT, load_settings
from energy_index_bench.incremental import downstream_of
from energy_index_tests.fixtures import economic_index, grid_carbon
from energy_index_tests.fixtures.pipeline import (
    environment,
    instance_beside,
    published,
    refresh_in_process,
    scalar,
    sources_environment,
)

GRID_FILES = dg.AssetKey(["sources", "google_region_carbon_files"])
ECONOMIC_INDEX_FILES = dg.AssetKey(["sources", "economic_index_files"])
CLASSIFIER = "ml/energy_classifier_baseline"


def materialized(outcomes) -> set[str]:
    return {label for outcome in outcomes for label in outcome.materialized}


def test_a_second_refresh_materialises_nothing(refreshed_home, mirror):
    _, outcomes, plan = refresh_in_process(refreshed_home, mirror.base_url, instance_beside(refreshed_home))
    assert [o.job_name for o in outcomes] == list(OBSERVE_JOBS), f"nothing stale, only observations: {plan.reasons}"
    assert all(o.success for o in outcomes) and len(outcomes[0].observed) >= 6, "every source was observed"
    assert len(outcomes[1].observed) == len(RELEASES), "each release was observed"
    assert materialized(outcomes) == set(), "no download, no dbt model, no fit, no publish"
    assert plan.assets == [] and plan.partitions == [] and plan.reasons == {}
    assert all(not r.get("method") == "GET" for route in mirror.routes.values() for r in route.requests), \
        "a no-op refresh downloads nothing: HEAD requests only"
    assert all(r.get("method") == "HEAD" for route in mirror.routes.values() for r in route.requests)
    assert_marts_verified_current(instance_beside(refreshed_home))


def assert_marts_verified_current(instance: dg.DagsterInstance) -> None:
    """Every mart the refresh skipped got a "verified current" observation newer than its last
    materialisation, so its freshness check passes though nothing was rebuilt."""
    definitions = build_definitions({})
    freshness = [key for check in definitions.asset_checks for key in check.check_keys
                 if key.name == "freshness_check"]
    assert len(freshness) > 20
    for key in (check_key.asset_key for check_key in freshness):
        observed = instance.fetch_observations(key, limit=50).records
        verified = [r for r in observed if VERIFIED in r.event_log_entry.asset_observation.metadata]
        built = instance.get_latest_materialization_event(key)
        assert verified and verified[0].timestamp > built.timestamp, key.to_user_string()


def test_one_changed_source_rebuilds_exactly_its_downstream(refreshed_home, mirror):
    year = max(grid_carbon.ROWS)
    rows = [(region, place, cfe, intensity * 1.1) for region, place, cfe, intensity in grid_carbon.ROWS[year]]
    mirror.add(grid_carbon.file_path(year), grid_carbon.csv_bytes(year, rows))
    _, outcomes, plan = refresh_in_process(refreshed_home, mirror.base_url, instance_beside(refreshed_home))
    assert all(o.success for o in outcomes)
    expected = downstream_of(GRID_FILES)
    assert materialized(outcomes) == expected, "exactly the grid file's downstream assets, nothing else"
    assert {"staging/stg_grid__region_carbon", "marts/fct_model_ratings", "publish/analytics_snapshot"} <= expected
    assert CLASSIFIER not in expected and "marts/fct_task_energy" not in expected
    assert plan.reasons["sources/google_region_carbon_files"] == "upstream/google_region_carbon has a new data version"
    assert plan.reasons["raw/google_region_carbon"] == "upstream sources/google_region_carbon_files is rebuilt"
    assert scalar(published(refreshed_home), f"""select max("Grid carbon intensity (gCO2eq / kWh)")
        from raw.google_region_carbon where year = {year}""") == max(r[3] for r in rows)


def test_a_new_economic_index_file_does_not_retrain_the_classifier(refreshed_home, mirror):
    (first, a), (second, b), *rest = economic_index.MAPPINGS.items()
    files = economic_index.build_files(mappings=dict([(first, b), (second, a), *rest]))  # two tasks' shares swap
    for filename, body in files.items():
        mirror.add(economic_index.file_path(filename), body)
    _, outcomes, _ = refresh_in_process(refreshed_home, mirror.base_url, instance_beside(refreshed_home))
    rebuilt = materialized(outcomes)
    changed = f"raw/aei_onet_task_mappings[{economic_index.RELEASE}]"
    assert changed in rebuilt and "marts/fct_task_usage" in rebuilt
    assert {label for label in rebuilt if "[release_" in label and economic_index.RELEASE not in label} == set(), \
        "only the changed release is loaded again"
    assert {label.split("[")[0] for label in rebuilt} <= downstream_of(ECONOMIC_INDEX_FILES)
    assert CLASSIFIER not in rebuilt and "ml/energy_model_evaluation" not in rebuilt


def test_a_code_version_bump_rebuilds_its_asset_and_what_reads_it(refreshed_home, mirror):
    bumped = dg.AssetKey(["marts", "fct_scenarios"])
    with environment(**sources_environment(refreshed_home, mirror.base_url)):
        definitions = build_definitions(build_resources(load_settings()))
    assets = [a.map_asset_specs(lambda spec: spec.replace_attributes(code_version="bumped"))
              if bumped in a.keys else a for a in definitions.assets]
    definitions = dg.Definitions(assets=assets, asset_checks=definitions.asset_checks, jobs=definitions.jobs,
                                 resources=definitions.resources)
    launcher = InProcessLauncher(definitions, instance_beside(refreshed_home))
    with environment(**sources_environment(refreshed_home, mirror.base_url)):
        outcomes, plan = refresh(launcher, launcher.plan)
    assert materialized(outcomes) == downstream_of(bumped) == {"marts/fct_scenarios", "publish/analytics_snapshot"}
    assert plan.reasons["marts/fct_scenarios"] == "has a new code version"


def test_a_failed_source_keeps_the_last_good_data_and_its_downstream_does_not_run(refreshed_home, mirror):
    year = max(grid_carbon.ROWS)
    before = scalar(published(refreshed_home), "select count(*) from raw.google_region_carbon")
    mirror.add(grid_carbon.file_path(year), b"region,changed\n", fail_first=100)
    broken = SourceFetcher(cache_dir=str(refreshed_home / "cache"), mirror=mirror.base_url, retries=0)
    _, outcomes, _ = refresh_in_process(refreshed_home, mirror.base_url, instance_beside(refreshed_home),
                                        fetcher=broken)
    main = next(o for o in outcomes if o.job_name == MAIN_JOB)
    assert not main.success and any("sources__google_region_carbon_files" in f for f in main.failures)
    assert materialized(outcomes) == set(), "nothing downstream of the failed source ran"
    assert scalar(published(refreshed_home), "select count(*) from raw.google_region_carbon") == before
    _, _, plan = refresh_in_process(refreshed_home, mirror.base_url, instance_beside(refreshed_home),
                                    fetcher=broken)
    assert "sources/google_region_carbon_files" in plan.reasons, "the next refresh tries the source again"


def test_rebuild_forces_an_asset_and_what_reads_it(refreshed_home, mirror):
    """`--rebuild ml/energy_model_evaluation`: nothing changed upstream, yet that asset and exactly its
    downstream run (the evaluation keeps its fit: same runs, settings and code)."""
    evaluation = dg.AssetKey(["ml", "energy_model_evaluation"])
    instance = instance_beside(refreshed_home)
    _, outcomes, plan = refresh_in_process(refreshed_home, mirror.base_url, instance, rebuild=frozenset({evaluation}))
    assert materialized(outcomes) == downstream_of(evaluation)
    assert plan.reasons["ml/energy_model_evaluation"] == "forced (--rebuild)"
    with pytest.raises(UnknownAssets, match="ml/no_such_model"):
        refresh_in_process(refreshed_home, mirror.base_url, instance,
                           rebuild=frozenset({dg.AssetKey(["ml", "no_such_model"])}))


def test_dbts_parse_state_is_kept_for_the_next_invocation_and_old_invocations_pruned(tmp_path, monkeypatch):
    """dagster-dbt seeds each invocation's own target directory with the home's parse state but never
    copies the new one back; keep_partial_parse does, so the next `dbt build` parses only what
    changed. Old invocations' directories go, the latest and any recent one (maybe in use) stay."""
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path))
    hours_ago = time.time() - 2 * 3600
    invocations = [tmp_path / f"invocation-{i:02d}" for i in range(KEPT_INVOCATIONS + 5)]
    for age, directory in enumerate(invocations):  # invocation-00 the newest
        directory.mkdir()
        os.utime(directory, (hours_ago - age, hours_ago - age))
    recent = tmp_path / "invocation-recent"
    recent.mkdir()
    (recent / PARSE_STATE).write_bytes(b"the parse state after a model changed")
    keep_partial_parse(recent)
    assert (tmp_path / PARSE_STATE).read_bytes() == b"the parse state after a model changed"
    kept = sorted(d.name for d in tmp_path.iterdir() if d.is_dir())
    assert kept == sorted(["invocation-recent", *(d.name for d in invocations[:KEPT_INVOCATIONS - 1])])


ANSI_CONTROL = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def run_on_a_terminal(args: list[str], env: dict) -> tuple[int, list[str], str, str]:
    """`args` with its output on a pseudo-terminal, as a person runs it, and its errors on a pipe:
    (exit code, the lines the terminal keeps, everything drawn on it as text, standard error). A
    live line is redrawn in place (carriage returns, erase codes), so it leaves no line of its own."""
    terminal, child_end = pty.openpty()
    proc = subprocess.Popen(args, cwd=REPO_ROOT, env={**env, "TERM": "xterm-256color"}, stdout=child_end,
                            stderr=subprocess.PIPE)
    os.close(child_end)
    drawn: list[bytes] = []

    def drain() -> None:  # a terminal's buffer is small: read while the command writes
        while True:
            try:
                chunk = os.read(terminal, 65536)
            except OSError:  # EIO once every writer has closed its end
                return
            if not chunk:
                return
            drawn.append(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    stderr = proc.communicate(timeout=1200)[1].decode()
    reader.join(timeout=60)
    os.close(terminal)
    text = ANSI_CONTROL.sub("", b"".join(drawn).decode(errors="replace")).replace("\r\n", "\n")
    kept = [line.rsplit("\r", 1)[-1] for line in text.split("\n")]
    return proc.returncode, [line for line in kept if line.strip()], text, stderr


def test_energy_index_run_launches_its_runs_through_the_instance(refreshed_home, mirror):
    """`make run`'s command, in its own process, on a terminal: the runs it launches carry the code
    location's origin (so the UI lists them on their job's page); it prints a line per run and what
    it rebuilt and skipped, concisely, with a live line while a run executes; the full Dagster log
    goes to the file it names."""
    year = max(grid_carbon.ROWS)
    rows = [(region, place, cfe, intensity * 1.2) for region, place, cfe, intensity in grid_carbon.ROWS[year]]
    mirror.add(grid_carbon.file_path(year), grid_carbon.csv_bytes(year, rows))
    dagster_home = refreshed_home.parent / "dagster"
    settings = {k: v for k, v in sources_environment(refreshed_home, mirror.base_url).items() if v is not None}
    code, lines, drawn, stderr = run_on_a_terminal([sys.executable, "-m", "energy_index.cli", "run"],
                                                   {**os.environ, **settings, "DAGSTER_HOME": str(dagster_home)})
    assert code == 0, "\n".join(lines[-40:]) + stderr[-3000:]
    assert len(lines) <= 60 and stderr == "", "\n".join(lines) + stderr
    assert re.search(rf"{MAIN_JOB} \(\d+ s\): \d+/\d+ steps, running \S+", drawn), \
        "a live line names the run, its time, its steps done and the step running"
    log = Path(re.match(r"energy-index run: the full log is (\S+)$", lines[0])[1])
    assert log.parent == refreshed_home / "logs" and "STEP_SUCCESS" in log.read_text(), "the Dagster stream is in the log"
    assert [line.split(" (run ")[0].strip() for line in lines if " (run " in line] == [*OBSERVE_JOBS, MAIN_JOB]
    counts = re.search(r"rebuilt (\d+) assets, skipped (\d+) as up to date", "\n".join(lines))
    assert counts and int(counts[1]) == len(downstream_of(GRID_FILES)) and int(counts[2]) > 0
    instance = dg.DagsterInstance.from_config(str(dagster_home))
    runs = instance.get_runs(filters=RunsFilter(tags={LAUNCHED_BY_TAG: "energy-index run"}))
    assert sorted(run.job_name for run in runs) == sorted([*OBSERVE_JOBS, MAIN_JOB])
    for run in runs:
        assert run.remote_job_origin.location_name == "energy_index", "launched from the code location"
        assert run.status == DagsterRunStatus.SUCCESS
        on_job_page = RunsFilter(job_name=run.job_name, tags={REPOSITORY_LABEL_TAG: "__repository__@energy_index"})
        assert run.run_id in {r.run_id for r in instance.get_runs(filters=on_job_page)}, "as the UI's job page asks"
    quiet_logs = set((refreshed_home / "logs").iterdir())
    verbose = subprocess.run([sys.executable, "-m", "energy_index.cli", "run", "-v"], cwd=REPO_ROOT,
                             capture_output=True, text=True, timeout=1200,
                             env={**os.environ, **settings, "DAGSTER_HOME": str(dagster_home)})
    assert verbose.returncode == 0, verbose.stdout[-3000:] + verbose.stderr[-3000:]
    assert "STEP_SUCCESS" in verbose.stdout + verbose.stderr, "-v streams Dagster's log here"
    assert "rebuilt 0 assets" in verbose.stdout
    assert set((refreshed_home / "logs").iterdir()) == quiet_logs, "-v writes no log file"
