"""The policy data page: every policy, every version, every value with its source (read-only).

Unconfirmed values (examples a person must still check against the source) are highlighted.
The data is edited in ``caseflow/policy/data/`` and takes effect on restart (docs/policy.md).
"""

from flask import render_template
from flask_babel import get_locale

from caseflow import policy
from caseflow.admin.routes import bp
from caseflow.authz import permission_required
from caseflow.policy.display import present


@bp.get("/policy")
@permission_required("admin.policy")
def policy_data():
    english = str(get_locale()).startswith("en")
    today = policy.today()
    entries = [(p, present(p, today, english)) for p in policy.all_policies()]
    values = [v for p, _ in entries for ver in p.versions for v in ver.values.values()]
    return render_template(
        "admin/policy.html",
        entries=entries,
        english=english,
        today=today,
        directory=policy.policy_dir(),
        total=len(values),
        unconfirmed=sum(not v.confirmed for v in values),
    )
