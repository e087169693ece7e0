"""Subcommands of ``govcrawl`` over an archive: get, history, verify, reindex, export-wacz,
export-cdxj; registered on the group by ``register``.

Thin: parsing options and printing. The work is done by the ``archive`` package; its
ArchiveError (missing DIR, unknown URL, bad TIME...) becomes one line and exit 1.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

import archive
from archive.errors import ArchiveError
from archive.export import export_cdxj, export_wacz
from archive.reindex import reindex
from archive.times import format_ts
from archive.urls import url_key
from archive.verify import verify_archive

_archive_option = click.option(
    "--archive",
    "archive_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Archive directory (holds index.sqlite3 and warc/).",
)


@contextmanager
def _user_errors(archive_dir: Path) -> Iterator[None]:
    """Turn the archive's user-facing errors into click's one-line error and exit 1."""
    try:
        yield
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"{exc.filename or ''}: {exc.strerror or exc}") from None
    except sqlite3.DatabaseError as exc:
        # Only index.sqlite3 is a database; garbage there is bad input, and derived data.
        raise click.ClickException(
            f"cannot read the index of {archive_dir}: {exc}"
            f" (rebuild it: govcrawl reindex --archive {archive_dir})"
        ) from None


def _warn(message: str) -> None:
    click.echo(f"govcrawl: warning: {message}", err=True)


def _existing_archive(path: Path) -> Path:
    if not path.is_dir():
        raise ArchiveError(f"no archive at {path}: directory does not exist")
    return path


@click.command("get")
@click.argument("url")
@_archive_option
@click.option("--at", "at", metavar="TIME", help="Latest capture at or before TIME (ISO 8601).")
@click.option("--raw", is_flag=True, help="Stored HTTP response: status line, headers, raw body.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here.")
def get_cmd(url: str, archive_dir: Path, at: str | None, raw: bool, output: Path | None) -> None:
    """Print the archived page URL (body decoded from Content-Encoding unless --raw)."""
    with _user_errors(archive_dir), archive.open(archive_dir) as arc:
        stored = arc.get(url, at=at)
        data = stored.raw_http if raw else stored.body()
        if output is not None:
            output.write_bytes(data)
            click.echo(
                f"{stored.ref.url} {format_ts(stored.ref.fetched_at)} "
                f"status {stored.status} -> {output} ({len(data)} bytes)",
                err=True,
            )
        else:
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()


@click.command("history")
@click.argument("url")
@_archive_option
def history_cmd(url: str, archive_dir: Path) -> None:
    """List every capture of URL, oldest first: time, status, size, digest, record id."""
    with _user_errors(archive_dir), archive.open(archive_dir) as arc:
        refs = arc.history(url)
        rows = {r.record_id: r for r in arc.index.history(url_key(url))}
        for ref in refs:
            row = rows[ref.record_id]
            status = "-" if ref.status is None else str(ref.status)
            kind = "" if row.record_type == "response" else f"\t{row.record_type}"
            click.echo(
                f"{format_ts(ref.fetched_at)}\t{status}\t{row.payload_length}\t"
                f"{ref.payload_digest or '-'}\t{ref.record_id}{kind}"
            )


@click.command("verify")
@_archive_option
def verify_cmd(archive_dir: Path) -> None:
    """Recompute every digest and check index <-> WARC; exit 1 on any problem."""
    with _user_errors(archive_dir):
        problems = verify_archive(_existing_archive(archive_dir))
    for problem in problems:
        click.echo(str(problem))
    if problems:
        raise click.ClickException(f"{len(problems)} problem(s) in {archive_dir}")
    click.echo(f"ok: {archive_dir} verified, no problems", err=True)


@click.command("reindex")
@_archive_option
def reindex_cmd(archive_dir: Path) -> None:
    """Rebuild DIR/index.sqlite3 from the WARC files (damaged regions skipped with a warning)."""
    with _user_errors(archive_dir):
        report = reindex(_existing_archive(archive_dir), warn=_warn)
    click.echo(
        f"reindexed {report.captures} captures from {report.files} files"
        + (f", skipped {report.damaged_regions} damaged regions" if report.damaged_regions else ""),
        err=True,
    )


@click.command("export-wacz")
@_archive_option
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--title", help="Title recorded in the WACZ datapackage.")
def export_wacz_cmd(archive_dir: Path, output: Path, title: str | None) -> None:
    """Package the archive as a WACZ (pages.jsonl lists the report pages)."""
    with _user_errors(archive_dir):
        pages = export_wacz(_existing_archive(archive_dir), output, title=title, warn=_warn)
    click.echo(f"wrote {output} ({pages} pages)", err=True)


@click.command("export-cdxj")
@_archive_option
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
def export_cdxj_cmd(archive_dir: Path, output: Path | None) -> None:
    """Write a CDXJ index of the archive (stdout by default), usable by pywb."""
    with _user_errors(archive_dir):
        source = _existing_archive(archive_dir)
        if output is None:
            export_cdxj(source, sys.stdout, warn=_warn)
            return
        with output.open("w", encoding="utf-8") as fh:
            lines = export_cdxj(source, fh, warn=_warn)
    click.echo(f"wrote {output} ({lines} lines)", err=True)


_COMMANDS: tuple[click.Command, ...] = (
    get_cmd,
    history_cmd,
    verify_cmd,
    reindex_cmd,
    export_wacz_cmd,
    export_cdxj_cmd,
)


def register(group: click.Group) -> None:
    """Add this module's commands to the group."""
    for command in _COMMANDS:
        group.add_command(command)


__all__: list[str] = ["register"]
