"""The report reader's part of `make bench`: accuracy on every scored report, and speed.

- Accuracy: every registered report the directory mirror holds is parsed and scored against
  the truth files (`settings.corporate_truth`), per truth set: exact %, unit-scale errors,
  false values.
- Speed: a generated 250-page report (prose about emissions and energy, with a data table on
  every 10th page) is parsed by
  `energy-index parse-report` in a child process: wall time, peak RSS, time per page; and the
  worst case, 250 pages that all hold a table. The
  baseline, measured in the same run, is camelot (stream and network) on every page of a
  25-page slice, per page: the cost the text-layer page filter avoids.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

from energy_index.defs.corporate.accuracy import truth_set
from energy_index.defs.corporate.registry import REPORTS
from energy_index.defs.corporate.report import parse_report
from energy_index.defs.corporate.scoring import read_truth, score_documents
from energy_index.settings import MIRROR_ENV, load_settings

LONG_PAGES = 250
SLICE_PAGES = 25
# Each child prints its own high-water RSS at exit: VmHWM counts only its own memory, while
# ru_maxrss from wait4 also holds the parent's resident size at the moment of exec.
PEAK = ("import atexit, sys; atexit.register(lambda: print('VmHWM', next(l.split()[1] for l in "
        "open('/proc/self/status') if l.startswith('VmHWM')), file=sys.stderr))")
OURS = PEAK + "; from energy_index.cli import main; sys.exit(main(sys.argv[1:]))"
CAMELOT_EVERY_PAGE = PEAK + ("; import camelot; [camelot.read_pdf(sys.argv[1], pages='all', flavor=f, "
                             "suppress_stdout=True) for f in ('stream', 'network')]")


def child(code: str, *args: str) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB) of a Python snippet run to completion in a child process."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True, check=False)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"bench: child {code[-60:]!r} exited with {done.returncode}: {done.stderr[-500:]}")
    peak_kib = next(int(line.split()[1]) for line in done.stderr.splitlines() if line.startswith("VmHWM"))
    return wall, peak_kib / 1024


def long_report(pages: int, table_every: int = 10) -> bytes:
    from energy_index_tests.fixtures.report_layouts import build, lines_at, rows_at

    prose = [f"Since 2019 we have worked with suppliers on their emissions and energy use; in 2023 {i} more joined."
             for i in range(34)]
    table = [["GHG emissions (tCO2e)", "2021", "2022", "2023"], ["Scope 1", "10,100", "10,500", "9,900"],
             ["Scope 2 (market-based)", "4,400", "4,100", "3,800"], ["Scope 2 (location-based)", "7,000", "7,100", "6,950"],
             ["Electricity consumption (MWh)", "20,400", "21,050", "21,300"]]

    def prose_page(pdf):
        lines_at(pdf, prose, y=570, size=8, step=15)

    def table_page(pdf):
        lines_at(pdf, ["Environmental data: our emissions and energy use by year"], y=570)
        rows_at(pdf, table, [40, 330, 400, 470], 530)
    return build([table_page if n % table_every == table_every // 2 else prose_page for n in range(pages)])


def speed() -> list[tuple[str, float, str]]:
    with tempfile.TemporaryDirectory(prefix="energy-index-bench-reports-") as tmp:
        long_path, slice_path = Path(tmp, "long.pdf"), Path(tmp, "slice.pdf")
        long_path.write_bytes(long_report(LONG_PAGES))
        slice_path.write_bytes(long_report(SLICE_PAGES))
        dense_path = Path(tmp, "dense.pdf")
        dense_path.write_bytes(long_report(LONG_PAGES, table_every=1))
        ours_s, ours_mib = child(OURS, "parse-report", str(long_path), "--format", "json")
        dense_s, dense_mib = child(OURS, "parse-report", str(dense_path), "--format", "json")
        base_s, base_mib = child(CAMELOT_EVERY_PAGE, str(slice_path))
    ours_page, base_page = ours_s / LONG_PAGES, base_s / SLICE_PAGES
    return [("report_250_pages_wall_time", ours_s, "s"), ("report_250_pages_peak_rss", ours_mib, "MiB"),
            ("report_250_table_pages_wall_time", dense_s, "s"), ("report_250_table_pages_peak_rss", dense_mib, "MiB"),
            ("report_per_page_ours", ours_page * 1000, "ms"),
            ("report_per_page_camelot_every_page", base_page * 1000, "ms"),
            ("report_per_page_ours_vs_camelot_ratio", ours_page / base_page, "x"),
            ("report_camelot_every_page_peak_rss", base_mib, "MiB")]


def accuracy() -> list[tuple[str, float, str]]:
    mirror = os.environ.get(MIRROR_ENV)
    if not mirror or "://" in mirror:
        print("bench: report accuracy needs a directory mirror (ENERGY_INDEX_MIRROR=../shared/mirror)", flush=True)
        return []
    frames, sets = [], []
    for path in load_settings().corporate_truth:
        truth = read_truth(path)
        sets.append((truth_set(path), truth))
        for document in truth["document"].unique().to_list():
            pdf = Path(mirror) / REPORTS[document].url.split("://", 1)[1] if document in REPORTS else None
            if pdf is not None and pdf.exists():
                frames.append(parse_report(pdf).metrics_frame(document, REPORTS[document].company))
    chosen = pl.concat(frames).filter(pl.col("is_primary") & pl.col("region").is_null())
    rows = []
    for name, truth in sets:
        scores = score_documents(truth.filter(pl.col("document").is_in(chosen["report_id"].unique().to_list())), chosen)
        rows += [(f"reader_{name}_truth_rows", int(scores["truth_rows"].sum()), "rows"),
                 (f"reader_{name}_exact", 100 * scores["exact"].sum() / max(scores["truth_rows"].sum(), 1), "%"),
                 (f"reader_{name}_unit_scale_errors", int(scores["unit_scale"].sum()), "rows"),
                 (f"reader_{name}_false_values", int(scores["false_values"].sum()), "values")]
    return rows


def report_rows() -> list[tuple[str, float, str]]:
    print("bench: report reader accuracy and speed ...", flush=True)
    return accuracy() + speed()
