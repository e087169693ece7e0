"""Stage 1, decode: page bytes to text, deciding the charset and recording why.

Sources of a charset, strongest first: a byte-order mark; then the Content-Type
header and the ``<meta>`` declaration, which real portals often get wrong (GBK pages
declared UTF-8 and the reverse). Conflicts are decided by which candidate decodes the
bytes cleanly; UTF-8 wins a tie because valid UTF-8 is almost never an accident for
non-ASCII text. GBK and GB2312 are decoded as GB18030, their superset, so characters
outside GB2312 survive. charset-normalizer is asked only when no candidate decodes.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import charset_normalizer

_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,300}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{2,40})""", re.I
)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Labels that mean "the GB family": decoded as GB18030, the superset.
_GB_FAMILY = frozenset(
    {
        "gbk",
        "gb2312",
        "gb_2312",
        "gb_2312-80",
        "x-gbk",
        "cp936",
        "ms936",
        "euc-cn",
        "csgb2312",
        "gb18030",
        "hz-gb-2312",
        "chinese",
        "windows-936",
    }
)
# Latin-1 labels: browsers decode them as windows-1252 (WHATWG), which never fails.
_LATIN = frozenset(
    {"iso-8859-1", "latin1", "latin-1", "us-ascii", "ascii", "windows-1252", "cp1252", "l1"}
)
# How much of the body the <meta> scan reads (browsers prescan 1024 bytes; CMSs are sloppier).
META_SCAN_BYTES = 4096


@dataclass(frozen=True, slots=True)
class Decoded:
    """The page as text, the charset used and a one-line account of the decision."""

    text: str
    charset: str
    decision: str
    replaced: bool  # some bytes did not decode and became U+FFFD
    conflict: bool  # header, <meta> or BOM disagreed


def canonical_charset(label: str | None) -> str | None:
    """Python codec name for a charset label; the GB family becomes gb18030; None if unknown."""
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    if name in _GB_FAMILY:
        return "gb18030"
    if name in _LATIN:
        return "cp1252"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def meta_charset(body: bytes) -> str | None:
    """The charset a ``<meta>`` declares in the first bytes of the page."""
    m = _META_CHARSET.search(body[:META_SCAN_BYTES])
    return m.group(1).decode("ascii", "replace") if m else None


def _strict(body: bytes, charset: str) -> str | None:
    try:
        return body.decode(charset)
    except (UnicodeDecodeError, LookupError):
        return None


def decode(body: bytes, declared: str | None, *, sniff_meta: bool = True) -> Decoded:
    """Decode page bytes; never raises (undecodable bytes become U+FFFD and are reported)."""
    for bom, charset in _BOMS:
        if body.startswith(bom):
            text = body[len(bom) :].decode(charset, "replace")
            return Decoded(text, charset, f"bom:{charset}", "\ufffd" in text, False)

    header = canonical_charset(declared)
    meta_label = meta_charset(body) if sniff_meta else None
    meta = canonical_charset(meta_label)
    declared_set = [c for c in (header, meta) if c]
    conflict = len(set(declared_set)) > 1
    notes = []
    if declared:
        notes.append(f"header:{declared.lower()}")
    if meta_label:
        notes.append(f"meta:{meta_label.lower()}")

    if body.isascii():
        charset = header or meta or "utf-8"
        if charset in ("utf-16-le", "utf-16-be", "utf-16", "utf-32"):
            charset = "utf-8"
        text = _strict(body, charset) or body.decode("ascii", "replace")
        return Decoded(text, charset, " ".join([*notes, f"ascii -> {charset}"]), False, conflict)

    # Valid UTF-8 of non-ASCII bytes is almost never an accident, while GB18030 accepts
    # much of UTF-8 as (wrong) Chinese: so UTF-8 is tried first whatever was declared.
    candidates = ["utf-8", *(c for c in declared_set if c != "utf-8")]
    if "gb18030" not in candidates:
        candidates.append("gb18030")
    for charset in candidates:
        clean_text = _strict(body, charset)
        if clean_text is None:
            continue
        rejected = [c for c in declared_set if c != charset]
        how = "declared" if charset in declared_set else "undeclared"
        how += ", decodes cleanly"
        if rejected:
            how += f"; declared {'/'.join(rejected)} does not"
        decision = " ".join([*notes, f"-> {charset} ({how})"])
        return Decoded(clean_text, charset, decision, False, conflict or bool(rejected))

    best = charset_normalizer.from_bytes(body[:200_000]).best()
    guess = canonical_charset(best.encoding) if best is not None else None
    charset = guess or (declared_set[0] if declared_set else "gb18030")
    text = body.decode(charset, "replace")
    # A guess that replaces more than GB18030 would is a bad guess for these sites.
    if charset != "gb18030":
        gb = body.decode("gb18030", "replace")
        if gb.count("\ufffd") < text.count("\ufffd"):
            charset, text = "gb18030", gb
    decision = " ".join([*notes, f"-> {charset} (nothing decodes cleanly; bytes replaced)"])
    return Decoded(text, charset, decision, True, True)
