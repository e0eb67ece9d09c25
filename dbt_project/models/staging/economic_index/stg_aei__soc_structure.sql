-- The SOC hierarchy file puts each code in the column of its level; one code per row here.
with source as (
    select * from {{ source('economic_index', 'aei_soc_structure') }}
),

renamed as (
    select
        release,
        case
            when "Major Group" is not null then 'major_group'
            when "Minor Group" is not null then 'minor_group'
            when "Broad Occupation" is not null then 'broad_occupation'
            when "Detailed Occupation" is not null then 'detailed_occupation'
            else 'onet_occupation'
        end as soc_level,
        coalesce("Major Group", "Minor Group", "Broad Occupation", "Detailed Occupation", "Detailed O*NET-SOC")
            as soc_code,
        "SOC or O*NET-SOC 2019 Title" as soc_title
    from source
)

select * from renamed
where soc_code is not null
