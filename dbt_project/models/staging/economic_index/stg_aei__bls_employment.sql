with source as (
    select * from {{ source('economic_index', 'aei_bls_employment') }}
),

renamed as (
    select
        release,
        "SOC or O*NET-SOC 2019 Title" as major_group_title,
        cast(bls_distribution as bigint) as employment
    from source
)

select * from renamed
