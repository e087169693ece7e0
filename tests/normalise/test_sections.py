"""Section detection: the 一…六 outline survives a missing or repeated numeral."""

from __future__ import annotations

from normalise import SourcePage
from normalise.pipeline import normalise_page

TITLE = "某某县2023年政府信息公开工作年度报告"
STANDARD = {
    "一": "总体情况",
    "二": "主动公开政府信息情况",
    "三": "收到和处理政府信息公开申请情况",
    "四": "政府信息公开行政复议、行政诉讼情况",
    "五": "存在的主要问题及改进情况",
    "六": "其他需要报告的事项",
}


def _sections(lines: list[str]) -> tuple[list[str], str, tuple[dict[str, object], ...]]:
    body = "\n".join([TITLE, *lines]).encode()
    page = SourcePage(url="http://x.gov.cn/a.txt", body=body, content_type="text/plain")
    [record] = normalise_page(page)
    return [str(s["number"]) for s in record.sections], record.text, record.sections


def _heading(num: str, title: str | None = None) -> list[str]:
    return [f"{num}、{title or STANDARD[num]}", f"{STANDARD.get(num, num)}的正文。"]


def test_all_six_in_order() -> None:
    numbers, text, sections = _sections([x for n in "一二三四五六" for x in _heading(n)])
    assert numbers == list("一二三四五六")
    for s in sections:
        assert text[int(s["start"]) :].startswith(f"{s['number']}、")  # type: ignore[call-overload]
    assert sections[-1]["end"] == len(text)


def test_missing_heading_does_not_hide_the_rest() -> None:
    numbers, text, sections = _sections([x for n in "一二四五六" for x in _heading(n)])
    assert numbers == list("一二四五六")
    four = sections[2]
    assert text[int(four["start"]) : int(four["end"])].startswith("四、政府信息公开行政复议")  # type: ignore[call-overload]


def test_first_heading_missing() -> None:
    numbers, _, _ = _sections([x for n in "二三四五六" for x in _heading(n)])
    assert numbers == list("二三四五六")


def test_repeated_numeral_keeps_both_headings() -> None:
    lines = (
        _heading("一")
        + _heading("二")
        + _heading("三")
        + _heading("三", "政府信息公开行政复议、行政诉讼情况")  # 四 mistyped as 三
        + _heading("五")
        + _heading("六")
    )
    numbers, text, sections = _sections(lines)
    assert numbers == ["一", "二", "三", "三", "五", "六"]
    assert text[int(sections[3]["start"]) :].startswith("三、政府信息公开行政复议")  # type: ignore[call-overload]
    starts = [int(s["start"]) for s in sections]  # type: ignore[call-overload]
    assert starts == sorted(set(starts))


def test_list_restarting_inside_a_section_is_not_the_outline() -> None:
    nested = ["一、加强组织领导", "二、完善工作机制", "三、强化平台建设", "四、抓好队伍建设"]
    lines = _heading("一") + _heading("二") + _heading("三") + _heading("四") + _heading("五")
    lines += nested + _heading("六")
    numbers, text, sections = _sections(lines)
    assert numbers == list("一二三四五六")
    assert [s["title"] for s in sections][4] == "存在的主要问题及改进情况"
    # the nested list stays inside section 五
    five = sections[4]
    assert "四、抓好队伍建设" in text[int(five["start"]) : int(five["end"])]  # type: ignore[call-overload]


def test_no_headings_no_sections() -> None:
    numbers, _, _ = _sections(["正文第一段。", "正文第二段。"])
    assert numbers == []
