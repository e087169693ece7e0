"""WARC storage, the capture index, retrieval and export. Knows nothing of Scrapy or HTML."""

from archive.errors import ArchiveError, CorruptWarc, NotCaptured
from archive.reader import Archive, StoredCapture, open_archive
from archive.types import Capture, CaptureRef, Provenance

open = open_archive  # the documented entry point: archive.open(DIR)

__all__ = [
    "Archive",
    "ArchiveError",
    "Capture",
    "CaptureRef",
    "CorruptWarc",
    "NotCaptured",
    "Provenance",
    "StoredCapture",
    "open",
    "open_archive",
]
