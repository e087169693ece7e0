"""Extension: derive ``DIR/records.jsonl`` and the crawl report's documents when a crawl ends.

Whatever starts the crawl (``govcrawl crawl``, ``govcrawl demo`` or ``scrapy crawl portal``)
ends with the same outputs: once the engine has stopped, the archived captures are
normalised into records (``crawler.records.write_records``, the code path of
``govcrawl normalise --archive``) and the documents sections are added to the crawl report
(``crawler.report.add_documents``).

Why ``engine_stopped`` and not ``spider_closed``: the capture extension seals the WARC
files and closes the index, and the report extension writes ``crawl-report.json``, in their
own ``spider_closed`` handlers. Scrapy calls the handlers of one signal in the order they
were connected, which depends on the ``EXTENSIONS`` order; ``engine_stopped`` is sent only
after every ``spider_closed`` handler has finished, whatever that order.

The step holds the archive's writer lock while it reads: records are derived only from an
archive no other process is changing (a crawl refused because another crawl writes the
same directory derives nothing). It runs in a worker thread so that the reactor stays
responsive; a failure is logged, never raised, and nothing archived is touched.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThread

from archive.errors import ArchiveError
from archive.layout import take_writer_lock
from crawler.records import RECORDS_FILE, NormaliseReport, read_records, write_records
from crawler.report import add_documents

logger = logging.getLogger(__name__)


class RecordsExtension:
    """Normalise the archive into ``records.jsonl`` and complete the crawl report."""

    def __init__(self, archive_dir: Path, report_dir: Path, stats: StatsCollector) -> None:
        self.archive_dir = archive_dir
        self.report_dir = report_dir
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        s = crawler.settings
        if not s.getbool("RECORDS_ENABLED", True):
            raise NotConfigured("RECORDS_ENABLED is off")
        if not s.getbool("ARCHIVE_ENABLED", True):
            raise NotConfigured("ARCHIVE_ENABLED is off: no archive to derive records from")
        archive_dir = s.get("ARCHIVE_DIR")
        if not archive_dir:
            raise NotConfigured("ARCHIVE_DIR is not set")
        assert crawler.stats is not None
        ext = cls(Path(archive_dir), Path(s.get("REPORT_DIR") or archive_dir), crawler.stats)
        crawler.signals.connect(ext.engine_stopped, signal=signals.engine_stopped)
        return ext

    async def engine_stopped(self) -> None:
        # In a worker thread: normalising a large archive must not stall the reactor.
        await maybe_deferred_to_future(deferToThread(self.run))

    def run(self) -> None:
        """Derive the records and add the documents to the report; log, never raise."""
        if not self.archive_dir.is_dir():
            logger.warning("records not derived: no archive at %s", self.archive_dir)
            return
        try:
            lock = take_writer_lock(self.archive_dir, "derive records")
        except (ArchiveError, OSError) as exc:
            logger.error("records not derived: %s", exc)
            return
        try:
            report = self._derive()
        finally:
            lock.close()
        if report is None:
            return
        self.stats.set_value("records/written", report.stats.get("normalise/records", 0))
        self.stats.set_value("records/errors", len(report.errors))

    def _derive(self) -> NormaliseReport | None:
        out = self.archive_dir / RECORDS_FILE
        try:
            report = write_records(self.archive_dir, out)
            for url, reason in report.errors:
                logger.warning("normalise error: %s: %s", url, reason)
            records: list[dict[str, Any]] = read_records(out)
        except (ArchiveError, OSError) as exc:
            logger.error("records not derived from %s: %s", self.archive_dir, exc)
            return None
        logger.info("%d records written to %s", len(records), out)
        try:
            # The report's document figures come from these records, not from link texts.
            add_documents(self.report_dir, self.archive_dir, records)
        except OSError as exc:
            logger.error("crawl report: documents not added in %s: %s", self.report_dir, exc)
        return report
