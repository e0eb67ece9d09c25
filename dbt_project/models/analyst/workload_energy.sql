-- How much energy does one unit of work (request, image or video) take, per model, GPU and
-- serving configuration? One row per ML.ENERGY benchmark run, of every release (v2, v3).
with runs as (
    select * from {{ ref('fct_workload_energy') }}
),

final as (
    select
        run_id,
        benchmark_release,
        task_family,
        task,
        modality,
        model,
        model_key,
        model_nickname,
        params_billion,
        active_params_billion,
        architecture,
        weight_precision,
        gpu,
        accelerator,
        num_gpus,
        config as serving_config,
        tensor_parallel,
        pipeline_parallel,
        expert_parallel,
        data_parallel,
        batch_size,
        max_batch_size_reqs as max_batch_size_requests,
        avg_batch_size_reqs as avg_batch_size_requests,
        denoising_steps,
        frames,
        batch_latency_s,
        avg_tpot_s as time_per_output_token_s,
        median_itl_s as median_inter_token_latency_s,
        p99_itl_s as p99_inter_token_latency_s,
        token_throughput_tok_s as token_throughput_tokens_per_s,
        avg_output_tokens,
        replace(energy_unit, 'J/', '') as unit_of_work,
        energy_j as energy_j_per_unit,
        energy_j / 3600 as energy_wh_per_unit,
        energy_per_output_token_j as energy_j_per_output_token,
        avg_power_w,
        energy_label,
        source_path,
        source_commit
    from runs
)

select * from final
