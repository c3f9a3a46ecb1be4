"""Which attachment types may be uploaded now, and in which formats — read from the definition's
``AttachmentType`` rows (``uploaded_by``, ``states``, ``multiple``, ``formats``), never from an
if on the workflow.

``uploaded_by`` names who uploads a type: ``applicant`` — the applicant organisation while the
case is with it (draft, supplement); ``stage`` — the holders of an open task of the current
stage (e.g. the inspectors of a site inspection). ``states`` limits it to those states. Who
holds which role now is ``attachments.upload_role``'s question; this module only matches the
state to the type.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from caseflow import models  # noqa: F401  (the models before the workflows: import order)
from caseflow.workflows import registry
from caseflow.workflows.errors import InvalidInput, Reason

if TYPE_CHECKING:
    from caseflow.workflows.definition import AttachmentType

FORMAT_NAMES = {"pdf": "PDF", "jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "xlsx": "XLSX",
                "docx": "DOCX"}  # fmt: skip


def uploader(state) -> str | None:
    """Who uploads in ``state``: the applicant, a stage's task holders, or nobody."""
    if state.kind == "applicant":
        return "applicant"
    return "stage" if state.is_stage else None


def type_open(t: AttachmentType, case) -> bool:
    """May files of type ``t`` be uploaded to ``case`` in its current state (by whoever uploads
    in that state)?"""
    state = registry.get(case.workflow).state(case.state)
    who = uploader(state)
    return who is not None and who in t.uploaded_by and (not t.states or case.state in t.states)


def open_types(case) -> tuple[AttachmentType, ...]:
    wf = registry.WORKFLOWS.get(case.workflow)
    return tuple(t for t in wf.attachments if type_open(t, case)) if wf else ()


def formats_text(t: AttachmentType) -> str:
    return "、".join(dict.fromkeys(FORMAT_NAMES.get(f, f.upper()) for f in t.formats))


def check_format(t: AttachmentType, extension: str) -> None:
    """Files of a type with ``formats`` must have one of those extensions (the content is then
    checked against the extension by ``attachments.sniff``)."""
    if t.formats and extension not in t.formats:
        names = formats_text(t)
        reason = Reason("type_not_allowed", f"{t.label_zh}只能上传 {names} 文件。",
                        f"{t.label_en} must be {names.replace('、', ', ')} files.")  # fmt: skip
        raise InvalidInput(reason, {"file": reason})


def accept(types) -> str:
    """The file input's ``accept`` attribute for the types offered."""
    exts = []
    for t in types:
        exts.extend(t.formats or FORMAT_NAMES)
    return ",".join(f".{e}" for e in dict.fromkeys(exts))
