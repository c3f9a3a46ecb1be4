"""Demo organisations and one user for every role (embedded mode only).

The credit codes are built with a correct GB 32100-2015 check character but belong to no real
organisation.
"""

from caseflow.accounts import create_organisation, create_user
from caseflow.validators import credit_code_check_char

DEMO_PASSWORD = "Demo-caseflow-2026"


def code(category: str, region: str, serial: str) -> str:
    first17 = f"{category}{region}{serial}"
    if len(first17) != 17:
        raise ValueError(f"credit code body must have 17 characters: {first17}")
    return first17 + credit_code_check_char(first17)


# key, name, kind, region, credit code category (11 organ, 12 institution, 52 private
# non-enterprise, 91 company), tier, ownership
ORGS = (
    ("hrss", "四川省人力资源和社会保障厅", "department", "510000", "11", None, None),
    ("finance_prov", "四川省财政厅", "department", "510000", "11", None, None),
    ("gov", "四川省人民政府办公厅", "department", "510000", "11", None, None),
    ("cd_hr", "成都市人力资源和社会保障局", "department", "510100", "11", None, None),
    ("cd_fin", "成都市财政局", "department", "510100", "11", None, None),
    ("my_hr", "绵阳市人力资源和社会保障局", "department", "510700", "11", None, None),
    ("nc_hr", "南充市人力资源和社会保障局", "department", "511300", "11", None, None),
    ("cd_school", "成都市示范技工学校", "school", "510100", "12", "technical_school", "public"),
    (
        "my_school",
        "绵阳市高级技工学校",
        "school",
        "510700",
        "12",
        "senior_technical_school",
        "public",
    ),
    ("nc_college", "南充技师学院", "school", "511300", "12", "technician_college", "public"),
    ("sponsor", "四川示范产业集团有限公司", "sponsor", "510100", "91", None, None),
    ("enterprise", "绵阳示范精密制造有限公司", "enterprise", "510700", "91", None, None),
    ("provider", "成都示范职业培训学校", "training_provider", "510100", "52", None, None),
    ("evaluator", "四川示范职业技能评价中心", "evaluation_body", "510000", "52", None, None),
    ("expert_a", "四川示范职业技术研究院", "department", "510000", "12", None, None),
    ("expert_b", "西南示范工业大学", "department", "510700", "12", None, None),
    ("expert_c", "成都示范装备制造股份有限公司", "enterprise", "510100", "91", None, None),
)

# username, display name, organisation key, roles
USERS = (
    ("admin", "系统管理员", "hrss", ["admin"]),
    ("auditor", "审计监督员", "hrss", ["auditor"]),
    ("province_reviewer", "省厅经办人", "hrss", ["province_reviewer"]),
    ("province_reviewer2", "省厅经办人二", "hrss", ["province_reviewer"]),
    ("leader", "分管厅领导", "hrss", ["leader"]),
    ("government", "省政府办公厅经办", "gov", ["government"]),
    ("chengdu_reviewer", "成都市人社局经办", "cd_hr", ["city_reviewer"]),
    ("chengdu_reviewer2", "成都市人社局复核", "cd_hr", ["city_reviewer"]),
    ("mianyang_reviewer", "绵阳市人社局经办", "my_hr", ["city_reviewer"]),
    ("nanchong_reviewer", "南充市人社局经办", "nc_hr", ["city_reviewer"]),
    ("chengdu_finance", "成都市财政局经办", "cd_fin", ["finance_reviewer"]),
    ("province_finance", "省财政厅经办", "finance_prov", ["finance_reviewer"]),
    ("expert1", "评审专家甲", "expert_a", ["expert"]),
    ("expert2", "评审专家乙", "expert_b", ["expert"]),
    ("expert3", "评审专家丙", "expert_c", ["expert"]),
    ("inspector1", "检查人员甲", "hrss", ["inspector"]),
    ("inspector2", "检查人员乙", "cd_hr", ["inspector"]),
    ("school_clerk", "成都示范技工学校经办", "cd_school", ["applicant"]),
    ("senior_school_clerk", "绵阳高级技工学校经办", "my_school", ["applicant"]),
    ("college_clerk", "南充技师学院经办", "nc_college", ["applicant"]),
    ("sponsor_clerk", "示范产业集团经办", "sponsor", ["applicant"]),
    ("enterprise_clerk", "示范精密制造经办", "enterprise", ["applicant"]),
    ("provider_clerk", "示范职业培训学校经办", "provider", ["applicant"]),
    ("evaluator_clerk", "示范评价中心经办", "evaluator", ["applicant"]),
)


def seed_demo() -> list[tuple[str, str, list[str]]]:
    """Create the demo organisations and users; returns (username, display name, roles)."""
    orgs = {}
    for index, (key, name, kind, region, category, tier, ownership) in enumerate(ORGS):
        orgs[key] = create_organisation(
            name=name,
            kind=kind,
            region_code=region,
            credit_code=code(category, region, f"{700000001 + index}"),
            tier=tier,
            ownership=ownership,
        )
    created = []
    for username, display, org_key, roles in USERS:
        create_user(
            username=username,
            display_name=display,
            org=orgs[org_key],
            role_specs=roles,
            password=DEMO_PASSWORD,
            must_change=False,
        )
        created.append((username, display, roles))
    return created
