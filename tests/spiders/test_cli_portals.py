"""``govcrawl crawl --portals FILE``: one clear line for bad input, a full crawl for good."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.portals.server import PortalServer
from tests.portals.sites import gkmlpt_site, jsonly_site
from tests.subprocesses import run_govcrawl

pytestmark = [pytest.mark.slow]  # crawls in subprocesses (never skipped)


_govcrawl = run_govcrawl


def test_bad_portals_file_is_one_line_and_nonzero(tmp_path: Path) -> None:
    bad = tmp_path / "portals.toml"
    bad.write_text('[[portal]]\nname = "x"\nstart_urls = ["ftp://x.gov.cn/"]\n', encoding="utf-8")
    proc = _govcrawl("crawl", "--portals", str(bad), "--archive", str(tmp_path / "a"))
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "not an http(s) URL" in lines[0]
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "a").exists()


def test_urls_and_portals_are_exclusive(tmp_path: Path) -> None:
    proc = _govcrawl("crawl", "--archive", str(tmp_path / "a"))
    assert proc.returncode != 0
    assert "either URL... or --portals FILE" in proc.stderr


def test_crawl_portals_file_end_to_end(tmp_path: Path) -> None:
    spec = gkmlpt_site()
    with PortalServer(spec.site) as server:
        portals = tmp_path / "portals.toml"
        portals.write_text(
            f'[[portal]]\nname = "gk"\nstart_urls = ["{server.base}/"]\n', encoding="utf-8"
        )
        archive_dir = tmp_path / "archive"
        proc = _govcrawl(
            "crawl",
            "--portals",
            str(portals),
            "--archive",
            str(archive_dir),
            "--delay",
            "0",
            "--allow-private",
            "--log-level",
            "WARNING",
        )
    assert proc.returncode == 0, proc.stderr[-3000:]
    pages = [json.loads(line) for line in (archive_dir / "pages.jsonl").read_text().splitlines()]
    found = {p["url"].removeprefix(server.base) for p in pages if p["status"] == 200}
    assert found == spec.reports
    assert {p["portal"] for p in pages} == {"gk"}


def test_no_browser_leaves_a_script_only_list_unread(tmp_path: Path) -> None:
    spec = jsonly_site()
    with PortalServer(spec.site) as server:
        portals = tmp_path / "portals.toml"
        portals.write_text(
            f'[[portal]]\nname = "js"\nstart_urls = ["{server.base}/"]\n', encoding="utf-8"
        )
        archive_dir = tmp_path / "archive"
        proc = _govcrawl(
            "crawl",
            "--portals",
            str(portals),
            "--archive",
            str(archive_dir),
            "--delay",
            "0",
            "--allow-private",
            "--no-browser",
            "--log-level",
            "WARNING",
        )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (archive_dir / "pages.jsonl").read_text() == ""
    assert "/api/ndbg.json" not in [h.path for h in server.hits]  # no browser ran
