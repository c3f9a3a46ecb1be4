"""End to end in a real browser (Workflow A): a submitted technician college goes all the way to
``filed`` — the city recommends, the province assigns the panels and accepts, three experts score
blind, two inspectors fill the checklist (one with a photo), the leader approves, the public
notice runs out, the provincial government approves, the reply is issued and the filing
recorded; the public school registry lists the school. A screenshot per step."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import time_machine
from playwright.sync_api import expect
from sqlalchemy import select

from caseflow.extensions import db
from caseflow.models import Case
from caseflow.timeutil import SHANGHAI
from caseflow.workflows import notices
from caseflow.workflows.clock import fire_due_timers
from tests.e2e.school_helpers import (
    SCHOOL_NAME,
    Watch,
    jpeg_file,
    log_in_to,
    open_action,
    submit_action,
    submitted_case,
    upload,
)

EXPERTS = (("expert1", "评审专家甲", 0.9), ("expert2", "评审专家乙", 0.8),
           ("expert3", "评审专家丙", 0.85))  # fmt: skip
INSPECTORS = (("inspector1", "检查人员甲"), ("inspector2", "检查人员乙"))


def state(page):
    return page.locator("[data-testid=case-state]")


def open_case(new_page, watch, username: str, reference: str, locale: str = "zh-CN"):
    page = watch.page(new_page(locale))
    log_in_to(page, username, f"/cases/{reference}")
    return page


def assign(page, stage: str, names) -> None:
    """Pick ``names`` in the panel picker of ``stage`` and assign them."""
    page.click(f"[data-bs-target='#panel-{stage}']")
    picker = page.locator(f"#people-{stage}")
    expect(picker).to_be_visible()
    values = [picker.locator("option", has_text=name).get_attribute("value") for name in names]
    picker.select_option(values)
    with page.expect_navigation():
        page.locator(f"#panel-{stage} button[type=submit]").click()
    panel = page.locator("[data-testid=panel]", has=page.locator(f"#panel-{stage}"))
    for name in names:
        expect(panel).to_contain_text(name)


def score_event(page, name: str):
    """The timeline entry of the scoring sheet ``name`` signed."""
    signed = page.locator("[data-testid=event-action]", has_text="提交评分表")
    return page.locator("[data-testid=event]", has_text=name).filter(has=signed)


def score(page, share: float) -> int:
    """Fill the scoring sheet with ``share`` of each criterion's maximum; returns the total."""
    form = open_action(page, "score")
    inputs = form.locator("[data-testid=sheet-scores] input[type=number]")
    total = 0
    for i in range(inputs.count()):
        box = inputs.nth(i)
        points = round(int(box.get_attribute("max")) * share)
        box.fill(str(points))
        total += points
    # the running total follows the typing (case.js); the server adds the rows again on signing
    expect(form.locator("[data-testid=sheet-total] [data-cf-sheet-total]")).to_have_text(str(total))
    form.locator("textarea[name=comment]").fill("办学条件较好，专业设置与区域产业匹配，同意。")
    return total


def test_a_technician_college_goes_all_the_way_to_filed(demo, new_page, steps, tmp_path):
    demo.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    watch = Watch()
    reference = submitted_case(demo)

    city = open_case(new_page, watch, "chengdu_reviewer", reference)
    expect(state(city)).to_have_text("初审")
    form = open_action(city, "recommend")
    form.locator("textarea[name=comment]").fill("经初审，申报材料齐全，同意推荐。")
    steps.shot(city, "city-recommends")
    submit_action(city, form, "受理")

    province = open_case(new_page, watch, "province_reviewer", reference)
    expect(state(province)).to_have_text("受理")
    assign(province, "expert_review", [name for _, name, _ in EXPERTS])
    assign(province, "site_inspection", [name for _, name in INSPECTORS])
    steps.shot(province, "panels-assigned")
    form = open_action(province, "accept")
    form.locator("textarea[name=comment]").fill("材料齐全，予以受理。")
    submit_action(province, form, "专家评审")
    expect(province.locator("section[aria-labelledby=documents-title]")).to_contain_text("受理")
    steps.shot(province, "accepted")

    totals = []
    for n, (username, name, share) in enumerate(EXPERTS):
        expert = open_case(new_page, watch, username, reference)
        expect(state(expert)).to_have_text("专家评审")
        if n == 1:  # blind: the first expert's sheet is not shown to the second
            signed = score_event(expert, EXPERTS[0][1])
            expect(signed).to_have_count(1)
            expect(signed).not_to_contain_text("评分表:")
            expect(expert.locator("[data-testid=panel-summary]")).to_have_count(0)
            steps.shot(expert, "second-expert-cannot-see-first-sheet")
        totals.append(score(expert, share))
        steps.shot(expert, f"{username}-sheet-filled")
        submit_action(expert, expert.locator("#action-score form"))
        if n == 0:  # the author reads their own sheet
            expect(score_event(expert, name)).to_contain_text("评分表:")
            steps.shot(expert, f"{username}-signed")
    expect(state(expert)).to_have_text("实地考察")
    steps.shot(expert, "expert-review-done")

    for n, (username, _name) in enumerate(INSPECTORS):
        inspector = open_case(new_page, watch, username, reference)
        expect(state(inspector)).to_have_text("实地考察")
        if n == 0:
            upload(inspector, "inspection_photos", jpeg_file(tmp_path))
            steps.shot(inspector, "photo-uploaded")
        form = open_action(inspector, "inspect")
        sheet = form.locator("[data-testid=sheet-checklist]")
        radios = sheet.locator("input[type=radio][value=met]")
        for i in range(radios.count()):
            radios.nth(i).check()
        form.locator("textarea[name=comment]").fill("现场核查校园、校舍及实训设备，与申报材料一致。")
        steps.shot(inspector, f"{username}-checklist-filled")
        submit_action(inspector, form)
    expect(state(inspector)).to_have_text("厅务会决定")

    leader = open_case(new_page, watch, "leader", reference)
    summary = leader.locator("[data-testid=panel-summary]")
    expect(summary).to_be_visible()
    for _, name, _ in EXPERTS:
        expect(summary.locator("thead")).to_contain_text(name)
    mean = f"{sum(totals) / len(totals):.2f}"
    total_row = summary.locator("[data-testid=stat-total] td")  # experts, mean, low, high, spread
    expect(total_row).to_have_text([*(str(t) for t in totals), mean, f"{min(totals)}.00",
                                     f"{max(totals)}.00", f"{max(totals) - min(totals)}.00"])
    expect(summary.locator("[data-testid=panel-result]")).to_contain_text(mean)
    expect(summary.locator("[data-testid=panel-result] .badge")).to_have_text("进入实地考察")
    steps.shot(leader, "leader-sees-panel-scores")
    form = open_action(leader, "approve")
    form.locator("textarea[name=comment]").fill("经厅务会研究，同意设立，予以公示。")
    submit_action(leader, form, "公示")
    steps.shot(leader, "approved-under-notice")

    public = watch.page(new_page())
    public.goto("/public/notices")
    expect(public.locator("main")).to_contain_text(SCHOOL_NAME)
    steps.shot(public, "public-notice")

    with demo.app_context():
        case = db.session.scalar(select(Case).where(Case.reference == reference))
        ends_on = notices.current_notice(case).ends_on
        db.session.remove()
    after = datetime.combine(ends_on + timedelta(days=1), time(10, 0), tzinfo=SHANGHAI)
    with time_machine.travel(after, tick=True):
        with demo.app_context():
            fire_due_timers()
            case = db.session.scalar(select(Case).where(Case.reference == reference))
            assert case.state == "government_approval"
            db.session.remove()
        walk_from_the_government(new_page, watch, steps, reference, after.date(), public)
    watch.assert_clean()


def walk_from_the_government(new_page, watch, steps, reference, today, public):
    government = open_case(new_page, watch, "government", reference)
    expect(state(government)).to_have_text("省政府审批")
    form = open_action(government, "government_approve")
    number = f"川府函〔{today.year}〕12号"
    form.locator("input[name=government_reply_number]").fill(number)
    form.locator("input[name=government_reply_date]").fill(today.isoformat())
    form.locator("textarea[name=comment]").fill("经省政府同意，批准设立。")
    steps.shot(government, "government-approves")
    submit_action(government, form, "批准")

    clerk = open_case(new_page, watch, "province_reviewer2", reference)
    form = open_action(clerk, "issue_reply")
    form.locator("textarea[name=comment]").fill("印发批复。")
    submit_action(clerk, form, "批准")
    documents = clerk.locator("section[aria-labelledby=documents-title]")
    reply = documents.locator("li", has_text="批复")
    expect(reply).to_have_count(1)
    steps.shot(clerk, "reply-issued")
    with clerk.expect_navigation():
        reply.get_by_role("link", name="打印预览").click()
    page = clerk.locator("body")
    expect(page).to_contain_text(reference)
    expect(page).to_contain_text(number)  # the reply cites the government's
    steps.shot(clerk, "reply-print-view")

    clerk.goto(f"/cases/{reference}")
    form = open_action(clerk, "record_filing")
    form.locator("input[name=filing_date]").fill(today.isoformat())
    form.locator("input[name=filing_reference]").fill(f"人社部备〔{today.year}〕37号")
    form.locator("textarea[name=comment]").fill("已报人力资源社会保障部备案。")
    steps.shot(clerk, "filing-form")
    submit_action(clerk, form, "已备案")
    steps.shot(clerk, "filed")

    public.goto("/public/schools")
    expect(public.locator("main")).to_contain_text(SCHOOL_NAME)
    steps.shot(public, "public-school-registry")
    public.locator("main a", has_text=SCHOOL_NAME).first.click()
    expect(public.locator("main")).to_contain_text(number)
    steps.shot(public, "public-school-page")
