"""Discovery bookkeeping per portal, published as slash-named Scrapy stats.

The crawl report (crawler/report.py) reads these keys; nothing else is shared:

- ``discovery/<portal>/candidates``: report/guide candidate URLs requested;
- ``discovery/<portal>/reports/<kind>/<year>``: candidates fetched, by the kind and year
  their listing title names (``year`` is ``unknown`` when it names none);
- ``discovery/<portal>/declared/<column>`` and ``discovery/<portal>/found/<column>``: the
  record count a column declares (TRS ``recordCount``, Hanweb ``totalrecord``, an API's
  ``total``) and the distinct records discovery saw in it; declared > found is a shortfall;
- ``discovery/<portal>/renders``: pages rendered in the browser;
- ``discovery/<portal>/attachments``: attachment requests made for candidates;
- ``discovery/<portal>/api_requests``: XML/JSON list API requests made.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector


@dataclass(slots=True)
class ColumnTally:
    """What one column declared and which of its records discovery saw."""

    declared: int | None = None
    seen: set[str] = field(default_factory=set)


class DiscoveryTally:
    """Per-portal counters kept by the spider and mirrored into the crawl stats."""

    def __init__(self, crawler: Crawler | None) -> None:
        self._crawler = crawler
        self.columns: dict[tuple[str, str], ColumnTally] = defaultdict(ColumnTally)

    @property
    def stats(self) -> StatsCollector | None:
        """The crawl's stats (set by Scrapy when the crawl starts; None without a crawler)."""
        if self._crawler is None:
            return None
        try:
            return self._crawler.stats
        except RuntimeError:  # before the crawl starts
            return None

    def inc(self, portal: str, key: str, count: int = 1) -> None:
        """Add to ``discovery/<portal>/<key>``."""
        if self.stats is not None:
            self.stats.inc_value(f"discovery/{portal}/{key}", count)

    def column(self, portal: str, column: str, declared: int | None, records: list[str]) -> int:
        """Record a listing page (or API answer) of ``column``: its declared size, its records.

        Returns how many of the records are new to the column (0: the page repeats pages
        already seen, as endless pagination does).
        """
        tally = self.columns[(portal, column)]
        if declared is not None:
            tally.declared = max(tally.declared or 0, declared)
        before = len(tally.seen)
        tally.seen.update(records)
        new = len(tally.seen) - before
        if self.stats is not None and tally.declared is not None:
            self.stats.set_value(f"discovery/{portal}/declared/{column}", tally.declared)
            self.stats.set_value(f"discovery/{portal}/found/{column}", len(tally.seen))
        return new

    def shortfalls(self) -> list[tuple[str, str, int, int]]:
        """(portal, column, declared, found) for every column that declares more than found."""
        return [
            (portal, column, t.declared, len(t.seen))
            for (portal, column), t in sorted(self.columns.items())
            if t.declared is not None and t.declared > len(t.seen)
        ]
