"""End to end in a real browser: a reviewer takes a task from the inbox and returns the case for
supplements; the applicant sees the notice. A screenshot per step in tests/e2e/artifacts/."""

import re

from playwright.sync_api import expect

from caseflow.extensions import db
from tests.helpers import DEMO_PASSWORD
from tests.workflows.conftest import act, new_case


def log_in(page, username: str) -> None:
    page.goto("/auth/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("main form [type=submit]")
    expect(page).not_to_have_url(re.compile(r"/auth/login"))


def submitted_case(app) -> str:
    with app.app_context():
        case = new_case(amount=120_000)
        act(case, "submit", "school_clerk")
        reference = case.reference
        db.session.remove()
    return reference


def test_reviewer_claims_and_returns_for_supplement_applicant_sees_notice(demo, new_page, steps):
    reference = submitted_case(demo)
    reviewer = new_page()
    log_in(reviewer, "chengdu_reviewer")
    steps.shot(reviewer, "reviewer-home")

    reviewer.goto("/review/inbox?tab=unclaimed")
    row = reviewer.locator("tr", has_text=reference)
    expect(row).to_be_visible()
    steps.shot(reviewer, "inbox-unclaimed")
    row.locator("form[action*='/claim'] button").click()
    expect(reviewer.locator(".alert")).to_be_visible()
    reviewer.goto("/review/inbox?tab=mine")
    row = reviewer.locator("tr", has_text=reference)
    expect(row).to_contain_text("成都市人社局经办")  # held by me now
    steps.shot(reviewer, "inbox-mine-claimed")

    row.get_by_role("link", name=reference).click()
    expect(reviewer.locator("[data-testid=case-state]")).to_have_text("初审")
    expect(reviewer.locator("[data-testid=chain-mark]")).to_have_attribute("data-chain", "verified")
    steps.shot(reviewer, "case-page")

    reviewer.click("[data-action=return_for_supplement]")
    form = reviewer.locator("#action-return_for_supplement form")
    expect(form).to_be_visible()
    form.locator("input[name=items]").nth(0).fill("请补充场地租赁合同")
    form.locator("[data-cf-add-item]").click()
    form.locator("input[name=items]").nth(1).fill("请补充近三年培训人数统计表")
    form.locator("textarea[name=comment]").fill("材料不全，请一次性补正。")
    steps.shot(reviewer, "return-form-filled")
    form.locator("button[type=submit]").click()
    expect(reviewer.locator("[data-testid=case-state]")).to_have_text("补正")
    expect(reviewer.locator("body")).to_contain_text("请补充近三年培训人数统计表")
    steps.shot(reviewer, "case-returned")

    applicant = new_page()
    log_in(applicant, "school_clerk")
    expect(applicant.locator("[data-testid=unread-count]")).to_be_visible()
    applicant.goto("/apply/cases")
    notice = applicant.locator("section", has_text=reference).first
    expect(notice).to_contain_text("请补充场地租赁合同")
    expect(notice).to_contain_text("请补充近三年培训人数统计表")
    steps.shot(applicant, "applicant-sees-notice")
    applicant.goto(f"/cases/{reference}")
    expect(applicant.locator("body")).to_contain_text("材料不全，请一次性补正。")
    steps.shot(applicant, "applicant-case-page")


def test_the_workflow_diagram_is_drawn_without_loosening_the_csp(demo, new_page, steps):
    reference = submitted_case(demo)
    page = new_page("en")
    log_in(page, "school_clerk")
    page.goto("/lang/en")
    page.goto(f"/cases/workflows/test_permit/diagram?case={reference}")
    diagram = page.locator(".card svg").first
    expect(diagram).to_be_visible()
    assert page.locator("[data-cf-diagram-error]").is_hidden()
    assert "Intake" in diagram.text_content()
    box = diagram.bounding_box()
    assert box["width"] > 300 and box["height"] > 300  # laid out, not collapsed by the CSP
    steps.shot(page, "diagram-en")
