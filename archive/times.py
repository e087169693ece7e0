"""Timestamps: one sortable text form for the index and WARC-Date, and TIME parsing."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from archive.errors import ArchiveError

_WARC_TS = re.compile(r"^\d{4,14}$")


def format_ts(dt: datetime) -> str:
    """``dt`` as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (UTC, always six fraction digits).

    A fixed width makes the text sort like the instant it names, so the index can order
    and compare captures on a plain TEXT column; WARC/1.1 allows the fraction in WARC-Date.
    """
    if dt.tzinfo is None:
        raise ValueError(f"naive datetime {dt!r}: capture times must be aware (UTC)")
    # isoformat is C code; strftime costs ~5 us, three times per capture.
    return dt.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def parse_ts(text: str) -> datetime:
    """Parse a WARC-Date (with or without fraction) or a ``format_ts`` string."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def parse_user_time(text: str) -> datetime:
    """Parse a TIME given by a user: ISO 8601 date or date-time, or a 4-14 digit WARC timestamp.

    Naive times are UTC. A date alone, or a short WARC timestamp, means the *end* of that
    period, so ``--at 2024-05-01`` includes captures made during that day.
    Raises ArchiveError with one readable line on anything else.
    """
    value = text.strip()
    if _WARC_TS.match(value) and len(value) % 2 == 0:
        return _end_of_warc_prefix(value, text)
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime.combine(day, time.max, tzinfo=UTC)
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ArchiveError(
            f"bad TIME {text!r}: expected ISO 8601 (2024-05-01, 2024-05-01T08:00:00+08:00) "
            "or a WARC timestamp (20240501080000)"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _end_of_warc_prefix(value: str, original: str) -> datetime:
    """The last instant covered by a WARC timestamp prefix such as ``2024`` or ``20240501``."""
    padded = value + "0101000000"[len(value) - 4 :] if len(value) < 14 else value
    try:
        start = datetime.strptime(padded, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        raise ArchiveError(f"bad TIME {original!r}: not a valid WARC timestamp") from None
    if len(value) == 4:
        end = start.replace(year=start.year + 1)
    elif len(value) == 6:
        end = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    else:
        end = start + {8: timedelta(days=1), 10: timedelta(hours=1), 12: timedelta(minutes=1)}.get(
            len(value), timedelta(seconds=1)
        )
    return end - timedelta(microseconds=1)
