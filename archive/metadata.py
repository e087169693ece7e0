"""The content of ``metadata`` and ``warcinfo`` records: ``application/warc-fields`` both ways.

Field values are single lines; a backslash, CR or LF inside a value is escaped as
``\\\\``, ``\\r``, ``\\n`` so that link texts spanning lines survive the round trip.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from archive.types import Provenance

# Names in the metadata record. "via" and "hopsFromSeed" follow Heritrix's metadata records.
F_PORTAL = "portal"
F_VIA = "via"
F_HOPS = "hopsFromSeed"
F_LINK_TEXT = "link-text"
F_RULE = "rule"
F_CHARSET = "charset-decision"
F_FETCH = "fetch-method"
F_REMOVED = "http-header-removed"
F_ADDED = "http-header-added"
EXTRA_PREFIX = "x-"

Fields = list[tuple[str, str]]


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n")


def _unescape(value: str) -> str:
    out: list[str] = []
    chars = iter(value)
    for ch in chars:
        if ch != "\\":
            out.append(ch)
            continue
        nxt = next(chars, "")
        out.append({"n": "\n", "r": "\r", "\\": "\\"}.get(nxt, "\\" + nxt))
    return "".join(out)


def encode_fields(fields: Iterable[tuple[str, str]]) -> bytes:
    """``name: value`` lines (UTF-8, CRLF), values escaped to one line."""
    return b"".join(f"{name}: {_escape(value)}\r\n".encode() for name, value in fields)


def decode_fields(block: bytes) -> Fields:
    """Inverse of ``encode_fields`` (order and repeats kept)."""
    fields: Fields = []
    for line in block.decode("utf-8", errors="replace").split("\r\n"):
        name, sep, value = line.partition(":")
        if sep:
            fields.append((name.strip(), _unescape(value.strip(" "))))
    return fields


def provenance_fields(prov: Provenance, charset_decision: str | None, fetch_method: str) -> Fields:
    """The metadata record of one capture: why it was fetched and how its charset was chosen."""
    fields: Fields = []
    pairs = [
        (F_PORTAL, prov.portal),
        (F_VIA, prov.discovered_from),
        (F_HOPS, prov.hops),
        (F_LINK_TEXT, prov.link_text),
        (F_RULE, prov.rule),
        (F_CHARSET, charset_decision),
        (F_FETCH, fetch_method),
    ]
    fields.extend((name, value) for name, value in pairs if value)
    fields.extend((EXTRA_PREFIX + key, value) for key, value in prov.extra)
    return fields


def provenance_from_fields(fields: Fields) -> Provenance:
    """Rebuild the Provenance a metadata record was written from."""
    first: dict[str, str] = {}
    extra: list[tuple[str, str]] = []
    for name, value in fields:
        if name.startswith(EXTRA_PREFIX):
            extra.append((name[len(EXTRA_PREFIX) :], value))
        else:
            first.setdefault(name, value)
    return Provenance(
        portal=first.get(F_PORTAL),
        discovered_from=first.get(F_VIA),
        link_text=first.get(F_LINK_TEXT),
        hops=first.get(F_HOPS, ""),
        rule=first.get(F_RULE),
        extra=tuple(extra),
    )


def canonical_json(value: Any) -> str:
    """Stable JSON (sorted keys, no spaces) so equal configurations hash equally."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def warcinfo_fields(info: Mapping[str, Any], software: str) -> Fields:
    """The warcinfo block: our software line first, then what the crawler passed in.

    Non-string values (the crawl configuration) are stored as canonical JSON; when the
    crawler gives ``crawl-config`` without ``crawl-config-hash``, we add its SHA-256.
    """
    fields: Fields = [
        ("software", software),
        ("format", "WARC File Format 1.1"),
        (
            "conformsTo",
            "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        ),
    ]
    for name, value in info.items():
        if value is None:
            continue
        fields.append((name, value if isinstance(value, str) else canonical_json(value)))
    if "crawl-config" in info and "crawl-config-hash" not in info:
        text = dict(fields)["crawl-config"]
        fields.append(("crawl-config-hash", "sha256:" + hashlib.sha256(text.encode()).hexdigest()))
    return fields
