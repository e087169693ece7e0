"""The demo portal's pages as the normaliser sees them, and the page-header rules they need.

The fixture directories ``tests/fixtures/normalise/demo-*`` hold the demo's pages as it
serves them (scored with every other fixture by test_fixtures.py); here: those bytes are
still what the demo serves, and the rules behind them each get a small case of their own.
"""

from __future__ import annotations

import json

import pytest

from crawler.demo.site import SEED_PATHS, build_site
from normalise.evaluate import load_case
from normalise.pipeline import analyse_page, normalise_page
from normalise.serialise import record_to_line
from normalise.types import SourcePage
from tests.normalise.conftest import FIXTURES

DEMO_DIRS = sorted((FIXTURES / "normalise").glob("demo-*"))


def test_every_demo_page_has_a_fixture() -> None:
    served = {json.loads((d / "meta.json").read_text())["demo_path"] for d in DEMO_DIRS}
    assert set(SEED_PATHS.values()) <= served
    assert len(DEMO_DIRS) == 7


@pytest.mark.parametrize("directory", DEMO_DIRS, ids=lambda d: d.name)
def test_fixture_bytes_are_what_the_demo_serves(directory) -> None:  # type: ignore[no-untyped-def]
    meta = json.loads((directory / "meta.json").read_text())
    page = build_site()[meta["demo_path"]]
    assert (directory / "page.html").read_bytes() == page.body, "regenerate the fixture"
    assert meta["content_type"] == page.content_type


def test_seed_001_page_gives_exactly_its_nine_documents() -> None:
    records = normalise_page(load_case(FIXTURES / "normalise" / "demo-001").page)
    assert [r.kind for r in records] == ["guide"] + ["annual_report"] * 8
    assert [r.report_year for r in records[1:]] == list(range(2023, 2015, -1))
    # the masthead line joined the 指南; no record is only the agency's name
    assert records[0].text.startswith("高新区行政审批服务局\n")
    assert all("preamble" not in r.flags for r in records)


def _html(title: str, content: str) -> SourcePage:
    body = (
        f"<html><head><title>{title}</title></head><body><h1>{title}</h1>"
        '<div class="info">发布时间：2024-01-30 09:30</div>'
        f'<div class="TRS_Editor">{content}</div></body></html>'
    )
    return SourcePage("http://example.gov.cn/a.html", body.encode(), content_type="text/html")


PAGE_TITLE = "某县审批局政府信息公开指南及2022-2023年度政府信息公开工作年度报告"
GUIDE = (
    "<p>某县审批局政府信息公开指南</p><p>时间:2022-05-28</p>"
    "<p>为了更好地提供政府信息公开服务，本单位编制了本指南。</p>"
    "<p>某县审批局2023年政府信息公开工作年度报告</p><p>时间:2024-01-30</p>"
    "<p>一、总体情况</p><p>本年度共主动公开政府信息12条。</p>"
)


def test_masthead_above_the_first_title_joins_it() -> None:
    records = normalise_page(_html(PAGE_TITLE, "<p>某县审批局</p>" + GUIDE))
    assert [(r.kind, r.published) for r in records] == [
        ("guide", "2022-05-28"),
        ("annual_report", "2024-01-30"),
    ]
    assert records[0].text.startswith("某县审批局\n")


def test_substantial_lines_above_the_first_title_stay_a_flagged_record(validator) -> None:  # type: ignore[no-untyped-def]
    # short, but a sentence: content, not a masthead
    intro = "<p>本页汇总本单位历年指南和年度报告，供公众查阅。</p>"
    records = normalise_page(_html(PAGE_TITLE, intro + GUIDE))
    for record in records:
        validator.validate(json.loads(record_to_line(record)))
    assert [r.kind for r in records] == ["other", "guide", "annual_report"]
    first = records[0]
    assert first.title == PAGE_TITLE
    assert "preamble" in first.flags
    assert "供公众查阅" in first.text
    assert "preamble" not in records[1].flags


def test_untitled_substantial_text_before_a_title_is_flagged() -> None:
    text = (
        "本栏目收录本单位依照条例编制的政府信息公开工作年度报告，以下为最近一年的报告全文，请查阅。\n"
        "某县审批局2023年政府信息公开工作年度报告\n一、总体情况\n本年度共主动公开政府信息12条。\n"
    )
    page = SourcePage(url="seed:x", body=text.encode(), content_type="text/plain")
    records = normalise_page(page)
    assert len(records) == 2
    assert records[0].title is None
    assert {"title_missing", "preamble"} <= set(records[0].flags)
    assert records[1].report_year == 2023


def test_title_agency_without_place_takes_the_body_full_name() -> None:
    body = "<p>一、总体情况</p><p>截止到2020年12月31日，富源县政务服务管理局公开信息57条。</p>"
    record = normalise_page(_html("县政务服务管理局2020年度政府信息公开工作年度报告", body))[0]
    assert (record.agency, record.agency_source) == ("富源县政务服务管理局", "body")
    placed = normalise_page(_html("某县政务服务管理局2020年度政府信息公开工作年度报告", body))[0]
    assert (placed.agency, placed.agency_source) == ("某县政务服务管理局", "title")


def test_short_column_named_like_a_guide_is_a_listing() -> None:
    page = load_case(FIXTURES / "normalise" / "demo-guide-column-listing").page
    result = analyse_page(page)
    assert result.page_kind == "listing"
    assert result.records == ()
    assert [e.date for e in result.listing] == ["2024-01-30"]


def test_breadcrumbs_of_a_small_listing_are_not_entries() -> None:
    result = analyse_page(load_case(FIXTURES / "normalise" / "demo-report-column-listing").page)
    assert result.page_kind == "listing"
    assert all("/t20" in e.url for e in result.listing)
    assert len(result.listing) == 3
