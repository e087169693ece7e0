"""The agency from a 来源/发布机构 line stops at page-tool brackets (【字体:大 中 小】...)."""

from __future__ import annotations

import pytest

from normalise import SourcePage
from normalise.pipeline import normalise_page

PAGE = """<html><head><meta charset="utf-8"><title>政府信息公开指南</title></head><body>
<div class="article"><h1>政府信息公开指南</h1>
<p>来源:某某县人民政府办公室{tail}  发布时间:2023-06-01</p>
<div class="TRS_Editor"><p>为了更好地提供政府信息公开服务,本机关编制了本指南。</p>
<p>一、信息分类和编排体系</p><p>本机关主动公开的政府信息分为机构职能、政策文件、规划计划等类别。</p>
<p>二、获取方式</p><p>公民、法人或者其他组织可以通过政府网站、政务服务中心查阅。</p></div>
</div></body></html>"""


@pytest.mark.parametrize("tail", ["【字体:大 中 小】", "[打印]", "(浏览次数:12)", " 【打印本页】"])
def test_agency_stops_at_page_tools(tail: str) -> None:
    body = PAGE.format(tail=tail).encode("utf-8")
    records = normalise_page(SourcePage(url="http://www.example.gov.cn/a.html", body=body))
    assert [r.agency for r in records] == ["某某县人民政府办公室"]
