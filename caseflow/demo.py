"""Demo organisations and one user for every role (embedded mode only).

The credit codes are built with a correct GB 32100-2015 check character but belong to no real
organisation.
"""

from datetime import UTC, date, datetime

from caseflow.accounts import create_organisation, create_user
from caseflow.extensions import db
from caseflow.models import School, SchoolRecord
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
    # A provincial industry department (省级行业主管部门) and a school it supervises: the school's
    # applications are first reviewed by the department, not by the Chengdu bureau.
    ("transport", "四川省交通运输厅", "department", "510000", "11", None, None),
    ("transport_school", "四川交通运输高级技工学校", "school", "510100", "12",
     "senior_technical_school", "public"),
)
# organisation key → the key of the provincial department supervising it
SUPERVISED = {"transport_school": "transport"}

# The demo schools in the school registry (学校名录), so upgrades and branches find their
# school: organisation key, sponsor, address, approval reply (批复), approved on, government reply.
SCHOOLS = (
    ("cd_school", "成都市人力资源和社会保障局", "成都市武侯区示范大道1号", "川人社函〔2015〕88号",
     "2015-06-12", None),
    ("my_school", "绵阳市人力资源和社会保障局", "绵阳市涪城区示范路8号", "川人社函〔2012〕145号",
     "2012-09-20", None),
    ("nc_college", "南充市人民政府", "南充市顺庆区示范街18号", "川人社函〔2016〕57号",
     "2016-04-18", "川府函〔2016〕31号"),
    ("transport_school", "四川省交通运输厅", "成都市金牛区交通示范路66号", "川人社函〔2013〕201号",
     "2013-11-05", None),
)  # fmt: skip
# A branch (分校) of a demo school: parent key, name, address, approval reply, approved on.
BRANCHES = (("nc_college", "南充技师学院西充分校", "南充市西充县示范路6号", "川人社函〔2019〕102号",
             "2019-07-05"),)  # fmt: skip

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
    # city_reviewer at a provincial department: scope "organisation" (the schools it supervises)
    ("transport_reviewer", "省交通运输厅经办", "transport", ["city_reviewer"]),
    ("transport_clerk", "四川交通运输高级技工学校经办", "transport_school", ["applicant"]),
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
    for key, supervisor in SUPERVISED.items():
        orgs[key].supervising_department = orgs[supervisor]
    seed_schools(orgs)
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


def seed_schools(orgs: dict) -> None:
    """The registry rows of the demo schools, each with its ``established`` record."""

    def add(parent=None, **fields):
        school = School(status="active", parent=parent, **fields)
        db.session.add(school)
        day = school.approved_on  # the record dates from the approval, 10:00 in Chengdu
        db.session.add(SchoolRecord(school=school, tier_after=school.tier, name_after=school.name,
                                    change="branch_established" if parent else "established",
                                    document_number=school.approval_document,
                                    changed_at=datetime(day.year, day.month, day.day, 2,
                                                        tzinfo=UTC)))  # fmt: skip
        return school

    schools = {}
    for key, sponsor, address, number, day, government in SCHOOLS:
        org = orgs[key]
        schools[key] = add(
            name=org.name,
            tier=org.tier,
            ownership=org.ownership,
            region_code=org.region_code,
            organisation_id=org.id,
            sponsor=sponsor,
            address=address,
            approval_document=number,
            approved_on=date.fromisoformat(day),
            government_reply=government,
        )
    for key, name, address, number, day in BRANCHES:
        parent = schools[key]
        add(
            parent,
            name=name,
            tier=parent.tier,
            ownership=parent.ownership,
            region_code=parent.region_code,
            sponsor=parent.sponsor,
            address=address,
            approval_document=number,
            approved_on=date.fromisoformat(day),
        )
    db.session.flush()
