"""crawler.records and `govcrawl normalise`: records re-derived from the WARCs, and one file."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive import Provenance
from archive.writer import ArchiveWriter
from crawler.cli import cli
from crawler.records import write_records
from normalise.evaluate import case_page_file, load_case
from tests.archive.conftest import at, make_capture
from tests.normalise.conftest import FIXTURES

PINGTAN = FIXTURES / "normalise"


def _meta_page(case: str) -> str:
    return str(json.loads((PINGTAN / case / "meta.json").read_text(encoding="utf-8"))["page"])


BASE = "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/"


def _html(case: str) -> bytes:
    return load_case(PINGTAN / case).page.body


def _capture(url: str, body: bytes, ctype: str = "text/html; charset=utf-8", **kw: object):  # type: ignore[no-untyped-def]
    headers: tuple[tuple[str, str], ...] = (("Content-Type", ctype),)
    if kw.pop("gzip", False):
        body = gzip.compress(body)
        headers += (("Content-Encoding", "gzip"),)
    return make_capture(url=url, body=body, response_headers=headers, **kw)


@pytest.fixture
def archive_dir(tmp_path: Path) -> Path:
    adir = tmp_path / "arc"
    with ArchiveWriter(adir) as w:
        w.write_capture(_capture(BASE, _html("pingtan-report-column-listing"), fetched_at=at(0)))
        w.write_capture(
            _capture(
                BASE + "202403/t20240308_87885.htm",
                _html("pingtan-2023-report"),
                gzip=True,
                fetched_at=at(10),
                provenance=Provenance(
                    portal="pingtan", hops="L", extra=(("hint_date", "2024-03-08"),)
                ),
            )
        )
        # An older capture of the same URL: the newest one is normalised, once.
        w.write_capture(
            _capture(BASE + "202001/t20200120_80576.htm", b"<html>old</html>", fetched_at=at(1))
        )
        w.write_capture(
            _capture(
                BASE + "202001/t20200120_80576.htm", _html("pingtan-2019-report"), fetched_at=at(20)
            )
        )
        w.write_capture(
            _capture(BASE + "bad.htm", b"\x89PNG\r\n\x1a\n" + bytes(300), fetched_at=at(30))
        )
        w.write_capture(
            _capture(BASE + "logo.png", b"\x89PNG", ctype="image/png", fetched_at=at(40))
        )
        w.write_capture(_capture(BASE + "missing.htm", b"nope", status=404, fetched_at=at(50)))
    return adir


def test_records_from_archive(archive_dir: Path, validator) -> None:  # type: ignore[no-untyped-def]
    report = write_records(archive_dir)
    lines = (archive_dir / "records.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    for rec in records:
        validator.validate(rec)
    assert [(r["report_year"], r["published"]) for r in records] == [
        (2019, "2020-01-20T15:22"),
        (2023, "2024-03-08T15:34"),
    ]
    assert records[1]["capture"]["warc_file"].endswith(".warc.gz")
    assert records[1]["fetched_at"] == "2024-05-01T08:00:10+00:00"
    assert report.stats["normalise/records"] == 2
    assert report.stats["normalise/pages_listing"] == 1
    assert report.stats["normalise/errors"] == 1
    assert report.errors[0][0] == BASE + "bad.htm"
    assert "binary" in report.errors[0][1]


def test_archive_normalise_is_deterministic_and_idempotent(
    archive_dir: Path, tmp_path: Path
) -> None:
    runner = CliRunner()
    out1, out2 = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    r1 = runner.invoke(cli, ["normalise", "--archive", str(archive_dir), "--out", str(out1)])
    r2 = runner.invoke(cli, ["normalise", "--archive", str(archive_dir), "--out", str(out2)])
    assert r1.exit_code == 0, r1.output
    assert r2.exit_code == 0
    assert out1.read_bytes() == out2.read_bytes()
    assert out1.read_bytes().count(b"\n") == 2
    assert f"normalise error: {BASE}bad.htm" in r1.stderr
    r3 = runner.invoke(cli, ["normalise", "--archive", str(archive_dir), "--out", str(out1)])
    assert r3.exit_code == 0
    assert out1.read_bytes() == out2.read_bytes()


def test_normalise_file_txt_prints_json_lines() -> None:
    seed = FIXTURES / "seeds" / "001_9910e0f122eeadb7.txt"
    result = CliRunner().invoke(cli, ["normalise", str(seed), "--url", "http://x.gov.cn/p.html"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in result.stdout.splitlines()]
    assert len(lines) == 9
    assert {x["source_url"] for x in lines} == {"http://x.gov.cn/p.html"}
    assert lines[0]["kind"] == "guide"


def test_normalise_file_html() -> None:
    page = case_page_file(PINGTAN / "pingtan-guide", {"page": _meta_page("pingtan-guide")})
    result = CliRunner().invoke(cli, ["normalise", str(page)])
    assert result.exit_code == 0
    rec = json.loads(result.stdout)
    assert rec["kind"] == "guide"
    assert rec["source_url"].startswith("file://")


def test_normalise_file_error_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "x.html"
    bad.write_bytes(b"")
    result = CliRunner().invoke(cli, ["normalise", str(bad)])
    assert result.exit_code == 1
    assert "empty body" in result.stderr
    assert "Traceback" not in result.output


def test_normalise_needs_file_or_archive() -> None:
    result = CliRunner().invoke(cli, ["normalise"])
    assert result.exit_code == 2
