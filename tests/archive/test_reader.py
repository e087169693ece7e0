"""archive.open(DIR): get by URL and time, history, decoded and raw bodies, provenance."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import brotli
import pytest

import archive
from archive import ArchiveError, NotCaptured, Provenance
from archive.writer import ArchiveWriter
from tests.archive.conftest import T0, at, make_capture

URL = "http://www.example.gov.cn/xxgk/ndbg/index.html?id=7&y=2023"


def write(archive_dir: Path, *captures: object) -> list[archive.CaptureRef]:
    with ArchiveWriter(archive_dir) as w:
        return [w.write_capture(c) for c in captures]  # type: ignore[arg-type]


def test_get_returns_latest_and_at_selects_nearest_before(archive_dir: Path) -> None:
    refs = write(
        archive_dir,
        make_capture(url=URL, body=b"v1", fetched_at=at(0)),
        make_capture(url=URL, body=b"v2", fetched_at=at(3600)),
        make_capture(url=URL, body=b"v3", fetched_at=at(7200)),
    )
    with archive.open(archive_dir) as arc:
        assert arc.get(URL).raw_body == b"v3"
        assert arc.get(URL, at=at(3600)).raw_body == b"v2"  # exactly at: included
        assert arc.get(URL, at=at(5000)).raw_body == b"v2"
        assert arc.get(URL, at="2024-05-01T09:30:00Z").raw_body == b"v2"
        assert arc.get(URL, at="2024-05-01").raw_body == b"v3"  # a day means its end
        assert arc.get(URL, at="2024-05-01T17:30:00+08:00").raw_body == b"v2"
        assert arc.get(URL).ref == refs[2]
        with pytest.raises(NotCaptured, match=r"first is 2024-05-01T08:00:00\.123456Z"):
            arc.get(URL, at="2024-04-30")
        with pytest.raises(NotCaptured, match="never captured"):
            arc.get("http://www.example.gov.cn/other")


def test_history_is_oldest_first(archive_dir: Path) -> None:
    refs = write(
        archive_dir,
        make_capture(url=URL, body=b"b", fetched_at=at(60)),
        make_capture(url=URL, body=b"a", fetched_at=at(0)),
        make_capture(url="http://www.example.gov.cn/", fetched_at=at(30)),
    )
    with archive.open(archive_dir) as arc:
        assert arc.history(URL) == [refs[1], refs[0]]


@pytest.mark.parametrize(
    "variant",
    [
        "HTTP://WWW.EXAMPLE.GOV.CN/xxgk/ndbg/index.html?id=7&y=2023",
        "http://www.example.gov.cn:80/xxgk/ndbg/index.html?id=7&y=2023",
        "http://www.example.gov.cn/xxgk/ndbg/index.html?id=7&y=2023#section2",
        "http://www.example.gov.cn/xxgk/ndbg/index.html?y=2023&id=7",
    ],
)
def test_url_matching_canonicalises(archive_dir: Path, variant: str) -> None:
    write(archive_dir, make_capture(url=URL, body=b"found"))
    with archive.open(archive_dir) as arc:
        assert arc.get(variant).raw_body == b"found"


def test_https_default_port_and_path_case_matter_as_they_should(archive_dir: Path) -> None:
    write(archive_dir, make_capture(url="https://x.gov.cn/A.html", body=b"s"))
    with archive.open(archive_dir) as arc:
        assert arc.get("https://X.gov.cn:443/A.html").raw_body == b"s"
        with pytest.raises(NotCaptured):
            arc.get("https://x.gov.cn/a.html")  # paths are case-sensitive
        with pytest.raises(NotCaptured):
            arc.get("http://x.gov.cn/A.html")  # another scheme is another resource


@pytest.mark.parametrize(
    ("coding", "encode"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda b: zlib.compress(b)[2:-4]),  # raw deflate, as some servers send
        ("br", brotli.compress),
        ("gzip, br", lambda b: brotli.compress(gzip.compress(b))),
    ],
)
def test_body_is_decoded_raw_body_is_as_received(
    archive_dir: Path, coding: str, encode: object
) -> None:
    plain = "<html>2023年度报告</html>".encode()
    encoded = encode(plain)  # type: ignore[operator]
    write(
        archive_dir,
        make_capture(url=URL, response_headers=(("Content-Encoding", coding),), body=encoded),
    )
    with archive.open(archive_dir) as arc:
        stored = arc.get(URL)
        assert stored.raw_body == encoded
        assert stored.body() == plain


def test_undecodable_body_is_a_clear_error(archive_dir: Path) -> None:
    write(archive_dir, make_capture(url=URL, response_headers=(("Content-Encoding", "gzip"),)))
    with archive.open(archive_dir) as arc, pytest.raises(ArchiveError, match="does not decode"):
        arc.get(URL).body()


def test_stored_capture_fields(archive_dir: Path) -> None:
    prov = Provenance(
        portal="p", discovered_from="http://a/", link_text="报告", hops="LL", rule="r"
    )
    capture = make_capture(
        url=URL,
        reason="Fine",
        response_headers=(
            ("Set-Cookie", "a=1"),
            ("Content-Type", "text/html"),
            ("Set-Cookie", "b"),
        ),
        body=b"<p>",
        provenance=prov,
        charset_decision="utf-8 (header)",
    )
    write(archive_dir, capture)
    with archive.open(archive_dir) as arc:
        stored = arc.get(URL)
    assert stored.status == 200
    assert stored.reason == "Fine"
    assert stored.protocol == "HTTP/1.1"
    assert stored.headers == capture.response_headers
    assert stored.header_values("set-cookie") == ["a=1", "b"]
    assert stored.raw_http == (
        b"HTTP/1.1 200 Fine\r\nSet-Cookie: a=1\r\nContent-Type: text/html\r\n"
        b"Set-Cookie: b\r\n\r\n<p>"
    )
    assert stored.provenance == prov
    assert stored.charset_decision == "utf-8 (header)"
    assert stored.content_type == "text/html"
    assert stored.fetched_at == T0
    assert stored.fetch_method == "http"


def test_get_prefers_raw_response_over_later_dom_snapshot(archive_dir: Path) -> None:
    with ArchiveWriter(archive_dir) as w:
        ref = w.write_capture(make_capture(url=URL, body=b"raw"))
        w.write_resource(
            url=URL, body=b"dom", content_type="text/html", fetched_at=at(1), refers_to=ref
        )
        w.write_resource(
            url="http://only.browser/", body=b"dom2", content_type="text/html", fetched_at=at(2)
        )
    with archive.open(archive_dir) as arc:
        assert arc.get(URL).raw_body == b"raw"
        only = arc.get("http://only.browser/")
        assert only.record_type == "resource"
        assert only.body() == b"dom2"
        kinds = [(c.record_type, c.raw_body) for c in arc.iter_captures()]
    assert kinds == [("response", b"raw"), ("resource", b"dom"), ("resource", b"dom2")]


def test_reads_from_file_still_being_written(archive_dir: Path) -> None:
    with ArchiveWriter(archive_dir, commit_every=2, commit_interval=3600) as w:
        w.write_capture(make_capture(url=URL, body=b"live"))
        with archive.open(archive_dir) as arc, pytest.raises(NotCaptured):
            arc.get(URL)  # index rows are committed in batches
        w.write_capture(make_capture(url=URL + "&2", body=b"live2"))  # batch of 2: committed
        with archive.open(archive_dir) as arc:
            assert arc.get(URL).raw_body == b"live"
            assert arc.get(URL + "&2").raw_body == b"live2"
        w.write_capture(make_capture(url=URL + "&3", body=b"live3"))
        w.flush_index()
        with archive.open(archive_dir) as arc:
            assert arc.get(URL + "&3").raw_body == b"live3"  # read from the .open file


def test_crawl_state_keeps_validators_across_304(archive_dir: Path) -> None:
    write(
        archive_dir,
        make_capture(
            url=URL,
            response_headers=(("ETag", '"v1"'), ("Last-Modified", "Wed, 01 May 2024 00:00:00 GMT")),
            fetched_at=at(0),
        ),
        make_capture(url=URL, status=304, reason="Not Modified", body=b"", fetched_at=at(10)),
    )
    with archive.open(archive_dir) as arc:
        state = arc.state(URL)
    assert state is not None
    assert state.etag == '"v1"'
    assert state.last_modified == "Wed, 01 May 2024 00:00:00 GMT"
    assert state.last_status == 304
    assert state.first_seen == "2024-05-01T08:00:00.123456Z"
    assert state.last_seen == "2024-05-01T08:00:10.123456Z"
    assert state.captures == 2
    assert state.last_payload_digest is not None


def test_open_missing_or_non_archive_directory(tmp_path: Path) -> None:
    with pytest.raises(ArchiveError, match="does not exist"):
        archive.open(tmp_path / "nope")
    with pytest.raises(ArchiveError, match="not a govcrawl archive"):
        archive.open(tmp_path)


def test_lookup_uses_the_url_time_index(archive_dir: Path) -> None:
    # get() must stay one B-tree descent at any archive size (bench/bench_get.py measures it)
    write(archive_dir, make_capture(url=URL))
    with archive.open(archive_dir) as arc:
        issued: list[str] = []
        arc.index._db.set_trace_callback(issued.append)
        arc.get(URL, at=at(10))
        arc.index._db.set_trace_callback(None)
        lookups = [sql for sql in issued if "ORDER BY fetched_at DESC" in sql]
        assert lookups
        for sql in lookups:
            plan = arc.index._db.execute("EXPLAIN QUERY PLAN " + sql).fetchall()
            detail = " ".join(str(row[-1]) for row in plan)
            assert "USING INDEX captures_urlkey_time" in detail, detail
            assert "TEMP B-TREE" not in detail  # no sort: rows come in index order
