"""The per-case hash chain of audit events.

Each event's hash is SHA-256 over ``prev_hash`` and the event's canonical content: a JSON object
with sorted keys, UTF-8, no insignificant whitespace, and a format version. Times are written as
``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (UTC). Values must be JSON-native without floats (money travels as
strings), so the canonical form is stable across SQLite and PostgreSQL.

Events are appended only through :func:`append_event`, inside the transaction that changes the
case; they are never sent through a queue.
"""

import hashlib
import json
from datetime import UTC, datetime

from caseflow.extensions import db
from caseflow.models import CaseEvent

FORMAT_VERSION = 1
GENESIS = "0" * 64

# The fields covered by the hash, in addition to prev_hash. ``id`` (the global sequence number)
# is assigned by the database at insert time and is covered by checkpoints instead.
HASHED_FIELDS = (
    "case_id",
    "seq",
    "action",
    "from_state",
    "to_state",
    "actor_id",
    "actor_name",
    "actor_role",
    "actor_org_id",
    "occurred_at",
    "comment",
    "changes",
    "details",
    "policy_version",
    "format_version",
)


class NotCanonical(TypeError):
    """A value that has no stable canonical form (a float, a datetime inside JSON…)."""


def _check(value, path="$"):
    if value is None or isinstance(value, (str, bool, int)):
        return
    if isinstance(value, float):
        raise NotCanonical(f"{path}: floats are not allowed in events; use a string or integer")
    if isinstance(value, list):
        for i, item in enumerate(value):
            _check(item, f"{path}[{i}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise NotCanonical(f"{path}: keys must be strings")
            _check(item, f"{path}.{key}")
        return
    raise NotCanonical(f"{path}: {type(value).__name__} is not allowed in events")


def format_time(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_content(fields: dict) -> bytes:
    content = {name: fields.get(name) for name in HASHED_FIELDS}
    content["occurred_at"] = format_time(content["occurred_at"])
    _check(content)
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def compute_hash(prev_hash: str | None, fields: dict) -> str:
    digest = hashlib.sha256()
    digest.update((prev_hash or GENESIS).encode("ascii"))
    digest.update(b"\n")
    digest.update(canonical_content(fields))
    return digest.hexdigest()


def event_fields(event: CaseEvent) -> dict:
    return {name: getattr(event, name) for name in HASHED_FIELDS}


def append_event(
    case,
    *,
    action: str,
    occurred_at: datetime,
    actor=None,
    actor_role: str | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    comment: str | None = None,
    changes: dict | None = None,
    details: dict | None = None,
    policy_version: str | None = None,
) -> CaseEvent:
    """Append the next event to ``case``'s chain (the caller commits).

    The case row holds the chain head, so the caller must hold the case's version lock
    (``engine.apply`` does) to keep sequence numbers gap-free.
    """
    fields = {
        "case_id": case.id,
        "seq": case.last_event_seq + 1,
        "action": action,
        "from_state": from_state,
        "to_state": to_state,
        "actor_id": actor.id if actor is not None else None,
        "actor_name": actor.display_name if actor is not None else "system",
        "actor_role": actor_role,
        "actor_org_id": actor.organisation_id if actor is not None else None,
        "occurred_at": occurred_at,
        "comment": comment,
        "changes": changes or None,
        "details": details or None,
        "policy_version": policy_version,
        "format_version": FORMAT_VERSION,
    }
    digest = compute_hash(case.chain_head, fields)
    event = CaseEvent(**fields, prev_hash=case.chain_head, hash=digest)
    db.session.add(event)
    case.last_event_seq = fields["seq"]
    case.chain_head = digest
    return event
