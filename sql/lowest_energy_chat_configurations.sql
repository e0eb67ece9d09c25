-- Which serving configuration of each chat model uses the least energy per output token?
-- One row per (model, GPU): the configuration with the lowest energy_per_output_token_j.
select
    model,
    gpu,
    config,
    round(energy_per_output_token_j, 4) as energy_per_output_token_j,
    round(energy_per_request_j, 1) as energy_per_request_j,
    round(avg_tpot_s, 4) as avg_tpot_s
from marts.fct_workload_energy
where task_family = 'llm_text_generation' and task = 'chat'
qualify row_number() over (partition by model, gpu order by energy_per_output_token_j) = 1
order by energy_per_output_token_j;
