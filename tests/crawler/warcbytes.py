"""Read WARC records as raw bytes, independently of warcio and of the archive package.

Byte-fidelity tests compare what the server sent with what the archive stored; reading
the records with our own few lines (one gzip member per record, WARC headers, block)
keeps any decoding done by the code under test out of the comparison.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class RawRecord:
    """One WARC record: its WARC header fields (in order) and its block bytes."""

    headers: list[tuple[str, str]]
    block: bytes

    def get(self, name: str) -> str | None:
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    @property
    def type(self) -> str:
        return self.get("WARC-Type") or ""

    @property
    def http_head(self) -> bytes:
        """The HTTP head (status/request line and headers, blank line included)."""
        head, sep, _ = self.block.partition(b"\r\n\r\n")
        return head + sep

    @property
    def http_body(self) -> bytes:
        return self.block.partition(b"\r\n\r\n")[2]


def read_records(path: Path) -> list[RawRecord]:
    """Every record of a .warc.gz, checking that each is exactly one gzip member."""
    data = path.read_bytes()
    records: list[RawRecord] = []
    while data:
        d = zlib.decompressobj(wbits=31)
        raw = d.decompress(data)
        assert d.eof, f"{path}: truncated gzip member"
        data = d.unused_data
        head, _, rest = raw.partition(b"\r\n\r\n")
        lines = head.decode("utf-8").split("\r\n")
        assert lines[0] == "WARC/1.1", lines[0]
        fields = [(k.strip(), v.strip()) for k, _, v in (line.partition(":") for line in lines[1:])]
        length = int(next(v for k, v in fields if k.lower() == "content-length"))
        assert rest[length:] == b"\r\n\r\n", "record block not followed by CRLFCRLF"
        records.append(RawRecord(fields, rest[:length]))
    return records


def archive_records(archive_dir: Path) -> list[RawRecord]:
    """Every record of every WARC file of an archive directory, in file order."""
    out: list[RawRecord] = []
    for path in sorted((archive_dir / "warc").glob("*.warc.gz")):
        out.extend(read_records(path))
    return out
