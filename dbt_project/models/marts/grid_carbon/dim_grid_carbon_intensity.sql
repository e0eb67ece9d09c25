-- One row per Google Cloud region and year. Location is that year's spelling (upstream writes
-- Montreal/Montréal, Zurich/Zürich, São/Sāo Paulo in different years), so it can differ by year.
with region_carbon as (
    select * from {{ ref('stg_grid__region_carbon') }}
),

final as (
    select
        region,
        location,
        year,
        grid_gco2e_per_kwh,
        -- Upstream gives at most two decimals in grams, so six in kilograms is exact (and drops float noise).
        round(grid_gco2e_per_kwh / 1000, 6) as grid_kgco2e_per_kwh,
        cfe_share,
        intensity_basis
    from region_carbon
)

select * from final
