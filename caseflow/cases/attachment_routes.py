"""Uploading and downloading a case's attachments (附件).

Uploads are POST with CSRF (Flask-WTF checks every POST) and end on the case page with a
message; downloads are sent as ``Content-Disposition: attachment`` under the sanitised original
name. A case the user may not see is a 404; a case they see but may not add files to is a 403.
"""

from flask import abort, current_app, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from caseflow import attachment_rules, attachments
from caseflow.authz import permission_required
from caseflow.cases import bp
from caseflow.cases.access import case_or_404
from caseflow.errors import render_error
from caseflow.extensions import db
from caseflow.labels import is_english
from caseflow.models import Attachment
from caseflow.workflows.errors import WorkflowError


@bp.post("/<reference>/attachments")
@permission_required("case.view")
def upload_attachment(reference):
    case = case_or_404(reference, current_user)
    if not attachments.may_upload(case, current_user):
        return render_error(403, _("You may not attach files to this case at its current step."))
    type_key = request.form.get("type", "")
    upload = request.files.get("file")
    back = redirect(url_for("cases.case_page", reference=case.reference), 303)
    if type_key in attachments.INTERNAL_TYPES:
        type_key = ""  # internal types are attached by their own feature, never from this form
    if upload is None or not upload.filename:
        flash(_("Please choose a file to upload."), "danger")
        return back
    try:
        saved = attachments.save(case, type_key, upload, current_user)
    except WorkflowError as exc:
        db.session.rollback()
        flash(exc.message(is_english()), "danger")
        return back
    label = attachments.type_label(case, saved.type, is_english())
    flash(_("%(type)s uploaded: %(name)s", type=label, name=saved.filename), "success")
    return back


@bp.get("/<reference>/attachments/<int:attachment_id>")
@permission_required("case.view")
def download_attachment(reference, attachment_id):
    return send_attachment(case_or_404(reference, current_user), attachment_id, current_user)


@bp.app_template_global("case_attachments")
def case_attachments_global(case):
    return attachments.case_attachments(case)


@bp.app_template_global("may_upload")
def may_upload_global(case, user):
    return attachments.may_upload(case, user)


@bp.app_template_global("attachment_types")
def attachment_types_global(case):
    return attachments.attachment_types(case)


@bp.app_template_global("upload_types")
def upload_types_global(case, user):
    """The types ``user`` may upload now (the upload form's choices)."""
    return attachments.uploadable_types(case, user)


@bp.app_template_global("upload_accept")
def upload_accept_global(types):
    return attachment_rules.accept(types)


@bp.app_template_global("file_size")
def file_size(size: int) -> str:
    """A byte count for people: 512 B, 12.3 KB, 4.5 MB."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def send_attachment(case, attachment_id: int, user):
    """The download answer for the page and the API alike: 404 unless the file belongs to the
    case and ``user`` may download it; always as an attachment, never sniffed."""
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or not attachments.may_download(case, attachment, user):
        abort(404)
    path = attachments.path_for(attachment)
    if not path.is_file():
        current_app.logger.error("attachment %s: stored file %s is missing", attachment.id, path)
        abort(404)
    response = send_file(path, mimetype=attachment.content_type, as_attachment=True,
                         download_name=attachment.filename, conditional=False, etag=False,
                         max_age=0)  # fmt: skip
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
