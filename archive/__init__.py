"""WARC storage, the capture index, retrieval and export. Knows nothing of Scrapy or HTML."""

from archive.errors import ArchiveError, CorruptWarc, NotCaptured
from archive.types import Capture, CaptureRef, Provenance

__all__ = ["ArchiveError", "Capture", "CaptureRef", "CorruptWarc", "NotCaptured", "Provenance"]
