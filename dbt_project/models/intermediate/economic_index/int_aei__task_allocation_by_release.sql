-- Each release's tasks allocated to the occupations whose statements carry their text, every
-- release through the same O*NET statements (the latest loaded at or before the release the
-- marts describe), so releases are compared on one taxonomy.
-- Allocation rule (assumption allocation_rule = equal_split): a task's share is divided
-- equally among its distinct occupations. A task with no matching statement keeps one row
-- with no occupation, flagged unmatched, so its share is never dropped.
with tasks as (
    select * from {{ ref('int_aei__task_shares_by_release') }}
),

statements as (
    {{ in_current_release('stg_aei__task_statements') }}
),

task_occupations as (
    select distinct task_key, onet_soc_code
    from statements
),

matched as (
    select
        tasks.release,
        tasks.published_on,
        tasks.task_name,
        tasks.task_key,
        tasks.share_pct,
        task_occupations.onet_soc_code,
        count(task_occupations.onet_soc_code) over (partition by tasks.release, tasks.task_name) as n_occupations
    from tasks
    left join task_occupations using (task_key)
),

allocated as (
    select
        release,
        published_on,
        task_name,
        task_key,
        share_pct,
        onet_soc_code,
        n_occupations,
        n_occupations > 0 as is_matched,
        {{ assumption('allocation_rule', 'varchar') }} as allocation_rule,
        case when n_occupations > 0 then share_pct / n_occupations else share_pct end as allocated_share_pct
    from matched
)

select * from allocated
