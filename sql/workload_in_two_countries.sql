-- The same workload in France and in Poland: gCO2e per request for the reference chat
-- configuration (see marts.dim_assumptions) on each country's grid (CodeCarbon's country data,
-- location-based, default PUE), beside the countries' intensities and fossil shares.
with reference as (
    select run_id
    from intermediate.int_energy__chat_scenarios
    where is_reference
)

select
    emissions.factor_entity as country,
    countries.iso_code,
    countries.year,
    round(countries.gco2e_per_kwh, 1) as grid_gco2e_per_kwh,
    round(countries.fossil_share, 3) as fossil_share,
    emissions.model,
    emissions.gpu,
    round(emissions.energy_kwh * 1000, 4) as wh_per_request,
    round(emissions.location_gco2e_per_unit, 4) as gco2e_per_request
from marts.fct_workload_emissions as emissions
inner join reference using (run_id)
inner join marts.dim_country_carbon_intensity as countries on countries.country = emissions.factor_entity
where emissions.factor_source = 'country' and countries.iso_code in ('FRA', 'POL')
order by gco2e_per_request
