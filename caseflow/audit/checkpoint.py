"""Audit checkpoints: a keyed digest over the heads of all case chains.

A checkpoint records the global sequence number (the highest ``CaseEvent.id``), the number of
cases with events and ``heads_digest``: SHA-256 over the sorted lines ``case_id:seq:hash`` of
every case's last event with ``id <= global_seq``. Its MAC is HMAC-SHA256 with
``AUDIT_KEY`` (configuration only, never in the database) over :func:`canonical_text`.

The hash chains alone show that an event was changed unless the whole chain was rewritten
consistently; a checkpoint (kept in the database and, exported, elsewhere) catches that too, and
a checkpoint row forged or altered without the key fails its MAC.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from caseflow.audit.chain import format_time
from caseflow.extensions import db
from caseflow.models import AuditCheckpoint, CaseEvent
from caseflow.timeutil import utcnow

CHECKPOINT_FORMAT = "caseflow-audit-checkpoint"
CHECKPOINT_VERSION = 1
# The fields of an exported checkpoint, in order; all but ``id`` and ``mac`` are under the MAC.
EXPORT_FIELDS = (
    "format",
    "format_version",
    "id",
    "created_at",
    "global_seq",
    "case_count",
    "heads_digest",
    "mac",
)

_events = CaseEvent.__table__


class CheckpointError(ValueError):
    """An exported checkpoint that cannot be read."""


def canonical_text(
    *, format_version: int, created_at: str, global_seq: int, case_count: int, heads_digest: str
) -> str:
    """The text under the MAC; ``created_at`` as written by ``chain.format_time``."""
    return (
        f"{CHECKPOINT_FORMAT}\n"
        f"format_version:{int(format_version)}\n"
        f"created_at:{created_at}\n"
        f"global_seq:{int(global_seq)}\n"
        f"case_count:{int(case_count)}\n"
        f"heads_digest:{heads_digest}\n"
    )


def compute_mac(fields: dict, key: str | None = None) -> str:
    key = current_app.config["AUDIT_KEY"] if key is None else key
    if not key:
        raise RuntimeError("AUDIT_KEY is not configured")
    message = canonical_text(
        format_version=fields["format_version"],
        created_at=fields["created_at"],
        global_seq=fields["global_seq"],
        case_count=fields["case_count"],
        heads_digest=fields["heads_digest"],
    )
    return hmac.new(key.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).hexdigest()


def heads_digest(lines: Iterable[str]) -> str:
    """SHA-256 over the lines ``case_id:seq:hash`` sorted as strings, each ending in a newline."""
    digest = hashlib.sha256()
    for line in sorted(lines):
        digest.update(line.encode("ascii") + b"\n")
    return digest.hexdigest()


def head_lines(conn, global_seq: int) -> list[str]:
    """``case_id:seq:hash`` of every case's last event with ``id <= global_seq``."""
    last = (
        sa.select(_events.c.case_id, sa.func.max(_events.c.seq).label("seq"))
        .where(_events.c.id <= global_seq)
        .group_by(_events.c.case_id)
        .subquery()
    )
    stmt = (
        sa.select(_events.c.case_id, _events.c.seq, _events.c.hash)
        .join(last, sa.and_(_events.c.case_id == last.c.case_id, _events.c.seq == last.c.seq))
        .where(_events.c.id <= global_seq)
    )
    return [f"{case_id}:{seq}:{digest}" for case_id, seq, digest in conn.execute(stmt)]


def max_event_id(conn) -> int:
    return conn.scalar(sa.select(sa.func.coalesce(sa.func.max(_events.c.id), 0))) or 0


def checkpoint_fields(cp: AuditCheckpoint) -> dict:
    return {
        "format": CHECKPOINT_FORMAT,
        "format_version": cp.format_version,
        "id": cp.id,
        "created_at": format_time(cp.created_at),
        "global_seq": cp.global_seq,
        "case_count": cp.case_count,
        "heads_digest": cp.heads_digest,
        "mac": cp.mac,
    }


def write_checkpoint(now: datetime | None = None) -> AuditCheckpoint:
    """Write (and commit) a checkpoint over the events committed so far.

    On PostgreSQL the events table is locked in SHARE mode for the transaction: inserts in
    flight finish first and new ones wait, so no event with an id below ``global_seq`` can
    commit after the checkpoint (sequence values are not handed out in commit order).
    """
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("LOCK TABLE case_events IN SHARE MODE"))
    conn = session.connection()
    global_seq = max_event_id(conn)
    lines = head_lines(conn, global_seq)
    cp = AuditCheckpoint(
        created_at=now or utcnow(),
        global_seq=global_seq,
        case_count=len(lines),
        heads_digest=heads_digest(lines),
        format_version=CHECKPOINT_VERSION,
    )
    cp.mac = compute_mac(checkpoint_fields(cp))
    session.add(cp)
    session.commit()
    session.refresh(cp)  # loaded again, so the caller can read it after the session ends
    return cp


def export_checkpoint(cp: AuditCheckpoint) -> str:
    """A small text file holding the checkpoint, to be kept outside the database."""
    fields = checkpoint_fields(cp)
    lines = [
        "# caseflow audit checkpoint. Keep a copy outside the database; check it with",
        "# `flask audit verify-checkpoint FILE` (needs the same AUDIT_KEY).",
    ]
    lines += [f"{name}: {fields[name]}" for name in EXPORT_FIELDS]
    return "\n".join(lines) + "\n"


def parse_exported(text: str) -> dict:
    fields: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise CheckpointError(f"not a checkpoint file: unexpected line {line[:40]!r}")
        fields[name.strip()] = value.strip()
    missing = [name for name in EXPORT_FIELDS if name not in fields]
    if missing:
        raise CheckpointError(f"not a checkpoint file: missing {', '.join(missing)}")
    if fields["format"] != CHECKPOINT_FORMAT:
        raise CheckpointError(f"not a checkpoint file: format {fields['format']!r}")
    try:
        for name in ("format_version", "id", "global_seq", "case_count"):
            fields[name] = int(fields[name])
    except ValueError as exc:
        raise CheckpointError(f"not a checkpoint file: {exc}") from None
    if fields["format_version"] != CHECKPOINT_VERSION:
        raise CheckpointError(f"unsupported checkpoint format_version {fields['format_version']}")
    return fields


def check_mac(fields: dict) -> str | None:
    """A problem when the MAC does not match, else None."""
    expected = compute_mac(fields)
    if not hmac.compare_digest(expected, str(fields["mac"])):
        return (
            f"checkpoint mismatch: the MAC of checkpoint {fields['id']} does not match "
            "(the checkpoint was forged or altered, or AUDIT_KEY differs)"
        )
    return None


def compare_heads(fields: dict, case_count: int, digest: str, max_id: int) -> str | None:
    """A problem when the recomputed heads differ from the checkpoint's, else None."""
    where = f"checkpoint {fields['id']} (global_seq {fields['global_seq']})"
    if max_id < fields["global_seq"]:
        return (
            f"checkpoint mismatch: {where}: the events table ends at id {max_id}; "
            "events were deleted"
        )
    if case_count != fields["case_count"]:
        return (
            f"checkpoint mismatch: {where}: {case_count} cases have events up to global_seq, "
            f"the checkpoint recorded {fields['case_count']}"
        )
    if digest != fields["heads_digest"]:
        return (
            f"checkpoint mismatch: {where}: the chain heads differ from the checkpoint's; "
            "a chain was rewritten or events removed"
        )
    return None


def verify_fields(conn, fields: dict) -> str | None:
    """MAC, then heads recomputed as of ``global_seq`` from the events table."""
    problem = check_mac(fields)
    if problem:
        return problem
    lines = head_lines(conn, fields["global_seq"])
    return compare_heads(fields, len(lines), heads_digest(lines), max_event_id(conn))


def verify_checkpoint(cp_or_exported: AuditCheckpoint | str) -> tuple[bool, str | None]:
    """Check a checkpoint row or an exported checkpoint text; returns ``(ok, problem)``."""
    exported = isinstance(cp_or_exported, str)
    if exported:
        try:
            fields = parse_exported(cp_or_exported)
        except CheckpointError as exc:
            return False, str(exc)
    else:
        fields = checkpoint_fields(cp_or_exported)
    conn = db.session.connection()
    problem = verify_fields(conn, fields)
    if problem is None and exported:
        row = db.session.get(AuditCheckpoint, fields["id"])
        if row is None:
            problem = f"checkpoint mismatch: checkpoint {fields['id']} is not in the database"
        elif checkpoint_fields(row) != fields:
            problem = (
                f"checkpoint mismatch: checkpoint {fields['id']} in the database differs from "
                "the exported copy"
            )
    return problem is None, problem
