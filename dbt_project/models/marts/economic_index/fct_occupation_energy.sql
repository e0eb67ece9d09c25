-- Task energy rolled up to occupations and SOC major groups, per chat serving scenario,
-- through the same share allocation as fct_occupation_usage (level: major_group, occupation,
-- unmatched). Energy is for the assumed conversation volume (see dim_assumptions).
with allocation as (
    select * from {{ ref('int_aei__task_allocation') }}
),

occupations as (
    select * from {{ ref('int_aei__occupations') }}
),

scenarios as (
    select * from {{ ref('int_energy__chat_scenarios') }}
),

parameters as (
    select
        {{ assumption('conversation_volume') }} * {{ assumption('requests_per_conversation') }}
            as requests_per_volume
),

allocated_energy as (
    select
        allocation.release,
        allocation.is_matched,
        allocation.onet_soc_code,
        occupations.occupation_title,
        occupations.soc_major_code,
        occupations.soc_major_title,
        scenarios.scenario_id,
        scenarios.model,
        scenarios.gpu,
        scenarios.is_reference,
        allocation.allocated_share_pct,
        allocation.allocated_share_pct / 100 * parameters.requests_per_volume * scenarios.energy_per_request_j
            as energy_j
    from allocation
    left join occupations using (onet_soc_code)
    cross join scenarios
    cross join parameters
),

rolled_up as (
    select release, 'major_group' as level, soc_major_code as code, soc_major_title as title,
        scenario_id, model, gpu, is_reference, sum(allocated_share_pct) as conversation_share_pct,
        sum(energy_j) as energy_j
    from allocated_energy where is_matched group by all
    union all
    select release, 'occupation', onet_soc_code, occupation_title,
        scenario_id, model, gpu, is_reference, sum(allocated_share_pct), sum(energy_j)
    from allocated_energy where is_matched group by all
    union all
    select release, 'unmatched', null, 'Tasks with no matching O*NET statement',
        scenario_id, model, gpu, is_reference, sum(allocated_share_pct), sum(energy_j)
    from allocated_energy where not is_matched group by all
)

select *, energy_j / 3600000 as energy_kwh from rolled_up
