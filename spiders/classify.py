"""Link classification for focused discovery: which titles are reports, which links lead to them.

Two questions, answered from a link's text and URL only (never the target's content):

- ``classify_title``: is a listed document a 政府信息公开工作年度报告 (``annual_report``) or a
  政府信息公开指南 (``guide``)? Everything else is not fetched.
- ``nav_score``: how promising is a navigation link for reaching report columns? Report
  columns score highest, disclosure portals and per-unit sub-columns next; news, services,
  interaction and search score negative and are never followed.

Word lists and URL segments are data (module constants), not branches in code.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from spiders.model import Anchor, DocKind

# --- document titles ---------------------------------------------------------------------

REPORT_WORDS = re.compile(r"年度报告|年报|年度工作报告")
DISCLOSURE_WORDS = re.compile(r"信息公开|政务公开|公开工作")
# "年报" and "年度报告" also name statistics, enterprise and budget reports: not ours unless
# the title also speaks of disclosure.
REPORT_NOISE = re.compile(r"统计|企业|决算|预算|财务|审计|社会责任|质量|信用|环境状况|年鉴")
GUIDE_TITLE = re.compile(r"(信息公开|政务公开|依申请公开)(工作)?指南")
YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)\s*(?:年|年度)?")
YEAR_ONLY = re.compile(r"^\s*((?:19|20)\d{2})\s*(年度?)?\s*$")


def classify_title(title: str) -> DocKind | None:
    """``annual_report``, ``guide`` or None (not a disclosure report) for a listed title."""
    if GUIDE_TITLE.search(title):
        return "guide"
    if REPORT_WORDS.search(title) and (
        DISCLOSURE_WORDS.search(title) or not REPORT_NOISE.search(title)
    ):
        return "annual_report"
    return None


COLUMN_NAME = re.compile(
    r"(政府|本机关|本单位|部门|单位|乡镇|街道|县直|区直|市直|历年|本级|各部门|各单位)?"
    r"(信息公开|政务公开)?(工作)?(年度报告|年报|指南)(专栏|栏目|汇总)?"
)


def is_column_name(text: str) -> bool:
    """True for a bare column name ("政府信息公开年报"): a link to a column, not a document."""
    return bool(COLUMN_NAME.fullmatch(text.strip()))


ELLIPSIS = re.compile(r"(\.\.\.|…|。。。)\s*$")
# Titles that are not reports even when filed in a report column (letters, notices...).
NOT_A_REPORT = re.compile(
    r"关于|通知|函|公告|公示|意见|办法|方案|决定|批复|会议|简报|动态|制度|规定|解读|要点|计划"
)


def classify_truncated(title: str) -> DocKind | None:
    """A listing title cut short ("某县2023年政府信息公开工作年…"): a report if what is left
    names disclosure and a year, a guide if it reaches "指南" (full titles: classify_title)."""
    if not ELLIPSIS.search(title):
        return None
    if "指南" in title and DISCLOSURE_WORDS.search(title):
        return "guide"
    if DISCLOSURE_WORDS.search(title) and YEAR.search(title) and not NOT_A_REPORT.search(title):
        return "annual_report"
    return None


def classify_column_member(title: str, column_label: str) -> DocKind | None:
    """A document filed in a report or guide column whose title does not say what it is
    ("县教育局", "2023年度"): the column's kind, unless the title names another genre."""
    if not title.strip() or NOT_A_REPORT.search(title):
        return None
    return "guide" if "指南" in column_label else "annual_report"


def title_year(title: str) -> int | None:
    """The year a title names (the report year for reports), or None."""
    m = YEAR.search(title)
    return int(m.group(1)) if m else None


def year_only(text: str) -> int | None:
    """The year when the text is only a year ("2023", "2023年度"): a by-year sub-column."""
    m = YEAR_ONLY.match(text)
    return int(m.group(1)) if m else None


# --- navigation --------------------------------------------------------------------------

REPORT_COLUMN_TEXT = re.compile(r"(信息公开|政务公开)?(工作)?(年度报告|年报)|公开年报")
GUIDE_COLUMN_TEXT = re.compile(r"(信息公开|政务公开|依申请公开)(工作)?指南")
PORTAL_TEXT = re.compile(r"政府信息公开|信息公开|政务公开|公开目录|法定主动公开")
# By-unit sub-columns: a county's bureaus, towns and offices, named as such.
UNIT_TEXT = re.compile(
    r"部门|乡镇|街道|县直|区直|市直|单位|机构|(局|委员会|管委会|委|办公室|办|办事处|处|署|镇|乡|中心)$"
)
SERVICE_AGENCY = re.compile(r"(服务|审批|办事).*(局|中心|办公室|委员会|管委会|办事处)$")
NEGATIVE_TEXT = re.compile(
    r"新闻|要闻|动态|图片|视频|专题|办事(?!处)|服务|互动|留言|信箱|咨询|投诉|搜索|检索|登录|注册|"
    r"招聘|招标|采购|English|无障碍|长者|关怀|网站地图|联系我们|走进|旅游|投资|政策解读|"
    r"民意|征集|调查|访谈|直播|申请|重点领域"
)

REPORT_SEGMENTS = frozenset(
    {"zfxxgknb", "gknb", "xxgknb", "xxgkndbg", "ndbg", "zwgknb", "gkndbg", "nb", "ndbb", "xxgknb_"}
)
GUIDE_SEGMENTS = frozenset({"zfxxgkzn", "gkzn", "xxgkzn", "zwgkzn"})
PORTAL_SEGMENTS = frozenset(
    {"zfxxgk", "xxgk", "zwgk", "gkml", "gkmlpt", "govinfo", "zdgk", "fdzdgknr"}
)
NEGATIVE_SEGMENTS = frozenset(
    {
        "search",
        "ss",
        "xwzx",
        "xwdt",
        "ywdt",
        "bsfw",
        "hdjl",
        "zmhd",
        "hdhy",
        "login",
        "user",
        "member",
        "english",
        "en",
        "video",
        "tpxw",
        "ztzl",
        "zt",
        "wsbs",
        "jact",
        "ssp",
        "so",
    }
)
REPORT_URL_HINTS = ("xxgkannualreport", "annualreport", "nianbao")

# Scores: >= FOLLOW_FROM_HOME is followed from anywhere; >= FOLLOW_IN_PORTAL only once
# inside a disclosure portal; report and guide columns are always followed.
SCORE_REPORT_COLUMN = 100
SCORE_GUIDE_COLUMN = 90
SCORE_YEAR_COLUMN = 80
SCORE_PORTAL = 50
SCORE_UNIT = 30
SCORE_NONE = 0
SCORE_NEGATIVE = -100
FOLLOW_FROM_HOME = SCORE_PORTAL
FOLLOW_IN_PORTAL = SCORE_UNIT


@dataclass(frozen=True, slots=True)
class NavScore:
    """A navigation link's score and the rule that gave it (recorded as provenance)."""

    score: int
    rule: str


def _segments(url: str) -> list[str]:
    path = unquote(urlsplit(url).path).lower()
    segs = [s for s in path.split("/") if s]
    # The last segment is a file name (index.html, nlist.htm): keep its stem too.
    if segs and "." in segs[-1]:
        segs[-1] = segs[-1].rsplit(".", 1)[0]
    return segs


def nav_score(anchor: Anchor, *, in_report_column: bool = False) -> NavScore:
    """How promising ``anchor`` is as a way to report columns (see module docstring).

    ``in_report_column``: the page holding the link is itself a report column, where bare
    year links ("2023") are by-year sub-columns.
    """
    text = anchor.text
    url_l = anchor.url.lower()
    segs = _segments(anchor.url)
    if any(h in url_l for h in REPORT_URL_HINTS):
        return NavScore(SCORE_REPORT_COLUMN, "url:annual-report-module")
    if text and REPORT_COLUMN_TEXT.search(text) and not REPORT_NOISE.search(text):
        return NavScore(SCORE_REPORT_COLUMN, "text:report-column")
    if text and GUIDE_COLUMN_TEXT.search(text):
        return NavScore(SCORE_GUIDE_COLUMN, "text:guide-column")
    if year_only(text) is not None and (
        in_report_column or REPORT_COLUMN_TEXT.search(anchor.section)
    ):
        return NavScore(SCORE_YEAR_COLUMN, "text:year-subcolumn")
    if text and SERVICE_AGENCY.search(text) and len(text) <= 30:
        # 行政审批服务局, 政务服务管理局, 政务服务中心: agencies named after the services they
        # run (the seed agencies are such), not the portal's service section.
        return NavScore(SCORE_UNIT, "text:unit-column")
    negative = bool(text and NEGATIVE_TEXT.search(text)) or any(
        s in NEGATIVE_SEGMENTS for s in segs
    )
    if negative:
        return NavScore(SCORE_NEGATIVE, "negative")
    if any(s in REPORT_SEGMENTS for s in segs):
        return NavScore(SCORE_REPORT_COLUMN, "url:report-column")
    if any(s in GUIDE_SEGMENTS for s in segs):
        return NavScore(SCORE_GUIDE_COLUMN, "url:guide-column")
    if text and PORTAL_TEXT.search(text):
        return NavScore(SCORE_PORTAL, "text:disclosure-portal")
    # Only the portal itself (/zwgk/, /xxgk/index.html), not everything below it: a portal
    # holds every other column too.
    column_segs = [s for s in segs if s not in ("index", "default", "list", "nlist")]
    if column_segs and column_segs[-1] in PORTAL_SEGMENTS:
        return NavScore(SCORE_PORTAL, "url:disclosure-portal")
    if text and UNIT_TEXT.search(text) and len(text) <= 30:
        return NavScore(SCORE_UNIT, "text:unit-column")
    return NavScore(SCORE_NONE, "none")


def repeats_segment(url: str) -> bool:
    """True when the path repeats a segment back to back (``/gknb/gknb/``): the signature of
    a relative link resolved against its own column, which portals answer with the same page
    at ever longer URLs."""
    segs = [s for s in unquote(urlsplit(url).path).split("/") if s]
    return any(a == b for a, b in itertools.pairwise(segs))


def is_report_column(url: str, text: str = "") -> bool:
    """True when a column (by its URL or the link text that led to it) holds reports/guides."""
    return nav_score(Anchor(url, text)).score >= SCORE_GUIDE_COLUMN


# --- pagination --------------------------------------------------------------------------

NEXT_TEXT = re.compile(r"^(下一页|下页|后一页|next|>|›|»)$", re.I)
PAGE_NUMBER = re.compile(r"^\[?\d{1,3}\]?$")


def is_pagination(anchor: Anchor) -> bool:
    """A generic "next page" or page-number link (used when no platform rule applies)."""
    text = anchor.text.strip()
    return bool(NEXT_TEXT.match(text) or PAGE_NUMBER.match(text))
