-- Shares are kept as published (share_pct_raw; release 2025-02-10 sums to ~84.2%) and
-- normalised to sum to 100 within each file of a release (share_pct_normalised), side by side.
with source as (
    select * from {{ source('economic_index', 'aei_automation_vs_augmentation') }}
),

renamed as (
    select
        release,
        interaction_type,
        cast(pct as double) as share_pct_raw,
        cast(pct as double) * 100 / sum(cast(pct as double)) over (partition by release, source_file)
            as share_pct_normalised,
        source_file,
        source_url
    from source
)

select * from renamed
