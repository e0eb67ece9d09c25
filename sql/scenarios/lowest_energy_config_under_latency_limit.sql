-- Scenario lowest_energy_config_under_latency_limit: within each (release, task, model, GPU) of the
-- text generation families, every configuration is replaced by the lowest-energy configuration
-- whose time per output token is at most $latency_limit_s seconds (v2: average TPOT; v3: median
-- inter-token latency, the figure it publishes). Per group the baseline is
-- therefore n x the mean energy per request over its configurations, the scenario n x the best.
-- A group with no configuration under the limit is unchanged and counted in the note.
with runs as (
    select *, coalesce(avg_tpot_s, median_itl_s) as time_per_token_s
    from marts.fct_workload_energy
    where task_family in ('llm_text_generation', 'mllm_text_generation')
),

best_under_limit as (
    select
        benchmark_release,
        task_family,
        task,
        model,
        gpu,
        min(energy_j) as best_energy_j
    from runs
    where time_per_token_s <= $latency_limit_s
    group by benchmark_release, task_family, task, model, gpu
),

groups as (
    select
        runs.benchmark_release,
        runs.modality,
        runs.task_family,
        runs.task,
        runs.model,
        runs.gpu,
        count(*) as runs,
        sum(runs.energy_j) as baseline_energy_j,
        -- best_energy_j is one value per group; a group without one keeps its own runs
        sum(coalesce(best.best_energy_j, runs.energy_j)) as scenario_energy_j,
        bool_and(best.best_energy_j is null) as has_none_under_limit
    from runs
    left join best_under_limit as best
        on runs.benchmark_release = best.benchmark_release
        and runs.task_family = best.task_family
        and runs.task = best.task
        and runs.model = best.model
        and runs.gpu = best.gpu
    group by runs.benchmark_release, runs.modality, runs.task_family, runs.task, runs.model, runs.gpu
),

summed as (
    select
        benchmark_release,
        coalesce(modality, 'all') as modality,
        coalesce(sum(baseline_energy_j), 0) as baseline_energy_j,
        coalesce(sum(scenario_energy_j), 0) as scenario_energy_j,
        coalesce(sum(runs), 0) as runs_in_scope,
        count(*) as groups,
        count(*) filter (where has_none_under_limit) as groups_unchanged
    from groups
    group by grouping sets ((benchmark_release, modality), (benchmark_release))
)

select
    'lowest_energy_config_under_latency_limit' as scenario,
    benchmark_release,
    modality,
    baseline_energy_j,
    scenario_energy_j,
    runs_in_scope,
    format('{} of {} (task, model, GPU) groups have no configuration with a time per output token <= {} s and are unchanged',
        groups_unchanged, groups, $latency_limit_s) as note
from summed
