"""Fixtures of the normalise tests: the fixture cases and the record schema validator."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest

from normalise.evaluate import Case, load_cases
from normalise.schema import load_schema

FIXTURES = Path(__file__).parent.parent / "fixtures"
CASES = load_cases(FIXTURES)


@pytest.fixture(scope="session")
def validator() -> jsonschema.protocols.Validator:
    schema = load_schema()
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def case_named(name: str) -> Case:
    return next(c for c in CASES if c.name == name)
