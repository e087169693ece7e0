"""Field accuracy of the normaliser over fixture pages (the ratchet's measure).

A fixture directory holds ``page.html`` (or ``page.txt``, or names a corpus page in
``meta.json`` as ``"page"``), ``meta.json`` (URL, content
type, declared charset, fetch time, listing hints) and ``expected.json`` (page kind,
expected records, optional listing entries), in the manner of web-poet's fixtures.
The seed texts are scored from their own ``expected.json``. Each listed field, text
check, flag, section list and table cell is one check; accuracy is passed / total.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from normalise.errors import NormaliseError
from normalise.pipeline import PageResult, analyse_page
from normalise.types import Record, SourcePage

CHECKED_FIELDS = ("kind", "agency", "report_year", "published", "title")


@dataclass(frozen=True, slots=True)
class Case:
    """One fixture page and what the normaliser must make of it."""

    name: str
    page: SourcePage
    expected: dict[str, Any]


@dataclass
class Score:
    """Checks passed and failed, by check kind, with the failures spelled out."""

    passed: int = 0
    total: int = 0
    by_check: Counter[str] = field(default_factory=Counter)
    failed_by_check: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.passed / self.total if self.total else 0.0

    def check(self, kind: str, ok: bool, where: str) -> None:
        self.total += 1
        self.by_check[kind] += 1
        if ok:
            self.passed += 1
        else:
            self.failed_by_check[kind] += 1
            self.failures.append(f"{where}: {kind}")


def case_page_file(directory: Path, meta: dict[str, Any]) -> Path:
    """The page bytes of a fixture: ``meta["page"]`` (a path relative to the directory, so
    a real page kept once in the corpus is not copied), else ``page.html`` / ``page.txt``."""
    if "page" in meta:
        return (directory / str(meta["page"])).resolve()
    return next(p for p in (directory / "page.html", directory / "page.txt") if p.exists())


def load_case(directory: Path) -> Case:
    """A fixture directory as a Case."""
    meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
    expected = json.loads((directory / "expected.json").read_text(encoding="utf-8"))
    page_file = case_page_file(directory, meta)
    fetched = meta.get("fetched_at")
    page = SourcePage(
        url=meta["url"],
        body=page_file.read_bytes(),
        content_type=meta.get("content_type"),
        declared_charset=meta.get("declared_charset"),
        fetched_at=datetime.fromisoformat(fetched) if fetched else None,
        hint_title=meta.get("hint_title"),
        hint_date=meta.get("hint_date"),
    )
    return Case(directory.name, page, expected)


def load_seed_cases(seeds: Path) -> list[Case]:
    """The seed texts (plain UTF-8) with their expected documents."""
    expected = json.loads((seeds / "expected.json").read_text(encoding="utf-8"))
    cases = []
    for name, records in expected.items():
        if name.startswith("_"):
            continue
        page = SourcePage(
            url=f"seed:{name}",
            body=(seeds / name).read_bytes(),
            content_type="text/plain",
            declared_charset="utf-8",
        )
        cases.append(Case(f"seed/{name}", page, {"records": records}))
    return cases


def load_cases(fixtures: Path) -> list[Case]:
    """Every case under tests/fixtures: the seeds and each normalise/<case> directory."""
    cases = load_seed_cases(fixtures / "seeds")
    root = fixtures / "normalise"
    for directory in sorted(p for p in root.iterdir() if (p / "expected.json").exists()):
        cases.append(load_case(directory))
    return cases


def check_record(score: Score, where: str, rec: Record | None, exp: dict[str, Any]) -> None:
    """Score one produced record (None when missing) against its expectation."""
    for name in CHECKED_FIELDS:
        if name in exp:
            score.check(name, rec is not None and getattr(rec, name) == exp[name], where)
    text = rec.text if rec is not None else ""
    for needle in exp.get("text_contains", []):
        score.check("text_contains", rec is not None and needle in text, f"{where} {needle!r}")
    for needle in exp.get("text_not_contains", []):
        score.check(
            "text_not_contains", rec is not None and needle not in text, f"{where} {needle!r}"
        )
    for flag in exp.get("flags_include", []):
        score.check("flags", rec is not None and flag in rec.flags, f"{where} {flag}")
    if "sections" in exp:
        got = [s["number"] for s in rec.sections] if rec is not None else None
        score.check("sections", got == exp["sections"], where)
    if "table_count" in exp:
        score.check("table_count", rec is not None and len(rec.tables) == exp["table_count"], where)
    if "attachments" in exp:
        got_urls = [a["url"] for a in rec.attachments] if rec is not None else None
        score.check("attachments", got_urls == exp["attachments"], where)
    for t, r, c, value in exp.get("table_cells", []):
        ok = False
        if rec is not None and t < len(rec.tables) and r < len(rec.tables[t]):
            row = rec.tables[t][r]
            ok = c < len(row) and row[c] == value
        score.check("table_cells", ok, f"{where} table {t} [{r},{c}]")


def score_case(score: Score, case: Case) -> PageResult | None:
    """Run one case and add its checks to the score."""
    expected_records: list[dict[str, Any]] = case.expected.get("records", [])
    try:
        result: PageResult | None = analyse_page(case.page)
    except NormaliseError as exc:
        result = None
        score.failures.append(f"{case.name}: error {exc}")
    records = list(result.records) if result is not None else []
    score.check("record_count", len(records) == len(expected_records), case.name)
    if "page_kind" in case.expected:
        kind = result.page_kind if result is not None else None
        score.check("page_kind", kind == case.expected["page_kind"], case.name)
    for i, exp in enumerate(expected_records):
        check_record(score, f"{case.name}#{i}", records[i] if i < len(records) else None, exp)
    if "listing_count" in case.expected:
        got = len(result.listing) if result is not None else -1
        score.check("listing", got == case.expected["listing_count"], case.name)
    for item in case.expected.get("listing", []):
        entries = result.listing if result is not None else ()
        i = item["index"]
        ok = i < len(entries) and (entries[i].title, entries[i].url, entries[i].date) == (
            item["title"],
            item["url"],
            item["date"],
        )
        score.check("listing", ok, f"{case.name} entry {i}")
    return result


def evaluate(cases: list[Case]) -> Score:
    """Score every case."""
    score = Score()
    for case in cases:
        score_case(score, case)
    return score
