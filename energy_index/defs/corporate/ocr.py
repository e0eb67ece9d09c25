"""Figures without a text layer: scanned pages, and tables set as images, read by OCR.

The engine is RapidOCR (`rapidocr-onnxruntime`): PaddleOCR's detection and recognition models
as ONNX files inside its wheel, run by onnxruntime on the CPU. Nothing is downloaded at run
time; `make install` installs it (see the docs for other systems). Where it is not installed,
scans keep the status `no_text_layer` and say so.

Which pages: in a scanned document (at least half its pages without text), every page; in
any document, a page whose text names a Scope but holds few figures while an image covers a
good part of it (the table is the image). A lone page without text in a report with a text
layer is a cover or a photograph, and is not read. Only the images are read on such a page,
at 144 dpi (at most 1,600 pixels a side), where digits come out right at 0.95+ confidence; the
lines are found on a copy at most 800 pixels a side, which keeps a page's peak memory low.
At most `MAX_PAGES` pages per document, the likeliest first, so a long report of photographs
stays within the time a report may take.
"""

from __future__ import annotations

import ctypes
import re
import statistics
from dataclasses import dataclass
from functools import cache

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw

RENDER_SCALE = 2.0          # points -> pixels: 144 dpi
# Recognition two lines at a time; detection on at most DETECTION_PIXELS a side (see `_engine`).
ENGINE_SETTINGS = {"rec_batch_num": 2}
DETECTION_PIXELS = 800      # finds the lines; each line is then read from the full-size image
MAX_PIXELS = 1600           # the longest side of what is read, in pixels
MIN_IMAGE_SHARE = 0.1       # smaller images are logos, icons and rules
MAX_PAGES = 12
MIN_CONFIDENCE = 0.6        # the engine's own score for a text box; below it a box is noise
GHG_WORDS = re.compile(r"scope\s?[123]", re.IGNORECASE)  # a GHG table's caption or heading names its scopes
FIGURE = re.compile(r"\d{1,3}(?:[,.\s]\d{3})+|\d+\.\d+")


@dataclass(frozen=True)
class OcrResult:
    lines: dict[int, list[str]]   # page -> lines read by OCR
    skipped: str = ""             # why pages that needed OCR were not read ('' when none were skipped)


def available() -> bool:
    try:
        import rapidocr_onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def read_images(document: pdfium.PdfDocument, texts: list[str], min_chars: int, min_figures: int) -> OcrResult:
    """OCR lines for the pages that need them (see the module doc)."""
    wanted = _pages_needing_ocr(document, texts, min_chars, min_figures)
    if not wanted:
        return OcrResult({})
    if not available():
        return OcrResult({}, f"{len(wanted)} page(s) hold figures only as images, and OCR is not installed "
                             "(rapidocr-onnxruntime; `make install` sets it up)")
    skipped = f"{len(wanted) - MAX_PAGES} more page(s) with images not read by OCR (limit {MAX_PAGES})" \
        if len(wanted) > MAX_PAGES else ""
    lines = {}
    for number, regions in wanted[:MAX_PAGES]:
        found = [line for region in regions for line in _read_region(document[number - 1], region)]
        if found:
            lines[number] = found
    return OcrResult(lines, skipped)


def _pages_needing_ocr(document: pdfium.PdfDocument, texts: list[str], min_chars: int,
                       min_figures: int) -> list[tuple[int, list[tuple[float, float, float, float] | None]]]:
    """(page, regions to read: None for the whole page), scans first, then pages by GHG words."""
    scans, images = [], []
    empty = [len(re.sub(r"\s", "", text)) < min_chars for text in texts]
    for number, text in enumerate(texts, start=1):
        if empty[number - 1]:
            if sum(empty) * 2 >= len(texts):  # a scanned document; else a cover or a photograph
                scans.append((number, [None]))
        elif GHG_WORDS.search(text) and len(FIGURE.findall(text)) < min_figures:
            regions = _image_regions(document[number - 1])
            if regions:
                images.append((len(GHG_WORDS.findall(text)), number, regions))
    images.sort(key=lambda item: -item[0])
    return scans + [(number, regions) for _, number, regions in images]


def _image_regions(page: pdfium.PdfPage) -> list[tuple[float, float, float, float]]:
    width, height = page.get_size()
    regions = []
    for image in page.get_objects(filter=(pdfium_raw.FPDF_PAGEOBJ_IMAGE,), max_depth=3):
        left, bottom, right, top = image.get_bounds()
        left, bottom, right, top = max(left, 0), max(bottom, 0), min(right, width), min(top, height)
        if right > left and top > bottom and (right - left) * (top - bottom) >= MIN_IMAGE_SHARE * width * height:
            regions.append((left, bottom, right, top))
    return regions


@cache
def _engine():
    """The engine, its three ONNX sessions rebuilt lean (see `_lean_session`)."""
    from rapidocr_onnxruntime import RapidOCR
    try:
        from rapidocr_onnxruntime.ch_ppocr_det.utils import DetPreProcess
    except ImportError:  # another release's layout: the engine as it is
        return RapidOCR(**ENGINE_SETTINGS)

    engine = RapidOCR(**ENGINE_SETTINGS)
    # rapidocr-onnxruntime 1.4.4 (pinned by `make install`) keeps each model's session here, and
    # replaces a 'max' detection limit by 960, 1,500 or 2,000 px after the image's size, so the
    # limit is set on its detector itself: detection at full size took 300 MB more on a page.
    # Another release may keep them elsewhere: then it runs as it is, reading the same, only larger.
    try:
        for holder in (engine.text_det.infer, engine.text_cls.infer, engine.text_rec.session):
            holder.session = _lean_session(holder.session)
        detector = engine.text_det
        detector.get_preprocess = lambda _: DetPreProcess(DETECTION_PIXELS, "max", detector.mean, detector.std)
    except AttributeError:
        return RapidOCR(**ENGINE_SETTINGS)
    return engine


def _lean_session(session):
    """The same model without onnxruntime's memory planning for repeated shapes (every text box
    has its own width, so the plans only pile up) and with basic graph fusions: about 150 MB
    less at a page's peak, the text read the same."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.enable_cpu_mem_arena = options.enable_mem_pattern = False
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    options.log_severity_level = 4
    return ort.InferenceSession(session._model_path, sess_options=options, providers=["CPUExecutionProvider"])


@cache
def _libc():
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc: nothing to hand back this way
        return None


def _release_freed_memory() -> None:
    """Hand the buffers a page's OCR freed back to the system (glibc keeps them otherwise, so
    each page's peak would stand on the last one's)."""
    libc = _libc()
    if libc is not None and hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)


def _read_region(page: pdfium.PdfPage, region: tuple[float, float, float, float] | None) -> list[str]:
    """The text lines OCR reads in one region of a page (the whole page when None)."""
    width, height = page.get_size()
    left, bottom, right, top = region or (0, 0, width, height)
    scale = min(RENDER_SCALE, MAX_PIXELS / max(right - left, top - bottom))  # a poster-sized image stays bounded
    bitmap = page.render(scale=scale, crop=(left, bottom, width - right, height - top))
    boxes, _ = _engine()(bitmap.to_numpy())
    _release_freed_memory()
    return as_lines([(box, text) for box, text, score in boxes or [] if float(score) >= MIN_CONFIDENCE])


def as_lines(boxes: list[tuple[list[list[float]], str]]) -> list[str]:
    """Text boxes joined into lines: boxes whose vertical centres lie within half a box height of
    each other form one line, read left to right."""
    if not boxes:
        return []
    items = sorted(((sum(p[1] for p in box) / 4, box[0][0], abs(box[2][1] - box[0][1]), text)
                    for box, text in boxes), key=lambda item: item[0])
    tolerance = statistics.median(item[2] for item in items) / 2
    lines, current = [], [items[0]]
    for item in items[1:]:
        if abs(item[0] - current[-1][0]) <= tolerance:
            current.append(item)
        else:
            lines.append(current)
            current = [item]
    lines.append(current)
    return [" ".join(text for _, _, _, text in sorted(line, key=lambda item: item[1])) for line in lines]
