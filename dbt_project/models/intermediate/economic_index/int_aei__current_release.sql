-- The Economic Index release the marts describe: the var aei_release, else the latest loaded.
{% if var('aei_release') %}
select '{{ var("aei_release") }}' as release
{% else %}
select max(release) as release from {{ ref('stg_aei__task_mappings') }}
{% endif %}
