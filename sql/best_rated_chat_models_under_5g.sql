-- Which chat models serve 1,000 requests for under 5 gCO2e, counting the whole serving stack
-- (comprehensive boundary), on which grid, and with what grades? Best configuration within the
-- latency objective, location-based grids; lowest CO2e first.
select
    model,
    size_class,
    grid_source,
    grid_entity,
    grid_year,
    round(co2e_g_central, 2) as gco2e_per_1000_requests,
    round(co2e_g_low, 2) as gco2e_low,
    round(co2e_g_high, 2) as gco2e_high,
    round(energy_wh_central, 1) as wh_per_1000_requests,
    absolute_grade,
    relative_grade,
    methodology_version
from marts.fct_model_ratings
where phase = 'inference'
    and task = 'chat'
    and configuration = 'best_within_latency_objective'
    and boundary = 'comprehensive'
    and basis = 'location'
    and co2e_g_central < 5
order by co2e_g_central, model
limit 50
