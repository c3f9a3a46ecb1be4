"""Filing an application from the definition's form, editing the draft, and the completeness
check at submission."""

import pytest
from sqlalchemy import select

from caseflow.extensions import db
from caseflow.models import Case, CaseEvent
from caseflow.workflows import engine
from caseflow.workflows.errors import ActionRefused, InvalidInput
from tests.helpers import get_csrf, login
from tests.workflows.conftest import user

NEW = "/apply/new/test_permit/standard"


def file(client, **fields):
    token = get_csrf(client, NEW)
    return client.post(NEW, data={"csrf_token": token, **fields})


def test_an_applicant_files_a_draft_from_the_form(demo):
    client = demo.test_client()
    login(client, "school_clerk")
    assert "测试许可" in client.get("/apply/new").get_data(as_text=True)
    response = file(client, f_project="数控实训", f_amount="120000", f_contact_name="张小三")
    assert response.status_code == 303
    with demo.app_context():
        case = db.session.scalar(select(Case))
        assert response.location.endswith(f"/cases/{case.reference}")
        assert case.state == "draft"
        assert case.data == {"project": "数控实训", "amount": 120000, "contact_name": "张小三"}
        event = db.session.scalar(select(CaseEvent).where(CaseEvent.action == "create"))
        assert event.changes["amount"] == [None, 120000]


@pytest.mark.parametrize(("lang", "message"), [("zh_CN", "数值必须大于 0"),
                                               ("en", "Number must be at least 0.")])  # fmt: skip
def test_bad_input_is_refused_with_a_message_and_nothing_is_saved(demo, lang, message):
    client = demo.test_client()
    login(client, "school_clerk")
    client.get(f"/lang/{lang}")
    response = file(client, f_amount="-5")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "is-invalid" in page and message in page
    with demo.app_context():
        assert db.session.scalar(select(Case)) is None


def test_only_applicants_may_file(demo):
    client = demo.test_client()
    login(client, "chengdu_reviewer")
    assert client.get(NEW).status_code == 403
    assert client.get("/apply/new/no_such_flow/standard").status_code == 403
    login_client = demo.test_client()
    login(login_client, "school_clerk")
    assert login_client.get("/apply/new/no_such_flow/standard").status_code == 404


def test_editing_a_draft_is_versioned(demo):
    with demo.app_context():
        case = engine.create_case("test_permit", "standard", user("school_clerk"), {"amount": 1})
        reference, version = case.reference, case.version
    client = demo.test_client()
    login(client, "school_clerk")
    path = f"/apply/cases/{reference}/edit"
    token = get_csrf(client, path)
    ok = client.post(path, data={"csrf_token": token, "version": version, "f_amount": "2"})
    assert ok.status_code == 303
    stale = client.post(path, data={"csrf_token": token, "version": version, "f_amount": "3"})
    assert stale.status_code == 409
    with demo.app_context():
        assert db.session.scalar(select(Case)).data["amount"] == 2
    other = demo.test_client()
    login(other, "senior_school_clerk")  # another organisation: the case does not exist for it
    assert other.get(path).status_code == 404


def test_submission_needs_a_complete_application_and_known_fields(ctx):
    case = engine.create_case("test_permit", "standard", user("school_clerk"), {"project": "x"})
    with pytest.raises(ActionRefused) as refused:
        engine.apply(case, "submit", user("school_clerk"))
    assert refused.value.code == "application_incomplete"
    assert "申请金额（元）" in refused.value.message(english=False)
    with pytest.raises(InvalidInput) as invalid:
        engine.update_data(case, user("school_clerk"), {"colour": "red", "amount": "abc"})
    assert set(invalid.value.errors) == {"colour", "amount"}
    engine.update_data(case, user("school_clerk"), {"amount": "10"})
    engine.apply(case, "submit", user("school_clerk"))
    assert case.state == "intake"


@pytest.fixture
def ctx(demo):
    with demo.app_context():
        yield demo
