"""Public notices (公示): opened when a case enters a ``public`` state, closed when it leaves.

The notice keeps a masked snapshot of what it announces (the state's ``notice_fields``), so the
public pages never read case data directly.
"""

from __future__ import annotations

from caseflow.extensions import db
from caseflow.models import PublicNotice
from caseflow.pii import mask


def notice_content(case, state) -> dict:
    fields = [
        {
            "key": f.key,
            "label_zh": f.label_zh,
            "label_en": f.label_en,
            "value": mask(case.data.get(f.key), f.mask),
        }
        for f in state.notice_fields
    ]
    org = case.applicant_org
    return {
        "reference": case.reference,
        "workflow": case.workflow,
        "kind": case.kind,
        "organisation": org.name if org is not None else None,
        "fields": fields,
    }


def open_notice(ctx, state, due) -> PublicNotice:
    """Called by the engine inside ``apply`` when the case enters ``state`` (kind ``public``)."""
    case = ctx.case
    notice = PublicNotice(
        case_id=case.id,
        state=state.key,
        visit=case.entered_seq,
        content=notice_content(case, state),
        starts_on=ctx.today,
        ends_on=due.day if due is not None else ctx.today,
        status="open",
        opened_at=ctx.now,
    )
    db.session.add(notice)
    return notice


def current_notice(case) -> PublicNotice | None:
    return db.session.scalar(
        db.select(PublicNotice).where(
            PublicNotice.case_id == case.id,
            PublicNotice.status == "open",
        )
    )


def close_notice(case, state, now) -> None:
    """Called by the engine inside ``apply`` when the case leaves a public state."""
    notice = current_notice(case)
    if notice is not None:
        notice.status = "closed"
        notice.closed_at = now
