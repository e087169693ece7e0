"""Scrapy settings for govcrawl: polite defaults; the CLI and tests override per run."""

from __future__ import annotations

BOT_NAME = "govcrawl"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
