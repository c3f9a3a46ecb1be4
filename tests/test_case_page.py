"""The case page (GET /cases/<reference>), its action forms, the 409 page for stale forms, the
supplement answers, the timeline with its chain mark, and the workflow diagram page."""

import re
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from caseflow.extensions import db
from caseflow.models import Case, CaseEvent, SupplementItem, Task
from caseflow.workflows.definition import Field
from tests.audit.conftest import tampering
from tests.helpers import csrf_from, login
from tests.workflows.conftest import act, drive, new_case, user

VERSION_RE = re.compile(r'name="version" value="(\d+)"')


def make_case(app, to_state="intake", **kwargs) -> str:
    with app.app_context():
        case = new_case(**kwargs)
        if to_state != "draft":
            drive(case, to_state)
        reference = case.reference
        db.session.remove()
    return reference


def case_row(app, reference):
    with app.app_context():
        case = db.session.scalar(sa.select(Case).where(Case.reference == reference))
        db.session.expunge(case)
        db.session.remove()
    return case


def client_for(app, username, lang=None):
    client = app.test_client()
    assert login(client, username).status_code == 302
    if lang:
        client.get(f"/lang/{lang}")
    return client


def page(client, reference, status=200) -> str:
    response = client.get(f"/cases/{reference}")
    assert response.status_code == status
    return response.get_data(as_text=True)


def post_action(client, reference, action, data=None, version=None, **kwargs):
    html = page(client, reference)
    if version is None:
        version = int(VERSION_RE.search(html).group(1)) if VERSION_RE.search(html) else 0
    form = {"csrf_token": csrf_from(html), "version": str(version), **(data or {})}
    return client.post(f"/cases/{reference}/actions/{action}", data=form, **kwargs)


def action_buttons(html: str) -> set[str]:
    return set(re.findall(r'data-action="([a-z_]+)"', html))


# ---------------------------------------------------------------------------------------------
# Rendering and access


@pytest.mark.parametrize("username", ["school_clerk", "chengdu_reviewer", "auditor"])
@pytest.mark.parametrize(
    ("lang", "html_lang", "state", "submit"),
    [("zh_CN", "zh-CN", "初审", "提交"), ("en", "en", "Intake", "Submit")],
)
def test_page_renders_for_each_role_in_both_languages(
    demo, username, lang, html_lang, state, submit
):
    reference = make_case(demo)
    client = client_for(demo, username, lang)
    html = page(client, reference)
    assert f'<html lang="{html_lang}">' in html
    assert reference in html
    assert f'data-testid="case-state">{state}<' in html
    assert 'data-testid="stepper"' in html and 'aria-current="step"' in html
    assert 'data-chain="verified"' in html
    assert submit in html  # the timeline labels the submission with the definition's label
    assert "成都市示范技工学校" in html  # the applicant organisation
    assert f"/cases/workflows/test_permit/diagram?case={reference}" in html


def test_case_of_another_city_is_a_404(demo):
    reference = make_case(demo)
    client = client_for(demo, "mianyang_reviewer")
    page(client, reference, status=404)
    page(client, "TP-2026-510100-9999", status=404)
    response = post_action(client_for(demo, "chengdu_reviewer"), reference, "recommend")
    assert response.status_code == 303  # the same action from the right city works


def test_case_routes_need_login_and_csrf(demo):
    reference = make_case(demo)
    anonymous = demo.test_client()
    response = anonymous.get(f"/cases/{reference}")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    for path in (
        f"/cases/{reference}/actions/recommend",
        f"/cases/{reference}/items/1",
        f"/cases/{reference}/tasks/1/remind",
        f"/cases/{reference}/panels/panel",
    ):
        assert anonymous.post(path).status_code in (302, 400), path
    other = client_for(demo, "mianyang_reviewer")
    token = csrf_from(other.get("/").get_data(as_text=True))
    response = other.post(
        f"/cases/{reference}/actions/recommend", data={"csrf_token": token, "version": "2"}
    )
    assert response.status_code == 404
    assert case_row(demo, reference).state == "intake"


def test_stepper_marks_done_current_and_upcoming(demo):
    reference = make_case(demo, "review")
    html = page(client_for(demo, "province_reviewer", "en"), reference)
    steps = re.findall(r'<li class="cf-step cf-step-(\w+)"[^>]*>\s*([^<\n]+)', html)
    labels = [(status, label.strip()) for status, label in steps]
    assert labels[:4] == [
        ("done", "Draft"),
        ("done", "Intake"),
        ("current", "Review"),
        ("upcoming", "Panel"),
    ]
    assert "Supplement" not in [label for _s, label in labels]  # a side loop, not the path
    assert "Approved" in html  # the expected outcome at the end


def test_stepper_shows_a_side_state_at_the_step_that_returned_the_case(demo):
    reference = make_case(demo)
    with demo.app_context():
        case = db.session.scalar(sa.select(Case).where(Case.reference == reference))
        act(case, "return_for_supplement", "chengdu_reviewer", {"items": ["A"]}, comment="补")
        db.session.remove()
    html = page(client_for(demo, "school_clerk", "en"), reference)
    assert re.search(r'cf-step-current" aria-current="step">\s*Intake', html)
    assert "Now: Supplement" in html


def test_licensing_clock_is_shown_once_started(demo):
    intake = make_case(demo, "intake")
    review = make_case(demo, "review")
    client = client_for(demo, "province_reviewer", "en")
    assert "The clock starts when the application is accepted." in page(client, intake)
    html = page(client, review)
    assert "Running" in html and "Working days remaining" in html and "0 / 20" in html


# ---------------------------------------------------------------------------------------------
# Actions


def test_only_available_actions_are_shown(demo):
    reference = make_case(demo)
    reviewer = page(client_for(demo, "chengdu_reviewer"), reference)
    assert action_buttons(reviewer) == {"recommend", "return_for_supplement", "reject"}
    assert 'data-testid="remedies"' in reviewer  # the rejection form tells of the remedies
    applicant = page(client_for(demo, "school_clerk"), reference)
    assert action_buttons(applicant) == {"withdraw"}  # no reviewer decision for the applicant
    auditor = page(client_for(demo, "auditor"), reference)
    assert action_buttons(auditor) == set() and 'data-testid="no-actions"' in auditor
    other = page(client_for(demo, "chengdu_reviewer2"), reference)
    assert action_buttons(other) == {"recommend", "return_for_supplement", "reject"}


def test_posting_an_action_moves_the_case_and_lands_on_the_case_page(demo):
    reference = make_case(demo)
    client = client_for(demo, "chengdu_reviewer", "en")
    response = post_action(client, reference, "recommend", {"comment": "Fine."})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/cases/{reference}")
    html = page(client, reference)
    assert "Recommend: done" in html and "Fine." in html
    case = case_row(demo, reference)
    assert case.state == "review"


def test_action_without_csrf_token_is_rejected(demo):
    reference = make_case(demo)
    client = client_for(demo, "chengdu_reviewer")
    response = client.post(f"/cases/{reference}/actions/recommend", data={"version": "3"})
    assert response.status_code == 400
    assert case_row(demo, reference).state == "intake"


def test_invalid_input_re_renders_the_form_with_field_messages(demo):
    reference = make_case(demo)
    client = client_for(demo, "chengdu_reviewer", "en")
    before = case_row(demo, reference).version
    response = post_action(
        client, reference, "return_for_supplement", {"comment": "", "items": ["", "  "]}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "A comment with your reasons is required." in html
    assert "This field is required." in html
    assert 'class="collapse show" id="action-return_for_supplement"' in html
    after = case_row(demo, reference)
    assert (after.state, after.version) == ("intake", before)


def test_invalid_number_keeps_what_was_typed(demo):
    reference = make_case(demo, "panel")
    client = client_for(demo, "expert1", "en")
    response = post_action(client, reference, "score", {"score": "101", "comment": "Strong."})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Must be at most 100." in html and 'value="101"' in html and "Strong." in html
    response = post_action(client, reference, "score", {"score": "many"})
    assert response.status_code == 422 and "Invalid value." in response.get_data(as_text=True)
    assert post_action(client, reference, "score", {"score": "90"}).status_code == 303


def test_stale_form_gets_the_409_page_and_changes_nothing(demo):
    reference = make_case(demo)
    client = client_for(demo, "chengdu_reviewer", "en")
    html = page(client, reference)
    version = int(VERSION_RE.search(html).group(1))
    with demo.app_context():  # a colleague acts meanwhile: the case's version moves on
        case = db.session.scalar(sa.select(Case).where(Case.reference == reference))
        engine_task = db.session.scalar(sa.select(Task).where(Task.case_id == case.id))
        from caseflow.workflows import engine

        engine.claim(engine_task, user("chengdu_reviewer2"))
        db.session.remove()
    response = client.post(
        f"/cases/{reference}/actions/reject",
        data={"csrf_token": csrf_from(html), "version": str(version), "comment": "No licence."},
    )
    assert response.status_code == 409
    stale = response.get_data(as_text=True)
    assert "Nothing was changed." in stale and "Task claimed" in stale
    assert "成都市人社局复核" in stale  # who changed it last
    assert "No licence." in stale  # what the user typed is not lost
    assert f'href="/cases/{reference}"' in stale and 'data-testid="reload"' in stale
    after = case_row(demo, reference)
    assert (after.state, after.version) == ("intake", version + 1)


def test_an_action_that_is_not_available_is_refused_without_change(demo):
    reference = make_case(demo)
    before = case_row(demo, reference)
    client = client_for(demo, "school_clerk", "en")
    response = post_action(client, reference, "recommend", follow_redirects=True)
    assert response.status_code == 200
    assert "No one reviews a case filed by their own organisation." in response.get_data(
        as_text=True
    )
    response = post_action(client, reference, "no_such_action", follow_redirects=True)
    assert "This action is not available at this step." in response.get_data(as_text=True)
    after = case_row(demo, reference)
    assert (after.state, after.version) == (before.state, before.version)
    with demo.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count(CaseEvent.id)).where(CaseEvent.case_id == after.id)
            )
            == 2
        )


def test_refusal_reason_is_in_the_users_language(demo):
    reference = make_case(demo)
    response = post_action(
        client_for(demo, "school_clerk"), reference, "recommend", follow_redirects=True
    )
    assert "不能审核本单位提交的案件。" in response.get_data(as_text=True)


# ---------------------------------------------------------------------------------------------
# Supplement notice


def test_itemised_supplement_notice_is_answered_and_resubmitted(demo):
    reference = make_case(demo)
    reviewer = client_for(demo, "chengdu_reviewer", "en")
    response = post_action(
        reviewer,
        reference,
        "return_for_supplement",
        {"comment": "Two things missing.", "items": ["Teacher list", "", "Site lease"]},
    )
    assert response.status_code == 303
    with demo.app_context():
        items = db.session.scalars(sa.select(SupplementItem).order_by(SupplementItem.position))
        ids = [(i.id, i.text) for i in items]
    assert [text for _id, text in ids] == ["Teacher list", "Site lease"]

    applicant = client_for(demo, "school_clerk", "en")
    html = page(applicant, reference)
    assert html.count('data-testid="supplement-item"') == 2
    assert "resubmit" not in action_buttons(html)  # every item must be answered first
    first, second = ids[0][0], ids[1][0]
    token = csrf_from(html)
    response = applicant.post(
        f"/cases/{reference}/items/{first}", data={"csrf_token": token, "answer": "  "}
    )
    assert response.status_code == 422
    assert "Please write an answer." in response.get_data(as_text=True)
    for item_id, answer in ((first, "Attached the list."), (second, "Lease uploaded.")):
        response = applicant.post(
            f"/cases/{reference}/items/{item_id}", data={"csrf_token": token, "answer": answer}
        )
        assert response.status_code == 303
    html = page(applicant, reference)
    assert "Attached the list." in html and "Lease uploaded." in html
    assert "resubmit" in action_buttons(html)
    assert post_action(applicant, reference, "resubmit").status_code == 303
    assert case_row(demo, reference).state == "intake"
    html = page(reviewer, reference)  # the reviewer sees the answers on the returned case
    assert "Lease uploaded." in html and "Supplement item answered" in html


def test_only_the_applicant_answers_supplement_items(demo):
    reference = make_case(demo)
    with demo.app_context():
        case = db.session.scalar(sa.select(Case).where(Case.reference == reference))
        act(case, "return_for_supplement", "chengdu_reviewer", {"items": ["A"]}, comment="补")
        item_id = db.session.scalar(sa.select(SupplementItem.id))
        db.session.remove()
    reviewer = client_for(demo, "chengdu_reviewer", "en")
    html = page(reviewer, reference)
    assert f"/items/{item_id}" not in html
    response = reviewer.post(
        f"/cases/{reference}/items/{item_id}",
        data={"csrf_token": csrf_from(html), "answer": "x"},
        follow_redirects=True,
    )
    assert "Only an applicant of the filing organisation may do this." in response.get_data(
        as_text=True
    )
    with demo.app_context():
        assert db.session.get(SupplementItem, item_id).answer is None


# ---------------------------------------------------------------------------------------------
# Timeline and hash chain


def test_timeline_lists_every_event_with_its_details(demo):
    reference = make_case(demo)
    with demo.app_context():
        case = db.session.scalar(sa.select(Case).where(Case.reference == reference))
        act(case, "reject", "chengdu_reviewer", comment="不符合设立条件。")
        db.session.remove()
    html = page(client_for(demo, "auditor", "en"), reference)
    assert html.count('data-testid="event"') == 3
    actions = re.findall(r'data-testid="event-action">([^<]+)<', html)
    assert actions == ["Case created", "Submit", "Reject"]
    assert "不符合设立条件。" in html and "Remedies" in html and "60 days" in html
    assert (
        "成都市人社局经办" in html
        and "City reviewer" in html
        and "成都市人力资源和社会保障局" in html
    )
    assert "Draft &rarr; Intake" in html
    assert 'data-chain="verified"' in html
    assert 'class="cf-step cf-step-outcome cf-bad"' in html  # rejected: the outcome is shown


def test_tampered_chain_is_marked_broken(demo):
    reference = make_case(demo)
    case_id = case_row(demo, reference).id
    with tampering(demo) as conn:
        conn.execute(
            sa.update(CaseEvent.__table__)
            .where(CaseEvent.case_id == case_id, CaseEvent.seq == 2)
            .values(comment="rewritten")
        )
    html = page(client_for(demo, "auditor", "en"), reference)
    assert 'data-chain="broken"' in html and "Chain broken at event 2" in html
    assert 'class="list-group-item cf-broken" id="event-2"' in html


# ---------------------------------------------------------------------------------------------
# Task operations from the case page


def test_claim_and_release_post_to_the_inbox_and_come_back(demo):
    reference = make_case(demo)
    client = client_for(demo, "chengdu_reviewer", "en")
    html = page(client, reference)
    claim = re.search(r'action="(/review/tasks/\d+/claim)"', html).group(1)
    response = client.post(
        claim, data={"csrf_token": csrf_from(html), "next": f"/cases/{reference}"}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(reference)
    html = page(client, reference)
    assert "/release" in html and "成都市人社局经办" in html
    other = page(client_for(demo, "chengdu_reviewer2"), reference)
    assert action_buttons(other) == set()  # the claimed task is someone else's now
    assert "/claim" not in other


def test_cosigner_gives_an_opinion_before_the_holder_decides(demo):
    reference = make_case(demo)
    holder = client_for(demo, "chengdu_reviewer", "en")
    html = page(holder, reference)
    claim = re.search(r'action="(/review/tasks/(\d+)/claim)"', html)
    holder.post(claim.group(1), data={"csrf_token": csrf_from(html), "next": "/"})
    html = page(holder, reference)
    with demo.app_context():
        colleague = user("chengdu_reviewer2").id
    assert f'<option value="{colleague}">' in html
    response = holder.post(
        f"/cases/{reference}/tasks/{claim.group(2)}/cosigner",
        data={"csrf_token": csrf_from(html), "user_id": colleague, "position": "before"},
    )
    assert response.status_code == 303
    assert action_buttons(page(holder, reference)) == set()  # the co-signer signs first

    cosigner = client_for(demo, "chengdu_reviewer2", "en")
    html = page(cosigner, reference)
    match = re.search(r'action="(/cases/[^"]+/countersign)"', html)
    response = cosigner.post(match.group(1), data={"csrf_token": csrf_from(html), "comment": ""})
    assert response.status_code == 303
    response = cosigner.post(
        match.group(1),
        data={"csrf_token": csrf_from(html), "comment": "Agree."},
        follow_redirects=True,
    )
    assert "Your opinion has been recorded." in response.get_data(as_text=True)
    html = page(holder, reference)
    assert action_buttons(html) == {"recommend", "return_for_supplement", "reject"}
    assert "Co-signer added" in html and "Co-signer&#39;s opinion" in html and "Agree." in html


def test_province_reviewer_assigns_a_panel(demo):
    reference = make_case(demo, "review")
    client = client_for(demo, "province_reviewer", "en")
    html = page(client, reference)
    assert "send_to_panel" not in action_buttons(html)  # the guard wants a panel first
    with demo.app_context():
        experts = [user(n).id for n in ("expert1", "expert2", "expert3")]
    response = client.post(
        f"/cases/{reference}/panels/panel",
        data={"csrf_token": csrf_from(html), "user_ids": experts},
    )
    assert response.status_code == 303
    html = page(client, reference)
    assert "评审专家甲, 评审专家乙, 评审专家丙" in html and "Panel assigned" in html
    assert "send_to_panel" in action_buttons(html)
    assert 'id="panels"' not in page(client_for(demo, "school_clerk"), reference)
    assert (
        client.post(
            f"/cases/{reference}/panels/review", data={"csrf_token": csrf_from(html)}
        ).status_code
        == 404
    )


def test_reminder_button_posts_a_reminder(demo):
    reference = make_case(demo)
    applicant = client_for(demo, "school_clerk", "en")
    html = page(applicant, reference)
    match = re.search(r'action="(/cases/[^"]+/tasks/\d+/remind)"', html)
    assert match, "the applicant may remind the holder of a waiting task"
    response = applicant.post(
        match.group(1), data={"csrf_token": csrf_from(html)}, follow_redirects=True
    )
    body = response.get_data(as_text=True)
    assert "A reminder has been sent." in body and "Reminder sent" in body
    assert "/remind" not in body  # once per working day: the button is gone
    response = applicant.post(
        match.group(1), data={"csrf_token": csrf_from(html)}, follow_redirects=True
    )
    assert "already reminded today" in response.get_data(as_text=True)


# ---------------------------------------------------------------------------------------------
# Workflow diagram


def test_diagram_page_uses_the_vendored_mermaid(demo):
    reference = make_case(demo)
    client = client_for(demo, "chengdu_reviewer", "en")
    response = client.get(f"/cases/workflows/test_permit/diagram?case={reference}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<pre class="mermaid" data-testid="mermaid">stateDiagram-v2' in html
    assert "state &#34;Intake&#34; as intake" in html and "class intake current" in html
    assert '<script src="/static/vendor/mermaid/mermaid.min.js"></script>' in html
    assert '<script src="/static/js/diagram.js"></script>' in html
    assert not re.search(r'<script[^>]+src="(https?:)?//', html)  # no CDN
    assert "style-src 'self';" in response.headers["Content-Security-Policy"]  # unchanged
    script = client.get("/static/vendor/mermaid/mermaid.min.js")
    assert script.status_code == 200
    script.close()
    plain = client.get("/cases/workflows/test_permit/diagram").get_data(as_text=True)
    assert "class intake current" not in plain
    assert client.get("/cases/workflows/nope/diagram").status_code == 404
    other = client_for(demo, "mianyang_reviewer")
    assert other.get(f"/cases/workflows/test_permit/diagram?case={reference}").status_code == 404


# ---------------------------------------------------------------------------------------------
# Form inputs for every field type of the definition vocabulary


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        (Field("note", "text"), "hello", 'type="text" id="f-act-note" name="note" value="hello"'),
        (Field("n", "int", min_value=1, max_value=9), "3", 'type="number" step="1"'),
        (Field("money", "decimal"), "1.50", 'inputmode="decimal"'),
        (Field("day", "date"), "2026-03-02", 'type="date" id="f-act-day" name="day"'),
        (Field("pick", "choice", choices=("a", "b")), "b", '<option value="b" selected>b</option>'),
        (Field("items", "items"), "", 'name="items" value=""'),
        (Field("ok", "bool"), "true", 'type="checkbox" id="f-act-ok" name="ok" value="true"'),
        (Field("who", "user"), "", 'name="who"'),
    ],
)
def test_every_field_type_has_an_input(demo, field, value, expected):
    from flask import render_template_string
    from werkzeug.datastructures import MultiDict

    from caseflow.cases.forms import action_forms
    from caseflow.workflows.engine import ActionInfo

    info = ActionInfo("act", "transition", "做", "Do", "optional", (field,))
    posted = MultiDict({field.name: value, "comment": ""})
    failed = {"action": "act", "form": posted, "errors": {field.name: "Bad."}}
    with demo.test_request_context():
        wf = SimpleNamespace(transition=lambda state, action: None, remedies=None)
        (form,) = action_forms(wf, "draft", [info], failed)
        html = render_template_string(
            '{% from "cases/_action_fields.html" import action_field %}'
            "{% for fv in form.fields %}{{ action_field('act', fv, users) }}{% endfor %}",
            form=form,
            users=[],
        )
    assert expected in html
    assert "Bad." in html and "is-invalid" in html


def test_the_auditor_finds_any_case_and_nobody_else_may_list_them(demo):
    from caseflow.demo_cases import seed_demo_cases

    with demo.app_context():
        seed_demo_cases()
    auditor = demo.test_client()
    login(auditor, "auditor")
    page = auditor.get("/audit/cases").get_data(as_text=True)
    assert page.count("/cases/TP-") == 8
    found = auditor.get("/audit/cases?q=绵阳&workflow=test_permit&state=intake")
    assert found.get_data(as_text=True).count("/cases/TP-") == 1
    for username in ("admin", "province_reviewer", "school_clerk"):
        other = demo.test_client()
        login(other, username)
        assert other.get("/audit/cases").status_code == 403


def test_hand_over_notes_are_for_reviewers_not_the_applicant(demo):
    from caseflow.workflows import engine
    from tests.workflows.conftest import act, new_case, user

    with demo.app_context():
        case = new_case()
        act(case, "submit", "school_clerk")
        task = db.session.scalar(sa.select(Task).where(Task.case_id == case.id))
        engine.claim(task, user("chengdu_reviewer"))
        note = "请重点核对场地面积"
        engine.handover(task, user("chengdu_reviewer"), user("chengdu_reviewer2"), note)
        reference = case.reference
    reviewer = demo.test_client()
    login(reviewer, "chengdu_reviewer2")
    assert "请重点核对场地面积" in reviewer.get(f"/cases/{reference}").get_data(as_text=True)
    applicant = demo.test_client()
    login(applicant, "school_clerk")
    assert "请重点核对场地面积" not in applicant.get(f"/cases/{reference}").get_data(as_text=True)
