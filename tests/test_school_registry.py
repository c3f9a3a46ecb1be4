"""The school registry (学校名录): the filing of a Workflow A case changes it in the same
transaction (new school, upgrade, branch; once per case), the provincial government's reply
number on 技师学院, and the public registry pages."""

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from caseflow.extensions import db
from caseflow.models import CaseEvent, Document, Organisation, School, SchoolRecord
from caseflow.workflows import engine, registry
from caseflow.workflows.errors import ActionRefused, InvalidInput
from caseflow.workflows.school_registry import number_regex
from tests.workflows.conftest import act, ctx, user  # noqa: F401  (ctx: fixture)
from tests.workflows.school_flow import GOVERNMENT_REPLY, to_state


@pytest.fixture
def se(ctx, tmp_path):  # noqa: F811
    ctx.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    return ctx


def school_of_org(name: str) -> School:
    org = db.session.scalar(select(Organisation).where(Organisation.name == name))
    return db.session.scalar(select(School).where(School.organisation_id == org.id))


def reply_number(case) -> str:
    return db.session.scalar(
        select(Document.number).where(
            Document.case_id == case.id, Document.kind == "approval_reply"
        )
    )


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# ---------------------------------------------------------------------------------------------
# The effect on filing


def test_the_demo_seed_registers_its_schools_and_a_branch(se):
    college = school_of_org("南充技师学院")
    assert (college.tier, college.approval_document, college.government_reply) == (
        "technician_college", "川人社函〔2016〕57号", "川府函〔2016〕31号")  # fmt: skip
    assert college.approved_on == date(2016, 4, 18) and college.region_code == "511300"
    (branch,) = college.children
    assert branch.organisation_id is None and branch.tier == "technician_college"
    assert [r.change for r in branch.records] == ["branch_established"]
    assert [r.change for r in school_of_org("成都市示范技工学校").records] == ["established"]


@pytest.mark.parametrize(("kind", "tier", "government"), [
    ("new_technical_school", "technical_school", None),
    ("new_technician_college", "technician_college", GOVERNMENT_REPLY["government_reply_number"]),
])  # fmt: skip
def test_a_new_school_enters_the_registry_when_the_filing_is_recorded(se, kind, tier, government):
    before = count(School)
    case = to_state(kind, "approved")
    act(case, "issue_reply", "province_reviewer2")
    assert count(School) == before  # nothing before the filing
    act(case, "record_filing", "province_reviewer2",
        {"filing_date": "2025-04-20", "filing_reference": "人社部备〔2025〕8号"})  # fmt: skip
    school = db.session.scalar(select(School).where(School.case_id == case.id))
    assert (school.name, school.tier, school.ownership) == (case.data["school_name"], tier,
                                                            "public")  # fmt: skip
    assert (school.sponsor, school.address) == ("四川示范产业集团有限公司", "成都市锦江区示范路")
    assert school.region_code == case.region_code == "510100"
    assert school.approval_document == reply_number(case) and school.approved_on is not None
    assert school.government_reply == government
    assert (school.organisation_id, school.parent_id, school.status) == (None, None, "active")
    (record,) = school.records
    assert (record.change, record.case_id, record.tier_before, record.tier_after) == (
        "established", case.id, None, tier)  # fmt: skip
    assert record.document_number == school.approval_document
    # The effect queues nothing: the registry is written in the filing's transaction.
    assert count(School) == before + 1


def test_an_upgrade_changes_the_tier_and_name_keeping_the_history(se):
    school = school_of_org("成都市示范技工学校")
    before = count(School)
    case = to_state("upgrade_senior", "filed")
    db.session.refresh(school)
    assert (school.tier, school.name) == ("senior_technical_school", "成都市示范高级技工学校")
    assert (school.case_id, school.approval_document) == (case.id, reply_number(case))
    upgraded, established = school.records  # newest first
    assert (established.change, upgraded.change) == ("established", "upgraded")
    assert (upgraded.tier_before, upgraded.tier_after) == ("technical_school",
                                                           "senior_technical_school")  # fmt: skip
    assert (upgraded.name_before, upgraded.name_after) == ("成都市示范技工学校",
                                                           "成都市示范高级技工学校")  # fmt: skip
    org = case.applicant_org
    assert (org.tier, org.name) == ("senior_technical_school", "成都市示范高级技工学校")
    assert count(School) == before  # no new row


def test_an_upgrade_of_a_school_not_yet_in_the_registry_takes_it_in_first(se):
    seeded = school_of_org("成都市示范技工学校")
    org = seeded.organisation
    org.ownership, seeded.organisation_id = "private", None  # the registry does not know it
    db.session.commit()
    case = to_state("upgrade_senior", "filed")
    school = db.session.scalar(select(School).where(School.organisation_id == org.id))
    assert school.id != seeded.id
    assert [r.change for r in reversed(school.records)] == ["registered", "upgraded"]
    assert school.records[1].case_id is None and school.records[0].case_id == case.id
    assert school.records[0].tier_before == "technical_school"
    assert (school.tier, school.ownership) == ("senior_technical_school", "private")
    assert org.tier == "senior_technical_school"


def test_a_branch_is_a_new_school_under_the_filing_school(se):
    parent = school_of_org("南充技师学院")
    case = to_state("branch", "filed")
    branch = db.session.scalar(select(School).where(School.case_id == case.id))
    assert (branch.parent_id, branch.tier, branch.organisation_id) == (
        parent.id,
        "technician_college",
        None,
    )
    assert branch.name == "南充技师学院顺庆分校" and branch.region_code == "511300"
    assert [r.change for r in branch.records] == ["branch_established"]
    db.session.refresh(parent)
    assert branch in parent.children and parent.tier == "technician_college"
    assert [r.change for r in parent.records] == ["established"]  # the parent does not change


def test_the_effect_registers_once_per_case(se):
    case = to_state("new_technical_school", "filed")
    schools, records = count(School), count(SchoolRecord)
    wf = registry.get(case.workflow)
    t = wf.transition("approved", "record_filing")
    retry = engine.ActionContext(case, engine.SYSTEM, wf, wf.state("approved"), t, {}, None,
                                 engine.utcnow(), "province_reviewer")  # fmt: skip
    assert registry.EFFECTS["se_register_school"](retry) is None
    db.session.commit()
    assert (count(School), count(SchoolRecord)) == (schools, records)
    school = db.session.scalar(select(School).where(School.case_id == case.id))
    with pytest.raises(IntegrityError):  # and the database says so too
        db.session.add(SchoolRecord(school_id=school.id, change="established", case_id=case.id,
                                    tier_after=school.tier, name_after=school.name))  # fmt: skip
        db.session.flush()
    db.session.rollback()


def test_the_history_is_append_only(se):
    record = school_of_org("南充技师学院").records[0]
    for statement in (sa.update(SchoolRecord).values(name_after="改名"),
                      sa.delete(SchoolRecord)):  # fmt: skip
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            db.session.execute(statement.where(SchoolRecord.id == record.id))
        db.session.rollback()


# ---------------------------------------------------------------------------------------------
# The provincial government's reply (技师学院)


def test_the_government_reply_number_is_required_and_has_the_policy_shape(se):
    case = to_state("upgrade_college", "government_approval")
    with pytest.raises(InvalidInput) as info:
        act(case, "government_approve", "government", {})
    assert set(info.value.errors) == {"government_reply_number", "government_reply_date"}
    wrong = ("川府函2026第12号", "川人社函〔2026〕12号", "川府函〔26〕12号", "川府函〔2026〕0号")
    for number in wrong:
        with pytest.raises(ActionRefused) as refused:
            act(case, "government_approve", "government",
                {**GOVERNMENT_REPLY, "government_reply_number": number})  # fmt: skip
        assert refused.value.code == "government_reply_number_invalid"
        assert number in refused.value.reason.zh and "川府函〔" in refused.value.reason.en
    with pytest.raises(ActionRefused) as refused:
        act(case, "government_approve", "government",
            {**GOVERNMENT_REPLY, "government_reply_date": "2099-01-01"})  # fmt: skip
    assert refused.value.code == "government_reply_date_future"
    assert case.state == "government_approval"
    act(case, "government_approve", "government", GOVERNMENT_REPLY)
    approved = db.session.scalar(
        select(CaseEvent).where(
            CaseEvent.case_id == case.id, CaseEvent.action == "government_approve"
        )
    )
    assert approved.details == GOVERNMENT_REPLY and case.state == "approved"


def test_the_number_pattern_comes_from_the_policy_pattern():
    regex = number_regex("川府函〔{year}〕{n}号")
    assert regex.fullmatch("川府函〔2026〕12号").group("year", "n") == ("2026", "12")
    assert not regex.fullmatch("川府函〔2026〕12号之一")


def test_the_reply_cites_the_government_reply_only_when_there_is_one(se):
    college = to_state("new_technician_college", "filed")
    school = to_state("new_technical_school", "filed")
    text = {c: db.session.scalar(select(Document.content).where(
        Document.case_id == c.id, Document.kind == "approval_reply"))["text"]
        for c in (college, school)}  # fmt: skip
    cited = "经省人民政府同意（川府函〔2025〕12号，2025年3月3日）。"
    assert text[college]["zh"]["paragraphs"][1] == cited
    assert "(川府函〔2025〕12号, March 3, 2025)" in text[college]["en"]["paragraphs"][1]
    assert not any("省人民政府" in p for p in text[school]["zh"]["paragraphs"])


# ---------------------------------------------------------------------------------------------
# The public pages


def page(client, url, lang=None):
    if lang:
        client.get(f"/lang/{lang}")
    response = client.get(url)
    return response.status_code, response.get_data(as_text=True)


def test_the_registry_lists_active_schools_without_login(demo, client):
    status, html = page(client, "/public/schools")
    assert status == 200
    names = ["成都市示范技工学校", "绵阳市高级技工学校", "南充技师学院", "南充技师学院西充分校"]
    positions = [html.index(n) for n in names]
    assert positions == sorted(positions)  # by city (Chengdu, Mianyang, Nanchong), then name
    for text in ("技师学院", "南充市", "川人社函〔2016〕57号", "2016-04-18", "公办"):
        assert text in html
    assert 'href="/public/schools"' in html  # the navigation links the registry
    for private in ("经办", "SE-", "credit", "91510"):
        assert private not in html
    status, english = page(client, "/public/schools", "en")
    assert status == 200
    for text in ("School registry", "Technician college", "Nanchong", "Senior technical school"):
        assert text in english


@pytest.mark.parametrize(("query", "shown", "hidden"), [
    ("city=510700", ["绵阳市高级技工学校"], ["成都市示范技工学校", "南充技师学院"]),
    ("tier=technician_college", ["南充技师学院", "南充技师学院西充分校"],
     ["成都市示范技工学校", "绵阳市高级技工学校"]),
    ("city=510100&tier=technician_college", [], ["成都市示范技工学校", "南充技师学院"]),
    ("city=&tier=", ["成都市示范技工学校", "南充技师学院"], []),
])  # fmt: skip
def test_the_registry_filters_by_city_and_tier(demo, client, query, shown, hidden):
    status, html = page(client, f"/public/schools?{query}")
    assert status == 200
    assert all(name in html for name in shown)
    assert not any(f">{name}</a>" in html for name in hidden)
    if not shown:
        assert "No school matches the filter." in page(client, f"/public/schools?{query}",
                                                       "en")[1]  # fmt: skip


@pytest.mark.parametrize("query", ["city=999999", "city=510000", "tier=university",
                                   "city=510100&tier=x"])  # fmt: skip
def test_unknown_filter_values_are_a_400_that_says_what_is_wrong(demo, client, query):
    status, html = page(client, f"/public/schools?{query}", "en")
    assert status == 400
    assert "Unknown" in html and 'data-testid="filter-error"' in html
    assert "成都市示范技工学校</a>" not in html


def test_the_registry_pages_through_many_schools(demo, client):
    with demo.app_context():
        for n in range(30):
            db.session.add(
                School(
                    name=f"成都第{n:02d}技工学校",
                    tier="technical_school",
                    region_code="510100",
                    status="active",
                    created_at=engine.utcnow(),
                    updated_at=engine.utcnow(),
                )
            )
        db.session.add(School(name="已停办技工学校", tier="technical_school",
                              region_code="510100", status="closed", created_at=engine.utcnow(),
                              updated_at=engine.utcnow()))  # fmt: skip
        db.session.commit()
    first = page(client, "/public/schools?city=510100")[1]
    second = page(client, "/public/schools?city=510100&page=2")[1]
    assert "page=2" in first and "city=510100" in first
    assert "成都第00技工学校" in first and "成都第00技工学校" not in second
    assert "成都第29技工学校" in second
    assert "已停办技工学校" not in first + second


def test_a_school_page_shows_its_history_parent_and_branches(demo, client, tmp_path):
    demo.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    with demo.app_context():  # the requests below run in their own contexts (and languages)
        case = to_state("upgrade_senior", "filed")
        school_id = db.session.scalar(select(School.id).where(School.case_id == case.id))
        college = school_of_org("南充技师学院")
        branch_id, college_id = college.children[0].id, college.id
        reference = case.reference
    status, html = page(client, f"/public/schools/{school_id}")
    assert status == 200
    assert html.count('data-testid="school-record"') == 2
    assert html.index("→") < html.index("川人社函〔2015〕88号")  # newest first
    assert "技工学校 → 高级技工学校" in html
    assert "成都市示范技工学校 → 成都市示范高级技工学校" in html
    assert reference not in html and "经办" not in html
    branch = page(client, f"/public/schools/{branch_id}")[1]
    assert f'href="/public/schools/{college_id}"' in branch
    assert f'href="/public/schools/{branch_id}"' in page(client, f"/public/schools/{college_id}")[1]
    english = page(client, f"/public/schools/{college_id}", "en")[1]
    assert "Technician college" in english and "川府函〔2016〕31号" in english
    assert client.get("/public/schools/99999").status_code == 404
