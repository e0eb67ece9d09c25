-- Conversation share against employment, per SOC major group and per detailed occupation.
-- level = 'major_group' rows carry BLS employment, its share and the representation ratio
-- (conversation share / employment share: above 1, the group uses Claude more than its
-- weight in employment); level = 'occupation' rows carry shares and wages only (BLS data
-- here is by major group); one 'unmatched' row holds tasks with no statement, so the
-- conversation shares of the major groups plus 'unmatched' sum to 100.
with allocation as (
    select * from {{ ref('int_aei__task_allocation') }}
),

occupations as (
    select * from {{ ref('int_aei__occupations') }}
),

employment as (
    {{ in_current_release('stg_aei__bls_employment') }}
),

soc as (
    {{ in_current_release('stg_aei__soc_structure') }}
),

major_groups as (
    select (select release from {{ ref('int_aei__current_release') }}) as release,
        soc_code as major_group_code, soc_title as major_group_title
    from soc
    where soc_level = 'major_group'
),

occupation_usage as (
    select
        occupations.release,
        occupations.onet_soc_code,
        occupations.occupation_title,
        occupations.soc_major_code,
        occupations.median_annual_wage,
        coalesce(sum(allocation.allocated_share_pct), 0) as conversation_share_pct,
        count(allocation.task_name) as tasks_used
    from occupations
    left join allocation using (onet_soc_code)
    group by all
),

major_usage as (
    select
        major_groups.release,
        major_groups.major_group_code,
        major_groups.major_group_title,
        coalesce(sum(occupation_usage.conversation_share_pct), 0) as conversation_share_pct,
        coalesce(sum(occupation_usage.tasks_used), 0) as tasks_used,
        median(occupation_usage.median_annual_wage) as median_annual_wage
    from major_groups
    left join occupation_usage on occupation_usage.soc_major_code = major_groups.major_group_code
    group by all
),

major_rows as (
    select
        major_usage.release,
        'major_group' as level,
        major_usage.major_group_code as code,
        major_usage.major_group_title as title,
        major_usage.major_group_code,
        major_usage.conversation_share_pct,
        major_usage.tasks_used,
        employment.employment,
        employment.employment * 100.0 / sum(employment.employment) over () as employment_share_pct,
        major_usage.median_annual_wage
    from major_usage
    left join employment on lower(employment.major_group_title) = lower(major_usage.major_group_title)
),

occupation_rows as (
    select release, 'occupation' as level, onet_soc_code as code, occupation_title as title,
        soc_major_code as major_group_code, conversation_share_pct, tasks_used,
        null::bigint as employment, null::double as employment_share_pct, median_annual_wage
    from occupation_usage
),

unmatched_rows as (
    select release, 'unmatched' as level, null as code, 'Tasks with no matching O*NET statement' as title,
        null as major_group_code, sum(share_pct) as conversation_share_pct, count(*) as tasks_used,
        null::bigint as employment, null::double as employment_share_pct, null::double as median_annual_wage
    from allocation
    where not is_matched
    group by release
),

unioned as (
    select * from major_rows
    union all by name
    select * from occupation_rows
    union all by name
    select * from unmatched_rows
)

select
    *,
    conversation_share_pct / nullif(employment_share_pct, 0) as representation_ratio
from unioned
