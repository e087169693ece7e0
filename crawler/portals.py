"""The portals file: which government portals to crawl and how (TOML, validated).

One ``[[portal]]`` table per portal::

    [[portal]]
    name = "pingtan"                               # unique; used in stats and reports
    start_urls = ["https://www.pingtan.gov.cn/"]   # a home page or a report column
    allowed_domains = ["pingtan.gov.cn"]           # default: start URLs' registrable domains
    platform = "auto"                              # or trs, hanweb, jpaas, gkmlpt, ...
    rendering = "auto"                             # auto | never | always
    [portal.politeness]                            # optional per-portal overrides
    download_delay = 3.0
    robots_obey = false                            # logged loudly when used
    page_budget = 2000                             # requests to the downloader
    depth_limit = 6
    concurrent_requests_per_host = 1

Where each override acts: ``download_delay`` and ``concurrent_requests_per_host`` become
Scrapy download slots of the start URLs' hosts; ``robots_obey = false`` goes to the robots
middleware, ``page_budget`` to the traps middleware (crawler/middlewares), ``depth_limit``
is applied by the spider.

Every mistake a user can make here ends in one ``ConfigError`` line naming the file, the
portal and the key. Registrable domains are computed offline (``crawler.scope``).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast
from urllib.parse import urlsplit

from crawler.errors import ConfigError
from crawler.scope import registrable_domain

Rendering = Literal["auto", "never", "always"]
RENDERINGS: tuple[Rendering, ...] = ("auto", "never", "always")
# The platforms discovery knows (spiders/platforms); "auto" detects them per page.
PLATFORMS = ("auto", "trs", "hanweb", "jpaas", "gkmlpt", "fjsearch", "ucap", "generic")
_PORTAL_KEYS = frozenset(
    {"name", "start_urls", "allowed_domains", "platform", "rendering", "politeness", "note"}
)
_POLITENESS_TYPES: dict[str, tuple[type, ...]] = {
    "download_delay": (int, float),
    "robots_obey": (bool,),
    "page_budget": (int,),
    "depth_limit": (int,),
    "concurrent_requests_per_host": (int,),
}


@dataclass(frozen=True, slots=True)
class Politeness:
    """Per-portal overrides of the crawl-wide politeness settings (None: use the global)."""

    download_delay: float | None = None
    robots_obey: bool | None = None
    page_budget: int | None = None
    depth_limit: int | None = None
    concurrent_requests_per_host: int | None = None


@dataclass(frozen=True, slots=True)
class Portal:
    """One portal to crawl: where to start, what is in scope, how to discover."""

    name: str
    start_urls: tuple[str, ...]
    allowed_domains: frozenset[str]
    platform: str = "auto"
    rendering: Rendering = "auto"
    politeness: Politeness = field(default_factory=Politeness)
    note: str | None = None


def _check_url(url: Any, where: str) -> str:
    if not isinstance(url, str) or not url.strip():
        raise ConfigError(f"{where}: start URL must be a non-empty string, got {url!r}")
    try:
        parts = urlsplit(url.strip())
        _ = parts.port  # raises ValueError for a malformed port
    except ValueError as exc:  # an unclosed IPv6 bracket, a bad port...
        raise ConfigError(f"{where}: malformed URL {url!r}: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{where}: not an http(s) URL: {url!r}")
    return url.strip()


def _politeness(raw: Any, where: str) -> Politeness:
    if raw is None:
        return Politeness()
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: 'politeness' must be a table")
    values: dict[str, Any] = {}
    for key, value in cast(dict[str, Any], raw).items():
        types = _POLITENESS_TYPES.get(key)
        if types is None:
            known = ", ".join(sorted(_POLITENESS_TYPES))
            raise ConfigError(f"{where}: unknown politeness key {key!r} (known: {known})")
        # bool is an int in Python: refuse true/false where a number is meant.
        if not isinstance(value, types) or (bool not in types and isinstance(value, bool)):
            raise ConfigError(f"{where}: politeness.{key} has the wrong type ({value!r})")
        if bool not in types and cast(float, value) < 0:
            raise ConfigError(f"{where}: politeness.{key} must not be negative")
        values[key] = float(cast(float, value)) if key == "download_delay" else value
    return Politeness(**values)


def portal_from_table(raw: Any, where: str) -> Portal:
    """Validate one ``[[portal]]`` table."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: each portal must be a table")
    unknown = set(raw) - _PORTAL_KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip() or "/" in name:
        raise ConfigError(f"{where}: 'name' must be a non-empty string without '/'")
    where = f"{where} ({name})"
    starts = raw.get("start_urls")
    if isinstance(starts, str):
        starts = [starts]
    if not isinstance(starts, list) or not starts:
        raise ConfigError(f"{where}: 'start_urls' must be a non-empty list of URLs")
    urls = tuple(_check_url(u, where) for u in starts)
    domains_raw = raw.get("allowed_domains")
    if domains_raw is None:
        domains = frozenset(registrable_domain(u) for u in urls)
    else:
        if not isinstance(domains_raw, list) or not all(
            isinstance(d, str) and d.strip() for d in domains_raw
        ):
            raise ConfigError(f"{where}: 'allowed_domains' must be a list of host names")
        domains = frozenset(d.strip().strip(".").lower() for d in domains_raw)
    for u in urls:
        host = (urlsplit(u).hostname or "").lower()
        if not any(host == d or host.endswith("." + d) for d in domains):
            raise ConfigError(f"{where}: start URL {u} is outside allowed_domains")
    platform = raw.get("platform", "auto")
    if platform not in PLATFORMS:
        raise ConfigError(f"{where}: platform must be one of {', '.join(PLATFORMS)}")
    rendering = raw.get("rendering", "auto")
    if rendering not in RENDERINGS:
        raise ConfigError(f"{where}: rendering must be one of {', '.join(RENDERINGS)}")
    note = raw.get("note")
    return Portal(
        name=name.strip(),
        start_urls=urls,
        allowed_domains=domains,
        platform=str(platform),
        rendering=cast(Rendering, rendering),
        politeness=_politeness(raw.get("politeness"), where),
        note=note if isinstance(note, str) else None,
    )


def parse_portals(text: str, source: str = "<portals>") -> list[Portal]:
    """Portals from TOML text; ``source`` names the file in error messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    tables = data.get("portal")
    if not isinstance(tables, list) or not tables:
        raise ConfigError(f"{source}: no [[portal]] tables")
    portals = [portal_from_table(t, f"{source}: portal #{i + 1}") for i, t in enumerate(tables)]
    names = [p.name for p in portals]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ConfigError(f"{source}: duplicate portal name(s): {', '.join(dup)}")
    return portals


def load_portals(path: str | Path) -> list[Portal]:
    """Portals from a TOML file; a missing or unreadable file is a ConfigError too."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{p}: cannot read portals file: {exc}") from None
    return parse_portals(text, str(p))


def portal_from_urls(urls: list[str] | tuple[str, ...], name: str | None = None) -> Portal:
    """The single portal of ``govcrawl crawl URL...``: scope = the URLs' registrable domains."""
    if not urls:
        raise ConfigError("no start URL given")
    checked = tuple(_check_url(u, "start URL") for u in urls)
    domains = frozenset(registrable_domain(u) for u in checked)
    return Portal(
        name=name or registrable_domain(checked[0]),
        start_urls=checked,
        allowed_domains=domains,
    )
