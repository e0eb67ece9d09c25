-- The value of one named assumption from the assumptions seed, cast to the given type.
{% macro assumption(name, type='double') -%}
    (select cast(value as {{ type }}) from {{ ref('assumptions') }} where name = '{{ name }}')
{%- endmacro %}
