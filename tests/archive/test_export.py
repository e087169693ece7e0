"""WACZ and CDXJ export, checked with the real clients (wacz validate; CDXJ as pywb reads it)."""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import zipfile
from pathlib import Path

import pytest
from wacz.main import main as wacz_main

from archive import Provenance
from archive.writer import ArchiveWriter
from crawler.cli import main
from tests.archive.conftest import at, make_capture


def fill(archive_dir: Path, *, with_rules: bool) -> None:
    with ArchiveWriter(archive_dir) as w:
        w.write_capture(
            make_capture(
                url="http://www.example.gov.cn/ndbg/2023.html",
                provenance=Provenance(
                    link_text="2023年度 报告", rule="title" if with_rules else None
                ),
            )
        )
        w.write_capture(
            make_capture(
                url="http://www.example.gov.cn/list.html",
                fetched_at=at(1),
                provenance=Provenance(link_text="列表"),
            )
        )
        w.write_capture(
            make_capture(
                url="http://www.example.gov.cn/a.pdf",
                response_headers=(("Content-Type", "application/pdf"),),
                body=b"%PDF-1.4",
                fetched_at=at(2),
            )
        )
        w.write_capture(
            make_capture(url="http://www.example.gov.cn/gone.html", status=404, fetched_at=at(3))
        )


def cli(argv: list[str]) -> int:
    try:
        main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def validate(path: Path) -> int:
    with contextlib.redirect_stdout(io.StringIO()):
        return int(wacz_main(["validate", "-f", str(path)]) or 0)


def pages_of(path: Path) -> list[dict[str, str]]:
    with zipfile.ZipFile(path) as z:
        lines = z.read("pages/pages.jsonl").decode().splitlines()
    assert json.loads(lines[0])["format"] == "json-pages-1.0"
    return [json.loads(line) for line in lines[1:]]


def test_wacz_lists_report_pages_and_validates(archive_dir: Path, tmp_path: Path) -> None:
    fill(archive_dir, with_rules=True)
    out = tmp_path / "x.wacz"
    assert cli(["export-wacz", "--archive", str(archive_dir), "-o", str(out)]) == 0
    assert validate(out) == 0
    assert pages_of(out) == [
        {
            "url": "http://www.example.gov.cn/ndbg/2023.html",
            "ts": "2024-05-01T08:00:00.123456Z",
            "title": "2023年度 报告",
        }
    ]
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
    assert any(n.startswith("archive/") and n.endswith(".warc.gz") for n in names)


def test_wacz_lists_all_html_pages_without_rules(archive_dir: Path, tmp_path: Path) -> None:
    fill(archive_dir, with_rules=False)
    out = tmp_path / "y.wacz"
    assert cli(["export-wacz", "--archive", str(archive_dir), "-o", str(out)]) == 0
    assert validate(out) == 0
    assert [p["url"] for p in pages_of(out)] == [
        "http://www.example.gov.cn/list.html",
        "http://www.example.gov.cn/ndbg/2023.html",
    ]


def test_corrupt_wacz_fails_validation(archive_dir: Path, tmp_path: Path) -> None:
    # the validator really checks: a WARC altered after packaging fails its recorded hash
    fill(archive_dir, with_rules=True)
    out = tmp_path / "z.wacz"
    assert cli(["export-wacz", "--archive", str(archive_dir), "-o", str(out)]) == 0
    broken = tmp_path / "broken.wacz"
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.endswith(".warc.gz"):
                data = data + gzip.compress(b"tampered")
            dst.writestr(item, data)
    assert validate(broken) != 0


def test_cdxj_export(archive_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fill(archive_dir, with_rules=True)
    out = tmp_path / "index.cdxj"
    assert cli(["export-cdxj", "--archive", str(archive_dir), "-o", str(out)]) == 0
    lines = [line for line in out.read_text().splitlines() if not line.startswith("- ")]
    keys = [line.split(" ", 2) for line in lines]
    assert [k[0] for k in keys] == sorted(k[0] for k in keys)
    by_key = {k[0]: (k[1], json.loads(k[2])) for k in keys}
    ts, entry = by_key["cn,gov,example)/ndbg/2023.html"]
    assert ts == "20240501080000"
    assert entry["status"] == "200"
    assert entry["filename"].startswith("warc/")
    assert entry["filename"].endswith(".warc.gz")
    assert by_key["cn,gov,example)/gone.html"][1]["status"] == "404"
    assert len(by_key) == 4
    capsys.readouterr()
    assert cli(["export-cdxj", "--archive", str(archive_dir)]) == 0
    assert capsys.readouterr().out == out.read_text()


def test_export_leaves_out_open_file_with_warning(
    archive_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with ArchiveWriter(archive_dir) as w:
        w.write_capture(make_capture())
        assert cli(["export-cdxj", "--archive", str(archive_dir)]) == 0
        captured = capsys.readouterr()
    assert captured.out == ""
    assert "still being written" in captured.err


def test_cdxj_keys_post_requests_by_body(archive_dir: Path, tmp_path: Path) -> None:
    with ArchiveWriter(archive_dir) as w:
        w.write_capture(
            make_capture(
                url="http://x.gov.cn/api/list?col=1",
                method="POST",
                request_target="/api/list?col=1",
                request_headers=(("Content-Type", "application/x-www-form-urlencoded"),),
                request_body=b"page=2&size=10",
                response_headers=(("Content-Type", "application/json"),),
                body=b"{}",
            )
        )
    out = tmp_path / "post.cdxj"
    assert cli(["export-cdxj", "--archive", str(archive_dir), "-o", str(out)]) == 0
    (line,) = [x for x in out.read_text().splitlines() if not x.startswith("- ")]
    key, _, rest = line.split(" ", 2)
    assert key == "cn,gov,x)/api/list?__wb_method=post&col=1&page=2&size=10"
    assert json.loads(rest)["method"] == "POST"
