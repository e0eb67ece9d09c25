"""Markdown for generated pages: tables whose cells cannot break the table."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def cell(value) -> str:
    """A value as one table cell: no line breaks, pipes escaped, nothing for null."""
    if value is None:
        return ""
    if isinstance(value, float):
        value = f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value).replace("\n", " ").replace("|", "\\|")


def table(headers: Sequence[str], rows: Iterable[Sequence]) -> str:
    """A pipe table; an empty table says so instead of showing a header alone."""
    rows = [[cell(v) for v in row] for row in rows]
    if not rows:
        return "*(no rows)*\n"
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join("---" for _ in headers) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def generated_note(source: str) -> str:
    """The line every generated page opens with, saying where it comes from."""
    return f"!!! note \"Generated\"\n    This page is generated from {source} on every `make docs`; do not edit it.\n\n"
