"""Subcommands of ``govcrawl`` (normalise); registered on the group by ``register``.

``govcrawl normalise --archive DIR [--out FILE]`` re-derives every record from the WARCs;
``govcrawl normalise FILE [--url URL]`` normalises one local file and prints JSON lines.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import click

from normalise import NormaliseError, SourcePage
from normalise.attachments import DOCX_TYPE, PDF_TYPE
from normalise.pipeline import analyse_page
from normalise.serialise import record_to_line

_TYPES_BY_SUFFIX = {
    ".txt": "text/plain",
    ".text": "text/plain",
    ".pdf": PDF_TYPE,
    ".docx": DOCX_TYPE,
}


def _normalise_archive(archive_dir: Path, out: Path | None) -> None:
    from crawler.records import RECORDS_FILE, write_records  # noqa: PLC0415 (keeps CLI start fast)

    target = out or archive_dir / RECORDS_FILE
    try:
        report = write_records(archive_dir, target)
    except OSError as exc:
        where = exc.filename or target
        raise click.ClickException(
            f"cannot write {target}: {where}: {exc.strerror or exc}"
        ) from None
    for url, reason in report.errors:
        click.echo(f"normalise error: {url}: {reason}", err=True)
    stats = report.stats
    click.echo(
        f"{stats['normalise/records']} records from {stats['normalise/pages']} pages"
        f" ({stats['normalise/pages_listing']} listings, {stats['normalise/errors']} errors;"
        f" {stats['normalise/attachments_linked']} attachment files linked to their documents)"
        f" -> {target}",
        err=True,
    )


def _check_url(url: str) -> str:
    """--url is recorded as each record's source_url: it must be an absolute URL."""
    try:
        parts = urlsplit(url.strip())
        _ = parts.port  # raises ValueError for a malformed port
    except ValueError as exc:
        raise click.ClickException(f"malformed URL {url!r}: {exc}") from None
    if not parts.scheme or not parts.netloc:
        raise click.ClickException(f"--url must be an absolute URL, got {url!r}")
    return url.strip()


def _normalise_file(path: Path, url: str | None) -> None:
    try:
        body = path.read_bytes()
    except OSError as exc:
        raise click.ClickException(f"cannot read {path}: {exc.strerror or exc}") from None
    page = SourcePage(
        url=_check_url(url) if url else path.resolve().as_uri(),
        body=body,
        content_type=_TYPES_BY_SUFFIX.get(path.suffix.lower(), "text/html"),
        # A local .txt file is UTF-8 by convention (the seeds are).
        declared_charset="utf-8" if path.suffix.lower() in (".txt", ".text") else None,
    )
    try:
        result = analyse_page(page)
    except NormaliseError as exc:
        raise click.ClickException(f"cannot normalise {path}: {exc.reason}") from None
    for record in result.records:
        click.echo(record_to_line(record))
    if not result.records:
        click.echo(f"no documents found in {path} (page kind: {result.page_kind})", err=True)


@click.command("normalise")
@click.argument(
    "file", required=False, type=click.Path(dir_okay=False, path_type=Path, exists=True)
)
@click.option(
    "--archive",
    "archive_dir",
    type=click.Path(file_okay=False, path_type=Path, exists=True),
    help="Re-derive every record from the archive's WARC files.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where --archive writes JSON lines (default: DIR/records.jsonl).",
)
@click.option("--url", help="Source URL recorded for FILE (default: its file:// URI).")
def normalise_cmd(
    file: Path | None, archive_dir: Path | None, out: Path | None, url: str | None
) -> None:
    """Turn archived pages (--archive DIR) or one local FILE into report records."""
    if (file is None) == (archive_dir is None):
        raise click.UsageError("give either FILE or --archive DIR (not both)")
    if archive_dir is not None:
        if url:
            raise click.UsageError("--url applies to FILE only")
        _normalise_archive(archive_dir, out)
    else:
        assert file is not None
        if out:
            raise click.UsageError("--out applies to --archive only (FILE prints to stdout)")
        _normalise_file(file, url)


def register(group: click.Group) -> None:
    """Add this module's commands to the group."""
    group.add_command(normalise_cmd)
