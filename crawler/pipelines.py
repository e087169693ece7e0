"""Item pipelines: the list of report pages a crawl found, written next to the archive.

Spiders yield a :class:`ReportPage` for every fetched page a discovery rule marked as a
report candidate. ``ReportPagesPipeline`` appends each as one JSON line to
``ARCHIVE_DIR/pages.jsonl`` (flushed per line, so a killed crawl keeps what it found);
the WACZ export's ``pages.jsonl`` and the crawl summary read it. Records themselves are
not produced here: they are derived from the archived bytes (``crawler.records``).
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from scrapy.exceptions import NotConfigured

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

PAGES_FILE = "pages.jsonl"
logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ReportPage:
    """A fetched page that a discovery rule marked as a report (or guide) candidate."""

    url: str
    portal: str | None
    rule: str
    title: str | None = None  # as the listing showed it
    date: str | None = None  # as the listing showed it
    record_id: str | None = None  # WARC-Record-ID of its response record
    status: int | None = None


class ReportPagesPipeline:
    """Appends :class:`ReportPage` items to ``ARCHIVE_DIR/pages.jsonl``.

    Settings: ``REPORT_PAGES_ENABLED``, ``ARCHIVE_ENABLED``, ``ARCHIVE_DIR``.
    Stats: ``report_pages/found``.
    """

    def __init__(self, path: Path, stats: StatsCollector) -> None:
        self.path = path
        self.stats = stats
        self._fh: IO[str] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ReportPagesPipeline:
        settings = crawler.settings
        if not (settings.getbool("REPORT_PAGES_ENABLED") and settings.getbool("ARCHIVE_ENABLED")):
            raise NotConfigured("report page list off")
        if not settings.get("ARCHIVE_DIR"):
            raise NotConfigured("ARCHIVE_DIR is not set")
        assert crawler.stats is not None
        return cls(Path(settings["ARCHIVE_DIR"]) / PAGES_FILE, crawler.stats)

    def open_spider(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = self.path.open("a", encoding="utf-8")
        except OSError as exc:
            # An unusable ARCHIVE_DIR: one error line; the capture extension, which cannot
            # open the archive either, stops the crawl with reason archive_error.
            logger.error("cannot write the report page list %s: %s", self.path, exc)
            self._fh = None

    def close_spider(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def process_item(self, item: Any) -> Any:
        if isinstance(item, ReportPage) and self._fh is not None:
            self._fh.write(json.dumps(asdict(item), ensure_ascii=False) + "\n")
            self._fh.flush()
            self.stats.inc_value("report_pages/found")
        return item
