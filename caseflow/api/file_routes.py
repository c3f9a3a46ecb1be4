"""A case's attachments and its history: upload and download files (the rules of
``caseflow.attachments``, as on the case page), the events with their hashes, and the
verification of the case's hash chain (``caseflow.audit.verify``)."""

from flask import request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from caseflow import attachments
from caseflow.api import present
from caseflow.api import resources as r
from caseflow.api.case_routes import REF
from caseflow.api.problems import invalid
from caseflow.api.schemas import AttachmentUpload
from caseflow.api.spec import operation
from caseflow.audit.verify import verify_case
from caseflow.cases.access import case_or_404
from caseflow.cases.attachment_routes import send_attachment

FILE = {**REF, "attachment_id": "The attachment's id (see the list)."}


@operation(
    "GET",
    "/cases/<ref>/attachments",
    tag="attachments",
    permission="case.view",
    answer=r.AttachmentList,
    params=REF,
    summary="A case's files: the current one of each type and the superseded ones",
)
def list_attachments(ref):
    case = case_or_404(ref, current_user)
    shown = [
        a
        for a in attachments.case_attachments(case)
        if attachments.may_download(case, a, current_user)
    ]
    return r.AttachmentList(items=[present.attachment_out(a, case) for a in shown])


@operation(
    "POST",
    "/cases/<ref>/attachments",
    tag="attachments",
    permission="case.view",
    answer=r.AttachmentOut,
    status=201,
    upload=AttachmentUpload,
    params=REF,
    summary="Attach a file",
    headers={"Location": "The file's URL."},
)
def upload_attachment(ref, form):
    """The applicant while the case is with them; the holder of an open task of the current
    stage. A new file of a type supersedes the current one (which stays in the history)."""
    case = case_or_404(ref, current_user)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise invalid({"file": _("Please choose a file to upload.")})
    type_key = "" if form.type in attachments.INTERNAL_TYPES else form.type
    saved = attachments.save(case, type_key, upload, current_user)
    location = url_for("api.download_attachment", ref=case.reference, attachment_id=saved.id)
    return present.attachment_out(saved, case), {"Location": location}


@operation(
    "GET",
    "/cases/<ref>/attachments/<int:attachment_id>",
    tag="attachments",
    permission="case.view",
    params=FILE,
    summary="Download a file",
    files=tuple(sorted(set(attachments.CONTENT_TYPES.values()))),
    headers={"Content-Disposition": "attachment, with the file's name."},
)
def download_attachment(ref, attachment_id):
    return send_attachment(case_or_404(ref, current_user), attachment_id, current_user)


@operation(
    "GET",
    "/cases/<ref>/events",
    tag="history",
    permission="case.view",
    answer=r.EventList,
    params=REF,
    summary="The case's full history, with hashes",
)
def list_events(ref):
    """Every event in order: who (name, role, organisation), when, from → to, the comment, the
    changed fields, the details, and the hash chain (``prev_hash`` → ``hash``). The hashes are
    over the stored rows, which name people by internal id; ``/verify`` checks them."""
    return present.event_list(case_or_404(ref, current_user), current_user)


@operation(
    "GET",
    "/cases/<ref>/verify",
    tag="history",
    permission="case.view",
    answer=r.VerifyOut,
    params=REF,
    summary="Verify the case's hash chain",
)
def verify(ref):
    case = case_or_404(ref, current_user)
    result = verify_case(case.id)
    bad = result.first_bad
    first_bad = r.BadEvent(seq=bad.get("seq"), problem=bad.get("problem", "")) if bad else None
    return r.VerifyOut(ok=result.ok, events=result.events, first_bad=first_bad)
