"""Numbers and years as reports print them.

Values carry marks (`77,476*`), stand for nothing (`-`, `n/a`), are bounds (`<1`, `<500`),
negative in accounts style (`(12)`) or percentages. Year headers carry fiscal prefixes
(`FY24`, `FY2023/24`), notes (`2019 (baseline)`), footnote marks (`2022§`, `FY23¹`) or units
(`2019 MTCO2e`); a target or goal column (`2030 target`) is not a year of data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from energy_index.defs.corporate.labels import MARKS

NOT_REPORTED = re.compile(r"^(?:-+|\u2013|\u2014|n/?a|n\.a\.|na|nr|nd|not (?:reported|available|applicable)|none|x)$",
                          re.IGNORECASE)
NOT_A_DATA_YEAR = re.compile(r"target|goal|ambition|plan|forecast|projected|\bvs\b|change|%", re.IGNORECASE)
HEADER_YEAR = re.compile(
    r"^(?:base(?:line)?(?:\s+year)?\s*[:(]?\s*)?(?P<fy>fy|fiscal(?:\s+year)?|financial\s+year)?\s*'?(?P<year>(?:19|20)\d{2}|\d{2})(?:\s*(?P<sep>[/-])\s*(?P<end>\d{4}|\d{2}))?"
    r"(?P<rest>.*)$", re.IGNORECASE)
FISCAL_IN_TEXT = re.compile(r"(?:fiscal(?:\s+year)?|\bfy)\s*'?((?:19|20)\d{2}|\d{2})\b", re.IGNORECASE)
CALENDAR_IN_TEXT = re.compile(r"calendar\s+year\s*((?:19|20)\d{2})\b|\bcy\s*((?:19|20)\d{2})\b", re.IGNORECASE)
BARE_YEAR = re.compile(r"(?<![\d,.])((?:19|20)\d{2})(?![\d,])")


@dataclass(frozen=True)
class Number:
    value: float
    percent: bool = False


@dataclass(frozen=True)
class HeaderYear:
    year: int
    period_type: str       # fiscal | calendar
    unit_text: str = ""    # '2019 MTCO2e' -> 'MTCO2e'


def parse_value(text: str) -> Number | None:
    """'118,100' -> 118100; '77,476*' -> 77476; '(12)' -> -12; '5%' -> 5 (percent); '-', 'n/a', '<1' -> None;
    '12'345' (Swiss) -> 12345.
    Indian grouping ('6,02,58,642') and dots as thousands separators when there are two or more
    ('1.234.567') read as the number; a lone '1.234' stays a decimal, as it is in English."""
    cleaned = " ".join(text.replace("\u2212", "-").split())
    cleaned = re.sub(rf"[{re.escape(MARKS)}]+$", "", cleaned).strip()
    if not cleaned or NOT_REPORTED.match(cleaned) or cleaned[0] in "<>~\u2264\u2265":
        return None
    percent = cleaned.endswith("%")
    cleaned = cleaned.rstrip("%").strip()
    negative = cleaned.startswith("(") and cleaned.endswith(")")
    cleaned = cleaned.strip("()").strip()
    if re.fullmatch(r"-?\d{1,3}(?:[ '\u2019\u202f]\d{3})+(?:\.\d+)?", cleaned):  # '1 234 567', Swiss '12'345'
        cleaned = re.sub(r"[ '\u2019\u202f]", "", cleaned)
    if re.fullmatch(r"-?\d{1,3}(?:\.\d{3}){2,}(?:,\d+)?", cleaned):  # '1.234.567,5': dots group, a comma decimals
        cleaned = cleaned.replace(".", "").replace(",", ".")
    cleaned = cleaned.replace(",", "")
    if not re.fullmatch(r"-?\d+(?:\.\d+)?", cleaned):
        return None
    value = float(cleaned)
    return Number(-value if negative else value, percent)


# Other ways a column names its year, rewritten to the forms HEADER_YEAR reads: Japanese fiscal
# years ('2023年度', '2024年3月期': the year ending March 2024) and calendar years ('2023年'), 'CY2023',
# a balance-sheet date ('31.12.2023', '31 Dec 2023', 'Dec 2023': the calendar year it closes), a
# year-end in words ('Year ended 31 March 2024': fiscal, unless it ends in December), and a fiscal
# year's months in parentheses ('FY2023 (Apr 2023-Mar 2024)').
MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
HEADER_FORMS = [
    (re.compile(r"^((?:19|20)\d{2})\s*年\s*(?:度|\d{1,2}\s*月期)"), r"FY\1"),
    (re.compile(r"^((?:19|20)\d{2})\s*年$"), r"\1"),  # not '2023年3月末', a date
    (re.compile(r"^cy\s*'?((?:19|20)\d{2})\b", re.I), r"\1"),
    (re.compile(r"^(?:31[./\s-]+(?:12|dec[a-z]*\.?)|dec[a-z]*\.?)[./\s-]+((?:19|20)\d{2})$", re.I), r"\1"),
    (re.compile(r"^(?:fiscal\s+)?year\s+end(?:ed|ing)\s+(?:\d{1,2}\s+)?dec[a-z]*\.?\s+(?:\d{1,2},?\s+)?((?:19|20)\d{2})$", re.I),
     r"\1"),
    (re.compile(rf"^(?:fiscal\s+)?year\s+end(?:ed|ing)\s+(?:\d{{1,2}}\s+)?{MONTH}\s+(?:\d{{1,2}},?\s+)?((?:19|20)\d{{2}})$", re.I),
     r"FY\1"),
    (re.compile(rf"^(fy\s*'?(?:19|20)?\d{{2}})\s*\(\s*{MONTH}\s*\d{{4}}\s*(?:-|to)\s*{MONTH}\s*\d{{4}}\s*\)$", re.I), r"\1"),
]


# What any of HEADER_FORMS starts with: most headers ('2023', 'FY24') skip the rewriting.
OTHER_FORM = re.compile(r"^(?:(?:19|20)\d{2}\s*年|cy|31|dec|(?:fiscal\s+)?year\s+end|fy.*\()", re.I)


def parse_header_year(text: str) -> HeaderYear | None:
    """A column header that is a year of data, or None."""
    cleaned = " ".join(text.replace("\u2013", "-").split())
    if OTHER_FORM.search(cleaned):
        for form, rewritten in HEADER_FORMS:
            cleaned = form.sub(rewritten, cleaned)
    match = HEADER_YEAR.match(cleaned)
    if not match or NOT_A_DATA_YEAR.search(cleaned):
        return None
    fiscal, digits, end = match.group("fy"), match.group("year"), match.group("end")
    if not fiscal and len(digits) == 2:
        return None
    year = _four(digits)
    if end:
        last = _four(end) if len(end) == 2 else int(end)
        if len(end) == 2:
            last = year // 100 * 100 + int(end)
        if last != year + 1:
            return None  # '2019-2023' is a range, not a column
        year, fiscal = last, fiscal or "fiscal"
    rest = re.sub(rf"[{re.escape(MARKS)}]", "", match.group("rest")).strip().removeprefix(")").strip()
    rest = re.sub(r"^\(?(?:baseline|base year|restated|actual|reported)\)?|\(?(?:baseline|base year|restated)\)?$", "",
                  rest, flags=re.IGNORECASE).strip()
    # India's BRSR: '2024-25 (Current Financial Year)', wrapped as '2024-25 (Current'.
    rest = re.sub(r"^\s*/\s*cy\s*'?\d{2,4}$", "", rest, flags=re.IGNORECASE).strip()  # 'FY20 / CY20'
    rest = re.sub(r"^\(?(?:current|previous|prior|reporting)(?:\s+(?:financial|fiscal|reporting))?(?:\s+year)?\)?$", "",
                  rest, flags=re.IGNORECASE).strip()
    if rest and re.fullmatch(r"[a-z]|\d", rest):
        rest = ""  # a footnote letter or digit
    if not 1990 <= year <= 2100 or (rest and not re.search(r"co2|wh\b|\bt\b|tons?|tonnes?", rest, re.IGNORECASE)):
        return None
    return HeaderYear(year, "fiscal" if fiscal else "calendar", rest)


RELATIVE_YEAR = re.compile(r"\b(current|this|previous|prior|last)\s+(?:financial|fiscal|reporting)\s+year\b",
                           re.IGNORECASE)


def relative_header_year(text: str, period) -> HeaderYear | None:
    """'Current Financial Year' / 'Previous Financial Year' (India's BRSR) without a year printed:
    the document's stated reporting period, or the year before it; None without a stated period."""
    match = RELATIVE_YEAR.search(text)
    if period is None or match is None or re.search(r"(?:19|20)\d{2}", text):
        return None
    back = 0 if match.group(1).lower() in ("current", "this") else 1
    return HeaderYear(period.year - back, period.period_type)


def year_in_text(text: str) -> HeaderYear | None:
    """The one year a heading or sentence is about: a stated fiscal or calendar year if exactly
    one is stated, else the one bare year if there is exactly one; None when ambiguous."""
    fiscal = {_four(y) for y in FISCAL_IN_TEXT.findall(text)}
    calendar = {int(a or b) for a, b in CALENDAR_IN_TEXT.findall(text)}
    if len(fiscal) + len(calendar) == 1:
        return HeaderYear(next(iter(fiscal)), "fiscal") if fiscal else HeaderYear(next(iter(calendar)), "calendar")
    if fiscal or calendar:
        return None
    bare = {int(y) for y in BARE_YEAR.findall(text) if 1990 <= int(y) <= 2100}
    return HeaderYear(next(iter(bare)), "calendar") if len(bare) == 1 else None


def _four(digits: str) -> int:
    return 2000 + int(digits) if len(digits) == 2 else int(digits)


# Signs of a document's decimal separator: '1.234,5' and '2,5 %' (a comma) against '1,234.5'
# and '2.5 %' (a point). A document is read with a decimal comma only when its own numbers say so
# plainly: then '12.345' is twelve thousand, not twelve (a 1,000x error otherwise).
COMMA_SIGNS = re.compile(r"(?<![\d.,])\d{1,3}(?:\.\d{3})+,\d{1,3}(?![\d.,])|(?<![\d.,])\d{1,3},\d{1,2}\s?%")
POINT_SIGNS = re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})+\.\d{1,3}(?![\d.,])|(?<![\d.,])\d{1,3}\.\d{1,2}\s?%")
COMMA_NUMBER = re.compile(r"(?<![\w.,])(\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+,\d+)(?![\w]|[.,]\d)")
MIN_SIGNS, CLEAR_MAJORITY = 5, 5


def decimal_comma(text: str) -> bool:
    """True when the document writes its numbers with a decimal comma and dots between thousands."""
    comma, point = len(COMMA_SIGNS.findall(text)), len(POINT_SIGNS.findall(text))
    return comma >= MIN_SIGNS and comma >= CLEAR_MAJORITY * max(point, 1)


def with_decimal_points(text: str) -> str:
    """'12.345' -> '12,345' and '2,5' -> '2.5': a decimal-comma document's numbers as the readers
    read them (English style)."""
    def english(match: re.Match) -> str:
        whole, _, decimals = match.group(1).partition(",")
        return whole.replace(".", ",") + (f".{decimals}" if decimals else "")
    return COMMA_NUMBER.sub(english, text)
