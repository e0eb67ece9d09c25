-- Which SOC major groups' AI use costs the most energy under the reference serving scenario, and
-- what share of conversations do they take?
select
    soc_code,
    occupation_title,
    round(conversation_share_pct, 2) as conversation_share_pct,
    assumed_conversation_volume,
    round(occupation_energy_kwh, 2) as occupation_energy_kwh
from analyst.energy_per_occupation
where is_reference_scenario and occupation_level = 'major_group'
order by occupation_energy_kwh desc, soc_code
