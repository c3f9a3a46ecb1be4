"""End to end in a real browser (Workflow A): a sponsor files a technician college — every field
of the form, the standards check updating as it types, the draft saved, every required file
uploaded, submitted — and the city returns it for supplement; the sponsor sees the notice.
A screenshot per step in tests/e2e/artifacts/."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from caseflow.policy.display import number
from caseflow.policy.model import to_mu
from tests.e2e.school_helpers import (
    APPLICATION,
    KIND,
    MAJORS,
    PARTNERS,
    REQUIRED_TYPES,
    SCHOOL_NAME,
    SE,
    Watch,
    open_action,
    pdf_file,
    submit_action,
    switch_language,
    upload,
)
from tests.e2e.test_review_flow import log_in

ITEMS = ("请补充校园土地使用证明的不动产权证书原件扫描件",
         "请补充专任教师名册中一体化教师的资格证明")
COMMENT = "经初审，申报材料尚不齐全，请按补正事项一次性补正后重新提交。"
# Form fields by type (the rest are text inputs): what the sponsor picks or ticks.
SELECTS = ("ownership", "current_tier", "president_degree", "vice_president_degree",
           "president_qualification", "vice_president_qualification")  # fmt: skip
LINES = {"majors": MAJORS, "partner_enterprises": PARTNERS}


def row(page, criterion: str):
    return page.locator(f"[data-testid=standards-check] tr[data-criterion={criterion}]")


def fill_application(page, steps) -> None:
    """Fill every field of the form, watching the standards check follow the typing."""
    expect(row(page, "full_time_students")).to_have_attribute("data-status", "missing")
    expect(row(page, "full_time_students")).to_contain_text("尚未填写")
    steps.shot(page, "form-empty-check-not-given")

    page.fill("#f_planned_enrolment", str(APPLICATION["planned_enrolment"]))
    expect(row(page, "full_time_students")).to_have_attribute("data-status", "met")
    expect(row(page, "full_time_students")).to_contain_text("达标")
    page.fill("#f_yearly_training_attendances", "1500")  # below the 2,000 of a college
    expect(row(page, "yearly_training")).to_have_attribute("data-status", "not_met")
    expect(row(page, "yearly_training")).to_contain_text("未达标")
    steps.shot(page, "form-check-met-and-not-met")
    page.fill("#f_yearly_training_attendances", str(APPLICATION["yearly_training_attendances"]))
    expect(row(page, "yearly_training")).to_have_attribute("data-status", "met")

    hint = page.locator("[data-cf-mu-for=f_land_area_m2]")
    expect(hint).to_have_text("")
    page.fill("#f_land_area_m2", APPLICATION["land_area_m2"])
    expect(hint).to_have_text(f"约 {number(to_mu(APPLICATION['land_area_m2']))} 亩")

    for name, value in APPLICATION.items():
        if name in ("planned_enrolment", "yearly_training_attendances", "land_area_m2"):
            continue
        field = f"#f_{name}"
        if name in SELECTS:
            page.select_option(field, value)
        elif name in LINES:
            page.fill(field, "\n".join(LINES[name]))
        elif isinstance(value, bool):
            page.check(field) if value else page.uncheck(field)
        else:
            page.fill(field, str(value))
    summary = page.locator("[data-testid=standards-summary]")
    expect(row(page, "standing_majors")).to_contain_text("4")
    expect(row(page, "senior_level_share")).to_have_attribute("data-status", "met")
    expect(page.locator("[data-testid=standards-check] [data-status=not_met]")).to_have_count(0)
    expect(page.locator("[data-testid=standards-check] [data-status=missing]")).to_have_count(0)
    expect(summary).not_to_have_class(re.compile("text-danger"))
    steps.shot(page, "form-filled")


def test_sponsor_files_a_technician_college_and_the_city_returns_it(demo, new_page, steps,
                                                                     tmp_path):  # fmt: skip
    demo.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    watch = Watch()

    sponsor = watch.page(new_page())
    log_in(sponsor, "sponsor_clerk")
    sponsor.goto("/apply/new")
    steps.shot(sponsor, "choose-kind")
    sponsor.goto(f"/apply/new/{SE}/{KIND}")
    expect(sponsor.locator("h1")).to_contain_text("新建申请")
    fill_application(sponsor, steps)

    with sponsor.expect_navigation():
        sponsor.locator("#application-form button[type=submit]").click()
    expect(sponsor.locator("[data-testid=case-state]")).to_have_text("草稿")
    expect(sponsor.locator(".alert-success")).to_contain_text("草稿")
    reference = sponsor.locator("h1").inner_text().strip()
    assert re.fullmatch(r"SE-\d{4}-510100-\d{4}", reference), reference
    card = sponsor.locator("[data-testid=standards-check]")
    expect(card).to_be_visible()
    expect(card.locator("[data-status=not_met]")).to_have_count(0)
    steps.shot(sponsor, "draft-saved")

    # Editing the draft saves it as the sponsor types (autosave), without a button.
    sponsor.goto(f"/apply/cases/{reference}/edit")
    sponsor.fill("#f_funding_source", "举办者自有资金投入及银行授信")
    saved = re.compile(r"已于 \d\d:\d\d 保存")
    expect(sponsor.locator("[data-testid=autosave-status]")).to_have_text(saved)
    steps.shot(sponsor, "draft-autosaved")
    sponsor.goto(f"/cases/{reference}")
    expect(sponsor.locator("body")).to_contain_text("举办者自有资金投入及银行授信")

    for type_key in REQUIRED_TYPES:
        upload(sponsor, type_key, pdf_file(tmp_path, type_key))
        expect(sponsor.locator(f"[data-testid=attachment-type-{type_key}]")).not_to_contain_text(
            "尚未上传文件")
    steps.shot(sponsor, "attachments-uploaded")

    form = open_action(sponsor, "submit")
    form.locator("textarea[name=comment]").fill("申报材料已按要求准备齐全，请审核。")
    steps.shot(sponsor, "submit-form")
    submit_action(sponsor, form, "初审")
    steps.shot(sponsor, "submitted")

    reviewer = watch.page(new_page())
    log_in(reviewer, "chengdu_reviewer")
    reviewer.goto(f"/cases/{reference}")
    expect(reviewer.locator("[data-testid=case-state]")).to_have_text("初审")
    expect(reviewer.locator("body")).to_contain_text(SCHOOL_NAME)
    check = reviewer.locator("[data-testid=standards-check]")
    expect(check).to_be_visible()
    expect(check).to_contain_text("技师学院")
    expect(row(reviewer, "full_time_students")).to_have_attribute("data-status", "met")
    steps.shot(reviewer, "reviewer-case-page")

    form = open_action(reviewer, "return_for_supplement")
    form.locator("input[name=items]").nth(0).fill(ITEMS[0])
    form.locator("[data-cf-add-item]").click()
    form.locator("input[name=items]").nth(1).fill(ITEMS[1])
    form.locator("textarea[name=comment]").fill(COMMENT)
    steps.shot(reviewer, "return-form-filled")
    submit_action(reviewer, form, "补正")
    expect(reviewer.locator("[data-testid=supplement-item]")).to_have_count(2)
    steps.shot(reviewer, "case-returned")

    sponsor.goto("/apply/cases")
    notice = sponsor.locator("section", has_text=reference).first
    for item in ITEMS:
        expect(notice).to_contain_text(item)
    steps.shot(sponsor, "applicant-sees-notice")
    sponsor.goto(f"/cases/{reference}")
    items = sponsor.locator("[data-testid=supplement-item]")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_contain_text(ITEMS[0])
    expect(items.nth(1)).to_contain_text(ITEMS[1])
    expect(sponsor.locator("body")).to_contain_text(COMMENT)
    steps.shot(sponsor, "applicant-case-page-zh")

    switch_language(sponsor, to_english=True)
    expect(sponsor.locator("#supplement-title")).to_contain_text("Supplement notice")
    expect(sponsor.locator("[data-testid=case-state]")).to_have_text("Supplement")
    expect(sponsor.locator("#attachments-title")).to_have_text("Attachments")
    expect(sponsor.locator("[data-testid=attachment-type-feasibility_study]")).to_contain_text(
        "Feasibility study")
    steps.shot(sponsor, "applicant-case-page-en")
    sponsor.goto(f"/apply/cases/{reference}/edit")
    expect(sponsor.locator("label[for=f_school_name]")).to_contain_text("School name")
    expect(sponsor.locator("[data-cf-mu-for=f_land_area_m2]")).to_contain_text("mu")
    steps.shot(sponsor, "edit-form-en")
    switch_language(sponsor, to_english=False)

    watch.assert_clean()
