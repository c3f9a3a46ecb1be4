"""The first review of a school supervised by a provincial industry department (省级行业主管部门)
goes to that department instead of the city HR bureau (DOMAIN.md §3; scope rule
``supervisor_or_region``)."""

import pytest
from sqlalchemy import select

from caseflow.accounts import AccountError, create_organisation, create_user
from caseflow.api.queries import visible
from caseflow.authz import can
from caseflow.cases.access import can_view
from caseflow.demo import code
from caseflow.extensions import db
from caseflow.models import Case
from caseflow.notify.service import task_recipients
from caseflow.review.queries import department_pairs
from caseflow.workflows import engine
from caseflow.workflows.errors import ActionRefused
from tests.helpers import DEMO_PASSWORD, login, post_form
from tests.workflows.conftest import act, user
from tests.workflows.test_school_establishment import file


@pytest.fixture
def department(ctx, tmp_path):
    ctx.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    return make_department()


def make_department():
    """四川省公路建设局 supervises 四川公路高级技工学校 (Chengdu); one official reviews for it."""
    dept = create_organisation(
        name="四川省公路建设局",
        kind="department",
        region_code="510000",
        credit_code=code("11", "510000", "790000001"),
    )
    school = create_organisation(
        name="四川公路高级技工学校",
        kind="school",
        region_code="510100",
        credit_code=code("12", "510100", "790000002"),
        tier="senior_technical_school",
        ownership="public",
        supervising=dept,
    )
    create_user(
        username="road_reviewer",
        org=dept,
        role_specs=["city_reviewer:org"],
        password=DEMO_PASSWORD,
        must_change=False,
    )
    create_user(
        username="road_clerk",
        org=school,
        role_specs=["applicant"],
        password=DEMO_PASSWORD,
        must_change=False,
    )
    db.session.commit()
    return dept


def supervised_case():
    case = file("upgrade_college", clerk="road_clerk", school_name="四川公路技师学院")
    act(case, "submit", "road_clerk")
    return case


def test_the_first_review_waits_in_the_departments_pool(department):
    case = supervised_case()
    assert case.state == "city_review"
    (task,) = engine.open_tasks(case, "city_review")
    assert (task.region_code, task.organisation_id) == (None, department.id)
    assert [u.username for u in task_recipients(task)] == ["road_reviewer"]
    assert department_pairs(user("road_reviewer")) == [("city_reviewer", department.id)]


def test_the_department_reviews_it_and_the_city_cannot(department):
    case = supervised_case()
    with pytest.raises(ActionRefused) as info:
        act(case, "recommend", "chengdu_reviewer")
    assert info.value.reason.code == "out_of_scope"
    act(case, "recommend", "road_reviewer")
    assert case.state == "acceptance"


def test_cases_of_unsupervised_applicants_still_go_to_their_city(department):
    case = file("upgrade_senior")
    act(case, "submit", "school_clerk")
    (task,) = engine.open_tasks(case, "city_review")
    assert (task.region_code, task.organisation_id) == ("510100", None)
    with pytest.raises(ActionRefused):
        act(case, "recommend", "road_reviewer")
    act(case, "recommend", "chengdu_reviewer")
    assert case.state == "acceptance"


def test_the_department_sees_the_cases_of_the_schools_it_supervises_only(department):
    supervised = supervised_case()
    other = file("upgrade_senior")
    reviewer = user("road_reviewer")
    assert can_view(reviewer, supervised) and not can_view(reviewer, other)
    assert can(reviewer, "case.view", supervised)
    seen = set(db.session.scalars(select(Case.id).where(visible(reviewer))))
    assert supervised.id in seen and other.id not in seen
    # the city of the school still sees the case (its region), but cannot act on it
    assert can_view(user("chengdu_reviewer"), supervised)


def test_an_applicant_at_a_department_does_not_see_the_schools_cases(department):
    clerk, _ = create_user(
        username="dept_clerk",
        org=department,
        role_specs=["applicant"],
        password=DEMO_PASSWORD,
        must_change=False,
    )
    db.session.commit()
    assert not can_view(clerk, supervised_case())


def test_only_department_roles_at_a_department_take_the_org_scope(ctx, department):
    with pytest.raises(AccountError):
        create_user(
            username="x1",
            org=department,
            role_specs=["province_reviewer:org"],
            password=DEMO_PASSWORD,
            must_change=False,
        )
    with pytest.raises(AccountError):
        create_user(
            username="x2",
            org=user("school_clerk").organisation,
            role_specs=["city_reviewer:org"],
            password=DEMO_PASSWORD,
            must_change=False,
        )


def test_the_department_reviewer_finds_the_task_in_the_inbox(demo, tmp_path):
    demo.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    with demo.app_context():
        make_department()
        reference = supervised_case().reference
    for username, listed in (("road_reviewer", True), ("chengdu_reviewer", False)):
        client = demo.test_client()
        assert login(client, username).status_code == 302
        page = client.get("/review/inbox?tab=unclaimed")
        assert page.status_code == 200
        assert (reference in page.get_data(as_text=True)) is listed


def test_departments_and_supervised_schools_from_the_cli_and_the_admin_page(demo):
    from caseflow.models import Organisation, RoleAssignment

    dept_code, school_code = code("11", "510000", "790000011"), code("12", "510100", "790000012")
    runner = demo.test_cli_runner()

    def cli(*args):
        return runner.invoke(args=["caseflow", *args])

    assert (
        cli(
            "create-org",
            "--name",
            "四川省公路建设局",
            "--kind",
            "department",
            "--region",
            "510000",
            "--credit-code",
            dept_code,
        ).exit_code
        == 0
    )
    bad = cli(
        "create-org",
        "--name",
        "某校",
        "--kind",
        "school",
        "--region",
        "510100",
        "--credit-code",
        school_code,
        "--supervised-by",
        "91510100MA00000000",
    )
    assert bad.exit_code != 0 and "no organisation" in bad.output
    assert (
        cli(
            "create-org",
            "--name",
            "四川交通技工学校",
            "--kind",
            "school",
            "--region",
            "510100",
            "--credit-code",
            school_code,
            "--tier",
            "technical_school",
            "--supervised-by",
            dept_code,
        ).exit_code
        == 0
    )
    made = cli(
        "create-user", "--username", "dept_official", "--org", dept_code, "--role", "city_reviewer"
    )
    assert made.exit_code == 0, made.output
    with demo.app_context():
        school = db.session.scalar(
            select(Organisation).where(Organisation.credit_code == school_code)
        )
        assert school.supervising_department.credit_code == dept_code
        (held,) = db.session.scalars(
            select(RoleAssignment)
            .join(RoleAssignment.user)
            .where(
                RoleAssignment.role == "city_reviewer",
                RoleAssignment.user.has(username="dept_official"),
            )
        )
        assert (held.scope_kind, held.organisation_id) == (
            "organisation",
            school.supervising_department_id,
        )
        dept_id = school.supervising_department_id
    client = demo.test_client()
    assert login(client, "admin").status_code == 302
    form = client.get("/admin/organisations/new").get_data(as_text=True)
    assert "四川省公路建设局" in form
    posted = post_form(
        client,
        "/admin/organisations/new",
        {
            "name": "四川交通运输技师学院",
            "kind": "school",
            "region_code": "510100",
            "credit_code": code("12", "510100", "790000013"),
            "tier": "technician_college",
            "ownership": "public",
            "supervising_department_id": str(dept_id),
        },
    )
    assert posted.status_code == 302
    with demo.app_context():
        made = db.session.scalar(
            select(Organisation).where(Organisation.name == "四川交通运输技师学院")
        )
        assert made.supervising_department_id == dept_id
