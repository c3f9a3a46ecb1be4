"""The case page, shared by everyone who may see a case: applicant, reviewers, auditors.

``routes.py`` — the page and its POST actions (every state change goes through the engine);
``attachment_routes.py`` — uploads and downloads; ``document_routes.py`` — numbered documents.
"""

from flask import Blueprint

bp = Blueprint("cases", __name__, url_prefix="/cases")

from caseflow.cases import attachment_routes, document_routes, routes  # noqa: E402, F401
