-- The company emission factors that can be applied: electricity and a Scope 2 figure stated.
select *
from {{ ref('fct_corporate_emission_factors') }}
where has_factor
