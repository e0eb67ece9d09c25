with source as (
    select * from {{ source('economic_index', 'aei_onet_task_statements') }}
),

renamed as (
    select
        release,
        cast("Task ID" as bigint) as task_id,
        "Task" as task_text,
        {{ task_key('"Task"') }} as task_key,
        "Task Type" as task_type,
        "O*NET-SOC Code" as onet_soc_code,
        "Title" as occupation_title,
        left("O*NET-SOC Code", 7) as soc_detailed_code,
        cast("Incumbents Responding" as double) as incumbents_responding,
        "Date" as survey_date,
        "Domain Source" as domain_source,
        source_url
    from source
)

select * from renamed
