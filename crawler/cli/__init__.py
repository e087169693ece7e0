"""The ``govcrawl`` command line: one click group, subcommands registered from sibling modules.

Every error a user can cause ends in ONE line on stderr, ``govcrawl: error: ...``, and a
non-zero exit, never a traceback nor click's multi-line usage block: modules raise
``click.ClickException`` (or an error type listed in ``USER_ERRORS``) and ``main`` turns
it into that line. Exit codes:

- 1: a bad value or bad input (a malformed URL, a missing archive, ``--delay abc``,
  a corrupt file, an unknown capture);
- 2: a malformed command line (unknown option or command, missing argument, options
  that do not go together); the line then points at ``--help``;
- 130: interrupted.
"""

from __future__ import annotations

import sqlite3
import sys
from typing import NoReturn

import click

from crawler.cli import archive_cmds, crawl_cmds, normalise_cmds
from crawler.errors import USER_ERRORS

PREFIX = "govcrawl: error: "
EXIT_USER_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="govcrawl")
def cli() -> None:
    """Crawl, archive and normalise government information-disclosure reports."""


for _module in (crawl_cmds, archive_cmds, normalise_cmds):
    _module.register(cli)


def one_line(message: str) -> str:
    """``message`` on one line: exception texts (TOML, sqlite, OS) may hold newlines."""
    return " ".join(message.split())


def fail(message: str, code: int = EXIT_USER_ERROR) -> NoReturn:
    """Print the one error line and exit with ``code``."""
    click.echo(PREFIX + one_line(message), err=True)
    sys.exit(code)


def _usage_message(exc: click.UsageError) -> tuple[str, int]:
    """The line and exit code for click's usage errors.

    A value click could not convert or check (``--delay abc``, a missing ``--archive``
    directory) is bad input: exit 1, like any other bad value. Anything else is a
    malformed command line: exit 2, with a pointer to the command's help.
    """
    message = exc.format_message()
    if isinstance(exc, click.BadParameter) and not isinstance(exc, click.MissingParameter):
        return message, EXIT_USER_ERROR
    command = exc.ctx.command_path if exc.ctx is not None else "govcrawl"
    return f"{message.rstrip('.')} (see '{command} --help')", EXIT_USAGE


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    try:
        cli.main(args=argv, prog_name="govcrawl", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as exc:
        # ``govcrawl`` alone: the help text is what the user asked for.
        click.echo(exc.format_message())
        sys.exit(EXIT_USAGE)
    except click.exceptions.Abort:
        click.echo("govcrawl: aborted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except click.UsageError as exc:
        fail(*_usage_message(exc))
    except click.ClickException as exc:
        fail(exc.format_message(), exc.exit_code)
    except USER_ERRORS as exc:
        fail(str(exc))
    except sqlite3.DatabaseError as exc:
        # Only the archive index is a database; a garbage or foreign file there is bad input.
        fail(f"archive index unreadable ({exc}); rebuild it with `govcrawl reindex`")
    except KeyboardInterrupt:
        click.echo("govcrawl: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
