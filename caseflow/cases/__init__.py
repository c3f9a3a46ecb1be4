"""The case page, shared by everyone who may see a case: applicant, reviewers, auditors.

``routes.py`` — the page and its POST actions (every state change goes through the engine);
``attachment_routes.py`` — uploads and downloads; ``document_routes.py`` — numbered documents;
``objection_routes.py`` — resolving objections (异议) filed against a public notice.
"""

from flask import Blueprint

bp = Blueprint("cases", __name__, url_prefix="/cases")

from caseflow.cases import (  # noqa: E402, F401
    attachment_routes,
    document_routes,
    objection_routes,
    routes,
)
