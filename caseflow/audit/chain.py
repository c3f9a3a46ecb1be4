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
import json.encoder
import json.scanner
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


# --- Fast path for verification ---------------------------------------------------------------
#
# ``hash_stored_rows`` computes, for rows read with a Core select, the same hashes as
# ``compute_hash(event.prev_hash, event_fields(event))`` for the events loaded through the ORM.
# It takes the JSON columns as their stored text and ``occurred_at`` as stored (a string on
# SQLite, a naive or aware datetime, or the canonical ``…Z`` text), fills a fixed template of
# the sorted keys instead of sorting a dict, and re-encodes JSON with the C scanner and encoder
# directly. tests/audit/test_canonical.py checks both paths agree byte for byte.

# The columns of a stored row, in order (``id`` and ``hash`` are carried along, not hashed).
STORED_ROW = ("id", "hash", "prev_hash", *HASHED_FIELDS)

_encode_str = json.encoder.encode_basestring  # the C version, as json.dumps(ensure_ascii=False)
# The keys in sorted order, as json.dumps(sort_keys=True) writes them.
_SORTED_FIELDS = tuple(sorted(HASHED_FIELDS))
_TEMPLATE = "{" + ",".join(f'"{name}":%s' for name in _SORTED_FIELDS) + "}"
# Filled with (prev_hash, the sorted fields): the bytes hashed, or (``%.0s``) the content alone.
_HASHED_TEMPLATE = "%s\n" + _TEMPLATE
_CONTENT_TEMPLATE = "%.0s" + _TEMPLATE
if _SORTED_FIELDS != (  # the order in which _stored_rows fills the template
    "action",
    "actor_id",
    "actor_name",
    "actor_org_id",
    "actor_role",
    "case_id",
    "changes",
    "comment",
    "details",
    "format_version",
    "from_state",
    "occurred_at",
    "policy_version",
    "seq",
    "to_state",
):  # pragma: no cover - guards edits of HASHED_FIELDS
    raise RuntimeError("update _stored_rows() in chain.py after changing HASHED_FIELDS")


def _refuse_float(text: str):
    raise NotCanonical(f"$: floats are not allowed in events ({text}); use a string or integer")


def _refuse_other(value):
    raise NotCanonical(f"$: {type(value).__name__} is not allowed in events")


_decoder = json.JSONDecoder(parse_float=_refuse_float, parse_constant=_refuse_float)
_scan_once = json.scanner.make_scanner(_decoder)
if json.encoder.c_make_encoder is not None:
    _c_encoder = json.encoder.c_make_encoder(
        None, _refuse_other, _encode_str, None, ":", ",", True, False, False
    )

    def _encode_json(value) -> str:
        return "".join(_c_encoder(value, 0))

else:  # pragma: no cover - CPython has the C encoder

    def _encode_json(value) -> str:
        _check(value)
        return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


_json_cache: dict[str, str] = {}
_JSON_CACHE_SIZE = 50_000


def json_column_text(raw: str | None) -> str:
    """The canonical JSON of a JSON column given its stored text (``None`` = SQL NULL).

    Raises :class:`NotCanonical` for floats, NaN/Infinity and text that is not JSON.
    """
    if raw is None:
        return "null"
    text = _json_cache.get(raw)
    if text is not None:
        return text
    if raw.__class__ is not str:
        if isinstance(raw, bytes | bytearray):
            raw = raw.decode()
        else:
            raise NotCanonical(f"$: stored JSON is a {type(raw).__name__}, not text")
    try:
        value, end = _scan_once(raw, 0)
        if end != len(raw) and raw[end:].strip():
            raise ValueError("extra data")
    except (StopIteration, ValueError):
        try:  # leading whitespace, or not JSON: decide as json.loads does
            value = _decoder.decode(raw)
        except ValueError as exc:
            raise NotCanonical(f"$: stored JSON cannot be decoded ({exc})") from None
    text = _encode_json(value)
    if len(_json_cache) >= _JSON_CACHE_SIZE:
        _json_cache.clear()
    _json_cache[raw] = text
    return text


def _scalar(value) -> str:
    """Canonical JSON of a plain column value, exactly as canonical_content writes it."""
    if value is None:
        return "null"
    if value.__class__ is str:
        return _encode_str(value)
    if value.__class__ is int:
        return int.__repr__(value)
    _check(value)  # NotCanonical for floats, bytes, datetimes …
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


_fromisoformat = datetime.fromisoformat


def time_text(value) -> str:
    """Canonical JSON of ``occurred_at`` as read from the database.

    ``value`` is a datetime (naive = UTC; an aware one keeps its wall time, as ``UTCDateTime``
    does when loading), or text: SQLite's stored ``YYYY-MM-DD HH:MM:SS.ffffff`` or the canonical
    ``YYYY-MM-DDTHH:MM:SS.ffffffZ``, parsed with ``datetime.fromisoformat`` as SQLAlchemy does.
    """
    if value.__class__ is str:
        parsed = _fromisoformat(value)  # validates; raises ValueError when it is not a time
        size = len(value)
        if (
            (size == 26 or size == 27)
            and parsed.year >= 1000
            and value[4] == "-"
            and value[7] == "-"
            and value[13] == ":"
            and value[16] == ":"
            and value[19] == "."
        ):
            # Fixed-width digits, validated by fromisoformat: only the separators change.
            if size == 26 and parsed.tzinfo is None and value[10] in " T":
                return '"' + value[:10] + "T" + value[11:] + 'Z"'
            if size == 27 and value[10] == "T" and value[26] == "Z":
                return '"' + value + '"'
        value = parsed
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.replace(tzinfo=None)
    return _encode_str(format_time(value))


# The template fill below is written out in both _stored_rows and hash_stored_rows on purpose:
# factoring it into a shared function costs about a quarter of the fast path's throughput
# (measured with bench/audit_verify.py), and verification speed is a target. Change both.
def _stored_rows(rows, contents: bool) -> list:
    out = []
    append = out.append
    template = _CONTENT_TEMPLATE if contents else _HASHED_TEMPLATE
    encode_str = _encode_str
    scalar = _scalar
    json_text = json_column_text
    times = time_text
    sha256 = hashlib.sha256
    genesis = GENESIS
    for (
        _id,
        _hash,
        prev_hash,
        case_id,
        seq,
        action,
        from_state,
        to_state,
        actor_id,
        actor_name,
        actor_role,
        actor_org_id,
        occurred_at,
        comment,
        changes,
        details,
        policy_version,
        format_version,
    ) in rows:
        try:
            text = template % (
                prev_hash or genesis,
                encode_str(action) if action.__class__ is str else scalar(action),
                actor_id if actor_id.__class__ is int else scalar(actor_id),
                encode_str(actor_name) if actor_name.__class__ is str else scalar(actor_name),
                actor_org_id if actor_org_id.__class__ is int else scalar(actor_org_id),
                encode_str(actor_role) if actor_role.__class__ is str else scalar(actor_role),
                case_id if case_id.__class__ is int else scalar(case_id),
                "null" if changes is None or changes == "null" else json_text(changes),
                encode_str(comment) if comment.__class__ is str else scalar(comment),
                "null" if details is None or details == "null" else json_text(details),
                format_version if format_version.__class__ is int else scalar(format_version),
                encode_str(from_state) if from_state.__class__ is str else scalar(from_state),
                times(occurred_at),
                encode_str(policy_version)
                if policy_version.__class__ is str
                else scalar(policy_version),
                seq if seq.__class__ is int else scalar(seq),
                encode_str(to_state) if to_state.__class__ is str else scalar(to_state),
            )
            append(text.encode() if contents else sha256(text.encode()).hexdigest())
        except (NotCanonical, TypeError, ValueError, AttributeError, UnicodeError) as exc:
            append(exc if isinstance(exc, NotCanonical) else NotCanonical(f"$: {exc}"))
    return out


def canonical_json(value) -> str:
    """The canonical JSON text of ``value`` (sorted keys, compact, UTF-8): the engines'
    ``json_serializer``, so that JSON columns are stored as they are hashed."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


# Marks stored JSON text that is not one valid JSON value (see ``hash_stored_rows``): it can
# never appear unescaped in canonical content, so a marked row never matches as stored.
INVALID_JSON_MARK = "\x00"


def _unmark(raw):
    if raw.__class__ is str and raw[:1] == INVALID_JSON_MARK:
        return raw[1:]
    return raw


def hash_stored_rows(rows) -> list:
    """The hash of each row (columns as in :data:`STORED_ROW`), or a :class:`NotCanonical`
    instance for a row whose content has no canonical form.

    JSON columns are stored canonical (see :func:`canonical_json`), so each row is first hashed
    with their text as stored; only when that differs from the row's stored ``hash`` is the
    content rebuilt by decoding and re-encoding the JSON (older or re-formatted rows), which
    gives the same result as :func:`compute_hash`. The stored text of each JSON column must be
    one valid JSON value, or prefixed with :data:`INVALID_JSON_MARK` (PostgreSQL's ``json`` type
    guarantees it; ``verify`` marks invalid text on SQLite): JSON values delimit themselves, so
    text matching as stored is then exactly the canonical text that was hashed.
    """
    out = []
    append = out.append
    template = _HASHED_TEMPLATE
    encode_str = _encode_str
    scalar = _scalar
    sha256 = hashlib.sha256
    genesis = GENESIS
    redo = None
    for row in rows:
        (
            _id,
            stored_hash,
            prev_hash,
            case_id,
            seq,
            action,
            from_state,
            to_state,
            actor_id,
            actor_name,
            actor_role,
            actor_org_id,
            occurred_at,
            comment,
            changes,
            details,
            policy_version,
            format_version,
        ) = row
        try:
            text = template % (
                prev_hash or genesis,
                encode_str(action) if action.__class__ is str else scalar(action),
                actor_id if actor_id.__class__ is int else scalar(actor_id),
                encode_str(actor_name) if actor_name.__class__ is str else scalar(actor_name),
                actor_org_id if actor_org_id.__class__ is int else scalar(actor_org_id),
                encode_str(actor_role) if actor_role.__class__ is str else scalar(actor_role),
                case_id if case_id.__class__ is int else scalar(case_id),
                changes if changes.__class__ is str else _RAW_NOT_TEXT[changes is None],
                encode_str(comment) if comment.__class__ is str else scalar(comment),
                details if details.__class__ is str else _RAW_NOT_TEXT[details is None],
                format_version if format_version.__class__ is int else scalar(format_version),
                encode_str(from_state) if from_state.__class__ is str else scalar(from_state),
                # As stored by SQLite (the separator is checked) or formatted by PostgreSQL;
                # any other form is decided by the rebuild.
                (
                    f'"{occurred_at[:10]}T{occurred_at[11:]}Z"'
                    if len(occurred_at) == 26 and occurred_at[10] in " T"
                    else f'"{occurred_at}"'
                    if len(occurred_at) == 27 and occurred_at[10] == "T" and occurred_at[26] == "Z"
                    else INVALID_JSON_MARK
                )
                if occurred_at.__class__ is str
                else INVALID_JSON_MARK,
                encode_str(policy_version)
                if policy_version.__class__ is str
                else scalar(policy_version),
                seq if seq.__class__ is int else scalar(seq),
                encode_str(to_state) if to_state.__class__ is str else scalar(to_state),
            )
            digest = sha256(text.encode()).hexdigest()
        except (NotCanonical, TypeError, ValueError, AttributeError, UnicodeError):
            digest = None
        if digest is not None and digest == stored_hash:
            append(digest)
            continue
        # Not as stored: rebuild the canonical form (the result for this row is final).
        if redo is None:
            redo = []
        redo.append(len(out))
        append(row)
    if redo is not None:
        rebuilt = _stored_rows(
            [
                (*row[:14], _unmark(row[14]), _unmark(row[15]), *row[16:])
                for row in (out[index] for index in redo)
            ],
            False,
        )
        for index, result in zip(redo, rebuilt, strict=True):
            out[index] = result
    return out


# A JSON column that is not text as stored: SQL NULL is JSON null; anything else cannot match
# as stored (``\x00`` never appears unescaped in canonical JSON) and is decided by the rebuild.
_RAW_NOT_TEXT = {True: "null", False: INVALID_JSON_MARK}


def canonical_stored_rows(rows) -> list:
    """:func:`canonical_content` of each row (or a :class:`NotCanonical` instance)."""
    return _stored_rows(rows, True)
