-- Energy and CO2e of each task, occupation and SOC major group in every release, for the
-- assumed conversation volume under the reference serving scenario, and the change from the
-- release before (by publication date). An item absent from a release counts as a 0% share
-- there, so a task that appears or disappears shows its whole change.
--   energy_kwh = share_pct / 100 x conversation_volume x requests_per_conversation
--                x energy_per_request_j (reference scenario) / 3.6e6
--   kgco2e     = energy_kwh x default_pue x world_average_grid_kg_per_kwh (location-based)
with allocation as (
    select * from {{ ref('int_aei__task_allocation_by_release') }}
),

occupations as (
    select * from {{ ref('int_aei__occupations') }}
),

releases as (
    select release, published_on from {{ ref('economic_index_releases') }}
    where release in (select release from allocation)
),

reference as (
    select scenario_id, energy_per_request_j
    from {{ ref('int_energy__chat_scenarios') }}
    where is_reference
),

parameters as (
    select
        {{ assumption('conversation_volume') }} * {{ assumption('requests_per_conversation') }}
            as requests_per_volume,
        {{ assumption('default_pue') }} as pue,
        {{ assumption('world_average_grid_kg_per_kwh') }} as kg_per_kwh,
        {{ assumption('trend_top_movers', 'integer') }} as top_movers
),

shares as (
    select release, 'task' as level, task_name as item, task_name as title, any_value(share_pct) as share_pct
    from allocation group by all
    union all
    select allocation.release, 'occupation', allocation.onet_soc_code, any_value(occupations.occupation_title),
        sum(allocation.allocated_share_pct)
    from allocation
    inner join occupations using (onet_soc_code)
    group by all
    union all
    select allocation.release, 'major_group', occupations.soc_major_code, any_value(occupations.soc_major_title),
        sum(allocation.allocated_share_pct)
    from allocation
    inner join occupations using (onet_soc_code)
    group by all
),

grid as (
    select releases.release, releases.published_on, items.level, items.item, items.title
    from releases
    cross join (select level, item, any_value(title) as title from shares group by all) as items
),

energy as (
    select
        grid.*,
        shares.share_pct is not null as is_in_release,
        coalesce(shares.share_pct, 0) as share_pct,
        reference.scenario_id,
        coalesce(shares.share_pct, 0) / 100 * parameters.requests_per_volume * reference.energy_per_request_j
            / 3600000 as energy_kwh,
        parameters.pue,
        parameters.kg_per_kwh,
        parameters.top_movers
    from grid
    left join shares using (release, level, item)
    cross join reference
    cross join parameters
),

with_shares as (
    select
        *,
        energy_kwh * pue * kg_per_kwh as kgco2e,
        energy_kwh * 100 / nullif(sum(energy_kwh) over (partition by release, level), 0) as energy_share_pct
    from energy
),

-- Changes rounded to 1e-9: a parallel sum's last bits vary between runs, and a difference of
-- two equal shares would otherwise be 0 one run and 4e-16 the next (and equal moves would rank
-- in a different order each time; ties go by item).
changes as (
    select
        *,
        lag(release) over by_item as previous_release,
        round(share_pct - lag(share_pct) over by_item, 9) as share_pct_change,
        round(energy_kwh - lag(energy_kwh) over by_item, 9) as energy_kwh_change,
        round(kgco2e - lag(kgco2e) over by_item, 9) as kgco2e_change,
        round(energy_share_pct - lag(energy_share_pct) over by_item, 9) as energy_share_pct_change
    from with_shares
    window by_item as (partition by level, item order by published_on)
),

ranked as (
    select
        * exclude (top_movers),
        case when previous_release is not null then row_number() over (
            partition by release, level order by abs(energy_share_pct_change) desc nulls last, item
        ) end as mover_rank,
        top_movers
    from changes
)

select
    * exclude (top_movers),
    level = 'task' and mover_rank <= top_movers as is_top_mover
from ranked
