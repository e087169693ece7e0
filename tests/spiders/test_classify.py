"""Link-title classification and navigation scoring (spiders/classify.py)."""

from __future__ import annotations

import pytest

from spiders.classify import (
    FOLLOW_FROM_HOME,
    FOLLOW_IN_PORTAL,
    SCORE_NEGATIVE,
    SCORE_REPORT_COLUMN,
    SCORE_YEAR_COLUMN,
    classify_column_member,
    classify_title,
    classify_truncated,
    is_column_name,
    is_pagination,
    nav_score,
    title_year,
)
from spiders.model import Anchor


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("平潭综合实验区2023年度政府信息公开工作年度报告", "annual_report"),
        ("嘉祥县行政审批服务局2020年政府信息公开工作年度报告", "annual_report"),
        ("平潭综合实验区地方税务局2013年信息公开年度报告", "annual_report"),
        ("2022年政务公开工作年报", "annual_report"),
        ("高新区行政审批服务局政府信息公开指南", "guide"),
        ("依申请公开指南", "guide"),
        ("关于2014年政府信息公开工作要点落实情况的函", None),
        ("2023年政府工作报告", None),
        ("2023年国民经济和社会发展统计年报", None),
        ("企业年度报告公示", None),
        ("不动产登记办事指南", None),
        ("县长主持召开常务会议", None),
    ],
)
def test_classify_title(title: str, kind: str | None) -> None:
    assert classify_title(title) == kind


def test_title_year_and_column_names() -> None:
    assert title_year("平潭综合实验区2019年度政府信息公开工作年度报告") == 2019
    assert title_year("政府信息公开指南") is None
    assert is_column_name("政府信息公开年报")
    assert is_column_name("政府信息公开指南")
    assert not is_column_name("平潭综合实验区政府信息公开指南")


@pytest.mark.parametrize(
    ("text", "url", "minimum"),
    [
        ("政府信息公开年报", "http://x.gov.cn/zwgk/zfxxgk/zfxxgknb/", SCORE_REPORT_COLUMN),
        ("", "http://x.gov.cn/xxgk/gknb/index.html", SCORE_REPORT_COLUMN),
        ("年报", "http://x.gov.cn/module/xxgk/xxgkAnnualReport.jsp?area=1", SCORE_REPORT_COLUMN),
        ("政府信息公开", "http://x.gov.cn/zfxxgk/", FOLLOW_FROM_HOME),
        ("政务公开", "http://x.gov.cn/zwgk/index.html", FOLLOW_FROM_HOME),
    ],
)
def test_nav_scores_report_paths_high(text: str, url: str, minimum: int) -> None:
    assert nav_score(Anchor(url, text)).score >= minimum


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("新闻中心", "http://x.gov.cn/xwzx/"),
        ("办事服务", "http://x.gov.cn/bsfw/"),
        ("互动交流", "http://x.gov.cn/hdjl/"),
        ("站内搜索", "http://x.gov.cn/search/index.html?q=1"),
        ("政务公开新闻", "http://x.gov.cn/zwgk/xwdt/"),
    ],
)
def test_nav_never_wanders_into_news_services_search(text: str, url: str) -> None:
    assert nav_score(Anchor(url, text)).score == SCORE_NEGATIVE


def test_year_subcolumns_only_inside_report_columns() -> None:
    a = Anchor("http://x.gov.cn/jyt/c240106/zwgklist.shtml", "2023")
    assert nav_score(a, in_report_column=True).score == SCORE_YEAR_COLUMN
    assert nav_score(a).score < FOLLOW_FROM_HOME


def test_pagination_links() -> None:
    assert is_pagination(Anchor("http://x/index_1.html", "下一页"))
    assert is_pagination(Anchor("http://x/index_2.html", "3"))
    assert not is_pagination(Anchor("http://x/a.html", "2023年报"))


def test_application_and_key_area_sections_are_not_walked() -> None:
    assert nav_score(Anchor("http://x.gov.cn/zfxxgk/zfxxgksq/", "政府信息公开申请")).score < 0
    assert nav_score(Anchor("http://x.gov.cn/zwgk/zdlyxxgk/", "重点领域信息公开")).score < 0
    assert nav_score(Anchor("http://x.gov.cn/zfxxgk/ysqgk/", "依申请公开指南")).score > 0


def test_truncated_titles_and_column_members() -> None:
    assert classify_truncated("某县2023年政府信息公开工作年…") == "annual_report"
    assert classify_truncated("某县人民政府政府信息公开指南...") == "guide"
    assert classify_truncated("关于2023年政府信息公开工作的通…") is None
    assert classify_truncated("某县2023年政府信息公开工作年度报告") is None  # not truncated
    assert classify_column_member("某区教育局", "2023年") == "annual_report"
    assert classify_column_member("某区教育局", "政府信息公开指南") == "guide"
    assert classify_column_member("关于2014年政府信息公开工作要点落实情况的函", "年报") is None
    assert classify_column_member("区政府召开常务会议", "2021年") is None


@pytest.mark.parametrize(
    "unit",
    [
        "县发展和改革局",
        "县人民政府办公室",
        "城关镇",
        "东城街道办事处",
        "经开区管委会",
        "县融媒体中心",
    ],
)
def test_unit_subcolumns_are_walked_inside_a_portal(unit: str) -> None:
    score = nav_score(Anchor("http://x.gov.cn/zfxxgk/bm/1/", unit)).score
    assert FOLLOW_IN_PORTAL <= score < FOLLOW_FROM_HOME


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("县行政审批服务局", True),
        ("富源县政务服务管理局", True),
        ("县政务服务中心", True),
        ("新闻中心", False),
        ("办事服务", False),
    ],
)
def test_agencies_named_after_services_are_units_not_noise(text: str, unit: bool) -> None:
    score = nav_score(Anchor("http://x.gov.cn/bm/1/", text)).score
    assert (score >= FOLLOW_IN_PORTAL) is unit
