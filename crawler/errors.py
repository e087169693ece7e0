"""Errors a user can cause, which the CLI reports as one line instead of a traceback.

Each package owns its error base class (archive.ArchiveError, normalise.NormaliseError,
crawler.ConfigError); this module only gathers them for the CLI.
"""

from __future__ import annotations

from archive.errors import ArchiveError
from normalise.errors import NormaliseError


class ConfigError(Exception):
    """Bad settings, portals file or command-line value."""


USER_ERRORS: tuple[type[Exception], ...] = (ConfigError, ArchiveError, NormaliseError, OSError)
