-- Which SOC major groups take the Economic Index's conversations in its latest release, what do they
-- cost in energy and CO2e per million conversations under the reference scenario (world-average grid,
-- default PUE), and how did that change since the previous release?
select
    release,
    previous_release,
    item as soc_code,
    title as occupation_group,
    round(share_pct, 2) as conversation_share_pct,
    round(share_pct_change, 2) as share_change_points,
    round(energy_kwh, 3) as energy_kwh,
    round(energy_kwh_change, 3) as energy_kwh_change,
    round(kgco2e, 3) as kgco2e,
    round(kgco2e_change, 3) as kgco2e_change
from marts.fct_task_energy_trend
where level = 'major_group'
    and published_on = (select max(published_on) from marts.fct_task_energy_trend)
order by energy_kwh desc, soc_code
