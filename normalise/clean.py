"""Stage 5, clean: drop page chrome and injected spam lines, remembering what went where."""

from __future__ import annotations

from normalise import patterns as P
from normalise.model import Block, Cleaned
from normalise.text import compact


def chrome_reason(line: str) -> str | None:
    """Why a line is page chrome (breadcrumbs, share bars, footers), or None."""
    c = compact(line)
    if not c:
        return None
    if c in P.CHROME_LINES:
        return "chrome_removed"
    if "|" in c:
        words = [w for w in c.split("|") if w]
        if words and all(w in P.CHROME_BAR_WORDS for w in words):
            return "chrome_removed"
    if len(c) <= 120:
        for pattern in P.CHROME_PATTERNS:
            if pattern.search(c):
                return "chrome_removed"
    return None


def is_spam(line: str) -> bool:
    """A short line of lottery, gambling or porn SEO keywords (injected into hacked pages)."""
    c = compact(line).lower()
    if not c or len(c) > P.SPAM_MAX_CHARS:
        return False
    if c.endswith("。"):  # a sentence of the report, not a keyword run
        return False
    hits = [t for t in P.SPAM_TERMS if t in c]
    return any(t in P.SPAM_STRONG for t in hits) or len(hits) >= 2


def clean(blocks: tuple[Block, ...]) -> Cleaned:
    """Keep document lines; tables are never chrome or spam."""
    kept: list[Block] = []
    removed: list[tuple[int, str]] = []
    kept_before: list[int] = []
    for block in blocks:
        kept_before.append(len(kept))
        if not block.is_table:
            if reason := chrome_reason(block.text):
                removed.append((len(kept), reason))
                continue
            if is_spam(block.text):
                removed.append((len(kept), "spam_removed"))
                continue
        kept.append(block)
    return Cleaned(tuple(kept), tuple(removed), tuple(kept_before))
