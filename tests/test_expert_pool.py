"""The expert pool (GET /review/experts), declaring and withdrawing conflicts of interest, and
conflicted people greyed in the panel picker and refused by the engine."""

import re

import pytest
import sqlalchemy as sa

from caseflow.extensions import db
from caseflow.models import Case, CaseParticipant, ConflictDeclaration, Organisation
from caseflow.review import conflicts
from caseflow.workflows import engine
from caseflow.workflows.errors import ActionRefused
from tests.helpers import csrf_from, login
from tests.workflows.conftest import act, user
from tests.workflows.test_school_establishment import EXPERTS, drive, file


@pytest.fixture
def pool(demo, tmp_path):
    demo.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    return demo


def client_for(app, username, lang="en"):
    client = app.test_client()
    assert login(client, username).status_code == 302
    client.get(f"/lang/{lang}")
    return client


def get(client, path, status=200) -> str:
    response = client.get(path)
    assert response.status_code == status, path
    return response.get_data(as_text=True)


def post(client, path, data, page=None, follow=True):
    html = get(client, page or path)
    return client.post(path, data={"csrf_token": csrf_from(html), **data},
                       follow_redirects=follow)  # fmt: skip


def school_case(app, to="acceptance") -> tuple[str, int]:
    """A school case (its reference, the applicant organisation's id) at ``to``."""
    with app.app_context():
        case = drive(file(), to)
        found = case.reference, case.applicant_org_id
        db.session.remove()
    return found


def row(html: str, username: str) -> str:
    at = html.index(f'data-testid="pool-{username}"')
    return html[at : html.index("</tr>", at)]


# ---------------------------------------------------------------------------------------------
# Who may open what


@pytest.mark.parametrize(
    ("username", "pool_status", "own_status"),
    [
        ("province_reviewer", 200, 403),
        ("admin", 200, 403),
        ("expert1", 403, 200),
        ("inspector1", 403, 200),
        ("leader", 403, 403),
        ("chengdu_reviewer", 403, 403),
        ("school_clerk", 403, 403),
        ("auditor", 403, 403),
    ],
)
def test_permissions(demo, username, pool_status, own_status):
    client = client_for(demo, username)
    assert client.get("/review/experts").status_code == pool_status
    assert client.get("/review/conflicts").status_code == own_status
    nav = get(client, "/")
    assert ('href="/review/experts"' in nav) == (pool_status == 200)
    assert ('href="/review/conflicts"' in nav) == (own_status == 200)


def test_the_pages_need_a_login(demo):
    client = demo.test_client()
    for path in ("/review/experts", "/review/conflicts"):
        response = client.get(path)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


# ---------------------------------------------------------------------------------------------
# The pool


def test_the_pool_lists_experts_and_inspectors_with_conflicts_and_open_tasks(pool):
    _reference, org_id = school_case(pool, "expert_review")
    with pool.app_context():
        conflicts.declare(user("expert2"), org_id, "曾任该单位顾问", user("expert2"))
    reviewer = client_for(pool, "province_reviewer")
    html = get(reviewer, "/review/experts")
    for name in ("评审专家甲", "评审专家乙", "评审专家丙"):
        assert name in html
    assert "检查人员甲" not in html
    two = row(html, "expert2")
    assert "四川示范产业集团有限公司" in two and "曾任该单位顾问" in two and "in force" in two
    assert re.search(r'<td class="text-end">1</td>', row(html, "expert1"))  # the open task
    inspectors = get(reviewer, "/review/experts?role=inspector")
    assert "检查人员甲" in inspectors and "评审专家甲" not in inspectors
    assert re.search(r'<td class="text-end">0</td>', row(inspectors, "inspector1"))
    assert "评审专家甲" in get(reviewer, "/review/experts?role=admin")  # unknown: experts


def test_a_reviewer_records_and_withdraws_a_conflict_for_an_expert(pool):
    _reference, org_id = school_case(pool, "draft")
    reviewer = client_for(pool, "province_reviewer")
    with pool.app_context():
        expert3 = user("expert3").id
    response = post(reviewer, f"/review/experts/{expert3}/conflicts",
                    {"organisation_id": org_id, "reason": "亲属任职", "role": "expert"},
                    page="/review/experts")  # fmt: skip
    html = response.get_data(as_text=True)
    assert "Conflict of interest recorded: 评审专家丙" in html
    assert "亲属任职" in row(html, "expert3") and "省厅经办人" in row(html, "expert3")
    again = post(reviewer, f"/review/experts/{expert3}/conflicts",
                 {"organisation_id": org_id, "reason": "再次"}, page="/review/experts")  # fmt: skip
    assert "is already declared" in again.get_data(as_text=True)
    with pool.app_context():
        declared = db.session.scalar(sa.select(ConflictDeclaration))
        assert declared.declared_by_id == user("province_reviewer").id
        assert engine.has_conflict(user("expert3"), _case_of(org_id))
        declaration_id = declared.id
    expert = client_for(pool, "expert3")  # recorded for them: not theirs to withdraw
    refused = post(expert, f"/review/conflicts/{declaration_id}/withdraw", {"reason": "不再任职"},
                   page="/review/conflicts")  # fmt: skip
    assert "You may not withdraw this declaration." in refused.get_data(as_text=True)
    missing = post(reviewer, f"/review/experts/conflicts/{declaration_id}/withdraw", {},
                   page="/review/experts")  # fmt: skip
    assert "Give a reason." in missing.get_data(as_text=True)
    done = post(reviewer, f"/review/experts/conflicts/{declaration_id}/withdraw",
                {"reason": "亲属已离职", "role": "expert"}, page="/review/experts")  # fmt: skip
    html = done.get_data(as_text=True)
    assert "stays in the history" in html and "亲属已离职" in row(html, "expert3")
    with pool.app_context():
        declared = db.session.get(ConflictDeclaration, declaration_id)
        assert declared.withdrawn_at is not None and declared.withdrawal_reason == "亲属已离职"
        assert not engine.has_conflict(user("expert3"), _case_of(org_id))
        assert db.session.scalar(sa.select(sa.func.count(ConflictDeclaration.id))) == 1


def _case_of(org_id):
    return db.session.scalar(sa.select(Case).where(Case.applicant_org_id == org_id))


def test_only_experts_and_inspectors_are_in_the_pool(pool):
    with pool.app_context():
        org = db.session.scalar(sa.select(Organisation).order_by(Organisation.id))
        with pytest.raises(ActionRefused) as info:
            conflicts.declare(user("leader"), org.id, "x", user("province_reviewer"))
        assert info.value.code == "not_in_pool"
        with pytest.raises(ActionRefused) as info:
            conflicts.declare(user("expert1"), org.id, "  ", user("expert1"))
        assert info.value.code == "reason_required"
        with pytest.raises(ActionRefused) as info:
            conflicts.declare(user("expert1"), 10**6, "x", user("expert1"))
        assert info.value.code == "unknown_organisation"


# ---------------------------------------------------------------------------------------------
# Declaring one's own


def test_an_expert_declares_lists_and_withdraws_their_own_conflicts(pool):
    _reference, org_id = school_case(pool, "draft")
    expert = client_for(pool, "expert1")
    html = get(expert, "/review/conflicts")
    assert "No conflicts of interest declared." in html
    assert f'<option value="{org_id}">四川示范产业集团有限公司</option>' in html
    html = post(expert, "/review/conflicts", {"organisation_id": org_id, "reason": "曾在该集团任职"}
                ).get_data(as_text=True)  # fmt: skip
    assert "Conflict of interest recorded" in html and "曾在该集团任职" in html
    assert "四川示范产业集团有限公司" in html[html.index('data-testid="conflict"') :]
    with pool.app_context():
        mine = db.session.scalar(sa.select(ConflictDeclaration))
        assert (mine.user_id, mine.declared_by_id) == (user("expert1").id,) * 2
        declaration_id = mine.id
    other = client_for(pool, "expert2")
    assert post(other, f"/review/conflicts/{declaration_id}/withdraw", {"reason": "x"},
                page="/review/conflicts", follow=False).status_code == 404  # fmt: skip
    html = post(expert, f"/review/conflicts/{declaration_id}/withdraw", {"reason": "已离职三年"},
                page="/review/conflicts").get_data(as_text=True)  # fmt: skip
    assert "withdrawn" in html and "已离职三年" in html
    again = post(expert, f"/review/conflicts/{declaration_id}/withdraw", {"reason": "again"},
                 page="/review/conflicts")  # fmt: skip
    assert "You may not withdraw this declaration." in again.get_data(as_text=True)
    html = post(expert, "/review/conflicts", {"organisation_id": org_id, "reason": "重新任职"}
                ).get_data(as_text=True)  # fmt: skip
    assert html.count('data-testid="conflict"') == 2  # the history stays


def test_posts_need_csrf(pool):
    expert = client_for(pool, "expert1")
    assert expert.post("/review/conflicts", data={"organisation_id": 1, "reason": "x"}
                       ).status_code == 400  # fmt: skip


# ---------------------------------------------------------------------------------------------
# The panel picker and the engine


def test_a_conflicted_expert_is_greyed_in_the_picker_and_refused(pool):
    reference, org_id = school_case(pool, "acceptance")
    with pool.app_context():
        conflicts.declare(user("expert2"), org_id, "曾任顾问", user("expert2"))
        expert2 = user("expert2").id
    reviewer = client_for(pool, "province_reviewer")
    html = get(reviewer, f"/cases/{reference}")
    picker = html[html.index('id="panel-expert_review"') :]
    picker = picker[: picker.index("</select>")]
    option = re.search(rf'<option value="{expert2}"[^>]*>[^<]*</option>', picker).group(0)
    assert "disabled" in option and "conflict of interest declared" in option
    assert re.search(r'<option value="\d+">评审专家甲', picker)  # others are selectable
    response = reviewer.post(
        f"/cases/{reference}/panels/expert_review",
        data={"csrf_token": csrf_from(html), "user_ids": [expert2]},
        follow_redirects=True,
    )
    assert "评审专家乙 has a conflict of interest and cannot be assigned." in response.get_data(
        as_text=True
    )
    with pool.app_context():
        case = db.session.scalar(sa.select(Case).where(Case.reference == reference))
        assert db.session.scalar(sa.select(sa.func.count(CaseParticipant.id)).where(
            CaseParticipant.case_id == case.id)) == 0  # fmt: skip
        with pytest.raises(ActionRefused) as info:
            engine.assign_panel(case, "expert_review", [user("expert2")],
                                user("province_reviewer"), "expert")  # fmt: skip
        assert info.value.code == "conflict"
        engine.assign_panel(case, "expert_review", [user(n) for n in EXPERTS if n != "expert2"],
                            user("province_reviewer"), "expert")  # fmt: skip
        act(case, "accept", "province_reviewer")
        assert case.state == "expert_review"
