"""crawler.records joins attachments: a report page's entries get the archived capture of each
file (through redirects, whatever the download type says) and the ids of its records; the
file's records point back to the page's record. Read from a real archive written here."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from archive import Provenance
from archive.writer import ArchiveWriter
from crawler.cli import cli
from crawler.records import write_records
from normalise.attachments import DOCX_TYPE
from tests.archive.conftest import at, make_capture
from tests.portals.files import make_docx, make_pdf

HOST = "http://www.example.gov.cn"
PAGE = HOST + "/xxgk/ndbg/202401/t20240115_1.html"
TITLE = "某某县财政局2023年政府信息公开工作年度报告"
STUB = (
    f"<html><head><meta name='ArticleTitle' content='{TITLE}'>"
    "<meta name='PubDate' content='2024-01-15 09:30'></head><body>"
    "<div class='TRS_Editor'><p>现将我局2023年政府信息公开工作年度报告予以公布，"
    "详见附件。</p></div>"
    "<div class='fj'><a href='/down.jsp?id=7'>附件1：2023年年报.pdf</a>"
    "<a href='P020240115_tables.docx'>附件2：统计表.docx</a>"
    "<a href='P020240115.xls'>附件3：明细.xls</a></div></body></html>"
)


def _cap(url: str, body: bytes, ctype: str, **kw: Any):  # type: ignore[no-untyped-def]
    headers = (("Content-Type", ctype), *kw.pop("headers", ()))
    return make_capture(url=url, body=body, response_headers=headers, **kw)


@pytest.fixture
def archive_dir(tmp_path: Path) -> Path:
    adir = tmp_path / "arc"
    file_from_page = Provenance(portal="example", discovered_from=PAGE, hops="LE")
    with ArchiveWriter(adir) as w:
        w.write_capture(_cap(PAGE, STUB.encode(), "text/html; charset=utf-8", fetched_at=at(0)))
        # The PDF link is a download module answering with a redirect to the file.
        w.write_capture(
            _cap(
                HOST + "/down.jsp?id=7",
                b"",
                "text/html",
                status=302,
                reason="Found",
                headers=(("Location", "/files/2024/nb2023.pdf"),),
                fetched_at=at(1),
                provenance=file_from_page,
            )
        )
        w.write_capture(
            _cap(
                HOST + "/files/2024/nb2023.pdf",
                make_pdf("Statistics of information disclosure 2023"),
                "application/pdf",
                fetched_at=at(2),
                provenance=Provenance(
                    portal="example",
                    discovered_from=PAGE,
                    hops="LER",
                    extra=(("redirect_chain", HOST + "/down.jsp?id=7"),),
                ),
            )
        )
        # The DOCX comes as a generic download type: the bytes say what it is.
        docx = make_docx(["某某县财政局2023年度政府信息公开工作年度报告", "一、总体情况", "正文。"])
        w.write_capture(
            _cap(
                HOST + "/xxgk/ndbg/202401/P020240115_tables.docx",
                docx,
                "application/octet-stream",
                fetched_at=at(3),
                provenance=file_from_page,
            )
        )
    return adir


def _records(adir: Path) -> list[dict[str, Any]]:
    lines = (adir / "records.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def test_report_page_and_its_files_link_both_ways(archive_dir: Path, validator) -> None:  # type: ignore[no-untyped-def]
    report = write_records(archive_dir)
    records = _records(archive_dir)
    for rec in records:
        validator.validate(rec)
    by_url = {r["source_url"]: r for r in records}
    page = by_url[PAGE]
    pdf = by_url[HOST + "/files/2024/nb2023.pdf"]
    docx = by_url[HOST + "/xxgk/ndbg/202401/P020240115_tables.docx"]
    assert "text_in_attachment" in page["flags"]

    pdf_entry, docx_entry, xls_entry = page["attachments"]
    assert (pdf_entry["url"], pdf_entry["type"]) == (HOST + "/down.jsp?id=7", "pdf")
    assert pdf_entry["capture"]["url"] == HOST + "/files/2024/nb2023.pdf"  # after the redirect
    assert (pdf_entry["capture"]["status"], pdf_entry["capture"]["content_type"]) == (
        200,
        "application/pdf",
    )
    assert pdf_entry["capture"]["record_id"] == pdf["capture"]["record_id"]
    assert pdf_entry["capture"]["warc_file"] == pdf["capture"]["warc_file"]
    assert pdf_entry["capture"]["offset"] == pdf["capture"]["offset"]
    assert pdf_entry["record_ids"] == [pdf["record_id"]]
    assert docx_entry["type"] == "docx"
    assert docx_entry["record_ids"] == [docx["record_id"]]
    assert docx_entry["capture"]["content_type"] == "application/octet-stream"
    assert (xls_entry["type"], xls_entry["capture"], xls_entry["record_ids"]) == ("xls", None, [])

    # The PDF has no title: it is the stub's report and says where its facts came from.
    assert (pdf["parent_url"], pdf["parent_record_id"]) == (PAGE, page["record_id"])
    assert (pdf["title"], pdf["kind"], pdf["report_year"]) == (TITLE, "annual_report", 2023)
    assert (pdf["year_source"], pdf["agency"], pdf["agency_source"]) == (
        "parent",
        "某某县财政局",
        "parent",
    )
    assert (pdf["published"], pdf["published_source"]) == ("2024-01-15T09:30", "parent")
    assert "title_from_parent" in pdf["flags"]
    # The DOCX has its own title and keeps it; it still links back.
    assert docx["parent_record_id"] == page["record_id"]
    assert docx["title"] == "某某县财政局2023年度政府信息公开工作年度报告"
    assert docx["year_source"] == "title"
    assert report.stats["normalise/attachments_linked"] == 2
    assert report.stats["normalise/attachments_archived"] == 2
    assert report.stats["normalise/attachments_not_archived"] == 1
    assert report.errors == []


def test_join_is_deterministic(archive_dir: Path, tmp_path: Path) -> None:
    write_records(archive_dir, tmp_path / "a.jsonl")
    result = CliRunner().invoke(
        cli, ["normalise", "--archive", str(archive_dir), "--out", str(tmp_path / "b.jsonl")]
    )
    assert result.exit_code == 0, result.output
    assert "2 attachment files linked to their documents" in result.stderr
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()


def test_docx_served_with_its_own_type(tmp_path: Path) -> None:
    adir = tmp_path / "arc"
    with ArchiveWriter(adir) as w:
        w.write_capture(_cap(PAGE, STUB.encode(), "text/html; charset=utf-8", fetched_at=at(0)))
        w.write_capture(
            _cap(
                HOST + "/xxgk/ndbg/202401/P020240115_tables.docx",
                make_docx(["现将有关情况报告如下。"]),
                DOCX_TYPE,
                fetched_at=at(1),
                provenance=Provenance(portal="example", discovered_from=PAGE, hops="LE"),
            )
        )
    write_records(adir)
    by_url = {r["source_url"]: r for r in _records(adir)}
    docx = by_url[HOST + "/xxgk/ndbg/202401/P020240115_tables.docx"]
    assert (docx["title"], docx["year_source"]) == (TITLE, "parent")
    assert by_url[PAGE]["attachments"][1]["record_ids"] == [docx["record_id"]]
