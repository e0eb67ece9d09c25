"""The publish domain: each refresh committed to the lake analysts query, as one snapshot."""

from energy_index.defs.domains import domain_definitions
from energy_index.defs.publish.assets import analytics_snapshot

defs = domain_definitions("publish", [analytics_snapshot])
