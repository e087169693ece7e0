"""Discovery spiders: which pages to fetch and why. No report parsing, no WARC code."""
