-- Order-of-magnitude closure: the bottom-up electricity of a stated yearly chat volume
-- (closure_conversations_per_year, served at the reference scenario, times PUE) set
-- against each company's reported electricity consumption for the year, as a share.
{{ config(materialized='view') }}

with reference as (
    select energy_per_request_j
    from {{ ref('int_energy__chat_scenarios') }}
    where is_reference
),

factors as (
    select * from {{ ref('fct_corporate_emission_factors') }}
    where electricity_mwh is not null
),

closure as (
    select
        factors.company,
        factors.fiscal_year,
        {{ assumption('closure_conversations_per_year') }} as conversations_per_year,
        {{ assumption('requests_per_conversation') }} * reference.energy_per_request_j as energy_per_conversation_j,
        factors.pue,
        {{ assumption('closure_conversations_per_year') }} * {{ assumption('requests_per_conversation') }}
            * reference.energy_per_request_j * factors.pue / 3600000000 as bottom_up_mwh,
        factors.electricity_mwh as reported_electricity_mwh
    from factors
    cross join reference
)

select *, bottom_up_mwh / reported_electricity_mwh * 100 as share_of_reported_electricity_pct
from closure
