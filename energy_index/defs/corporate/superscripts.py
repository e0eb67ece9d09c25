"""Footnote digits set as superscripts right after a figure: `3⁸` is 3 with note 8, not 38.

The text layer and the table reader both glue a raised digit to the figure before it ('38'), so
the only evidence is geometric: the note's digits sit higher than the figure's (their box
starts above its baseline by a quarter of its height or more) and are smaller. Read from the
character boxes pypdfium2 gives, on the pages the readers will look at.
"""

from __future__ import annotations

import re

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

FIGURE_CHARS = set("0123456789,.")
RAISED, SMALLER = 0.25, 0.85  # of the figure's first digit: height above its baseline, height


def raised_marks(textpage: pdfium.PdfTextPage) -> dict[str, str]:
    """Figures printed with a raised footnote digit on this page, as the text reads them and
    without the note: {'38': '3'}. A string also printed plainly on the page is left alone: the
    table reader's cell could be either."""
    found: dict[str, str] = {}
    plain: set[str] = set()
    run: list[tuple[str, tuple]] = []
    count = textpage.count_chars()
    for index in range(count + 1):
        char = chr(pdfium_c.FPDFText_GetUnicode(textpage, index)) if index < count else " "
        if char in FIGURE_CHARS:
            run.append((char, textpage.get_charbox(index)))
            continue
        if len(run) >= 2 and not _record(run, found):
            plain.add("".join(c for c, _ in run))
        run = []
    return {printed: figure for printed, figure in found.items() if printed not in plain}


def _record(run: list[tuple[str, tuple]], found: dict[str, str]) -> bool:
    """Record the run if it ends in a raised note; True when it did."""
    digits = [(i, box) for i, (char, box) in enumerate(run) if char.isdigit()]
    if len(digits) < 2:
        return False
    _, (_, base, _, top) = digits[0]
    height = top - base
    if height <= 0:
        return False
    raised = [i for i, (_, bottom, _, upper) in digits
              if bottom - base >= RAISED * height and upper - bottom < SMALLER * height]
    tail = len(run) - raised[0] if raised else 0
    if raised and raised == list(range(raised[0], len(run))) and tail <= 2 and raised[0] > 0:
        printed = "".join(char for char, _ in run)
        figure = re.sub(r"[,.]$", "", printed[: raised[0]])
        if re.search(r"\d", figure):
            found[printed] = figure
            return True
    return False
