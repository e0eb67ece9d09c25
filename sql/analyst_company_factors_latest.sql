-- What is each company's latest electricity emission factor? Its most recent fiscal year with a
-- usable location- or market-based factor (kgCO2e per kWh), or, for a company with none, its most
-- recent year and why it has no factor.
select
    company,
    fiscal_year,
    report_id,
    round(location_kgco2e_per_kwh, 4) as location_kgco2e_per_kwh,
    round(market_kgco2e_per_kwh, 4) as market_kgco2e_per_kwh,
    pue,
    pue_source,
    has_usable_factor,
    factor_issue
from analyst.company_factors
qualify row_number() over (partition by company order by has_usable_factor desc, fiscal_year desc) = 1
order by has_usable_factor desc, company
