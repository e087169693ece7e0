"""Word lists and patterns of the normaliser, in one place.

Every pattern is applied to *folded* text (see ``normalise.text.fold``: full-width
ASCII is plain ASCII there), so it only spells the ASCII form of digits and
punctuation. Titles and labels are matched on the compact form (no spaces).
"""

from __future__ import annotations

import re

# --- titles ---------------------------------------------------------------------------
# Longest title line the segmenter considers: titles are short; body sentences are not.
MAX_TITLE_CHARS = 80
# A line ending in sentence punctuation is prose, never a title.
PROSE_ENDINGS = tuple("。;,:!?；，：！？、")
_YEAR = r"(?P<year>(?:19|20)\d{2}|[〇○零Ｏ一二三四五六七八九]{4})"
# "<agency><year>年(度)政府信息公开(工作)(年度)报告" and its variants.
REPORT_TITLE = re.compile(
    r"^(?P<agency>[^\d,.;:!?。，；：！？《》]{0,40}?)" + _YEAR + r"年度?的?"
    r"(?:政府信息(?:与政务)?公开|政务公开|信息公开)(?:工作)?(?:年度|年)?(?:报告|年报)"
    r"(?:\((?:全文|摘要|修订版|更正版)\))?$"
)
# "<agency>政府信息公开指南" with an optional edition in brackets.
GUIDE_TITLE = re.compile(
    r"^(?P<agency>[^\d,.;:!?。，；：！？《》]{0,40}?)(?:政府|政务)?信息公开指南"
    r"(?:\((?:\d{4}年?)?(?:版|修订版|修订)?\))?$"
)
# A "title" whose agency part starts like a list item is a heading inside a document.
LIST_MARKER = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.]|\(?[一二三四五六七八九十\d]+\)|第[一二三四五六七八九十\d]+[章节部分])"
)
# Values of 来源/发布机构 that name no agency.
AGENCY_STOPWORDS = frozenset(
    {"本站", "本网", "本网站", "原创", "网络", "互联网", "其他", "转载", "未知"}
)
# Words in front of an agency in a title that are not part of its name.
AGENCY_PREFIXES = ("关于印发", "关于", "印发", "转发")

# --- header lines of a document ---------------------------------------------------------
# "时间:2024-01-30", "发布时间:2021-01-25 15:27:59", "发布日期:二○一二年二月二十日".
DATE_LABELS = ("发布时间", "发布日期", "公开日期", "时间", "日期")
DATE_LINE = re.compile(
    r"(?:发布时间|发布日期|公开日期|(?<![成印])时间|(?<![成印])日期)\s*:\s*(?P<v>.+)"
)
# The value stops at page-tool brackets: real pages print "来源:X【字体:大 中 小】".
SOURCE_LINE = re.compile(
    r"(?:发布机构|信息来源|文章来源|来源)\s*:\s*(?P<v>[^\s:|【\[〔(（<《]{2,40})"
)
# How many lines after a title may still carry its date/source ("header").
HEADER_LINES = 4

# --- page metadata (HTML head and metadata tables) --------------------------------------
META_TITLE_NAMES = ("ArticleTitle", "articletitle", "title", "Title")
META_DATE_NAMES = (
    "PubDate",
    "pubdate",
    "publishdate",
    "PublishDate",
    "publishtime",
    "PublishTime",
    "firstpublishedtime",
    "release_date",
)
META_SOURCE_NAMES = ("ContentSource", "contentsource", "source", "Source")
# Label cells of the metadata tables (索引号 / 发布机构 / 发布日期 ...) that many CMSs print.
TABLE_DATE_LABELS = ("发布日期", "发布时间", "公开日期")
TABLE_SOURCE_LABELS = ("发布机构", "发文机关", "信息来源", "来源")
# The site name after a separator in <title>: "标题_栏目_网站".
TITLE_SEPARATORS = re.compile(r"\s*(?:_|\||—|--| - )\s*")

# --- statistics period and body statements of the year ---------------------------------
STAT_PERIOD = re.compile(
    r"统计(?:期限|时限|时间|区间|周期)(?:为|是)?\s*(?:自|从|为)?\s*" + _YEAR + r"年"
)
BODY_YEAR_STATEMENT = re.compile(
    r"(?:编制|公布|发布|形成|特向社会公布)(?:了|完成)?(?:的)?(?:本单位|本机关)?" + _YEAR + r"年度?"
    r"(?:本单位|本机关)?(?:的)?(?:政府信息公开|政务公开|信息公开)(?:工作)?年度?报告"
)

# --- agencies in the body -----------------------------------------------------------------
_ORG_SUFFIX = (
    r"(?:管理局|服务局|委员会|管委会|办公室|办事处|服务中心|中心|人民政府|政府|"
    r"局|厅|委|办|院|署|所|站|馆)"
)
# A place (省/市/县/区...) followed by an office name.
BODY_AGENCY = re.compile(
    r"(?P<org>[\u4e00-\u9fa5]{2,10}?(?:自治区|省|市|州|盟|县|区|旗|镇|乡|街道)"
    r"[\u4e00-\u9fa5]{1,14}?" + _ORG_SUFFIX + r")(?![\u4e00-\u9fa5]{0,1}(?:窗口|大厅|网站|网|平台))"
)
PLACE_START = re.compile(r"^[\u4e00-\u9fa5]{2,10}?(?:自治区|省|市|州|盟|县|区|旗|镇|乡|街道)")
# A line that is just an office name (a signature, or the first half of a split title).
AGENCY_LINE = re.compile(r"^[\u4e00-\u9fa5()]{2,40}" + _ORG_SUFFIX + r"$")
# Leading words the body pattern swallows that are not part of a name.
AGENCY_NOISE_PREFIXES = (
    "公开了",
    "公开",
    "通过",
    "经过",
    "根据",
    "由",
    "对",
    "向",
    "在",
    "将",
    "为",
    "与",
    "和",
    "及",
    "我",
    "据",
    "了",
    "是",
)
# How a report refers to its own office, by the office's suffix.
SELF_REFERENCES = (
    (("我局", "本局"), ("局",)),
    (("我委", "本委"), ("委员会", "委")),
    (("我办", "本办"), ("办公室", "办")),
    (("本中心", "我中心"), ("中心",)),
    (("我院", "本院"), ("院",)),
    (("我厅", "本厅"), ("厅",)),
    (("我区", "全区"), ("区", "管委会", "政府")),
    (("我县", "全县"), ("县", "政府")),
    (("我市", "全市"), ("市", "政府")),
)

# --- sections ---------------------------------------------------------------------------
SECTION_HEADING = re.compile(
    r"^(?P<num>[一二三四五六七八九十]{1,3})\s*[、.．]\s*(?P<title>\S.{0,48})$"
)
# The report format's own headings (国办公开办函〔2021〕30号), by numeral: a heading that
# carries its standard words outweighs a list that restarts at 一 inside a section.
STANDARD_SECTION_WORDS: dict[int, tuple[str, ...]] = {
    1: ("总体情况",),
    2: ("主动公开政府信息情况",),
    3: ("收到和处理政府信息公开申请情况", "依申请公开"),
    4: ("行政复议", "行政诉讼"),
    5: ("存在的主要问题", "改进情况"),
    6: ("其他需要报告的事项", "其他需要报告"),
}
SECTION_STANDARD_BONUS = 2.0
SECTION_SKIP_COST = 0.5  # per numeral missing between two headings (or before the first)
SECTION_REPEAT_COST = 0.5  # the same numeral twice in a row (a typo in the source)
# Row labels of the standard report tables that look like section headings.
TABLE_ROW_LABELS = (
    "本年新收政府信息公开申请数量",
    "上年结转政府信息公开申请数量",
    "本年度办理结果",
    "结转下年度继续办理",
)

# --- chrome -------------------------------------------------------------------------------
# Whole lines (compact form) that are page furniture, never document text.
CHROME_LINES = frozenset(
    {
        "扫一扫在手机上查看当前页面",
        "扫一扫在手机打开当前页",
        "附件下载",
        "相关解读",
        "文字解读",
        "图片解读",
        "图文解读",
        "视频解读",
        "访谈解读",
        "媒体报道",
        "政策解读",
        "相关链接",
        "相关链接:",
        "相关文件",
        "打印本页",
        "打印",
        "关闭窗口",
        "关闭",
        "【打印】",
        "【关闭】",
        "[打印]",
        "[关闭]",
        "【关闭窗口】",
        "【打印本页】",
        "分享到:",
        "分享:",
        "微信",
        "微博",
        "QQ空间",
        "全真版",
        "文字版",
        "文件下载",
        "语音播报",
        "简明问答",
        "返回顶部",
        "收藏",
        "字号:大中小",
        "【字体:大中小】",
        "[字体:大中小]",
        "字体:大中小",
        "【大中小】",
        "上一篇",
        "下一篇",
    }
)
# Lines made of chrome words separated by bars ("语音播报 | 简明问答 | 图文解读").
CHROME_BAR_WORDS = frozenset({"语音播报", "简明问答", "图文解读", "打印", "关闭", "收藏", "分享"})
CHROME_PATTERNS = (
    re.compile(r"^当前位置\s*[:>]"),  # breadcrumbs
    re.compile(r"^您(?:现在)?的?位置\s*[:>]"),
    re.compile(r"^(?:首页\s*[>»/]\s*)"),
    re.compile(r"^【?\s*字体\s*[:]?\s*[【\[]?\s*大\s*[】\]]?\s*[【\[]?\s*中"),
    re.compile(r"^(?:浏览|阅读|访问|点击)(?:次数|量)?\s*[:]\s*\d*$"),
    re.compile(
        r"^(?:版权所有|主办单位|承办单位|网站标识码|ICP备案|[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼]ICP备|公网安备|技术支持)"
    ),
    re.compile(r"^(?:上一篇|下一篇)\s*[:]"),
)

# --- injected spam ------------------------------------------------------------------------
# Lines injected into hacked pages: lottery, gambling, porn SEO. Only short lines are
# judged (a report sentence may mention 彩票 in passing; a spam line is a bare keyword run).
SPAM_MAX_CHARS = 80
SPAM_TERMS = (
    "六合彩",
    "六合",
    "生肖",
    "特码",
    "码报",
    "平特",
    "一肖",
    "开奖",
    "49码",
    "免费完整资料",
    "资料大全",
    "彩票网",
    "时时彩",
    "北京赛车",
    "百家乐",
    "博彩",
    "赌场",
    "赌博",
    "娱乐城",
    "真人娱乐",
    "棋牌",
    "老虎机",
    "葡京",
    "威尼斯人",
    "太阳城",
    "金沙",
    "澳门彩",
    "香港彩",
    "港彩",
    "澳彩",
    "体育投注",
    "足球投注",
    "成人影",
    "色情",
    "av",
    "一夜情",
    "约炮",
    "伦理片",
)
# Terms that make a short line spam on their own; the others need two hits.
SPAM_STRONG = frozenset(
    {
        "六合彩",
        "特码",
        "码报",
        "免费完整资料",
        "时时彩",
        "百家乐",
        "博彩",
        "娱乐城",
        "老虎机",
        "49码",
        "一肖",
        "约炮",
        "伦理片",
    }
)

# --- listings -------------------------------------------------------------------------------
LISTING_DATE = re.compile(r"(?:19|20)\d{2}[-/.年]\d{1,2}[-/.月]\d{1,2}")
LISTING_MIN_ENTRIES = 5
MIN_LINK_TEXT = 6
# Keys of the list items a page keeps as JSON in a script (Hanweb jpaas, TRS avalon data).
SCRIPT_TITLE_KEYS = ("title", "doctitle", "docTitle", "DocTitle", "showTitle")
SCRIPT_URL_KEYS = ("urls", "url", "link", "href", "docpuburl", "DocPubUrl", "chnldocurl")
SCRIPT_DATE_KEYS = (
    "pubDate",
    "pubdate",
    "publishTime",
    "publishtime",
    "docreltime",
    "DocRelTime",
    "releaseDate",
    "date",
    "time",
)

# --- attachments ----------------------------------------------------------------------------
# File types a document links as attachments (by extension in the path, in a download
# module's file-name parameter, or in the link text). Images count only inside the content
# (a scanned report); elsewhere they are page chrome.
DOCUMENT_EXTENSIONS = frozenset(
    {"pdf", "doc", "docx", "wps", "xls", "xlsx", "et", "ofd", "rtf", "zip", "rar", "7z"}
)
IMAGE_EXTENSIONS = frozenset({"jpg", "jpeg", "png", "gif", "bmp", "tif", "tiff"})
# Query parameters of download modules that carry the file's name (Hanweb downfile.jsp,
# TRS download, "attach/get?fileName=").
ATTACHMENT_NAME_PARAMS = frozenset({"filename", "name", "file", "filepath", "path", "fname"})
# A download module path, whose link text names the file ("2023年报.pdf").
DOWNLOAD_PATH = re.compile(r"down(?:load)?|attach|/files?/|getfile", re.I)
EXT_IN_TEXT = re.compile(r"\.(pdf|docx?|wps|xlsx?|ofd|et|rtf|zip|rar)\b", re.I)
# Class/id of the block a portal prints attachments in, outside the article body
# (Fujian TRS "article_attachment"/"file_ul_fj", "fj", "xgfj", "appendix", "attach").
ATTACHMENT_ZONE = re.compile(
    r"attach|appendix|enclosure|fujian|\bfj\b|_fj\b|\bfj_|xgfj|download|\bfile", re.I
)
# Page chrome that may hold file links that are not the document's (footers, menus).
CHROME_ZONE = re.compile(
    r"footer|\bfoot\b|header|\bhead\b|\bnav|menu|banner|yqlj|friend|related|xgwz|xglj|sidebar",
    re.I,
)
# How many ancestors of a link are looked at for those zones.
ZONE_DEPTH = 6
# How far above the content element the article's container (title, body, attachments)
# may start: attachment links after the content inside it belong to the document.
ARTICLE_LEVELS = 3
CHROME_IMAGE = re.compile(
    r"logo|icon|banner|btn|button|arrow|share|qrcode|ewm|gongan|beian|jiucuo|blank|spacer", re.I
)
# A document whose own text is only a pointer to its attachment ("详见附件"): the report
# is the attached file. Short text (title and attachment lines aside) or a pointer phrase.
STUB_PHRASES = (
    "详见附件",
    "见附件",
    "请见附件",
    "详情见附件",
    "具体见附件",
    "全文见附件",
    "请查看附件",
    "请下载附件",
    "点击下载",
    "附件下载",
)
STUB_MAX_CHARS = 120  # text this short (without title and attachment lines) is a stub
STUB_PHRASE_MAX_CHARS = 600  # with a pointer phrase, text up to this long is a stub
ATTACHMENT_LINE = re.compile(r"^(?:附件|附:|相关附件|附件下载)\s*[:\d]*", re.I)
