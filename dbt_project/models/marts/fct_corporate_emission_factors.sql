-- Per company and fiscal year: kgCO2e per kWh of electricity, location- and market-based
-- (Scope 2 of each kind / electricity consumption; tCO2e per MWh equals kgCO2e per kWh),
-- and PUE where the company reports it, else the default_pue assumption. Where several
-- reports of a company cover a year, the one that states electricity is used.
with primary_totals as (
    select * from {{ ref('fct_corporate_metrics') }}
    where is_primary and region is null
),

per_report as (
    select
        company,
        report_id,
        fiscal_year,
        max(value) filter (where metric = 'scope2_location') as scope2_location_tco2e,
        max(value) filter (where metric = 'scope2_market') as scope2_market_tco2e,
        max(value) filter (where metric = 'electricity') as electricity_mwh,
        max(value) filter (where metric = 'pue') as reported_pue
    from primary_totals
    group by company, report_id, fiscal_year
),

chosen as (
    select *
    from per_report
    qualify row_number() over (
        partition by company, fiscal_year
        order by electricity_mwh is not null desc, scope2_location_tco2e is not null desc, report_id
    ) = 1
),

company_pue as (
    select company, fiscal_year, max(reported_pue) as reported_pue
    from per_report
    group by company, fiscal_year
),

factors as (
    select
        chosen.company,
        chosen.fiscal_year,
        chosen.report_id,
        chosen.scope2_location_tco2e,
        chosen.scope2_market_tco2e,
        chosen.electricity_mwh,
        chosen.scope2_location_tco2e / chosen.electricity_mwh as location_kg_per_kwh,
        chosen.scope2_market_tco2e / chosen.electricity_mwh as market_kg_per_kwh,
        coalesce(company_pue.reported_pue, {{ assumption('default_pue') }}) as pue,
        case when company_pue.reported_pue is null then 'assumed (default_pue)' else 'reported' end as pue_source,
        chosen.electricity_mwh is not null
            and coalesce(chosen.scope2_location_tco2e, chosen.scope2_market_tco2e) is not null as has_factor
    from chosen
    left join company_pue using (company, fiscal_year)
)

select * from factors
