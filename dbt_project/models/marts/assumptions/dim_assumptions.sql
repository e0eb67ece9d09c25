-- Every assumption behind the Economic Index energy marts, with its description and source.
with assumptions as (
    select * from {{ ref('assumptions') }}
)

select name, value, unit, description, source_note from assumptions
