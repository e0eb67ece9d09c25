"""`make bench`: the project's benchmarks, kept apart from the product (`energy_index`).

Parts (`python -m energy_index_bench [pipeline] [lake] [aei]`, or `ENERGY_INDEX_BENCH=lake make bench`;
all by default): `pipeline` (refreshes cold, no-op, one source touched and warm; the code location's
load; faults healed; the report reader; the estimators; where a cold refresh's time goes), `lake`
(the published lake under analysts' queries in both warehouse profiles, and the local catalog's
choice), `aei` (the Economic Index long format's ingest against bare DuckDB). Every timing is
reported beside a baseline measured in the same run where one exists.
"""
