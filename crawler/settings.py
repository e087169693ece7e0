"""Scrapy settings for govcrawl: polite defaults; the CLI and tests override per run.

Politeness first: robots.txt obeyed, one request in flight per host, a randomised delay
of at least one second that AutoThrottle may only lengthen, and a User-Agent that says
who is crawling and how to reach them (``GOVCRAWL_CONTACT``, also read from the
environment). Every setting is documented in docs/usage.md.
"""

from __future__ import annotations

import os

BOT_NAME = "govcrawl"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# --- Identity -------------------------------------------------------------------------
GOVCRAWL_CONTACT = os.environ.get("GOVCRAWL_CONTACT", "")
GOVCRAWL_VERSION = "0.1.0"


def user_agent(contact: str) -> str:
    """The honest User-Agent: software, purpose and (when configured) operator contact."""
    ua = f"govcrawl/{GOVCRAWL_VERSION} (archiver of government information-disclosure reports"
    return f"{ua}; +{contact})" if contact else f"{ua})"


USER_AGENT = user_agent(GOVCRAWL_CONTACT)

# --- Politeness -----------------------------------------------------------------------
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 2.0
DOWNLOAD_DELAY_JITTER = 0.5  # each delay varies by ±50% (Scrapy 2.19)
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 60
RETRY_TIMES = 2
# A backstop only: every listing or API page counts as one hop, so a report column
# paginated by "next" links over 40 pages sits 42 hops deep. The portal spider bounds its
# own navigation (spiders.focused.NAV_DEPTH hops without progress); traps have budgets.
DEPTH_LIMIT = 50
# Government portals often serve reports as large PDFs; above this a download is dropped.
DOWNLOAD_MAXSIZE = 256 * 1024 * 1024
DOWNLOAD_WARNSIZE = 64 * 1024 * 1024
COOKIES_ENABLED = True
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5",
    # Only codings the archive reader (archive.reader.decode_content) and replay tools
    # decode; HttpCompressionMiddleware would also offer zstd, keeps this one instead.
    "Accept-Encoding": "gzip, deflate, br",
}
# Scope guard of the politeness layer: private/loopback addresses are refused unless a
# test or the demo turns this on.
SCOPE_ALLOW_PRIVATE = False

# --- Engine ---------------------------------------------------------------------------
# The asyncio reactor: required by the aiohttp download handler below and by
# scrapy-playwright.
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
# The wire-recording handler: keeps reason phrases, header case/order/repeats and the
# headers actually sent (crawler/capture_handler.py says why the Twisted one cannot).
DOWNLOAD_HANDLERS = {
    "http": "crawler.capture_handler.WireHttpDownloadHandler",
    "https": "crawler.capture_handler.WireHttpDownloadHandler",
}
# Old county portals still serve TLS 1.0 with weak ciphers; an archiver sends no secrets
# and must reach them, so the floor is low. Certificates are not verified (Scrapy's
# default, DOWNLOAD_VERIFY_CERTIFICATES=False): expired and self-signed ones are common.
DOWNLOAD_TLS_MIN_VERSION = "TLSv1.0"
DOWNLOADER_CLIENT_TLS_CIPHERS = "DEFAULT:@SECLEVEL=0"
# HttpProxyMiddleware (on by default) honours http_proxy / https_proxy / no_proxy.
HTTPPROXY_ENABLED = True
LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"

# --- Archive --------------------------------------------------------------------------
ARCHIVE_ENABLED = True  # False: crawl without writing anything
ARCHIVE_DIR = os.environ.get("GOVCRAWL_ARCHIVE", "out/archive")
ARCHIVE_MAX_FILE_SIZE = 1 << 30  # roll WARC files at 1 GiB
CAPTURE_ENABLED = True  # the capture component itself (off only to replace it)

EXTENSIONS = {
    "crawler.capture.CaptureExtension": 100,
}
ITEM_PIPELINES = {
    "crawler.pipelines.ReportPagesPipeline": 300,
}
# records.jsonl and the report's documents, derived from the archive once the engine stops
# (crawler/records_ext.py); for every way of starting a crawl, ``scrapy crawl`` included.
EXTENSIONS["crawler.records_ext.RecordsExtension"] = 900
RECORDS_ENABLED = True
REPORT_PAGES_ENABLED = True

# --- politeness, scope, traps, challenges (crawler/middlewares) ---
# Owned by the politeness engineer; each component's module docstring explains it.
DOWNLOADER_MIDDLEWARES = {
    # Replaced: per-portal scope that also reports what it refused (redirects included).
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "crawler.middlewares.scope.ScopeMiddleware": 50,
    "crawler.middlewares.ssrf.SsrfMiddleware": 60,
    # Replaced: robots.txt with soft-404 handling, logged per-portal override, Crawl-delay.
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.robots.RobotsMiddleware": 100,
    # Above RetryMiddleware (550): sees 429/503 before they turn into retries.
    "crawler.middlewares.backoff.BackoffMiddleware": 570,
    # Between HttpCompression (590) and MetaRefresh (580): sees decoded bodies, and
    # deletion stubs are stopped before MetaRefresh would follow them.
    "crawler.middlewares.challenges.ChallengeMiddleware": 585,
}
SPIDER_MIDDLEWARES = {
    # Both after DepthMiddleware (900) on the way out of the spider.
    "crawler.middlewares.sessionids.LinkHygieneMiddleware": 880,
    "crawler.middlewares.traps.TrapsMiddleware": 860,
}
ROBOTSTXT_USER_AGENT = "govcrawl"  # the product token robots.txt groups are matched against
ROBOTSTXT_OVERRIDE_PORTALS: list[str] = []  # portals whose robots.txt is ignored (logged)
# Per-host fairness: take the next request from the host with the fewest in flight.
SCHEDULER_PRIORITY_QUEUE = "scrapy.pqueues.DownloaderAwarePriorityQueue"
REDIRECT_MAX_TIMES = 10
SCOPE_ENABLED = True
SSRF_ENABLED = True  # also off when SCOPE_ALLOW_PRIVATE is set
SSRF_CACHE_SECONDS = 300.0
BACKOFF_ENABLED = True
BACKOFF_BASE_DELAY = 30.0  # first hold after BACKOFF_THRESHOLD consecutive failures; doubles
BACKOFF_MAX_DELAY = 600.0  # also caps Retry-After
BACKOFF_THRESHOLD = 3
BACKOFF_GIVE_UP = 10  # consecutive failures after which a host is abandoned for the crawl
CHALLENGES_ENABLED = True
CHALLENGES_BACKOFF_DELAY = 120.0  # first hold after an anti-bot challenge; doubles
CHALLENGES_GIVE_UP = 3  # challenges on a host after which it is abandoned for the crawl
LINKS_HYGIENE_ENABLED = True
TRAPS_ENABLED = True
TRAPS_MAX_URL_LENGTH = 1024
TRAPS_MAX_SEGMENT_REPEATS = 3
TRAPS_MAX_PARAM_REPEATS = 4
TRAPS_MAX_QUERY_GROWTH = 3
TRAPS_MIN_YEAR = 1990
TRAPS_HOST_BUDGET = 20000
PROGRESS_ENABLED = True
PROGRESS_INTERVAL = 10.0  # seconds between plain log lines when not on a terminal
REPORT_ENABLED = True
EXTENSIONS.update(
    {
        "crawler.progress.ProgressExtension": 500,
        "crawler.report.CrawlReportExtension": 510,
    }
)
# --- end of politeness block ---

# --- capture side, added to the dicts above ---
DOWNLOADER_MIDDLEWARES.update(
    {
        # Scrapy's cookie middleware would download the public suffix list: swap it for
        # one that uses tldextract's bundled snapshot (crawler/cookies.py).
        "scrapy.downloadermiddlewares.cookies.CookiesMiddleware": None,
        "crawler.cookies.OfflineCookiesMiddleware": 700,
    }
)
