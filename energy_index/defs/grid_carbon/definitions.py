"""The grid-carbon domain: Google Cloud region intensities and CodeCarbon's country energy mix."""

from energy_index.defs.domains import domain_definitions
from energy_index.defs.grid_carbon.assets import (
    google_region_carbon,
    google_region_carbon_files,
    upstream_google_region_carbon,
)
from energy_index.defs.grid_carbon.countries import (
    codecarbon_country_energy_mix,
    upstream_codecarbon_country_energy_mix,
)

defs = domain_definitions("grid_carbon", [upstream_google_region_carbon, google_region_carbon_files,
                                          google_region_carbon, upstream_codecarbon_country_energy_mix,
                                          codecarbon_country_energy_mix])
