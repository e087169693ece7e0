"""The sqlite capture index (``DIR/index.sqlite3``): derived data, rebuilt from the WARCs at will.

Two tables: ``captures`` (one row per response or resource record, with where it lives and
its linked request/metadata records) and ``crawl_state`` (per URL key: validators, last
payload digest, first/last seen), kept for incremental re-crawls. Rows are written in WARC
order by both the live writer and ``reindex`` through the same functions, so the two
produce identical tables.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, fields
from operator import attrgetter
from pathlib import Path

from archive.times import parse_ts
from archive.types import CaptureRef

INDEX_NAME = "index.sqlite3"
SCHEMA_VERSION = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS captures (
    record_id TEXT PRIMARY KEY,          -- WARC-Record-ID of the response/resource record
    record_type TEXT NOT NULL,           -- 'response' | 'resource'
    url TEXT NOT NULL,                   -- WARC-Target-URI as stored
    urlkey TEXT NOT NULL,                -- archive.urls.url_key(url)
    fetched_at TEXT NOT NULL,            -- archive.times.format_ts (sortable)
    status INTEGER,
    content_type TEXT,
    warc_file TEXT NOT NULL,             -- relative to the archive directory, sealed name
    offset INTEGER NOT NULL,
    length INTEGER NOT NULL,
    payload_digest TEXT,
    payload_length INTEGER NOT NULL,     -- body bytes as stored (still content-encoded)
    fetch_method TEXT NOT NULL,          -- 'http' | 'browser'
    request_record_id TEXT,
    metadata_record_id TEXT,
    metadata_offset INTEGER,
    metadata_length INTEGER,
    refers_to TEXT,                      -- resource records: the raw response they render
    etag TEXT,
    last_modified TEXT
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS captures_urlkey_time ON captures (urlkey, fetched_at);
CREATE INDEX IF NOT EXISTS captures_file ON captures (warc_file, offset);
CREATE TABLE IF NOT EXISTS crawl_state (
    urlkey TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    etag TEXT,
    last_modified TEXT,
    last_payload_digest TEXT,
    last_status INTEGER,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    captures INTEGER NOT NULL
) WITHOUT ROWID;
"""


@dataclass(frozen=True, slots=True)
class IndexRow:
    """One row of ``captures`` (field order = column order)."""

    record_id: str
    record_type: str
    url: str
    urlkey: str
    fetched_at: str
    status: int | None
    content_type: str | None
    warc_file: str
    offset: int
    length: int
    payload_digest: str | None
    payload_length: int
    fetch_method: str
    request_record_id: str | None = None
    metadata_record_id: str | None = None
    metadata_offset: int | None = None
    metadata_length: int | None = None
    refers_to: str | None = None
    etag: str | None = None
    last_modified: str | None = None

    def ref(self) -> CaptureRef:
        """The public view of this row."""
        return CaptureRef(
            record_id=self.record_id,
            warc_file=self.warc_file,
            offset=self.offset,
            length=self.length,
            url=self.url,
            fetched_at=parse_ts(self.fetched_at),
            status=self.status,
            content_type=self.content_type,
            payload_digest=self.payload_digest,
        )


@dataclass(frozen=True, slots=True)
class CrawlState:
    """One row of ``crawl_state``: what the next incremental crawl needs to know about a URL."""

    urlkey: str
    url: str
    etag: str | None
    last_modified: str | None
    last_payload_digest: str | None
    last_status: int | None
    first_seen: str
    last_seen: str
    captures: int


_COLUMNS = [f.name for f in fields(IndexRow)]
_GETTERS = [attrgetter(name) for name in _COLUMNS]


def _values(row: IndexRow) -> tuple[object, ...]:
    """Column values of a row (dataclasses.astuple deep-copies: too slow per capture)."""
    return tuple(get(row) for get in _GETTERS)


_SELECT = "SELECT " + ", ".join(_COLUMNS) + " FROM captures"
_INSERT = (
    "INSERT OR REPLACE INTO captures ("
    + ", ".join(_COLUMNS)
    + ") VALUES ("
    + ", ".join("?" * len(_COLUMNS))
    + ")"
)


# Crawl state follows the newest capture; validators only from full (200) responses, so
# a 304 or an error page does not wipe the ETag the next re-crawl should send. One
# statement (an upsert) instead of a SELECT and an INSERT or UPDATE per capture. In
# DO UPDATE, bare column names are the stored row, ``excluded.*`` the capture's values,
# and every SET expression sees the stored row as it was.
_UPSERT_STATE = """
INSERT INTO crawl_state (urlkey, url, etag, last_modified, last_payload_digest, last_status,
                         first_seen, last_seen, captures)
VALUES (?1, ?2, CASE WHEN ?6 = 200 THEN ?3 END, CASE WHEN ?6 = 200 THEN ?4 END,
        CASE WHEN ?6 = 200 THEN ?5 END, ?6, ?7, ?7, 1)
ON CONFLICT (urlkey) DO UPDATE SET
    url = CASE WHEN excluded.last_seen >= last_seen THEN excluded.url ELSE url END,
    etag = CASE WHEN excluded.last_seen >= last_seen AND excluded.last_status = 200
                THEN excluded.etag ELSE etag END,
    last_modified = CASE WHEN excluded.last_seen >= last_seen AND excluded.last_status = 200
                         THEN excluded.last_modified ELSE last_modified END,
    last_payload_digest = CASE WHEN excluded.last_seen >= last_seen
                                    AND excluded.last_status = 200
                               THEN excluded.last_payload_digest ELSE last_payload_digest END,
    last_status = CASE WHEN excluded.last_seen >= last_seen
                       THEN excluded.last_status ELSE last_status END,
    first_seen = min(first_seen, excluded.first_seen),
    last_seen = max(last_seen, excluded.last_seen),
    captures = captures + 1
"""


def _state_values(row: IndexRow) -> tuple[object, ...]:
    return (
        row.urlkey,
        row.url,
        row.etag,
        row.last_modified,
        row.payload_digest,
        row.status,
        row.fetched_at,
    )


class ArchiveIndex:
    """A connection to one archive's index; used from one thread at a time."""

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        self.path = path
        self.readonly = readonly
        if readonly:
            self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        else:
            self._db = sqlite3.connect(path, check_same_thread=False)
            # WAL: readers (get/history) never block the crawl's writer, and a commit
            # costs no fsync with synchronous=NORMAL; the WARCs are the truth anyway.
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            self._db.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)",
                (SCHEMA_VERSION,),
            )
            self._db.commit()

    def close(self) -> None:
        """Close; a writer first leaves WAL mode, so that the closed index is one file.

        WAL is a property of the database file: a reader opening a WAL index creates
        ``-wal``/``-shm`` files beside it, even read-only, and a read-only connection cannot
        remove them. Switching back to the rollback journal (which checkpoints the WAL into
        the database and deletes it) makes a closed archive read without a trace. The
        switch needs the only connection; if a reader holds the index open, the index stays
        in WAL mode (still correct) and the next writer to close switches it.
        """
        try:
            if not self.readonly:
                self._db.commit()
                # "database is locked" when a reader is in: WAL stays (see above).
                with contextlib.suppress(sqlite3.OperationalError):
                    self._db.execute("PRAGMA journal_mode=DELETE").fetchall()
        finally:
            self._db.close()

    def commit(self) -> None:
        self._db.commit()

    # ----------------------------------------------------------------- writing

    def add(self, row: IndexRow, *, commit: bool = True) -> None:
        """Insert a capture row and fold it into the URL's crawl state."""
        self._db.execute(_INSERT, _values(row))
        if row.record_type == "response":
            self._db.execute(_UPSERT_STATE, _state_values(row))
        if commit:
            self._db.commit()

    def add_batch(self, rows: Sequence[IndexRow]) -> None:
        """``add`` each row, in order, uncommitted: one statement run per table.

        Crawl-state updates depend on order only among themselves (each folds one capture
        into its URL's state), so the rows' captures then their states give the same
        tables as adding them one by one.
        """
        self._db.executemany(_INSERT, [_values(r) for r in rows])
        self._db.executemany(
            _UPSERT_STATE, [_state_values(r) for r in rows if r.record_type == "response"]
        )

    def add_many(self, rows: Sequence[IndexRow]) -> None:
        """Bulk insert (benchmarks, reindex): one transaction."""
        with self._db:
            self.add_batch(rows)

    def insert_rows(self, rows: Iterable[IndexRow]) -> None:
        """Bulk insert capture rows only, crawl state untouched (benchmark fixtures)."""
        with self._db:
            self._db.executemany(_INSERT, (_values(r) for r in rows))

    def clear(self) -> None:
        """Empty both tables (reindex)."""
        with self._db:
            self._db.execute("DELETE FROM captures")
            self._db.execute("DELETE FROM crawl_state")

    # ----------------------------------------------------------------- reading

    def lookup(
        self, urlkey: str, at: str | None, record_type: str | None = None
    ) -> IndexRow | None:
        """Latest capture of ``urlkey`` at or before ``at`` (a format_ts string), or None.

        Served by the (urlkey, fetched_at) index: one B-tree descent whatever the size.
        """
        sql = _SELECT + " WHERE urlkey = ?"
        params: list[str] = [urlkey]
        if at is not None:
            sql += " AND fetched_at <= ?"
            params.append(at)
        if record_type is not None:
            sql += " AND record_type = ?"
            params.append(record_type)
        found = self._db.execute(sql + " ORDER BY fetched_at DESC LIMIT 1", params).fetchone()
        return IndexRow(*found) if found else None

    def first_time(self, urlkey: str) -> str | None:
        found = self._db.execute(
            "SELECT MIN(fetched_at) FROM captures WHERE urlkey = ?", (urlkey,)
        ).fetchone()
        return str(found[0]) if found and found[0] is not None else None

    def history(self, urlkey: str) -> list[IndexRow]:
        cur = self._db.execute(_SELECT + " WHERE urlkey = ? ORDER BY fetched_at", (urlkey,))
        return [IndexRow(*r) for r in cur]

    def by_record_id(self, record_id: str) -> IndexRow | None:
        found = self._db.execute(_SELECT + " WHERE record_id = ?", (record_id,)).fetchone()
        return IndexRow(*found) if found else None

    def rows(self) -> Iterator[IndexRow]:
        """Every capture row in WARC order (file, offset)."""
        for r in self._db.execute(_SELECT + " ORDER BY warc_file, offset"):
            yield IndexRow(*r)

    def record_ids_in(self, warc_file: str) -> set[str]:
        cur = self._db.execute("SELECT record_id FROM captures WHERE warc_file = ?", (warc_file,))
        return {r[0] for r in cur}

    def states(self) -> list[CrawlState]:
        cur = self._db.execute("SELECT * FROM crawl_state ORDER BY urlkey")
        return [CrawlState(*r) for r in cur]

    def state(self, urlkey: str) -> CrawlState | None:
        found = self._db.execute("SELECT * FROM crawl_state WHERE urlkey = ?", (urlkey,)).fetchone()
        return CrawlState(*found) if found else None

    def count(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM captures").fetchone()[0])
