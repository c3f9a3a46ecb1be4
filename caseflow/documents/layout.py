"""The text of an issued document, laid out once for both the HTML print view and the PDF.

The Chinese text is the official document. The English text is a reading aid for English-
speaking users of the web page; the PDF is always the Chinese original.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date

from babel.dates import format_date

TEXT = {
    "zh": {
        "time_limit": "本机关将自受理之日起{days}个工作日内作出决定；依法需要听证、招标、拍卖、"
        "检验、检测、检疫、鉴定和专家评审的，所需时间不计算在上述期限内。",
        "reply_by": "请于{date}前补正。逾期未补正的，本申请按逾期未补正终止办理。",
        "reply_by_provisional": "（该日期按尚未公布的节假日安排暂定。）",
        "opinion": "审查意见：{text}",
        "reasons": "理由：{text}",
        "remedies": "如不服本决定，可以自收到本决定书之日起{reconsideration_days}日内依法申请"
        "行政复议，或者在{litigation_months}个月内依法向人民法院提起行政诉讼。",
        "addressee": "{name}：",
    },
    "en": {
        "time_limit": "We will decide within {days} working days of acceptance; time needed by law "
        "for hearings, tenders, auctions, inspections, tests, quarantine, appraisal or expert "
        "review is not counted.",
        "reply_by": "Please supply the items by {date}. If they are not supplied in time, the "
        "application lapses.",
        "reply_by_provisional": "(The date is provisional: the holiday schedule for that year "
        "has not been published yet.)",
        "opinion": "Opinion: {text}",
        "reasons": "Reasons: {text}",
        "remedies": "If you do not accept this decision, you may apply for administrative "
        "reconsideration within {reconsideration_days} days of receiving it, or bring an "
        "administrative lawsuit before a people's court within {litigation_months} months.",
        "addressee": "To: {name}",
    },
}


@dataclass
class Sheet:
    """One document as it is printed, in one language."""

    lang: str
    authority: str
    number: str
    title: str
    addressee: str
    paragraphs: list[str]  # the body before the items
    items: list[str] = field(default_factory=list)
    closing: list[str] = field(default_factory=list)  # after the items
    date: str = ""


def format_day(value: str, lang: str) -> str:
    day = date.fromisoformat(value)
    if lang == "zh":
        return f"{day.year}年{day.month}月{day.day}日"
    return format_date(day, "long", locale="en")


def compose(spec, number: str, facts: dict) -> dict:
    """The document's text in both languages, stored with it when it is issued (so that a later
    change of wording in ``kinds.py`` never changes a document already issued)."""
    return {lang: asdict(_compose(spec, number, facts, lang)) for lang in ("zh", "en")}


def sheet(document, english: bool = False) -> Sheet:
    """The stored text of an issued document, in the reader's language."""
    return Sheet(**document.content["text"]["en" if english else "zh"])


def _compose(spec, number: str, facts: dict, lang: str) -> Sheet:
    text = TEXT[lang]
    subject = facts.get("subject")  # absent from documents issued before it was recorded
    values = {
        "subject_zh": f"关于“{subject}”的" if subject else "",
        "subject_en": f" concerning “{subject}”" if subject else "",
        "reference": facts["reference"],
        **{f"{key}_{code}": facts[key][code]
           for key in ("workflow", "case_kind") for code in ("zh", "en")},
    }  # fmt: skip
    out = Sheet(
        lang=lang,
        authority=facts["authority"][lang],
        number=number,
        title=facts["title"][lang],
        addressee=text["addressee"].format(name=facts["addressee"]),
        paragraphs=[p.format(**values) for p in (spec.body_en if lang == "en" else spec.body_zh)],
        items=list(facts.get("items") or []) if "items" in spec.parts else [],
        date=format_day(facts["date"], lang),
    )
    cited = facts.get("citations") or {}
    for n, cite in enumerate(c for c in spec.cites if c.key in cited):  # after the first
        found, line = cited[cite.key], cite.text_en if lang == "en" else cite.text_zh
        out.paragraphs.insert(
            1 + n, line.format(number=found["number"], date=format_day(found["date"], lang))
        )
    comment = facts.get("comment")
    if "time_limit" in spec.parts and facts.get("time_limit_days"):
        out.paragraphs.append(text["time_limit"].format(days=facts["time_limit_days"]))
    if "reasons" in spec.parts and comment:
        out.paragraphs.append(text["reasons"].format(text=comment))
    if "opinion" in spec.parts and comment:
        out.closing.append(text["opinion"].format(text=comment))
    reply_by = facts.get("reply_by")
    if "reply_by" in spec.parts and reply_by:
        line = text["reply_by"].format(date=format_day(reply_by["date"], lang))
        if reply_by["provisional"]:
            line += text["reply_by_provisional"]
        out.closing.append(line)
    if "remedies" in spec.parts and facts.get("remedies"):
        out.closing.append(text["remedies"].format(**facts["remedies"]))
    return out
