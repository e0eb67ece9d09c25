-- Which occupations' AI use costs the most energy, under the reference scenario?
-- Energy (kWh) per conversation volume in marts.dim_assumptions (1,000,000 conversations by
-- default), reference model and GPU, with each occupation's share of conversations.
select
    title as occupation,
    code as onet_soc_code,
    scenario_id,
    round(conversation_share_pct, 3) as conversation_share_pct,
    round(energy_kwh, 3) as energy_kwh
from marts.fct_occupation_energy
where is_reference and level = 'occupation'
order by energy_kwh desc
limit 20;
