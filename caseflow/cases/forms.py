"""The forms of the case page.

An action's form is built from its transition: exactly the transition's fields
(``caseflow.workflows.definition.Field``), a comment box as ``Transition.comment`` says, and the
case version the page was read at. The definition is the schema and the engine the validator
(``engine.validate_input``), so the form reader below only collects the raw values — an
itemised list as a list, a sheet (``sheet`` field, one input per row named
``f_<field>__<criterion>``, a verdict's remarks ``f_<field>__<criterion>__remarks``) as an object
by criterion — and checks lengths; conversion and every rule are the engine's, and its
per-field (and per-row) reasons come back to the same form. The task forms are small fixed
WTForms.
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
from caseflow.timeutil import utcnow
from caseflow.workdays import to_local_date
from caseflow.workflows import registry
from caseflow.workflows.definition import Field, Transition, Workflow
from caseflow.workflows.sheets import SheetRow

COMMENT_MAX = 4000
TEXT_MAX = 1000
ANSWER_MAX = 4000


@dataclass
class RowView:
    """One row of a sheet field as the form shows it, with what was typed and its error."""

    row: SheetRow
    name: str  # the input's name: f_<field>__<criterion>
    label: str = ""  # the row's texts in the reader's language
    required: str = ""
    declared: str = ""
    value: str = ""  # points, or the verdict (met | not_met)
    remarks: str = ""
    error: str = ""


@dataclass
class FieldView:
    spec: Field
    label: str
    value: str = ""
    values: list[str] = field(default_factory=list)  # an itemised list
    error: str = ""
    rows: list[RowView] = field(default_factory=list)  # a sheet
    total: int | None = None  # a sheet's points as posted (a failed form)
    uploads: str = ""  # the file types the user may attach now, for a hint

    @property
    def max_total(self) -> int:
        return sum(r.row.max_points or 0 for r in self.rows if r.row.kind == "points")

    @property
    def has_points(self) -> bool:
        return any(r.row.kind == "points" for r in self.rows)

    @property
    def has_verdicts(self) -> bool:
        return any(r.row.kind == "verdict" for r in self.rows)


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
        if f.type == "sheet":
            data[f.name], too_long = read_sheet(f.name, form)
            if too_long:
                errors[f.name] = _("Each entry may have at most %(n)s characters.", n=TEXT_MAX)
        elif f.type == "items":
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


def sheet_input_name(field_name: str, key: str) -> str:
    return f"f_{field_name}__{key}"


def read_sheet(field_name: str, form) -> tuple[dict, bool]:
    """(the posted sheet as an object by criterion, whether an entry is too long). A row with a
    remarks input is a verdict: ``{"verdict": …, "remarks": …}``; any other row its points."""
    prefix = sheet_input_name(field_name, "")
    values: dict[str, str] = {}
    remarks: dict[str, str] = {}
    for name in form:
        if not name.startswith(prefix):
            continue
        key = name[len(prefix) :]
        if key.endswith("__remarks"):
            remarks[key.removesuffix("__remarks")] = (form.get(name) or "").strip()
        else:
            values[key] = (form.get(name) or "").strip()
    sheet: dict = {}
    for key in dict.fromkeys([*values, *remarks]):
        if key in remarks:
            sheet[key] = {"verdict": values.get(key, ""), "remarks": remarks[key]}
        elif values[key]:
            sheet[key] = values[key]
    too_long = any(len(v) > TEXT_MAX for v in [*values.values(), *remarks.values()])
    return sheet, too_long


def sheet_rows(view: FieldView, case, posted, errors: dict) -> None:
    """Fill a sheet field's rows (the provider's, for ``case`` today), keeping what was posted
    and each row's error (the engine's reasons come back keyed ``field.criterion``)."""
    from flask_login import current_user

    from caseflow import attachments

    f = view.spec
    english = is_english()
    rows = registry.sheet_rows(case, f, to_local_date(utcnow()))
    total = 0
    for row in rows:
        name = sheet_input_name(f.name, row.key)
        rv = RowView(row, name, row.label(english), row.required(english), row.declared(english),
                     error=errors.get(f"{f.name}.{row.key}", ""))  # fmt: skip
        if posted is not None:
            rv.value = (posted.get(name) or "").strip()
            rv.remarks = posted.get(f"{name}__remarks", "")
            if row.kind == "points" and rv.value.isdigit():
                total += int(rv.value)
        view.rows.append(rv)
    view.total = total if posted is not None and view.has_points else None
    types = attachments.uploadable_types(case, current_user)
    view.uploads = (", " if english else "、").join(t.label(english) for t in types)


def field_label(f: Field) -> str:
    return (f.label_en if is_english() else f.label_zh) or f.label_zh or f.label_en or f.name


def action_forms(wf: Workflow, state: str, actions, failed: dict | None = None, *,
                 case=None) -> list:  # fmt: skip
    """One form per available action; the one that failed keeps what was typed and its errors.
    A sheet field's rows are the case's (none without ``case``)."""
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
            if f.type == "sheet" and case is not None:
                sheet_rows(view, case, posted, errors)
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
