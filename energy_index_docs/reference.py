"""Reference pages generated from the code: the CLI, the settings, the assumptions, the benchmark."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

from energy_index_docs.markdown import generated_note, table

HELP_WIDTH = "100"  # argparse wraps to $COLUMNS: fixed, so the page does not depend on the terminal


def cli_page() -> str:
    """Every `energy-index` command with its full `--help`, from the argument parsers."""
    os.environ["COLUMNS"] = HELP_WIDTH
    from energy_index.cli import build_parser

    parser = build_parser()
    commands = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    helps = {choice.dest: choice.help for choice in commands._choices_actions}
    text = "# Command line: `energy-index`\n\n" + generated_note("the argument parsers (`energy_index/cli.py`)")
    text += table(["command", "what it does"], [(f"[`{n}`](#{n})", helps.get(n, "")) for n in commands.choices])
    text += "\n```text\n" + parser.format_help() + "```\n"
    for name, sub in commands.choices.items():
        text += f"\n## {name}\n\n{helps.get(name, '')}\n\n```text\n{sub.format_help()}```\n"
    return text


def settings_page() -> str:
    """Every environment variable the project reads, from `energy_index/environment.py`."""
    from energy_index.environment import ENVIRONMENT

    text = "# Settings and environment variables\n\n" + generated_note("`energy_index/environment.py`")
    text += ("Set them in the environment of `make run`, `make dev` or `energy-index`. "
             "[Configure a refresh](../how-to/configure.md) covers Dagster's run config and the fetcher.\n\n")
    return text + table(["variable", "default", "meaning"],
                        [(f"`{s.name}`", s.default, s.meaning) for s in ENVIRONMENT])


def assumptions_page(seed: Path) -> str:
    """The assumptions seed: every editable assumption with its value, unit and source."""
    with seed.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    text = "# Assumptions\n\n" + generated_note("`dbt_project/seeds/assumptions.csv`")
    text += ("Every figure that is assumed rather than measured is one row of the assumptions seed, published as "
             "`marts.dim_assumptions`. Edit the CSV and run `make run`: what reads an assumption is rebuilt.\n\n")
    return text + table(["name", "value", "unit", "meaning", "source"],
                        [(f"`{r['name']}`", r["value"], r["unit"], r["description"], r["source_note"]) for r in rows])


def bench_page(bench_json: Path) -> str:
    """`make bench`'s latest figures (`<home>/bench.json`), or how to produce them."""
    text = "# Benchmark figures\n\n" + generated_note("`make bench`'s output, `$ENERGY_INDEX_HOME/bench.json`")
    if not bench_json.exists():
        return text + (f"No `make bench` has run for this home (`{bench_json}` is missing). Run "
                       "`ENERGY_INDEX_MIRROR=../shared/mirror make bench`, then `make docs`. "
                       "[The benchmark](../concepts/benchmark.md) says what each part measures.\n")
    report = json.loads(bench_json.read_text())
    text += (f"Measured {report['timestamp'][:16].replace('T', ' ')} UTC, Python {report['python']}, "
             f"DuckDB {report['duckdb']}, parts: {', '.join(report['parts'])}; sources: `{report['source']}`. "
             "[The benchmark](../concepts/benchmark.md) says what each figure measures and its baseline.\n\n")
    return text + table(["figure", "value", "unit"],
                        [(f"`{name}`", m["value"], m["unit"]) for name, m in report["metrics"].items()])
