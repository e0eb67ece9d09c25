"""Every table camelot finds in a PDF, cell by cell, with page provenance.

Sustainability reports set tables by whitespace, without ruling lines. camelot's `stream`
flavour reads most of them (side-by-side tables come out as one wide grid, which the
recogniser splits into blocks); `network` finds some that stream misses (the fact sheet's
Table 7). Both are kept, labelled; the recogniser prefers stream where both read a value.
Only the pages the text layer marks as worth it are read (see `document.relevant_pages`).
A file that is not a readable PDF raises `ReportError`; a PDF without tables gives [].
"""

import re
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium

FLAVORS = ("stream", "network")
PAGES_PER_CALL = 10


class ReportError(RuntimeError):
    """A report that cannot be parsed; the message names the file and the problem."""

    def __init__(self, path: Path | str, problem: str):
        self.path, self.problem = str(path), problem
        super().__init__(f"{path}: {problem}")


@dataclass
class ExtractedTable:
    page: int
    index: int
    flavor: str
    cells: list[list[str]]
    report: dict

    def cell_rows(self) -> list[dict]:
        """One dict per non-empty cell, as stored in raw.corporate_report_tables."""
        return [{"page": self.page, "table_index": self.index, "row_index": r, "column_index": c, "text": text,
                 "flavor": self.flavor, "parsing_report": str(self.report)}
                for r, row in enumerate(self.cells) for c, text in enumerate(row) if text]


def clean_cell(text: str) -> str:
    """A cell's text, with a drop capital set apart from its word joined back ('E\nmissions')."""
    return re.sub(r"^([A-Z])\n(?=[a-z])", r"\1", text.strip())


def page_count(path: Path) -> int:
    """Open the PDF once to turn unreadable, encrypted or truncated files into a clear error."""
    if not path.exists():
        raise ReportError(path, "file does not exist")
    if path.is_dir():
        raise ReportError(path, "is a directory, not a PDF file (give the path of one report)")
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise ReportError(path, f"cannot be opened: {exc.strerror or exc}") from exc
    with handle:
        if handle.read(5) != b"%PDF-":
            raise ReportError(path, "not a PDF (no %PDF- header)")
    try:
        document = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise ReportError(path, "encrypted: the PDF needs a password to open") from exc
        raise ReportError(path, f"unreadable PDF ({exc}); truncated or damaged") from exc
    try:
        return len(document)
    finally:
        document.close()


def _read_in_chunks(path: Path, pages: list[int], flavor: str):
    """camelot's tables, PAGES_PER_CALL pages at a time, so memory stays bounded on long reports."""
    import camelot  # lazily: camelot (with pandas, OpenCV, pdfminer) is slow to import

    for start in range(0, len(pages), PAGES_PER_CALL):
        chunk = ",".join(map(str, pages[start:start + PAGES_PER_CALL]))
        try:
            yield from camelot.read_pdf(str(path), pages=chunk, flavor=flavor, suppress_stdout=True)
        except Exception as exc:  # camelot raises bare exceptions from several layers
            raise ReportError(path, f"camelot ({flavor}) could not read the tables: {exc}") from exc


def extract_tables(path: Path, pages: list[int]) -> list[ExtractedTable]:
    """Every table on the given pages (1-based), by every flavour, numbered per page."""
    if not pages:
        return []
    extracted, per_page = [], {}
    for flavor in FLAVORS:
        for table in _read_in_chunks(path, pages, flavor):
            page = int(table.page)
            per_page[page] = per_page.get(page, 0) + 1
            cells = [[clean_cell(str(v)) for v in row] for row in table.df.itertuples(index=False)]
            extracted.append(ExtractedTable(page=page, index=per_page[page], flavor=flavor, cells=cells,
                                            report=dict(table.parsing_report)))
    return extracted
