"""Running one job to its end: through the Dagster instance as `make run` does, or with swapped resources.

`InstanceLauncher` loads the code location once, in this process, and creates each run from the
location's own job snapshot, so the run carries its origin and shows on its job's page in the UI
(`make dev`), with the instance's pools and run records as any run has. It then executes the run
in this process: a refresh's runs pay neither a run worker's start nor a code location load each
(about 3 s apiece), and share one footprint tracker. The nightly schedules launch the same jobs
through the daemon's run launcher instead. `InProcessLauncher` executes the same jobs with given
Definitions, for tests that swap a resource.
"""

from __future__ import annotations

import sys
from contextlib import nullcontext

import dagster as dg
from dagster._core.definitions.selector import JobSubsetSelector
from dagster._core.events import DagsterEventType
from dagster._core.execution.api import execute_run
from dagster._core.loader import LoadingContextForTest
from dagster._core.remote_origin import InProcessCodeLocationOrigin
from dagster._core.storage.dagster_run import DagsterRunStatus
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
    PARTITION_NAME_TAG,
)
from dagster._core.types.loadable_target_origin import LoadableTargetOrigin
from dagster._core.workspace.context import WorkspaceProcessContext
from dagster._core.workspace.load_target import InProcessWorkspaceLoadTarget
from dagster._utils.hosted_user_process import recon_job_from_origin

from energy_index.defs.operations.refresh import RefreshPlan, RunOutcome, plan_refresh
from energy_index.settings import REPO_ROOT

LOCATION, MODULE = "energy_index", "energy_index.definitions"  # as workspace.yaml names them
EVENTS = {DagsterEventType.ASSET_MATERIALIZATION, DagsterEventType.ASSET_OBSERVATION, DagsterEventType.STEP_FAILURE}


def partition_tags(partition_key: str | None, partition_range: tuple[str, str] | None) -> dict[str, str]:
    """A run's tags for one partition, or for a range of partitions executed together."""
    if partition_range is not None and partition_range[0] != partition_range[1]:
        return {ASSET_PARTITION_RANGE_START_TAG: partition_range[0], ASSET_PARTITION_RANGE_END_TAG: partition_range[1]}
    key = partition_key or (partition_range[0] if partition_range else None)
    return {PARTITION_NAME_TAG: key} if key else {}


def partition_label(tags) -> str | None:
    """The partition (or 'first...last' range) a run was for, from its tags."""
    if ASSET_PARTITION_RANGE_START_TAG in tags:
        return f"{tags[ASSET_PARTITION_RANGE_START_TAG]}...{tags[ASSET_PARTITION_RANGE_END_TAG]}"
    return tags.get(PARTITION_NAME_TAG)


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
                failures.append(f"{event.step_key}: {error.message.strip()}")
            elif event_type == DagsterEventType.ASSET_OBSERVATION and \
                    event.asset_observation_data.asset_observation.data_version is None:
                continue  # not a source version: the footprint hooks' per-step energy
            else:
                label = event.asset_key.to_user_string() + (f"[{event.partition}]" if event.partition else "")
                (materialized if event_type == DagsterEventType.ASSET_MATERIALIZATION else observed).append(label)
    record = instance.get_run_record_by_id(run.run_id)
    elapsed = record.end_time - record.start_time if record and record.start_time and record.end_time else None
    return RunOutcome(job_name=run.job_name, run_id=run.run_id, success=run.status == DagsterRunStatus.SUCCESS,
                      materialized=tuple(sorted(materialized)), observed=tuple(sorted(observed)),
                      failures=tuple(failures), partition=partition_label(run.tags), elapsed_s=elapsed)


class InstanceLauncher:
    """`with InstanceLauncher(instance) as launch: launch("refresh_everything", asset_selection=[...])`.

    `watch(instance, run)`, a context manager, is entered around each run's execution (the
    console's live line); `ended(outcome)` is called as each run ends."""

    def __init__(self, instance: dg.DagsterInstance, tags: dict[str, str] | None = None,
                 watch=lambda instance, run: nullcontext(), ended=lambda outcome: None):
        self.instance, self.tags, self.watch, self.ended = instance, dict(tags or {}), watch, ended

    def __enter__(self) -> InstanceLauncher:
        origin = InProcessCodeLocationOrigin(LoadableTargetOrigin(
            executable_path=sys.executable, module_name=MODULE, working_directory=str(REPO_ROOT)),
            location_name=LOCATION)
        self._process = WorkspaceProcessContext(self.instance, InProcessWorkspaceLoadTarget(origin))
        self._process.__enter__()
        self._context = self._process.create_request_context()
        error = self._context.get_code_location_error(LOCATION)
        if error is not None:
            self._process.__exit__(None, None, None)
            raise RuntimeError(f"the code location {LOCATION} ({MODULE}) failed to load: {error.message}")
        return self

    def __exit__(self, *exc) -> None:
        self._process.__exit__(*exc)

    def plan(self, full: bool = False, rebuild: frozenset[dg.AssetKey] = frozenset()) -> RefreshPlan:
        """Plan on a fresh request context, so the observations just recorded are seen."""
        context = self._process.create_request_context()
        return plan_refresh(self.instance, context.asset_graph, context, full, rebuild)

    def __call__(self, job_name: str, asset_selection=None, partition_key: str | None = None,
                 partition_range: tuple[str, str] | None = None) -> RunOutcome:
        location = self._context.get_code_location(LOCATION)
        repository = next(iter(location.get_repositories().values()))
        remote_job = location.get_job(JobSubsetSelector(
            location_name=LOCATION, repository_name=repository.name, job_name=job_name, op_selection=None,
            asset_selection=list(asset_selection) if asset_selection is not None else None))
        plan = location.get_execution_plan(remote_job, {}, step_keys_to_execute=None, known_state=None,
                                           instance=self.instance)
        tags = {**remote_job.run_tags, **self.tags, **partition_tags(partition_key, partition_range)}
        run = self.instance.create_run(
            job_name=job_name, run_id=None, run_config={}, resolved_op_selection=remote_job.resolved_op_selection,
            step_keys_to_execute=None, op_selection=None, status=DagsterRunStatus.NOT_STARTED, root_run_id=None,
            parent_run_id=None, tags=tags, job_snapshot=remote_job.job_snapshot,
            execution_plan_snapshot=plan.execution_plan_snapshot, parent_job_snapshot=remote_job.parent_job_snapshot,
            remote_job_origin=remote_job.get_remote_origin(), job_code_origin=remote_job.get_python_origin(),
            asset_selection=frozenset(asset_selection) if asset_selection is not None else None,
            asset_check_selection=None, asset_graph=repository.asset_graph)
        with self.watch(self.instance, run):
            execute_run(recon_job_from_origin(run.job_code_origin), run, self.instance)
        outcome = run_outcome(self.instance, self.instance.get_run_by_id(run.run_id))
        self.ended(outcome)
        return outcome


class InProcessLauncher:
    """The same jobs executed in this process with the given Definitions (tests swap resources)."""

    def __init__(self, definitions: dg.Definitions, instance: dg.DagsterInstance, tags: dict[str, str] | None = None):
        self.definitions, self.instance, self.tags = definitions, instance, dict(tags or {})
        self.results: dict[str, dg.ExecuteInProcessResult] = {}

    def plan(self, full: bool = False, rebuild: frozenset[dg.AssetKey] = frozenset()) -> RefreshPlan:
        return plan_refresh(self.instance, self.definitions.resolve_asset_graph(),
                            LoadingContextForTest(self.instance), full, rebuild)

    def __call__(self, job_name: str, asset_selection=None, partition_key: str | None = None,
                 partition_range: tuple[str, str] | None = None) -> RunOutcome:
        result = self.definitions.resolve_job_def(job_name).execute_in_process(
            instance=self.instance, raise_on_error=False,
            tags={**self.tags, **partition_tags(partition_key, partition_range)},
            asset_selection=list(asset_selection) if asset_selection is not None else None)
        self.results[result.run_id] = result
        return run_outcome(self.instance, result.dagster_run)
