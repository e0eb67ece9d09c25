"""A refresh that redoes only what changed: observe every source, let Dagster say what is stale, run that.

1. The `OBSERVE_JOBS` record what each source holds upstream now (`upstream/*`; one job per
   partitioning, as one job's partitioned assets share one).
2. Dagster's stale-status resolver (the one behind the UI's "Unsynced") compares every
   asset's recorded code version and input data versions with today's: an asset is rebuilt
   when it was never materialised, its code changed, or its inputs did, and so is everything
   downstream of it; the rest are skipped as up to date.
3. The stale partitions run first: a batched source's (the corporate reports) together, one run
   per contiguous range of stale partitions, whose step reads them in parallel; if that run
   fails, each of its partitions runs alone, so a bad one fails alone. Other sources' (a
   release) one per run. Then one run rebuilds the stale rest.
4. Each mart the plan found up to date gets a "verified current" observation, which its
   freshness check counts (defs/domains.py): it is as new as what it reads.

A published lake whose latest snapshot lacks data files (deleted by hand, lost by a disk) gets
the publish planned too, though nothing upstream changed: it writes those tables again.
`full=True` (FULL=1 / `energy-index run --full`) rebuilds everything regardless; `rebuild={keys}`
(REBUILD=key / `energy-index run --rebuild key`) rebuilds those assets (every partition) and
everything downstream of them regardless, and the rest only if stale.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import dagster as dg
from dagster._core.definitions.data_version import CachingStaleStatusResolver, StaleStatus

from energy_index.defs.corporate.assets import UPSTREAM_KEY as REPORTS_UPSTREAM_KEY
from energy_index.defs.corporate.registry import report_partitions
from energy_index.defs.corporate.unread import last_read_failed
from energy_index.defs.economic_index.releases import release_partitions
from energy_index.defs.economic_index.source import UPSTREAM_ECONOMIC_INDEX
from energy_index.defs.mlenergy.releases import mlenergy_release_partitions
from energy_index.defs.mlenergy.source import UPSTREAM_MLENERGY
from energy_index.defs.sources.upstream import UNAVAILABLE

OBSERVE_JOB, OBSERVE_RELEASES_JOB, MAIN_JOB = "observe_sources", "observe_economic_index_releases", "refresh_everything"
OBSERVE_BENCHMARKS_JOB = "observe_mlenergy_releases"
OBSERVE_JOBS = (OBSERVE_JOB, OBSERVE_RELEASES_JOB, OBSERVE_BENCHMARKS_JOB)
REPORTS_JOB, RELEASES_JOB = "refresh_corporate_reports", "refresh_economic_index_releases"
BENCHMARKS_JOB = "refresh_mlenergy_releases"
DOWNSTREAM = "upstream "
VERIFIED = "verified_current"
PUBLISH_KEY = dg.AssetKey(["publish", "analytics_snapshot"])


@dataclass(frozen=True)
class PartitionedSource:
    """A source loaded by its own job, partition by partition.

    A partition its upstream observation finds unavailable is skipped; `tried_once_when_unavailable`
    runs it once first (the corporate reports record "unavailable" as the report's status), and a
    partition whose last materialisation records a failed read (corporate/unread.py) runs again,
    though its upstream version did not change (a download that failed, a page that was no PDF).
    `batched`: its assets take a range of partitions in one run (a single-run backfill policy), so
    its stale partitions run together; else one run per partition (the releases' files carry a data
    version per partition, which a run of several cannot give each).
    """

    job: str
    upstream: dg.AssetKey
    partitions_def: dg.PartitionsDefinition
    tried_once_when_unavailable: bool
    batched: bool


PARTITIONED_SOURCES = (PartitionedSource(REPORTS_JOB, REPORTS_UPSTREAM_KEY, report_partitions, True, True),
                       PartitionedSource(RELEASES_JOB, UPSTREAM_ECONOMIC_INDEX, release_partitions, False, False),
                       PartitionedSource(BENCHMARKS_JOB, UPSTREAM_MLENERGY, mlenergy_release_partitions, False, False))


def partition_runs(partitions: list[tuple[str, str]]) -> list[tuple[str, list[str]]]:
    """The runs that load planned (job, partition) pairs: a batched source's contiguous stale
    partitions (in its partitions' order) together, any other partition alone."""
    runs: list[tuple[str, list[str]]] = []
    for source in PARTITIONED_SOURCES:
        keys = source.partitions_def.get_partition_keys()
        stale = sorted((keys.index(p) for job, p in partitions if job == source.job))
        for index in stale:
            if source.batched and runs and runs[-1][0] == source.job and keys.index(runs[-1][1][-1]) == index - 1:
                runs[-1][1].append(keys[index])
            else:
                runs.append((source.job, [keys[index]]))
    return runs


class UnknownAssets(ValueError):
    """A refresh was asked to rebuild assets the pipeline does not build."""


@dataclass(frozen=True)
class RunOutcome:
    """What one run did, read from its events."""

    job_name: str
    run_id: str
    success: bool
    materialized: tuple[str, ...] = ()
    observed: tuple[str, ...] = ()
    failures: tuple[str, ...] = ()
    partition: str | None = None
    elapsed_s: float | None = None


@dataclass
class RefreshPlan:
    """Which assets (and partitions, as (job, partition key)) to rebuild and why; how many are up to date."""

    assets: list[dg.AssetKey] = field(default_factory=list)
    partitions: list[tuple[str, str]] = field(default_factory=list)
    reasons: dict[str, str] = field(default_factory=dict)
    up_to_date: list[str] = field(default_factory=list)
    unavailable: list[str] = field(default_factory=list)


def _reason(resolver: CachingStaleStatusResolver, key: dg.AssetKey, partition: str | None) -> str:
    if resolver.get_status(key, partition) == StaleStatus.MISSING:
        return "never materialised"
    reasons = []
    for cause in resolver.get_stale_root_causes(key, partition):
        about = "" if cause.key.asset_key == key else f"{_label(cause.key.asset_key, cause.key.partition_key)} "
        reasons.append(f"{about}{cause.reason}")
    return "; ".join(sorted(set(reasons))[:3]) or "stale"


def _source_of(asset_graph, key: dg.AssetKey) -> PartitionedSource | None:
    partitions_def = asset_graph.get(key).partitions_def
    return next((s for s in PARTITIONED_SOURCES if partitions_def == s.partitions_def), None)


def _partitions(asset_graph, key: dg.AssetKey) -> list[str | None]:
    node = asset_graph.get(key)
    return node.partitions_def.get_partition_keys() if node.is_partitioned else [None]


def _known_unavailable(instance: dg.DagsterInstance, resolver: CachingStaleStatusResolver, key: dg.AssetKey,
                       partition: str, source: PartitionedSource) -> bool:
    """The partition's source says upstream (or the mirror) lacks it, and, where its source
    records that, a run already tried it: trying again changes nothing until it appears."""
    unavailable = resolver.get_current_data_version(source.upstream, partition) == dg.DataVersion(UNAVAILABLE)
    tried = instance.get_latest_planned_materialization_info(key, partition) is not None
    return unavailable and (tried or not source.tried_once_when_unavailable)


def plan_refresh(instance: dg.DagsterInstance, asset_graph, loading_context, full: bool = False,
                 rebuild: frozenset[dg.AssetKey] = frozenset()) -> RefreshPlan:
    """Ask Dagster which materialisable assets (and report partitions) are stale or missing; plan
    those, the ones `full` or `rebuild` forces, and everything downstream of them, which reads what
    they will rewrite."""
    unknown = sorted(k.to_user_string() for k in rebuild if k not in asset_graph.materializable_asset_keys)
    if unknown:
        raise UnknownAssets(f"--rebuild names no asset the pipeline builds: {', '.join(unknown)} (asset keys look "
                            "like raw/mlenergy_runs or marts/fct_workload_energy; the UI lists them all)")
    resolver = CachingStaleStatusResolver(instance, asset_graph, loading_context)
    plan, roots = RefreshPlan(), {}
    for key in sorted(asset_graph.materializable_asset_keys, key=lambda k: k.to_user_string()):
        source, forced = _source_of(asset_graph, key), full or key in rebuild
        for partition in _partitions(asset_graph, key):
            # A forced refresh retries what a source records as unavailable, not what it cannot load at all.
            retry = forced and source is not None and source.tried_once_when_unavailable
            if source and not retry and _known_unavailable(instance, resolver, key, partition, source):
                plan.unavailable.append(_label(key, partition))
            elif forced or resolver.get_status(key, partition) in (StaleStatus.STALE, StaleStatus.MISSING):
                roots[(key, partition)] = ("forced (full refresh)" if full else "forced (--rebuild)") if forced \
                    else _reason(resolver, key, partition)
            elif source and source.tried_once_when_unavailable and last_read_failed(instance, key, partition):
                roots[(key, partition)] = "its last read failed"
    if not full and PUBLISH_KEY in asset_graph.materializable_asset_keys and (PUBLISH_KEY, None) not in roots:
        damaged = _damaged_lake_tables()
        if damaged:  # nothing stale, yet analysts' reads of these fail until they are written again
            roots[(PUBLISH_KEY, None)] = f"the published lake lacks data files of {', '.join(damaged[:3])}" + \
                (f" and {len(damaged) - 3} more tables" if len(damaged) > 3 else "")
    planned = _with_downstream(asset_graph, roots)
    for (key, partition), reason in planned.items():
        plan.reasons[_label(key, partition)] = reason
        if partition is None:
            plan.assets.append(key)
        elif (run := (_source_of(asset_graph, key).job, partition)) not in plan.partitions:
            plan.partitions.append(run)
    unavailable = set(plan.unavailable)
    plan.up_to_date = sorted(_label(key, partition) for key in asset_graph.materializable_asset_keys
                             for partition in _partitions(asset_graph, key)
                             if (key, partition) not in planned and _label(key, partition) not in unavailable)
    return plan


def _damaged_lake_tables() -> list[str]:
    """Tables of the published lake (the one the settings name) whose data files are missing."""
    from energy_index.defs.publish.snapshot import damaged_tables
    from energy_index.lake import lake_for
    from energy_index.settings import load_settings

    return damaged_tables(lake_for(load_settings()))


def _label(key: dg.AssetKey, partition: str | None) -> str:
    return key.to_user_string() + (f"[{partition}]" if partition else "")


def _with_downstream(asset_graph, roots: dict) -> dict:
    """The roots and every materialisable asset (partition) below them, each with why it runs."""
    planned, frontier = dict(roots), list(roots)
    while frontier:
        key, partition = frontier.pop(0)
        for child in sorted(asset_graph.get(key).child_keys, key=lambda k: k.to_user_string()):
            node = asset_graph.get(child)
            target = (child, partition if node.is_partitioned else None)
            if node.is_materializable and target not in planned:
                planned[target] = f"{DOWNSTREAM}{_label(key, partition)} is rebuilt"
                frontier.append(target)
    return planned


Launch = Callable[..., RunOutcome]


def refresh(launch: Launch, plan_now: Callable[[], RefreshPlan]) -> tuple[list[RunOutcome], RefreshPlan]:
    """Observe, plan, then run the stale partitions and the stale rest.

    `launch(job_name, asset_selection=None, partition_key=None, partition_range=None)` runs one job
    to its end; `plan_now()` plans from the instance as it is after the observation. A failed run of
    several partitions is followed by one run per partition, so that a bad one fails alone.
    """
    outcomes = [launch(job) for job in OBSERVE_JOBS]
    plan = plan_now()
    if all(outcome.success for outcome in outcomes):
        record_verified(launch.instance, plan)
    for job, keys in partition_runs(plan.partitions):
        outcomes.append(launch(job, partition_range=(keys[0], keys[-1])))
        if not outcomes[-1].success and len(keys) > 1:
            outcomes += [launch(job, partition_key=key) for key in keys]
    if plan.assets:
        outcomes.append(launch(MAIN_JOB, asset_selection=plan.assets))
    return outcomes, plan


def record_verified(instance: dg.DagsterInstance, plan: RefreshPlan) -> int:
    """Observe every up-to-date mart as verified current (its inputs, just observed upstream, are
    those it was built from); returns how many. Only after a successful observation: a source
    that could not be observed verifies nothing."""
    from energy_index.defs.domains import FRESH_LAYERS

    verified = [dg.AssetKey.from_user_string(label) for label in plan.up_to_date if "[" not in label]
    verified = [key for key in verified if key.path[0] in FRESH_LAYERS]
    for key in verified:
        instance.report_runless_asset_event(dg.AssetObservation(asset_key=key, metadata={
            VERIFIED: dg.MetadataValue.text("its inputs are unchanged since its last materialisation")}))
    return len(verified)


def plan_lines(plan: RefreshPlan, outcomes: list[RunOutcome]) -> list[str]:
    """`make run`'s account of what it did and why: the changes found, then what they rebuilt."""
    rebuilt = sum(len(o.materialized) for o in outcomes if o.job_name not in OBSERVE_JOBS)
    missing = sorted({label.split("[")[1].rstrip("]") for label in plan.unavailable})
    lines = [f"rebuilt {rebuilt} assets, skipped {len(plan.up_to_date)} as up to date"
             + (f"; not available upstream: {', '.join(missing)}" if missing else "")]
    changed: dict[str, list[str]] = {}
    for label, reason in plan.reasons.items():
        if not reason.startswith(DOWNSTREAM):
            changed.setdefault(reason, []).append(label)
    for reason, labels in sorted(changed.items(), key=lambda item: -len(item[1])):
        shown = ", ".join(labels[:4]) + (f" and {len(labels) - 4} more" if len(labels) > 4 else "")
        lines.append(f"  {len(labels):>3} changed ({reason}): {shown}")
    downstream = len(plan.reasons) - sum(len(labels) for labels in changed.values())
    if downstream:
        lines.append(f"  {downstream:>3} downstream of those, rebuilt because they read what changed")
    return lines
