-- Occupation and SOC major-group energy of the reference scenario in CO2e, per company
-- factor (level: major_group, occupation, unmatched; see fct_occupation_energy).
with occupation_energy as (
    select * from {{ ref('fct_occupation_energy') }}
    where is_reference
),

factors as (
    select * from {{ ref('int_corporate__company_factors') }}
),

emissions as (
    select
        occupation_energy.release,
        occupation_energy.level,
        occupation_energy.code,
        occupation_energy.title,
        occupation_energy.scenario_id,
        occupation_energy.conversation_share_pct,
        occupation_energy.energy_kwh,
        factors.company,
        factors.fiscal_year,
        factors.pue,
        factors.location_kg_per_kwh * occupation_energy.energy_kwh * factors.pue as location_kgco2e,
        factors.market_kg_per_kwh * occupation_energy.energy_kwh * factors.pue as market_kgco2e
    from occupation_energy
    cross join factors
)

select * from emissions
