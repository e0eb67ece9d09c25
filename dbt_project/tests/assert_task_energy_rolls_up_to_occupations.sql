-- Per scenario, energy summed over tasks equals energy summed over major groups + unmatched.
{# It reads several models, so dagster-dbt makes it a check of the model named here:
   the roll-up is fct_occupation_energy's to keep. #}
{{ config(meta={'dagster': {'ref': {'name': 'fct_occupation_energy'}}}) }}

with by_task as (
    select scenario_id, sum(energy_j) as energy_j from {{ ref('fct_task_energy') }} group by 1
),

by_group as (
    select scenario_id, sum(energy_j) as energy_j
    from {{ ref('fct_occupation_energy') }}
    where level in ('major_group', 'unmatched')
    group by 1
)

select by_task.scenario_id, by_task.energy_j, by_group.energy_j as rolled_up
from by_task
full outer join by_group using (scenario_id)
where abs(coalesce(by_task.energy_j, 0) - coalesce(by_group.energy_j, 0)) > 1e-6 * greatest(1, by_task.energy_j)
