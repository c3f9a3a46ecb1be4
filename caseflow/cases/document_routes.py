"""Numbered documents of a case: the HTML print view and the PDF download.

Whoever may see the case may read its documents; a document of another case is a 404.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import datetime

from flask import abort, render_template, send_file
from flask_login import current_user

from caseflow.authz import permission_required
from caseflow.cases import bp
from caseflow.cases.access import case_or_404
from caseflow.documents import document_of, documents_of
from caseflow.documents.layout import sheet
from caseflow.documents.pdf import render_pdf
from caseflow.labels import is_english

# Characters that no file name may hold on any common system.
UNSAFE_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


@dataclass(frozen=True)
class IssuedDocument:
    """A row of the case page's document list, in the reader's language."""

    id: int
    number: str
    title: str
    issued_at: datetime


@bp.app_template_global()
def case_documents(case) -> list[IssuedDocument]:
    english = is_english()
    return [
        IssuedDocument(d.id, d.number, d.content["title"]["en" if english else "zh"], d.issued_at)
        for d in documents_of(case)
    ]


def _document(reference: str, doc_id: int):
    case = case_or_404(reference, current_user)
    document = document_of(case, doc_id)
    if document is None:
        abort(404)
    return case, document


@bp.get("/<reference>/documents/<int:doc_id>")
@permission_required("case.view")
def document_view(reference: str, doc_id: int):
    case, document = _document(reference, doc_id)
    return render_template(
        "documents/print.html", case=case, document=document, sheet=sheet(document, is_english())
    )


@bp.get("/<reference>/documents/<int:doc_id>.pdf")
@permission_required("case.view")
def document_pdf(reference: str, doc_id: int):
    """The official (Chinese) text as PDF, whatever the reader's language."""
    _case, document = _document(reference, doc_id)
    text = sheet(document)
    return send_file(
        io.BytesIO(render_pdf(text, issued_at=document.issued_at)),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=safe_filename(f"{document.number}{text.title}") + ".pdf",
    )


def safe_filename(name: str) -> str:
    cleaned = UNSAFE_FILENAME.sub("_", name).strip(" ._")
    return cleaned[:150] or "document"
