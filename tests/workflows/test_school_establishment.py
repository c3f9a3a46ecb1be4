"""Workflow A — school establishment and upgrade (DOMAIN.md §3), at engine level."""

import dataclasses
import io
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from caseflow import attachments, policy
from caseflow.accounts import create_user
from caseflow.audit.verify import verify_case
from caseflow.extensions import db
from caseflow.models import CaseEvent, Document, OutboxMessage, Task, Timer
from caseflow.workdays import local_end_of_day_utc
from caseflow.workflows import engine, notices, registry, school_establishment
from caseflow.workflows.clock import clock_status, fire_due_timers
from caseflow.workflows.definition import PolicyRef, State, spec
from caseflow.workflows.errors import ActionRefused, InvalidInput
from caseflow.workflows.school_establishment import SCHOOL_ESTABLISHMENT as SE
from caseflow.workflows.school_panel import checklist_criteria, score_criteria
from caseflow.workflows.school_rules import KIND_TIER
from tests.workflows.conftest import act, user
from tests.workflows.school_flow import GOVERNMENT_REPLY

START = date(2025, 3, 3)  # a Monday
LIMITS = "school_time_limits"
PDF = b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n"
EXPERTS, INSPECTORS = ("expert1", "expert2", "expert3"), ("inspector1", "inspector2")
BASE = {
    "ownership": "public", "sponsor": "四川示范产业集团有限公司", "address": "成都市锦江区示范路",
    "land_area_m2": "40000", "building_area_m2": "20000", "training_area_m2": "6000",
    "planned_enrolment": 900, "yearly_training_attendances": 900, "full_time_teachers": 80,
    "integrated_teachers": 40, "senior_title_teachers": 20, "majors": ["数控技术：数控车工"],
    "equipment_value_wan": "350", "practical_share_percent": 55, "funding_source": "举办者投入",
    "funding_amount_wan": "5000",
}  # fmt: skip
COLLEGE = {"passed_evaluation": True, "technician_classes": 2, "president_degree": "master",
           "vice_president_degree": "bachelor", "president_qualification": "senior_technician",
           "vice_president_qualification": "senior_professional_title",
           "president_experience_years": 8}  # fmt: skip
PREREQUISITES = {
    "new_senior_school": {"current_tier": "technical_school", "passed_evaluation": True,
                          "senior_class_majors": 2},
    "upgrade_senior": {"passed_evaluation": True, "senior_class_majors": 3},
    "new_technician_college": {**COLLEGE, "current_tier": "senior_technical_school"},
    "upgrade_college": COLLEGE,
}  # fmt: skip
# kind → (filing clerk, school name, city reviewer of the filer's region)
FILERS = {
    "new_technical_school": ("sponsor_clerk", "成都锦江技工学校", "chengdu_reviewer"),
    "new_senior_school": ("sponsor_clerk", "成都锦江高级技工学校", "chengdu_reviewer"),
    "new_technician_college": ("sponsor_clerk", "四川示范技师学院", "chengdu_reviewer"),
    "upgrade_senior": ("school_clerk", "成都市示范高级技工学校", "chengdu_reviewer"),
    "upgrade_college": ("senior_school_clerk", "绵阳技师学院", "mianyang_reviewer"),
    "branch": ("college_clerk", "南充技师学院顺庆分校", "nanchong_reviewer"),
}


@pytest.fixture(autouse=True)
def se(ctx, tmp_path):
    ctx.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    return ctx


def at(day: date, hour=10) -> datetime:
    """``hour`` o'clock Asia/Shanghai on ``day``, as UTC."""
    return datetime(day.year, day.month, day.day, hour - 8, 0, tzinfo=UTC)


def file(kind="new_technical_school", *, attach=True, clerk=None, **changes):
    default_clerk, name, _city = FILERS[kind]
    clerk = clerk or default_clerk
    data = {**BASE, **PREREQUISITES.get(kind, {}), "school_name": name, **changes}
    case = engine.create_case("school_establishment", kind, user(clerk), data)
    for t in (t for t in SE.attachments if attach and t.required):
        upload = FileStorage(io.BytesIO(PDF), filename=f"{t.key}.pdf")
        attachments.save(case, t.key, upload, user(clerk))
    return case


def sheet(total=100):
    """Scoring lines adding up to ``total`` points, each within its weight."""
    lines, left = [], total
    for key, entry in score_criteria(None).items():
        points = min(entry.value, left)
        lines.append(f"{key}={points}")
        left -= points
    return lines


def checklist(case):
    return [f"{key}=met" for key in checklist_criteria(case, None)]


def step(case, traveller=None, totals=(100, 100, 100)):
    """Move ``case`` one state along the main path."""
    kind, state = case.kind, case.state
    if state == "draft":
        act(case, "submit", FILERS[kind][0])
    elif state == "city_review":
        act(case, "recommend", FILERS[kind][2])
    elif state == "acceptance":
        by = user("province_reviewer")
        engine.assign_panel(case, "expert_review", [user(e) for e in EXPERTS], by, "expert")
        engine.assign_panel(case, "site_inspection", [user(i) for i in INSPECTORS], by,
                            "inspector")  # fmt: skip
        act(case, "accept", "province_reviewer")
    elif state == "expert_review":
        for who, total in zip(EXPERTS, totals, strict=True):
            act(case, "score", who, {"scores": sheet(total)})
    elif state == "site_inspection":
        for who in INSPECTORS:
            act(case, "inspect", who, {"checklist": checklist(case)})
    elif state == "decision":
        act(case, "approve", "leader")
    elif state == "public_notice":
        traveller.move_to(at(notices.current_notice(case).ends_on + timedelta(days=1), 9))
        assert fire_due_timers().applied == 1
        db.session.expire_all()
    elif state == "government_approval":
        act(case, "government_approve", "government", GOVERNMENT_REPLY)
    elif state == "approved":
        act(case, "issue_reply", "province_reviewer2")
        act(case, "record_filing", "province_reviewer2",
            {"filing_date": "2025-04-20", "filing_reference": "人社部备〔2025〕8号"})  # fmt: skip
    else:
        raise AssertionError(state)


def drive(case, to, traveller=None, **kwargs):
    while case.state != to:
        step(case, traveller, **kwargs)
    return case


def refused(case, action, who, data=None, comment="意见"):
    with pytest.raises(ActionRefused) as info:
        act(case, action, who, data, comment=comment)
    return info.value.reason


def events(case, action=None):
    stmt = select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
    found = db.session.scalars(stmt).all()
    return [e for e in found if action is None or e.action == action]


def documents(case):
    stmt = select(Document).where(Document.case_id == case.id).order_by(Document.id)
    return [d.kind for d in db.session.scalars(stmt)]


# ---------------------------------------------------------------------------------------------
# The table


def test_the_definition_is_consistent_and_every_period_is_policy_data():
    assert registry.problems(SE) == []
    assert SE.kinds.keys() == KIND_TIER.keys() and SE.prefix == "SE"
    limited = [s for s in SE.states if spec(s, "time_limit") is not None]
    assert {s.key for s in limited} == {
        "city_review",
        "supplement",
        "acceptance",
        "public_notice",
        "government_approval",
        "preparation",
    }
    assert all(isinstance(spec(s, "time_limit"), PolicyRef) for s in limited)
    for name in ("limit_days", "extension_days", "extensions_allowed"):
        assert spec(SE.clock, name) == PolicyRef("licensing_clock", name)
    assert (SE.clock.limit_days, SE.clock.extension_days) == (20, 10)  # read as today's figures
    paused = policy.current("licensing_clock").in_group("paused_states")
    assert {v.name for v in paused if v.value} == {s.key for s in SE.states
                                                   if s.clock == "paused"}  # fmt: skip
    assert sum(a.required for a in SE.attachments) == 7
    assert not SE.has_state("objection_review")  # objections are tasks during the notice


def test_policy_references_are_validated():
    wrong_key = dataclasses.replace(SE.state("city_review"), time_limit=PolicyRef(LIMITS, "nope"))
    undeclared = State("waiting", "等待", "Waiting", "system", on_timeout="lapse",
                       time_limit=PolicyRef("public_notice_x", "days"))  # fmt: skip
    states = [wrong_key if s.key == "city_review" else s for s in SE.states]
    found = registry.problems(dataclasses.replace(SE, states=(*states, undeclared)))
    assert ("school_establishment.city_review.time_limit: school_time_limits@2024-1 has no "
            "whole number 'nope'") in found  # fmt: skip
    assert (
        "school_establishment.waiting.time_limit: policy 'public_notice_x' is not in the "
        "workflow's policies" in found
    )


@pytest.mark.parametrize("kind", list(FILERS))
def test_each_kind_goes_all_the_way_to_filed(kind):
    with time_machine.travel(at(START), tick=False) as traveller:
        case = file(kind)
        assert case.reference.startswith("SE-2025-")
        drive(case, "public_notice", traveller)
        notice = notices.current_notice(case)
        shown = {f["key"]: f["value"] for f in notice.content["fields"]}
        assert shown["school_name"] == FILERS[kind][1] and notice.content["kind"] == kind
        drive(case, "filed", traveller)
    path = [e.to_state for e in events(case) if e.from_state != e.to_state]
    expected = ["draft", "city_review", "acceptance", "expert_review", "site_inspection",
                "decision", "public_notice", "approved", "filed"]  # fmt: skip
    if kind in ("new_technician_college", "upgrade_college"):
        expected.insert(7, "government_approval")
    assert path == expected
    assert documents(case) == ["acceptance_notice", "approval_reply"]
    filing = events(case, "record_filing")[0]
    assert filing.details == {
        "filing_date": "2025-04-20",
        "filing_reference": "人社部备〔2025〕8号",
    }
    assert case.policy_version.startswith("school_standards@2012-1+school_prerequisites@2012-1")
    assert verify_case(case.reference).ok


# ---------------------------------------------------------------------------------------------
# Submission


def test_an_incomplete_application_is_refused_with_what_is_missing():
    case = file(attach=False, funding_source=None)
    reason = refused(case, "submit", "sponsor_clerk")
    assert reason.code == "application_incomplete" and "经费来源" in reason.zh
    engine.update_data(case, user("sponsor_clerk"), {"funding_source": "自筹"})
    reason = refused(case, "submit", "sponsor_clerk")
    assert reason.code == "attachments_missing" and "可行性论证报告" in reason.zh
    assert case.state == "draft"


def test_unmet_prerequisites_are_refused_with_the_rules_in_both_languages():
    case = file("upgrade_college", technician_classes=1, vice_president_degree="below_bachelor")
    reason = refused(case, "submit", "senior_school_clerk")
    assert reason.code == "prerequisites_unmet"
    assert "举办技师培训班 ≥ 2期" in reason.zh and "本科以上学历" in reason.zh
    assert "Technician training classes run ≥ 2 classes" in reason.en
    # A sponsor states the tier of the school it runs; a school's own tier is on record.
    sponsor = file("new_senior_school", current_tier="none")
    assert refused(sponsor, "submit", "sponsor_clerk").code == "prerequisites_unmet"
    act(file("upgrade_senior", current_tier="none"), "submit", "school_clerk")


@pytest.mark.parametrize(
    ("kind", "name", "expected"),
    [("new_technical_school", "中国西部技工学校", "中国"),
     ("new_technical_school", "重庆巴蜀技工学校", "重庆"),
     ("new_technical_school", "成都锦江高级技工学校", "名称应以“技工学校”结尾"),
     ("new_technician_college", "四川示范职业学院", "名称应以“技师学院”结尾"),
     ("branch", "南充技师学院国际分校", "国际")],
)  # fmt: skip
def test_names_follow_the_name_rules(kind, name, expected):
    case = file(kind, school_name=name)
    reason = refused(case, "submit", FILERS[kind][0])
    assert reason.code == "name_not_allowed" and expected in reason.zh
    assert name in reason.en


def test_upgrades_and_branches_are_filed_by_the_school_itself():
    for kind, tier in (("upgrade_senior", {"current_tier": "technical_school"}), ("branch", {})):
        case = file(kind, clerk="sponsor_clerk", **tier)  # a branch is not asked for a tier
        assert refused(case, "submit", "sponsor_clerk").code == "filer_not_school"


# ---------------------------------------------------------------------------------------------
# Supplements, lapse, deemed acceptance


def answer_and_resubmit(case, clerk):
    for item in engine.open_supplement_items(case):
        engine.answer_supplement_item(case, user(clerk), item.id, "已补充")
    act(case, "resubmit", clerk)


def test_a_resubmission_goes_back_to_the_stage_that_returned_it():
    case = drive(file(), "city_review")
    act(case, "return_for_supplement", "chengdu_reviewer", {"items": ["补充土地证明", "补充章程"]},
        comment="材料不全")  # fmt: skip
    assert case.state == "supplement" and case.clock is None  # the clock starts at acceptance
    assert refused(case, "resubmit", "sponsor_clerk").code == "supplement_unanswered"
    answer_and_resubmit(case, "sponsor_clerk")
    assert case.state == "city_review"
    act(case, "recommend", "chengdu_reviewer")
    act(case, "return_for_supplement", "province_reviewer", {"items": ["补充教师名册"]},
        comment="请补正")  # fmt: skip
    answer_and_resubmit(case, "sponsor_clerk")
    assert case.state == "acceptance"
    assert documents(case) == ["supplement_notice", "supplement_notice"]
    notice = db.session.scalar(select(Document).where(Document.case_id == case.id))
    assert notice.content["items"] == ["补充土地证明", "补充章程"]


def test_an_unanswered_supplement_lapses_when_its_period_ends():
    with time_machine.travel(at(START), tick=False):
        case = drive(file(), "city_review")
        act(case, "return_for_supplement", "chengdu_reviewer", {"items": ["补充材料"]},
            comment="请补正")  # fmt: skip
    due = date(2025, 3, 31)  # 20 working days after Monday 3 March 2025
    assert fire_due_timers(at(due, 23)).applied == 0
    assert fire_due_timers(at(due + timedelta(days=1), 9)).applied == 1
    db.session.expire_all()
    lapse = events(case)[-1]
    assert (case.state, lapse.action, lapse.actor_role) == ("lapsed", "lapse", "system")


def test_no_answer_within_five_working_days_is_deemed_acceptance():
    with time_machine.travel(at(START), tick=False):
        case = drive(file(), "acceptance")
    due = date(2025, 3, 10)  # 5 working days after Monday 3 March
    assert fire_due_timers(at(due, 23)).applied == 0
    assert fire_due_timers(at(due + timedelta(days=1), 9)).applied == 1
    db.session.expire_all()
    deemed = events(case)[-1]
    assert (case.state, deemed.action) == ("expert_review", "deem_accepted")
    assert (deemed.actor_id, deemed.actor_role, deemed.actor_name) == (None, "system", "system")
    assert deemed.details["clock"] == {"started_on": "2025-03-11", "limit_days": 20}
    notice = db.session.scalar(select(Document).where(Document.case_id == case.id))
    assert (notice.kind, notice.issued_by_id, notice.event_seq) == ("acceptance_notice", None,
                                                                    deemed.seq)  # fmt: skip
    assert notice.content["time_limit_days"] == 20
    assert db.session.scalar(select(OutboxMessage.effect).where(
        OutboxMessage.event_id == deemed.id)) == "notify_applicant"  # fmt: skip
    # The panel may be picked after the deemed acceptance; its tasks open at once.
    engine.assign_panel(case, "expert_review", [user(e) for e in EXPERTS],
                        user("province_reviewer"), "expert")  # fmt: skip
    assert len([t for t in case.tasks if t.stage == "expert_review"]) == 3


# ---------------------------------------------------------------------------------------------
# The expert panel and the inspection


def test_conflicted_experts_are_refused_and_the_panel_must_be_complete_and_odd():
    case = drive(file(), "acceptance")
    declared = engine.ConflictDeclaration(
        user_id=user("expert2").id, organisation_id=case.applicant_org_id, reason="曾任顾问"
    )
    db.session.add(declared)
    db.session.commit()
    by = user("province_reviewer")
    with pytest.raises(ActionRefused) as info:
        engine.assign_panel(case, "expert_review", [user("expert1"), user("expert2")], by,
                            "expert")  # fmt: skip
    assert info.value.code == "conflict"
    engine.assign_panel(case, "expert_review", [user("expert1"), user("expert3")], by, "expert")
    act(case, "accept", "province_reviewer")
    assert refused(case, "score", "expert1", {"scores": sheet()}).code == "panel_too_small"
    more = [
        create_user(
            username=f"expert{n}",
            org=user("expert1").organisation,
            role_specs=["expert"],
            display_name=f"评审专家{n}",
        )[0]
        for n in (4, 5)
    ]
    db.session.commit()
    engine.assign_panel(case, "expert_review", more, by, "expert")
    assert refused(case, "score", "expert1", {"scores": sheet()}).code == "panel_not_odd"


def test_scoring_sheets_and_checklists_are_checked_against_the_policy_sheets():
    case = drive(file(), "expert_review")
    bad = [line for line in sheet() if not line.startswith(("teachers", "facilities"))]
    bad += ["facilities=26", "x", "funding=1"]
    reason = refused(case, "score", "expert1", {"scores": bad})
    assert reason.code == "score_sheet_invalid"
    assert "teachers" in reason.zh and "facilities 应为 0 至 25 的整数" in reason.zh
    assert "cannot read “x”" in reason.en and "funding is given twice" in reason.en
    for who in EXPERTS:
        act(case, "score", who, {"scores": sheet()})
    lines = checklist(case)
    lines[0] = lines[0].replace("=met", "=not_met")
    reason = refused(case, "inspect", "inspector1", {"checklist": lines})
    assert reason.code == "checklist_invalid" and "须写明情况" in reason.zh
    lines[0] += "：占地不足，租用相邻地块"
    act(case, "inspect", "inspector1", {"checklist": lines})
    assert events(case, "inspect")[0].details["checklist"][0].endswith("租用相邻地块")


def test_scores_stay_blind_until_the_whole_panel_has_signed():
    case = drive(file(), "expert_review")
    act(case, "score", "expert1", {"scores": sheet(90)})
    mine = school_establishment.visible_scores(case, user("expert1"))
    assert [(s.expert_name, s.total) for s in mine] == [("评审专家甲", 90)]
    assert mine[0].scores["facilities"] == 25
    for who in ("expert2", "province_reviewer", "leader", "sponsor_clerk"):
        assert school_establishment.visible_scores(case, user(who)) == []
    assert len(school_establishment.visible_scores(case, user("auditor"))) == 1
    assert school_establishment.panel_result(case) is None  # no partial mean either
    signed = events(case, "score")[0]
    hidden = school_establishment.readable_details(case, signed, user("expert2"))
    assert "scores" not in hidden and "task_id" in hidden
    assert school_establishment.readable_details(case, signed, user("expert1")) == signed.details
    act(case, "score", "expert2", {"scores": sheet(80)})
    act(case, "score", "expert3", {"scores": sheet(70)})
    for who in ("expert2", "province_reviewer", "leader", "auditor"):
        totals = [s.total for s in school_establishment.visible_scores(case, user(who))]
        assert totals == [90, 80, 70]
    assert school_establishment.visible_scores(case, user("sponsor_clerk")) == []
    assert "scores" in school_establishment.readable_details(case, signed, user("expert2"))
    assert "scores" not in school_establishment.readable_details(
        case, signed, user("sponsor_clerk")
    )


@pytest.mark.parametrize(("totals", "to", "mean"), [
    ((70, 70, 70), "site_inspection", "70.00"),
    ((70, 70, 69), "decision", "69.67"),
    ((40, 50, 60), "decision", "50.00"),
])  # fmt: skip
def test_the_mean_total_against_the_pass_mark_picks_the_next_stage(totals, to, mean):
    case = drive(file(), "expert_review")
    step(case, totals=totals)
    assert case.state == to
    result = school_establishment.panel_result(case)
    assert (str(result.mean), result.pass_mark, result.sheets) == (mean, 70, 3)
    assert result.recommendation == ("site_inspection" if to == "site_inspection" else "refuse")
    assert result.policy_id == "expert_scoring@2024-1"


def test_a_refusal_issues_the_rejection_decision_with_the_remedies():
    case = drive(file(), "expert_review")
    step(case, totals=(40, 50, 60))
    with pytest.raises(InvalidInput) as info:
        act(case, "refuse", "leader", comment="")  # written reasons are required
    assert info.value.errors["comment"].code == "comment_required"
    act(case, "refuse", "leader", comment="专家评审平均分未达合格分数线。")
    assert case.state == "rejected" and case.clock.stopped_on is not None
    decision = db.session.scalar(select(Document).where(Document.kind == "rejection_decision"))
    assert decision.content["remedies"] == {"reconsideration_days": 60, "litigation_months": 6}
    assert decision.content["comment"] == "专家评审平均分未达合格分数线。"
    assert events(case)[-1].details["remedies"]["litigation_months"] == 6
    assert documents(case) == ["acceptance_notice", "rejection_decision"]
    assert verify_case(case.reference).ok


# ---------------------------------------------------------------------------------------------
# Decision, notice, objections, government, filing


def test_the_clock_is_extended_once_only():
    case = drive(file(), "decision")
    act(case, "extend", "leader", comment="需补充调查")
    assert refused(case, "extend", "leader", comment="再延长").code == "clock_already_extended"
    status = clock_status(case)
    assert (status.limit, status.extended) == (30, True)
    assert events(case, "extend")[0].details == {"clock": {"extended_by": 10}}


def test_an_upheld_objection_sends_the_case_back_to_the_decision():
    with time_machine.travel(at(START), tick=False):
        case = drive(file(), "public_notice")
        notice = notices.current_notice(case)
        objection = notices.file_objection(notice, "李四", "13800000000", "实训场地系租用。")
    task = db.session.get(Task, objection.task_id)
    assert (task.role, task.due_on) == ("province_reviewer", date(2025, 3, 17))  # 10 days
    notices.resolve_objection(objection, user("province_reviewer2"), True, "场地情况属实。",
                              now=at(START + timedelta(days=1)))  # fmt: skip
    assert case.state == "decision" and events(case)[-1].action == "uphold_objection"
    act(case, "refuse", "leader", comment="办学场地不符合要求。")
    assert case.state == "rejected"


def test_a_dismissed_objection_lets_the_notice_end_by_itself(se):
    with time_machine.travel(at(START), tick=False) as traveller:
        case = drive(file("upgrade_college"), "public_notice")
        objection = notices.file_objection(notices.current_notice(case), "王五", "wx", "名称不妥。")
        traveller.move_to(at(date(2025, 3, 11)))  # the period ended on Monday 10 March
        assert fire_due_timers().refused == 1  # the outcome waits for the objection
        notices.resolve_objection(objection, user("province_reviewer"), False, "异议不成立。")
    db.session.expire_all()
    assert case.state == "government_approval"
    act(case, "government_refuse", "government", comment="布局不符合全省规划。")
    assert documents(case) == ["acceptance_notice", "rejection_decision"]


def test_withdrawal_is_possible_until_the_decision_is_taken():
    case = drive(file(), "decision")
    act(case, "withdraw", "sponsor_clerk")
    assert case.state == "withdrawn"
    with time_machine.travel(at(START), tick=False):
        later = drive(file(), "public_notice")
    assert refused(later, "withdraw", "sponsor_clerk").code == "unknown_action"


def test_the_reply_is_issued_once_before_the_filing_is_recorded():
    filing = {"filing_date": "2025-04-20", "filing_reference": "人社部备〔2025〕8号"}
    with time_machine.travel(at(START), tick=False) as traveller:
        case = drive(file(), "approved", traveller)
        code = refused(case, "record_filing", "province_reviewer2", filing).code
        assert code == "reply_not_issued"
        assert refused(case, "issue_reply", "province_reviewer").code == "acted_in_other_stage"
        act(case, "issue_reply", "province_reviewer2")
        assert refused(case, "issue_reply", "province_reviewer2").code == "reply_already_issued"
        act(case, "record_filing", "province_reviewer2", filing)
    reply = db.session.scalar(select(Document).where(Document.kind == "approval_reply"))
    assert (case.state, reply.number) == ("filed", "川人社函〔2025〕1号")


def test_approval_of_preparation_waits_for_the_policy_period_then_ends():
    with time_machine.travel(at(START), tick=False):
        case = drive(file("new_technician_college"), "decision")
        act(case, "approve_preparation", "leader", comment="同意筹设，筹设期两年。")
    assert case.state == "preparation" and case.clock.stopped_on == START
    assert documents(case) == ["acceptance_notice", "approval_reply"]
    timer = db.session.scalar(select(Timer).where(Timer.case_id == case.id,
                                                  Timer.action == "preparation_ends"))  # fmt: skip
    # 2 years (policy preparation_period): the end of 3 March 2027 in Chengdu.
    assert timer.due_at == local_end_of_day_utc(date(2027, 3, 3)) and timer.provisional
    assert fire_due_timers(at(date(2027, 3, 4), 9)).applied == 1
    db.session.expire_all()
    assert case.state == "preparation_ended"


# ---------------------------------------------------------------------------------------------
# The licensing clock and the policy's periods


def test_the_clock_counts_only_the_decision_and_twenty_working_days_cross_national_day():
    with time_machine.travel(at(date(2025, 9, 22)), tick=False) as traveller:  # Monday
        case = drive(file(), "expert_review", traveller)
        assert case.clock.started_on == date(2025, 9, 22)
        traveller.move_to(at(date(2025, 9, 25)))
        assert clock_status(case).status == "paused"  # expert review is not counted
        drive(case, "site_inspection")
        traveller.move_to(at(date(2025, 9, 26)))
        assert (clock_status(case).status, clock_status(case).elapsed) == ("paused", 0)
        drive(case, "decision")
    running = clock_status(case, date(2025, 9, 26))
    # 20 working days from Friday 26 September 2025: Sunday 28 September and Saturday 11
    # October are working days, 1-8 October are not.
    assert (running.status, running.remaining, running.deadline) == (
        "running",
        20,
        date(2025, 10, 30),
    )
    assert clock_status(case, date(2025, 10, 9)).elapsed == 4  # 28, 29, 30 Sep, 9 Oct
    with time_machine.travel(at(date(2025, 10, 13)), tick=False) as traveller:
        act(case, "approve", "leader")  # 28, 29, 30 Sep, 9, 10, 11, 13 Oct: 7 used
        notice = clock_status(case, date(2025, 10, 20))
        assert (notice.status, notice.elapsed) == ("paused", 7)  # the notice is not counted
        drive(case, "approved", traveller)
    assert case.clock.stopped_on is not None and case.clock.elapsed_days == 7


def test_time_limits_are_the_policy_figures_in_effect_on_the_day(se, tmp_path):
    import shutil

    folder = tmp_path / "policy"
    shutil.copytree(policy.DEFAULT_DIR, folder)
    limits = folder / "school_time_limits.toml"
    text = limits.read_text(encoding="utf-8")
    head, first = text.split("[[versions]]\n", 1)
    second = first.replace('version = "2024-1"', 'version = "2026-1"').replace(
        "effective_from = 2024-01-01", "effective_from = 2026-01-01").replace(
        "value = 10\n", "value = 7\n", 1)  # fmt: skip
    first = first.replace("effective_from = 2024-01-01",
                          "effective_from = 2024-01-01\neffective_to = 2025-12-31")  # fmt: skip
    limits.write_text(head + "[[versions]]\n" + first + "\n[[versions]]\n" + second, "utf-8")
    se.config["POLICY_DIR"] = str(folder)
    due = {}
    for day in (date(2025, 12, 29), date(2026, 1, 5)):  # both Mondays
        with time_machine.travel(at(day), tick=False):
            case = drive(file(), "city_review")
            due[day] = db.session.scalar(select(Task.due_on).where(Task.case_id == case.id))
            assert "school_time_limits@" + ("2024-1" if day.year == 2025 else "2026-1") in (
                case.policy_version)  # fmt: skip
            assert SE.state("city_review").time_limit == (10 if day.year == 2025 else 7)
    assert due == {date(2025, 12, 29): date(2026, 1, 13), date(2026, 1, 5): date(2026, 1, 14)}


def test_the_case_page_and_the_api_keep_scores_blind():
    """The timeline of the case page and the API's event list read details through the
    workflow's reader, so another expert sees that expert1 signed, not the sheet."""
    from caseflow.api.present import event_list
    from caseflow.cases import timeline
    from caseflow.workflows import registry

    case = drive(file(), "expert_review")
    act(case, "score", "expert1", {"scores": sheet(90)})
    wf = registry.get(case.workflow)
    scored = events(case, "score")

    def page_lines(who):
        entry = timeline.entries(wf, scored, case=case, viewer=user(who))[0]
        return [d.label for d in entry.details]

    def api_details(who):
        item = next(e for e in event_list(case, user(who)).items if e.action == "score")
        return item.details or {}

    assert len(page_lines("expert1")) > len(page_lines("expert2"))
    assert "scores" in api_details("expert1") and "scores" not in api_details("expert2")


def test_the_progress_strip_shows_the_preparation_branch_only_when_taken():
    from types import SimpleNamespace

    from caseflow.cases import views

    visited = ["draft", "city_review", "acceptance", "expert_review", "site_inspection"]
    at_decision = SimpleNamespace(state="decision", returned_from=None)
    shown = views.progress(at_decision, SE, visited)
    assert "preparation" not in [s.key for s in shown.steps]
    assert SE.state("preparation_ended").label_zh not in shown.outcome
    waiting = SimpleNamespace(state="preparation", returned_from=None)
    taken = views.progress(waiting, SE, [*visited, "decision", "preparation"])
    assert "preparation" in [s.key for s in taken.steps]
