-- How much energy and CO2e did this pipeline use per day (the last 30 days it ran), and in how many runs?
select
    day,
    sum(runs) as step_runs,
    round(sum(energy_wh), 3) as energy_wh,
    round(sum(co2e_g), 4) as co2e_g,
    round(sum(duration_s), 1) as duration_s
from analyst.pipeline_footprint
group by day
order by day desc
limit 30
