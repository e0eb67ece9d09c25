-- How much CO2e did training each model emit: what its makers published, what the physical
-- formula gives, and what our estimator gives (with its range)?
with training as (
    select * from {{ source('marts_python', 'fct_training_emissions') }}
),

final as (
    select
        model,
        family,
        year,
        hardware,
        accelerator,
        params_b as params_billion,
        train_tokens_t as training_tokens_trillion,
        gpu_hours,
        published_energy_mwh,
        published_co2e_t as published_location_co2e_t,
        published_co2e_t_market as published_market_co2e_t,
        baseline_co2e_t as formula_co2e_t,
        baseline_ape_pct as formula_error_pct,
        estimate_route,
        estimate_energy_mwh,
        estimate_co2e_t_low,
        estimate_co2e_t,
        estimate_co2e_t_high,
        estimate_ape_pct as estimate_error_pct,
        estimate_validation,
        within_range as published_within_estimate_range,
        intensity_basis,
        flagged,
        flag_reason,
        status,
        source,
        source_locator
    from training
)

select * from final
