-- How has the energy-label classifier scored across training runs?
select
    trained_at,
    population,
    estimator,
    evaluation_scheme,
    n_runs,
    round(accuracy, 4) as accuracy,
    round(macro_f1, 4) as macro_f1
from ml.energy_classifier_metrics
order by trained_at desc, population, estimator;
