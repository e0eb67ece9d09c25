"""A report's text layer: what every reader needs to know about the document as a whole.

pypdfium2 (which camelot 2 parses with) reads each page's text in a few milliseconds, so the
whole document is read first: to refuse a file with no text layer, to pick the pages worth
running the table reader on, to find footnotes (`p Scope 2 emissions on a market basis`),
the abbreviations the document defines (`mmt = Million metric tons`) and the reporting
period it states (`FY21 (the reporting period)`), and to give the text readers their lines.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pypdfium2 as pdfium

from energy_index.defs.corporate import ocr, units
from energy_index.defs.corporate.superscripts import raised_marks
from energy_index.defs.corporate.values import decimal_comma, with_decimal_points

# A page is worth the table reader when it talks about emissions or energy and holds figures.
TOPIC = re.compile(r"scope\s?[123]|greenhouse|\bghg\b|co2|emission|electricity|\b[mgkt]wh\b|energy consum"
                   r"|\bpue\b|power usage effectiveness", re.IGNORECASE)
TABLE_HEADER = re.compile(r"^(?:metric|parameter|indicator|kpi)s?\b.*\b(?:units?|quantity|value)\b", re.IGNORECASE)
YEAR_HEADER = re.compile(r"^(?:(?:fy\s?'?)?(?:19|20)?\d{2}\b[^\w\n]{0,4}\s*){2,}$", re.IGNORECASE)
# A figure: thousands separators, decimals, or three or more digits that are not a year (prose is full of years).
FIGURE = re.compile(r"(?<![\w.])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\w])|(?<![\w.])\d+\.\d+(?![\w])"
                    r"|(?<![\w.])(?!(?:19|20)\d{2}(?![\w]))\d{3,}(?![\w])")
MIN_FIGURES = 8
MIN_CHARS_PER_PAGE = 20
SYMBOL_MARKS = "*\u2020\u2021\u00a7\u00b6#"
MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
DATE = rf"(?:(?:{MONTHS})\s+\d{{1,2}},?|\d{{1,2}}\s+(?:{MONTHS}))\s+(\d{{4}})"  # 'July 1, 2021' or '1 July 2021'
YEAR_ENDED = re.compile(  # 'year ended 30 June 2024', 'fiscal year ending March 31, 2024'
    rf"\byears?\s+end(?:ed|ing)\s+(?:on\s+)?((?:{MONTHS})\s+\d{{1,2}}|\d{{1,2}}\s+(?:{MONTHS})),?\s+(\d{{4}})",
    re.IGNORECASE)
PERIOD_STATEMENTS = [  # (pattern, period type); group 1 is the year (2 or 4 digits)
    (r"(?:fiscal\s+year|\bfy)\s*'?(\d{4}|\d{2})\s*\(?(?:the\s+)?reporting\s+(?:period|year)", "fiscal"),
    (r"reporting\s+(?:period|year)\s*(?:\(|:|is|was|of|covers|covering)?\s*(?:the\s+)?(?:fiscal\s+year|\bfy)\s*'?(\d{4}|\d{2})",
     "fiscal"),
    (r"(?:calendar\s+year|\bcy)\s*(\d{4})\s*\(?(?:the\s+)?reporting\s+(?:period|year)", "calendar"),
    (r"reporting\s+(?:period|year)\s*(?:\(|:|is|was|of|covers|covering)?\s*(?:the\s+)?calendar\s+year\s*(\d{4})", "calendar"),
]


class NoTextLayer(RuntimeError):
    """A PDF whose pages are images (a scan): there is nothing for a reader to read."""


@dataclass(frozen=True)
class Period:
    year: int
    period_type: str  # fiscal | calendar
    evidence: str


@dataclass
class Document:
    path: Path
    pages: list[str]                         # the text of each page; page n is pages[n - 1]
    glossary: dict = field(default_factory=dict)
    reporting_period: Period | None = None
    ocr_lines: dict[int, list[str]] = field(default_factory=dict)  # page -> lines read by OCR (added to pages)
    ocr_skipped: str = ""                    # why pages that needed OCR were not read
    raised: dict[int, dict[str, str]] = field(default_factory=dict)  # page -> {'38': '3'}: a raised note off
    decimal_comma: bool = False              # numbers written '1.234,5': the pages are given with points
    scale_notes: dict[int, tuple[float, str]] = field(default_factory=dict)  # page -> 'All figures in thousands'

    def in_points(self, text: str) -> str:
        """Text from the PDF (a table cell) with its numbers as the pages have them: decimal points."""
        return with_decimal_points(text) if self.decimal_comma else text

    def without_raised_note(self, page: int, text: str) -> str:
        """A figure as printed, without a footnote digit set as a superscript after it ('38' -> '3')."""
        return self.raised.get(page, {}).get(text.strip(), text)

    def read_by_ocr(self, page: int, evidence: str) -> bool:
        """Whether a reading's evidence (its row or line) came from OCR on that page."""
        head = " ".join(evidence.split())[:60]
        return bool(head) and any(head in " ".join(line.split()) or " ".join(line.split()) in head
                                  for line in self.ocr_lines.get(page, []))

    def lines(self, page: int) -> list[str]:
        return [line.strip() for line in self.pages[page - 1].splitlines() if line.strip()]

    def relevant_pages(self) -> list[int]:
        """Pages that mention emissions or energy and hold a table: a table's worth of figures, or
        a header line (years, or 'Parameter | Quantity | Units') with figures below it."""
        return [n for n, text in enumerate(self.pages, start=1) if TOPIC.search(text) and (
            len(FIGURE.findall(text)) >= MIN_FIGURES
            or (any(YEAR_HEADER.match(line) or TABLE_HEADER.match(line) for line in self.lines(n))
                and len(FIGURE.findall(text)) >= 3))]

    def line_above(self, page: int, cells: list[str]) -> str:
        """The line printed just above the line holding these cells (a table's title that the
        table reader left outside the table), or ''."""
        wanted = " ".join(" ".join(c for c in cells if c).split())
        lines = self.lines(page)
        for index, line in enumerate(lines):
            if wanted and " ".join(line.split()).startswith(wanted):
                return lines[index - 1] if index else ""
        return ""

    def footnotes(self, mark: str, page: int) -> list[str]:
        """The texts of footnote `mark` (`p`, `*`, `4`) on the label's page, else on the first
        other page that has one. A page may hold several notes with one mark (one for the prose,
        one for a table), so all are returned. A note runs on over the lines below it until the
        next note or a line that starts a sentence of body text after a full stop.

        A letter or digit mark must start its line; a symbol may stand mid-line, as in a
        note set beside a table (`... Carbon Methodology * Scope 2 and 3 ... market-based`).
        """
        start = r"(?:^|\s)" if mark in SYMBOL_MARKS else "^"
        pattern = re.compile(rf"{start}{re.escape(mark)}[.)]?\s+([A-Z][^\n]{{8,}})")
        for number in [page] + [n for n in range(1, len(self.pages) + 1) if n != page]:
            lines, notes = self.lines(number), []
            for index, line in enumerate(lines):
                match = pattern.search(line)
                if match:
                    notes.append(" ".join([match.group(1).strip(), *_continuation(lines[index + 1:index + 4])]))
            if notes:
                return notes
        return []


def _continuation(lines: list[str]) -> list[str]:
    """The lines a wrapped footnote runs on over: until a line opening another note, or the line
    after one that ends a sentence."""
    taken = []
    for line in lines:
        if re.match(r"^(?:\d{1,2}|[a-z]|[*\u2020\u2021])[.)]?\s+[A-Z]", line) or (taken and taken[-1].endswith(".")):
            break
        taken.append(line)
    return taken


def read_document(path: Path) -> Document:
    """Every page's text, with what OCR reads where figures are images (see `ocr`); raises
    NoTextLayer when there is still no text (a scan, and no OCR). The caller has checked the file opens."""
    document = pdfium.PdfDocument(str(path))
    try:
        pages, raised = [], {}
        for number, page in enumerate(document, 1):
            textpage = page.get_textpage()
            pages.append(textpage.get_text_range().replace("\r\n", "\n").replace("\r", "\n"))
            if TOPIC.search(pages[-1]) and (marks := raised_marks(textpage)):
                raised[number] = marks
            textpage.close()
            page.close()
        read = ocr.read_images(document, pages, MIN_CHARS_PER_PAGE, MIN_FIGURES)
    finally:
        document.close()
    pages = [f"{text}\n" + "\n".join(read.lines[n]) if n in read.lines else text for n, text in enumerate(pages, 1)]
    if pages and sum(len(re.sub(r"\s", "", text)) for text in pages) < MIN_CHARS_PER_PAGE * len(pages):
        raise NoTextLayer(f"no text layer: {len(pages)} page(s) with almost no text (a scanned document?)"
                          + (f"; {read.skipped}" if read.skipped else ""))
    full = "\n".join(pages)
    comma = decimal_comma(full)
    if comma:
        pages, full = [with_decimal_points(text) for text in pages], with_decimal_points(full)
    notes = {n: note for n, text in enumerate(pages, 1) if (note := units.scale_note(text))}
    return Document(path=path, pages=pages, glossary=units.glossary(full), reporting_period=stated_period(full),
                    ocr_lines=read.lines, ocr_skipped=read.skipped, raised=raised, decimal_comma=comma,
                    scale_notes=notes)


def stated_period(text: str) -> Period | None:
    """The reporting period the document states in words, the most often stated one if several."""
    found: Counter = Counter()
    evidence: dict[tuple[int, str], str] = {}
    for pattern, period_type in PERIOD_STATEMENTS:
        for match in re.finditer(pattern, text, re.IGNORECASE):
            year = _four_digits(match.group(1))
            found[(year, period_type)] += 1
            evidence.setdefault((year, period_type), " ".join(match.group(0).split()))
    # 'Reporting year / Start date / January 1, 2022 / End date / December 31, 2022' (CDP's C0.2) too.
    for match in re.finditer(rf"(?:reporting\s+(?:period|year)|for\s+the\s+period)[^.]"
                             rf"{{0,60}}?\(?({DATE})\s*(?:-|\u2013|to|through|until|end\s+date)?\s*({DATE})",
                             text, re.IGNORECASE):
        start = match.group(1).lower()
        calendar = start.startswith("january 1") or re.match(r"1\s+january", start) is not None
        key = (_four_digits(match.group(4)), "calendar" if calendar else "fiscal")
        found[key] += 1
        evidence.setdefault(key, " ".join(match.group(0).split()))
    for match in YEAR_ENDED.finditer(text):
        day_month = " ".join(match.group(1).lower().split())
        # a year that ends anywhere but 31 December is a fiscal year
        key = (int(match.group(2)), "calendar" if day_month in ("december 31", "31 december") else "fiscal")
        found[key] += 1
        evidence.setdefault(key, " ".join(match.group(0).split()))
    if not found:
        return None
    (year, period_type), _ = found.most_common(1)[0]
    return Period(year, period_type, evidence[(year, period_type)])


def _four_digits(digits: str) -> int:
    return 2000 + int(digits) if len(digits) == 2 else int(digits)
