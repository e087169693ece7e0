"""Scope, politeness, trap and challenge components of the crawl (Scrapy middlewares).

Each module holds one component; ``crawler/settings.py`` registers them in its
"politeness, scope, traps, challenges" block. The components tell the crawl report
what they refused or detected through the signals in :mod:`crawler.middlewares.events`.
"""
