with source as (
    select * from {{ source('economic_index', 'aei_onet_task_mappings') }}
),

renamed as (
    select
        release,
        task_name,
        {{ task_key('task_name') }} as task_key,
        cast(pct as double) as share_pct,
        source_url
    from source
)

select * from renamed
