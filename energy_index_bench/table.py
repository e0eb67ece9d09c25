"""The benchmarks' table of (metric, value, unit) rows."""


def format_table(rows: list[tuple[str, float | int, str]]) -> str:
    cells = [(name, f"{value:,}" if isinstance(value, int) else f"{value:,.3f}", unit)
             for name, value, unit in rows]
    width = max(len(name) for name, _, _ in cells + [("metric", "", "")])
    vwidth = max(len(value) for _, value, _ in cells + [("", "value", "")])
    lines = [f"{'metric':<{width}}  {'value':>{vwidth}}  unit", "-" * (width + vwidth + 10)]
    return "\n".join(lines + [f"{n:<{width}}  {v:>{vwidth}}  {u}" for n, v, u in cells])
