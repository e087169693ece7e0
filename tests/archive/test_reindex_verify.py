"""reindex rebuilds the live index exactly; verify pinpoints damage; get survives it."""

from __future__ import annotations

import gzip
import sqlite3
from pathlib import Path

import pytest

import archive
from archive import CorruptWarc, Provenance
from archive.reindex import reindex
from archive.verify import verify_archive
from archive.writer import ArchiveWriter
from tests.archive.conftest import at, make_capture, sealed_warcs


def dump(archive_dir: Path) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    db = sqlite3.connect(archive_dir / "index.sqlite3")
    try:
        captures = db.execute("SELECT * FROM captures ORDER BY record_id").fetchall()
        state = db.execute("SELECT * FROM crawl_state ORDER BY urlkey").fetchall()
    finally:
        db.close()
    return captures, state


def populate(archive_dir: Path, max_file_size: int = 1 << 30) -> list[archive.CaptureRef]:
    refs = []
    with ArchiveWriter(archive_dir, max_file_size=max_file_size) as w:
        for i in range(12):
            url = f"http://www.example.gov.cn/p{i % 4}.html"
            refs.append(
                w.write_capture(
                    make_capture(
                        url=url,
                        status=[200, 304, 404][i % 3],
                        response_headers=(("ETag", f'"e{i}"'), ("Content-Encoding", "gzip")),
                        body=gzip.compress(f"page {i}".encode()),
                        fetched_at=at(i * 10),
                        provenance=Provenance(portal="x", rule="r" if i % 2 else None),
                    )
                )
            )
        refs.append(
            w.write_resource(
                url="http://www.example.gov.cn/p0.html",
                body=b"<dom/>",
                content_type="text/html",
                fetched_at=at(500),
                refers_to=refs[0],
            )
        )
    return refs


def test_reindex_equals_live_index(archive_dir: Path) -> None:
    populate(archive_dir, max_file_size=2000)
    assert len(sealed_warcs(archive_dir)) > 1
    live = dump(archive_dir)
    assert len(live[0]) == 13
    report = reindex(archive_dir)
    assert report.captures == 13
    assert report.damaged_regions == 0
    assert dump(archive_dir) == live


def test_verify_clean_archive_has_no_problems(archive_dir: Path) -> None:
    populate(archive_dir)
    assert verify_archive(archive_dir) == []


def _flip_byte_in_body(path: Path, ref: archive.CaptureRef) -> None:
    """Rewrite one record's gzip member with a body byte changed (digests now wrong)."""
    data = path.read_bytes()
    member = gzip.decompress(data[ref.offset : ref.offset + ref.length])
    damaged = member[:-10] + bytes([member[-10] ^ 0xFF]) + member[-9:]
    new_member = gzip.compress(damaged)
    path.write_bytes(data[: ref.offset] + new_member + data[ref.offset + ref.length :])


def test_verify_pinpoints_digest_mismatch(archive_dir: Path) -> None:
    refs = populate(archive_dir)
    path = archive_dir / refs[-1].warc_file
    last = refs[-2]  # the member is rewritten in place; keep the offsets of earlier records
    _flip_byte_in_body(path, refs[-1])
    problems = verify_archive(archive_dir)
    messages = [str(p) for p in problems]
    assert any(
        m.startswith(f"{refs[-1].warc_file}: offset {refs[-1].offset}: WARC-Block-Digest mismatch")
        for m in messages
    ), messages
    assert any("WARC-Payload-Digest mismatch" in m for m in messages)
    with archive.open(archive_dir) as arc:
        assert arc.get(last.url, at=last.fetched_at).ref == last


def test_truncated_and_garbage_files(archive_dir: Path) -> None:
    refs = populate(archive_dir)
    warc = archive_dir / refs[0].warc_file
    data = warc.read_bytes()
    cut_at = refs[5].offset + 30
    warc.write_bytes(data[:cut_at])  # truncated inside record 5
    garbage = archive_dir / "warc" / "zz-garbage.warc.gz"
    garbage.write_bytes(b"this is not a WARC file at all\n" * 10)

    problems = verify_archive(archive_dir)
    text = "\n".join(map(str, problems))
    assert f"{refs[0].warc_file}: offset {refs[5].offset}: truncated gzip member" in text
    assert "warc/zz-garbage.warc.gz: offset 0: corrupt gzip data" in text
    assert f"index row {refs[6].record_id}" in text  # index points past the cut

    with archive.open(archive_dir) as arc:
        for ref in refs[:5]:
            assert arc.get(ref.url, at=ref.fetched_at).ref == ref
        with pytest.raises(CorruptWarc, match=f"offset {refs[6].offset}"):
            arc.get(refs[6].url, at=refs[6].fetched_at)

    warnings: list[str] = []
    report = reindex(archive_dir, warn=warnings.append)
    assert report.captures == 5
    assert report.damaged_regions == 2
    assert any("zz-garbage.warc.gz: offset 0: skipped damaged region" in w for w in warnings)
    assert any(f"offset {refs[5].offset}: skipped damaged region" in w for w in warnings)
    assert [p for p in verify_archive(archive_dir) if "index" in p.message] == []


def test_verify_reports_unindexed_record(archive_dir: Path) -> None:
    refs = populate(archive_dir)
    db = sqlite3.connect(archive_dir / "index.sqlite3")
    with db:
        db.execute("DELETE FROM captures WHERE record_id = ?", (refs[3].record_id,))
    db.close()
    problems = verify_archive(archive_dir)
    assert [str(p) for p in problems] == [
        f"{refs[3].warc_file}: offset {refs[3].offset}: response {refs[3].record_id} "
        "is not in the index (run: govcrawl reindex --archive DIR)"
    ]


def test_reindex_refused_while_a_writer_is_open(archive_dir: Path) -> None:
    with ArchiveWriter(archive_dir) as w:
        w.write_capture(make_capture())
        with pytest.raises(archive.ArchiveError, match="cannot reindex"):
            reindex(archive_dir)
    assert reindex(archive_dir).captures == 1


def test_verify_tolerates_in_flight_tail_of_open_file_only(archive_dir: Path) -> None:
    with ArchiveWriter(archive_dir) as w:
        w.write_capture(make_capture())
        open_file = w.current_file
        assert open_file is not None
        with open_file.open("ab") as fh:  # what a writer mid-record looks like from outside
            fh.write(gzip.compress(b"WARC/1.1\r\n" + bytes(range(256)) * 40)[:100])
        w.flush_index()
        assert verify_archive(archive_dir) == []
        data = open_file.read_bytes()
    sealed = sealed_warcs(archive_dir)[0]
    assert sealed.read_bytes() == data  # sealing does not cut; recovery would have
    problems = verify_archive(archive_dir)
    assert [p.message for p in problems] == ["truncated gzip member (file ends inside it)"]


def test_damaged_index_is_refused_by_writer_and_rebuilt_by_reindex(archive_dir: Path) -> None:
    refs = populate(archive_dir)
    live = dump(archive_dir)
    for suffix in ("-wal", "-shm"):
        (archive_dir / f"index.sqlite3{suffix}").unlink(missing_ok=True)
    (archive_dir / "index.sqlite3").write_bytes(b"garbage, not sqlite" * 100)
    with pytest.raises(archive.ArchiveError, match="govcrawl reindex"):
        ArchiveWriter(archive_dir)
    with pytest.raises(archive.ArchiveError, match="cannot read the index"):
        archive.open(archive_dir)
    warnings: list[str] = []
    assert reindex(archive_dir, warn=warnings.append).captures == len(refs)
    assert any("moved to index.sqlite3.damaged-" in w for w in warnings)
    assert dump(archive_dir) == live
    with ArchiveWriter(archive_dir):  # and the archive is writable again
        pass
