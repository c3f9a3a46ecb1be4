"""Named guards: pure predicates over an action context. Each returns ``None`` when the action
may go ahead, or a :class:`Reason` saying why not. Guards never change anything."""

from caseflow.workflows.errors import Reason
from caseflow.workflows.registry import guard


@guard("supplement_items_answered")
def supplement_items_answered(ctx):
    open_items = [i for i in ctx.open_supplement_items if i.answered_at is None]
    if open_items:
        return Reason(
            "supplement_unanswered",
            f"还有 {len(open_items)} 项补正内容未答复。",
            f"{len(open_items)} supplement item(s) still need an answer.",
        )
    return None


@guard("clock_extension_available")
def clock_extension_available(ctx):
    clock = ctx.case.clock
    wf_clock = ctx.workflow.clock
    if clock is None or clock.started_on is None:
        return Reason(
            "clock_not_started", "办理时限尚未开始计算。", "The time limit has not started."
        )
    if clock.stopped_on is not None:
        return Reason("clock_stopped", "办理时限已停止计算。", "The time limit has stopped.")
    used = clock.extended_days // wf_clock.extension_days if wf_clock.extension_days else 0
    if used >= wf_clock.extensions_allowed:
        return Reason(
            "clock_already_extended",
            "办理时限只能延长一次，已经延长过。",
            "The time limit can be extended only once; it already was.",
        )
    return None


@guard("target_panel_ready")
def target_panel_ready(ctx):
    """The panel of the state the action leads to meets its size rules (≥ n, odd)."""
    target = ctx.workflow.state(ctx.transition.target) if ctx.transition.target else None
    if target is None or target.min_panel is None:
        return None
    size = len(ctx.participants(target.key))
    if size < target.min_panel:
        return Reason(
            "panel_too_small",
            f"{target.label_zh}需要至少 {target.min_panel} 人，目前 {size} 人。",
            f"{target.label_en} needs at least {target.min_panel} people; {size} assigned.",
        )
    if target.odd_panel and size % 2 == 0:
        return Reason(
            "panel_not_odd",
            f"{target.label_zh}人数须为奇数，目前 {size} 人。",
            f"{target.label_en} needs an odd number of people; {size} assigned.",
        )
    return None


@guard("application_complete")
def application_complete(ctx):
    missing = [f for f in ctx.workflow.fields
               if f.required and f.for_kind(ctx.case.kind)
               and ctx.case.data.get(f.name) in (None, "", [])]  # fmt: skip
    if missing:
        return Reason(
            "application_incomplete",
            "申请表尚未填写完整：" + "、".join(f.label_zh or f.name for f in missing) + "。",
            "The application form is incomplete: "
            + ", ".join(f.label_en or f.name for f in missing)
            + ".",
        )
    return None
