"""Normalisation's error types."""

from __future__ import annotations


class NormaliseError(Exception):
    """A page that cannot be normalised (reported with its URL, never fatal to a run)."""
