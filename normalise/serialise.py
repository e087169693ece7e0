"""Records to JSON: field order of the schema, deterministic bytes for JSON lines."""

from __future__ import annotations

import json
from typing import Any

from normalise.types import Record

FIELD_ORDER = (
    "record_id",
    "schema_version",
    "kind",
    "agency",
    "agency_source",
    "report_year",
    "year_source",
    "published",
    "published_source",
    "title",
    "source_url",
    "parent_url",
    "parent_record_id",
    "capture",
    "fetched_at",
    "position",
    "flags",
    "sections",
    "attachments",
    "tables",
    "text",
)


def record_to_json(record: Record) -> dict[str, Any]:
    """A Record as a JSON-ready dict in schema order (tuples become lists)."""
    out: dict[str, Any] = {}
    for name in FIELD_ORDER:
        value = getattr(record, name)
        if name == "tables":
            value = [[list(row) for row in table] for table in value]
        elif name == "sections":
            value = [dict(item) for item in value]
        elif name == "attachments":
            value = [{**item, "record_ids": list(item.get("record_ids", ()))} for item in value]
        elif name == "flags":
            value = list(value)
        out[name] = value
    return out


def record_to_line(record: Record) -> str:
    """One JSON line (no trailing newline): UTF-8 text kept as is, stable key order."""
    return json.dumps(record_to_json(record), ensure_ascii=False, separators=(",", ":"))
