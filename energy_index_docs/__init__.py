"""The docs site's generated pages: the reference (CLI, settings, tables, assumptions, benchmark)
from the code, the dbt manifest and `make bench`'s output, and the published index from the lake's
latest snapshot. `docs/gen_pages.py` (mkdocs-gen-files) calls it on every `mkdocs build`."""

DBT_DOCS_ENV = "ENERGY_INDEX_DBT_DOCS"  # where `make docs` wrote the dbt docs the site embeds
