"""Every domain's dbt models, seeds and tests, built by one dbt invocation; each model is shown in
its own domain's group (its dbt group, dbt_project/models/groups.yml)."""

from energy_index.defs.domains import shared_definitions
from energy_index.defs.transform.assets import dbt_models

defs = shared_definitions([dbt_models])
