-- How carbon-intensive is each Google Cloud region's grid, per year, and how much of its
-- electricity is carbon-free?
with regions as (
    select * from {{ ref('dim_grid_carbon_intensity') }}
),

final as (
    select
        region as cloud_region,
        location,
        year,
        grid_gco2e_per_kwh,
        cfe_share as carbon_free_energy_share,
        intensity_basis,
        year = max(year) over (partition by region) as is_latest_year
    from regions
)

select * from final
