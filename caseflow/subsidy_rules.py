"""The named checks on subsidy roster lines (DOMAIN.md §5.2) and the evidence keys of §5.1.

Only names and sources live here; which checks apply to a claim type, and every figure a check
uses, are policy data (``subsidy_types`` and ``subsidy_thresholds`` in caseflow/policy/data/).
No rule logic: the checks themselves belong to the roster checker.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class RuleName:
    code: str
    label_zh: str
    label_en: str
    source: str  # the policy (or standard) the check enforces

    def label(self, english: bool) -> str:
        return self.label_en if english else self.label_zh


_ID = "GB 11643-1999《公民身份号码》"
_SU = "技能提升补贴政策（人社部发〔2017〕40号；国办发〔2019〕24号）；DOMAIN.md §5.1"
_DOMAIN = "DOMAIN.md §5.2"

_RULES = (
    RuleName("id_format", "身份证号码格式", "ID number format", _ID),
    RuleName("id_checksum", "身份证号码校验码", "ID number check character",
             f"{_ID}；ISO 7064 MOD 11-2"),
    RuleName("id_birthdate", "身份证号码出生日期", "Birth date in the ID number", _ID),
    RuleName("age_range", "年龄范围（16周岁以上、未达退休年龄）",
             "Age range (16 or over, below retirement age)",
             "《中华人民共和国劳动法》第十五条；法定退休年龄（subsidy_thresholds）"),
    RuleName("duplicate_in_roster", "花名册内重复", "Duplicate within the roster", _DOMAIN),
    RuleName("duplicate_prior_claim", "同一职业同一等级已享受补贴",
             "Same occupation and level already subsidised",
             f"{_SU}（同一职业（工种）同一等级只能享受一次）"),
    RuleName("higher_level_claimed", "已享受同一职业更高等级补贴",
             "A higher level of the same occupation already subsidised", _SU),
    RuleName("yearly_limit", "超过每人每年享受次数", "Yearly count per person exceeded",
             f"{_SU}；subsidy_types"),
    RuleName("certificate_reused", "证书已用于其他补贴",
             "Certificate already used for another subsidy", _SU),
    RuleName("certificate_window", "超过证书核发后申领期限",
             "Outside the claim window after the certificate date", _SU),
    RuleName("insurance_months", "失业保险缴费月数不足", "Too few months of unemployment insurance",
             _SU),
    RuleName("excluded_group", "不属于补贴对象（学生、退休人员、机关事业单位养老保险参保人员等）",
             "Excluded group (students, retirees, public-institution pension scheme…)",
             "川人社规〔2025〕11号；DOMAIN.md §5.1"),
    RuleName("not_in_catalogue", "机构或职业不在目录内（不进不补）",
             "Provider or occupation not on the catalogue",
             "两目录一系统（川人社办发〔2023〕70号）；DOMAIN.md §5.1"),
    RuleName("barred", "列入失信（禁入）名单", "On the barred list", "DOMAIN.md §5.2, §6"),
    RuleName("overlapping_class", "同一人参加时间重叠的培训班",
             "Same person in classes with overlapping dates", _DOMAIN),
    RuleName("shared_bank_account", "同一银行账户收取多名无关人员补贴",
             "One bank account for many unrelated people", _DOMAIN),
    RuleName("amount_mismatch", "申报金额与政策计算金额不符",
             "Amount claimed differs from the amount the policy gives", _DOMAIN),
)  # fmt: skip

RULES = MappingProxyType({r.code: r for r in _RULES})
RULE_CODES = tuple(RULES)

# Evidence a claim type asks for (the keys listed by ``<type>.evidence`` in subsidy_types).
EVIDENCE = MappingProxyType({
    "roster": ("实名制花名册", "Real-name roster"),
    "training_plan": ("培训计划（教学计划）", "Training plan"),
    "labour_contracts": ("劳动合同", "Labour contracts"),
    "attendance": ("培训考勤记录", "Attendance records"),
    "certificates": ("职业资格证书或职业技能等级证书", "Certificates"),
    "completion_records": ("结业（考核）记录", "Completion records"),
    "insurance_records": ("失业保险参保缴费记录", "Unemployment insurance records"),
    "fee_receipts": ("收费票据", "Fee receipts"),
    "fee_approval": ("评价收费核定文件", "Approved evaluation fee"),
    "eligibility_proof": ("人员类别证明（就业困难人员等）", "Proof of eligible group"),
    "employment_proof": ("就业证明（劳动合同或社保记录）", "Proof of local employment"),
    "project_approval": ("项目批复文件", "Project approval"),
    "bank_account": ("收款银行账户", "Bank account for payment"),
})  # fmt: skip
