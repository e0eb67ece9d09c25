-- Until 2020 the files publish a lifecycle grid intensity, from 2021 a grid intensity;
-- one column here, with intensity_basis saying which the value is.
with source as (
    select * from {{ source('grid_carbon', 'google_region_carbon') }}
),

renamed as (
    select
        "Google Cloud Region" as region,
        "Location" as location,
        year,
        cast("Google CFE" as double) as cfe_share,
        cast(coalesce("Grid carbon intensity (gCO2eq / kWh)", "Lifecycle grid carbon intensity (gCO2eq / kWh)")
            as double) as grid_gco2e_per_kwh,
        case when "Grid carbon intensity (gCO2eq / kWh)" is not null then 'grid' else 'lifecycle' end
            as intensity_basis,
        source_url
    from source
)

select * from renamed
