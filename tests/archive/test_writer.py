"""ArchiveWriter: the records written for a Capture, compared with the bytes that Capture holds."""

from __future__ import annotations

import base64
import gzip
import hashlib
import random
from pathlib import Path

import pytest

from archive import ArchiveError, Provenance
from archive.metadata import decode_fields
from archive.warcfile import WarcRecord, parse_record, scan_members
from archive.writer import ArchiveWriter
from tests.archive.conftest import T0, at, make_capture, sealed_warcs, warcio_check


def sha1(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()


def records_of(path: Path) -> list[WarcRecord]:
    with path.open("rb") as fh:
        out = []
        for member in scan_members(fh):
            assert member.data is not None, member.error
            out.append(parse_record(member.data))
        return out


def only_file(archive_dir: Path) -> Path:
    files = sealed_warcs(archive_dir)
    assert len(files) == 1
    return files[0]


def test_response_record_holds_status_line_headers_and_encoded_body(
    writer: ArchiveWriter, archive_dir: Path
) -> None:
    body = gzip.compress("<html>政府信息公开工作年度报告</html>".encode())
    capture = make_capture(
        reason="Very Fine Indeed",
        response_headers=(
            ("Content-Type", "text/html; charset=utf-8"),
            ("Set-Cookie", "a=1; Path=/"),
            ("set-cookie", "b=2"),
            ("Content-Encoding", "gzip"),
            ("X-Odd", "  spaced"),
            ("Content-Length", str(len(body))),
        ),
        body=body,
    )
    ref = writer.write_capture(capture)
    writer.close()
    records = records_of(only_file(archive_dir))
    assert [r.record_type for r in records] == ["warcinfo", "response", "request", "metadata"]
    response = records[1]
    expected = (
        b"HTTP/1.1 200 Very Fine Indeed\r\n"
        b"Content-Type: text/html; charset=utf-8\r\n"
        b"Set-Cookie: a=1; Path=/\r\n"
        b"set-cookie: b=2\r\n"
        b"Content-Encoding: gzip\r\n"
        b"X-Odd:   spaced\r\n" + f"Content-Length: {len(body)}\r\n\r\n".encode() + body
    )
    assert response.block == expected
    # payload digest over the body as received (still gzip), block digest over it all
    assert response.header("WARC-Payload-Digest") == sha1(body)
    assert response.header("WARC-Block-Digest") == sha1(expected)
    assert ref.payload_digest == sha1(body)
    assert response.record_id == ref.record_id
    assert response.header("WARC-Target-URI") == capture.url
    assert response.header("WARC-Date") == "2024-05-01T08:00:00.123456Z"
    assert response.header("WARC-IP-Address") == "127.0.0.1"
    assert response.header("WARC-Warcinfo-ID") == records[0].record_id
    assert response.header("Content-Type") == "application/http; msgtype=response"
    assert ref.offset > 0
    assert ref.status == 200
    assert ref.content_type == "text/html; charset=utf-8"
    assert ref.fetched_at == T0


def test_request_record_has_request_line_query_and_post_body(
    writer: ArchiveWriter, archive_dir: Path
) -> None:
    capture = make_capture(
        url="http://www.example.gov.cn/api/list?page=2&type=ndbg",
        method="POST",
        request_target="/api/list?page=2&type=ndbg",
        request_headers=(
            ("Host", "www.example.gov.cn"),
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Content-Length", "13"),
        ),
        request_body=b"col=1&rows=20",
        response_headers=(("Content-Type", "application/json"),),
        body=b'{"rows": []}',
    )
    writer.write_capture(capture)
    writer.close()
    records = records_of(only_file(archive_dir))
    response, request = records[1], records[2]
    assert request.block == (
        b"POST /api/list?page=2&type=ndbg HTTP/1.1\r\n"
        b"Host: www.example.gov.cn\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: 13\r\n\r\n"
        b"col=1&rows=20"
    )
    assert request.header("WARC-Concurrent-To") == response.record_id
    assert request.header("WARC-Target-URI") == capture.url
    assert response.header("WARC-Target-URI") == capture.url


def test_error_and_not_modified_statuses_are_kept(writer: ArchiveWriter, archive_dir: Path) -> None:
    cases = [(304, "Not Modified", b""), (404, "Not Found", b"nope"), (500, "Oops", b"err")]
    for i, (status, reason, body) in enumerate(cases):
        writer.write_capture(
            make_capture(
                url=f"http://www.example.gov.cn/s{status}",
                status=status,
                reason=reason,
                response_headers=(("Server", "x"),),
                body=body,
                fetched_at=at(i),
            )
        )
    writer.close()
    responses = [r for r in records_of(only_file(archive_dir)) if r.record_type == "response"]
    assert [r.block for r in responses] == [
        b"HTTP/1.1 304 Not Modified\r\nServer: x\r\n\r\n",
        b"HTTP/1.1 404 Not Found\r\nServer: x\r\n\r\nnope",
        b"HTTP/1.1 500 Oops\r\nServer: x\r\n\r\nerr",
    ]


def test_empty_reason_phrase_writes_bare_status_line(
    writer: ArchiveWriter, archive_dir: Path
) -> None:
    writer.write_capture(make_capture(reason="", response_headers=(), body=b"x"))
    writer.close()
    assert records_of(only_file(archive_dir))[1].block == b"HTTP/1.1 200\r\n\r\nx"


def test_chunked_transfer_coding_is_removed_and_documented(
    writer: ArchiveWriter, archive_dir: Path
) -> None:
    body = b"de-chunked body"
    writer.write_capture(
        make_capture(
            response_headers=(
                ("Content-Type", "text/plain"),
                ("Transfer-Encoding", "chunked"),
                ("Vary", "Accept"),
            ),
            body=body,
        )
    )
    writer.close()
    records = records_of(only_file(archive_dir))
    assert records[1].block == (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nVary: Accept\r\n"
        b"Content-Length: 15\r\n\r\nde-chunked body"
    )
    fields = decode_fields(records[3].block)
    assert ("http-header-removed", "Transfer-Encoding: chunked") in fields
    assert ("http-header-added", "Content-Length: 15") in fields


def test_metadata_record_carries_provenance_and_charset_decision(
    writer: ArchiveWriter, archive_dir: Path
) -> None:
    prov = Provenance(
        portal="beijing",
        discovered_from="http://www.example.gov.cn/xxgk/",
        link_text="2023年度\n政府信息公开工作年度报告",
        hops="LLP",
        rule="title:年度报告",
        extra=(("hint_date", "2024-01-31"),),
    )
    writer.write_capture(make_capture(provenance=prov, charset_decision="gb18030 (meta)"))
    writer.close()
    records = records_of(only_file(archive_dir))
    meta = records[3]
    assert meta.record_type == "metadata"
    assert meta.header("WARC-Concurrent-To") == records[1].record_id
    assert meta.header("Content-Type") == "application/warc-fields"
    assert decode_fields(meta.block) == [
        ("portal", "beijing"),
        ("via", "http://www.example.gov.cn/xxgk/"),
        ("hopsFromSeed", "LLP"),
        ("link-text", "2023年度\n政府信息公开工作年度报告"),
        ("rule", "title:年度报告"),
        ("charset-decision", "gb18030 (meta)"),
        ("fetch-method", "http"),
        ("x-hint_date", "2024-01-31"),
    ]


def test_warcinfo_names_software_config_hash_and_operator(
    writer: ArchiveWriter, archive_dir: Path
) -> None:
    writer.write_capture(make_capture())
    writer.close()
    info = records_of(only_file(archive_dir))[0]
    fields = dict(decode_fields(info.block))
    assert fields["software"].startswith("govcrawl/")
    assert fields["operator"] == "test"
    assert fields["crawl-config"] == '{"depth":2}'
    assert fields["crawl-config-hash"].startswith("sha256:")
    assert info.header("WARC-Filename") == only_file(archive_dir).name


def test_resource_record_refers_to_raw_response(writer: ArchiveWriter, archive_dir: Path) -> None:
    ref = writer.write_capture(make_capture())
    dom = "<html><body>rendered 报告</body></html>".encode()
    res = writer.write_resource(
        url=ref.url,
        body=dom,
        content_type="text/html; charset=utf-8",
        fetched_at=at(1),
        refers_to=ref,
    )
    writer.close()
    records = records_of(only_file(archive_dir))
    resource = next(r for r in records if r.record_type == "resource")
    assert resource.block == dom
    assert resource.header("WARC-Refers-To") == ref.record_id
    assert resource.header("Content-Type") == "text/html; charset=utf-8"
    assert res.record_id == resource.record_id
    assert records[-1].record_type == "metadata"
    assert ("fetch-method", "browser") in decode_fields(records[-1].block)


def test_every_record_passes_warcio_check(writer: ArchiveWriter, archive_dir: Path) -> None:
    body = gzip.compress(b"x" * 5000)
    writer.write_capture(make_capture(response_headers=(("Content-Encoding", "gzip"),), body=body))
    writer.write_capture(
        make_capture(
            response_headers=(("Transfer-Encoding", "chunked"), ("Content-Encoding", "gzip")),
            body=body,
            fetched_at=at(1),
        )
    )
    writer.write_capture(make_capture(method="POST", request_body=b"a=1", fetched_at=at(2)))
    writer.write_resource(
        url="http://x.cn/", body=b"dom", content_type="text/html", fetched_at=at(3)
    )
    writer.close()
    result = warcio_check(sealed_warcs(archive_dir))
    assert result.returncode == 0, result.stdout + result.stderr
    assert (
        result.stdout.count("digest pass") == 1 + 3 * 3 + 2
    )  # warcinfo, 3 exchanges, resource+meta


def test_open_file_is_named_open_until_sealed(archive_dir: Path) -> None:
    writer = ArchiveWriter(archive_dir)
    writer.write_capture(make_capture())
    current = writer.current_file
    assert current is not None
    assert current.name.endswith(".warc.gz.open")
    assert current.exists()
    assert sealed_warcs(archive_dir) == []
    writer.close()
    assert not current.exists()
    assert [p.name for p in sealed_warcs(archive_dir)] == [current.name[: -len(".open")]]


def test_files_roll_by_size(archive_dir: Path) -> None:
    rng = random.Random(7)  # incompressible bodies, so each exchange is ~2.5 kB on disk
    writer = ArchiveWriter(archive_dir, max_file_size=4000)
    refs = [
        writer.write_capture(make_capture(body=rng.randbytes(2048), fetched_at=at(i)))
        for i in range(6)
    ]
    writer.close()
    files = sealed_warcs(archive_dir)
    assert len(files) >= 3
    assert not list((archive_dir / "warc").glob("*.open"))
    assert sorted({r.warc_file for r in refs}) == [f"warc/{p.name}" for p in files]
    for path in files:
        records = records_of(path)
        assert records[0].record_type == "warcinfo"  # one warcinfo per file
        assert {r.header("WARC-Warcinfo-ID") for r in records[1:]} == {records[0].record_id}
    assert warcio_check(files).returncode == 0


def test_second_writer_on_same_archive_is_refused(archive_dir: Path) -> None:
    with ArchiveWriter(archive_dir), pytest.raises(ArchiveError, match="another process"):
        ArchiveWriter(archive_dir)


@pytest.mark.parametrize(
    ("headers", "stored_raw"),
    [
        ((("Content-Encoding", "gzip"), ("Content-Type", "text/html")), True),
        ((("Content-Type", "application/pdf"),), True),
        ((("Content-Type", "text/html; charset=gbk"),), False),
        ((("Content-Type", "image/svg+xml"),), False),
    ],
)
def test_already_compressed_bodies_are_not_deflated_again(
    archive_dir: Path, headers: tuple[tuple[str, str], ...], stored_raw: bool
) -> None:
    body = ("<p>政府信息公开</p>" * 400).encode()  # compressible, whatever the headers say
    with ArchiveWriter(archive_dir) as writer:
        ref = writer.write_capture(make_capture(response_headers=headers, body=body))
    assert (ref.length > len(body)) is stored_raw  # level 0 member: body bytes plus framing
    assert warcio_check(sealed_warcs(archive_dir)).returncode == 0
