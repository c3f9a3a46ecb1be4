"""The public school registry (学校名录): every active school approved through Workflow A, by
city and tier, and one school with its history. No login; nothing personal is shown (no people,
no case references), only what the approval replies made public.
"""

from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from caseflow.extensions import db
from caseflow.labels import OWNERSHIP_LABELS, TIER_LABELS, region_name
from caseflow.models import Region, School
from caseflow.models.orgs import SCHOOL_TIERS
from caseflow.public.routes import bp
from caseflow.security import public

PAGE_SIZE = 25
CHANGE_LABELS = {
    "established": _l("Established"),
    "upgraded": _l("Upgraded"),
    "branch_established": _l("Branch established"),
    "registered": _l("Entered in the registry"),
}


def _label(labels: dict, code: str | None) -> str:
    return str(labels[code]) if code in labels else (code or "")


def _cities() -> list[Region]:
    return list(
        db.session.scalars(select(Region).where(Region.level == "city").order_by(Region.code))
    )


def _filters(cities: list[Region]) -> tuple[dict, list[str]]:
    """The city and tier asked for, and what was wrong with them (unknown values)."""
    wanted = {"city": request.args.get("city", "").strip(),
              "tier": request.args.get("tier", "").strip()}  # fmt: skip
    errors = []
    if wanted["city"] and wanted["city"] not in {c.code for c in cities}:
        errors.append(_("Unknown city: choose one from the list."))
    if wanted["tier"] and wanted["tier"] not in SCHOOL_TIERS:
        errors.append(_("Unknown tier: choose one from the list."))
    return wanted, errors


def _row(school: School) -> dict:
    return {
        "id": school.id,
        "name": school.name,
        "tier": _label(TIER_LABELS, school.tier),
        "ownership": _label(OWNERSHIP_LABELS, school.ownership),
        "city": region_name(school.region),
        "approval_document": school.approval_document,
        "approved_on": school.approved_on,
        "parent": school.parent,
    }


@bp.get("/schools")
@public
def schools():
    cities = _cities()
    wanted, errors = _filters(cities)
    tiers = [(code, _label(TIER_LABELS, code)) for code in SCHOOL_TIERS]
    choices = {"cities": [(c.code, region_name(c)) for c in cities], "tiers": tiers}
    if errors:  # a bad link or a hand-made URL: say so rather than show a list it did not ask for
        return render_template("public/schools.html", page=None, rows=[], wanted=wanted,
                               errors=errors, **choices), 400  # fmt: skip
    stmt = (
        select(School)
        .where(School.status == "active")
        .options(selectinload(School.region), selectinload(School.parent))
        .order_by(School.region_code, School.name, School.id)
    )
    if wanted["city"]:
        stmt = stmt.where(School.region_code == wanted["city"])
    if wanted["tier"]:
        stmt = stmt.where(School.tier == wanted["tier"])
    page = db.paginate(stmt, per_page=PAGE_SIZE, error_out=False)
    return render_template("public/schools.html", page=page, rows=[_row(s) for s in page.items],
                           wanted=wanted, errors=[], **choices)  # fmt: skip


@bp.get("/schools/<int:school_id>")
@public
def school(school_id):
    found = db.session.get(School, school_id) or abort(404)
    records = [
        {
            "on": r.changed_at,
            "change": _label(CHANGE_LABELS, r.change),
            "tier_before": _label(TIER_LABELS, r.tier_before) if r.tier_before else None,
            "tier_after": _label(TIER_LABELS, r.tier_after),
            "name_before": r.name_before,
            "name_after": r.name_after,
            "document_number": r.document_number,
        }
        for r in found.records  # newest first (School.records)
    ]
    branches = sorted(found.children, key=lambda s: (s.status != "active", s.name))
    return render_template("public/school.html", school=found, view=_row(found),
                           records=records, branches=branches)  # fmt: skip
