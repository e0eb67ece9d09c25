-- The Economic Index release the marts describe: the var aei_release, else the latest loaded
-- release with task shares (by publication date).
{% if var('aei_release') %}
select '{{ var("aei_release") }}' as release
{% else %}
select arg_max(release, published_on) as release from {{ ref('int_aei__task_shares_by_release') }}
{% endif %}
