-- Scenario newer_gpu, one per release and GPU pair (`a100_to_h100` in v2, `h100_to_b200` in v3):
-- every run measured on the older GPU of a pair is replaced by its counterpart on the newer one
-- (same task family, task, model, config and GPU count). A run without a counterpart keeps its
-- energy and is counted in the note: nothing is estimated that the benchmark did not measure.
-- One row per modality and a total row (modality 'all'); energies are one unit of work per run.
-- The pairs come from marts.fct_gpu_comparison, the one place runs on two GPUs are matched.
with pairs as (
    select benchmark_release, gpu_pair, reference_gpu, reference_run_id, compared_energy_j
    from marts.fct_gpu_comparison
),

gpu_pairs as (
    select distinct benchmark_release, gpu_pair, reference_gpu
    from pairs
),

older as (
    select gpu_pairs.benchmark_release, gpu_pairs.gpu_pair, runs.run_id, runs.modality, runs.energy_j
    from marts.fct_workload_energy as runs
    inner join gpu_pairs
        on runs.benchmark_release = gpu_pairs.benchmark_release
        and runs.gpu = gpu_pairs.reference_gpu
),

replaced as (
    select
        older.benchmark_release,
        older.gpu_pair,
        older.modality,
        older.energy_j as baseline_energy_j,
        coalesce(pairs.compared_energy_j, older.energy_j) as scenario_energy_j,
        pairs.reference_run_id is null as has_no_counterpart
    from older
    left join pairs
        on pairs.reference_run_id = older.run_id
        and pairs.gpu_pair = older.gpu_pair
),

summed as (
    select
        benchmark_release,
        gpu_pair,
        coalesce(modality, 'all') as modality,
        coalesce(sum(baseline_energy_j), 0) as baseline_energy_j,
        coalesce(sum(scenario_energy_j), 0) as scenario_energy_j,
        count(*) as runs_in_scope,
        count(*) filter (where has_no_counterpart) as runs_unchanged
    from replaced
    group by grouping sets ((benchmark_release, gpu_pair, modality), (benchmark_release, gpu_pair))
)

select
    lower(replace(gpu_pair, ' ', '_')) as scenario,
    benchmark_release,
    modality,
    baseline_energy_j,
    scenario_energy_j,
    runs_in_scope,
    format('{} of {} {} runs have no {} run of the same task, model and config and are unchanged',
        runs_unchanged, runs_in_scope, split_part(gpu_pair, ' to ', 1), split_part(gpu_pair, ' to ', 2)) as note
from summed
