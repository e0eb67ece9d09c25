-- The rows of an Economic Index model from the release the marts describe, or, for a file that
-- release does not hold (O*NET statements, SOC, wages: only release 2025-02-10 has them), from
-- the latest release before it that does.
{% macro in_current_release(model_name) -%}
    select rows_in_release.*
    from {{ ref(model_name) }} as rows_in_release
    where rows_in_release.release = (
        select max(candidates.release)
        from {{ ref(model_name) }} as candidates
        where candidates.release <= (select release from {{ ref('int_aei__current_release') }})
    )
{%- endmacro %}
