-- On a B200, which serving configuration of each model answers a request with the least GPU
-- energy while its median inter-token latency stays within 0.1 s (the ratings' latency
-- objective)? One row per task and model of the releases that measured B200 (ML.ENERGY v3).
select
    benchmark_release,
    task,
    model,
    weight_precision,
    num_gpus,
    config,
    round(energy_per_request_j, 1) as energy_per_request_j,
    round(energy_per_request_j / 3.6, 3) as wh_per_1000_requests,
    round(energy_per_output_token_j, 4) as energy_per_output_token_j,
    round(median_itl_s * 1000, 1) as median_itl_ms,
    round(p99_itl_s * 1000, 1) as p99_itl_ms,
    run_id
from marts.fct_workload_energy
where accelerator = 'B200'
    and energy_per_request_j is not null
    and median_itl_s <= 0.1
qualify row_number() over (partition by benchmark_release, task, model order by energy_per_request_j, run_id) = 1
order by task, energy_per_request_j;
