"""The applicant's side: my organisation's cases and supplement notices."""

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from caseflow.applicant import queries
from caseflow.authz import permission_required
from caseflow.review import display
from caseflow.timeutil import utcnow
from caseflow.workdays import to_local_date

bp = Blueprint("applicant", __name__, url_prefix="/apply")


@bp.get("/cases")
@permission_required("applicant.cases")
def cases():
    """ "My cases" (我的申请): the organisation's cases, newest activity first, with what each
    waits for and until when; the open supplement notices on top."""
    org_ids = queries.applicant_org_ids(current_user)
    if not org_ids:
        abort(403)
    group = request.args.get("group") or None
    if group not in queries.GROUPS:
        group = None
    try:
        page_number = int(request.args.get("page", 1))
    except ValueError:
        page_number = 1
    today = to_local_date(utcnow())
    counts = queries.group_counts(org_ids)
    total = counts[group] if group else sum(counts.values())
    page = queries.cases_page(org_ids, group, total, page_number)
    return render_template(
        "applicant/cases.html",
        group=group,
        counts=counts,
        all_count=sum(counts.values()),
        page=page,
        rows=queries.case_rows(page.items, today),
        notices=queries.supplement_notices(org_ids),
        show=display,
    )
