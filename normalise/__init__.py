"""Pure functions from a stored page (bytes + URL + metadata) to report records."""

from normalise.errors import NormaliseError
from normalise.types import SCHEMA_VERSION, CaptureId, ParentDocument, Record, SourcePage

__all__ = [
    "SCHEMA_VERSION",
    "CaptureId",
    "NormaliseError",
    "ParentDocument",
    "Record",
    "SourcePage",
]
