-- One row per Google Cloud region and year: grid carbon intensity and Google's
-- carbon-free-energy share (CFE, 0-1; null where not published).
with regions as (
    select * from {{ ref('stg_grid__region_carbon') }}
)

select
    region,
    location,
    year,
    grid_gco2e_per_kwh,
    grid_gco2e_per_kwh / 1000 as grid_kgco2e_per_kwh,
    cfe_share,
    intensity_basis
from regions
