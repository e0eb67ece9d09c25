-- Every wide release's task files (a release can hold two: task_pct_v1 and task_pct_v2);
-- the registry says which one is the release's (int_aei__task_shares_by_release).
with source as (
    select * from {{ source('economic_index', 'aei_onet_task_mappings') }}
),

renamed as (
    select
        release,
        task_name,
        {{ task_key('task_name') }} as task_key,
        cast(pct as double) as share_pct,
        source_file,
        source_url
    from source
)

select * from renamed
