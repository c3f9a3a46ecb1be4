"""Workflow A — school establishment and upgrade (技工院校设立/升格审批), prefix ``SE``
(DOMAIN.md §3).

The table: states, transitions, the application form and attachment types. Its named rules
are in ``school_rules.py`` (who files which kind, name rules, prerequisites, the route by
authority after the notice) and ``school_panel.py`` (scoring sheets, checklists, the panel's
result and blind reading: ``visible_scores``). Every time limit is policy data (PolicyRef).

Decisions the table makes:

* Objections (异议) are tasks of the province reviewers during ``public_notice`` (see
  ``notices.py``), due within the policy's objection time; the notice's end waits for them.
  They replace DOMAIN's ``objection_review`` state: dismissing one lets the notice run on,
  upholding one applies ``uphold_objection`` (→ ``decision``).
* Approval of preparation (同意筹设) waits in ``preparation`` for the policy's period, then ends;
  the sponsor files the establishment as a new case.
* The first review is the city HR bureau's, or — for an applicant supervised by a provincial
  industry department (省级行业主管部门) — that department's (scope rule
  ``supervisor_or_region``: its officials hold ``city_reviewer:org``); the stage is labelled
  "first review" (初审: the city or the department).
"""

from caseflow import attachments  # noqa: F401  (registers the attachments_complete guard)
from caseflow.models.orgs import OWNERSHIPS
from caseflow.workflows import (  # noqa: F401  (register the named rules)
    registry,
    school_panel,
    school_registry,
    school_rules,
    school_sheets,
    school_standards,
)
from caseflow.workflows.definition import (
    Assign,
    AttachmentType,
    Clock,
    Field,
    NoticeField,
    PolicyRef,
    State,
    Transition,
    Workflow,
)

R = frozenset
LIMITS = "school_time_limits"
# For the pages and the API: blind scoring sheets and the panel's result (school_panel.py).
visible_scores = school_panel.visible_scores
readable_details = school_panel.readable_details
panel_result = school_panel.panel_result

KINDS = {
    "new_technical_school": ("技工学校设立", "New technical school"),
    "new_senior_school": ("高级技工学校设立", "New senior technical school"),
    "new_technician_college": ("技师学院设立", "New technician college"),
    "upgrade_senior": ("技工学校升格高级技工学校", "Upgrade to senior technical school"),
    "upgrade_college": ("高级技工学校升格技师学院", "Upgrade to technician college"),
    "branch": ("分校/教学点设立", "Branch or teaching site"),
}

STATES = (
    State("draft", "草稿", "Draft", "applicant"),
    State("city_review", "初审", "First review", "stage", mode="single",
          assign=Assign("city_reviewer", "supervisor_or_region"),
          time_limit=PolicyRef(LIMITS, "city_review"), supervisor="province_reviewer"),
    State("supplement", "补正", "Supplement", "applicant",
          time_limit=PolicyRef(LIMITS, "supplement"), clock="paused", on_timeout="lapse"),
    State("acceptance", "受理", "Acceptance", "stage", mode="single",
          assign=Assign("province_reviewer", "province"),
          time_limit=PolicyRef(LIMITS, "acceptance"), on_timeout="deem_accepted"),
    State("expert_review", "专家评审", "Expert review", "stage", mode="all",
          assign=Assign("expert", "panel"), clock="paused", min_panel=3, odd_panel=True,
          allow_handover=False),
    # Inspectors (role `inspector`, DOMAIN §1.3: officials drawn for an inspection) rather than
    # province reviewers: they sign no other stage, so separation of duties leaves the
    # reviewers free for acceptance, objections and the approval reply.
    State("site_inspection", "实地考察", "Site inspection", "stage", mode="all",
          assign=Assign("inspector", "panel"), clock="paused", min_panel=2,
          allow_handover=False),
    State("decision", "厅务会决定", "Decision", "stage", mode="single",
          assign=Assign("leader", "province"), clock="runs"),
    State("public_notice", "公示", "Public notice", "public",
          time_limit=PolicyRef("public_notice", "days"), clock="paused",
          on_timeout="notice_ends",
          notice_fields=(NoticeField("school_name", "学校名称", "School name"),
                         NoticeField("sponsor", "举办者", "Sponsor"),
                         NoticeField("address", "办学地址", "Address")),
          objections=Assign("province_reviewer", "province"),
          objection_time_limit=PolicyRef(LIMITS, "objection_review"),
          objection_upheld="uphold_objection"),
    State("government_approval", "省政府审批", "Provincial government approval", "stage",
          mode="single", assign=Assign("government", "province"),
          time_limit=PolicyRef(LIMITS, "government_approval")),
    State("approved", "批准", "Approved", "stage", mode="single",
          assign=Assign("province_reviewer", "province")),
    State("preparation", "筹设期", "Preparation period", "system",
          time_limit=PolicyRef("preparation_period", "years"), time_unit="years",
          on_timeout="preparation_ends"),
    State("filed", "已备案", "Filed", "terminal"),
    State("rejected", "不予许可", "Rejected", "terminal"),
    State("withdrawn", "已撤回", "Withdrawn", "terminal"),
    State("lapsed", "逾期未补正", "Lapsed", "terminal"),
    State("preparation_ended", "筹设期满", "Preparation period ended", "terminal"),
)  # fmt: skip

APPLICANT, CITY, PROVINCE = R({"applicant"}), R({"city_reviewer"}), R({"province_reviewer"})
LEADER, GOVERNMENT, SYSTEM = R({"leader"}), R({"government"}), R({"system"})
ITEMS = Field("items", "items", label_zh="补正事项（每行一项）", label_en="Items (one per line)")
NOTIFY = ("notify_applicant",)
REFUSAL = {"kind": "reject", "comment": "required", "documents": ("rejection_decision",),
           "effects": NOTIFY}  # fmt: skip
ACCEPT = {"target": "expert_review", "clock": "start", "documents": ("acceptance_notice",),
          "effects": NOTIFY}  # fmt: skip

TRANSITIONS = (
    Transition("submit", ("draft",), "提交", "Submit", target="city_review", roles=APPLICANT,
               guards=("application_complete", "attachments_complete", "se_filer_fits_kind",
                       "se_name_allowed", "se_prerequisites_met")),
    Transition("withdraw", ("draft", "city_review", "supplement", "acceptance", "expert_review",
                            "site_inspection", "decision"), "撤回", "Withdraw",
               target="withdrawn", roles=APPLICANT, kind="withdraw"),
    Transition("recommend", ("city_review",), "初审推荐", "Recommend", target="acceptance",
               roles=CITY),
    Transition("return_for_supplement", ("city_review", "acceptance"), "退回补正",
               "Return for supplement", target="supplement", roles=CITY | PROVINCE,
               kind="return_supplement", fields=(ITEMS,), comment="required", effects=NOTIFY,
               documents=("supplement_notice",)),
    Transition("reject", ("city_review",), "初审不予通过", "Reject", target="rejected",
               roles=CITY, **REFUSAL),
    Transition("resubmit", ("supplement",), "重新提交", "Resubmit", roles=APPLICANT,
               kind="resubmit"),
    Transition("lapse", ("supplement",), "逾期未补正", "Lapse", target="lapsed", roles=SYSTEM,
               kind="system", effects=NOTIFY),
    Transition("accept", ("acceptance",), "受理", "Accept", roles=PROVINCE, **ACCEPT),
    # 行政许可法 第32条: no answer within the acceptance time limit is acceptance.
    Transition("deem_accepted", ("acceptance",), "逾期视为受理", "Deemed accepted",
               roles=SYSTEM, kind="system", **ACCEPT),
    Transition("refuse_acceptance", ("acceptance",), "不予受理", "Refuse to accept",
               target="rejected", roles=PROVINCE, **REFUSAL),
    Transition("score", ("expert_review",), "提交评分表", "Submit scoring sheet",
               router="se_by_panel_mean", roles=R({"expert"}), kind="sign",
               guards=("stage_panel_ready", "se_score_sheet_valid"),
               fields=(Field("scores", "sheet", label_zh="评分表", label_en="Scoring sheet",
                             sheet="se_scores"),)),
    Transition("inspect", ("site_inspection",), "提交考察记录", "Submit inspection checklist",
               target="decision", roles=R({"inspector"}), kind="sign",
               guards=("stage_panel_ready", "se_checklist_valid"),
               fields=(Field("checklist", "sheet", label_zh="考察记录（逐项对照设置标准）",
                             label_en="Inspection checklist (each setting standard)",
                             sheet="se_checklist"),)),
    Transition("approve", ("decision",), "同意设立", "Approve", target="public_notice",
               roles=LEADER, effects=NOTIFY),
    Transition("approve_preparation", ("decision",), "同意筹设", "Approve preparation",
               target="preparation", roles=LEADER, clock="stop",
               documents=("approval_reply",), effects=NOTIFY),
    Transition("refuse", ("decision",), "不予许可", "Refuse", target="rejected", roles=LEADER,
               **REFUSAL),
    Transition("extend", ("decision",), "延长办理期限", "Extend the time limit",
               target="decision", roles=LEADER, clock="extend", comment="required",
               guards=("clock_extension_available",)),
    Transition("notice_ends", ("public_notice",), "公示期满", "Notice ends",
               router="se_by_authority", roles=SYSTEM, kind="system", clock="stop",
               guards=("no_open_objections",), effects=NOTIFY),
    Transition("uphold_objection", ("public_notice",), "异议成立", "Uphold objection",
               target="decision", roles=PROVINCE, kind="return_stage", comment="required",
               guards=("objection_upheld",)),
    Transition("government_approve", ("government_approval",), "省政府批准",
               "Government approves", target="approved", roles=GOVERNMENT, effects=NOTIFY,
               guards=("se_government_reply_valid",),
               fields=(Field("government_reply_number", "text", label_zh="省政府批复文号",
                             label_en="Government reply number (e.g. 川府函〔2026〕12号)"),
                       Field("government_reply_date", "date", label_zh="省政府批复日期",
                             label_en="Date of the government's reply"))),
    Transition("government_refuse", ("government_approval",), "省政府不予批准",
               "Government refuses", target="rejected", roles=GOVERNMENT, **REFUSAL),
    Transition("issue_reply", ("approved",), "印发批复", "Issue the approval reply",
               target="approved", roles=PROVINCE, guards=("se_reply_not_issued",),
               documents=("approval_reply",), effects=NOTIFY),
    Transition("record_filing", ("approved",), "登记备案", "Record the filing",
               target="filed", roles=PROVINCE, guards=("se_reply_issued",),
               effects=(*NOTIFY, "se_register_school"),
               fields=(Field("filing_date", "date", label_zh="报人社部备案日期",
                             label_en="Filed with the ministry on"),
                       Field("filing_reference", "text", label_zh="备案文号",
                             label_en="Filing reference"))),
    Transition("preparation_ends", ("preparation",), "筹设期满", "Preparation period ends",
               target="preparation_ended", roles=SYSTEM, kind="system", effects=NOTIFY),
)  # fmt: skip


def _f(name, type_, zh, en, required=True, **kw):
    return Field(name, type_, required=required, label_zh=zh, label_en=en, **kw)


OWNERSHIP_LABELS = {"public": ("公办", "Public"), "private": ("民办", "Private"),
                    "enterprise": ("企业办", "Enterprise-run")}  # fmt: skip
TIER_LABELS = {
    "none": ("无", "None"),
    "technical_school": ("技工学校", "Technical school"),
    "senior_technical_school": ("高级技工学校", "Senior technical school"),
    "technician_college": ("技师学院", "Technician college"),
    "higher_vocational_college": ("高等职业院校", "Higher vocational college"),
}
TIERS = tuple(TIER_LABELS)
DEGREE_LABELS = {
    "below_bachelor": ("本科以下", "Below bachelor's degree"),
    "bachelor": ("本科", "Bachelor's degree"),
    "master": ("硕士研究生", "Master's degree"),
    "doctorate": ("博士研究生", "Doctorate"),
}
DEGREES = tuple(DEGREE_LABELS)
QUALIFICATION_LABELS = {
    "none": ("无", "None"),
    "senior_professional_title": ("高级专业技术职务", "Senior professional title"),
    "senior_technician": ("高级技师", "Senior technician"),
}
QUALIFICATIONS = tuple(QUALIFICATION_LABELS)
# The kinds each prerequisite field is asked of: the groups of policy ``school_prerequisites``
# (tests/test_filing_school.py checks the two agree). The tier of a school is on record, so
# ``current_tier`` (a sponsor's answer) and the yes/no ``passed_evaluation`` stay optional: the
# prerequisites guard states the rule when they are not met.
SENIOR_KINDS = ("new_senior_school", "upgrade_senior")
COLLEGE_KINDS = ("new_technician_college", "upgrade_college")

FIELDS = (
    _f("school_name", "text", "学校名称", "School name"),
    _f("ownership", "choice", "办学性质", "Ownership", choices=OWNERSHIPS,
       choice_labels=OWNERSHIP_LABELS),
    _f("sponsor", "text", "举办者", "Sponsor"),
    _f("address", "text", "办学地址", "Address"),
    _f("land_area_m2", "decimal", "校园占地面积（平方米）", "Campus land (m²)", show_mu=True),
    _f("building_area_m2", "decimal", "校舍建筑面积（平方米）", "Building floor area (m²)"),
    _f("training_area_m2", "decimal", "实习、实验场所建筑面积（平方米）",
       "Training and laboratory floor area (m²)"),
    _f("planned_enrolment", "int", "规划全日制在校生（人）", "Planned full-time enrolment",
       min_value=0),
    _f("yearly_training_attendances", "int", "年职业培训规模（人次）",
       "Yearly training attendances", min_value=0),
    _f("full_time_teachers", "int", "专任教师（人）", "Full-time teachers", min_value=0),
    _f("integrated_teachers", "int", "其中一体化教师（人）",
       "of whom integrated theory-practice teachers", min_value=0),
    _f("senior_title_teachers", "int", "其中高级职称教师（人）", "of whom senior-title holders",
       min_value=0),
    _f("majors", "items", "专业及对应职业（每行一个）", "Majors with occupations (one per line)"),
    _f("equipment_value_wan", "decimal", "实习、实验设备总值（万元）",
       "Training equipment value (10,000 yuan)"),
    _f("practical_share_percent", "int", "实践教学课时占比（%）",
       "Share of practical teaching hours (%)", min_value=0, max_value=100),
    # A standard of technician colleges only (school_standards); a branch of one is asked too.
    _f("senior_level_share_percent", "int", "高级工及以上在校生占比（%）",
       "Senior-level students, share of enrolment (%)", False, min_value=0, max_value=100,
       kinds=(*COLLEGE_KINDS, "branch")),
    _f("partner_enterprises", "items", "合作企业（每行一个）",
       "Partner enterprises (one per line)", False),
    _f("funding_source", "text", "经费来源", "Funding source"),
    _f("funding_amount_wan", "decimal", "经费金额（万元）", "Funding amount (10,000 yuan)"),
    _f("articles", "text", "学校章程要点", "Main points of the articles", False),
    # Prerequisites (school_prerequisites), asked of the kinds that have them.
    _f("current_tier", "choice", "举办学校现有层次", "Tier of the school run now", False,
       choices=TIERS, choice_labels=TIER_LABELS, kinds=SENIOR_KINDS + COLLEGE_KINDS),
    _f("passed_evaluation", "bool", "已通过办学水平评估", "Passed the school-level evaluation",
       False, kinds=SENIOR_KINDS + COLLEGE_KINDS),
    _f("senior_class_majors", "int", "已开办高级工班的专业数", "Majors with senior-worker classes",
       min_value=0, kinds=SENIOR_KINDS),
    _f("technician_classes", "int", "已举办技师培训班（期）", "Technician classes run",
       min_value=0, kinds=COLLEGE_KINDS),
    _f("president_degree", "choice", "校（院）长学历", "President's degree",
       choices=DEGREES, choice_labels=DEGREE_LABELS, kinds=COLLEGE_KINDS),
    _f("vice_president_degree", "choice", "教学副校（院）长学历",
       "Teaching vice-president's degree", choices=DEGREES, choice_labels=DEGREE_LABELS,
       kinds=COLLEGE_KINDS),
    _f("president_qualification", "choice", "校（院）长职称或职业资格",
       "President's title or qualification", choices=QUALIFICATIONS,
       choice_labels=QUALIFICATION_LABELS, kinds=COLLEGE_KINDS),
    _f("vice_president_qualification", "choice", "教学副校（院）长职称或职业资格",
       "Teaching vice-president's title or qualification", choices=QUALIFICATIONS,
       choice_labels=QUALIFICATION_LABELS, kinds=COLLEGE_KINDS),
    _f("president_experience_years", "int", "校（院）长职业教育或企业工作年限",
       "President's years in vocational education or enterprise", min_value=0,
       kinds=COLLEGE_KINDS),
)  # fmt: skip

# The applicant's files (required at submission); the inspectors' photos, taken during the site
# inspection by the members of its panel, each photo a file of its own.
BY_APPLICANT = {"required": True, "uploaded_by": ("applicant",)}
ATTACHMENTS = (
    AttachmentType("feasibility_study", "可行性论证报告", "Feasibility study", **BY_APPLICANT),
    AttachmentType("land_certificate", "土地使用证明或租赁合同", "Land-use certificate or lease",
                   **BY_APPLICANT),
    AttachmentType("building_certificates", "校舍产权证明", "Building certificates",
                   **BY_APPLICANT),
    AttachmentType("sponsor_qualifications", "举办者资质证明", "Sponsor's qualifications",
                   **BY_APPLICANT),
    AttachmentType("teacher_roster", "教师名册", "Teacher roster", **BY_APPLICANT),
    AttachmentType("majors_plan", "专业设置方案", "Majors plan", **BY_APPLICANT),
    AttachmentType("articles", "学校章程", "Articles of the school", **BY_APPLICANT),
    AttachmentType("inspection_photos", "考察照片", "Inspection photos", uploaded_by=("stage",),
                   states=("site_inspection",), multiple=True, formats=("jpg", "jpeg", "png")),
)  # fmt: skip

CLOCK = "licensing_clock"
SCHOOL_ESTABLISHMENT = registry.register(
    Workflow(
        key="school_establishment",
        prefix="SE",
        label_zh="技工院校设立审批",
        label_en="School establishment",
        kinds=KINDS,
        initial="draft",
        states=STATES,
        transitions=TRANSITIONS,
        clock=Clock(limit_days=PolicyRef(CLOCK, "limit_days"),
                    extension_days=PolicyRef(CLOCK, "extension_days"),
                    extensions_allowed=PolicyRef(CLOCK, "extensions_allowed")),
        attachments=ATTACHMENTS,
        fields=FIELDS,
        subject_field="school_name",
        policies=("school_standards", "school_prerequisites", "school_name_rules",
                  "expert_scoring", LIMITS, CLOCK, "public_notice", "preparation_period",
                  "document_numbers"),
    )
)  # fmt: skip
