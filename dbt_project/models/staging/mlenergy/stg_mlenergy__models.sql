with source as (
    select * from {{ source('mlenergy', 'mlenergy_models') }}
),

renamed as (
    select
        task_family,
        task,
        model_id as model,
        nickname,
        url as model_url,
        coalesce(params_billion, total_params_billion) as params_billion,
        denoising_params_billion,
        resolution
    from source
)

select * from renamed
