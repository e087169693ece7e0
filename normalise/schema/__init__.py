"""The versioned JSON Schema of records (record-<version>.schema.json beside this file)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from normalise.types import SCHEMA_VERSION

SCHEMA_DIR = Path(__file__).parent


def schema_path(version: str = SCHEMA_VERSION) -> Path:
    """Where the schema of a record version lives."""
    return SCHEMA_DIR / f"record-{version}.schema.json"


@cache
def load_schema(version: str = SCHEMA_VERSION) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) for records of that version."""
    data: dict[str, Any] = json.loads(schema_path(version).read_text(encoding="utf-8"))
    return data
