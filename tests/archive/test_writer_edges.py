"""ArchiveWriter edge cases: threads, failures mid-exchange, closed writer; TIME parsing."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

import archive
from archive import ArchiveError
from archive.times import format_ts, parse_user_time
from archive.verify import verify_archive
from archive.warcfile import RecordWriter
from archive.writer import ArchiveWriter
from tests.archive.conftest import at, make_capture, sealed_warcs, warcio_check


def test_concurrent_writers_threads_keep_records_whole(archive_dir: Path) -> None:
    errors: list[BaseException] = []
    with ArchiveWriter(archive_dir, max_file_size=20_000) as writer:

        def work(t: int) -> None:
            try:
                for i in range(25):
                    writer.write_capture(
                        make_capture(
                            url=f"http://t{t}.cn/{i}", body=bytes([t]) * 500, fetched_at=at(i)
                        )
                    )
            except BaseException as exc:  # surfaced below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(timeout=60)
    assert errors == []
    assert verify_archive(archive_dir) == []
    with archive.open(archive_dir) as arc:
        assert arc.index.count() == 100
        assert arc.get("http://t3.cn/24").raw_body == bytes([3]) * 500


def test_failure_mid_exchange_keeps_complete_records(
    archive_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = ArchiveWriter(archive_dir)
    first = writer.write_capture(make_capture(url="http://ok.cn/1"))
    real_write = RecordWriter.write

    def failing(self: RecordWriter, record_type: str, **kwargs: object) -> object:
        if record_type == "request":
            raise OSError(28, "No space left on device")
        return real_write(self, record_type, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(RecordWriter, "write", failing)
    with pytest.raises(OSError, match="No space"):
        writer.write_capture(make_capture(url="http://ok.cn/2", fetched_at=at(1)))
    monkeypatch.setattr(RecordWriter, "write", real_write)
    third = writer.write_capture(make_capture(url="http://ok.cn/3", fetched_at=at(2)))
    writer.close()
    files = sealed_warcs(archive_dir)
    assert len(files) == 2  # the failed file was sealed; writing went on in a new one
    assert third.warc_file != first.warc_file
    assert warcio_check(files).returncode == 0
    assert verify_archive(archive_dir) == []
    with archive.open(archive_dir) as arc:
        assert arc.get("http://ok.cn/1").ref == first
        assert arc.get("http://ok.cn/2").provenance is None  # response kept, no metadata
        assert arc.get("http://ok.cn/3").ref == third


def test_closed_writer_refuses_and_close_is_idempotent(archive_dir: Path) -> None:
    writer = ArchiveWriter(archive_dir)
    writer.close()
    writer.close()
    with pytest.raises(ArchiveError, match="closed"):
        writer.write_capture(make_capture())


def test_naive_fetch_time_is_refused(archive_dir: Path) -> None:
    with ArchiveWriter(archive_dir) as writer, pytest.raises(ValueError, match="aware"):
        writer.write_capture(make_capture(fetched_at=datetime(2024, 1, 1)))


def test_archive_dir_that_is_a_file(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(ArchiveError, match="cannot create archive directory"):
        ArchiveWriter(target)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024", "2024-12-31T23:59:59.999999Z"),
        ("202402", "2024-02-29T23:59:59.999999Z"),
        ("20240501", "2024-05-01T23:59:59.999999Z"),
        ("2024050108", "2024-05-01T08:59:59.999999Z"),
        ("20240501080000", "2024-05-01T08:00:00.999999Z"),
        ("2024-05-01", "2024-05-01T23:59:59.999999Z"),
        ("2024-05-01T08:00:00", "2024-05-01T08:00:00.000000Z"),
        ("2024-05-01T08:00:00+08:00", "2024-05-01T00:00:00.000000Z"),
        ("2024-05-01T08:00:00Z", "2024-05-01T08:00:00.000000Z"),
    ],
)
def test_user_time_forms(text: str, expected: str) -> None:
    assert format_ts(parse_user_time(text)) == expected


@pytest.mark.parametrize("text", ["", "soon", "2024-13-01", "20241301", "123", "2024-05-01T25:00"])
def test_bad_user_time(text: str) -> None:
    with pytest.raises(ArchiveError, match="bad TIME"):
        parse_user_time(text)


def test_format_ts_is_fixed_width_and_sortable() -> None:
    a = format_ts(datetime(2024, 1, 1, 0, 0, 0, tzinfo=UTC))
    b = format_ts(datetime(2024, 1, 1, 0, 0, 0, 1, tzinfo=UTC))
    assert a == "2024-01-01T00:00:00.000000Z"
    assert a < b
