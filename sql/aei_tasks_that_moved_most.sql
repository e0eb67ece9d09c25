-- Which tasks gained or lost the most share of Claude conversations between the latest two
-- Economic Index releases, and what did that do to the energy (and CO2e) their conversations
-- cost under the reference serving scenario?
select
    release,
    previous_release,
    mover_rank,
    item as task,
    round(share_pct - share_pct_change, 4) as previous_share_pct,
    round(share_pct, 4) as share_pct,
    round(energy_share_pct_change, 4) as energy_share_change_pp,
    round(energy_kwh_change, 3) as energy_kwh_change,
    round(kgco2e_change, 3) as kgco2e_change
from marts.fct_task_energy_trend
where level = 'task'
    and is_top_mover
    and release = (select release from marts.fct_task_energy_trend order by published_on desc limit 1)
order by mover_rank
