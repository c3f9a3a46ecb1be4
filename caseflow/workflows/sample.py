"""The sample workflow (测试许可 / test permit): small, but it has every feature the engine offers —
`single`, `all` and `any` stages, a router, the supplement loop with lapse, a clock that pauses,
co-signing, a public notice with objections that ends by itself, attachments and numbered
documents.

It is the workflow of the engine's tests, of the production smoke scenario and of the embedded
demo until the product workflows land. It is registered only when ``CASEFLOW_SAMPLE_WORKFLOW``
is on (the embedded and test profiles; off in production).
"""

from caseflow.workflows import registry
from caseflow.workflows.definition import (
    Assign,
    AttachmentType,
    Clock,
    Field,
    NoticeField,
    State,
    Transition,
    Workflow,
)

R = frozenset


@registry.router("test_by_amount", targets=("finance", "approved"))
def by_amount(ctx):
    return "finance" if int(ctx.case.data.get("amount", 0)) >= 500_000 else "approved"


STATES = (
    State("draft", "草稿", "Draft", "applicant"),
    State("intake", "初审", "Intake", "stage", mode="single",
          assign=Assign("city_reviewer", "applicant_region"), time_limit=5,
          supervisor="province_reviewer", allow_cosign=True),
    State("supplement", "补正", "Supplement", "applicant", time_limit=10, clock="paused",
          on_timeout="lapse"),
    State("review", "复审", "Review", "stage", mode="single",
          assign=Assign("province_reviewer", "province"), time_limit=10, clock="runs"),
    State("panel", "专家评审", "Panel", "stage", mode="all", assign=Assign("expert", "panel"),
          clock="paused", min_panel=3, odd_panel=True, allow_handover=False),
    State("board", "集体决定", "Board", "stage", mode="any", assign=Assign("leader", "panel"),
          clock="runs", time_limit=5),
    State("notice", "公示", "Notice", "public", time_limit=5, clock="paused",
          on_timeout="notice_ends",
          notice_fields=(NoticeField("project", "项目名称", "Project"),
                         NoticeField("contact_name", "联系人", "Contact", mask="name"),
                         NoticeField("amount", "金额（元）", "Amount (yuan)")),
          objections=Assign("province_reviewer", "province"), objection_time_limit=5,
          objection_upheld="uphold_objection"),
    State("finance", "财政审核", "Finance", "stage", mode="single",
          assign=Assign("finance_reviewer", "applicant_region"), time_limit=10),
    State("approved", "已批准", "Approved", "terminal"),
    State("rejected", "不予批准", "Rejected", "terminal"),
    State("withdrawn", "已撤回", "Withdrawn", "terminal"),
    State("lapsed", "逾期未补正", "Lapsed", "terminal"),
)  # fmt: skip

APPLICANT, CITY, PROVINCE = R({"applicant"}), R({"city_reviewer"}), R({"province_reviewer"})
ITEMS = Field("items", "items", label_zh="补正事项", label_en="Items")

TRANSITIONS = (
    Transition("submit", ("draft",), "提交", "Submit", target="intake", roles=APPLICANT,
               guards=("application_complete",)),
    Transition("withdraw", ("draft", "intake", "supplement", "review"), "撤回", "Withdraw",
               target="withdrawn", roles=APPLICANT, kind="withdraw"),
    Transition("recommend", ("intake",), "推荐", "Recommend", target="review", roles=CITY,
               clock="start", effects=("notify_applicant",), documents=("acceptance_notice",)),
    Transition("return_for_supplement", ("intake", "review"), "退回补正", "Return",
               target="supplement", roles=CITY | PROVINCE, kind="return_supplement",
               fields=(ITEMS,), comment="required", effects=("notify_applicant",),
               documents=("supplement_notice",)),
    Transition("reject", ("intake",), "不予受理", "Reject", target="rejected", roles=CITY,
               kind="reject", comment="required", documents=("rejection_decision",),
               effects=("notify_applicant",)),
    Transition("resubmit", ("supplement",), "重新提交", "Resubmit", roles=APPLICANT,
               kind="resubmit"),
    Transition("lapse", ("supplement",), "逾期", "Lapse", target="lapsed", roles=R({"system"}),
               kind="system", effects=("notify_applicant",)),
    Transition("send_to_panel", ("review",), "提交专家评审", "Send to panel", target="panel",
               roles=PROVINCE, guards=("target_panel_ready",)),
    Transition("score", ("panel",), "评分", "Score", target="board", roles=R({"expert"}),
               kind="sign",
               fields=(Field("score", "int", min_value=0, max_value=100),)),
    Transition("send_back", ("panel",), "退回复审", "Send back", target="review",
               roles=R({"expert"}), kind="return_stage", comment="required"),
    Transition("approve", ("board",), "同意", "Approve", target="notice", roles=R({"leader"}),
               kind="sign", effects=("notify_applicant",)),
    Transition("refuse", ("board",), "不予批准", "Refuse", target="rejected",
               roles=R({"leader"}), kind="reject", comment="required", clock="stop",
               documents=("rejection_decision",), effects=("notify_applicant",)),
    Transition("extend", ("board",), "延长时限", "Extend", target="board", roles=R({"leader"}),
               clock="extend", guards=("clock_extension_available",), comment="required"),
    Transition("notice_ends", ("notice",), "公示期满", "Notice ends", router="test_by_amount",
               roles=R({"system"}), kind="system", clock="stop", guards=("no_open_objections",),
               effects=("notify_applicant",)),
    Transition("uphold_objection", ("notice",), "异议成立", "Uphold objection", target="board",
               roles=PROVINCE, kind="return_stage", comment="required",
               guards=("objection_upheld",)),
    Transition("pay", ("finance",), "审核通过", "Approve payment", target="approved",
               roles=R({"finance_reviewer"}), documents=("approval_reply",),
               effects=("notify_applicant",)),
)  # fmt: skip

TEST_FLOW = Workflow(
    key="test_permit",
    prefix="TP",
    label_zh="测试许可",
    label_en="Test permit",
    kinds={"standard": ("标准", "Standard")},
    initial="draft",
    states=STATES,
    transitions=TRANSITIONS,
    clock=Clock(limit_days=20, extension_days=10),
    fields=(
        Field("project", "text", required=False, label_zh="项目名称", label_en="Project"),
        Field("amount", "int", label_zh="申请金额（元）", label_en="Amount (yuan)", min_value=0),
        Field("contact_name", "text", required=False, label_zh="联系人", label_en="Contact"),
    ),
    subject_field="project",
    attachments=(
        AttachmentType("application_form", "申请表", "Application form", required=True),
        AttachmentType("supporting_evidence", "证明材料", "Supporting evidence"),
    ),
)
registry.register(TEST_FLOW)
