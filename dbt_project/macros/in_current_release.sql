-- The rows of an Economic Index model that belong to the release the marts describe.
{% macro in_current_release(model_name) -%}
    select rows_in_release.*
    from {{ ref(model_name) }} as rows_in_release
    inner join {{ ref('int_aei__current_release') }} using (release)
{%- endmacro %}
