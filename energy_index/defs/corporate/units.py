"""Units as reports print them, normalised to tCO2e and MWh.

Case carries meaning: `MtCO2e`, `MMT` and `million metric tons` are megatonnes, while
`mtCO2e` (Microsoft), `MT CO2e` (NVIDIA) and `mt CO2e` (Meta) are metric tons. Where a
document defines an abbreviation itself (`mmt = Million metric tons`), its definition wins
over these defaults. A unit with `/` or `per` is a ratio, never an amount.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MASS, ENERGY, RATIO = "mass", "energy", "ratio"
I = re.IGNORECASE
# Base units: (pattern, flags, canonical unit, factor to it, dimension); the first that matches
# wins. Prefixes that are part of the unit's own symbol (Mt, kt, GWh) are here; a scale written
# as a word or number beside the unit ('thousand', "'000", '1,000', '(in millions)') is SCALES.
PATTERNS = [
    # tonnes of oil equivalent (French, Italian, Spanish 'tep'): 41.868 GJ = 11.63 MWh (IEA, IEA Energy
    # Statistics Manual, 2005); before the tonnes below, which would take its 'tonnes' for mass.
    (r"\bmtoe\b|\bmtep\b", I, "MWh", 11.63e6, ENERGY),
    (r"\bktoe\b|\bktep\b", I, "MWh", 11.63e3, ENERGY),
    (r"\btoe\b|\btep\b|\b(?:tons?|tonnes?) of oil equivalent", I, "MWh", 11.63, ENERGY),
    (r"\bmmt\b|\bmmtco2e?\b", I, "tCO2e", 1e6, MASS),
    (r"\bMt\s*CO2|\bMtCO2|\bMt\b|\bM(?:tonnes?|tons?)\b|\bTg\s*CO2|\bmegatonnes?\b", 0, "tCO2e", 1e6, MASS),
    (r"\bkt\s*co2|\bkt\b|\bkilotonnes?\b|\bGg\s*CO2", I, "tCO2e", 1e3, MASS),
    (r"\bshort\s+tons?\b", I, "tCO2e", 0.90718474, MASS),
    (r"\b(?:metric\s+)?(?:tons?|tonnes?)\b|\bm?t[\s-]*co2|\bMT\b|\bmt\b|\bt\b(?!\s*/)", I, "tCO2e", 1.0, MASS),
    (r"\bkg[\s-]*co2|\bkilograms?\b", I, "tCO2e", 1e-3, MASS),
    (r"\bkwh\b|\bkilowatt[\s-]*hours?", I, "MWh", 1e-3, ENERGY),
    (r"\btwh\b|\bterawatt[\s-]*hours?", I, "MWh", 1e6, ENERGY),
    (r"\bmkwh\b|\bgwh\b|\bgigawatt[\s-]*hours?", I, "MWh", 1e3, ENERGY),
    (r"\bmwh\b|\bmegawatt[\s-]*hours?", I, "MWh", 1.0, ENERGY),
    (r"\bpj\b|\bpetajoules?", I, "MWh", 1e9 / 3600, ENERGY),
    (r"\btj\b|\bterajoules?", I, "MWh", 1e6 / 3600, ENERGY),
    (r"\bgj\b|\bgigajoules?", I, "MWh", 1e3 / 3600, ENERGY),
    (r"\bmj\b|\bmegajoules?", I, "MWh", 1 / 3600, ENERGY),
    (r"\bmmbtu\b|\bmillion british thermal units?", I, "MWh", 0.293071, ENERGY),
]
# A scale stated beside the unit, in words or digits: 'thousands of tonnes', "'000 t", '1,000
# metric tons', 'metric tons (in millions)', 'mn kWh', 'bn kWh', and the finance style's lone
# 'k' and 'm' ('k tonnes', 'm tCO2e'; not m3 or m2). 'mmBtu' keeps its own million.
SCALES = [  # the larger first, so a CJK compound ('千万', ten million) is not read as its last numeral
    (r"\bbillions?\b|\bbn\b", 1e9),
    (r"[\u4ebf\u5104]", 1e8),            # oku / yi, a hundred million
    (r"\u5343\u4e07", 1e7),               # sen-man, ten million
    (r"\bmillions?\b(?!\s+british)|\bmn\b|\bmio\b\.?|(?<![\d,.])1[,.\s]000[,.\s]000(?![\d,.])"
     r"|(?<![\w'\u2019/$\u20ac\u00a3])m(?![\w\u00b2\u00b3])|(?<![\d,.])10\s*(?:\^\s*6|\u2076)(?!\d)|\u767e\u4e07", 1e6),
    (r"\u5341\u4e07", 1e5),               # juu-man, a hundred thousand
    (r"\u4e07", 1e4),                     # man, ten thousand ('万t-CO2')
    (r"\bthousands?\b|['\u2019]000s?\b|(?<![\d,.'\u2019])000s?\b|(?<![\d,.])1[,.\s]?000(?![\d,.])"
     r"|(?<![\w'\u2019])k(?![\w\u00b2\u00b3])|(?<![\d,.])10\s*(?:\^\s*3|\u00b3)(?!\d)|\u5343", 1e3),
]
SCALE_WORDS = "|".join(pattern for pattern, _ in SCALES)
# A page's note that sets the scale of its figures: 'All figures in thousands unless otherwise stated',
# "Figures are shown in '000". The scale must come first; a note about money ('Amounts in USD millions') is not one.
SCALE_NOTE = re.compile(r"\b(?:all\s+)?(?:figures|values|numbers|data)\s+(?:are\s+|is\s+)?(?:stated\s+|shown\s+"
                        r"|presented\s+|expressed\s+|reported\s+|given\s+)?in\s+([^.;\n]{1,60})", I)
# What may follow the note's scale: what it counts ('of tonnes CO2e'), 'unless otherwise stated'.
NOTE_REST = re.compile(r"\s*\)?(?:\s+of\s+[a-z0-9\s()'-]{1,30}?)?(?:\s*,?\s*unless\s+(?:otherwise\s+)?"
                       r"(?:stated|indicated|noted|specified)(?:\s+otherwise)?)?\s*$", I)
MONEY = re.compile(r"[$\u20ac\u00a3\u00a5]|\b(?:usd|eur|gbp|chf|jpy|inr|zar|dollars?|euros?|pounds?|rand|yen|rupees?"
                   r"|currency)\b", I)
# A unit's factor when nothing scales it (t, kg, MWh, kWh, GJ, MJ, MMBtu, short tons, toe): only such a unit takes a note's scale.
BASE_FACTORS = (1.0, 1e-3, 1e3 / 3600, 1 / 3600, 0.293071, 0.90718474, 11.63)
DEFINITION = re.compile(  # 'mmt = Million metric tons', 'MT: metric tons', 'MMT means million metric tons'
    r"(?:^|[\s;(])([A-Za-z][A-Za-z0-9]{0,7})\s*(?:=|:|\bmeans\b|\brefers to\b)\s*"
    r"((?:million|thousand|billion)\s+(?:metric\s+)?(?:tons?|tonnes?)|metric\s+(?:tons?|tonnes?))\b", I)


# Words a cell that is only a unit may carry besides it: 'TONNES OF CO2e', 't CO2 equivalent'.
UNIT_FILLER = r"\bof\b|\bco2[\s-]*e?q?\b|\bco2e\b|\bghg\b|\bcarbon dioxide\b|\bequivalents?\b|\beq\b|\be\b|\bin\b"


@dataclass(frozen=True)
class Unit:
    """A unit read from some text: what it is in canonical terms and where it was read."""

    canonical: str
    factor: float
    dimension: str
    printed: str
    source: str


def fold(text: str) -> str:
    """One space, subscript two and dashes folded, OCR's zero for the O of CO2 ('tC02e') read as O,
    and Chinese or Japanese characters set apart from Latin ones ('千t-CO2' -> '千 t-CO2')."""
    text = re.sub(r"([\u3000-\u9fff]+)", r" \1 ", text)
    folded = " ".join(text.replace("\u2082", "2").replace("\u2013", "-").split())
    return re.sub(r"(?<=[cC])0(?=2)", "O", folded)


def glossary(text: str) -> dict[str, tuple[float, str]]:
    """Abbreviations the document defines for itself: token -> (factor to tCO2e, definition)."""
    found: dict[str, tuple[float, str]] = {}
    for token, definition in DEFINITION.findall(text):
        words = definition.lower()
        factor = 1e6 if words.startswith("million") else 1e3 if words.startswith("thousand") else \
            1e9 if words.startswith("billion") else 1.0
        found.setdefault(token, (factor, f"{token} = {definition}"))
    return found


def read_unit(text: str, source: str, defined: dict[str, tuple[float, str]] | None = None) -> Unit | None:
    """The unit a piece of text states, or None. Ratios (`tCO2e/$M`, `per MWh`) are RATIO."""
    folded = fold(text)
    if not folded:
        return None
    if re.search(r"/|\bper\b|%|percent", folded, I):
        unit = _first_match(folded)
        return Unit("ratio", 1.0, RATIO, folded, source) if unit else None
    for token, (factor, definition) in (defined or {}).items():
        if re.search(rf"(?<![A-Za-z]){re.escape(token)}(?![a-z])", folded):
            return Unit("tCO2e", factor, MASS, folded, f"{source}; {definition}")
    match = _first_match(folded)
    if match is None:
        return None
    canonical, factor, dimension = match
    return Unit(canonical, factor, dimension, folded, source)


def _first_match(text: str) -> tuple[str, float, str] | None:
    """(canonical unit, factor, dimension): the base unit times any scale stated beside it."""
    for pattern, flags, canonical, factor, dimension in PATTERNS:
        match = re.search(pattern, text, flags)
        if match:
            rest = text[: match.start()] + " " + text[match.end():]
            scale = next((value for scale, value in SCALES if re.search(scale, rest, I)), 1.0)
            return canonical, factor * scale, dimension
    return None


def units_in_parentheses(text: str) -> list[str]:
    """'Electricity (million kWh)' -> ['million kWh']; 'Market-based (in metric tons CO2e)' -> [...]."""
    return [re.sub(r"^\s*in\s+", "", part) for part in re.findall(r"\(([^()]*)\)", text)]


def unit_from_label(label: str, source: str, defined=None) -> Unit | None:
    """A unit in a label's parentheses or after 'in'/'unit:'; the label's own words never count
    ('Scope 1 emissions' says nothing about tonnes). A parenthesis that is only a scale applies
    to the unit in another: 'Total Energy Use (megajoules) (in millions)' is millions of MJ."""
    parts = units_in_parentheses(label)
    scales = " ".join(part for part in parts if is_only_a_scale(part))
    for part in reversed(parts):
        unit = read_unit(f"{part} {scales}" if scales and not is_only_a_scale(part) else part, source, defined)
        if unit:
            return unit
    trailing = re.search(r"(?:\bin|\bunits?:?)\s+([A-Za-z][^()]{0,40})$", label.strip(), I)
    if trailing:
        return read_unit(trailing.group(1), source, defined)
    after_comma = re.sub(r"\([^()]*\)", " ", label).rsplit(",", 1)  # 'Scope 1 emissions, thousand metric tons'
    if len(after_comma) == 2 and is_only_a_unit(after_comma[1]):
        return read_unit(f"{after_comma[1]} {scales}", source, defined)
    return read_unit(label, source, defined) if is_only_a_unit(label) else None


def is_only_a_scale(text: str) -> bool:
    """'in millions', "'000", 'thousands': a scale with no unit of its own."""
    folded = fold(text)
    return bool(re.search(SCALE_WORDS, folded, I)) and \
        re.fullmatch(rf"(?:{SCALE_WORDS}|\bin\b|\bof\b|[\s().,\-])*", folded, I) is not None


def is_only_a_unit(text: str) -> bool:
    """A text that is nothing but a unit: a table's corner cell `tCO2e`, a header `kt CO2 eq.`."""
    folded = fold(text)
    for pattern, flags, *_ in PATTERNS:
        match = re.search(pattern, folded, flags)
        if match:
            rest = folded[: match.start()] + folded[match.end():]
            return re.fullmatch(rf"(?:{UNIT_FILLER}|{SCALE_WORDS}|\bin\b|[\s().,\-])*", rest, I) is not None
    return False


def scale_note(text: str) -> tuple[float, str] | None:
    """(scale, the note) when a page says its figures are in thousands or millions (see SCALE_NOTE)."""
    for match in SCALE_NOTE.finditer(text):
        said = fold(match.group(1))
        if MONEY.search(said):
            continue
        for pattern, value in SCALES:  # the scale first, then nothing but what it counts
            scale = re.match(rf"\(?(?:{pattern})", said, I)
            if scale and NOTE_REST.fullmatch(said[scale.end():]):
                return value, " ".join(match.group(0).split())
    return None


def with_page_scale(unit: Unit, note: tuple[float, str] | None) -> Unit:
    """The unit times the page's stated scale, when the unit states no scale of its own."""
    if note is None or re.search(SCALE_WORDS, unit.printed, I) or \
            not any(abs(unit.factor - base) <= 1e-9 * base for base in BASE_FACTORS):
        return unit
    scale, said = note
    return Unit(unit.canonical, unit.factor * scale, unit.dimension, unit.printed, f'{unit.source}; the page: "{said}"')
