"""Attachments (附件): checking, storing and superseding the files of a case.

A file is accepted when its extension is one of :data:`CONTENT_TYPES` and its bytes say the same
(magic numbers; for XLSX/DOCX the zip central directory is read, never unpacked: entry count,
declared sizes and compression ratio are bounded and the format's main part must be present).
Accepted files are stored once per content under ``UPLOAD_FOLDER/<sha[:2]>/<sha256>`` (mode
0600, outside the web root); the user's file name is kept only, sanitised, in the database.

A new upload of a workflow type supersedes the current file of that type, which stays in the
history. Every upload appends an ``attach`` event to the case's hash chain in the same
transaction. The internal type ``objection`` (a file filed with a public objection, no user)
supersedes nothing: every objection keeps its own file, and neither does a type declared
``multiple`` (photos). Who uploads which type in which state is definition data
(``AttachmentType.uploaded_by``/``states``/``formats``, read by ``attachment_rules.py``).
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from caseflow import attachment_rules
from caseflow.audit.chain import append_event
from caseflow.extensions import db
from caseflow.models import Attachment, Case, Task
from caseflow.timeutil import utcnow
from caseflow.workflows import registry
from caseflow.workflows.engine import applicant_role, lock_case
from caseflow.workflows.errors import ActionRefused, InvalidInput, Reason, refused

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
MAGIC = {
    "pdf": (b"%PDF-",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "xlsx": (b"PK\x03\x04",),
    "docx": (b"PK\x03\x04",),
}
ZIP_MAIN_PART = {"xlsx": "xl/workbook.xml", "docx": "word/document.xml"}
ZIP_MAX_ENTRIES = 1000
ZIP_MAX_UNCOMPRESSED = 200 * 1024 * 1024
ZIP_MAX_RATIO = 100  # uncompressed : compressed, checked once the content exceeds the floor
ZIP_RATIO_FLOOR = 10 * 1024 * 1024
INTERNAL_TYPES = {"objection": ("异议材料", "Objection file")}
CHUNK = 64 * 1024
FORBIDDEN_NAME_CHARS = set('<>:"|?*')


def _bad(code: str, zh: str, en: str) -> InvalidInput:
    reason = Reason(code, zh, en)
    return InvalidInput(reason, {"file": reason})


def max_bytes() -> int:
    return int(current_app.config.get("MAX_ATTACHMENT_MB", 20)) * 1024 * 1024


def safe_filename(name: str | None) -> str:
    """The user's file name without directories, control or format characters (Chinese kept),
    at most 200 characters with its extension."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        "_" if ch in FORBIDDEN_NAME_CHARS else ch
        for ch in name
        if not unicodedata.category(ch).startswith("C")
    )
    name = name.strip().lstrip(".").strip()
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    ext = ext[:10]
    stem = stem[: 200 - len(ext) - 1] if dot else stem[:200]
    return f"{stem}.{ext}" if dot else stem


def extension(name: str) -> str:
    return name.rpartition(".")[2].lower() if "." in name else ""


def sniff(filename: str, data, *, limit: int | None = None) -> str:
    """Check that ``data`` (bytes or a seekable binary file) is what ``filename``'s extension
    says and at most ``limit`` bytes (default: MAX_ATTACHMENT_MB); return its content type or
    raise :class:`InvalidInput` saying why not."""
    ext = extension(safe_filename(filename))
    if ext not in CONTENT_TYPES:
        raise _bad("type_not_allowed", "只能上传 PDF、JPEG、PNG、XLSX 或 DOCX 文件。",
                   "Only PDF, JPEG, PNG, XLSX or DOCX files may be uploaded.")  # fmt: skip
    if isinstance(data, bytes | bytearray):
        data = io.BytesIO(data)
    size = data.seek(0, os.SEEK_END)
    if size == 0:
        raise _bad("empty", "文件是空的。", "The file is empty.")
    limit = max_bytes() if limit is None else limit
    if size > limit:
        raise too_large(limit)
    data.seek(0)
    head = data.read(16)
    if not any(head.startswith(m) for m in MAGIC[ext]):
        kind = ext.upper()
        raise _bad("content_mismatch", f"文件内容不是 {kind} 格式，与扩展名不符。",
                   f"The content is not {kind}; it does not match the extension.")  # fmt: skip
    if ext in ZIP_MAIN_PART:
        _check_zip(data, size, ext)
    data.seek(0)
    return CONTENT_TYPES[ext]


def too_large(limit: int) -> InvalidInput:
    mb = limit // (1024 * 1024)
    return _bad("too_large", f"文件超过 {mb} MB 的大小限制。",
                f"The file is larger than the limit of {mb} MB.")  # fmt: skip


def _zip_entry_count(fp, size: int) -> int | None:
    """The entry count of the end-of-central-directory record, read before any ZipFile parses
    the directory (None when the record is not found or defers to ZIP64)."""
    fp.seek(max(0, size - (65535 + 22)))
    tail = fp.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) < at + 22:
        return None
    count = int.from_bytes(tail[at + 10 : at + 12], "little")
    return None if count == 0xFFFF else count


def _check_zip(fp, size: int, ext: str) -> None:
    bomb = _bad("zip_suspicious", "文件结构异常（条目过多或解压后过大），已拒绝。",
                "The file's structure is suspicious (too many entries or too large "
                "unpacked); refused.")  # fmt: skip
    broken = _bad("content_mismatch", f"文件不是有效的 {ext.upper()} 文档。",
                  f"The file is not a valid {ext.upper()} document.")  # fmt: skip
    count = _zip_entry_count(fp, size)
    if count is not None and count > ZIP_MAX_ENTRIES:
        raise bomb
    try:
        fp.seek(0)
        with zipfile.ZipFile(fp) as zf:
            infos = zf.infolist()
    except Exception:  # untrusted bytes: any failure to read the directory means "not valid"
        raise broken from None
    unpacked = sum(i.file_size for i in infos)
    packed = max(1, sum(i.compress_size for i in infos))
    if (
        len(infos) > ZIP_MAX_ENTRIES
        or unpacked > ZIP_MAX_UNCOMPRESSED
        or (unpacked > ZIP_RATIO_FLOOR and unpacked / packed > ZIP_MAX_RATIO)
    ):
        raise bomb
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names or ZIP_MAIN_PART[ext] not in names:
        raise broken
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise _bad("macros", "不接受含宏的文档。", "Documents with macros are not accepted.")


# ---------------------------------------------------------------------------------------------
# Who may upload


def upload_role(case: Case, user) -> str | None:
    """The role in which ``user`` may attach files to ``case`` now, or None."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    state = registry.get(case.workflow).state(case.state)
    if state.kind == "applicant":
        try:
            return applicant_role(case, user)
        except ActionRefused:
            return None
    if not state.is_stage:
        return None
    return db.session.scalar(
        sa.select(Task.role)
        .where(Task.case_id == case.id, Task.status == "open", Task.kind == "stage",
               Task.stage == case.state, Task.visit == case.entered_seq,
               sa.or_(Task.assignee_id == user.id, Task.claimed_by_id == user.id))
        .limit(1)
    )  # fmt: skip


def may_upload(case: Case, user) -> bool:
    """The applicant organisation's applicants while the case is with the applicant (draft,
    supplement); the holder of an open task of the current stage. No one else — and only when
    a type of the workflow is uploaded by them now (``attachment_rules``)."""
    return bool(uploadable_types(case, user))


def uploadable_types(case: Case, user) -> tuple:
    """The attachment types ``user`` may upload to ``case`` now (what the upload form offers)."""
    if upload_role(case, user) is None:
        return ()
    return attachment_rules.open_types(case)


def attachment_types(case: Case) -> tuple:
    """The attachment types the case's workflow declares (what the upload form offers)."""
    wf = registry.WORKFLOWS.get(case.workflow)
    return wf.attachments if wf else ()


def type_label(case: Case, key: str, english: bool) -> str:
    declared = registry.get(case.workflow).attachment_type(key)
    if declared is not None:
        return declared.label(english)
    zh, en = INTERNAL_TYPES.get(key, (key, key))
    return en if english else zh


def may_download(case: Case, attachment: Attachment, user) -> bool:
    """Anyone who may see the case may download its files (the caller checked that), except
    objection files: like the objectors' names and contacts, they are only for the reviewers
    who resolve objections and for auditors (``notices.may_see_objectors``)."""
    if attachment.case_id != case.id:
        return False
    if attachment.type == "objection":
        from caseflow.workflows.notices import may_see_objectors

        return may_see_objectors(case, user)
    return True


# ---------------------------------------------------------------------------------------------
# Storage


def upload_folder() -> Path:
    folder = Path(current_app.config["UPLOAD_FOLDER"]).resolve()
    static = Path(current_app.static_folder or "").resolve()
    if current_app.static_folder and folder.is_relative_to(static):
        raise RuntimeError("UPLOAD_FOLDER must lie outside the web root (the static folder)")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def path_for(attachment: Attachment) -> Path:
    sha = attachment.sha256
    if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
        raise ValueError(f"attachment {attachment.id} has no valid SHA-256")
    return upload_folder() / sha[:2] / sha


def _spool(stream, folder: Path, limit: int) -> tuple[Path, str, int]:
    """Copy the upload to a temporary file next to the store while hashing it (one chunk in
    memory at a time); stop as soon as it exceeds ``limit``."""
    fd, name = tempfile.mkstemp(dir=folder, prefix=".upload-")
    digest, size = hashlib.sha256(), 0
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise too_large(limit)
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        os.unlink(name)
        raise
    return Path(name), digest.hexdigest(), size


def _store(tmp: Path, sha: str, folder: Path) -> tuple[Path, bool]:
    """Move the checked file to its content address; (path, whether this call created it)."""
    target_dir = folder / sha[:2]
    target_dir.mkdir(mode=0o700, exist_ok=True)
    target = target_dir / sha
    if target.exists():
        tmp.unlink()
        return target, False
    os.chmod(tmp, 0o600)
    os.replace(tmp, target)
    return target, True


def _discard_unreferenced(path: Path, sha: str) -> None:
    """Remove a file this upload created, after its database write failed, unless a row of
    another upload (a concurrent one with the same content) references it by now. When even
    that cannot be asked, the file stays: an orphan is harmless, a missing file is not."""
    try:
        stmt = sa.select(Attachment.id).where(Attachment.sha256 == sha).limit(1)
        referenced = db.session.scalar(stmt) is not None
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        current_app.logger.warning("kept %s: could not check whether it is referenced", path)
        return
    if not referenced:
        path.unlink(missing_ok=True)


# ---------------------------------------------------------------------------------------------
# Saving, listing, the guard


@dataclass
class Staged:
    """An upload stored and recorded in the open transaction, not yet committed. If the caller's
    transaction fails, it rolls back and calls :meth:`discard`: no orphan file is left."""

    attachment: Attachment
    stored: Path
    sha: str
    created: bool  # the file was new on disk (another attachment may share its content)

    def discard(self) -> None:
        """After a rollback: remove the stored file unless another attachment uses it."""
        if self.created:
            _discard_unreferenced(self.stored, self.sha)


def save(case: Case, type_key: str, file_storage, user, *, now=None) -> Attachment:
    """Check and store an upload, supersede the current file of its type, append the ``attach``
    event; commit. Raises ActionRefused / InvalidInput (with zh/en reasons) and stores nothing
    when the upload is refused or the database write fails."""
    staged = stage(case, type_key, file_storage, user, now=now)
    try:
        db.session.commit()
    except BaseException:
        db.session.rollback()
        staged.discard()
        raise
    return staged.attachment


def stage(case: Case, type_key: str, file_storage, user, *, now=None) -> Staged:
    """:func:`save` without the commit, for an upload that belongs to a larger change (an
    objection and its file). On a refusal or a failed write it rolls back and stores nothing."""
    now = now or utcnow()
    wf = registry.get(case.workflow)
    if type_key in INTERNAL_TYPES:
        if user is not None or wf.state(case.state).kind != "public":
            raise refused("attach_not_allowed", "现在不能上传此类附件。",
                          "This kind of file cannot be attached now.")  # fmt: skip
        role = "public"
    elif wf.attachment_type(type_key) is None:
        reason = Reason("unknown_type", "附件类型无效。", "Unknown attachment type.")
        raise InvalidInput(reason, {"type": reason})
    else:
        role = upload_role(case, user)
        if role is None:
            raise refused("attach_not_allowed", "您现在不能为本案上传附件。",
                          "You may not attach files to this case now.")  # fmt: skip
        if not attachment_rules.type_open(wf.attachment_type(type_key), case):
            raise refused("attach_type_not_allowed", "现在不能上传此类附件。",
                          "This kind of file cannot be attached now.")  # fmt: skip
    filename = safe_filename(getattr(file_storage, "filename", None))
    if not filename:
        raise _bad("no_file", "请选择要上传的文件。", "Please choose a file to upload.")
    if wf.attachment_type(type_key) is not None:
        attachment_rules.check_format(wf.attachment_type(type_key), extension(filename))
    folder = upload_folder()
    tmp, sha, size = _spool(getattr(file_storage, "stream", file_storage), folder, max_bytes())
    try:
        with tmp.open("rb") as fh:
            content_type = sniff(filename, fh)
        stored, created = _store(tmp, sha, folder)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    try:
        attachment = _record(case, type_key, user, role, now, filename, content_type, size, sha)
        db.session.flush()
    except BaseException:
        db.session.rollback()
        if created:
            _discard_unreferenced(stored, sha)
        raise
    return Staged(attachment, stored, sha, created)


def _record(case, type_key, user, role, now, filename, content_type, size, sha) -> Attachment:
    lock_case(case, None)
    current = None
    declared = registry.get(case.workflow).attachment_type(type_key)
    if declared is not None and not declared.multiple:  # internal and multiple: supersede nothing
        current = db.session.scalar(
            sa.select(Attachment).where(Attachment.case_id == case.id,
                                        Attachment.type == type_key,
                                        Attachment.superseded_by_id.is_(None))
        )  # fmt: skip
    attachment = Attachment(case_id=case.id, type=type_key, filename=filename,
                            content_type=content_type, size=size, sha256=sha,
                            uploaded_by_id=user.id if user is not None else None,
                            uploaded_at=now)  # fmt: skip
    db.session.add(attachment)
    db.session.flush()
    if current is not None:
        current.superseded_by_id, current.superseded_at = attachment.id, now
    details = {
        "attachment_id": attachment.id,
        "type": type_key,
        "filename": filename,
        "size": size,
        "sha256": sha,
        "supersedes": current.id if current else None,
    }
    if type_key in INTERNAL_TYPES:
        # The chain is append-only; an objector's file name may name them: keep it in the
        # (correctable) attachment row only, the hash attests to the content.
        del details["filename"]
    append_event(case, action="attach", occurred_at=now, actor=user, actor_role=role,
                 from_state=case.state, to_state=case.state, details=details,
                 policy_version=case.policy_version)  # fmt: skip
    case.updated_at = now
    return attachment


def case_attachments(case: Case) -> list[Attachment]:
    """Every file of the case in one query: by type, the current file first, then the older
    ones newest first."""
    return list(
        db.session.scalars(
            sa.select(Attachment)
            .options(joinedload(Attachment.uploaded_by))
            .where(Attachment.case_id == case.id)
            .order_by(Attachment.type, sa.case((Attachment.superseded_by_id.is_(None), 0),
                                               else_=1), Attachment.id.desc())
        )
    )  # fmt: skip


@registry.guard("attachments_complete")
def attachments_complete(ctx):
    """Every required attachment type of the workflow has a current file."""
    required = [t for t in ctx.workflow.attachments if t.required]
    if not required:
        return None
    present = set(
        db.session.scalars(
            sa.select(Attachment.type).where(Attachment.case_id == ctx.case.id,
                                             Attachment.superseded_by_id.is_(None))
        )
    )  # fmt: skip
    missing = [t for t in required if t.key not in present]
    if not missing:
        return None
    return Reason(
        "attachments_missing",
        "缺少必需的附件：" + "、".join(t.label_zh for t in missing) + "。",
        "Required attachments are missing: " + ", ".join(t.label_en for t in missing) + ".",
    )
