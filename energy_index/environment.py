"""Every environment variable Energy Index reads: its name, default and meaning, in one registry.

`energy_index/settings.py` reads them; the docs' settings reference is generated from this list,
and a test fails when the code reads a variable the list does not name.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EnvironmentSetting:
    """One variable (or a family of them, comma-separated), its default and what it does."""

    name: str
    default: str
    meaning: str


ENVIRONMENT = (
    EnvironmentSetting('ENERGY_INDEX_HOME', '`./data`',
                       "Working files: `warehouse.duckdb`, `lake/` (the local profile's published "
                       'lake: `catalog.sqlite` and `data/`), `cache/` (downloads, extracted archives '
                       "and parsed reports), `logs/` (each `make run`'s full log), `models/`, "
                       '`labels/` (model rating labels), `charts/` and `reports/` (the plots and '
                       "charts the UI shows, served by `energy-index files`), `bench.json`. dbt's "
                       '`profiles.yml` reads the same variable, so Python and dbt always share one '
                       'database.'),
    EnvironmentSetting('ENERGY_INDEX_MIRROR', 'unset',
                       'A directory or an http(s) base URL. `https://host/path` becomes '
                       '`<mirror>/host/path`. URLs that would escape the mirror (`..`, encoded `..`, '
                       'non-http schemes) are refused.'),
    EnvironmentSetting('ENERGY_INDEX_CORPORATE_TRUTH', '`../shared/corporate/truth.csv` when present',
                       'Truth files (figures read by eye from reports, `os.pathsep`-separated) that '
                       '`quality/corporate_reader_accuracy` scores the report reader against, besides'
                       " the project's own `dbt_project/seeds/corporate_reader_truth.csv`."),
    EnvironmentSetting('ENERGY_INDEX_TRAINING_DIR', '`../shared/training` when present',
                       'A directory with `reference.csv` (published training figures) and '
                       '`gpu_specs.csv` (accelerator TDPs), read by `raw/training_reference` and '
                       '`raw/accelerator_specs`. Point it at your own files to validate against other'
                       ' published models. Unset and absent: those assets say so in their metadata, '
                       'leave their tables as they were, and the rest of the refresh goes on.'),
    EnvironmentSetting('ENERGY_INDEX_POOL_WAIT_S', '`600`',
                       'How long `make run` waits for a *live* run to release the `warehouse` pool '
                       'before it stops with exit code 3, naming the run, its job, step and start '
                       'time. Runs whose process died are not waited for: they are marked failed '
                       'first.'),
    EnvironmentSetting('ENERGY_INDEX_LOCK_WAIT_S', '`60`',
                       'How long a refresh (and every warehouse step) waits for another process to '
                       'release the warehouse file, before it stops naming the file and the holding '
                       'process (`python3.11 (PID 1234)`). Exit code 3 from `make run`.'),
    EnvironmentSetting('ENERGY_INDEX_COUNTRY', "unset (CodeCarbon's world average, 475 gCO2e/kWh)",
                       'ISO 3166-1 alpha-3 code of the grid our own footprint is counted on (`FRA`, '
                       '`POL`, `USA`...).'),
    EnvironmentSetting('ENERGY_INDEX_FOOTPRINT', '`on`',
                       '`off` stops CodeCarbon measuring the steps (rows are still written, with '
                       '`mode = off`).'),
    EnvironmentSetting('ENERGY_INDEX_WORKERS', "the machine's cores",
                       'Worker processes a step uses for CPU-bound work made of independent items: '
                       'reading report PDFs, drawing model labels (`energy_index/parallel.py`). `1` '
                       "keeps it in the step's process."),
    EnvironmentSetting('ENERGY_INDEX_VERBOSE', 'unset',
                       "`1` makes `energy-index run` stream Dagster's and dbt's full log to the "
                       'terminal (as `-v` does) instead of writing it to '
                       '`$ENERGY_INDEX_HOME/logs/refresh-<time>.log` (the last 20 are kept).'),
    EnvironmentSetting('ENERGY_INDEX_FILES_URL', '`http://127.0.0.1:3100`',
                       "Where the UI's browser reaches the file server `make dev` starts "
                       '(`energy-index files --host --port`): the charts and labels shown inline.'),
    EnvironmentSetting('ENERGY_INDEX_WAREHOUSE', '`local`',
                       'The warehouse profile: `local` or `team` '
                       '([profiles](../how-to/team-profile.md)).'),
    EnvironmentSetting('ENERGY_INDEX_LAKE_CATALOG', '`sqlite:$ENERGY_INDEX_HOME/lake/catalog.sqlite`',
                       "The lake's DuckLake catalog, as DuckLake spells it after `ducklake:`. The "
                       'team profile needs it: `postgres:dbname=lake host=db.internal '
                       'user=energy_index password=...` (any libpq connection string).'),
    EnvironmentSetting('ENERGY_INDEX_LAKE_DATA', '`$ENERGY_INDEX_HOME/lake/data/`',
                       "Where the lake's Parquet files go: a directory every machine mounts, or "
                       '`s3://bucket/prefix/`, used by the lake alone (each publish deletes Parquet '
                       'files under it that no snapshot references) (credentials from '
                       '`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, and '
                       '`AWS_ENDPOINT_URL` for MinIO or another S3-compatible store). The team '
                       'profile needs it.'),
    EnvironmentSetting('ENERGY_INDEX_DAGSTER_POSTGRES_URL', 'unset',
                       "Team profile: Dagster's instance storage, "
                       '`postgresql+psycopg2://user:password@host:5432/dagster` (the `+psycopg2` '
                       'matters: SQLAlchemy would otherwise look for psycopg 3).'),
    EnvironmentSetting('FULL', 'unset',
                       '`FULL=1 make run` rebuilds every asset and report partition whether it '
                       'changed or not (same as `energy-index run --full`).'),
    EnvironmentSetting('REBUILD', 'unset',
                       '`REBUILD=raw/mlenergy_runs make run` rebuilds those assets (comma-separated) '
                       'and everything downstream of them, changed or not (same as `energy-index run '
                       '--rebuild raw/mlenergy_runs`). An unknown asset key stops the refresh with '
                       'exit code 3, naming it.'),
    EnvironmentSetting('DAGSTER_HOME', '`./.dagster_home` (set by the Makefile)',
                       "Dagster's run history and schedules. `energy-index run` and `make dev` write "
                       '`dagster_instance.yaml` there as `dagster.yaml`, plus PostgreSQL storage on '
                       'the team profile (`energy-index instance` writes it alone). It limits the '
                       '`warehouse` pool to one step at a time and one run at a time, because DuckDB '
                       'allows a single writer.'),
    EnvironmentSetting('ENERGY_INDEX_BENCH', 'unset (every part)',
                       '`make bench` runs these parts only, comma- or space-separated: `pipeline`, '
                       '`lake`, `aei` (e.g. `ENERGY_INDEX_BENCH=lake make bench`).'),
    EnvironmentSetting('AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_ENDPOINT_URL', 'unset',
                       'Credentials and endpoint of the S3 (or S3-compatible: MinIO, R2) store when '
                       '`ENERGY_INDEX_LAKE_DATA` is an `s3://` path.'),
    EnvironmentSetting('DBT_TARGET_PATH', '`$ENERGY_INDEX_HOME/dbt` (set by the settings)',
                       "dbt's target directory. The settings set it to `<home>/dbt`, since dbt's "
                       'parse state is valid for one warehouse path only. Set when `make docs` runs, '
                       'the dbt docs are written there instead of `ENERGY_INDEX_DBT_DOCS`.'),
    EnvironmentSetting('ENERGY_INDEX_DBT_DOCS', '`$ENERGY_INDEX_HOME/dbt-docs`',
                       'Where `make docs` writes the dbt docs (`dbt docs generate --static`) that the docs site '
                       'embeds as its dbt catalog (`DBT_TARGET_PATH` overrides it for `make docs`).'),
    EnvironmentSetting('ENERGY_INDEX_DOCS_EXECUTE', '`true` under `make docs`, else `false`',
                       'Whether `mkdocs build` executes the notebook tour against the lake before rendering it '
                       '(`make docs` does; `ENERGY_INDEX_DOCS_EXECUTE=false make docs` renders it without outputs).'),
)
