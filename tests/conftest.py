"""Shared pytest configuration: paths to fixtures; per-package fixtures live beside their tests."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """The repository's test fixtures (copied from the shared corpus; sources noted inside)."""
    return FIXTURES
