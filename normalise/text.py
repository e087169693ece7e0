"""Character-level helpers: width folding, line cleanup, Chinese numerals and date parsing.

Matching is always done on a *folded* copy of a line (full-width ASCII to ASCII,
ideographic and no-break spaces to plain spaces). The fold is one character for one
character, so an index found in the folded copy is valid in the original: records keep
the page's own characters while every pattern only has to know the ASCII spelling.
"""

from __future__ import annotations

import re
from datetime import date, datetime

# Full-width forms U+FF01..U+FF5E map one-to-one onto ASCII 0x21..0x7E.
_FOLD = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FOLD.update({0x3000: 0x20, 0x00A0: 0x20, 0x2002: 0x20, 0x2003: 0x20, 0x2009: 0x20})
# Look-alikes of ASCII punctuation that pages use in dates and labels.
_FOLD.update({0xFE55: ord(":"), 0x2236: ord(":"), 0x2014: ord("-"), 0x2013: ord("-")})
_FOLD.update({0x2212: ord("-"), 0xFE63: ord("-")})

# Characters that are invisible on the page but break matching (zero-width, BOM, soft hyphen).
_INVISIBLE = dict.fromkeys((0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD))
_WS_RUN = re.compile(r"[ \t\r\f\v\u00a0\u3000\u2002\u2003\u2009]+")

CN_DIGITS = {
    "〇": 0,
    "○": 0,
    "零": 0,
    "Ｏ": 0,
    "O": 0,
    "o": 0,
    "0": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "壹": 1,
    "贰": 2,
    "叁": 3,
    "肆": 4,
    "伍": 5,
    "陆": 6,
    "柒": 7,
    "捌": 8,
    "玖": 9,
}
CN_NUMERALS = "〇○零一二三四五六七八九十"


def fold(text: str) -> str:
    """Full-width ASCII and odd spaces to ASCII, one character for one (indices stay valid)."""
    return text.translate(_FOLD)


def clean_line(text: str) -> str:
    """Remove invisible characters, collapse runs of spaces and strip the ends."""
    return _WS_RUN.sub(" ", text.translate(_INVISIBLE)).strip()


def compact(text: str) -> str:
    """Folded text without any spaces: the form titles and labels are compared in."""
    return "".join(fold(text).split())


def cn_small_number(text: str) -> int | None:
    """Value of a Chinese numeral up to 99 ("二十", "十一", "三十一", "元" = 1); None if not one."""
    if not text:
        return None
    if text == "元":
        return 1
    if text.isdigit():
        return int(text)
    if "十" in text:
        head, _, tail = text.partition("十")
        tens = 1 if head == "" else CN_DIGITS.get(head)
        ones = 0 if tail == "" else CN_DIGITS.get(tail)
        if tens is None or ones is None or len(head) > 1 or len(tail) > 1:
            return None
        return tens * 10 + ones
    if len(text) == 1 and text in CN_DIGITS:
        return CN_DIGITS[text]
    return None


def cn_year(text: str) -> int | None:
    """A four-digit year written digit by digit in Chinese ("二○一二") or ASCII."""
    if len(text) != 4:
        return None
    digits = [CN_DIGITS.get(ch, int(ch) if ch.isdigit() else None) for ch in text]
    if any(d is None for d in digits):
        return None
    return int("".join(str(d) for d in digits))


_ISO_DATE = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*[-/.]\s*(?P<m>\d{1,2})\s*[-/.]\s*(?P<d>\d{1,2})"
    r"(?:\s*(?:T|\s)\s*(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?"
)
_CN_DATE = re.compile(
    r"(?P<y>(?:19|20)\d{2}|[〇○零Ｏ一二三四五六七八九]{4})\s*年\s*"
    r"(?P<m>\d{1,2}|[元一二三四五六七八九十]{1,3})\s*月\s*"
    r"(?P<d>\d{1,2}|[一二三四五六七八九十]{1,3})\s*[日号]"
    r"(?:\s*(?P<H>\d{1,2})\s*[:时]\s*(?P<M>\d{2})(?:\s*[:分]\s*(?P<S>\d{2}))?)?"
)


def _valid(y: int, m: int, d: int) -> bool:
    try:
        date(y, m, d)
    except ValueError:
        return False
    return 1990 <= y <= 2100


def _iso(match: re.Match[str], y: int, m: int, d: int) -> str | None:
    if not _valid(y, m, d):
        return None
    out = f"{y:04d}-{m:02d}-{d:02d}"
    hour, minute, second = match.group("H"), match.group("M"), match.group("S")
    if hour is not None and minute is not None:
        h, mi = int(hour), int(minute)
        if h > 23 or mi > 59:
            return out
        out += f"T{h:02d}:{mi:02d}"
        if second is not None and int(second) <= 59:
            out += f":{int(second):02d}"
    return out


def parse_date(text: str) -> str | None:
    """The first well-formed date in text, as ISO 8601 with the precision written.

    "2021-01-25 15:27:59" gives "2021-01-25T15:27:59", "2020年1月8日" gives
    "2020-01-08", "二○一二年二月二十日" gives "2012-02-20". Local time, no offset
    (China, +08:00, is implied). Broken dates ("2019729日") give None rather than a guess.
    """
    folded = fold(text)
    for m in _ISO_DATE.finditer(folded):
        iso = _iso(m, int(m.group("y")), int(m.group("m")), int(m.group("d")))
        if iso:
            return iso
    for m in _CN_DATE.finditer(folded):
        y = cn_year(m.group("y"))
        mo = cn_small_number(m.group("m"))
        d = cn_small_number(m.group("d"))
        if y is None or mo is None or d is None:
            continue
        iso = _iso(m, y, mo, d)
        if iso:
            return iso
    return None


def iso_utc(value: datetime | None) -> str | None:
    """An aware datetime as ISO 8601 (seconds precision); None stays None."""
    if value is None:
        return None
    return value.replace(microsecond=0).isoformat()
