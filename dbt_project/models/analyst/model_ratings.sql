-- How carbon-efficient is each AI model, and what grade does it get? One row per model, task,
-- phase, configuration, system boundary and grid, with energy and CO2e per unit of work (low,
-- central, high) and the absolute and relative grades.
with ratings as (
    select * from {{ source('marts_python', 'fct_model_ratings') }}
),

final as (
    select
        model,
        model_key,
        phase,
        task,
        configuration,
        boundary,
        unit_of_work,
        size_class,
        params_billion,
        gpu,
        config as serving_config,
        run_id,
        latency_s,
        meets_latency_objective,
        grid_source,
        grid_entity,
        grid_year,
        basis as emission_basis,
        grid_kg_per_kwh as grid_kgco2e_per_kwh,
        pue,
        energy_wh_low as energy_wh_per_unit_low,
        energy_wh_central as energy_wh_per_unit,
        energy_wh_high as energy_wh_per_unit_high,
        co2e_g_low as co2e_g_per_unit_low,
        co2e_g_central as co2e_g_per_unit,
        co2e_g_high as co2e_g_per_unit_high,
        energy_j_per_token as energy_j_per_output_token,
        co2e_mg_per_token as co2e_mg_per_output_token,
        energy_mwh_per_b_params as energy_mwh_per_billion_params,
        co2e_t_per_b_params as co2e_t_per_billion_params,
        absolute_grade as absolute_co2e_grade,
        absolute_energy_grade,
        relative_grade,
        relative_group_size,
        ecologits_accelerator_wh_per_unit,
        accelerator_to_ecologits_ratio,
        figure_source,
        methodology_version,
        rated_at
    from ratings
)

select * from final
