-- For models, releases and GPUs never measured, which estimator predicts energy best? Held-out
-- median error of our estimator, EcoLogits' per-token formula and the median of other models,
-- per validation (a model held out, a whole release held out, a whole GPU held out), with the
-- share of held-out runs inside our stated range.
select
    validation,
    held_out,
    modality,
    task,
    estimator,
    n_models,
    n_runs,
    round(median_ape, 1) as median_error_pct,
    round(mape, 1) as mean_error_pct,
    round(inside_range_pct, 1) as inside_range_pct
from marts.fct_inference_estimator_accuracy
where task like 'all %'
order by validation, held_out, modality, median_ape
