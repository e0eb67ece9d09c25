-- A company factor marked usable must rest on chosen, unflagged inputs: its Scope 2 figure
-- and its electricity, as fct_corporate_metrics holds them. Returns the offending factors.
{# It reads several models, so dagster-dbt makes it a check of the model named here:
   the usable flags are fct_corporate_emission_factors'. #}
{{ config(meta={'dagster': {'ref': {'name': 'fct_corporate_emission_factors'}}}) }}

with factors as (
    select * from {{ ref('fct_corporate_emission_factors') }}
    where location_factor_usable or market_factor_usable
),

inputs as (
    select report_id, fiscal_year, metric, sanity_issue
    from {{ ref('fct_corporate_metrics') }}
    where is_primary and region is null
        and metric in ('scope2_location', 'scope2_market', 'electricity')
)

select factors.company, factors.fiscal_year, inputs.metric, inputs.sanity_issue
from factors
inner join inputs
    on inputs.report_id = factors.report_id and inputs.fiscal_year = factors.fiscal_year
where inputs.sanity_issue is not null
    and (inputs.metric = 'electricity'
        or (inputs.metric = 'scope2_location' and factors.location_factor_usable)
        or (inputs.metric = 'scope2_market' and factors.market_factor_usable))
