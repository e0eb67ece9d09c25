-- How task texts are matched between files: case- and whitespace-insensitive.
{% macro task_key(column) -%}
    lower(trim(regexp_replace({{ column }}, '\s+', ' ', 'g')))
{%- endmacro %}
