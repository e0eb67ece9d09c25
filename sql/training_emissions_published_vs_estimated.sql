-- How far is each published training figure from the physical formula and from our estimate
-- (learnt without the model's own family), and does the published figure fall in our range?
select
    model,
    family,
    accelerator,
    gpu_hours,
    published_co2e_t,
    round(baseline_co2e_t, 1) as formula_co2e_t,
    round(baseline_ape_pct, 1) as formula_error_pct,
    round(estimate_co2e_t_low, 1) as estimate_low_t,
    round(estimate_co2e_t, 1) as estimate_t,
    round(estimate_co2e_t_high, 1) as estimate_high_t,
    round(estimate_ape_pct, 1) as estimate_error_pct,
    within_range,
    status
from marts.fct_training_emissions
where published_co2e_t is not null
order by estimate_ape_pct desc nulls last, model
