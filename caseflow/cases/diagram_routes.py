"""The workflow diagram: the definition as Mermaid text (``caseflow.workflows.diagram``), drawn
in the browser by the vendored Mermaid (``static/vendor/mermaid``, no CDN).

With ``?case=<reference>`` — after the same access check as the case page — the case's current
state is highlighted. The page keeps the site's Content Security Policy unchanged:
``static/js/diagram.js`` moves Mermaid's generated styles into CSSOM (see its header).
"""

from flask import abort, render_template, request
from flask_login import current_user

from caseflow.authz import permission_required
from caseflow.cases import bp, views
from caseflow.cases.access import case_or_404
from caseflow.labels import is_english
from caseflow.workflows import diagram, registry

HIGHLIGHT = "    classDef current fill:#fff3cd,stroke:#b45309,stroke-width:3px"


def diagram_text(wf, english: bool, highlight: str | None = None) -> str:
    text = diagram.mermaid(wf, english)
    if highlight and wf.has_state(highlight):
        text += f"{HIGHLIGHT}\n    class {highlight} current\n"
    return text


@bp.get("/workflows/<key>/diagram")
@permission_required("case.view")
def workflow_diagram(key):
    wf = registry.WORKFLOWS.get(key)
    if wf is None:
        abort(404)
    case = None
    reference = request.args.get("case")
    if reference:
        case = case_or_404(reference, current_user)
        if case.workflow != wf.key:
            abort(404)
    return render_template(
        "cases/diagram.html",
        wf=wf,
        case=case,
        show=views,
        text=diagram_text(wf, is_english(), case.state if case else None),
    )
