-- How much energy does each occupation's (and SOC major group's) AI use cost, under each chat
-- serving scenario? Task energy rolled up through the equal-split allocation, for the assumed
-- conversation volume (marts.dim_assumptions).
with occupation_energy as (
    select * from {{ ref('fct_occupation_energy') }}
),

final as (
    select
        release as aei_release,
        level as occupation_level,
        code as soc_code,
        title as occupation_title,
        scenario_id,
        model,
        gpu,
        is_reference as is_reference_scenario,
        conversation_share_pct,
        {{ assumption('conversation_volume') }} as assumed_conversation_volume,
        energy_kwh as occupation_energy_kwh
    from occupation_energy
)

select * from final
