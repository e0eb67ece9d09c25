-- What electricity emission factor does each company report, per fiscal year? Scope 2 location-
-- and market-based tCO2e over electricity MWh (= kgCO2e per kWh), the PUE applied, and whether
-- each factor is usable.
with factors as (
    select * from {{ ref('fct_corporate_emission_factors') }}
),

final as (
    select
        company,
        fiscal_year,
        report_id,
        scope2_location_tco2e,
        scope2_market_tco2e,
        electricity_mwh,
        location_kg_per_kwh as location_kgco2e_per_kwh,
        market_kg_per_kwh as market_kgco2e_per_kwh,
        pue,
        pue_source,
        location_factor_usable,
        market_factor_usable,
        has_factor as has_usable_factor,
        factor_issue,
        coalesce(fiscal_year = max(fiscal_year) filter (where has_factor) over (partition by company), false)
            as is_latest_year_with_usable_factor
    from factors
)

select * from final
