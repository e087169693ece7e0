"""Subcommands of ``govcrawl`` that crawl: ``crawl URL... --archive DIR`` and ``demo``.

Both run Scrapy in-process (``CrawlerProcess``, the project's ``crawler.settings`` plus
command-line overrides) and print a short summary. ``DIR/records.jsonl`` and the crawl
report's documents are written by the records extension (crawler/records_ext.py) when the
engine stops, as for ``scrapy crawl``; the summary reads them back. ``demo`` starts the
bundled demo portal on 127.0.0.1 for the run.
"""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from crawler.errors import ConfigError
from crawler.portals import load_portals

RECORDS_FILE = "records.jsonl"
REPORT_JSON = "crawl-report.json"  # crawler.report.REPORT_JSON (not imported: Scrapy)
DEMO_MARKER = ".govcrawl-demo"  # marks a directory the demo may clear and reuse
DEFAULT_DEMO_DIR = Path("out/demo")
LOG_LEVELS = click.Choice(["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"], case_sensitive=False)


@dataclass
class CrawlResult:
    """What a finished crawl left behind, for the summary and the exit status."""

    archive_dir: Path
    stats: dict[str, Any]
    records: list[dict[str, Any]] = field(default_factory=list)
    report_dir: Path | None = None  # where crawl-report.json went (REPORT_DIR, else DIR)
    report: dict[str, Any] | None = None  # crawl-report.json with its documents sections

    @property
    def finish_reason(self) -> str:
        return str(self.stats.get("finish_reason", "unknown"))


def check_start_url(url: str) -> str:
    """A start URL must be absolute http(s) with a host; anything else is a user error."""
    try:
        parts = urlsplit(url.strip())
        _ = parts.port  # raises ValueError for a malformed port
    except ValueError as exc:  # an unclosed IPv6 bracket, a bad port...
        raise click.ClickException(f"malformed URL {url!r}: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise click.ClickException(f"not an http(s) URL: {url!r}")
    return url.strip()


def prepare_archive_dir(path: Path) -> Path:
    """Create the archive directory (and its parents) or fail with one line, before Scrapy
    starts: a path under a regular file, an unwritable parent or a file in the way are
    user errors, and no component should meet them mid-crawl."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise click.ClickException(f"--archive {path}: exists and is not a directory") from None
    except NotADirectoryError:
        raise click.ClickException(
            f"--archive {path}: a parent of this path is a file, not a directory"
        ) from None
    except OSError as exc:
        raise click.ClickException(
            f"--archive {path}: cannot create directory: {exc.strerror or exc}"
        ) from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise click.ClickException(f"--archive {path}: directory is not writable")
    return path


def crawl_settings(
    archive_dir: Path,
    *,
    delay: float | None = None,
    allow_private: bool = False,
    contact: str | None = None,
    depth: int | None = None,
    log_level: str = "INFO",
    overrides: dict[str, str] | None = None,
    browser: bool = True,
) -> Any:
    """The project's settings with this run's values on top (priority "cmdline").

    ``browser``: plug in the browser download handler (crawler/browser.py), which renders
    the few pages discovery asks to render; without it those are fetched over plain HTTP.
    """
    from scrapy.settings import Settings  # noqa: PLC0415  (Scrapy loads only for crawls)

    from crawler import settings as project_settings  # noqa: PLC0415
    from crawler.browser import browser_settings  # noqa: PLC0415

    settings = Settings()
    settings.setmodule(project_settings, priority="project")
    if browser:
        settings.setdict(browser_settings(), priority="project")
    values: dict[str, Any] = {"ARCHIVE_DIR": str(archive_dir), "LOG_LEVEL": log_level}
    if delay is not None:
        if delay < 0:
            raise click.ClickException(f"--delay must be >= 0, got {delay}")
        values["DOWNLOAD_DELAY"] = delay
        values["AUTOTHROTTLE_START_DELAY"] = max(delay, 0.01)
        if delay == 0:
            # "No delay" means no delay: AutoThrottle would otherwise add one back.
            values["AUTOTHROTTLE_ENABLED"] = False
    if allow_private:
        values["SCOPE_ALLOW_PRIVATE"] = True
    if contact:
        values["GOVCRAWL_CONTACT"] = contact
        values["USER_AGENT"] = project_settings.user_agent(contact)
    if depth is not None:
        values["DEPTH_LIMIT"] = depth
    settings.setdict(values, priority="cmdline")
    for name, value in (overrides or {}).items():
        _check_override(settings, name, value)
        settings.set(name, value, priority="cmdline")
    return settings


_LOG_LEVELS = frozenset({"CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG", "NOTSET"})


def _check_override(settings: Any, name: str, value: str) -> None:
    """``-s NAME=VALUE`` must parse as the setting's current type (Scrapy's own parsing),
    so that a typo is one line now rather than a traceback once Scrapy reads it."""
    from scrapy.settings import Settings  # noqa: PLC0415

    current = settings.get(name)
    trial = Settings({name: value})
    try:
        if isinstance(current, bool):
            trial.getbool(name)
        elif isinstance(current, int):
            trial.getint(name)
        elif isinstance(current, float):
            trial.getfloat(name)
    except ValueError:
        kind = {bool: "true/false", int: "an integer", float: "a number"}[type(current)]
        raise ConfigError(f"-s {name}: expected {kind}, got {value!r}") from None
    if name == "LOG_LEVEL" and value.upper() not in _LOG_LEVELS:
        raise ConfigError(f"-s LOG_LEVEL: unknown level {value!r}")


def run_crawl(
    start_urls: list[str],
    settings: Any,
    portal: str | None = None,
    portals_file: Path | None = None,
) -> CrawlResult:
    """Crawl with the portal spider in this process; returns the stats when Scrapy stops.

    The spider is looked up by name (``SPIDER_MODULES``): the crawler package never imports
    spiders (import-linter's layers). ``portals_file`` crawls the portals of a TOML file
    (crawler/portals.py, validated before Scrapy starts); otherwise the start URLs form one
    portal.
    """
    from scrapy.crawler import CrawlerProcess  # noqa: PLC0415

    archive_dir = Path(settings["ARCHIVE_DIR"])
    process = CrawlerProcess(settings)
    crawler = process.create_crawler("portal")
    if portals_file is not None:
        process.crawl(crawler, portal_list=load_portals(portals_file))
    else:
        process.crawl(crawler, start_urls=start_urls, portal=portal)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats is not None else {}
    report_dir = Path(settings.get("REPORT_DIR") or archive_dir)
    return CrawlResult(archive_dir=archive_dir, stats=dict(stats), report_dir=report_dir)


def read_outputs(result: CrawlResult) -> None:
    """Read back what the records extension (crawler/records_ext.py) wrote when the engine
    stopped: ``records.jsonl`` and the crawl report with its documents sections. A file
    this run did not write (the step off or failed, its error already logged) is not read:
    an older run's records would be summarised as this one's."""
    from crawler.records import read_records  # noqa: PLC0415  (Scrapy loads only for crawls)

    if "records/written" in result.stats:
        try:
            result.records = read_records(result.archive_dir / RECORDS_FILE)
        except (OSError, ValueError) as exc:
            click.echo(f"records not read back: {exc}", err=True)
    report_path = (result.report_dir or result.archive_dir) / REPORT_JSON
    try:
        report = json.loads(report_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if isinstance(report, dict):
        result.report = report


def warc_files(archive_dir: Path) -> list[Path]:
    """The archive's sealed WARC files."""
    return sorted(archive_dir.glob("warc/*.warc.gz"))


def summary_lines(result: CrawlResult) -> list[str]:
    """The short human summary printed at the end of a crawl."""
    stats = result.stats
    files = warc_files(result.archive_dir)
    size = sum(f.stat().st_size for f in files)
    lines = [
        f"finished: {result.finish_reason}",
        f"pages fetched: {stats.get('downloader/response_count', 0)}"
        f" (archived exchanges: {stats.get('archive/captures_written', 0)})",
        f"WARC files: {len(files)}, {size:,} bytes",
    ]
    by_kind = Counter(str(r.get("kind")) for r in result.records)
    lines.append(
        f"documents: {len(result.records)}"
        + (
            " (" + ", ".join(f"{k}: {n}" for k, n in sorted(by_kind.items())) + ")"
            if by_kind
            else ""
        )
    )
    by_year = Counter(
        (str(r.get("kind")), int(r["report_year"]))
        for r in result.records
        if isinstance(r.get("report_year"), int)
    )
    for (kind, year), n in sorted(by_year.items(), key=lambda kv: (kv[0][0], -kv[0][1])):
        lines.append(f"  {kind} {year}: {n}")
    portals = (result.report or {}).get("portals", {})
    for name, portal in portals.items():
        missing = (portal.get("documents") or {}).get("missing_years")
        if missing:
            lines.append(f"  missing years ({name}): " + ", ".join(map(str, missing)))
    out = result.archive_dir.resolve()
    lines += [
        "outputs:",
        f"  WARC files   {out / 'warc'}",
        f"  index        {out / 'index.sqlite3'}",
        f"  records      {out / RECORDS_FILE}",
        f"  crawl report {(result.report_dir or out).resolve() / REPORT_JSON}",
        f"  report pages {out / 'pages.jsonl'}",
    ]
    return lines


def _finish(result: CrawlResult) -> None:
    read_outputs(result)
    for line in summary_lines(result):
        click.echo(line)
    if result.finish_reason not in ("finished", "closespider_pagecount", "closespider_itemcount"):
        raise click.ClickException(
            f"crawl stopped early ({result.finish_reason}); what was archived is in "
            f"{result.archive_dir}"
        )


def _parse_overrides(values: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ConfigError(f"-s expects NAME=VALUE, got {item!r}")
        out[name.strip()] = value
    return out


def _prepare_demo_dir(path: Path) -> None:
    """Reuse a directory an earlier demo made; refuse to touch anything else."""
    if path.exists() and not path.is_dir():
        raise click.ClickException(f"--archive {path}: exists and is not a directory")
    if path.exists() and any(path.iterdir()):
        if not (path / DEMO_MARKER).exists():
            raise click.ClickException(
                f"{path} exists and was not made by `govcrawl demo`; choose another --archive"
            )
        shutil.rmtree(path)
    prepare_archive_dir(path)
    (path / DEMO_MARKER).write_text("made by govcrawl demo; the demo clears it on each run\n")


def register(group: click.Group) -> None:
    """Add this module's commands to the group."""

    @group.command("crawl")
    @click.argument("urls", nargs=-1)
    @click.option(
        "--portals",
        "portals_file",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="TOML file of portals to crawl (see examples/portals.toml) instead of URL...",
    )
    @click.option(
        "--no-browser",
        is_flag=True,
        help="Never start a browser; script-only lists are then fetched as plain HTML.",
    )
    @click.option(
        "--archive",
        "archive_dir",
        required=True,
        type=click.Path(file_okay=False, path_type=Path),
        help="Archive directory (WARC files, index, records.jsonl).",
    )
    @click.option(
        "--delay",
        type=click.FloatRange(min=0),
        default=None,
        help="Seconds between requests to a host.",
    )
    @click.option(
        "--allow-private",
        is_flag=True,
        help="Allow private/loopback addresses (local test portals only).",
    )
    @click.option("--contact", default=None, help="Operator e-mail or URL for the User-Agent.")
    @click.option("--depth", type=click.IntRange(min=0), default=None, help="Maximum link depth.")
    @click.option("--portal", default=None, help="Portal name recorded with every capture.")
    @click.option("--log-level", default="INFO", show_default=True, type=LOG_LEVELS)
    @click.option("-s", "--set", "sets", multiple=True, help="Scrapy setting NAME=VALUE.")
    def crawl(
        *,
        urls: tuple[str, ...],
        portals_file: Path | None,
        no_browser: bool,
        archive_dir: Path,
        delay: float | None,
        allow_private: bool,
        contact: str | None,
        depth: int | None,
        portal: str | None,
        log_level: str,
        sets: tuple[str, ...],
    ) -> None:
        """Crawl URL... (each start URL's registrable domain is in scope), or the portals of
        --portals FILE, into --archive DIR."""
        if bool(urls) == (portals_file is not None):
            raise click.UsageError("give either URL... or --portals FILE")
        if portals_file is not None:
            load_portals(portals_file)  # a bad file is one clear line, before Scrapy starts
        start_urls = [check_start_url(u) for u in urls]
        settings = crawl_settings(
            archive_dir,
            delay=delay,
            allow_private=allow_private,
            contact=contact,
            depth=depth,
            log_level=log_level,
            overrides=_parse_overrides(sets),
            browser=not no_browser,
        )
        prepare_archive_dir(archive_dir)  # last check: nothing is created for a bad command
        _finish(run_crawl(start_urls, settings, portal=portal, portals_file=portals_file))

    @group.command("demo")
    @click.option(
        "--archive",
        "archive_dir",
        default=DEFAULT_DEMO_DIR,
        show_default=True,
        type=click.Path(file_okay=False, path_type=Path),
        help="Where the demo's archive goes (cleared on each demo run).",
    )
    @click.option("--log-level", default="WARNING", show_default=True, type=LOG_LEVELS)
    def demo(*, archive_dir: Path, log_level: str) -> None:
        """Start the bundled demo portal on 127.0.0.1, crawl it, normalise, summarise."""
        from crawler.demo.server import DemoPortal  # noqa: PLC0415

        _prepare_demo_dir(archive_dir)
        with DemoPortal() as portal:
            click.echo(f"demo portal: {portal.url}")
            settings = crawl_settings(
                archive_dir, delay=0.0, allow_private=True, log_level=log_level
            )
            result = run_crawl([portal.url], settings, portal="demo-county")
        _finish(result)
