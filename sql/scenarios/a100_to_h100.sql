-- Scenario a100_to_h100: every run measured on the A100 is replaced by its H100 counterpart
-- (same task family, task, model and config). A run without a counterpart keeps its A100
-- energy and is counted in the note: nothing is estimated that the benchmark did not measure.
-- One row per modality and a total row (modality 'all'); energies are one unit of work per run.
-- The pairs come from marts.fct_gpu_comparison, the one place A100 and H100 runs are matched.
with a100 as (
    select run_id, modality, energy_j
    from marts.fct_workload_energy
    where gpu = 'A100-SXM4-40GB'
),

pairs as (
    select a100_run_id, h100_energy_j
    from marts.fct_gpu_comparison
),

replaced as (
    select
        a100.modality,
        a100.energy_j as baseline_energy_j,
        coalesce(pairs.h100_energy_j, a100.energy_j) as scenario_energy_j,
        pairs.a100_run_id is null as has_no_counterpart
    from a100
    left join pairs on pairs.a100_run_id = a100.run_id
),

summed as (
    select
        coalesce(modality, 'all') as modality,
        coalesce(sum(baseline_energy_j), 0) as baseline_energy_j,
        coalesce(sum(scenario_energy_j), 0) as scenario_energy_j,
        count(*) as runs_in_scope,
        count(*) filter (where has_no_counterpart) as runs_unchanged
    from replaced
    group by grouping sets ((modality), ())
)

select
    'a100_to_h100' as scenario,
    modality,
    baseline_energy_j,
    scenario_energy_j,
    runs_in_scope,
    format('{} of {} A100 runs have no H100 run of the same task, model and config and are unchanged',
        runs_unchanged, runs_in_scope) as note
from summed
