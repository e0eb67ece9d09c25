-- Where is a chat request cleanest to serve? gCO2e per request for the reference chat
-- configuration (see marts.dim_assumptions) in each Google Cloud region's latest year,
-- location-based (grid average) and net of Google's carbon-free energy (market-based).
with reference as (
    select run_id
    from intermediate.int_energy__chat_scenarios
    where is_reference
),

latest as (
    select max(factor_year) as factor_year
    from marts.fct_workload_emissions
    where factor_source = 'cloud_region'
)

select
    emissions.factor_entity as cloud_region,
    emissions.factor_year as year,
    emissions.model,
    emissions.gpu,
    round(emissions.location_gco2e_per_unit, 3) as location_gco2e_per_request,
    round(emissions.market_gco2e_per_unit, 3) as market_gco2e_per_request
from marts.fct_workload_emissions as emissions
inner join reference using (run_id)
inner join latest using (factor_year)
where emissions.factor_source = 'cloud_region'
order by emissions.location_gco2e_per_unit
limit 15;
