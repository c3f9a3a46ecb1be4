"""Event hashes checked inside PostgreSQL: the fast path of :mod:`caseflow.audit.verify`.

Every event row stores ``prev_hash`` and ``hash``, so verifying a chain splits into a check
local to each row, ``hash == sha256(prev_hash "\\n" content)``, and checks of the links between
rows. Here PostgreSQL does both, for a range of cases, in one statement:

* for each event it builds the text that :func:`chain.hash_stored_rows` hashes first (the row
  *as stored*: JSON columns as their stored text, canonical since decision 16), hashes it with
  the built-in ``sha256()`` and compares the result with ``hash``;
* window functions over ``(case_id ORDER BY seq)`` check that ``seq`` runs 1, 2, 3 …, that each
  ``prev_hash`` is the previous event's ``hash`` (empty for the first) and that ids rise with
  ``seq`` (so the checkpoint head is the last event of the prefix with ``id <= global_seq``);
* the result per case is joined with its case row, whose ``last_event_seq`` and ``chain_head``
  must match the last event; one row per case comes back: its status (:data:`OK`,
  :data:`CHECK_HEAD`, :data:`RECHECK`), its number of events and its checkpoint head line
  (``case_id:seq:hash`` of the last event with ``id <= checkpoint_seq``).

The rows themselves never leave the server, and the hashing runs in PostgreSQL's parallel
workers when the planner uses them.

**Exactness.** The SQL text is built to be byte for byte the text Python builds from the same
row (tests/audit/test_fast_path.py checks this on random events); where that cannot be
guaranteed (a time outside the years 1–9999) the text is NULL and the event fails. So a case
passes here only when every one of its events would pass the Python path's as-stored check
with the same links, and its case row passes the same comparison as in
``verify._check_case_row``. A case row that does not match is reported by that function from the
returned row; a case with an event that does not pass (edited, or written before JSON columns
were stored canonically) is verified again by the Python path, which decides and words the
problem. This path can make verification slower on such data, never more lenient (and
``verify_all`` leaves the hashing to Python when a sample shows most events would fail here).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

import sqlalchemy as sa

from caseflow.audit import chain
from caseflow.models import Case, CaseEvent
from caseflow.models.types import UTCDateTime

# ``occurred_at`` as read by the Python path on PostgreSQL (see verify._event_columns).
PG_TIME_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'
# sha256() appeared in PostgreSQL 11.
MIN_SERVER_VERSION = (11,)
# Cases per summary query: the summaries come back in one buffered result (a server-side cursor
# would rule out a parallel plan), so a large id range is checked in slices of this many ids.
CASES_PER_QUERY = 100_000

_events = CaseEvent.__table__
_cases = Case.__table__


def _literal(text: str) -> str:
    """A SQL string literal for :func:`sqlalchemy.text` (colons escaped: not bind parameters)."""
    return "'" + text.replace("'", "''").replace(":", "\\:") + "'"


def _kind(name: str) -> str:
    column_type = _events.c[name].type
    if isinstance(column_type, UTCDateTime):
        return "time"
    if isinstance(column_type, sa.JSON):
        return "json"
    if isinstance(column_type, sa.Integer):
        return "int"
    if isinstance(column_type, sa.String):
        return "str"
    raise RuntimeError(  # pragma: no cover - guards edits of the model
        f"caseflow.audit.sqlhash: no SQL form for case_events.{name} ({column_type!r})"
    )


def _value(name: str) -> str:
    """SQL for the canonical JSON of one column, as ``chain.hash_stored_rows`` writes it."""
    kind = _kind(name)
    if kind == "str":
        # to_json() escapes exactly as json.dumps(ensure_ascii=False): \" \\ \b \f \n \r \t,
        # other characters below U+0020 as \u00XX (lower-case hex), everything else as is.
        return f"coalesce(to_json({name})::text, 'null')"
    if kind in ("int", "json"):  # integers print alike; JSON columns hashed as stored
        return f"coalesce({name}::text, 'null')"
    # to_char gives the 27 characters Python reads and quotes, for the years 1 to 9999 AD.
    return (
        f"CASE WHEN {name} >= '0001-01-01' AND {name} < '10000-01-01' "
        f"THEN '\"' || to_char({name}, {_literal(PG_TIME_FORMAT)}) || '\"' END"
    )


def hashed_text_sql() -> str:
    """SQL for the text hashed for an event: ``prev_hash`` (or genesis), a newline and the
    canonical content, the keys in sorted order; NULL where it cannot match Python's."""
    parts = [f"coalesce(nullif(prev_hash, ''), {_literal(chain.GENESIS)})", "chr(10)"]
    separator = "{"
    for name in sorted(chain.HASHED_FIELDS):  # the order of json.dumps(sort_keys=True)
        parts += [_literal(f'{separator}"{name}":'), _value(name)]
        separator = ","
    parts.append("'}'")
    return " || ".join(parts)


def hash_check_sql() -> str:
    """SQL that is true when the event's stored ``hash`` is the hash of its text."""
    text = hashed_text_sql()
    return f"""encode(sha256(convert_to({text}, 'UTF8')), 'hex') = hash COLLATE "C\""""


def _checks_sql(events_where: str, cases_where: str) -> str:
    genesis, colon = _literal(chain.GENESIS), _literal(":")
    at_checkpoint = "id <= :checkpoint_seq AND (next_id IS NULL OR next_id > :checkpoint_seq)"
    return f"""
SELECT case_id, status, events, head_line,
       CASE WHEN status = {CHECK_HEAD} THEN reference END AS reference,
       CASE WHEN status = {CHECK_HEAD} THEN last_event_seq END AS last_event_seq,
       CASE WHEN status = {CHECK_HEAD} THEN chain_head END AS chain_head,
       CASE WHEN status = {CHECK_HEAD} THEN last_hash END AS last_hash
FROM (
    SELECT coalesce(s.case_id, c.id) AS case_id,
           CASE
               WHEN c.id IS NULL OR NOT s.chain_ok THEN {RECHECK}
               WHEN s.case_id IS NULL THEN
                   CASE WHEN c.last_event_seq = 0 AND coalesce(c.chain_head, '') = ''
                        THEN {OK} ELSE {CHECK_HEAD} END
               WHEN c.last_event_seq = s.events AND c.chain_head COLLATE "C" = s.last_hash
                   THEN {OK}
               ELSE {CHECK_HEAD}
           END AS status,
           coalesce(s.events, 0) AS events,
           s.case_id || {colon} || s.checkpoint_seq || {colon} || s.checkpoint_hash AS head_line,
           c.reference, c.last_event_seq, c.chain_head, s.last_hash
    FROM (
        SELECT case_id,
               count(*) AS events,
               bool_and(ok) AS chain_ok,
               max(hash) FILTER (WHERE next_id IS NULL) AS last_hash,
               max(seq) FILTER (WHERE {at_checkpoint}) AS checkpoint_seq,
               max(hash) FILTER (WHERE {at_checkpoint}) AS checkpoint_hash
        FROM (
            SELECT case_id, seq, id, hash,
                   coalesce(
                       hash_ok
                       AND seq = row_number() OVER w
                       AND coalesce(nullif(prev_hash, ''), {genesis}) COLLATE "C"
                           = lag(hash, 1, {genesis}) OVER w COLLATE "C"
                       AND id > lag(id, 1, 0) OVER w,
                       false
                   ) AS ok,
                   lead(id) OVER w AS next_id
            FROM (
                SELECT case_id, seq, id, hash, prev_hash, {hash_check_sql()} AS hash_ok
                FROM case_events
                WHERE {events_where}
                ORDER BY case_id, seq
            ) AS hashed
            WINDOW w AS (PARTITION BY case_id ORDER BY seq)
        ) AS linked
        GROUP BY case_id
    ) AS s
    FULL JOIN (
        SELECT id, reference, last_event_seq, chain_head FROM cases WHERE {cases_where}
    ) AS c ON c.id = s.case_id
) AS checked
ORDER BY case_id
"""  # noqa: S608 - built from constants only; values travel as bind parameters


# The status of a case in the database's check.
OK = 0  # every event passed (hash, link, seq, rising id) and the case row's head matches
CHECK_HEAD = 1  # every event passed (or there are none), the case row's head does not match
RECHECK = 2  # an event failed, or there is no case row: for the Python path to decide

_SINGLE_CASE = sa.text(_checks_sql("case_id = :case_id", "id = :case_id"))
_CASE_RANGE = sa.text(_checks_sql("case_id >= :lo AND case_id < :hi", "id >= :lo AND id < :hi"))

# A client-side result, even on a connection set to stream: PostgreSQL never runs the query of a
# server-side cursor with a parallel plan.
_BUFFERED = {"stream_results": False}


class CaseCheck(NamedTuple):
    case_id: int | None
    status: int  # OK, CHECK_HEAD or RECHECK
    events: int
    head_line: str | None  # "case_id:seq:hash" of the last event with id <= checkpoint_seq
    # For CHECK_HEAD only: the case row and the hash of the last event.
    reference: str | None
    last_event_seq: int | None
    chain_head: str | None
    last_hash: str | None


def supported(conn) -> bool:
    """Whether this connection's database can check hashes here (PostgreSQL 11+, UTF-8)."""
    if conn.dialect.name != "postgresql":
        return False
    version = conn.dialect.server_version_info
    if version is None or tuple(version) < MIN_SERVER_VERSION:
        return False
    return conn.exec_driver_sql("SHOW server_encoding").scalar() == "UTF8"


def case_checks(
    conn,
    *,
    case_id: int | None = None,
    lo: int | None = None,
    hi: int | None = None,
    checkpoint_seq: int = 0,
) -> Iterator[CaseCheck]:
    """The check of every case with a case row or events (the case ``case_id``, or the cases
    ``lo <= id < hi``), in case id order. Events whose ``case_id`` is NULL (read only when the
    range is not limited) come last, in a check with case_id None and status RECHECK."""
    if case_id is not None:
        params = {"case_id": case_id, "checkpoint_seq": checkpoint_seq}
        yield from conn.execute(_SINGLE_CASE, params, execution_options=_BUFFERED).all()
        return
    start = _first_case_id(conn, lo, hi)
    while start is not None:
        stop = start + CASES_PER_QUERY if hi is None else min(start + CASES_PER_QUERY, hi)
        params = {"lo": start, "hi": stop, "checkpoint_seq": checkpoint_seq}
        yield from conn.execute(_CASE_RANGE, params, execution_options=_BUFFERED).all()
        start = _first_case_id(conn, stop, hi)  # skips gaps in the ids
    if lo is None and hi is None:  # events without a case id (the Python path reports them)
        orphans = sa.select(sa.func.count()).where(_events.c.case_id.is_(None))
        count = conn.scalar(orphans)
        if count:
            yield CaseCheck(None, RECHECK, count, None, None, None, None, None)


def _first_case_id(conn, lo: int | None, hi: int | None) -> int | None:
    """The lowest case id in ``lo <= id < hi`` with a case row or events."""
    found = []
    for column in (_events.c.case_id, _cases.c.id):
        stmt = sa.select(sa.func.min(column))
        if lo is not None:
            stmt = stmt.where(column >= lo)
        if hi is not None:
            stmt = stmt.where(column < hi)
        value = conn.scalar(stmt)
        if value is not None:
            found.append(value)
    return min(found, default=None)


_SAMPLE_FAILURES = sa.text(
    f"""
SELECT count(*), count(*) FILTER (WHERE NOT coalesce(hash_ok, false))
FROM (
    SELECT {hash_check_sql()} AS hash_ok
    FROM case_events TABLESAMPLE SYSTEM (CAST(:percent AS float4)) REPEATABLE (0)
) AS sampled
"""  # noqa: S608 - built from constants only
)


def sample_failures(conn, percent: float) -> tuple[int, int]:
    """``(events sampled, events failing the hash check)`` for a sample of about ``percent``
    per cent of the table's pages."""
    sampled, failing = conn.execute(_SAMPLE_FAILURES, {"percent": percent}).one()
    return sampled, failing


def event_checks(conn, case_id: int) -> list[tuple[int, str | None, bool | None]]:
    """``(seq, hashed text, hash check)`` of each event of one case, in seq order: the per-row
    part of the summary, for tests and for looking into a mismatch by hand."""
    stmt = sa.text(
        f"SELECT seq, {hashed_text_sql()}, {hash_check_sql()} "  # noqa: S608 - constants only
        "FROM case_events WHERE case_id = :case_id ORDER BY seq"
    )
    return [tuple(row) for row in conn.execute(stmt, {"case_id": case_id})]
