"""The case's history as people read it: every event with who (name, role, organisation), when,
what (the transition's label from the definition, or the engine's own action), from → to, the
comment, the changed fields and the details; and whether the hash chain still verifies."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select

from caseflow.audit.verify import verify_case
from caseflow.cases.access import hides_panel_people
from caseflow.cases.views import (
    display_value,
    field_label,
    form_value,
    join,
    kind_label,
    state_label,
)
from caseflow.extensions import db
from caseflow.labels import is_english
from caseflow.models import Organisation, User
from caseflow.roles import ROLES
from caseflow.workdays import to_local_date
from caseflow.workflows import registry, sheets
from caseflow.workflows.definition import Workflow

# Actions the engine records that are not transitions of a definition.
ENGINE_ACTIONS = {
    "create": _l("Case created"),
    "edit": _l("Application edited"),
    "claim": _l("Task claimed"),
    "release": _l("Task released"),
    "handover": _l("Task handed over"),
    "add_cosigner": _l("Co-signer added"),
    "countersign": _l("Co-signer's opinion"),
    "assign_panel": _l("Panel assigned"),
    "answer_item": _l("Supplement item answered"),
    "remind": _l("Reminder sent"),
    "overdue": _l("Task overdue"),
    "attach": _l("File attached"),
    "file_objection": _l("Objection filed"),
    "dismiss_objection": _l("Objection dismissed"),
}
ACTOR_ROLES = {"system": _l("System"), "public": _l("Member of the public")}
# Details that are internal references: the other lines already say what they point to.
HIDDEN_DETAILS = frozenset(
    {
        "task_id",
        "task_ids",
        "timer_id",
        "item_id",
        "attachment_id",
        "objection_id",
        "notice_id",
        "sha256",
        "text_sha256",
        "supersedes",
        "size",
        "workflow",
        "position",
        "type",
    }
)


@dataclass
class Detail:
    label: str
    text: str = ""
    items: list[str] = field(default_factory=list)


@dataclass
class Entry:
    event: object
    actor: str
    role: str
    organisation: str
    action: str
    from_label: str
    to_label: str
    moved: bool
    changes: list[tuple[str, str, str]]
    details: list[Detail]
    comment: str | None = None


@dataclass(frozen=True)
class ChainMark:
    ok: bool
    seq: int | None = None
    problem: str = ""


def action_label(wf: Workflow, action: str, from_state: str | None) -> str:
    t = wf.transition(from_state, action) if from_state else None
    t = t or next((x for x in wf.transitions if x.action == action), None)
    if t is not None:
        return t.label(is_english())
    return str(ENGINE_ACTIONS.get(action, action))


def role_label(role: str | None) -> str:
    if not role:
        return ""
    if role in ACTOR_ROLES:
        return str(ACTOR_ROLES[role])
    return str(ROLES[role].label) if role in ROLES else role


def _change_label(wf: Workflow, key: str) -> str:
    if key.startswith("supplement_item_") and key.rsplit("_", 1)[-1].isdigit():
        return _("Supplement item %(n)s", n=key.rsplit("_", 1)[-1])
    return field_label(wf, key)


def _clock_text(value: dict) -> str:
    if "started_on" in value:
        return _(
            "started on %(day)s, %(n)s working days",
            day=value["started_on"],
            n=value.get("limit_days"),
        )
    return _("extended by %(n)s working days", n=value.get("extended_by"))


def _remedies_text(value: dict) -> str:
    return _(
        "Administrative reconsideration within %(days)s days, or an administrative lawsuit "
        "within %(months)s months.",
        days=value.get("reconsideration_days"),
        months=value.get("litigation_months"),
    )


def _person_text(key: str, value, d: dict, names: dict[int, str]) -> str:
    text = names.get(value, str(value))
    if key == "cosigner_id" and d.get("position"):
        where = _("signs before") if d["position"] == "before" else _("signs after")
        text = f"{text} ({where})"
    return text


def _sheet_field(wf: Workflow, event, key: str):
    t = wf.transition(event.from_state, event.action) if event.from_state else None
    return next((f for f in (t.fields if t else ()) if f.name == key and f.type == "sheet"), None)


def _sheet_items(case, f, event, value) -> list[str]:
    """A signed sheet as its rows read it (``办学条件…：22 / 25``, ``校园占地面积：未达标 — 说明``),
    labelled by the rows in effect on the day it was signed."""
    english = is_english()
    rows = registry.sheet_rows(case, f, to_local_date(event.occurred_at))
    values, _problems = sheets.read(rows, value if isinstance(value, list) else [])  # checked
    out = []
    for row in rows:  # when it was signed; a row the day's sheet lacks is not shown
        if row.key not in values:
            continue
        found = values[row.key]
        if row.kind == "points":
            text = f"{found} / {row.max_points}"
        else:
            text = _("Met") if found["verdict"] == "met" else _("Not met")
            if found["remarks"]:
                text += f" — {found['remarks']}"
        out.append(f"{row.label(english)}{': ' if english else '：'}{text}")
    return out


def _details(wf: Workflow, event, names: dict[int, str], details: dict | None,
             case=None) -> list[Detail]:  # fmt: skip
    """The event's details (as the reader may read them) as labelled lines; no internal ids."""
    d = details or {}
    out = []
    for key, value in sorted(d.items()):
        if key in HIDDEN_DETAILS or value is None:
            continue
        if key == "items":
            out.append(Detail(_("Items to supply"), items=[str(v) for v in value]))
        elif case is not None and (sheet := _sheet_field(wf, event, key)) is not None:
            out.append(Detail(field_label(wf, key), items=_sheet_items(case, sheet, event, value)))
        elif key == "remedies":
            out.append(Detail(_("Remedies"), _remedies_text(value)))
        elif key == "clock":
            out.append(Detail(_("Licensing clock"), _clock_text(value)))
        elif key in ("to_user_id", "cosigner_id"):
            label = _("Handed over to") if key == "to_user_id" else _("Co-signer")
            out.append(Detail(label, _person_text(key, value, d, names)))
        elif key == "user_ids":
            shown = [names[i] for i in value if i in names]
            if len(shown) < len(value):  # anonymous to this viewer: how many, not who
                shown.append(ngettext("%(num)d person", "%(num)d people", len(value) - len(shown)))
            out.append(Detail(_("People"), join(shown)))
        elif key == "stage":
            out.append(Detail(_("Stage"), state_label(wf, value)))
        elif key == "kind":
            out.append(Detail(_("Application type"), kind_label(wf, value)))
        elif key == "filename":
            attachment = wf.attachment_type(d.get("type") or "")
            prefix = f"{attachment.label(is_english())}: " if attachment else ""
            out.append(Detail(_("File"), prefix + str(value)))
        elif key == "name":
            out.append(Detail(_("Objector"), str(value)))
        elif key == "sent_by":
            sender = _("the applicant") if value == "applicant" else _("the supervisor")
            out.append(Detail(_("Sent by"), sender))
        else:
            out.append(Detail(field_label(wf, key), display_value(value)))
    return out


def _lookup(id_column, name_column, ids: set) -> dict:
    if not ids:
        return {}
    return dict(db.session.execute(select(id_column, name_column).where(id_column.in_(ids))).all())


def _names(events) -> tuple[dict[int, str], dict[int, str]]:
    """Display names of the people named in the details, and of the actors' organisations."""
    user_ids, org_ids = set(), set()
    for e in events:
        d = e.details or {}
        user_ids.update(i for i in (d.get("to_user_id"), d.get("cosigner_id")) if i)
        user_ids.update(d.get("user_ids") or ())
        if e.actor_org_id:
            org_ids.add(e.actor_org_id)
    users = _lookup(User.id, User.display_name, user_ids)
    return users, _lookup(Organisation.id, Organisation.name, org_ids)


# Events whose comment is a note between reviewers (转交说明), not shown to the applicant.
INTERNAL_COMMENTS = frozenset({"handover"})


def shown_comment(event, applicant_view: bool) -> str | None:
    if applicant_view and event.action in INTERNAL_COMMENTS:
        return None
    return event.comment


def anonymous_roles(wf: Workflow, case, viewer) -> frozenset[str]:
    """The roles whose people ``viewer`` may not see by name in this case's history (see
    ``access.hides_panel_people``)."""
    return wf.panel_roles if hides_panel_people(case, viewer) else frozenset()


def shown_actor(e, anonymous: frozenset[str]) -> str:
    """The actor of an event as the viewer may see them: a name, or the role alone."""
    if e.actor_id and e.actor_role not in anonymous:
        return e.actor_name
    return role_label(e.actor_role or "system")


def named_people(wf: Workflow, events, anonymous: frozenset[str]):
    """``_names`` for a viewer: the people of anonymous roles are left out, and so are the
    organisations of their events."""
    users, orgs = _names(events)
    if not anonymous:
        return users, orgs
    hidden = {i for e in events if e.action == "assign_panel"
              for i in ((e.details or {}).get("user_ids") or ())}  # fmt: skip
    hidden_orgs = {e.actor_org_id for e in events if e.actor_role in anonymous}
    return ({i: n for i, n in users.items() if i not in hidden},
            {i: n for i, n in orgs.items() if i not in hidden_orgs})  # fmt: skip


def entries(wf: Workflow, events, *, case, viewer, applicant_view: bool = False) -> list[Entry]:
    anonymous = anonymous_roles(wf, case, viewer)
    users, orgs = named_people(wf, events, anonymous)
    out = []
    for e in events:
        actor = shown_actor(e, anonymous)
        changes = [
            (_change_label(wf, k), form_value(wf, k, v[0]), form_value(wf, k, v[1]))
            for k, v in sorted((e.changes or {}).items())
            if isinstance(v, list) and len(v) == 2
        ]
        out.append(
            Entry(
                event=e,
                actor=actor,
                role=role_label(e.actor_role) if e.actor_id and actor == e.actor_name else "",
                organisation=orgs.get(e.actor_org_id, ""),
                action=action_label(wf, e.action, e.from_state),
                from_label=state_label(wf, e.from_state),
                to_label=state_label(wf, e.to_state),
                moved=e.from_state != e.to_state,
                changes=changes,
                details=_details(wf, e, users, registry.readable_details(case, e, viewer), case),
                comment=shown_comment(e, applicant_view),
            )
        )
    return out


def chain_mark(case) -> ChainMark:
    """Verify this case's hash chain (caseflow.audit.verify) and say where it breaks."""
    result = verify_case(case.id)
    if result.ok:
        return ChainMark(True)
    bad = result.first_bad or {}
    return ChainMark(False, bad.get("seq"), bad.get("problem", ""))
