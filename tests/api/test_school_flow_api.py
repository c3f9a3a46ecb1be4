"""Workflow A (school establishment) from filing to ``filed`` for every kind, entirely through the
API: each person with their own token, files uploaded, panels assigned, sheets signed. Only the
end of the public notice is not an API call — it is the notice timer, fired as the scheduler
would (``fire_due_timers``) once the period has passed. Then the hash chain is verified through
``/verify`` and the school registry is checked."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from caseflow.demo_schools import checklist_lines, score_lines
from caseflow.extensions import db
from caseflow.models import Organisation, School, User
from caseflow.workdays import local_end_of_day_utc
from caseflow.workflows import notices
from caseflow.workflows.clock import fire_due_timers
from caseflow.workflows.school_rules import GOVERNMENT_KINDS, KIND_TIER
from tests.api.conftest import case_row, in_app

SE = "school_establishment"
PDF = b"%PDF-1.4\n% caseflow test attachment\n%%EOF\n"
EXPERTS, INSPECTORS = ("expert1", "expert2", "expert3"), ("inspector1", "inspector2")
# Figures that meet the technical-school standards; the other tiers add what they ask for.
FORM = {
    "ownership": "public", "sponsor": "四川示范产业集团有限公司",
    "address": "成都市郫都区德源大道9号",
    "land_area_m2": "46000", "building_area_m2": "23000", "training_area_m2": "6500",
    "planned_enrolment": 1000, "yearly_training_attendances": 1200, "full_time_teachers": 88,
    "integrated_teachers": 46, "senior_title_teachers": 24,
    "majors": ["数控加工：数控车工", "焊接加工：焊工", "电气自动化设备安装与维修：电工"],
    "equipment_value_wan": "420", "practical_share_percent": 56,
    "funding_source": "举办者投入", "funding_amount_wan": "6000",
}  # fmt: skip
COLLEGE = {"passed_evaluation": True, "technician_classes": 3, "president_degree": "master",
           "vice_president_degree": "bachelor", "president_qualification": "senior_technician",
           "vice_president_qualification": "senior_professional_title",
           "president_experience_years": 10, "senior_level_share_percent": 62}  # fmt: skip
# (kind, filing clerk, city reviewer, form changes): names pass the name rules; upgrades and
# branches are filed by the school itself.
KINDS = [
    ("new_technical_school", "sponsor_clerk", "chengdu_reviewer",
     {"school_name": "成都郫都技工学校"}),
    ("new_senior_school", "sponsor_clerk", "chengdu_reviewer",
     {"school_name": "成都郫都高级技工学校", "land_area_m2": "68000", "current_tier":
      "technical_school", "passed_evaluation": True, "senior_class_majors": 2}),
    ("new_technician_college", "sponsor_clerk", "chengdu_reviewer",
     {"school_name": "成都西部技师学院", "planned_enrolment": 3200,
      "yearly_training_attendances": 2200, "current_tier": "senior_technical_school",
      **COLLEGE}),
    ("upgrade_senior", "school_clerk", "chengdu_reviewer",
     {"school_name": "成都市示范高级技工学校", "land_area_m2": "68000",
      "passed_evaluation": True, "senior_class_majors": 3}),
    ("upgrade_college", "senior_school_clerk", "mianyang_reviewer",
     {"school_name": "绵阳技师学院", "sponsor": "绵阳市人民政府", "planned_enrolment": 3200,
      "yearly_training_attendances": 2200, **COLLEGE}),
    ("branch", "college_clerk", "nanchong_reviewer",
     {"school_name": "南充技师学院阆中分校", "sponsor": "南充技师学院"}),
]  # fmt: skip


class Walk:
    """One case walked through the API, keeping the version of the last answer."""

    def __init__(self, api_client, answer: dict):
        self.api_client, self.ref = api_client, answer["reference"]
        self.case = answer

    def act(self, username: str, action: str, data=None, comment="同意") -> dict:
        body = {"version": self.case["version"], "comment": comment, "data": data or {}}
        response = self.api_client(username).post(f"/cases/{self.ref}/actions/{action}",
                                                  json=body)  # fmt: skip
        assert response.status_code == 200, (action, response.get_json())
        self.case = response.get_json()
        return self.case

    def panel(self, username: str, stage: str, usernames) -> None:
        response = self.api_client(username).post(f"/cases/{self.ref}/panels/{stage}",
                                                  json={"usernames": list(usernames)})  # fmt: skip
        assert response.status_code == 200, response.get_json()
        self.case = response.get_json()

    def reload(self, username: str) -> dict:
        self.case = self.api_client(username).get(f"/cases/{self.ref}").get_json()
        return self.case


def file_through_api(api_client, kind, clerk, changes) -> Walk:
    client = api_client(clerk)
    body = {"workflow": SE, "kind": kind, "data": {**FORM, **changes}}
    created = client.post("/cases", json=body)
    assert created.status_code == 201, created.get_json()
    walk = Walk(api_client, created.get_json())
    definition = client.get(f"/workflows/{SE}").get_json()
    for t in definition["attachment_types"]:
        if t["required"]:
            upload = {"type": t["key"], "file": (io.BytesIO(PDF), f"{t['key']}.pdf")}
            response = client.post(f"/cases/{walk.ref}/attachments", data=upload)
            assert response.status_code == 201, response.get_json()
    walk.reload(clerk)
    return walk


def end_the_notice(app, ref: str):
    """Travel past the notice's last day and fire the timers, as the scheduler would; returns
    the traveller (the rest of the case happens after the notice)."""
    ends_on = in_app(app, lambda: notices.current_notice(case_row(ref)).ends_on)
    traveller = time_machine.travel(local_end_of_day_utc(ends_on) + timedelta(hours=10),
                                    tick=False)  # fmt: skip
    traveller.start()
    result = in_app(app, fire_due_timers)
    assert result.applied >= 1
    return traveller, ends_on


def assert_registry(app, ref: str, kind: str, clerk: str) -> None:
    """The filed case changed the school registry as its kind says."""
    with app.app_context():
        case = case_row(ref)
        name, tier = case.data["school_name"], KIND_TIER[kind]
        org = db.session.scalar(select(Organisation).join(User).where(User.username == clerk))
        school = db.session.scalar(select(School).where(School.case_id == case.id))
        assert school is not None and school.name == name and school.status == "active"
        assert school.approval_document  # the number of the 批复 issued on the case
        assert bool(school.government_reply) == (kind in GOVERNMENT_KINDS)
        if kind.startswith("new_"):
            assert (school.tier, school.organisation_id, school.parent_id) == (tier, None, None)
        elif kind.startswith("upgrade_"):
            assert (school.tier, school.organisation_id, org.tier) == (tier, org.id, tier)
        else:  # a branch runs under the school that filed it, at its tier
            assert school.parent is not None and school.parent.organisation_id == org.id
            assert school.tier == school.parent.tier == org.tier


@pytest.mark.parametrize(("kind", "clerk", "city", "changes"), KINDS, ids=[k[0] for k in KINDS])
def test_each_kind_goes_to_filed_through_the_api(demo, api_client, kind, clerk, city, changes):
    walk = file_through_api(api_client, kind, clerk, changes)
    assert walk.case["may_attach"] and walk.case["state"] == "draft"
    walk.act(clerk, "submit", comment="请审核")
    assert walk.case["state"] == "city_review"
    walk.act(city, "recommend", comment="材料齐全，同意推荐")
    walk.panel("province_reviewer", "expert_review", EXPERTS)
    walk.panel("province_reviewer", "site_inspection", INSPECTORS)
    walk.act("province_reviewer", "accept", comment="予以受理")
    assert walk.case["state"] == "expert_review"
    scores = in_app(demo, lambda: score_lines(85))
    for expert in EXPERTS:
        walk.act(expert, "score", {"scores": scores}, "符合设置标准")
    assert walk.case["state"] == "site_inspection"
    checklist = in_app(demo, lambda: checklist_lines(case_row(walk.ref)))
    for inspector in INSPECTORS:
        walk.act(inspector, "inspect", {"checklist": checklist}, "现场情况与申报材料一致")
    assert walk.case["state"] == "decision"
    walk.act("leader", "approve", comment="同意，予以公示")
    assert walk.case["state"] == "public_notice"

    traveller, ends_on = end_the_notice(demo, walk.ref)
    try:
        walk.reload("province_reviewer2")
        if kind in GOVERNMENT_KINDS:
            assert walk.case["state"] == "government_approval"
            reply = {"government_reply_number": f"川府函〔{ends_on.year}〕12号",
                     "government_reply_date": (ends_on + timedelta(days=1)).isoformat()}
            walk.act("government", "government_approve", reply, "同意设立")
        assert walk.case["state"] == "approved"
        walk.act("province_reviewer2", "issue_reply", comment="印发批复")
        filing = {"filing_date": (ends_on + timedelta(days=1)).isoformat(),
                  "filing_reference": "人社部备〔2026〕8号"}  # fmt: skip
        walk.act("province_reviewer2", "record_filing", filing, "已备案")
    finally:
        traveller.stop()
    assert walk.case["state"] == "filed" and walk.case["available_actions"] == []

    events = api_client(clerk).get(f"/cases/{walk.ref}/events").get_json()["items"]
    moves = [e["to_state"] for e in events if e["from_state"] != e["to_state"]]
    expected = ["city_review", "acceptance", "expert_review", "site_inspection", "decision",
                "public_notice", "approved", "filed"]  # fmt: skip
    if kind in GOVERNMENT_KINDS:
        expected.insert(6, "government_approval")
    assert moves[-len(expected):] == expected
    verified = api_client(clerk).get(f"/cases/{walk.ref}/verify").get_json()
    assert verified == {"ok": True, "events": len(events), "first_bad": None}
    assert_registry(demo, walk.ref, kind, clerk)


def test_the_form_description_gives_choice_labels_and_the_kinds_that_ask_a_field(api_client):
    described = api_client("sponsor_clerk", lang="zh-CN").get("/workflows/school_establishment")
    fields = {f["name"]: f for f in described.get_json()["fields"]}
    assert fields["ownership"]["choice_labels"]["public"] == "公办"
    assert fields["ownership"]["kinds"] is None
    assert set(fields["technician_classes"]["kinds"]) == {"new_technician_college",
                                                          "upgrade_college"}  # fmt: skip
