-- For the language models ML.ENERGY measured in both v2 and v3 (matched by model_key, e.g.
-- Llama 3.1 70B), on the same GPU model: the lowest energy per output token within 0.1 s per
-- token in each release, and v3 / v2. The releases used different prompts (v2 chat, v3
-- LM Arena chat), serving stacks and measurement windows: read the ratio as what a newer
-- stack on newer prompts measures, not as the model getting cheaper by itself.
with best as (
    -- each release's chat task (v2 chat, v3 lm-arena-chat), as the release registry names it
    select
        runs.benchmark_release,
        runs.model_key,
        runs.accelerator,
        runs.task,
        min(runs.energy_per_output_token_j) as best_energy_per_output_token_j,
        count(*) as runs
    from marts.fct_workload_energy as runs
    inner join seeds.mlenergy_releases as releases
        on runs.benchmark_release = releases.release
        and runs.task = releases.chat_task
    where runs.task_family = 'llm_text_generation'
        and coalesce(runs.avg_tpot_s, runs.median_itl_s) <= 0.1
    group by all
)

select
    v2.model_key,
    v2.accelerator,
    v2.task as v2_task,
    v3.task as v3_task,
    round(v2.best_energy_per_output_token_j, 4) as v2_energy_per_output_token_j,
    round(v3.best_energy_per_output_token_j, 4) as v3_energy_per_output_token_j,
    round(v3.best_energy_per_output_token_j / v2.best_energy_per_output_token_j, 3) as v3_to_v2_ratio,
    v2.runs as v2_runs,
    v3.runs as v3_runs
from best as v2
inner join best as v3
    on v2.model_key = v3.model_key
    and v2.accelerator = v3.accelerator
where v2.benchmark_release = 'v2'
    and v3.benchmark_release = 'v3'
order by v2.model_key, v2.accelerator, v2.task, v3.task;
