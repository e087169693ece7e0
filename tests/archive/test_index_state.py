"""The index's per-URL crawl state (one SQL upsert per capture) against its rules in Python.

Rules (archive/index.py): the state follows the newest capture of a URL (url, status,
last_seen); ETag, Last-Modified and payload digest come only from 200 responses, so a
later 304 or 404 keeps the validators the next re-crawl should send; first_seen is the
oldest capture, captures counts them all, whatever order they are added in.
"""

from __future__ import annotations

import random
from pathlib import Path

from archive.index import ArchiveIndex, CrawlState, IndexRow
from archive.times import format_ts
from tests.archive.conftest import at


def _row(i: int, rng: random.Random) -> IndexRow:
    key = f"http://example.gov.cn/p{rng.randrange(5)}"
    status = rng.choice([200, 200, 304, 404, 500, None])
    return IndexRow(
        record_id=f"<urn:uuid:{i}>",
        record_type="response",
        url=key + rng.choice(["", "#f"]),
        urlkey=key,
        fetched_at=format_ts(at(rng.randrange(50) * 10)),  # repeats and reorderings
        status=status,
        content_type="text/html",
        warc_file="warc/a.warc.gz",
        offset=i,
        length=1,
        payload_digest=f"sha1:D{i}",
        payload_length=1,
        fetch_method="http",
        etag=rng.choice([f'"e{i}"', None]),
        last_modified=rng.choice([f"day {i}", None]),
    )


def _expected(rows: list[IndexRow]) -> list[CrawlState]:
    states: dict[str, CrawlState] = {}
    for r in rows:
        fresh = r.status == 200
        old = states.get(r.urlkey)
        if old is None:
            states[r.urlkey] = CrawlState(
                r.urlkey,
                r.url,
                r.etag if fresh else None,
                r.last_modified if fresh else None,
                r.payload_digest if fresh else None,
                r.status,
                r.fetched_at,
                r.fetched_at,
                1,
            )
        elif r.fetched_at >= old.last_seen:
            states[r.urlkey] = CrawlState(
                r.urlkey,
                r.url,
                r.etag if fresh else old.etag,
                r.last_modified if fresh else old.last_modified,
                r.payload_digest if fresh else old.last_payload_digest,
                r.status,
                min(old.first_seen, r.fetched_at),
                r.fetched_at,
                old.captures + 1,
            )
        else:
            states[r.urlkey] = CrawlState(
                *(
                    old.urlkey,
                    old.url,
                    old.etag,
                    old.last_modified,
                    old.last_payload_digest,
                    old.last_status,
                ),
                min(old.first_seen, r.fetched_at),
                old.last_seen,
                old.captures + 1,
            )
    return [states[k] for k in sorted(states)]


def test_crawl_state_follows_its_rules_one_by_one_and_in_batches(tmp_path: Path) -> None:
    rng = random.Random(20241121)
    rows = [_row(i, rng) for i in range(400)]
    one_by_one = ArchiveIndex(tmp_path / "a.sqlite3")
    batched = ArchiveIndex(tmp_path / "b.sqlite3")
    try:
        for r in rows:
            one_by_one.add(r, commit=False)
        for start in range(0, len(rows), 37):
            batched.add_batch(rows[start : start + 37])
        one_by_one.commit()
        batched.commit()
        expected = _expected(rows)
        assert one_by_one.states() == expected
        assert batched.states() == expected
        assert batched.count() == one_by_one.count() == len(rows)
        # the rules were exercised: validators kept across a newer non-200 capture, and
        # captures added out of time order
        assert any(s.last_status != 200 and s.etag is not None for s in expected)
        assert sum(s.captures for s in expected) == len(rows)
    finally:
        one_by_one.close()
        batched.close()
