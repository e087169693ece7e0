"""Every error a user can cause is ONE line ``govcrawl: error: ...`` on stderr, a
non-zero exit (1 for bad values and bad input, 2 for a malformed command line), no
traceback, and every archive on disk is left exactly as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive.errors import ArchiveError
from archive.urls import BadUrl, url_key
from tests.cli.conftest import URL, Outcome, run_main, run_script, snapshot

# (id, argv with {root} for the fixture root, exit code, text the line must hold)
CASES: list[tuple[str, list[str], int, str]] = [
    # malformed URLs
    ("get-malformed-url", ["get", "http://[::1", "--archive", "{root}/arc"], 1, "malformed URL"),
    (
        "history-malformed-url",
        ["history", "http://[::1", "--archive", "{root}/arc"],
        1,
        "malformed URL",
    ),
    (
        "get-bad-port",
        ["get", "http://a.gov.cn:99999/", "--archive", "{root}/arc"],
        1,
        "malformed URL",
    ),
    (
        "crawl-malformed-url",
        ["crawl", "http://[::1", "--archive", "{root}/new"],
        1,
        "malformed URL",
    ),
    (
        "crawl-not-http",
        ["crawl", "ftp://a.gov.cn/", "--archive", "{root}/new"],
        1,
        "not an http(s) URL",
    ),
    (
        "portals-malformed-url",
        ["crawl", "--portals", "{root}/bad-url.toml", "--archive", "{root}/new"],
        1,
        "malformed URL",
    ),
    # the archive directory
    (
        "crawl-archive-under-file",
        ["crawl", "http://a.gov.cn/", "--archive", "{root}/afile/sub"],
        1,
        "is a file, not a directory",
    ),
    (
        "demo-archive-under-file",
        ["demo", "--archive", "{root}/afile/sub"],
        1,
        "is a file, not a directory",
    ),
    (
        "crawl-archive-is-file",
        ["crawl", "http://a.gov.cn/", "--archive", "{root}/afile"],
        1,
        "is a file",
    ),
    (
        "demo-refuses-foreign-dir",
        ["demo", "--archive", "{root}/arc"],
        1,
        "was not made by `govcrawl demo`",
    ),
    (
        "normalise-missing-archive",
        ["normalise", "--archive", "{root}/missing"],
        1,
        "does not exist",
    ),
    ("get-missing-archive", ["get", URL, "--archive", "{root}/missing"], 1, "does not exist"),
    ("reindex-missing-archive", ["reindex", "--archive", "{root}/missing"], 1, "does not exist"),
    ("verify-archive-is-file", ["verify", "--archive", "{root}/afile"], 1, "is a file"),
    (
        "get-not-an-archive",
        ["get", URL, "--archive", "{root}/empty-dir"],
        1,
        "not a govcrawl archive",
    ),
    (
        "export-cdxj-not-an-archive",
        ["export-cdxj", "--archive", "{root}/empty-dir"],
        1,
        "not a govcrawl archive",
    ),
    # bad option values
    (
        "crawl-delay-abc",
        ["crawl", "http://a.gov.cn/", "--delay", "abc", "--archive", "{root}/new"],
        1,
        "'abc' is not a valid float",
    ),
    (
        "crawl-delay-negative",
        ["crawl", "http://a.gov.cn/", "--delay", "-1", "--archive", "{root}/new"],
        1,
        "--delay",
    ),
    (
        "crawl-depth-negative",
        ["crawl", "http://a.gov.cn/", "--depth", "-3", "--archive", "{root}/new"],
        1,
        "--depth",
    ),
    (
        "crawl-log-level",
        ["crawl", "http://a.gov.cn/", "--log-level", "LOUD", "--archive", "{root}/new"],
        1,
        "--log-level",
    ),
    (
        "crawl-bad-setting",
        ["crawl", "http://a.gov.cn/", "-s", "NOEQUALS", "--archive", "{root}/new"],
        1,
        "NAME=VALUE",
    ),
    ("get-bad-time", ["get", URL, "--archive", "{root}/arc", "--at", "yesterday"], 1, "bad TIME"),
    # the portals file
    (
        "portals-bad-toml",
        ["crawl", "--portals", "{root}/bad.toml", "--archive", "{root}/new"],
        1,
        "not valid TOML",
    ),
    (
        "portals-no-tables",
        ["crawl", "--portals", "{root}/no-tables.toml", "--archive", "{root}/new"],
        1,
        "no [[portal]] tables",
    ),
    (
        "portals-missing",
        ["crawl", "--portals", "{root}/missing.toml", "--archive", "{root}/new"],
        1,
        "missing.toml",
    ),
    (
        "portals-is-dir",
        ["crawl", "--portals", "{root}/empty-dir", "--archive", "{root}/new"],
        1,
        "is a directory",
    ),
    # unknown captures
    (
        "get-unknown-url",
        ["get", "http://www.example.gov.cn/none.html", "--archive", "{root}/arc"],
        1,
        "never captured",
    ),
    (
        "get-before-first",
        ["get", URL, "--archive", "{root}/arc", "--at", "2000-01-01"],
        1,
        "no capture at or before",
    ),
    (
        "history-unknown-url",
        ["history", "http://www.example.gov.cn/none.html", "--archive", "{root}/arc"],
        1,
        "never captured",
    ),
    # outputs that cannot be written
    (
        "get-output-under-file",
        ["get", URL, "--archive", "{root}/arc", "-o", "{root}/afile/x"],
        1,
        "Not a directory",
    ),
    (
        "export-cdxj-output-under-file",
        ["export-cdxj", "--archive", "{root}/arc", "-o", "{root}/afile/x.cdxj"],
        1,
        "Not a directory",
    ),
    (
        "export-wacz-output-is-dir",
        ["export-wacz", "--archive", "{root}/arc", "-o", "{root}/empty-dir"],
        1,
        "is a directory",
    ),
    # a garbage index.sqlite3
    *[
        (
            f"{argv[0]}-garbage-index",
            [*argv, "--archive", "{root}/bad-index"],
            1,
            "(rebuild it: govcrawl reindex --archive ",
        )
        for argv in (
            ["get", URL],
            ["history", URL],
            ["verify"],
            ["export-cdxj"],
            ["export-wacz", "-o", "{root}/out.wacz"],
            ["normalise"],
        )
    ],
    # a garbage WARC: verify pinpoints it (stdout) and ends in one error line
    ("verify-garbage-warc", ["verify", "--archive", "{root}/damaged"], 1, "1 problem(s)"),
    # local files
    ("normalise-missing-file", ["normalise", "{root}/missing.html"], 1, "does not exist"),
    ("normalise-file-is-dir", ["normalise", "{root}/empty-dir"], 1, "is a directory"),
    # malformed command lines: exit 2, still one line, pointing at --help
    ("unknown-option", ["crawl", "--bogus"], 2, "--help"),
    ("unknown-command", ["bogus"], 2, "No such command"),
    ("crawl-missing-archive", ["crawl", "http://a.gov.cn/"], 2, "Missing option '--archive'"),
    (
        "crawl-urls-and-portals",
        ["crawl", "http://a.gov.cn/", "--portals", "{root}/bad.toml", "--archive", "{root}/new"],
        2,
        "either URL... or --portals",
    ),
    (
        "normalise-file-and-archive",
        ["normalise", "{root}/page.html", "--archive", "{root}/arc"],
        2,
        "either FILE or --archive",
    ),
    # Scrapy settings given with -s: parsed as the setting's type before Scrapy starts
    *[
        (
            f"crawl-setting-{name.lower()}",
            ["crawl", "http://a.gov.cn/", "-s", f"{name}={value}", "--archive", "{root}/new"],
            1,
            f"-s {name}: ",
        )
        for name, value in (
            ("DOWNLOAD_DELAY", "abc"),
            ("DEPTH_LIMIT", "x"),
            ("ROBOTSTXT_OBEY", "maybe"),
            ("LOG_LEVEL", "LOUD"),
        )
    ],
    (
        "normalise-malformed-url",
        ["normalise", "{root}/page.html", "--url", "http://[::1"],
        1,
        "malformed URL",
    ),
    (
        "normalise-relative-url",
        ["normalise", "{root}/page.html", "--url", "page.html"],
        1,
        "--url must be an absolute URL",
    ),
    (
        "normalise-out-under-file",
        ["normalise", "--archive", "{root}/arc", "--out", "{root}/afile/records.jsonl"],
        1,
        "cannot write",
    ),
    (
        "verify-empty-index",
        ["verify", "--archive", "{root}/empty-index"],
        1,
        "(rebuild it: govcrawl reindex --archive ",
    ),
    (
        "get-empty-index",
        ["get", URL, "--archive", "{root}/empty-index"],
        1,
        "(rebuild it: govcrawl reindex --archive ",
    ),
    (
        "normalise-out-with-file",
        ["normalise", "{root}/page.html", "--out", "{root}/x.jsonl"],
        2,
        "--out applies to --archive only",
    ),
]


def check(outcome: Outcome, code: int, text: str) -> None:
    lines = outcome.stderr.splitlines()
    assert "Traceback" not in outcome.stderr
    assert len(lines) == 1, outcome.stderr
    assert lines[0].startswith("govcrawl: error: "), lines[0]
    assert text in lines[0]
    assert outcome.code == code, (outcome.code, lines[0])


@pytest.mark.parametrize(
    ("argv", "code", "text"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_user_error_is_one_line(
    archives: Path,
    argv: list[str],
    code: int,
    text: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = snapshot(archives)
    outcome = run_main([a.replace("{root}", str(archives)) for a in argv], capsys)
    check(outcome, code, text)
    assert snapshot(archives) == before  # nothing created, changed or removed
    assert not (archives / "new").exists()


@pytest.mark.parametrize(
    ("argv", "code", "text"),
    [
        (["crawl", "http://a.gov.cn/", "--archive", "{root}/afile/sub"], 1, "not a directory"),
        (["get", "http://[::1", "--archive", "{root}/arc"], 1, "malformed URL"),
        (["normalise", "--archive", "{root}/missing"], 1, "does not exist"),
        (["crawl", "--bogus"], 2, "No such option"),
    ],
    ids=["archive-under-file", "malformed-url", "missing-archive", "unknown-option"],
)
def test_console_script_prints_one_line(
    archives: Path, argv: list[str], code: int, text: str
) -> None:
    """The installed script, end to end (Scrapy's logging included)."""
    before = snapshot(archives)
    check(run_script(*[a.replace("{root}", str(archives)) for a in argv]), code, text)
    assert snapshot(archives) == before


def test_messages_are_single_lines_even_from_multiline_errors(
    archives: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A TOML error text spans lines in some tomllib versions; a portals file naming a
    # start URL with a newline inside gives a message holding one: both stay one line.
    toml = archives / "newline.toml"
    toml.write_text('[[portal]]\nname = "x"\nstart_urls = ["ftp://a\\nb"]\n', encoding="utf-8")
    try:
        outcome = run_main(["crawl", "--portals", str(toml), "--archive", "/nonexistent/x"], capsys)
    finally:
        toml.unlink()
    check(outcome, 1, "not an http(s) URL")


@pytest.mark.parametrize("url", ["http://[::1", "http://a.gov.cn:99999/", "https://[x/y"])
def test_malformed_url_key_is_an_archive_error(url: str) -> None:
    with pytest.raises(BadUrl, match="malformed URL") as info:
        url_key(url)
    assert isinstance(info.value, ArchiveError)  # one line from the CLI
    assert isinstance(info.value, ValueError)  # what callers of urllib expect


def test_damaged_archive_still_serves_every_sound_capture(
    archives: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A garbage and a zero-byte file among the WARCs: get and history work, untouched."""
    before = snapshot(archives)
    got = run_main(["get", URL, "--archive", str(archives / "damaged")], capsys)
    assert (got.code, got.stderr) == (0, "")
    assert "<html>" in got.stdout
    history = run_main(["history", URL, "--archive", str(archives / "damaged")], capsys)
    assert (history.code, history.stderr) == (0, "")
    assert len(history.stdout.splitlines()) == 2
    assert snapshot(archives) == before
