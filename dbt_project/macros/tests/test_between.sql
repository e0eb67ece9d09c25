-- Generic test: every non-null value lies in [min_value, max_value], or [min_value, max_value)
-- with max_exclusive. Used where zero is valid data, which `positive` would reject.
{% test between(model, column_name, min_value, max_value, max_exclusive=false) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} < {{ min_value }}
    or {{ column_name }} {{ '>=' if max_exclusive else '>' }} {{ max_value }}
{% endtest %}
