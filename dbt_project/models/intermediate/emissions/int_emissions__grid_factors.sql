-- Every emission factor a workload can be put under: each company x fiscal year (from its
-- reports), each Google Cloud region x year and each country's grid (CodeCarbon's data), with
-- the PUE that goes with it. A country states only a location-based factor and no site, so its
-- PUE is the default_pue assumption.
-- For cloud regions the market-based factor is the grid intensity net of Google's
-- carbon-free-energy share, grid x (1 - CFE), and is null where CFE is not published;
-- their PUE is Google's reported PUE for the year, else the default_pue assumption.
with company_factors as (
    select
        'company' as factor_source,
        company as factor_entity,
        fiscal_year as factor_year,
        pue,
        pue_source,
        location_kg_per_kwh,
        market_kg_per_kwh
    from {{ ref('int_corporate__company_factors') }}
),

google_pue as (
    select fiscal_year, pue
    from {{ ref('fct_corporate_emission_factors') }}
    where company = 'Google' and pue_source = 'reported'
),

region_factors as (
    select
        'cloud_region' as factor_source,
        grid.region as factor_entity,
        grid.year as factor_year,
        coalesce(google_pue.pue, {{ assumption('default_pue') }}) as pue,
        case when google_pue.pue is null then 'assumed (default_pue)' else 'reported (Google)' end as pue_source,
        grid.grid_kgco2e_per_kwh as location_kg_per_kwh,
        grid.grid_kgco2e_per_kwh * (1 - grid.cfe_share) as market_kg_per_kwh
    from {{ ref('dim_grid_carbon_intensity') }} as grid
    left join google_pue on google_pue.fiscal_year = grid.year
),

country_factors as (
    select
        'country' as factor_source,
        country as factor_entity,
        year as factor_year,
        {{ assumption('default_pue') }} as pue,
        'assumed (default_pue)' as pue_source,
        kg_per_kwh as location_kg_per_kwh,
        cast(null as double) as market_kg_per_kwh
    from {{ ref('dim_country_carbon_intensity') }}
),

factors as (
    select * from company_factors
    union all
    select * from region_factors
    union all
    select * from country_factors
)

select * from factors
