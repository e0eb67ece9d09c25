"""The estimates domain: published training figures, accelerator specs, and the estimators built on them."""

from energy_index.defs.domains import domain_definitions
from energy_index.defs.estimates.inference_assets import (
                                        fct_inference_estimator_accuracy,
)
from energy_index.defs.estimates.reference_assets import (
                                        accelerator_specs,
                                        training_reference,
                                        upstream_training_reference,
)
from energy_index.defs.estimates.training_assets import fct_training_emissions

defs = domain_definitions("estimates", [upstream_training_reference, training_reference, accelerator_specs,
                                        fct_training_emissions, fct_inference_estimator_accuracy])
