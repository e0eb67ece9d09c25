"""The corporate domain: registered sustainability reports, read into metrics, and the readers' accuracy."""

from energy_index.defs.corporate.accuracy import corporate_reader_accuracy, upstream_reader_truth
from energy_index.defs.corporate.assets import corporate_reports, upstream_corporate_reports
from energy_index.defs.domains import domain_definitions

defs = domain_definitions("corporate", [upstream_corporate_reports, corporate_reports, upstream_reader_truth,
                                        corporate_reader_accuracy])
