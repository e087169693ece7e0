"""Crash safety: a writer killed with SIGKILL mid-write loses at most the records in flight."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import archive
from archive.verify import verify_archive
from archive.warcfile import scan_members
from archive.writer import ArchiveWriter
from tests.archive.conftest import at, make_capture, sealed_warcs, warcio_check

REPO = Path(__file__).resolve().parents[2]

# The child writes large incompressible bodies (so most of its time is spent inside a
# record) and reports each completed capture on stdout; the parent kills it after N.
CHILD = textwrap.dedent(
    """
    import random, sys
    from datetime import UTC, datetime, timedelta
    from archive import Capture
    from archive.writer import ArchiveWriter

    w = ArchiveWriter(sys.argv[1], max_file_size=int(sys.argv[2]))
    t0 = datetime(2024, 5, 1, tzinfo=UTC)
    for i in range(10_000):  # bounded; the parent kills long before
        body = random.Random(i).randbytes(1 << 20)
        ref = w.write_capture(Capture(
            url=f"http://crash.test/p{i}", method="GET", request_target=f"/p{i}",
            request_headers=(("Host", "crash.test"),), request_body=b"", protocol="HTTP/1.1",
            status=200, reason="OK", response_headers=(("Content-Type", "application/pdf"),),
            body=body, fetched_at=t0 + timedelta(seconds=i)))
        print(i, ref.record_id, flush=True)
    """
)


def test_kill_9_mid_write_then_recover(archive_dir: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(archive_dir), str(5 << 20)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    reported: dict[int, str] = {}
    try:
        assert child.stdout is not None
        for line in child.stdout:
            number, record_id = line.split()
            reported[int(number)] = record_id
            if len(reported) == 12:  # past at least one roll (5 MiB files, 1 MiB bodies)
                break
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.wait(timeout=30)
        assert child.stdout is not None
        child.stdout.close()
    assert len(reported) == 12
    leftovers = list((archive_dir / "warc").glob("*.open"))
    assert len(leftovers) == 1  # the file the child was writing

    with ArchiveWriter(archive_dir) as writer:  # opening for writing recovers
        assert len(writer.recovered) == 1
    assert not list((archive_dir / "warc").glob("*.open"))
    files = sealed_warcs(archive_dir)
    assert len(files) >= 3
    check = warcio_check(files)
    assert check.returncode == 0, check.stdout
    assert verify_archive(archive_dir) == []
    with archive.open(archive_dir) as arc:
        for number, record_id in reported.items():
            stored = arc.get(f"http://crash.test/p{number}")
            assert stored.ref.record_id == record_id
            assert stored.raw_body == random.Random(number).randbytes(1 << 20)


# The child writes three captures, then half of a record's gzip member straight into its
# open file (what the OS holds when a writer dies inside a write), says so, and waits.
CHILD_PARTIAL = textwrap.dedent(
    """
    import random, sys, zlib
    from datetime import UTC, datetime
    from archive import Capture
    from archive.writer import ArchiveWriter

    w = ArchiveWriter(sys.argv[1])
    for i in range(3):
        ref = w.write_capture(Capture(
            url=f"http://crash.test/q{i}", method="GET", request_target=f"/q{i}",
            request_headers=(), request_body=b"", protocol="HTTP/1.1", status=200,
            reason="OK", response_headers=(), body=b"body %d" % i,
            fetched_at=datetime(2024, 5, 1, 0, 0, i, tzinfo=UTC)))
        print(ref.record_id, flush=True)
    z = zlib.compressobj(6, zlib.DEFLATED, 31)
    head = b"WARC/1.1\\r\\nWARC-Type: response\\r\\n"
    member = z.compress(head + random.Random(3).randbytes(4000))
    partial = (member + z.flush())[:1000]
    with open(w.current_file, "ab") as fh:
        fh.write(partial)
    print("PARTIAL", len(partial), flush=True)
    sys.stdin.read()  # blocks until the parent kills us
    """
)


def test_kill_9_with_partial_record_on_disk(archive_dir: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD_PARTIAL, str(archive_dir)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    lines: list[str] = []
    try:
        assert child.stdout is not None
        for line in child.stdout:
            lines.append(line.strip())
            if line.startswith("PARTIAL"):
                break
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.wait(timeout=30)
        for stream in (child.stdin, child.stdout):
            if stream is not None:
                stream.close()
    assert lines[-1] == "PARTIAL 1000"
    (open_file,) = (archive_dir / "warc").glob("*.open")
    tail = open_file.read_bytes()[-1000:]
    with ArchiveWriter(archive_dir) as writer:
        (recovered,) = writer.recovered
    assert recovered.damaged_bytes == 1000
    assert recovered.damaged_copy is not None
    assert recovered.damaged_copy.read_bytes() == tail
    assert warcio_check(sealed_warcs(archive_dir)).returncode == 0
    with archive.open(archive_dir) as arc:
        assert [arc.get(f"http://crash.test/q{i}").ref.record_id for i in range(3)] == lines[:3]


def test_partial_tail_is_cut_copied_aside_and_sealed(archive_dir: Path) -> None:
    writer = ArchiveWriter(archive_dir)
    refs = [
        writer.write_capture(make_capture(url=f"http://t/{i}", fetched_at=at(i))) for i in range(3)
    ]
    open_file = writer.current_file
    assert open_file is not None
    # Simulate a crash: the process vanishes without sealing (lock released, file left open).
    open_file_bytes = open_file.read_bytes()
    writer.close()
    sealed = sealed_warcs(archive_dir)[0]
    sealed.unlink()
    with open_file.open("wb") as fh:
        fh.write(open_file_bytes)
        cut = open_file_bytes[refs[2].offset : refs[2].offset + 40]  # a record's first 40 bytes
        fh.write(cut)
    with ArchiveWriter(archive_dir) as again:
        recovered = again.recovered
    assert len(recovered) == 1
    assert recovered[0].damaged_bytes == 40
    assert recovered[0].damaged_copy is not None
    assert recovered[0].damaged_copy.read_bytes() == cut
    assert sealed.read_bytes() == open_file_bytes
    assert warcio_check([sealed]).returncode == 0
    with archive.open(archive_dir) as arc:
        assert [r.record_id for r in arc.history("http://t/2")] == [refs[2].record_id]


def test_recovery_indexes_complete_records_the_index_missed(archive_dir: Path) -> None:
    with ArchiveWriter(archive_dir) as w:
        ref = w.write_capture(make_capture(url="http://t/x"))
        open_file = w.current_file
        assert open_file is not None
        data = open_file.read_bytes()
    (archive_dir / "index.sqlite3").unlink()  # crash after the WARC write, before the index
    for suffix in ("-wal", "-shm"):
        (archive_dir / f"index.sqlite3{suffix}").unlink(missing_ok=True)
    sealed_warcs(archive_dir)[0].unlink()
    open_file.write_bytes(data)
    with ArchiveWriter(archive_dir) as again:
        assert again.recovered[0].indexed == 1
    with archive.open(archive_dir) as arc:
        assert arc.get("http://t/x").ref == ref


def test_open_file_with_nothing_complete_is_removed_and_kept_aside(archive_dir: Path) -> None:
    warcs = archive_dir / "warc"
    warcs.mkdir(parents=True)
    stray = warcs / "govcrawl-20240101000000000000-00000-1-h.warc.gz.open"
    stray.write_bytes(b"\x1f\x8b\x08\x00partial")
    with ArchiveWriter(archive_dir) as w:
        assert w.recovered[0].kept_bytes == 0
    assert not stray.exists()
    (copy,) = (archive_dir / "damaged").iterdir()
    assert copy.read_bytes() == b"\x1f\x8b\x08\x00partial"
    assert list(warcs.iterdir()) == []


def test_members_scan_resumes_after_garbage(tmp_path: Path) -> None:
    path = tmp_path / "x.warc.gz"
    with ArchiveWriter(tmp_path / "a") as w:
        w.write_capture(make_capture())
        src = w.current_file
        assert src is not None
        good = src.read_bytes()
    path.write_bytes(good + b"garbage!" * 10 + good)
    with path.open("rb") as fh:
        members = list(scan_members(fh))
    errors = [m for m in members if m.error]
    assert len(errors) == 1
    assert errors[0].offset == len(good)
    assert errors[0].length == 80
    assert sum(1 for m in members if m.data is not None) == 8
