-- Which model trainings emitted the most CO2e? The published figure where there is one and it is
-- not flagged as contradicting its own inputs, else our estimate, with the estimate's range.
with figures as (
    select
        *,
        case
            when published_location_co2e_t is not null and not flagged then published_location_co2e_t
            else estimate_co2e_t
        end as co2e_t,
        case
            when published_location_co2e_t is not null and not flagged then 'published'
            else 'estimated'
        end as co2e_t_from
    from analyst.training_emissions
)

select
    model,
    family,
    year,
    params_billion,
    gpu_hours,
    round(co2e_t, 1) as co2e_t,
    co2e_t_from,
    published_location_co2e_t,
    round(estimate_co2e_t_low, 1) as estimate_co2e_t_low,
    round(estimate_co2e_t, 1) as estimate_co2e_t,
    round(estimate_co2e_t_high, 1) as estimate_co2e_t_high,
    published_within_estimate_range,
    status
from figures
where co2e_t is not null
order by co2e_t desc, model
limit 15
