"""Normalisation's error types."""

from __future__ import annotations


class NormaliseError(Exception):
    """A page that cannot be normalised (reported with its URL, never fatal to a run)."""

    def __init__(self, message: str, *, url: str | None = None) -> None:
        self.reason = message
        self.url = url
        super().__init__(f"{url}: {message}" if url else message)
