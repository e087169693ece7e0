"""The normaliser on every fixture page: seeds, real Pingtan pages and hard cases."""

from __future__ import annotations

import dataclasses
import json

import jsonschema
import pytest

from normalise import SCHEMA_VERSION, CaptureId
from normalise.evaluate import Score, evaluate, score_case
from normalise.pipeline import analyse_page, normalise_page
from normalise.schema import SCHEMA_DIR, load_schema
from normalise.serialise import record_to_json, record_to_line
from tests.normalise.conftest import CASES, FIXTURES, case_named

SEED_CASES = [c for c in CASES if c.name.startswith("seed/")]
DIR_CASES = [c for c in CASES if not c.name.startswith("seed/")]


def test_all_seed_documents_are_expected() -> None:
    assert sum(len(c.expected["records"]) for c in SEED_CASES) == 13
    assert len(SEED_CASES) == 5


@pytest.mark.parametrize("case", SEED_CASES, ids=lambda c: c.name)
def test_seed(case) -> None:  # type: ignore[no-untyped-def]
    score = Score()
    score_case(score, case)
    assert score.failures == [], score.failures
    # every listed field of every document was actually checked
    assert score.by_check["kind"] == len(case.expected["records"])


@pytest.mark.parametrize("case", DIR_CASES, ids=lambda c: c.name)
def test_fixture_directory(case) -> None:  # type: ignore[no-untyped-def]
    score = Score()
    score_case(score, case)
    assert score.failures == [], score.failures


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_records_validate_against_schema(case, validator) -> None:  # type: ignore[no-untyped-def]
    for record in normalise_page(case.page):
        line = record_to_line(record)
        validator.validate(json.loads(line))


def test_schema_rejects_a_bad_record(validator) -> None:  # type: ignore[no-untyped-def]
    record = record_to_json(normalise_page(case_named("pingtan-2023-report").page)[0])
    record["kind"] = "report"
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(record)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_output_is_deterministic(case) -> None:  # type: ignore[no-untyped-def]
    first = [record_to_line(r) for r in normalise_page(case.page)]
    second = [record_to_line(r) for r in normalise_page(case.page)]
    assert first == second


def test_record_id_is_stable_across_captures() -> None:
    page = case_named("pingtan-2019-report").page
    a = dataclasses.replace(page, capture=CaptureId("<urn:uuid:1>", "a.warc.gz", 10))
    b = dataclasses.replace(page, capture=CaptureId("<urn:uuid:2>", "b.warc.gz", 99))
    ra, rb = normalise_page(a)[0], normalise_page(b)[0]
    assert ra.record_id == rb.record_id
    assert ra.capture != rb.capture
    other_url = dataclasses.replace(page, url=page.url + "?x=1")
    assert normalise_page(other_url)[0].record_id != ra.record_id


def test_multi_document_ids_differ_and_positions_count() -> None:
    records = normalise_page(case_named("seed/001_9910e0f122eeadb7.txt").page)
    assert [r.position for r in records] == list(range(9))
    assert len({r.record_id for r in records}) == 9


def test_listing_page_gives_entries_not_records() -> None:
    result = analyse_page(case_named("pingtan-report-column-listing").page)
    assert result.records == ()
    assert result.page_kind == "listing"
    assert all(e.date and e.url.startswith("https://www.pingtan.gov.cn/") for e in result.listing)


def test_sections_span_their_text() -> None:
    record = normalise_page(case_named("pingtan-2023-report").page)[0]
    first, second = record.sections[0], record.sections[1]
    assert record.text[first["start"] :].startswith("一、总体情况")
    assert first["end"] <= second["start"]
    assert record.text[second["start"] :].startswith("二、主动公开政府信息情况")
    assert record.sections[-1]["end"] == len(record.text)


def test_accuracy_ratchet() -> None:
    """Field accuracy over all fixtures never drops below the recorded floor."""
    floor = json.loads((FIXTURES / "normalise" / "accuracy_floor.json").read_text())
    score = evaluate(CASES)
    assert score.total >= floor["checks"], "fixtures lost checks"
    assert score.accuracy >= floor["accuracy"], score.failures


def test_every_schema_version_keeps_its_file() -> None:
    """Older output stays checkable: each version's schema file is kept beside the new one."""
    versions = sorted(p.name for p in SCHEMA_DIR.glob("record-*.schema.json"))
    assert versions == [
        "record-1.0.0.schema.json",
        "record-1.1.0.schema.json",
        "record-1.2.0.schema.json",
    ]
    for name in versions:
        version = name.removeprefix("record-").removesuffix(".schema.json")
        schema = load_schema(version)
        jsonschema.validators.validator_for(schema).check_schema(schema)
        assert schema["properties"]["schema_version"] == {"const": version}
    record = normalise_page(case_named("pingtan-2023-report").page)[0]
    assert record.schema_version == SCHEMA_VERSION == "1.2.0"
