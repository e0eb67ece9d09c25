-- The company emission factors that can be applied: a factor only where it is usable
-- (both inputs passed the sanity rules and the factor is plausible), else null.
select
    company,
    fiscal_year,
    report_id,
    case when location_factor_usable then location_kg_per_kwh end as location_kg_per_kwh,
    case when market_factor_usable then market_kg_per_kwh end as market_kg_per_kwh,
    pue,
    pue_source
from {{ ref('fct_corporate_emission_factors') }}
where has_factor
