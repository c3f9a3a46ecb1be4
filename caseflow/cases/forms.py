"""The forms of the case page.

An action's form is built from its transition: exactly the transition's fields
(``caseflow.workflows.definition.Field``), a comment box as ``Transition.comment`` says, and the
case version the page was read at. The definition is the schema and the engine the validator
(``engine.validate_input``), so the form reader below only collects the raw values — an
itemised list as a list — and checks lengths; conversion and every rule are the engine's, and
its per-field reasons come back to the same form. The task forms are small fixed WTForms.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import IntegerField, RadioField, SelectMultipleField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from caseflow.extensions import db
from caseflow.labels import is_english
from caseflow.models import RoleAssignment, User
from caseflow.roles import NON_ACTING_ROLES
from caseflow.workflows.definition import Field, Transition, Workflow

COMMENT_MAX = 4000
TEXT_MAX = 1000
ANSWER_MAX = 4000


@dataclass
class FieldView:
    spec: Field
    label: str
    value: str = ""
    values: list[str] = field(default_factory=list)  # an itemised list
    error: str = ""


@dataclass
class ActionForm:
    action: str
    kind: str
    label: str
    comment_rule: str  # optional | required | none
    fields: list[FieldView]
    comment: str = ""
    errors: dict = field(default_factory=dict)
    remedies: object = None  # the workflow's Remedies, for a rejection
    open: bool = False

    @property
    def error(self) -> str:
        return self.errors.get("comment", "")


def read_action(t: Transition, form) -> tuple[dict, str | None, dict[str, str]]:
    """(data, comment, length errors) from a posted action form."""
    data, errors = {}, {}
    for f in t.fields:
        if f.type == "items":
            items = [v.strip() for v in form.getlist(f.name) if v.strip()]
            if any(len(v) > TEXT_MAX for v in items):
                errors[f.name] = _("Each item may have at most %(n)s characters.", n=TEXT_MAX)
            data[f.name] = items
        elif f.type == "bool":
            data[f.name] = form.get(f.name) in ("true", "on", "1", "yes")
        else:
            data[f.name] = (form.get(f.name) or "").strip()
            if len(data[f.name]) > TEXT_MAX:
                errors[f.name] = _("At most %(n)s characters.", n=TEXT_MAX)
    comment = None if t.comment == "none" else (form.get("comment") or "")
    if comment and len(comment) > COMMENT_MAX:
        errors["comment"] = _("At most %(n)s characters.", n=COMMENT_MAX)
    return data, comment, errors


def field_label(f: Field) -> str:
    return (f.label_en if is_english() else f.label_zh) or f.label_zh or f.label_en or f.name


def action_forms(wf: Workflow, state: str, actions, failed: dict | None = None) -> list:
    """One form per available action; the one that failed keeps what was typed and its errors."""
    english = is_english()
    out = []
    for info in actions:
        t = wf.transition(state, info.action)
        mine = failed if failed and failed.get("action") == info.action else None
        posted = mine["form"] if mine else None
        errors = mine["errors"] if mine else {}
        fields = []
        for f in info.fields:
            view = FieldView(f, field_label(f), error=errors.get(f.name, ""))
            if posted is not None:
                view.value = posted.get(f.name, "")
                view.values = [v for v in posted.getlist(f.name) if v.strip()]
            fields.append(view)
        out.append(
            ActionForm(
                info.action,
                info.kind,
                info.label(english),
                info.comment,
                fields,
                comment=(posted.get("comment", "") if posted is not None else ""),
                errors=errors,
                remedies=wf.remedies if t is not None and t.kind == "reject" else None,
                open=mine is not None,
            )
        )
    return out


def user_choices() -> list[User]:
    """The people a ``user`` field may name: active staff who act on cases."""
    ids = select(RoleAssignment.user_id).where(RoleAssignment.role != "applicant")
    people = db.session.scalars(
        select(User)
        .where(User.disabled.is_(False), User.id.in_(ids))
        .order_by(User.display_name, User.id)
    )
    return [u for u in people if not u.has_role(*NON_ACTING_ROLES)]


# ---------------------------------------------------------------------------------------------
# Fixed forms of the task operations and the supplement answers


class AnswerForm(FlaskForm):
    answer = TextAreaField(
        _l("Your answer"),
        validators=[DataRequired(message=_l("Please write an answer.")), Length(max=ANSWER_MAX)],
    )


class CosignerForm(FlaskForm):
    user_id = IntegerField(
        _l("Co-signer"),
        validators=[InputRequired(message=_l("Choose the colleague who co-signs."))],
    )
    position = RadioField(
        _l("When"),
        default="before",
        choices=[
            SelectChoice("before", _l("Signs before me")),
            SelectChoice("after", _l("Decides after me")),
        ],
    )


class CountersignForm(FlaskForm):
    comment = TextAreaField(
        _l("Your opinion"),
        validators=[DataRequired(message=_l("Write your opinion.")), Length(max=COMMENT_MAX)],
    )


class PanelForm(FlaskForm):
    user_ids = SelectMultipleField(
        _l("People"),
        coerce=int,
        validate_choice=False,
        validators=[DataRequired(message=_l("Choose at least one person."))],
    )


def form_errors(form) -> list[str]:
    return [str(e) for errors in form.errors.values() for e in errors]
