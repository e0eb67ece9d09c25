"""The Economic Index domain: each release's files and raw tables (one partition per release),
checks, and the usage and trend reports."""

from energy_index.defs.domains import domain_definitions
from energy_index.defs.economic_index.assets import economic_index_release
from energy_index.defs.economic_index.checks import interaction_shares_sum_to_100, task_statement_match_rate
from energy_index.defs.economic_index.report import economic_index_usage
from energy_index.defs.economic_index.source import economic_index_files, upstream_economic_index
from energy_index.defs.economic_index.trend_report import economic_index_trend

defs = domain_definitions(
    "economic_index", [upstream_economic_index, economic_index_files, economic_index_release, economic_index_usage,
                         economic_index_trend],
    checks=[interaction_shares_sum_to_100, task_statement_match_rate])
