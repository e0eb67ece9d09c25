"""The footprint domain: Energy Index's own energy and emissions, per step, measured by CodeCarbon."""

from energy_index.defs.domains import domain_definitions
from energy_index.defs.footprint.assets import pipeline_emissions

defs = domain_definitions("footprint", [pipeline_emissions])
