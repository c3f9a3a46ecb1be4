"""Workflow A's sheets as structured input (scoring sheet, inspection checklist): the one
conversion to stored lines, per-row reasons, the web form and the API; the panel's figures per
criterion (mean, lowest, highest, spread); blind reading on the case page; the inspectors'
photos."""

import io
import re
from decimal import Decimal

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from caseflow import attachments
from caseflow.extensions import db
from caseflow.models import Attachment, Case
from caseflow.workflows import engine, registry, sheets
from caseflow.workflows.errors import ActionRefused, InvalidInput
from caseflow.workflows.school_establishment import SCHOOL_ESTABLISHMENT as SE
from caseflow.workflows.school_panel import checklist_criteria
from caseflow.workflows.school_sheets import criterion_stats, summary
from caseflow.workflows.sheets import SheetRow
from tests.api.conftest import ApiClient, make_token
from tests.helpers import csrf_from, login
from tests.workflows.conftest import act, user
from tests.workflows.test_school_establishment import EXPERTS, INSPECTORS, drive, events, file

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 32
PDF = b"%PDF-1.7\n%%EOF\n"
# Three sheets (totals 90, 75, 70): the figures per criterion are worked out below.
SHEETS = {
    "expert1": {"facilities": 25, "teachers": 20, "majors": 18, "management": 12, "funding": 8,
                "feasibility": 7},
    "expert2": {"facilities": 20, "teachers": 16, "majors": 15, "management": 10, "funding": 7,
                "feasibility": 7},
    "expert3": {"facilities": 22, "teachers": 15, "majors": 14, "management": 10, "funding": 5,
                "feasibility": 4},
}  # fmt: skip
LOW = {k: v // 2 for k, v in SHEETS["expert3"].items()}  # 34 points


@pytest.fixture
def uploads(demo, tmp_path):
    demo.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    return demo


@pytest.fixture
def se(uploads):
    with uploads.app_context():
        yield uploads


def lines(points: dict) -> list[str]:
    return [f"{k}={v}" for k, v in points.items()]


def verdicts(case, **not_met) -> dict:
    """The checklist as an object: every standard met, except those given with remarks."""
    out = {}
    for key in checklist_criteria(case, None):
        remarks = not_met.get(key)
        out[key] = {"verdict": "not_met", "remarks": remarks} if remarks is not None else "met"
    return out


def make(app, to: str, scores=None) -> str:
    """A school case driven to ``to``; ``scores`` (expert → sheet) for the expert review."""
    with app.app_context():
        case = drive(file(), "expert_review")
        if to != "expert_review":
            for who in EXPERTS:
                act(case, "score", who, {"scores": (scores or SHEETS)[who]})
        if to == "decision" and case.state == "site_inspection":
            for who in INSPECTORS:
                act(case, "inspect", who, {"checklist": verdicts(case)})
        assert case.state == to, case.state
        reference = case.reference
        db.session.remove()
    return reference


def client_for(app, username, lang="en"):
    client = app.test_client()
    assert login(client, username).status_code == 302
    client.get(f"/lang/{lang}")
    return client


def page(client, reference, status=200) -> str:
    response = client.get(f"/cases/{reference}")
    assert response.status_code == status
    return response.get_data(as_text=True)


def tag(html: str, element_id: str) -> str:
    """The HTML tag with ``id="element_id"``."""
    at = html.index(f'id="{element_id}"')
    return html[html.rindex("<", 0, at) : html.index(">", at) + 1]


def post_action(client, reference, action, data):
    html = page(client, reference)
    version = re.search(r'name="version" value="(\d+)"', html).group(1)
    form = {"csrf_token": csrf_from(html), "version": version, **data}
    return client.post(f"/cases/{reference}/actions/{action}", data=form)


# ---------------------------------------------------------------------------------------------
# The one conversion: input → stored lines


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (["facilities=22", " ", "teachers=18 "], ["facilities=22", "teachers=18"]),
        ("facilities=22\nteachers=18\n", ["facilities=22", "teachers=18"]),
        ({"facilities": 22, "teachers": "18", "majors": ""}, ["facilities=22", "teachers=18"]),
        ({"campus_land": "met", "building_area": {"verdict": "met"}},
         ["campus_land=met", "building_area=met"]),
        ({"campus_land": {"verdict": "not_met", "remarks": " 占地不足，\n租用相邻地块 "}},
         ["campus_land=not_met: 占地不足， 租用相邻地块"]),
        ({"campus_land": {"verdict": "", "remarks": "x"}}, ["campus_land=: x"]),
    ],
)  # fmt: skip
def test_structured_input_becomes_the_stored_lines(raw, expected):
    assert sheets.to_lines(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        {"Facilities": 3},
        {"a=b": 3},
        {"facilities": True},
        {"facilities": [1]},
        {"campus_land": {"verdict": "met", "extra": 1}},
        {"campus_land": {"verdict": "not_met", "remarks": 5}},
        [1, 2],
        5,
    ],
)
def test_malformed_shapes_are_refused(raw):
    with pytest.raises(ValueError) as info:
        sheets.to_lines(raw)
    assert info.value.args[0].code in ("sheet_shape", "sheet_value")


def test_reading_reports_each_row():
    rows = [SheetRow("facilities", "办学条件", "Facilities", "points", 25),
            SheetRow("campus_land", "校园占地", "Campus land", "verdict")]  # fmt: skip
    values, problems = sheets.read(rows, ["facilities=25", "campus_land=not_met: 不足"])
    assert values == {"facilities": 25,
                      "campus_land": {"verdict": "not_met", "remarks": "不足"}}  # fmt: skip
    assert problems == []
    _values, problems = sheets.read(rows, ["facilities=26", "campus_land=not_met", "x=1", "?"])
    by_key = {p.key: p for p in problems}
    assert by_key["facilities"].row.en == "Must be a whole number from 0 to 25."
    assert by_key["campus_land"].row.zh == "不符合时须写明情况。"
    reason = sheets.refusal("bad", "错：", "Wrong: ", "sheet", problems)
    assert set(reason.errors) == {"sheet", "sheet.facilities", "sheet.campus_land"}
    assert "there is no criterion x" in reason.errors["sheet"].en
    assert "cannot read “?”" in reason.en and "facilities 应为 0 至 25 的整数" in reason.zh


def test_sheet_fields_name_a_registered_provider():
    import dataclasses

    from caseflow.workflows.definition import Field

    score = SE.transition("expert_review", "score")
    fields = (Field("scores", "sheet", sheet="nope"), Field("note", "text", sheet="se_scores"))
    broken = dataclasses.replace(score, fields=fields)
    transitions = tuple(broken if t is score else t for t in SE.transitions)
    found = registry.problems(dataclasses.replace(SE, transitions=transitions))
    assert "school_establishment:score: field 'scores' names no registered sheet 'nope'" in found
    assert "school_establishment:score: field 'note' is not a sheet but names one" in found
    assert registry.problems(SE) == []


# ---------------------------------------------------------------------------------------------
# Engine: objects and lines alike, reasons per row


def test_objects_and_lines_are_stored_the_same_way(se):
    case = drive(file(), "expert_review")
    act(case, "score", "expert1", {"scores": SHEETS["expert1"]})
    act(case, "score", "expert2", {"scores": lines(SHEETS["expert2"])})
    stored = [e.details["scores"] for e in events(case, "score")]
    assert stored == [lines(SHEETS["expert1"]), lines(SHEETS["expert2"])]
    bad = {**SHEETS["expert3"], "facilities": 26}
    del bad["teachers"]
    with pytest.raises(ActionRefused) as info:
        act(case, "score", "expert3", {"scores": bad})
    assert info.value.code == "score_sheet_invalid"
    assert info.value.errors["scores.facilities"].zh == "应为 0 至 25 的整数。"
    assert info.value.errors["scores.teachers"].en == "Fill in this row."
    with pytest.raises(InvalidInput) as info:
        act(case, "score", "expert3", {"scores": {"facilities": {"verdict": "met", "x": 1}}})
    assert info.value.errors["scores"].code == "sheet_value"
    with pytest.raises(InvalidInput):  # only a sheet is given as an object
        engine.validate_case_data(SE, {"school_name": {"a": 1}})
    act(case, "score", "expert3", {"scores": SHEETS["expert3"]})
    assert case.state == "site_inspection"

    checklist = verdicts(case, campus_land="")
    with pytest.raises(ActionRefused) as info:
        act(case, "inspect", "inspector1", {"checklist": checklist})
    assert info.value.errors["checklist.campus_land"].en == "Not met: add remarks."
    checklist = verdicts(case, campus_land="占地不足，租用相邻地块")
    act(case, "inspect", "inspector1", {"checklist": checklist})
    stored = events(case, "inspect")[0].details["checklist"]
    assert stored == [
        "campus_land=not_met: 占地不足，租用相邻地块" if k == "campus_land" else f"{k}=met"
        for k in checklist
    ]


def test_the_checklist_rows_show_the_standard_and_the_declared_figure(se):
    case = drive(file(), "expert_review")
    rows = {r.key: r for r in registry.sheet_rows(
        case, SE.transition("site_inspection", "inspect").fields[0], None)}  # fmt: skip
    assert rows.keys() == checklist_criteria(case, None).keys()
    land = rows["campus_land"]
    assert land.kind == "verdict" and land.required_zh and land.declared_zh
    assert "40" in land.declared_en  # the applicant's 40,000 m²


# ---------------------------------------------------------------------------------------------
# The panel's figures


def test_mean_lowest_highest_and_spread_per_criterion(se):
    case = drive(file(), "expert_review")
    for who in EXPERTS[:2]:
        act(case, "score", who, {"scores": SHEETS[who]})
    assert summary(case, user("province_reviewer")) is None  # not while the panel signs
    act(case, "score", "expert3", {"scores": SHEETS["expert3"]})
    stats = {s.key: s for s in criterion_stats(case)}
    figures = {k: (s.points, s.mean, s.low, s.high, s.spread) for k, s in stats.items()}
    d = Decimal
    assert figures["facilities"] == ((25, 20, 22), d("22.33"), d("20.00"), d("25.00"), d("5.00"))
    assert figures["majors"] == ((18, 15, 14), d("15.67"), d("14.00"), d("18.00"), d("4.00"))
    assert figures["funding"][1:] == (d("6.67"), d("5.00"), d("8.00"), d("3.00"))
    assert figures["total"] == ((90, 75, 70), d("78.33"), d("70.00"), d("90.00"), d("20.00"))
    assert list(stats)[-1] == "total" and stats["total"].max_points == 100
    seen = summary(case, user("leader"))
    assert seen.experts == ("评审专家甲", "评审专家乙", "评审专家丙")
    assert seen.result.mean == d("78.33") and not seen.refuse and not seen.prominent
    assert summary(case, user("sponsor_clerk")) is None  # never the applicant's organisation


# ---------------------------------------------------------------------------------------------
# The web form


def test_the_scoring_sheet_is_a_table_with_errors_per_row(uploads):
    reference = make(uploads, "expert_review")
    expert = client_for(uploads, "expert1", "zh_CN")
    html = page(expert, reference)
    assert 'data-testid="sheet-scores"' in html
    assert 'name="f_scores__facilities"' in html and 'max="25"' in html
    data = {f"f_scores__{k}": str(v) for k, v in SHEETS["expert1"].items()}
    data["f_scores__facilities"], data["f_scores__teachers"] = "26", ""
    response = post_action(expert, reference, "score", data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    row = html[html.index('data-testid="sheet-row-facilities"') :]
    row = row[: row.index("</tr>")]
    assert "应为 0 至 25 的整数。" in row and 'value="26"' in row and "is-invalid" in row
    assert "请填写此项。" in html
    assert re.search(r'data-testid="sheet-total">.*?<td[^>]*>71</td>', html, re.S)  # 26 + 45
    expert.get("/lang/en")
    response = post_action(expert, reference, "score", data)
    assert "Must be a whole number from 0 to 25." in response.get_data(as_text=True)
    data["f_scores__facilities"], data["f_scores__teachers"] = "25", "20"
    response = post_action(expert, reference, "score", data)
    assert response.status_code == 303
    with uploads.app_context():
        case = db.session.scalar(sa.select(Case).where(Case.reference == reference))
        assert events(case, "score")[0].details["scores"] == lines(SHEETS["expert1"])


def test_the_checklist_has_verdicts_remarks_and_a_way_to_the_photos(uploads):
    reference = make(uploads, "site_inspection")
    inspector = client_for(uploads, "inspector1")
    html = page(inspector, reference)
    assert 'data-testid="sheet-checklist"' in html and 'value="not_met"' in html
    assert 'data-testid="sheet-uploads"' in html and "Inspection photos" in html
    assert 'href="#attachments"' in html and 'id="attachments"' in html
    with uploads.app_context():
        case = db.session.scalar(sa.select(Case).where(Case.reference == reference))
        keys = list(checklist_criteria(case, None))
    data = {}
    for key in keys:
        data[f"f_checklist__{key}"] = "met"
        data[f"f_checklist__{key}__remarks"] = ""
    data[f"f_checklist__{keys[0]}"] = "not_met"
    del data[f"f_checklist__{keys[1]}"]
    response = post_action(inspector, reference, "inspect", data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Not met: add remarks." in html and "Choose met or not met." not in html
    assert "Fill in this row." in html
    assert "checked" in tag(html, f"f-inspect-checklist-{keys[0]}-not-met")  # kept
    assert "checked" in tag(html, f"f-inspect-checklist-{keys[2]}-met")
    data[f"f_checklist__{keys[0]}__remarks"] = "占地不足"
    data[f"f_checklist__{keys[1]}"] = "met"
    assert post_action(inspector, reference, "inspect", data).status_code == 303


# ---------------------------------------------------------------------------------------------
# The API: an object or lines


def test_the_api_takes_the_sheet_as_an_object_or_as_lines(uploads):
    reference = make(uploads, "expert_review")

    def score(who, value):
        client = ApiClient(uploads, make_token(uploads, who), "en")
        version = client.get(f"/cases/{reference}").get_json()["version"]
        return client.post(f"/cases/{reference}/actions/score",
                           json={"version": version, "data": {"scores": value}})  # fmt: skip

    client = ApiClient(uploads, make_token(uploads, "expert1"), "en")
    case = client.get(f"/cases/{reference}").get_json()
    (field,) = next(a for a in case["available_actions"] if a["action"] == "score")["fields"]
    assert (field["type"], field["sheet"]) == ("sheet", "se_scores")
    response = score("expert1", {**SHEETS["expert1"], "facilities": 30})
    assert response.status_code == 403
    body = response.get_json()
    assert body["code"] == "score_sheet_invalid"
    assert body["errors"]["scores.facilities"] == "Must be a whole number from 0 to 25."
    assert score("expert1", {"facilities": 1.5}).status_code == 422  # no floats
    assert score("expert1", SHEETS["expert1"]).status_code == 200
    assert score("expert2", lines(SHEETS["expert2"])).status_code == 200
    with uploads.app_context():
        case = db.session.scalar(sa.select(Case).where(Case.reference == reference))
        stored = [e.details["scores"] for e in events(case, "score")]
    assert sorted(stored[0]) == sorted(lines(SHEETS["expert1"]))  # a JSON object has no order
    assert stored[1] == lines(SHEETS["expert2"])
    spec = ApiClient(uploads, None).get("/openapi.json").get_json()
    assert "sheet" in str(spec["components"]["schemas"])


# ---------------------------------------------------------------------------------------------
# Blind on the case page; the figures once the panel is complete


FACILITIES_25 = "Facilities (land, buildings, training equipment): 25 / 25"  # in the history
TEACHERS_20 = "Teachers (numbers, structure, integrated theory-practice teachers): 20 / 20"


def test_the_case_page_keeps_sheets_blind_and_shows_the_figures_when_complete(uploads):
    with uploads.app_context():
        case = drive(file(), "expert_review")
        act(case, "score", "expert1", {"scores": SHEETS["expert1"]})
        reference = case.reference
        db.session.remove()
    assert FACILITIES_25 in page(client_for(uploads, "expert1"), reference)
    for who in ("expert2", "province_reviewer"):
        html = page(client_for(uploads, who), reference)
        assert FACILITIES_25 not in html and 'data-testid="panel-summary"' not in html
    with uploads.app_context():
        case = db.session.scalar(sa.select(Case).where(Case.reference == reference))
        for who in EXPERTS[1:]:
            act(case, "score", who, {"scores": SHEETS[who]})
        db.session.remove()
    html = page(client_for(uploads, "province_reviewer"), reference)
    summary_html = html[html.index('data-testid="panel-summary"') :]
    assert "评审专家甲" in summary_html and "22.33" in summary_html and "78.33" in summary_html
    assert 'data-testid="recommendation-refuse"' not in html
    applicant = page(client_for(uploads, "sponsor_clerk"), reference)
    assert 'data-testid="panel-summary"' not in applicant
    for figure in (FACILITIES_25, TEACHERS_20, "78.33", "22.33"):
        assert figure not in applicant


def test_below_the_pass_mark_the_decision_stage_sees_the_refusal_recommendation(uploads):
    reference = make(uploads, "decision", scores=dict.fromkeys(EXPERTS, LOW))
    html = page(client_for(uploads, "leader"), reference)
    alert = html[html.index('data-testid="recommendation-refuse"') :]
    assert "Refuse" in alert[:400] and "34.00" in alert[:400] and "70" in alert[:400]
    assert 'data-testid="recommendation-refuse"' not in page(
        client_for(uploads, "sponsor_clerk"), reference
    )


# ---------------------------------------------------------------------------------------------
# The inspectors' photos


def photo(data=PNG, name="现场.png"):
    return FileStorage(io.BytesIO(data), filename=name)


def test_inspectors_add_photos_during_the_site_inspection(se):
    case = drive(file(), "expert_review")
    assert not attachments.may_upload(case, user("expert1"))  # no type of theirs now
    with pytest.raises(ActionRefused) as info:
        attachments.save(case, "inspection_photos", photo(), user("expert1"))
    assert info.value.code == "attach_type_not_allowed"
    for who in EXPERTS:
        act(case, "score", who, {"scores": SHEETS[who]})
    assert case.state == "site_inspection"
    types = [t.key for t in attachments.uploadable_types(case, user("inspector1"))]
    assert types == ["inspection_photos"]
    one = attachments.save(case, "inspection_photos", photo(), user("inspector1"))
    two = attachments.save(case, "inspection_photos", photo(JPEG, "实训楼.jpg"),
                           user("inspector2"))  # fmt: skip
    db.session.refresh(one)
    assert one.current and two.current  # photos supersede nothing
    assert events(case, "attach")[-1].actor_role == "inspector"
    refusals = [
        ("inspection_photos", photo(PDF, "报告.pdf"), "inspector1", "type_not_allowed"),
        ("inspection_photos", photo(PDF, "假.png"), "inspector1", "content_mismatch"),
        ("feasibility_study", photo(PDF, "报告.pdf"), "inspector1", "attach_type_not_allowed"),
        ("inspection_photos", photo(), "expert1", "attach_not_allowed"),
        ("inspection_photos", photo(), "province_reviewer", "attach_not_allowed"),
        ("inspection_photos", photo(), "sponsor_clerk", "attach_not_allowed"),
    ]
    for type_key, upload, who, code in refusals:
        with pytest.raises((ActionRefused, InvalidInput)) as info:
            attachments.save(case, type_key, upload, user(who))
        assert info.value.code == code, (type_key, who)
    for who in INSPECTORS:
        act(case, "inspect", who, {"checklist": verdicts(case)})
    assert case.state == "decision"
    with pytest.raises(ActionRefused):
        attachments.save(case, "inspection_photos", photo(), user("inspector1"))
    assert db.session.scalar(sa.select(sa.func.count(Attachment.id)).where(
        Attachment.type == "inspection_photos")) == 2  # fmt: skip


def test_photos_are_uploaded_from_the_case_page_and_listed_with_the_uploader(uploads):
    reference = make(uploads, "site_inspection")
    inspector = client_for(uploads, "inspector2")
    html = page(inspector, reference)
    form = html[html.index('id="attachment-type"') :]
    form = form[: form.index("</select>")]
    assert 'value="inspection_photos"' in form and "feasibility_study" not in form
    assert 'accept=".jpg,.jpeg,.png"' in html
    response = inspector.post(
        f"/cases/{reference}/attachments",
        data={"csrf_token": csrf_from(html), "type": "inspection_photos",
              "file": (io.BytesIO(PNG), "操场.png")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert response.status_code == 303
    html = page(client_for(uploads, "leader"), reference)
    card = html[html.index('data-testid="attachment-type-inspection_photos"') :]
    card = card[: card.index("</li>")]
    assert "操场.png" in card and "检查人员乙" in card
    assert 'id="attachment-type"' not in html  # the leader uploads nothing now


def test_the_history_shows_signed_sheets_by_their_criteria_not_their_keys(se):
    """A signed sheet reads in the history as its rows: label, points out of the weight; a
    checklist as met / not met with the remarks."""
    from caseflow.cases import timeline

    case = drive(file(), "expert_review")
    for who in EXPERTS:
        act(case, "score", who, {"scores": SHEETS[who]})
    for who in INSPECTORS:
        act(case, "inspect", who, {"checklist": verdicts(case, campus_land="占地不足")})
    wanted = {"score", "inspect"}
    shown = [e for e in timeline.entries(SE, events(case), case=case, viewer=user("auditor"))
             if e.event.action in wanted]  # fmt: skip
    lines_shown = [i for e in shown for d in e.details for i in d.items]
    assert "办学条件（场地、校舍、实训设施设备）：25 / 25" in lines_shown
    land = [i for i in lines_shown if i.startswith("校园占地面积：")]
    assert land and all(i.endswith("未达标 — 占地不足") for i in land)
    assert not any("facilities=" in i or "campus_land=" in i for i in lines_shown)
