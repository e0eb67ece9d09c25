-- Claude.ai usage by country from the long-format releases (geography = country), with the
-- carbon intensity of each country's grid where dim_country_carbon_intensity knows it (raw
-- files name countries by ISO alpha-2, enriched ones by alpha-3; both are matched). The energy
-- is the country's share of the assumed conversation volume under the reference scenario;
-- kgco2e_at_country_grid prices it at the user's own grid, a proxy: Claude is served from data
-- centres that may be elsewhere.
with usage as (
    select
        release,
        source_file,
        platform_and_product,
        date_start,
        date_end,
        geo_id,
        max(value) filter (where variable = 'usage_count') as usage_count,
        max(value) filter (where variable = 'usage_pct') as usage_pct,
        max(value) filter (where variable = 'usage_per_capita_index') as usage_per_capita_index
    from {{ ref('stg_aei__long_format') }}
    where geography = 'country'
    group by all
),

countries as (
    select * from {{ ref('dim_country_carbon_intensity') }}
),

reference as (
    select energy_per_request_j from {{ ref('int_energy__chat_scenarios') }} where is_reference
),

parameters as (
    select
        {{ assumption('conversation_volume') }} * {{ assumption('requests_per_conversation') }}
            as requests_per_volume,
        {{ assumption('default_pue') }} as pue
),

joined as (
    select
        usage.*,
        countries.iso_code,
        countries.country,
        countries.year as grid_year,
        countries.gco2e_per_kwh,
        usage.usage_pct / 100 * parameters.requests_per_volume * reference.energy_per_request_j / 3600000
            as energy_kwh,
        parameters.pue
    from usage
    left join countries on usage.geo_id in (countries.iso_code, countries.iso_alpha_2)
    cross join reference
    cross join parameters
)

select
    * exclude (pue),
    energy_kwh * pue * gco2e_per_kwh / 1000 as kgco2e_at_country_grid,
    case when gco2e_per_kwh is not null then rank() over (
        partition by release, source_file order by gco2e_per_kwh desc
    ) end as intensity_rank
from joined
