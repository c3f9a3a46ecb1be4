"""Experts and inspectors stay anonymous to the applicant's organisation — on the case page
(tasks, panels, scores, history) and in the API — while the people working on the case see them
(``caseflow.cases.access.hides_panel_people``)."""

from sqlalchemy import select

from caseflow.demo_schools import seed_demo_schools
from caseflow.extensions import db
from caseflow.models import Case
from tests.helpers import login

EXPERT_NAMES = ("评审专家甲", "评审专家乙", "评审专家丙")


def half_scored(demo) -> str:
    """The demo upgrade case with two of its three experts' sheets in."""
    with demo.app_context():
        seed_demo_schools()
        case = db.session.scalar(
            select(Case).where(Case.workflow == "school_establishment",
                               Case.state == "expert_review")
        )  # fmt: skip
        return case.reference


def page_of(demo, username, reference) -> str:
    client = demo.test_client()
    assert login(client, username).status_code == 302
    response = client.get(f"/cases/{reference}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_applicant_never_sees_who_is_on_the_panel(demo, api_client):
    reference = half_scored(demo)
    page = page_of(demo, "school_clerk", reference)
    assert not any(name in page for name in EXPERT_NAMES)
    assert "评审专家" in page  # the role is shown instead
    clerk = api_client("school_clerk")
    case = clerk.get(f"/cases/{reference}").get_json()
    events = clerk.get(f"/cases/{reference}/events").get_json()
    text = str(case) + str(events)
    assert not any(name in text for name in EXPERT_NAMES)
    expert_tasks = [t for t in case["tasks"] if t["role"] == "expert"]
    assert expert_tasks and all(t["holder"] is None for t in expert_tasks)
    assigned = [e for e in events["items"] if e["action"] == "assign_panel"]
    assert assigned and all(e["details"]["users"] == [] for e in assigned)
    assert {e["details"]["people"] for e in assigned} >= {3}


def test_the_people_working_on_the_case_see_the_panel(demo, api_client):
    reference = half_scored(demo)
    page = page_of(demo, "province_reviewer", reference)
    assert all(name in page for name in EXPERT_NAMES)
    events = api_client("province_reviewer").get(f"/cases/{reference}/events").get_json()
    assigned = [e for e in events["items"] if e["action"] == "assign_panel"]
    assert any("评审专家甲" in e["details"]["users"] for e in assigned)
