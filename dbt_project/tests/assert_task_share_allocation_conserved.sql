-- Allocating a task's share among its occupations must neither create nor lose share: per
-- task the allocated parts sum to the task's share, and in total to the release's task shares.
{# It reads several models, so dagster-dbt makes it a check of the model named here:
   the allocated shares end up in fct_occupation_usage. #}
{{ config(meta={'dagster': {'ref': {'name': 'fct_occupation_usage'}}}) }}

with allocation as (
    select task_name, any_value(share_pct) as share_pct, sum(allocated_share_pct) as allocated
    from {{ ref('int_aei__task_allocation') }}
    group by task_name
),

per_task as (
    select task_name, share_pct, allocated
    from allocation
    where abs(share_pct - allocated) > 1e-9
),

totals as (
    select
        (select sum(share_pct) from {{ ref('int_aei__task_shares_by_release') }}
         where release = (select release from {{ ref('int_aei__current_release') }})) as mapped,
        (select sum(conversation_share_pct) from {{ ref('fct_occupation_usage') }}
         where level in ('major_group', 'unmatched')) as rolled_up
)

select task_name, share_pct, allocated from per_task
union all
select 'TOTAL', mapped, rolled_up from totals where abs(mapped - rolled_up) > 1e-6
