"""The analysis domain: GPU comparisons and serving scenarios built on the workload energy."""

from energy_index.defs.analysis.gpu_comparison import gpu_comparison
from energy_index.defs.analysis.scenarios import fct_scenarios
from energy_index.defs.domains import domain_definitions

defs = domain_definitions("analysis", [gpu_comparison, fct_scenarios])
