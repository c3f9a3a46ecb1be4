"""The reviewer inbox (待办): tabs and counts by role and scope, filters, due dates, pagination,
claim / release / hand over over HTTP, and a fixed number of queries per page."""

import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from sqlalchemy import event, select, update

from caseflow.extensions import db
from caseflow.models import Case, RoleAssignment, Task, User
from caseflow.review import colleagues, queries
from caseflow.workflows import engine
from caseflow.workflows.errors import ActionRefused
from tests.helpers import csrf_from, login
from tests.workflows.conftest import act, drive, new_case, user

# Tuesday 8 December 2026, 10:00 in Shanghai.
TUESDAY = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)
CITY_REVIEWER = {"senior_school_clerk": "mianyang_reviewer"}


def make_cases(app, *specs):
    """Cases driven to a state: ("intake", "school_clerk") … → their references."""
    refs = []
    with app.app_context():
        for state, applicant in specs:
            case = new_case(applicant=applicant)
            if state in ("intake", "review") and applicant != "school_clerk":
                act(case, "submit", applicant)
                if state == "review":
                    act(case, "recommend", CITY_REVIEWER[applicant])
            elif state != "draft":
                drive(case, state)
            refs.append(case.reference)
    return refs


def open_task(app, reference) -> int:
    with app.app_context():
        case = db.session.scalar(select(Case).where(Case.reference == reference))
        return db.session.scalar(
            select(Task.id).where(Task.case_id == case.id, Task.status == "open").order_by(Task.id)
        )


def inbox(client, **args):
    response = client.get("/review/inbox", query_string=args)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def rows(html) -> list[str]:
    """The case references listed in the table, in order."""
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    return re.findall(r'<td><a href="[^"]*">([A-Z]+-\d{4}-\d{6}-\d{4})</a></td>', body)


def counts(html) -> dict[str, int]:
    found = re.findall(r'tab=(\w+)[^"]*">[^<]*\s*<span class="badge[^"]*">(\d+)</span>', html)
    return {tab: int(n) for tab, n in found}


def logged_in(app, username, lang=None):
    client = app.test_client()
    assert login(client, username).status_code == 302
    if lang:
        client.get(f"/lang/{lang}")
    return client


def post_task(client, task_id, op, data=None, next_url="/review/inbox?tab=mine"):
    token = csrf_from(inbox(client))
    payload = {"csrf_token": token, "next": next_url, **(data or {})}
    return client.post(f"/review/tasks/{task_id}/{op}", data=payload)


def test_tabs_and_counts_for_city_and_province_reviewers(demo):
    chengdu, done, mianyang = make_cases(
        demo,
        ("intake", "school_clerk"),
        ("review", "school_clerk"),
        ("intake", "senior_school_clerk"),
    )
    city = logged_in(demo, "chengdu_reviewer")
    html = inbox(city, tab="unclaimed")
    assert rows(html) == [chengdu]
    assert counts(html) == {"mine": 0, "unclaimed": 1, "overdue": 0, "done": 1}
    assert rows(inbox(city, tab="done")) == [done]  # chengdu_reviewer recommended it at intake
    assert rows(inbox(city, tab="mine")) == []

    province = logged_in(demo, "province_reviewer")
    html = inbox(province, tab="unclaimed")
    assert rows(html) == [done]
    assert counts(html) == {"mine": 0, "unclaimed": 1, "overdue": 0, "done": 0}

    other_city = logged_in(demo, "mianyang_reviewer")
    for tab in queries.TABS:
        assert chengdu not in inbox(other_city, tab=tab)
    assert rows(inbox(other_city, tab="unclaimed")) == [mianyang]


@pytest.mark.parametrize("username", ["school_clerk", "admin", "auditor"])
def test_inbox_is_for_people_who_work_on_cases(demo, username):
    client = logged_in(demo, username)
    assert client.get("/review/inbox").status_code == 403


def test_panel_members_see_their_assigned_tasks(demo):
    (ref,) = make_cases(demo, ("panel", "school_clerk"))
    html = inbox(logged_in(demo, "expert1"), tab="mine")
    assert rows(html) == [ref] and "专家评审" in html
    assert counts(html)["mine"] == 1 and counts(html)["unclaimed"] == 0


def test_scope_isolation_a_task_out_of_sight_is_404(demo):
    (chengdu,) = make_cases(demo, ("intake", "school_clerk"))
    task_id = open_task(demo, chengdu)
    client = logged_in(demo, "mianyang_reviewer")
    for op in ("claim", "release"):
        assert post_task(client, task_id, op).status_code == 404
    data = {"to_user_id": "1", "note": "x"}
    assert post_task(client, task_id, "handover", data).status_code == 404
    assert client.get(f"/review/tasks/{task_id}/handover").status_code == 404
    assert post_task(client, 999_999, "claim").status_code == 404
    with demo.app_context():
        assert db.session.get(Task, task_id).claimed_by_id is None


def test_claim_release_and_handover_over_http(demo):
    (ref,) = make_cases(demo, ("intake", "school_clerk"))
    task_id = open_task(demo, ref)
    client = logged_in(demo, "chengdu_reviewer")
    response = post_task(client, task_id, "claim", next_url="/review/inbox?tab=mine&page=1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/review/inbox?tab=mine&page=1"
    html = inbox(client, tab="mine")
    assert rows(html) == [ref] and counts(html)["mine"] == 1
    assert f'action="/review/tasks/{task_id}/release"' in html
    assert "chengdu_reviewer2" not in html  # names, not user names
    with demo.app_context():
        reviewer2 = user("chengdu_reviewer2")
        assert f'<option value="{reviewer2.id}">{reviewer2.display_name}</option>' in html

    assert post_task(client, task_id, "release").status_code == 302
    with demo.app_context():
        assert db.session.get(Task, task_id).claimed_by_id is None
    assert rows(inbox(client, tab="unclaimed")) == [ref]

    post_task(client, task_id, "claim")
    data = {"to_user_id": str(reviewer2.id), "note": "休假，请代办"}
    response = post_task(client, task_id, "handover", data)
    assert response.status_code == 302
    with demo.app_context():
        task = db.session.get(Task, task_id)
        assert task.claimed_by_id == reviewer2.id and task.note == "休假，请代办"
    assert rows(inbox(client, tab="mine")) == []
    assert rows(inbox(logged_in(demo, "chengdu_reviewer2"), tab="mine")) == [ref]


def test_handover_refusals_keep_what_was_typed(demo):
    (ref,) = make_cases(demo, ("intake", "school_clerk"))
    task_id = open_task(demo, ref)
    client = logged_in(demo, "chengdu_reviewer")
    post_task(client, task_id, "claim")
    with demo.app_context():
        mianyang = user("mianyang_reviewer").id
        colleague = user("chengdu_reviewer2").id
    response = post_task(client, task_id, "handover", {"to_user_id": str(colleague), "note": " "})
    assert response.status_code == 422
    assert "请填写转交说明。" in response.get_data(as_text=True)
    response = post_task(
        client, task_id, "handover", {"to_user_id": str(mianyang), "note": "请协助审核"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "只能转交给同一角色、同一范围的同事。" in html and "请协助审核" in html
    response = post_task(client, task_id, "handover", {"to_user_id": "", "note": "请协助"})
    assert response.status_code == 422 and "请协助" in response.get_data(as_text=True)
    with demo.app_context():
        assert db.session.get(Task, task_id).claimed_by_id == user("chengdu_reviewer").id


@pytest.mark.parametrize(
    ("lang", "reason"),
    [("zh_CN", "该待办已由他人认领。"), ("en", "Someone has claimed this task.")],
)
def test_refusal_reason_is_flashed_in_the_users_language(demo, lang, reason):
    (ref,) = make_cases(demo, ("intake", "school_clerk"))
    task_id = open_task(demo, ref)
    post_task(logged_in(demo, "chengdu_reviewer"), task_id, "claim")
    other = logged_in(demo, "chengdu_reviewer2", lang)
    response = post_task(other, task_id, "claim", next_url="/review/inbox?tab=unclaimed")
    assert response.headers["Location"] == "/review/inbox?tab=unclaimed"
    assert reason in inbox(other, tab="unclaimed")
    response = post_task(other, task_id, "release")
    assert response.status_code == 302


@pytest.mark.parametrize(
    "target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:x", ""]
)
def test_only_relative_paths_are_followed_back(demo, target):
    (ref,) = make_cases(demo, ("intake", "school_clerk"))
    client = logged_in(demo, "chengdu_reviewer")
    response = post_task(client, open_task(demo, ref), "claim", next_url=target)
    assert response.headers["Location"] == "/review/inbox"


def test_claim_needs_a_csrf_token(demo):
    (ref,) = make_cases(demo, ("intake", "school_clerk"))
    client = logged_in(demo, "chengdu_reviewer")
    assert client.post(f"/review/tasks/{open_task(demo, ref)}/claim").status_code == 400


def test_filters_workflow_kind_region_and_task(demo):
    chengdu, mianyang = make_cases(
        demo, ("review", "school_clerk"), ("review", "senior_school_clerk")
    )
    client = logged_in(demo, "province_reviewer")
    html = inbox(client, tab="unclaimed", region="510700")
    assert rows(html) == [mianyang]
    # Done tasks filtered by a case column are counted on the done tab only.
    assert counts(html) == {"mine": 0, "unclaimed": 1, "overdue": 0}
    assert counts(inbox(client, tab="done", region="510700"))["done"] == 0
    html = inbox(client, tab="unclaimed", workflow="test_permit", kind="standard")
    assert sorted(rows(html)) == sorted([chengdu, mianyang])
    assert counts(inbox(client, tab="unclaimed", task="objection"))["unclaimed"] == 0
    # Values that name nothing are ignored, not an error.
    html = inbox(client, tab="nonsense", workflow="nope", kind="nope", region="x", due="later")
    assert counts(html)["unclaimed"] == 2


def test_due_soon_and_overdue_with_a_fixed_today(demo):
    with time_machine.travel(TUESDAY, tick=False):
        refs = make_cases(demo, *[("intake", "school_clerk")] * 4)
        due_dates = [date(2026, 12, 7), date(2026, 12, 8), date(2026, 12, 10), date(2026, 12, 15)]
        with demo.app_context():
            for ref, due in zip(refs, due_dates, strict=True):
                db.session.execute(update(Task).where(Task.id == open_task(demo, ref))
                                   .values(due_on=due))  # fmt: skip
            db.session.commit()
        client = logged_in(demo, "chengdu_reviewer", "en")
        html = inbox(client, tab="overdue")
        assert rows(html) == refs[:1]
        assert counts(html) == {"mine": 0, "unclaimed": 4, "overdue": 1, "done": 0}
        assert "Overdue · 1 working days" in html
        assert "Due today" in inbox(client, tab="unclaimed")
        soon = inbox(client, tab="unclaimed", due="soon")
        assert rows(soon) == refs[1:3]
        assert counts(soon)["unclaimed"] == 2
        late = inbox(client, tab="unclaimed", due="overdue")
        assert rows(late) == refs[:1]
        # Sorted by due date, then id.
        html = inbox(client, tab="unclaimed")
        assert rows(html) == refs


def test_provisional_deadlines_are_marked(demo):
    (ref,) = make_cases(demo, ("intake", "school_clerk"))
    with demo.app_context():
        db.session.execute(update(Task).where(Task.id == open_task(demo, ref))
                           .values(due_on=date(2027, 3, 2), due_provisional=True))  # fmt: skip
        db.session.commit()
    html = inbox(logged_in(demo, "chengdu_reviewer", "en"), tab="unclaimed")
    assert "2027-03-02" in html and "provisional" in html


def test_pagination(demo):
    refs = make_cases(demo, *[("intake", "school_clerk")] * 5)
    client = logged_in(demo, "chengdu_reviewer")
    first = inbox(client, tab="unclaimed", per_page=2)
    third = inbox(client, tab="unclaimed", per_page=2, page=3)
    assert rows(first) == refs[:2]
    assert rows(third) == refs[4:]
    assert rows(inbox(client, tab="unclaimed", per_page=2, page=99)) == refs[4:]
    assert "page=2" in first and counts(first)["unclaimed"] == 5


def count_statements(app, fn):
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine_ = db.engine
    event.listen(engine_, "before_cursor_execute", record)
    try:
        fn()
    finally:
        event.remove(engine_, "before_cursor_execute", record)
    return statements


@pytest.mark.parametrize("tab", ["unclaimed", "mine", "done"])
def test_a_page_costs_the_same_queries_for_5_or_50_tasks(demo, tab):
    client = logged_in(demo, "chengdu_reviewer")

    def add(n):
        for ref in make_cases(demo, *[("intake", "school_clerk")] * n):
            if tab == "unclaimed":
                continue
            with demo.app_context():
                case = db.session.scalar(select(Case).where(Case.reference == ref))
                if tab == "mine":
                    engine.claim(
                        db.session.get(Task, open_task(demo, ref)), user("chengdu_reviewer")
                    )
                else:
                    act(case, "recommend", "chengdu_reviewer")

    add(5)
    few = count_statements(demo, lambda: inbox(client, tab=tab, per_page=100))
    add(45)
    html = inbox(client, tab=tab, per_page=100)
    assert counts(html)[tab] == 50
    many = count_statements(demo, lambda: inbox(client, tab=tab, per_page=100))
    assert len(many) == len(few), (len(few), len(many))
    # Session and user, their roles, the counts, the page, the holders' roles, the regions, the
    # colleagues, their roles, their decisions, the calendar… and whatever the layout asks.
    assert len(few) <= 16, "\n".join(s.split("\n")[0][:150] for s in few)


def test_objection_rows_link_to_the_case(demo):
    (ref,) = make_cases(demo, ("notice", "school_clerk"))
    with demo.app_context():
        case = db.session.scalar(select(Case).where(Case.reference == ref))
        task = Task(case_id=case.id, stage="notice", kind="objection", visit=case.entered_seq,
                    mode="single", role="province_reviewer", region_code="510000")  # fmt: skip
        db.session.add(task)
        db.session.commit()
        task_id = task.id
    client = logged_in(demo, "province_reviewer", "en")
    html = inbox(client, tab="unclaimed", task="objection")
    assert rows(html) == [ref] and "Objection" in html and f"/cases/{ref}" in html
    assert counts(html)["unclaimed"] == 1
    assert f"/review/tasks/{task_id}/claim" not in html
    response = post_task(client, task_id, "claim")
    assert response.status_code == 302
    assert "Objections are resolved on the case page." in inbox(client)
    with demo.app_context():
        assert db.session.get(Task, task_id).claimed_by_id is None


def test_handover_candidates_agree_with_the_engine(demo):
    """The page-at-once colleague list gives the engine's answer, person by person."""
    with demo.app_context():
        # chengdu_reviewer2 also holds the province role: after deciding at intake, no one
        # acts in a second sign-off stage of the same case, so they are no colleague there.
        reviewer2 = user("chengdu_reviewer2")
        db.session.add(RoleAssignment(user=reviewer2, role="province_reviewer",
                                      scope_kind="province", region_code="510000"))  # fmt: skip
        db.session.commit()
        case = new_case()
        act(case, "submit", "school_clerk")
        act(case, "recommend", "chengdu_reviewer2")
        other = new_case()
        act(other, "submit", "school_clerk")
        tasks = []
        for c, holder in ((case, "province_reviewer"), (other, "chengdu_reviewer")):
            task = db.session.scalar(
                select(Task).where(Task.case_id == c.id, Task.status == "open")
            )
            engine.claim(task, user(holder))
            tasks.append((task, user(holder)))
        everyone = db.session.scalars(select(User)).all()
        for task, holder in tasks:
            found = colleagues.handover_candidates(task, holder)
            wf = engine.registry.get(task.case.workflow)
            state = wf.state(task.case.state)
            expected = []
            for person in everyone:
                try:
                    engine.check_colleague(task.case, wf, state, holder, person,
                                            ActionRefused(engine.REQUIRED))  # fmt: skip
                except ActionRefused:
                    continue
                expected.append(person)
            assert {u.id for u in found} == {u.id for u in expected}
        assert [u.username for u in colleagues.handover_candidates(tasks[0][0], tasks[0][1])] == [
            "province_reviewer2"
        ]
        assert colleagues.handover_candidates(tasks[0][0], user("province_reviewer2")) == []
        assert "handover_candidates" in demo.jinja_env.globals


def test_counts_stop_at_the_cap(demo, monkeypatch):
    monkeypatch.setattr(queries, "COUNT_CAP", 3)
    make_cases(demo, *[("intake", "school_clerk")] * 5)
    html = inbox(logged_in(demo, "chengdu_reviewer"), tab="unclaimed")
    assert '<span class="badge text-bg-secondary">3+</span>' in html
    assert len(rows(html)) == 5  # a page is limited by its size, not by the count


ROLE_USERS = ("admin", "auditor", "province_reviewer", "leader", "government", "chengdu_reviewer",
              "chengdu_finance", "expert1", "inspector1", "school_clerk")  # fmt: skip


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_both_lists_render_or_refuse_for_every_role(demo, lang):
    make_cases(demo, ("intake", "school_clerk"), ("panel", "school_clerk"))
    for username in ROLE_USERS:
        client = logged_in(demo, username, lang)
        for path in ("/review/inbox", "/apply/cases"):
            for tab in queries.TABS:
                response = client.get(path, query_string={"tab": tab})
                assert response.status_code in (200, 403), (username, path)
        reviewer = username not in ("admin", "auditor", "school_clerk")
        assert (client.get("/review/inbox").status_code == 200) == reviewer
        assert (client.get("/apply/cases").status_code == 200) == (username == "school_clerk")
