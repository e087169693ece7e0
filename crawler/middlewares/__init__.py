"""Scope, politeness, trap and challenge components of the crawl (Scrapy middlewares).

Each module holds one component; ``crawler/settings.py`` registers them in its
"politeness, scope, traps, challenges" block. They tell the crawl report
(``crawler/report.py``) and the progress display (``crawler/progress.py``) what they
refused or detected through the signals of :mod:`crawler.middlewares.events`.

Components (downloader middlewares by priority, then spider middlewares):

==========================  ====  ===============================================
``scope.ScopeMiddleware``     50  allowed domains per portal, redirects included;
                                  only http(s) (replaces Scrapy's Offsite)
``ssrf.SsrfMiddleware``       60  no private/loopback/link-local addresses
                                  (off when ``SCOPE_ALLOW_PRIVATE``)
``robots.RobotsMiddleware``  100  robots.txt: soft-404 = absent, 5xx = disallow,
                                  logged per-portal override, Crawl-delay
``backoff.BackoffMiddleware`` 570 per-host holds: Retry-After, 429, repeated
                                  failures, challenges; abandons hosts
``challenges.ChallengeMiddleware`` 585  anti-bot challenges and deletion stubs
``sessionids.LinkHygieneMiddleware`` 880 (spider) non-HTTP links, session ids
``traps.TrapsMiddleware``    860  (spider) calendars, growing URLs, URL length,
                                  host and portal budgets
==========================  ====  ===============================================

What spiders provide (request meta and spider attributes):

- meta ``govcrawl_portal`` (portal name), ``govcrawl_rule`` (report candidate),
  ``govcrawl_link_text``; ``govcrawl_robots_override`` (ignore robots.txt, logged);
- spider ``allowed_domains`` and ``portal_domains`` (portal -> domains),
  ``robots_override`` (True or portal names), ``portal_page_budgets`` (portal -> n);
- ``sessionids.followable(url)`` before making a request from a link
  (``javascript:``/``mailto:`` cannot even become a Scrapy Request).

What they leave: request meta ``govcrawl_challenge = <kind>`` on challenge responses
(``challenges.detect_challenge`` recognises the same pages offline), and slash-named
stats: ``scope/*_refused``, ``ssrf/refused``, ``robotstxt/{forbidden,soft_404,
unreachable,overridden,crawl_delay_honoured}``, ``backoff/{holds/<reason>,
refused,hosts_abandoned,longest_hold_seconds,retry_after_capped}``,
``challenges/{total,<kind>,hosts_abandoned}``, ``links/{dropped_scheme,
session_id_stripped}``, ``traps/<kind>`` (and Scrapy's ``depth/request_ignored_count``).
"""
