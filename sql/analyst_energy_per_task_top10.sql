-- Which ten Economic Index tasks' AI use costs the most energy under the reference serving
-- scenario (see marts.dim_assumptions), and how much is that per conversation?
select
    task_name,
    round(conversation_share_pct, 3) as conversation_share_pct,
    model,
    gpu,
    serving_config,
    round(energy_wh_per_conversation, 3) as energy_wh_per_conversation,
    assumed_conversation_volume,
    round(task_energy_kwh, 3) as task_energy_kwh
from analyst.energy_per_task
where is_reference_scenario
order by task_energy_kwh desc, task_name
limit 10
