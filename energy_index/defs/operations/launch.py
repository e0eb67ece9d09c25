"""Running one job to its end, either through the Dagster instance as the schedules do, or in process.

`InstanceLauncher` loads the code location from workspace.yaml (the one `make dev` serves),
creates each run from the location's own job snapshot, so the run carries its origin and
shows on the job's page in the UI, and hands it to the instance's run launcher, which starts
a run worker; then it waits for the run to end. `InProcessLauncher` executes the same jobs in
this process with the given Definitions, for tests that swap a resource.
"""

import time
from pathlib import Path

import dagster as dg
from dagster._core.definitions.selector import JobSubsetSelector
from dagster._core.events import DagsterEventType
from dagster._core.loader import LoadingContextForTest
from dagster._core.storage.dagster_run import DagsterRunStatus
from dagster._core.storage.tags import PARTITION_NAME_TAG
from dagster._core.workspace.context import WorkspaceProcessContext
from dagster._core.workspace.load_target import WorkspaceFileTarget

from energy_index.defs.operations.refresh import RefreshPlan, RunOutcome, plan_refresh
from energy_index.settings import REPO_ROOT

LOCATION = "energy_index"
WORKSPACE_FILE = REPO_ROOT / "workspace.yaml"
POLL_S = 0.5
EVENTS = {DagsterEventType.ASSET_MATERIALIZATION, DagsterEventType.ASSET_OBSERVATION, DagsterEventType.STEP_FAILURE}


def run_outcome(instance: dg.DagsterInstance, run: dg.DagsterRun) -> RunOutcome:
    """What a finished run materialised, observed and failed at, from its events in the instance."""
    materialized, observed, failures = [], [], []
    for event_type in EVENTS:
        for record in instance.get_records_for_run(run.run_id, of_type=event_type, limit=10_000).records:
            event = record.event_log_entry.dagster_event
            if event_type == DagsterEventType.STEP_FAILURE:
                error = event.step_failure_data.error
                while error.cause is not None and error.cls_name == "DagsterExecutionStepExecutionError":
                    error = error.cause  # the step's own error, not Dagster's "Error occurred while executing op"
                failures.append(f"{event.step_key}: {error.message.strip()[:300]}")
            elif event_type == DagsterEventType.ASSET_OBSERVATION and \
                    event.asset_observation_data.asset_observation.data_version is None:
                continue  # not a source version: the footprint hooks' per-step energy
            else:
                label = event.asset_key.to_user_string() + (f"[{event.partition}]" if event.partition else "")
                (materialized if event_type == DagsterEventType.ASSET_MATERIALIZATION else observed).append(label)
    return RunOutcome(job_name=run.job_name, run_id=run.run_id, success=run.status == DagsterRunStatus.SUCCESS,
                      materialized=tuple(sorted(materialized)), observed=tuple(sorted(observed)),
                      failures=tuple(failures), partition=run.tags.get(PARTITION_NAME_TAG))


class InstanceLauncher:
    """`with InstanceLauncher(instance) as launch: launch("refresh_everything", asset_selection=[...])`."""

    def __init__(self, instance: dg.DagsterInstance, tags: dict[str, str] | None = None,
                 workspace_file: Path = WORKSPACE_FILE):
        self.instance, self.tags, self.workspace_file = instance, dict(tags or {}), workspace_file

    def __enter__(self) -> "InstanceLauncher":
        self._process = WorkspaceProcessContext(self.instance, WorkspaceFileTarget(paths=[str(self.workspace_file)]))
        self._process.__enter__()
        self._context = self._process.create_request_context()
        error = self._context.get_code_location_error(LOCATION)
        if error is not None:
            self._process.__exit__(None, None, None)
            raise RuntimeError(f"the code location {LOCATION} ({self.workspace_file}) failed to load: {error.message}")
        return self

    def __exit__(self, *exc) -> None:
        self._process.__exit__(*exc)

    def plan(self, full: bool = False) -> RefreshPlan:
        """Plan on a fresh request context, so the observations just recorded are seen."""
        context = self._process.create_request_context()
        return plan_refresh(self.instance, context.asset_graph, context, full)

    def __call__(self, job_name: str, asset_selection=None, partition_key: str | None = None) -> RunOutcome:
        location = self._context.get_code_location(LOCATION)
        repository = next(iter(location.get_repositories().values()))
        remote_job = location.get_job(JobSubsetSelector(
            location_name=LOCATION, repository_name=repository.name, job_name=job_name, op_selection=None,
            asset_selection=list(asset_selection) if asset_selection is not None else None))
        plan = location.get_execution_plan(remote_job, {}, step_keys_to_execute=None, known_state=None,
                                           instance=self.instance)
        tags = {**remote_job.run_tags, **self.tags, **({PARTITION_NAME_TAG: partition_key} if partition_key else {})}
        run = self.instance.create_run(
            job_name=job_name, run_id=None, run_config={}, resolved_op_selection=remote_job.resolved_op_selection,
            step_keys_to_execute=None, op_selection=None, status=DagsterRunStatus.NOT_STARTED, root_run_id=None,
            parent_run_id=None, tags=tags, job_snapshot=remote_job.job_snapshot,
            execution_plan_snapshot=plan.execution_plan_snapshot, parent_job_snapshot=remote_job.parent_job_snapshot,
            remote_job_origin=remote_job.get_remote_origin(), job_code_origin=remote_job.get_python_origin(),
            asset_selection=frozenset(asset_selection) if asset_selection is not None else None,
            asset_check_selection=None, asset_graph=repository.asset_graph)
        self.instance.launch_run(run.run_id, self._context)
        while not (run := self.instance.get_run_by_id(run.run_id)).is_finished:
            time.sleep(POLL_S)
        return run_outcome(self.instance, run)


class InProcessLauncher:
    """The same jobs executed in this process with the given Definitions (tests swap resources)."""

    def __init__(self, definitions: dg.Definitions, instance: dg.DagsterInstance, tags: dict[str, str] | None = None):
        self.definitions, self.instance, self.tags = definitions, instance, dict(tags or {})
        self.results: dict[str, dg.ExecuteInProcessResult] = {}

    def plan(self, full: bool = False) -> RefreshPlan:
        return plan_refresh(self.instance, self.definitions.resolve_asset_graph(),
                            LoadingContextForTest(self.instance), full)

    def __call__(self, job_name: str, asset_selection=None, partition_key: str | None = None) -> RunOutcome:
        result = self.definitions.resolve_job_def(job_name).execute_in_process(
            instance=self.instance, partition_key=partition_key, raise_on_error=False, tags=self.tags,
            asset_selection=list(asset_selection) if asset_selection is not None else None)
        self.results[result.run_id] = result
        return run_outcome(self.instance, result.dagster_run)
