"""The ratings domain: carbon-efficiency ratings of AI models and their labels."""

from energy_index.defs.domains import domain_definitions
from energy_index.defs.ratings.assets import fct_model_ratings, model_labels

defs = domain_definitions("ratings", [fct_model_ratings, model_labels])
