"""End to end: ``govcrawl crawl --portals`` on a loopback portal whose report page is a stub
("详见附件") linking a PDF (through a download module that redirects) and a DOCX; then
records.jsonl must hold the page's attachment entries with their captures and the files'
own records linked back to the page's record, carrying the report's kind, year and agency.

The crawl runs in a subprocess (Twisted's reactor starts once per process) with delay 0,
loopback allowed and no browser; the portal is tests/portals' server and page chrome.
"""

# Page templates are data: long HTML lines read better unbroken.
# ruff: noqa: E501

from __future__ import annotations

import json
from typing import Any

import pytest

from archive.urls import url_key
from tests.portals.common import Files, html_reply, page, serve
from tests.portals.server import PortalServer, Reply, Request
from tests.subprocesses import run_govcrawl

pytestmark = pytest.mark.slow  # a crawl in a subprocess (never skipped)

TITLE = "某县财政局2023年政府信息公开工作年度报告"
OTHER = "某县财政局2022年政府信息公开工作年度报告"
COLUMN = "/zwgk/zfxxgknb/"
STUB = COLUMN + "202401/t20240115_1.html"
FULL = COLUMN + "202301/t20230110_2.html"
DOWNLOAD = "/module/download/downfile.jsp?classid=0&filename=nb2023.pdf"
PDF = "/uploadfile/2024/nb2023.pdf"
DOCX = COLUMN + "202401/P020240115.docx"
DOCX_TEXT = [
    "根据《中华人民共和国政府信息公开条例》规定，编制本报告。",
    "本报告所列数据的统计期限自2023年1月1日起至2023年12月31日止。",
    "一、总体情况",
    "2023年，我局主动公开政府信息一百二十条。",
    "二、主动公开政府信息情况",
    "全年无新制发规章。",
]


def _site() -> Any:
    files = Files()
    files.pdf(PDF, "Statistics of government information disclosure 2023")
    files.docx(DOCX, DOCX_TEXT)

    def handler(req: Request) -> Reply | None:
        p = req.path
        if p == "/":
            return html_reply(page("某县人民政府", f"<a href='{COLUMN}'>政府信息公开年报</a>"))
        if p == COLUMN:
            items = (
                f"<li><a href='{STUB}' title='{TITLE}'>{TITLE}</a><span>2024-01-15</span></li>"
                f"<li><a href='{FULL}' title='{OTHER}'>{OTHER}</a><span>2023-01-10</span></li>"
            )
            return html_reply(page("政府信息公开年报", f"<ul class='list'>{items}</ul>"))
        if p == STUB:
            body = (
                f"<h1>{TITLE}</h1><div class='info'>发布时间：2024-01-15 09:30</div>"
                "<div class='TRS_Editor'><p>现将我局2023年政府信息公开工作年度报告予以公布，详见附件。</p></div>"
                f"<div class='fj'><p><a href='{DOWNLOAD}'>附件1：统计表.pdf</a></p>"
                f"<p><a href='P020240115.docx'>附件2：年度报告全文.docx</a></p></div>"
            )
            return html_reply(page(TITLE, body))
        if p == FULL:
            paragraphs = "".join(f"<p>{line}</p>" for line in DOCX_TEXT) * 4
            body = (
                f"<h1>{OTHER}</h1><div class='info'>发布时间：2023-01-10</div>"
                f"<div class='TRS_Editor'>{paragraphs}</div>"
            )
            return html_reply(page(OTHER, body))
        if p == "/module/download/downfile.jsp":
            return Reply(302, "text/html", b"", (("Location", PDF),))
        return None

    return serve(files, None, handler)


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[dict[str, Any]]]:
    tmp = tmp_path_factory.mktemp("e2e-attachments")
    with PortalServer(_site()) as server:
        portals = tmp / "portals.toml"
        portals.write_text(
            f'[[portal]]\nname = "county"\nstart_urls = ["{server.base}/"]\n', encoding="utf-8"
        )
        proc = run_govcrawl(
            "crawl",
            "--portals",
            str(portals),
            "--archive",
            str(tmp / "archive"),
            "--delay",
            "0",
            "--allow-private",
            "--no-browser",
            "--log-level",
            "WARNING",
            "-s",
            "AUTOTHROTTLE_ENABLED=False",
        )
        base = server.base
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    lines = (tmp / "archive" / "records.jsonl").read_text(encoding="utf-8").splitlines()
    return base, [json.loads(line) for line in lines]


def _by_url(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["source_url"]: r for r in records}


def test_every_record_validates(crawl, validator) -> None:  # type: ignore[no-untyped-def]
    _, records = crawl
    assert records
    for rec in records:
        validator.validate(rec)


def test_report_page_lists_its_files_with_their_captures(crawl) -> None:  # type: ignore[no-untyped-def]
    base, records = crawl
    recs = _by_url(records)
    stub = recs[base + STUB]
    assert stub["kind"] == "annual_report"
    assert "text_in_attachment" in stub["flags"]
    pdf_entry, docx_entry = stub["attachments"]
    assert url_key(pdf_entry["url"]) == url_key(base + DOWNLOAD)
    assert (pdf_entry["type"], pdf_entry["text"]) == ("pdf", "附件1：统计表.pdf")
    # the download module redirected: the entry names the archived file it led to
    assert pdf_entry["capture"]["url"] == base + PDF
    assert (pdf_entry["capture"]["status"], pdf_entry["capture"]["content_type"]) == (
        200,
        "application/pdf",
    )
    assert pdf_entry["capture"]["warc_file"].endswith(".warc.gz")
    assert docx_entry["url"] == base + DOCX
    assert docx_entry["type"] == "docx"
    assert docx_entry["capture"]["url"] == base + DOCX
    pdf, docx = recs[base + PDF], recs[base + DOCX]
    assert pdf_entry["record_ids"] == [pdf["record_id"]]
    assert docx_entry["record_ids"] == [docx["record_id"]]
    assert pdf_entry["capture"]["record_id"] == pdf["capture"]["record_id"]
    assert docx_entry["capture"]["offset"] == docx["capture"]["offset"]


def test_attachment_records_link_back_and_carry_the_report(crawl) -> None:  # type: ignore[no-untyped-def]
    base, records = crawl
    recs = _by_url(records)
    stub = recs[base + STUB]
    for path in (PDF, DOCX):
        rec = recs[base + path]
        assert rec["parent_url"] == base + STUB
        assert rec["parent_record_id"] == stub["record_id"]
        assert (rec["title"], rec["kind"], rec["report_year"]) == (TITLE, "annual_report", 2023)
        assert (rec["agency"], rec["agency_source"], rec["year_source"]) == (
            "某县财政局",
            "parent",
            "parent",
        )
        assert (rec["published"], rec["published_source"]) == ("2024-01-15T09:30", "parent")
        assert "title_from_parent" in rec["flags"]
    docx = recs[base + DOCX]
    assert "统计期限自2023年1月1日" in docx["text"]
    assert [s["number"] for s in docx["sections"]] == ["一", "二"]
    assert recs[base + PDF]["text"] == "Statistics of government information disclosure 2023"


def test_full_report_page_has_no_attachments_and_keeps_its_own_facts(crawl) -> None:  # type: ignore[no-untyped-def]
    base, records = crawl
    full = _by_url(records)[base + FULL]
    assert (full["title"], full["report_year"], full["year_source"]) == (OTHER, 2022, "title")
    assert full["attachments"] == []
    assert "text_in_attachment" not in full["flags"]
