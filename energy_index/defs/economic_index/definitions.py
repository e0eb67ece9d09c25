"""The Economic Index domain: the release's files, its raw tables, checks and usage report."""

from energy_index.defs.domains import domain_definitions
from energy_index.defs.economic_index.assets import raw_tables
from energy_index.defs.economic_index.checks import interaction_shares_sum_to_100, task_statement_match_rate
from energy_index.defs.economic_index.report import economic_index_usage
from energy_index.defs.economic_index.source import economic_index_files, upstream_economic_index

defs = domain_definitions(
    "economic_index", [upstream_economic_index, economic_index_files, *raw_tables, economic_index_usage],
    checks=[interaction_shares_sum_to_100, task_statement_match_rate])
