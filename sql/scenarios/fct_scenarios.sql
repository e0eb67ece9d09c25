-- marts.fct_scenarios: the rows every scenario file produced (collected in the temporary
-- table scenario_rows), with the change each scenario makes against its measured baseline.
select
    scenario,
    benchmark_release,
    modality,
    baseline_energy_j,
    scenario_energy_j,
    scenario_energy_j - baseline_energy_j as change_j,
    100 * (scenario_energy_j - baseline_energy_j) / nullif(baseline_energy_j, 0) as change_pct,
    runs_in_scope,
    note
from scenario_rows
order by scenario, benchmark_release, modality = 'all', modality
