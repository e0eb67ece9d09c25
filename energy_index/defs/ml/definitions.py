"""The ml domain: the energy classifier, the energy regressors, their drivers and trade-offs, and
the checks that their grouped cross-validation scores have not regressed."""

from energy_index.defs.domains import domain_definitions
from energy_index.defs.ml.assets import energy_classifier_baseline
from energy_index.defs.ml.energy_models import energy_drivers, energy_model_evaluation, energy_model_production
from energy_index.defs.ml.quality_checks import ML_QUALITY_CHECKS
from energy_index.defs.ml.tradeoffs import fct_model_tradeoffs

defs = domain_definitions("ml", [energy_classifier_baseline, energy_model_evaluation, energy_model_production,
                                 energy_drivers, fct_model_tradeoffs], checks=ML_QUALITY_CHECKS)
