"""The Scrapy project: settings, capture, middlewares, pipelines, scope and the CLI.

The only package where archive, normalise and Scrapy meet.
"""
