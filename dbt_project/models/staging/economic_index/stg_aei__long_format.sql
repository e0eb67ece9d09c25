-- The long-format releases (2025-09-15 on), one value per row as published, with the two parts
-- of an intersection's cluster name ("base::category") split out.
with source as (
    select * from {{ source('economic_index', 'aei_long_format') }}
),

renamed as (
    select
        release,
        source_file,
        geo_id,
        geography,
        date_start,
        date_end,
        platform_and_product,
        facet,
        level as facet_level,
        variable,
        cluster_name,
        case when contains(facet, '::') then regexp_extract(cluster_name, '^(.*)::(.*)$', 1)
            else cluster_name end as base_cluster,
        case when contains(facet, '::') then regexp_extract(cluster_name, '^(.*)::(.*)$', 2) end
            as intersection_cluster,
        value
    from source
)

select * from renamed
