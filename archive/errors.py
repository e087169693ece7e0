"""The archive's error types: each names what the user asked for and what was wrong."""

from __future__ import annotations


class ArchiveError(Exception):
    """Base class for archive errors a user can cause (missing DIR, unknown URL...)."""


class NotCaptured(ArchiveError):
    """No capture of the requested URL (at or before the requested time)."""


class CorruptWarc(ArchiveError):
    """A WARC file or record cannot be read."""
