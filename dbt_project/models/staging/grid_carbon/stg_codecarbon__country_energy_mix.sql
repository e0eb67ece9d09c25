with source as (
    select * from {{ source('codecarbon', 'codecarbon_country_energy_mix') }}
),

renamed as (
    select
        iso_code,
        iso_alpha_2,
        country,
        cast(year as integer) as year,
        cast(gco2e_per_kwh as double) as gco2e_per_kwh,
        cast(total_twh as double) as total_twh,
        cast(fossil_twh as double) as fossil_twh,
        cast(low_carbon_twh as double) as low_carbon_twh,
        cast(renewables_twh as double) as renewables_twh,
        cast(nuclear_twh as double) as nuclear_twh,
        fossil_share,
        low_carbon_share,
        source,
        codecarbon_version,
        data_sha256
    from source
)

select * from renamed
