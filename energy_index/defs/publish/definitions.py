"""The publish domain: the read-only analytics snapshot analysts query."""

from energy_index.defs.domains import domain_definitions
from energy_index.defs.publish.assets import analytics_snapshot

defs = domain_definitions("publish", [analytics_snapshot])
