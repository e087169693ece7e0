"""The ``govcrawl`` command line: one click group, subcommands registered from sibling modules.

Every error a user can cause ends in one line on stderr and a non-zero exit, never a
traceback: modules raise ``click.ClickException`` (or an error type listed in
``USER_ERRORS``) and ``main`` turns it into that line.
"""

from __future__ import annotations

import sys

import click

from crawler.cli import archive_cmds, crawl_cmds, normalise_cmds
from crawler.errors import USER_ERRORS


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="govcrawl")
def cli() -> None:
    """Crawl, archive and normalise government information-disclosure reports."""


for _module in (crawl_cmds, archive_cmds, normalise_cmds):
    _module.register(cli)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    try:
        cli.main(args=argv, prog_name="govcrawl", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("govcrawl: aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except USER_ERRORS as exc:
        click.echo(f"govcrawl: error: {exc}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("govcrawl: interrupted", err=True)
        sys.exit(130)
