-- One row per task in the mappings: its share of conversations, the occupations its text
-- belongs to, and how the share is allocated among them (see int_aei__task_allocation).
with allocation as (
    select * from {{ ref('int_aei__task_allocation') }}
),

tasks as (
    select
        release,
        task_name,
        any_value(share_pct) as share_pct,
        bool_or(is_matched) as is_matched,
        any_value(n_occupations) as n_occupations,
        list(onet_soc_code order by onet_soc_code) filter (where onet_soc_code is not null) as onet_soc_codes,
        any_value(allocation_rule) as allocation_rule,
        any_value(allocated_share_pct) as allocated_share_per_occupation_pct
    from allocation
    group by release, task_name
)

select * from tasks
