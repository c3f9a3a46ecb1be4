"""Filing a school establishment (Workflow A) on the web: the form of each kind, choice labels,
亩 beside m², the standards check on the form (server-rendered and live), saving a draft as you
go, the standards card on the case page, and the API refusing a field of another kind."""

import io
import json
import re

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from caseflow import attachments, policy
from caseflow.extensions import db
from caseflow.models import Case, CaseEvent
from caseflow.workflows import engine
from caseflow.workflows.errors import ActionRefused, InvalidInput
from caseflow.workflows.school_establishment import SCHOOL_ESTABLISHMENT as SE
from caseflow.workflows.school_rules import KIND_TIER, PREREQUISITE_FIELDS
from tests.helpers import csrf_from, get_csrf, login
from tests.workflows.conftest import user

FORM = "/apply/new/school_establishment/{kind}"
CHECK = "/apply/check/school_establishment/{kind}"
PDF = b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n"
BASE = {
    "school_name": "成都锦江技工学校", "ownership": "public", "sponsor": "四川示范产业集团有限公司",
    "address": "成都市锦江区示范路", "land_area_m2": "40000", "building_area_m2": "20000",
    "training_area_m2": "6000", "planned_enrolment": 900, "yearly_training_attendances": 900,
    "full_time_teachers": 80, "integrated_teachers": 40, "senior_title_teachers": 20,
    "majors": ["数控技术：数控车工"], "equipment_value_wan": "350", "practical_share_percent": 55,
    "funding_source": "举办者投入", "funding_amount_wan": "5000",
}  # fmt: skip
PREREQUISITE_ONLY = {"current_tier", "passed_evaluation", "senior_class_majors",
                     "technician_classes", "president_degree", "vice_president_degree",
                     "president_qualification", "vice_president_qualification",
                     "president_experience_years"}  # fmt: skip


def posted(data: dict) -> dict:
    """Case data as the form posts it."""
    return {f"f_{k}": "\n".join(v) if isinstance(v, list) else v for k, v in data.items()}


def field_names(html: str) -> set[str]:
    return set(re.findall(r'name="f_(\w+)"', html))


def draft(kind="new_technical_school", clerk="sponsor_clerk", **changes):
    return engine.create_case("school_establishment", kind, user(clerk), {**BASE, **changes})


# ---------------------------------------------------------------------------------------------
# The form of each kind


def test_the_prerequisite_fields_follow_the_groups_of_the_policy():
    """A field is asked of a kind exactly when a prerequisite of that kind reads it, and the
    senior-level share where the tier's standard has one (a branch: any tier)."""
    prerequisites = policy.current("school_prerequisites")
    standards = policy.current("school_standards")
    fields = {f.name: f for f in SE.fields}
    for kind in SE.kinds:
        rules = prerequisites.in_group(kind)
        needed = {name for v in rules for name in PREREQUISITE_FIELDS[v.name]}
        asked = {name for name in PREREQUISITE_ONLY if fields[name].for_kind(kind)}
        assert asked == needed, kind
        tier = KIND_TIER[kind]
        criteria = {v.name for v in standards.in_group(tier)} if tier else {"senior_level_share"}
        share = "senior_level_share" in criteria
        assert fields["senior_level_share_percent"].for_kind(kind) == share, kind
    assert {name for name in PREREQUISITE_ONLY if fields[name].required} == (
        PREREQUISITE_ONLY - {"current_tier", "passed_evaluation"}
    )


def test_each_kind_s_form_asks_exactly_its_fields(demo):
    client = demo.test_client()
    login(client, "sponsor_clerk")
    for kind in SE.kinds:
        html = client.get(FORM.format(kind=kind)).get_data(as_text=True)
        assert field_names(html) == {f.name for f in SE.fields if f.for_kind(kind)}, kind
    college = field_names(client.get(FORM.format(kind="upgrade_college")).get_data(as_text=True))
    technical = field_names(client.get(FORM.format(kind="new_technical_school")).get_data(True))
    assert {"technician_classes", "president_degree", "senior_level_share_percent"} <= college
    assert not technical & (PREREQUISITE_ONLY | {"senior_level_share_percent"})


@pytest.mark.parametrize(
    ("lang", "words"),
    [("zh_CN", ['<option value="private">民办</option>', '<option value="bachelor">本科</option>',
                '<option value="senior_technician">高级技师</option>', "约 60 亩"]),
     ("en", ['<option value="private">Private</option>',
             '<option value="bachelor">Bachelor&#39;s degree</option>',
             '<option value="senior_technical_school">Senior technical school</option>',
             "≈ 60 mu"])],
)  # fmt: skip
def test_choices_read_as_labels_and_land_shows_its_mu(demo, lang, words):
    with demo.app_context():
        reference = draft("upgrade_college", "senior_school_clerk", school_name="绵阳技师学院",
                          current_tier="technician_college").reference  # fmt: skip
    client = demo.test_client()
    login(client, "senior_school_clerk")
    client.get(f"/lang/{lang}")
    html = client.get(f"/apply/cases/{reference}/edit").get_data(as_text=True)
    for word in words:
        assert word in html
    assert '<option selected value="public">' in html
    page = client.get(f"/cases/{reference}").get_data(as_text=True)
    shown = {"zh_CN": ["公办", "40000 平方米（约60亩）", "技师学院"],
             "en": ["Public", "40000 m² (≈ 60 mu)", "Technician college"]}[lang]  # fmt: skip
    for word in shown:
        assert word in page
    assert ">public<" not in page


# ---------------------------------------------------------------------------------------------
# The standards check on the form


def test_the_form_shows_the_check_without_javascript(demo):
    client = demo.test_client()
    login(client, "sponsor_clerk")
    html = client.get(FORM.format(kind="new_technical_school")).get_data(as_text=True)
    assert 'data-testid="standards-check"' in html and "js/standards.js" in html
    assert 'data-criterion="campus_land" data-status="missing"' in html
    assert "<script>" not in html and " style=" not in html
    token = csrf_from(html)
    data = posted({**BASE, "land_area_m2": "20000", "planned_enrolment": "-1"})
    bad = client.post(FORM.format(kind="new_technical_school"), data={**data, "csrf_token": token})
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    assert 'data-criterion="campus_land" data-status="not_met"' in page
    assert 'data-criterion="standing_majors" data-status="not_met"' in page


@pytest.mark.parametrize(("lang", "label", "mu"), [("zh_CN", "校园占地面积", "约 45 亩"),
                                                   ("en", "Campus land", "≈ 45 mu")])  # fmt: skip
def test_the_check_endpoint_answers_with_the_table(demo, lang, label, mu):
    client = demo.test_client()
    login(client, "sponsor_clerk")
    client.get(f"/lang/{lang}")
    token = get_csrf(client, FORM.format(kind="new_technical_school"))
    data = posted({**BASE, "land_area_m2": "30000", "equipment_value_wan": "299"})
    response = client.post(CHECK.format(kind="new_technical_school"),
                           data={**data, "csrf_token": token})  # fmt: skip
    assert response.status_code == 200 and response.is_json
    body = response.get_json()
    statuses = {row["key"]: row["status"] for row in body["rows"]}
    assert statuses["campus_land"] == "met" and statuses["equipment_value"] == "not_met"
    assert statuses["standing_majors"] == "not_met"
    land = next(row for row in body["rows"] if row["key"] == "campus_land")
    assert land["label"] == label and land["actual_mu"] == "45.00"
    assert label in body["html"] and 'data-status="not_met"' in body["html"]
    assert body["mu"] == {"f_land_area_m2": mu}
    refused = {**data, "csrf_token": token, "f_planned_enrolment": "-3"}
    body = client.post(CHECK.format(kind="new_technical_school"), data=refused).get_json()
    statuses = {row["key"]: row["status"] for row in body["rows"]}
    assert statuses["full_time_students"] == statuses["building_area_per_student"] == "missing"
    # A college's form: its standard, with the senior-level share.
    college = client.post(CHECK.format(kind="new_technician_college"),
                          data={**data, "csrf_token": token}).get_json()  # fmt: skip
    assert {"senior_level_share": "missing"}.items() <= {
        row["key"]: row["status"] for row in college["rows"]
    }.items()


def test_the_check_endpoint_needs_login_permission_csrf_and_a_visible_draft(demo):
    path = CHECK.format(kind="new_technical_school")
    anonymous = demo.test_client()
    assert anonymous.post(path, data={}).status_code in (302, 400)
    reviewer = demo.test_client()
    login(reviewer, "chengdu_reviewer")
    token = get_csrf(reviewer, "/")
    assert reviewer.post(path, data={"csrf_token": token}).status_code == 403
    clerk = demo.test_client()
    login(clerk, "sponsor_clerk")
    assert clerk.post(path, data={"f_land_area_m2": "1"}).status_code == 400  # no CSRF token
    token = get_csrf(clerk, FORM.format(kind="new_technical_school"))
    assert clerk.post(CHECK.format(kind="no_such_kind"), data={"csrf_token": token}).status_code \
        == 404  # fmt: skip
    with demo.app_context():
        other = draft("upgrade_senior", "school_clerk", school_name="成都市示范高级技工学校")
        branch = draft("branch", "college_clerk", school_name="南充技师学院顺庆分校")
        other_ref, branch_ref = other.reference, branch.reference
    hidden = clerk.post(CHECK.format(kind="upgrade_senior"),
                        data={"csrf_token": token, "reference": other_ref})  # fmt: skip
    assert hidden.status_code == 404
    # A branch's draft is checked against its school's tier (a technician college).
    college = demo.test_client()
    login(college, "college_clerk")
    token = get_csrf(college, f"/apply/cases/{branch_ref}/edit")
    body = college.post(
        CHECK.format(kind="branch"), data={"csrf_token": token, "reference": branch_ref}
    ).get_json()
    assert "senior_level_share" in {row["key"] for row in body["rows"]}
    new_branch = college.post(CHECK.format(kind="branch"), data={"csrf_token": token}).get_json()
    assert "senior_level_share" in {row["key"] for row in new_branch["rows"]}


# ---------------------------------------------------------------------------------------------
# Saving a draft as you go


def test_autosave_saves_refuses_a_stale_version_and_invalid_input(demo):
    with demo.app_context():
        reference = draft().reference
    client = demo.test_client()
    login(client, "sponsor_clerk")
    edit = client.get(f"/apply/cases/{reference}/edit").get_data(as_text=True)
    assert f"/apply/cases/{reference}/autosave" in edit and "data-cf-autosave-status" in edit
    assert ">\r\n数控技术：数控车工</textarea>" in edit  # one item per line, not a list's repr
    token = csrf_from(edit)
    path = f"/apply/cases/{reference}/autosave"
    form = {**posted(BASE), "csrf_token": token}
    saved = client.post(path, data={**form, "version": "1", "f_land_area_m2": "45000"})
    assert saved.status_code == 200, saved.get_data(True)
    body = saved.get_json()
    assert body["version"] == 2 and re.fullmatch(r"\d\d:\d\d", body["saved_at"])
    assert body["saved_at"] in body["message"]
    same = client.post(path, data={**form, "version": "2", "f_land_area_m2": "45000"})
    assert same.status_code == 200 and same.get_json()["version"] == 2  # nothing changed
    stale = client.post(path, data={**form, "version": "1", "f_land_area_m2": "46000"})
    assert stale.status_code == 409 and stale.get_json()["code"] == "stale"
    bad = client.post(path, data={**form, "version": "2", "f_planned_enrolment": "-5",
                                  "f_land_area_m2": "47000"})  # fmt: skip
    assert bad.status_code == 422
    assert "数值必须大于 0" in bad.get_json()["errors"]["planned_enrolment"]
    client.get("/lang/en")
    bad_en = client.post(path, data={**form, "version": "2", "f_planned_enrolment": "-5"})
    assert bad_en.get_json()["errors"]["planned_enrolment"] == "Number must be at least 0."
    assert client.post(path, data={**form, "f_land_area_m2": "1"}).status_code == 400
    with demo.app_context():
        case = db.session.scalar(select(Case).where(Case.reference == reference))
        assert case.version == 2 and case.data["land_area_m2"] == "45000"
        assert case.data["majors"] == BASE["majors"]
        edits = select(func.count()).select_from(CaseEvent).where(CaseEvent.action == "edit")
        assert db.session.scalar(edits) == 1
    other = demo.test_client()
    login(other, "school_clerk")
    token = get_csrf(other, "/apply/new")
    assert other.post(path, data={**form, "csrf_token": token, "version": "2"}).status_code == 404
    no_csrf = {k: v for k, v in form.items() if k != "csrf_token"}
    assert client.post(path, data={**no_csrf, "version": "2"}).status_code == 400


# ---------------------------------------------------------------------------------------------
# The case page and the engine


def test_the_case_page_shows_the_standards_card_to_the_reviewer_and_the_applicant(demo, tmp_path):
    demo.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    with demo.app_context():
        case = draft(land_area_m2="20000")
        for t in (t for t in SE.attachments if t.required):
            upload = FileStorage(io.BytesIO(PDF), filename=f"{t.key}.pdf")
            attachments.save(case, t.key, upload, user("sponsor_clerk"))
        engine.apply(case, "submit", user("sponsor_clerk"))  # unmet standards do not block
        reference = case.reference
    for who in ("chengdu_reviewer", "sponsor_clerk", "province_reviewer"):
        client = demo.test_client()
        login(client, who)
        page = client.get(f"/cases/{reference}").get_data(as_text=True)
        assert 'data-testid="standards-check"' in page, who
        assert 'data-criterion="campus_land" data-status="not_met"' in page
        assert 'data-criterion="training_scale" data-status="met"' in page
        assert "校园占地面积" in page and "约30亩" in page


def test_fields_of_other_kinds_are_refused_and_not_required(demo):
    with demo.app_context():
        with pytest.raises(InvalidInput) as invalid:
            draft(technician_classes=3)
        assert invalid.value.errors["technician_classes"].code == "not_for_kind"
        case = draft("upgrade_college", "senior_school_clerk", school_name="绵阳技师学院")
        with pytest.raises(ActionRefused) as refused:
            engine.apply(case, "submit", user("senior_school_clerk"))
        assert refused.value.code == "application_incomplete"
        assert "已举办技师培训班（期）" in refused.value.reason.zh
        assert "举办学校现有层次" not in refused.value.reason.zh  # a school's tier is on record


def test_the_api_refuses_a_field_of_another_kind_with_a_problem(demo):
    from caseflow.api.tokens import create_token

    with demo.app_context():
        _token, secret = create_token(user("sponsor_clerk"), name="tests")
        db.session.commit()
    client = demo.test_client()
    body = {"workflow": "school_establishment", "kind": "new_technical_school",
            "data": {**BASE, "president_degree": "master"}}  # fmt: skip
    response = client.post("/api/v1/cases", data=json.dumps(body),
                           headers={"Authorization": f"Bearer {secret}",
                                    "Content-Type": "application/json",
                                    "Accept-Language": "en"})  # fmt: skip
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert any("president_degree" in key for key in problem["errors"])
    assert "for this kind" in json.dumps(problem["errors"])
    with demo.app_context():
        assert db.session.scalar(select(func.count()).select_from(Case)) == 0
