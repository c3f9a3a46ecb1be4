"""Document kinds (文书种类) as data: title, number series and the text of the body.

A *series* is one per-year sequence with its number pattern (``{year}``, ``{n}``); several kinds
may share a series (every 函 of the department draws from ``川人社函``). A *kind* names its series,
its title in Chinese and English, and what its body holds. Bodies are ``str.format`` templates
over the document's content snapshot (see ``caseflow.documents.service.snapshot``).

The number pattern of each series is policy data (``caseflow/policy/data/document_numbers.toml``,
dated, with its source): a number is built with the pattern in effect on the day of issue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# The issuing authority (发文机关) printed at the head and signed at the foot of every document.
AUTHORITY = {"zh": "四川省人力资源和社会保障厅",
             "en": "Sichuan Department of Human Resources and Social Security"}  # fmt: skip

# Number series keys; their patterns are in the policy ``document_numbers``. The key is stored
# with every document: never rename one.
SERIES = ("hrss_acceptance", "hrss_supplement", "hrss_refusal", "hrss_letter")

# What a body may contain besides its paragraphs (see ``layout.layout``).
PARTS = frozenset({"items", "reply_by", "reasons", "opinion", "remedies", "time_limit"})


@dataclass(frozen=True)
class Citation:
    """An earlier decision a document cites when the case has one (e.g. the provincial
    government's reply, 省政府复函): the latest event of ``action`` gives its number and date
    (fields of that action, stored in the event's details). Without such an event the document
    says nothing of it. ``text_zh`` / ``text_en`` format ``{number}`` and ``{date}``."""

    key: str
    action: str
    number_field: str
    date_field: str
    text_zh: str
    text_en: str


# 技师学院: the department's reply cites the provincial government's approval (国发〔2012〕52号).
GOVERNMENT_REPLY = Citation(
    "government_reply", "government_approve", "government_reply_number", "government_reply_date",
    "经省人民政府同意（{number}，{date}）。",
    "The Sichuan Provincial People's Government has given its approval ({number}, {date}).",
)  # fmt: skip


@dataclass(frozen=True)
class DocumentKind:
    name: str  # the stored name, used in ``Transition.documents``
    title_zh: str
    title_en: str
    series: str  # a key of SERIES
    body_zh: tuple[str, ...]  # paragraphs before the parts
    body_en: tuple[str, ...]
    parts: frozenset = frozenset()  # from PARTS, in the order layout() prints them
    cites: tuple[Citation, ...] = ()  # printed after the first paragraph, when present

    def pattern(self, on: date | None = None) -> str:
        """The series' number pattern in effect on ``on`` (policy ``document_numbers``)."""
        from caseflow import policy

        return policy.current("document_numbers", on=on).value(self.series)

    def number(self, year: int, n: int, on: date | None = None) -> str:
        return self.pattern(on).format(year=year, n=n)

    def title(self, english: bool) -> str:
        return self.title_en if english else self.title_zh


RECEIVED_ZH = ("你单位提交的{subject_zh}{workflow_zh}（{case_kind_zh}）申请"
               "（案件编号：{reference}）收悉。")  # fmt: skip
RECEIVED_EN = ("We have received your application{subject_en} for {workflow_en} "
               "({case_kind_en}), case {reference}.")  # fmt: skip

KINDS: dict[str, DocumentKind] = {
    k.name: k
    for k in (
        DocumentKind(
            "acceptance_notice", "受理通知书", "Acceptance notice", "hrss_acceptance",
            (RECEIVED_ZH + "经审查，申请材料齐全、符合法定形式，根据《中华人民共和国行政许可法》"
             "第三十二条的规定，决定予以受理。",),
            (RECEIVED_EN + " The application is complete and in the required form; under "
             "Article 32 of the Administrative Licensing Law it is accepted.",),
            frozenset({"time_limit"}),
        ),
        DocumentKind(
            "supplement_notice", "补正通知书", "Supplement notice", "hrss_supplement",
            (RECEIVED_ZH + "经审查，申请材料不齐全或者不符合法定形式，现一次性告知需要补正的"
             "全部内容如下：",),
            (RECEIVED_EN + " The application is incomplete or not in the required form. "
             "These are all the items to be supplied or corrected:",),
            frozenset({"items", "opinion", "reply_by"}),
        ),
        DocumentKind(
            "rejection_decision", "不予许可决定书", "Rejection decision",
            "hrss_refusal",
            (RECEIVED_ZH + "经审查，该申请不符合法定条件，根据《中华人民共和国行政许可法》"
             "第三十八条第二款的规定，决定不予许可。",),
            (RECEIVED_EN + " The application does not meet the statutory conditions; under "
             "Article 38(2) of the Administrative Licensing Law the licence is not granted.",),
            frozenset({"reasons", "remedies"}),
        ),
        DocumentKind(
            "approval_reply", "批复", "Approval reply", "hrss_letter",
            (RECEIVED_ZH + "经审核，同意你单位的申请。",
             "请按照有关规定做好后续工作。"),
            (RECEIVED_EN + " After review, your application is approved.",
             "Please carry out the follow-up work as the regulations require."),
            frozenset(),  # the action's comment is a note of whoever issues it, not a reason
            (GOVERNMENT_REPLY,),
        ),
    )
}  # fmt: skip


def check(kinds: dict[str, DocumentKind] | None = None) -> list[str]:
    """Problems in the tables, as sentences (run on import: a broken table must not start)."""
    out = []
    kinds = KINDS if kinds is None else kinds
    for key in SERIES:
        if len(key) > 40:
            out.append(f"document series {key!r}: the key is longer than 40 characters")
    for kind in kinds.values():
        if kind.series not in SERIES:
            out.append(f"document kind {kind.name!r}: unknown series {kind.series!r}")
        if not kind.parts <= PARTS:
            out.append(f"document kind {kind.name!r}: unknown parts {set(kind.parts - PARTS)}")
        if len(kind.body_zh) != len(kind.body_en):
            out.append(f"document kind {kind.name!r}: Chinese and English bodies differ")
        keys = [c.key for c in kind.cites]
        if len(keys) != len(set(keys)):
            out.append(f"document kind {kind.name!r}: a citation is given twice")
    return out


def register() -> None:
    # Imported here: importing caseflow.workflows before caseflow.models is an import cycle
    # (caseflow.roles ↔ caseflow.models).
    from caseflow.workflows import registry

    found = check()
    if found:
        raise registry.DefinitionError("invalid document kinds:\n" + "\n".join(found))
    for kind in KINDS.values():
        registry.document_kind(kind.name, kind)
