"""Shared by the browser tests of Workflow A (school establishment): the application of a new
technician college, files to upload, a watch on console errors and CSP violations, and small
steps on the case page."""

from __future__ import annotations

import io
from pathlib import Path

from playwright.sync_api import expect

from caseflow.demo_schools import demo_pdf
from caseflow.workflows.school_establishment import ATTACHMENTS
from tests.helpers import DEMO_PASSWORD

SE, KIND = "school_establishment", "new_technician_college"
SCHOOL_NAME = "成都天府新区技师学院"  # the demo's draft is 成都天府技师学院: no clash
# feasibility_study, land_certificate, building_certificates, sponsor_qualifications,
# teacher_roster, majors_plan, articles
REQUIRED_TYPES = tuple(t.key for t in ATTACHMENTS if t.required)
MAJORS = ["智能制造技术应用：智能制造工程技术人员", "无人机应用技术：无人机驾驶员",
          "新能源汽车检测与维修：汽车维修工",
          "工业机器人应用与维护：工业机器人系统运维员"]  # fmt: skip
PARTNERS = ["四川示范产业集团有限公司", "成都示范装备制造股份有限公司"]

# The application as case data (for filing through the engine) — it meets the name rules and
# the prerequisites of a technician college, and the setting standards that have a figure.
APPLICATION = {
    "school_name": SCHOOL_NAME, "ownership": "private",
    "sponsor": "四川示范产业集团有限公司", "address": "成都市天府新区正兴街道湖畔路北段366号",
    "land_area_m2": "180000", "building_area_m2": "120000", "training_area_m2": "36000",
    "planned_enrolment": 3800, "yearly_training_attendances": 2500,
    "full_time_teachers": 265, "integrated_teachers": 140, "senior_title_teachers": 88,
    "majors": MAJORS, "equipment_value_wan": "3600", "practical_share_percent": 60,
    "senior_level_share_percent": 62, "partner_enterprises": PARTNERS,
    "funding_source": "举办者自有资金投入", "funding_amount_wan": "36000",
    "articles": "学校为非营利性民办技师学院，实行理事会领导下的院长负责制。",
    "current_tier": "senior_technical_school", "passed_evaluation": True,
    "technician_classes": 4, "president_degree": "master", "vice_president_degree": "bachelor",
    "president_qualification": "senior_professional_title",
    "vice_president_qualification": "senior_technician", "president_experience_years": 12,
}  # fmt: skip


class Watch:
    """Console errors, uncaught page errors and CSP violations of every page it watches."""

    def __init__(self):
        self.errors: list[str] = []

    def page(self, page):
        page.on("console", lambda msg: self._console(page, msg))
        page.on("pageerror", lambda exc: self.errors.append(f"{page.url}: pageerror: {exc}"))
        return page

    def _console(self, page, msg) -> None:
        source = msg.location.get("url") or ""
        # The app serves no /favicon.ico (the browser asks for it on its own): not a page error.
        if msg.type == "error" and not source.endswith("/favicon.ico"):
            self.errors.append(f"{page.url}: console: {msg.text} ({source})")

    def assert_clean(self):
        csp = [e for e in self.errors if "Content Security Policy" in e]
        assert not csp, "CSP violations:\n" + "\n".join(csp)
        assert not self.errors, "console errors:\n" + "\n".join(self.errors)


def log_in_to(page, username: str, path: str) -> None:
    """Log in with the login form and land on ``path`` (the form's ``next``)."""
    page.goto(f"/auth/login?next={path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation(url=f"**{path}"):
        page.click("main form [type=submit]")


def pdf_file(folder: Path, type_key: str) -> Path:
    """A one-page PDF named after its attachment type (its bytes pass the content check)."""
    path = folder / f"{type_key}.pdf"
    path.write_bytes(demo_pdf(type_key))
    return path


def jpeg_file(folder: Path, name: str = "campus.jpg") -> Path:
    """A small real JPEG (Pillow): a grey-blue 'photo' of 64 × 48 pixels."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 120, 160)).save(buffer, "JPEG", quality=80)
    path = folder / name
    path.write_bytes(buffer.getvalue())
    return path


def upload(page, type_key: str, path: Path) -> None:
    """Upload ``path`` as ``type_key`` with the case page's attachment form."""
    form = page.locator("#attachments form")
    form.locator("select[name=type]").select_option(type_key)
    form.locator("input[name=file]").set_input_files(str(path))
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    item = page.locator(f"[data-testid=attachment-type-{type_key}]")
    expect(item).to_contain_text(path.name)


def open_action(page, action: str):
    """Open the form of ``action`` on the case page; returns the form."""
    page.click(f"[data-action={action}]")
    form = page.locator(f"#action-{action} form")
    expect(form).to_be_visible()
    return form


def submit_action(page, form, state_label: str | None = None) -> None:
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page.locator("[data-testid=action-error]")).to_have_count(0)
    if state_label is not None:
        expect(page.locator("[data-testid=case-state]")).to_have_text(state_label)


def switch_language(page, to_english: bool) -> None:
    """The language link of the navigation bar, as a person would click it."""
    link = page.locator("nav a[lang=en]" if to_english else "nav a[lang=zh-CN]")
    with page.expect_navigation():
        link.click()
    expect(page.locator("html")).to_have_attribute("lang", "en" if to_english else "zh-CN")




def submitted_case(app) -> str:
    """File the application and its files through the engine, as the filing pages do, and submit
    it; returns the reference (the browser takes it from the city review on)."""
    from caseflow import demo_schools
    from caseflow.extensions import db
    from caseflow.timeutil import utcnow
    from caseflow.workflows import engine

    with app.app_context():
        clerk = demo_schools._user("sponsor_clerk")
        case = engine.create_case(SE, KIND, clerk, APPLICATION)
        for type_key in REQUIRED_TYPES:
            demo_schools.upload(case, type_key, clerk, utcnow())
        engine.apply(case, "submit", clerk, {}, comment="申报材料已按要求准备齐全，请审核。")
        reference = case.reference
        db.session.remove()
    return reference
