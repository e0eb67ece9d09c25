-- Per company and fiscal year: kgCO2e per kWh of electricity, location- and market-based
-- (Scope 2 of each kind / electricity consumption; tCO2e per MWh equals kgCO2e per kWh),
-- and PUE where the company reports it, else the default_pue assumption. Where several
-- reports of a company cover a year, the one that states electricity is used. A factor is
-- usable only when both its inputs passed the sanity rules and it lies in the plausible
-- range (above 0 location-based, 0 or above market-based, at most max_plausible_kg_per_kwh).
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
        max(value) filter (where metric = 'pue') as reported_pue,
        bool_or(sanity_issue is not null) filter (where metric = 'scope2_location') as location_flagged,
        bool_or(sanity_issue is not null) filter (where metric = 'scope2_market') as market_flagged,
        bool_or(sanity_issue is not null) filter (where metric = 'electricity') as electricity_flagged
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
        chosen.scope2_location_tco2e / nullif(chosen.electricity_mwh, 0) as location_kg_per_kwh,
        chosen.scope2_market_tco2e / nullif(chosen.electricity_mwh, 0) as market_kg_per_kwh,
        coalesce(company_pue.reported_pue, {{ assumption('default_pue') }}) as pue,
        case when company_pue.reported_pue is null then 'assumed (default_pue)' else 'reported' end as pue_source,
        chosen.electricity_mwh > 0 and not coalesce(chosen.electricity_flagged, false) as electricity_passed,
        chosen.location_flagged,
        chosen.market_flagged
    from chosen
    left join company_pue using (company, fiscal_year)
),

judged as (
    select
        *,
        coalesce(electricity_passed and not location_flagged
            and location_kg_per_kwh > 0
            and location_kg_per_kwh <= {{ assumption('max_plausible_kg_per_kwh') }}, false) as location_factor_usable,
        coalesce(electricity_passed and not market_flagged
            and market_kg_per_kwh >= 0
            and market_kg_per_kwh <= {{ assumption('max_plausible_kg_per_kwh') }}, false) as market_factor_usable
    from factors
),

final as (
    select
        company,
        fiscal_year,
        report_id,
        scope2_location_tco2e,
        scope2_market_tco2e,
        electricity_mwh,
        location_kg_per_kwh,
        market_kg_per_kwh,
        pue,
        pue_source,
        location_factor_usable,
        market_factor_usable,
        location_factor_usable or market_factor_usable as has_factor,
        case
            when electricity_mwh is null then 'no electricity figure'
            when not electricity_passed then 'electricity failed a sanity rule'
            when not (location_factor_usable or market_factor_usable) then 'no Scope 2 figure gives a plausible factor'
        end as factor_issue
    from judged
)

select * from final
