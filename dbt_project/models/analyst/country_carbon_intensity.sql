-- How carbon-intensive is each country's electricity, and what is it generated from? One row
-- per country (CodeCarbon's Our World in Data figures, location-based).
with countries as (
    select * from {{ ref('dim_country_carbon_intensity') }}
),

final as (
    select
        iso_code,
        country,
        year as data_year,
        gco2e_per_kwh as grid_gco2e_per_kwh,
        fossil_share,
        low_carbon_share,
        renewables_share,
        nuclear_share,
        total_twh as generation_twh,
        source,
        codecarbon_version
    from countries
)

select * from final
