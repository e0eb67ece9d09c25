-- The tasks of the release the marts describe, allocated to occupations (see
-- int_aei__task_allocation_by_release for the rule).
with allocation as (
    select * from {{ ref('int_aei__task_allocation_by_release') }}
),

current_release as (
    select * from {{ ref('int_aei__current_release') }}
)

select allocation.* exclude (published_on)
from allocation
inner join current_release using (release)
