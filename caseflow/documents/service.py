"""Issuing documents inside ``engine.apply``'s transaction, and finding them again."""

from __future__ import annotations

from sqlalchemy import select

from caseflow.documents.kinds import AUTHORITY, KINDS
from caseflow.documents.layout import compose
from caseflow.documents.numbering import next_seq
from caseflow.extensions import db
from caseflow.models import Case, CaseEvent, Document
from caseflow.workflows import clock as clocks


def issue(case: Case, kind: str, event, ctx) -> Document:
    """Number and store a document of ``kind`` for the action ``event`` records.

    Called by the engine after the case has moved and the event is written; the number comes
    from the same transaction, so a refused or failed action issues nothing and uses no number.
    The year is the Asia/Shanghai year of the action.
    """
    spec = KINDS[kind]
    today = clocks.local_date(ctx.now)
    seq = next_seq(spec.series, today.year)
    number = spec.number(today.year, seq, on=today)
    facts = snapshot(case, spec, ctx)
    document = Document(
        case_id=case.id,
        kind=kind,
        series=spec.series,
        year=today.year,
        seq=seq,
        number=number,
        content={**facts, "text": compose(spec, number, facts)},
        issued_at=ctx.now,
        issued_by_id=getattr(ctx.user, "id", None),
        event_seq=event.seq,
    )
    db.session.add(document)
    db.session.flush()
    return document


def snapshot(case: Case, spec, ctx) -> dict:
    """The facts the document states, fixed when it is issued: later edits of the case, the
    workflow labels or the authority's name do not change a document already issued."""
    wf = ctx.workflow
    kind_zh, kind_en = wf.kinds.get(case.kind, (case.kind, case.kind))
    content = {
        "authority": dict(AUTHORITY),
        "title": {"zh": spec.title_zh, "en": spec.title_en},
        "addressee": case.applicant_org.name,
        "reference": case.reference,
        "workflow": {"zh": wf.label_zh, "en": wf.label_en},
        "case_kind": {"zh": kind_zh, "en": kind_en},
        "action": {"zh": ctx.transition.label_zh, "en": ctx.transition.label_en}
        if ctx.transition
        else None,
        "date": ctx.today.isoformat(),
        "comment": ctx.comment,
        "subject": str(case.data.get(wf.subject_field) or "") if wf.subject_field else "",
    }
    if "items" in spec.parts:
        content["items"] = list(ctx.data.get("items") or [])
    if "reply_by" in spec.parts:
        # The case is already in the state that waits for the answer (e.g. 补正): its deadline.
        due = clocks.stage_deadline(wf.state(case.state), ctx.today)
        if due is not None:
            content["reply_by"] = {"date": due.day.isoformat(), "provisional": due.provisional}
    if "remedies" in spec.parts:
        content["remedies"] = {
            "reconsideration_days": wf.remedies.reconsideration_days,
            "litigation_months": wf.remedies.litigation_months,
        }
    if "time_limit" in spec.parts and wf.clock is not None:
        content["time_limit_days"] = wf.clock.limit_days
    cited = {c.key: found for c in spec.cites if (found := citation(case, c)) is not None}
    if cited:
        content["citations"] = cited
    return content


def citation(case: Case, cite) -> dict | None:
    """The number and date the latest ``cite.action`` event of the case recorded, if any."""
    details = db.session.scalar(
        select(CaseEvent.details)
        .where(CaseEvent.case_id == case.id, CaseEvent.action == cite.action)
        .order_by(CaseEvent.seq.desc())
        .limit(1)
    )
    number, day = ((details or {}).get(f) for f in (cite.number_field, cite.date_field))
    if not (number and day):
        return None
    return {"number": number, "date": day}


def documents_of(case: Case) -> list[Document]:
    return list(
        db.session.scalars(
            select(Document).where(Document.case_id == case.id).order_by(Document.id)
        )
    )


def document_of(case: Case, doc_id: int) -> Document | None:
    """The document ``doc_id`` if it belongs to ``case`` (else None: another case's is a 404)."""
    document = db.session.get(Document, doc_id)
    if document is None or document.case_id != case.id:
        return None
    return document
