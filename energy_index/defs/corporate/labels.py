"""What a row label, field label or heading says: the metric, its Scope 2 basis, its boundary.

Labels are read by their words, not by one company's phrasing: `Scope 1`, `Total Scope 1`,
`Emissions from Direct Operations (Scope 1)`, `Gross global Scope 1 emissions (metric tons
CO2e)` and `Scope 1 (direct) greenhouse gas emissions` are all Scope 1. A label is the
metric it mentions only when nothing else is left in it: a label that also names a gas
(`Scope 1 (direct) methane emissions`), a part (`Scope 3 GHG Emissions - Business Travel`),
a ratio (`intensity`, `percent of`) or a change (`reductions`, `avoided`, `offsets`) is a
different figure, and is not read as the metric.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Superscripts, daggers and the like that reports hang on labels as footnote marks, and the ticks,
# stars and diamonds they hang on figures to say a value is assured.
MARKS = ("*\u2020\u2021\u00a7\u00b6#\u00b9\u00b2\u00b3\u2070\u2074\u2075\u2076\u2077\u2078\u2079"
         "\u2713\u2714\u2605\u2606\u25b2\u25b3\u25c6\u25c7\u25cf\u25cb\u25a0\u25a1")
SCOPES = re.compile(r"\bscopes?\s*([123])((?:\s*(?:,\s*(?:and|&)?|and|&|\+|/|-|to)\s*(?:scope\s*)?[123])*)(?!\d)")
# '[\s-]' also takes the Unicode hyphen and non-breaking hyphen some typesetters print ('Location‑based').
MARKET = re.compile(r"market[\s\u2010\u2011-]*(?:based|basis|method)|\bmbm\b")
LOCATION = re.compile(r"location[\s\u2010\u2011-]*(?:based|basis|method)|\blbm\b")
# The basis's bare word closing a Scope 2 label after a dash, comma or parenthesis ('Scope 2 – Location',
# 'Scope 2 (market)'); 'Scope 2 emissions by location' is a breakdown, not a basis.
BARE_MARKET, BARE_LOCATION = (re.compile(rf"(?:[-(,:]\s*){word}\s*\)?$") for word in ("market", "location"))
# A label naming one of these is a different figure from the metric it mentions.
NOT_THE_METRIC = re.compile(
    r"intensit|\bper\b|/|%|percent|\bshare\b|proportion|\bratio\b|reduc|avoid|offset|removal|credit"
    r"|\bchange\b|\byoy\b|variance|biogenic|\bnet\b|saving|abate|compensat|(?<!covered by )\btarget(?:ed)?\b"
    r"|renewable|non-renewable|\bgreen\b|\bsold\b|\bgenerat|\bcost|\bspend|\bprice|\bexcluding\b|\bexcl\b")
GASES = re.compile(r"\b(?:methane|ch4|nitrous oxide|n2o|hfcs?|pfcs?|sf6|nf3|refrigerants?)\b"
                   r"|\bcarbon dioxide\b(?!\s*equivalent)|\bco2\b(?!\s*-?\s*e)")
# Words that may stand beside the metric's own words without making the label a part of it.
FILLER = set("""
    total subtotal gross global emissions emission ghg ghgs greenhouse gas gases co2e tco2e co2-e scope scopes
    direct indirect from operations operation operational own purchased sources source of the in and
    for our by reporting year covered target base company-wide companywide absolute overall all
    inventory carbon footprint market-based location-based market location based basis method
    approach figure electricity energy consumption consumed use used usage within organization
    organisation grid acquired bought imported combined amount or fossil marketbased locationbased volume
    energy-indirect group company consolidated worldwide
    """.split())  # 'Group Scope 1 emissions', 'Scope 1 – company total': the whole company, not a part
SCOPE2_FILLER = {"heat", "heating", "cooling", "steam"}  # what Scope 2 covers besides electricity
ELECTRICITY = re.compile(r"\belectricity\b|\belectrical energy\b|\bpower consumption\b")
DIRECT = re.compile(r"\b(?:in)?direct\b")
ENERGY = re.compile(r"\b(?:total )?energy (?:consumption|use|used|consumed)\b|^(?:total )?energy(?: \([^()]*\))?$")
# Where a company's own Scope 1 and 2 arise: a part named only by these ('Scope 1 – Direct Manufacturing')
# may be all of it. Any other word (a place, a fuel, a business line) keeps a part a part.
OWN_ACTIVITIES = set("""manufacturing production operations facilities facility sites site plants plant factories
    factory offices office buildings stores data centres centers""".split())


def names_own_activity(part: str) -> bool:
    """Whether a part's words ('manufacturing', 'data, centres') all name where a company operates."""
    return bool(part) and set(part.split(", ")) <= OWN_ACTIVITIES
# A label that says it is a part ('Fleet emissions (part of Scope 1 emissions)') never stands for the whole.
SAYS_PART = re.compile(r"\b(?:part|portion) of\b|\bof which\b|\bthereof\b")
# GRI 305-1 and 305-2's own names for Scope 1 and 2, which many reports print without the scope's
# number: 'Direct GHG emissions', 'Energy indirect GHG emissions', 'Indirect emissions from purchased
# electricity'. A plain 'indirect emissions' may be Scope 3 (GRI 305-3's 'other indirect'), so is not read.
GRI_GASES = r"(?:ghg |greenhouse gas |co2e |co2-e |carbon )?"  # not 'CO2': one gas is not all of them
GRI_SCOPES = ((1, re.compile(rf"^(?:total |gross )*direct {GRI_GASES}emissions\b")),
              (2, re.compile(rf"^(?:total |gross )*(?:energy[\s\u2010\u2011-]indirect {GRI_GASES}emissions\b"
                             rf"|indirect {GRI_GASES}emissions from (?:purchased|imported|acquired) (?:electricity|energy)\b)")))
CATEGORY = re.compile(r"\bcategory\s*(\d{1,2})\b")
BOUNDARIES = {"equity share": re.compile(r"equity[\s-]*share"),
              "operational control": re.compile(r"operational[\s-]*control"),
              "financial control": re.compile(r"financial[\s-]*control")}
OTHER_RULES = [  # metrics beside Scope 1/2/electricity, matched on the whole cleaned label
    ("total_emissions", r"^(?:total|gross) (?:ghg |operational ghg |carbon )?emissions\b"),
    ("renewable_electricity_share", r"^percentage of renewable electricity$|^renewable electricity (share|percentage)"),
    ("renewable_electricity", r"^(?:total )?renewable electricity (?:consumption|use)"),
    ("pue", r"power usage effectiveness|\bpue\b"),
]


@dataclass(frozen=True)
class LabelReading:
    """A label read: the metric it names (or None), its Scope 2 basis, and why."""

    metric: str | None
    scopes: frozenset[int] = frozenset()
    basis: str | None = None
    why: str = ""
    part: str = ""  # the words that make a scope label a part ('manufacturing'), any scope

    @property
    def part_of(self) -> str | None:
        """The metric a Scope 1 or Scope 2 label names a part of ('Scope 1 – Direct Manufacturing')."""
        if not self.part or self.scopes not in ({1}, {2}):
            return None
        return "scope1" if self.scopes == {1} else f"scope2_{self.basis}" if self.basis else "scope2"


def footnote_marks(raw: str) -> tuple[str, list[str]]:
    """Split trailing footnote marks off a label: 'Scope 2 (indirect) emissions p q' -> ['p', 'q'].

    Marks are symbols (`*`, daggers, superscripts), digits glued to a word or a parenthesis
    (`Services2`, `(market-based)4`, `Scope 22`), digits after a space that do not continue a scope
    (`emissions 1,2,3` but not `Scope 1` or `Scope 1 and 2`), and single or doubled letters
    after a space (`emissions n`, `consumption aa`).
    """
    text, marks = " ".join(raw.replace("\u2013", "-").replace("\u2014", "-").split()), []
    while text:
        symbols = re.search(rf"[{re.escape(MARKS)}]+$", text)
        glued = re.search(r"(?<=[a-z)])(\d{1,2}(?:,\d{1,2})*)$", text)
        spaced = re.search(r"(?<=\s)(\d{1,2}(?:,\s?\d{1,2})*|[a-z]|([a-z])\2)$", text)
        on_scope = re.search(r"(?<=\bscope\s[123])(\d{1,2})$|(?<=\bscope[123])(\d{1,2})$", text, re.IGNORECASE)
        if on_scope:  # 'Scope 22': footnote 2 glued to 'Scope 2'
            marks.append(on_scope.group(1) or on_scope.group(2))
            text = text[: on_scope.start()].rstrip()
        elif symbols:
            marks.extend(reversed(symbols.group(0)))
            text = text[: symbols.start()].rstrip()
        elif glued and not re.search(r"scopes?$", text[: glued.start()], re.IGNORECASE):
            marks.extend(reversed(re.split(r",", glued.group(1))))
            text = text[: glued.start()].rstrip()
        elif spaced and spaced.start() > 0 and not re.search(
                r"(?:scopes?|category|tier|and|to|&|\+|,|-)\s*$", text[: spaced.start()], re.IGNORECASE):
            marks.extend(reversed(re.split(r",\s?", spaced.group(1))))
            text = text[: spaced.start()].rstrip()
        else:
            break
    return text, marks[::-1]


# '... (MWh) – purchased + self-generated': a dash, then the sources the figure adds up.
COMPOSITION = re.compile(r"\s[\u2013-]\s*[a-z][\w\s-]*\+[\w\s+-]*$")
# The same list in parentheses: 'Electricity (purchased and self-generated)'.
SOURCE = r"(?:purchased|self[\s-]?generated|own[\s-]generated|generated on[\s-]?site|on[\s-]?site|generated)"
SOURCES = re.compile(rf"\s*\({SOURCE}(?:\s*(?:and|\+|&|,)\s*{SOURCE})+\)")


def clean(raw: str) -> str:
    """Lower case, one space, subscripts folded, footnote marks removed, a trailing list of what
    a total adds up ('– purchased + self-generated') dropped."""
    text = raw.replace("\u2082", "2").replace("\u00a0", " ").replace("\ufffe", "-")
    text = re.sub(r"^(?:[a-z\u2022\u25aa\u25cf\u25a0\u2713\u2714]\s+)+(?=[A-Z])", "", text.strip())  # 'n n Total': icons
    text = re.sub(r"\b(scope\s?[123])\d+\b", r"\1", text, flags=re.IGNORECASE)  # 'Scope 31' (footnote 1)
    text = re.sub(r"(\+\s?[123])\d+\b", r"\1", text)                               # 'Scope 1 + 21'
    return SOURCES.sub("", COMPOSITION.sub("", footnote_marks(text)[0].lower())).strip(" :-")


def scopes_of(label: str) -> frozenset[int]:
    found: set[int] = set()
    for match in SCOPES.finditer(label):
        digits = [int(match.group(1))] + [int(d) for d in re.findall(r"[123]", match.group(2))]
        if re.search(r"(?:-|to)\s*(?:scope\s*)?3", match.group(2)) and digits[0] == 1:
            digits = [1, 2, 3]  # 'Scopes 1-3'
        found.update(digits)
    return frozenset(found)


def basis_of(text: str, bare: bool = False) -> str | None:
    """'market' or 'location' when the text states exactly one basis; `bare`: the word alone counts
    too ('Scope 2 – Location', which only a Scope 2 label may say)."""
    market, location = (MARKET, BARE_MARKET) if bare else (MARKET,), (LOCATION, BARE_LOCATION) if bare else (LOCATION,)
    market, location = (any(p.search(text.lower()) for p in pats) for pats in (market, location))
    return "market" if market and not location else "location" if location and not market else None


def boundary_of(text: str) -> str | None:
    return next((name for name, pattern in BOUNDARIES.items() if pattern.search(text.lower())), None)


def residue(label: str, allowed: set[str] = frozenset()) -> set[str]:
    """The words outside parentheses that are neither scope words, units nor filler."""
    outside = re.sub(r"\([^()]*\)", " ", label)
    outside = SCOPES.sub(" ", outside)
    words = re.findall(r"[a-z][a-z0-9-]*", outside)
    return {w for w in words if w not in FILLER and w not in allowed and not re.fullmatch(r"m?t|mt|kt|mmt|mtco2e|t?co2e?|m?wh|gwh|kwh|twh", w)}


def _without_gas_lists(label: str) -> str:
    """A parenthesis listing several gases says what the total covers ('(Break-up of the GHG into
    CO2, CH4, N2O, HFCs ...)'), not that the figure is one gas."""
    return re.sub(r"\([^()]*\)", lambda m: " " if len(GASES.findall(m.group(0))) >= 2 else m.group(0), label)


# A citation of where the figure is also reported ('Scope 1 per CDP C7.3c', 'as reported to CDP'):
# not a ratio ('per'), nor a part of the metric.
CITATION = re.compile(r"\b(?:per|as reported (?:in|to)|reported (?:in|to))\s+(?:the\s+)?"
                      r"(?:cdp|gri|sasb|tcfd|esrs|brsr|ghg\s+protocol)\b(?:\s+[a-z]{0,2}\d[\w.-]*)?")


def read_label(raw: str) -> LabelReading:
    """The metric a label names by itself, before any heading or section is taken into account."""
    label = CITATION.sub(" ", clean(raw)).strip()
    if not label:
        return LabelReading(None)
    if label.count(")") > label.count("(") or re.match(r"^(?:or|and|of|from|in|to)\b", label):
        return LabelReading(None, why="the end of a label wrapped from the line above, not a label")
    scopes = scopes_of(label)
    if scopes:
        return _emissions_label(label, scopes)
    gri = next((scope for scope, pattern in GRI_SCOPES if pattern.search(label)), None)
    if gri:  # only when nothing else is left in it: a GRI-worded part is not taken for the whole
        reading = _emissions_label(label, frozenset({gri}))
        return LabelReading(reading.metric, reading.scopes, reading.basis, f"GRI 305-{gri}'s name for Scope {gri}") \
            if reading.metric else LabelReading(None, why=reading.why)
    if ELECTRICITY.search(label) and not NOT_THE_METRIC.search(label) and not re.search(r"emission|ghg|co2", label):
        extra = residue(label)
        if extra:
            return LabelReading(None, why=f"electricity label names a part ({', '.join(sorted(extra))})")
        return LabelReading("electricity", why="electricity label")
    if ENERGY.search(label) and not NOT_THE_METRIC.search(label) and not residue(label):
        if DIRECT.search(label):  # GRI's direct (fuels) and indirect (purchased) energy: parts of the total
            return LabelReading(None, why="direct or indirect energy, a part of the total")
        return LabelReading("total_energy", why="energy label")
    for metric, pattern in OTHER_RULES:
        if re.search(pattern, label) and not (metric == "total_emissions" and (residue(label) or NOT_THE_METRIC.search(label))):
            return LabelReading(metric, why=f"matches {metric}")
    return LabelReading(None)


def _emissions_label(label: str, scopes: frozenset[int]) -> LabelReading:
    if NOT_THE_METRIC.search(label):
        return LabelReading(None, scopes, why="a ratio, share, change or offset, not an amount")
    if GASES.search(_without_gas_lists(label)):
        return LabelReading(None, scopes, why="one gas, not all greenhouse gases")
    basis = basis_of(label, bare=scopes == {2})
    category = CATEGORY.search(label)
    if scopes == {3} and category:
        return LabelReading(f"scope3_category_{int(category.group(1))}", scopes)
    extra = residue(label, SCOPE2_FILLER if 2 in scopes else frozenset())
    if extra:
        words = ", ".join(sorted(extra))
        return LabelReading(None, scopes, basis, why=f"names a part ({words})",
                            part="" if SAYS_PART.search(label) else words)
    if scopes == {1}:
        return LabelReading("scope1", scopes, why="Scope 1 label")
    if scopes == {2}:
        return LabelReading(f"scope2_{basis}" if basis else "scope2", scopes, basis,
                            why=f"Scope 2 label, {basis + '-based in the label' if basis else 'no basis in the label'}")
    if scopes == {3}:
        return LabelReading("scope3_total", scopes, basis, why="Scope 3 label")
    if scopes == {1, 2}:
        return LabelReading(f"scope1_2_{basis}" if basis else "scope1_2", scopes, basis, why="Scope 1 + 2 label")
    if scopes == {1, 2, 3}:
        return LabelReading("total_emissions", scopes, basis, why="Scope 1 + 2 + 3 label")
    return LabelReading(None, scopes)
