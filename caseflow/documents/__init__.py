"""Numbered official documents (文书): acceptance and supplement notices, refusals, replies.

``kinds.py``     the kinds and number series, as data (registered with the workflow registry
                 on import, so definitions that name a kind validate)
``numbering.py`` the gap-free per-year sequence of a series
``service.py``   ``issue()`` — called by ``engine.apply`` in its transaction — and look-ups
``layout.py``    the document's text in Chinese and English, stored when it is issued
``pdf.py``       the PDF (fpdf2, with the committed Noto Serif SC subset)

The HTML print view and the PDF download live in ``caseflow/cases/document_routes.py``.
"""

from caseflow.documents import kinds
from caseflow.documents.service import document_of, documents_of, issue

kinds.register()

__all__ = ["document_of", "documents_of", "issue"]
