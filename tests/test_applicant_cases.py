"""'My cases' (/apply/cases): the organisation's cases only, state groups, what each case
waits for and until when, the licensing clock, and the supplement notices with their items."""

import re
from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy import event, select

from caseflow.extensions import db
from caseflow.models import Case
from caseflow.workflows import engine
from tests.helpers import login
from tests.workflows.conftest import act, drive, new_case, user

# Tuesday 8 December 2026, 10:00 in Shanghai.
TUESDAY = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)
ITEMS = ["请补充近三年的培训计划", "请提供师资情况说明"]


def rows(html) -> list[str]:
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    return re.findall(r'<td><a href="[^"]*">([A-Z]+-\d{4}-\d{6}-\d{4})</a></td>', body)


def page(client, **args) -> str:
    response = client.get("/apply/cases", query_string=args)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def logged_in(app, username, lang=None):
    client = app.test_client()
    assert login(client, username).status_code == 302
    if lang:
        client.get(f"/lang/{lang}")
    return client


def one_of_each(app) -> dict[str, str]:
    """A draft, a case at intake, one returned for supplements, one withdrawn, one in review."""
    refs = {}
    with app.app_context():
        refs["draft"] = new_case().reference
        case = new_case()
        act(case, "submit", "school_clerk")
        refs["intake"] = case.reference
        case = new_case()
        act(case, "submit", "school_clerk")
        act(case, "return_for_supplement", "chengdu_reviewer", {"items": ITEMS}, comment="补正")
        refs["supplement"] = case.reference
        case = new_case()
        act(case, "withdraw", "school_clerk")
        refs["withdrawn"] = case.reference
        refs["review"] = drive(new_case(), "review").reference
        refs["other_org"] = new_case(applicant="senior_school_clerk").reference
    return refs


def test_only_the_organisations_cases_newest_activity_first(demo):
    refs = one_of_each(demo)
    html = page(logged_in(demo, "school_clerk"))
    listed = rows(html)
    assert refs["other_org"] not in listed
    assert listed == [refs[k] for k in ("review", "withdrawn", "supplement", "intake", "draft")]
    assert rows(page(logged_in(demo, "senior_school_clerk"))) == [refs["other_org"]]


@pytest.mark.parametrize("username", ["chengdu_reviewer", "admin", "auditor", "expert1"])
def test_my_cases_is_for_applicants(demo, username):
    assert logged_in(demo, username).get("/apply/cases").status_code == 403


def test_state_groups_filter_and_count(demo):
    refs = one_of_each(demo)
    client = logged_in(demo, "school_clerk")
    assert rows(page(client, group="draft")) == [refs["draft"]]
    assert rows(page(client, group="waiting")) == [refs["supplement"]]
    assert rows(page(client, group="closed")) == [refs["withdrawn"]]
    assert rows(page(client, group="in_progress")) == [refs["review"], refs["intake"]]
    html = page(client, group="nonsense")  # an unknown group shows everything
    assert len(rows(html)) == 5
    badges = re.findall(r'group=(\w+)">[^<]*<span class="badge[^"]*">(\d+)</span>', html)
    assert dict(badges) == {"draft": "1", "in_progress": "2", "waiting": "1", "closed": "1"}


def test_waiting_on_deadline_and_clock(demo):
    with time_machine.travel(TUESDAY, tick=False):
        refs = one_of_each(demo)
        html = page(logged_in(demo, "school_clerk", "en"))
    body = html[html.index("<tbody>") :]
    rows_html = {ref: body[body.index(f">{ref}</a>") :].split("</tr>")[0] for ref in rows(html)}
    intake = rows_html[refs["intake"]]
    assert "Intake" in intake and "City reviewer · Chengdu" in intake
    # 5 working days after Tuesday 8 December 2026.
    assert "2026-12-15" in intake and "5 working days left" in intake
    supplement = rows_html[refs["supplement"]]
    assert "<strong>You</strong>" in supplement
    assert "2026-12-22" in supplement  # the 10 working days to answer, then the case lapses
    review = rows_html[refs["review"]]
    assert "Province reviewer" in review and "running" in review
    assert "0 of 20 working days used" in review
    assert "running" not in intake and "<strong>You</strong>" not in intake
    assert "You: not submitted yet" in rows_html[refs["draft"]]


def test_supplement_notices_list_their_items(demo):
    refs = one_of_each(demo)
    client = logged_in(demo, "school_clerk")
    html = page(client)
    notices = html[: html.index("<table")]
    assert refs["supplement"] in notices and refs["intake"] not in notices
    for item in ITEMS:
        assert item in notices
    assert f'href="/cases/{refs["supplement"]}"' in notices
    with demo.app_context():
        case = db.session.scalar(select(Case).where(Case.reference == refs["supplement"]))
        items = engine.open_supplement_items(case)
        assert [i.text for i in items] == ITEMS
        engine.answer_supplement_item(case, user("school_clerk"), items[0].id, "已补充")
    html = page(logged_in(demo, "school_clerk", "en"))
    notices = html[: html.index("<table")]
    assert notices.count("answered") == 1 and notices.count("to answer") == 1
    # After resubmission there is nothing left to answer.
    with demo.app_context():
        case = db.session.scalar(select(Case).where(Case.reference == refs["supplement"]))
        items = engine.open_supplement_items(case)
        engine.answer_supplement_item(case, user("school_clerk"), items[1].id, "已提供")
        act(case, "resubmit", "school_clerk")
    assert "Supplement notices" not in page(logged_in(demo, "school_clerk", "en"))


def test_a_page_costs_the_same_queries_for_few_or_many_cases(demo):
    client = logged_in(demo, "school_clerk")
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    def measure():
        statements.clear()
        with demo.app_context():
            engine_ = db.engine
        event.listen(engine_, "before_cursor_execute", record)
        try:
            page(client)
        finally:
            event.remove(engine_, "before_cursor_execute", record)
        return len(statements)

    one_of_each(demo)
    few = measure()
    one_of_each(demo)
    one_of_each(demo)
    assert measure() == few


def test_a_panel_stays_anonymous_to_the_applicant(demo):
    with demo.app_context():
        ref = drive(new_case(), "panel").reference
        names = [user(f"expert{n}").display_name for n in (1, 2, 3)]
    html = page(logged_in(demo, "school_clerk", "en"))
    assert rows(html) == [ref]
    assert "Expert ×3" in html
    assert not any(name in html for name in names)
