"""The analyst domain: views named for analysts' questions, built after every mart they read."""

from energy_index.defs.analyst.assets import analyst_views
from energy_index.defs.domains import shared_definitions

defs = shared_definitions([analyst_views])
