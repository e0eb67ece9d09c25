-- For models never measured, which estimator predicts energy best? Held-out median error of our
-- estimator, EcoLogits' per-token formula and the median of other models, per task.
select
    modality,
    task_family,
    task,
    estimator,
    n_models,
    n_runs,
    round(median_ape, 1) as median_error_pct,
    round(mape, 1) as mean_error_pct
from marts.fct_inference_estimator_accuracy
order by modality, task_family, task, median_ape
