"""Pages anyone may read without logging in: public notices (公示) and objections (异议).

The pages show the masked snapshot a notice took when it opened — never the case itself — and
no ids of people. Filing an objection is a POST with CSRF, a honeypot field and a rate limit per
address; a filled honeypot gets the same "received" answer and nothing is stored.
"""

import logging
from datetime import timedelta

from flask import Blueprint, abort, current_app, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from caseflow import policy
from caseflow.extensions import db, limiter
from caseflow.labels import is_english
from caseflow.models import PublicNotice
from caseflow.public.forms import ObjectionForm
from caseflow.security import public
from caseflow.timeutil import utcnow
from caseflow.workdays import current_calendar, to_local_date
from caseflow.workflows import notices as notice_ops
from caseflow.workflows import registry
from caseflow.workflows.errors import WorkflowError

bp = Blueprint("public", __name__, url_prefix="/public")
log = logging.getLogger("caseflow.public")
PAGE_SIZE = 20
DEFAULT_OBJECTION_LIMIT = "5 per hour"


def objection_limit() -> str:
    return current_app.config.get("OBJECTION_RATE_LIMIT", DEFAULT_OBJECTION_LIMIT)


def _period(notice: PublicNotice, today) -> str:
    """Where the notice stands, in words: closed, waiting for objections, or days left."""
    if notice.status != "open":
        return _("Closed")
    if today > notice.ends_on:
        return _("The period has ended; objections filed in time are being resolved.")
    left = current_calendar().workdays_between(today, notice.ends_on)[0]
    if left == 0:
        return _("Last day: objections are accepted until the end of today.")
    return ngettext("%(num)d working day left", "%(num)d working days left", left)


def _view(notice: PublicNotice, today) -> dict:
    """What the public pages show of a notice, in the current language."""
    english = is_english()
    content = notice.content or {}
    wf = registry.WORKFLOWS.get(content.get("workflow", ""))
    kind = wf.kinds.get(content.get("kind")) if wf else None
    fields = [
        {"label": f["label_en"] if english else f["label_zh"], "value": f.get("value")}
        for f in content.get("fields", [])
    ]
    first = next((f["value"] for f in fields if f["value"] not in (None, "")), None)
    workflow = wf.label(english) if wf else content.get("workflow", "")
    return {
        "id": notice.id,
        "title": f"{workflow} · {first}" if first is not None else workflow,
        "workflow": workflow,
        "kind": (kind[1] if english else kind[0]) if kind else None,
        "reference": content.get("reference"),
        "organisation": content.get("organisation"),
        "fields": fields,
        "starts_on": notice.starts_on,
        "ends_on": notice.ends_on,
        "is_open": notice.status == "open",
        "accepting": notice.status == "open" and today <= notice.ends_on,
        "period": _period(notice, today),
        "closed_at": notice.closed_at,
    }


def _notice_or_404(notice_id: int) -> PublicNotice:
    """The notice, while it is public: open, or closed less than the policy's
    ``kept_public_days`` ago (then 410 Gone: it was public once, it is no longer)."""
    notice = db.session.get(PublicNotice, notice_id) or abort(404)
    if notice.status != "open" and notice.closed_at is not None:
        kept = policy.current("public_notice", on=_today()).value("kept_public_days")
        if to_local_date(notice.closed_at) + timedelta(days=kept) < _today():
            abort(410)
    return notice


def _today():
    return to_local_date(utcnow())


@bp.get("/notices")
@public
def notices():
    stmt = (
        select(PublicNotice)
        .where(PublicNotice.status == "open")
        .order_by(PublicNotice.opened_at.desc(), PublicNotice.id.desc())
    )
    page = db.paginate(stmt, per_page=PAGE_SIZE, error_out=False)
    today = _today()
    return render_template(
        "public/notices.html", page=page, rows=[_view(n, today) for n in page.items]
    )


def _render_notice(notice, form, error=None, status=200):
    view = _view(notice, _today())
    return render_template("public/notice.html", notice=view, form=form, error=error), status


@bp.get("/notices/<int:notice_id>")
@public
def notice(notice_id):
    return _render_notice(_notice_or_404(notice_id), ObjectionForm())


@bp.post("/notices/<int:notice_id>/objections")
@public
@limiter.limit(objection_limit, methods=["POST"])
def file_objection(notice_id):
    notice = _notice_or_404(notice_id)
    form = ObjectionForm()
    received = redirect(url_for("public.objection_received", notice_id=notice.id))
    if (form.website.data or "").strip():
        log.info("objection to notice %s dropped: honeypot filled", notice.id)
        return received
    if not form.validate_on_submit():
        return _render_notice(notice, form)
    upload = form.attachment.data
    if upload is not None and not getattr(upload, "filename", None):
        upload = None
    try:
        notice_ops.file_objection(notice, form.name.data, form.contact.data, form.text.data,
                                  upload)  # fmt: skip
    except WorkflowError as exc:
        db.session.rollback()
        english = is_english()
        fields = {"name": form.name, "contact": form.contact, "text": form.text,
                  "file": form.attachment}  # fmt: skip
        placed = False
        for key, reason in exc.errors.items():
            if key in fields:
                fields[key].errors = [*fields[key].errors, reason.text(english)]
                placed = True
        error = None if placed else exc.message(english)
        return _render_notice(notice, form, error, 200 if placed else exc.status)
    return received


@bp.get("/notices/<int:notice_id>/received")
@public
def objection_received(notice_id):
    notice = _notice_or_404(notice_id)
    return render_template("public/received.html", notice=_view(notice, _today()))
