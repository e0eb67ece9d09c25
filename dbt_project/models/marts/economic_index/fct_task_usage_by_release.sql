-- One row per task and release: the task's share of conversations in that release, its
-- collaboration mix where the release gives one, and the O*NET occupations and SOC major
-- groups its text belongs to (the same statements for every release).
with allocation as (
    select * from {{ ref('int_aei__task_allocation_by_release') }}
),

collaboration as (
    select * from {{ ref('int_aei__task_collaboration_by_release') }}
),

occupations as (
    select * from {{ ref('int_aei__occupations') }}
),

current_release as (
    select * from {{ ref('int_aei__current_release') }}
),

tasks as (
    select
        allocation.release,
        any_value(allocation.published_on) as published_on,
        allocation.task_name,
        any_value(allocation.task_key) as task_key,
        any_value(allocation.share_pct) as share_pct,
        bool_or(allocation.is_matched) as is_matched,
        any_value(allocation.n_occupations) as n_occupations,
        list(distinct allocation.onet_soc_code order by allocation.onet_soc_code)
            filter (where allocation.onet_soc_code is not null) as onet_soc_codes,
        list(distinct occupations.soc_major_code order by occupations.soc_major_code)
            filter (where occupations.soc_major_code is not null) as soc_major_codes
    from allocation
    left join occupations using (onet_soc_code)
    group by allocation.release, allocation.task_name
),

final as (
    select
        tasks.*,
        tasks.release = current_release.release as is_current_release,
        collaboration.directive_pct,
        collaboration.feedback_loop_pct,
        collaboration.task_iteration_pct,
        collaboration.validation_pct,
        collaboration.learning_pct,
        collaboration.filtered_pct,
        collaboration.automation_pct,
        collaboration.augmentation_pct
    from tasks
    cross join current_release
    left join collaboration
        on collaboration.release = tasks.release and collaboration.task_key = tasks.task_key
)

select * from final
