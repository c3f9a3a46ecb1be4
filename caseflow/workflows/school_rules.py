"""The named rules of Workflow A (school establishment, ``school_establishment.py``): who may
file which kind, the name rules and prerequisites checked at submission, and the end of the
public notice by authority. Every figure and word list is read from the policy data in effect on
the day of the action; the scoring and inspection sheets are in ``school_panel.py``.
"""

from __future__ import annotations

from caseflow import policy
from caseflow.policy.model import OPERATORS, UNITS
from caseflow.workflows.errors import Reason
from caseflow.workflows.registry import guard, router

# The tier a kind establishes (the group of the name rules and of the standards). A branch
# (分校/教学点) takes the tier of the school that files it.
KIND_TIER = {
    "new_technical_school": "technical_school",
    "new_senior_school": "senior_technical_school",
    "new_technician_college": "technician_college",
    "upgrade_senior": "senior_technical_school",
    "upgrade_college": "technician_college",
    "branch": None,
}
# 技师学院 are approved by the provincial government (国发〔2012〕52号).
GOVERNMENT_KINDS = frozenset({"new_technician_college", "upgrade_college"})
# Upgrades and branches are filed by the school itself; new schools by a sponsor (or a school).
SCHOOL_FILED_KINDS = frozenset({"upgrade_senior", "upgrade_college", "branch"})
# Each prerequisite of the policy data (school_prerequisites) and the form fields it reads;
# both leaders must meet a rule about "the president and the teaching vice-president".
PREREQUISITE_FIELDS = {
    "current_tier": ("current_tier",),
    "passed_evaluation": ("passed_evaluation",),
    "senior_class_majors": ("senior_class_majors",),
    "technician_classes": ("technician_classes",),
    "leaders_degree": ("president_degree", "vice_president_degree"),
    "leaders_qualification": ("president_qualification", "vice_president_qualification"),
    "president_experience": ("president_experience_years",),
}


def tier_of(case) -> str | None:
    """The tier the case is about: the kind's, or for a branch the filing school's."""
    return tier_for(case.kind, case.applicant_org)


def tier_for(kind: str, org) -> str | None:
    """The tier a case of ``kind`` filed by ``org`` is about (see ``tier_of``)."""
    tier = KIND_TIER.get(kind)
    if tier is None and org is not None:
        tier = org.tier
    return tier


def rule_text(value, english: bool) -> str:
    """A policy value as a requirement people read, e.g. ``已开办高级工班的专业 ≥ 2 个专业``."""
    label, text = value.label(english), value.text(english)
    if text:
        return f"{label}: {text}" if english else f"{label}：{text}"
    if value.operator == "==" and value.value is True:
        return label
    symbol = OPERATORS[value.operator][1 if english else 0] if value.operator else ""
    unit = UNITS[value.unit].label(english) if value.unit else ""
    return f"{label} {symbol} {value.value}{' ' if english else ''}{unit}".strip()


def refusal(code: str, lead_zh: str, lead_en: str, zh: list[str], en: list[str]) -> Reason:
    return Reason(code, lead_zh + "；".join(zh) + "。", lead_en + "; ".join(en) + ".")


@guard("se_filer_fits_kind")
def filer_fits_kind(ctx):
    """An upgrade or a branch is filed by the school itself."""
    org = ctx.case.applicant_org
    if ctx.case.kind in SCHOOL_FILED_KINDS and (org is None or org.kind != "school"):
        return Reason("filer_not_school", "升格和设立分校须由学校本身申报。",
                      "An upgrade or a branch is filed by the school itself.")  # fmt: skip
    return None


@guard("se_name_allowed")
def name_allowed(ctx):
    """The name ends in its tier (and in no higher tier), and uses no forbidden word and no
    other province's place name (policy ``school_name_rules``)."""
    name = (ctx.case.data.get("school_name") or "").strip()
    if not name:
        return None  # a missing name is reported by application_complete
    rules = policy.current("school_name_rules", on=ctx.today)
    zh, en = [], []
    tier = KIND_TIER.get(ctx.case.kind)
    if tier is not None:
        suffix = rules.get(f"{tier}.suffix")
        endings = [v.value for v in rules.values.values() if v.name == "suffix"]
        longest = max((s for s in endings if name.endswith(s)), key=len, default=None)
        if longest != suffix.value:
            zh.append(f"名称应以“{suffix.value}”结尾")
            en.append(f"the name must end in “{suffix.value}”")
    for key in ("forbidden_words", "other_province_names"):
        entry = rules.get(key)
        found = [word for word in entry.value if word in name]
        if found:
            zh.append(f"{entry.label_zh}：{'、'.join(found)}")
            en.append(f"{entry.label_en}: {', '.join(found)}")
    if zh:
        return refusal("name_not_allowed", f"学校名称“{name}”不符合命名规则：",
                       f"The school name “{name}” breaks the naming rules: ", zh, en)  # fmt: skip
    return None


def _actual(case, field: str):
    org = case.applicant_org
    if field == "current_tier" and org is not None and org.kind == "school" and org.tier:
        return org.tier  # a school's tier is on record; the form's answer is for sponsors
    return case.data.get(field)


@guard("se_prerequisites_met")
def prerequisites_met(ctx):
    """The prerequisites of the kind (policy ``school_prerequisites``) hold for the application."""
    rules = policy.current("school_prerequisites", on=ctx.today)
    zh, en = [], []
    for value in rules.in_group(ctx.case.kind):
        fields = PREREQUISITE_FIELDS.get(value.name)
        if fields is None:  # new policy data this table does not know yet: never skip it
            zh.append(f"{value.label_zh}（系统尚不能核对，请联系系统管理员）")
            en.append(f"{value.label_en} (cannot be checked yet; ask the administrator)")
            continue
        actuals = [_actual(ctx.case, f) for f in fields]
        if any(a in (None, "") or not value.meets(a) for a in actuals):
            zh.append(rule_text(value, False))
            en.append(rule_text(value, True))
    if zh:
        return refusal("prerequisites_unmet", "不符合申请条件：",
                       "The prerequisites are not met: ", zh, en)  # fmt: skip
    return None


@router("se_by_authority", targets=("government_approval", "approved"))
def by_authority(ctx):
    """After the notice: a 技师学院 goes to the provincial government, other kinds are approved."""
    return "government_approval" if ctx.case.kind in GOVERNMENT_KINDS else "approved"


def _reply_issued(case) -> bool:
    from sqlalchemy import select

    from caseflow.extensions import db
    from caseflow.models import Document

    return (
        db.session.scalar(
            select(Document.id)
            .where(Document.case_id == case.id, Document.kind == "approval_reply",
                   Document.event_seq > case.entered_seq)
            .limit(1)
        )
        is not None
    )  # fmt: skip


@guard("se_reply_issued")
def reply_issued(ctx):
    if not _reply_issued(ctx.case):
        return Reason("reply_not_issued", "请先印发批复，再登记备案。",
                      "Issue the approval reply before recording the filing.")  # fmt: skip
    return None


@guard("se_reply_not_issued")
def reply_not_issued(ctx):
    if _reply_issued(ctx.case):
        return Reason("reply_already_issued", "批复已经印发。",
                      "The approval reply has already been issued.")  # fmt: skip
    return None
