"""The text of a notification in the reader's language, from ``templates/emails/<kind>.txt``.

The first line of a rendered template is the subject; the rest is the body. Labels (workflow,
states, actions) come from the definitions at render time, so the same row reads well in zh_CN
and in en.
"""

from __future__ import annotations

from datetime import date

from flask import current_app
from flask_babel import force_locale, get_locale

from caseflow.workflows import registry

KINDS = ("task_opened", "objection_opened", "deadline_soon", "overdue", "reminder", "supervise",
         "case_update")  # fmt: skip


def _labels(params: dict, english: bool) -> dict:
    wf = registry.WORKFLOWS.get(params.get("workflow") or "")

    def state(key):
        if not key:
            return ""
        return wf.state(key).label(english) if wf and wf.has_state(key) else key

    def action(key, source):
        t = wf.transition(source, key) if wf and key and source else None
        return t.label(english) if t else (key or "")

    return {
        "workflow": wf.label(english) if wf else params.get("workflow", ""),
        "state": state(params.get("state")),
        "stage": state(params.get("stage")),
        "to_state": state(params.get("to_state")),
        "action": action(params.get("action"), params.get("from_state")),
        "due_on": date.fromisoformat(params["due_on"]) if params.get("due_on") else None,
    }


def render(note, locale: str | None = None) -> tuple[str, str]:
    locale = locale or str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])
    with force_locale(locale):
        english = locale.startswith("en")
        # No request context processors: this also runs in workers, outside any request.
        template = current_app.jinja_env.get_template(f"emails/{note.kind}.txt")
        text = template.render(p=note.params or {}, label=_labels(note.params or {}, english))
    subject, _, body = text.strip().partition("\n")
    return subject.strip(), body.strip()
