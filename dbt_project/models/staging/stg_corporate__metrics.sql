with source as (
    select * from {{ source('corporate', 'corporate_report_metrics') }}
),

renamed as (
    select
        report_id,
        company,
        cast(fiscal_year as integer) as fiscal_year,
        period_type,
        metric,
        case
            when metric like 'scope1\_2%' escape '\' then '1+2'
            when metric like 'scope1%' then '1'
            when metric like 'scope2%' then '2'
            when metric like 'scope3%' then '3'
        end as scope,
        region,
        value,
        unit,
        raw_value,
        raw_label,
        table_title,
        page as source_page,
        table_index,
        flavor,
        precedence_rank
    from source
)

select * from renamed
