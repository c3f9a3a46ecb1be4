"""Verification of the audit hash chains (and of the checkpoints over them).

For every case, in case id order, the events are read in ``seq`` order and checked:

* ``sequence gap`` / ``sequence out of order``: ``seq`` is not 1, 2, 3 … (an event was deleted,
  or a duplicate ``seq`` exists);
* ``broken link``: ``prev_hash`` is not the previous event's ``hash`` (an event was inserted,
  deleted or reordered);
* ``hash mismatch``: the recomputed hash differs from the stored one (the content was edited);
* ``not canonical``: the stored content has no canonical form (a float, unreadable JSON …);
* ``chain head mismatch``: ``cases.last_event_seq`` / ``cases.chain_head`` disagree with the last
  event (the tail of the chain was cut off, or the case row was changed).

``verify_all`` then checks the latest checkpoint (``checkpoint mismatch``): its MAC and the chain
heads as of its ``global_seq``, which catches a chain rewritten consistently.

Rows are streamed with a Core select of the needed columns ordered by (case_id, seq) (a
server-side cursor on PostgreSQL, in one REPEATABLE READ snapshot) and hashed in batches with
``chain.hash_stored_rows``, never through ORM objects. With ``workers > 1`` the case id range is
split and each part is checked in its own process and connection (each case entirely in one).
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from types import SimpleNamespace

import sqlalchemy as sa

from caseflow.audit import chain
from caseflow.audit.checkpoint import (
    check_mac,
    checkpoint_fields,
    compare_heads,
    heads_digest,
    max_event_id,
    verify_fields,
)
from caseflow.extensions import db
from caseflow.models import AuditCheckpoint, Case, CaseEvent

_events = CaseEvent.__table__
_cases = Case.__table__
_checkpoints = AuditCheckpoint.__table__

PG_TIME_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'


def _event_columns(dialect: str) -> list:
    """The columns of ``chain.STORED_ROW``: JSON columns as their stored text (marked on SQLite
    when it is not valid JSON); ``occurred_at``
    as SQLite stores it, or formatted by PostgreSQL (``chain.time_text`` checks either)."""
    columns = []
    for name in chain.STORED_ROW:
        column = _events.c[name]
        if name in ("changes", "details"):
            column = sa.cast(column, sa.Text)
            if dialect == "sqlite":
                # TEXT holds anything: mark what is not one valid JSON value, so that it is
                # never hashed as stored (see ``chain.hash_stored_rows``). PostgreSQL's json
                # type only holds valid JSON.
                column = sa.case(
                    (sa.func.json_valid(column) == 1, column),
                    else_=sa.literal(chain.INVALID_JSON_MARK) + column,
                )
            column = column.label(name)
        elif name == "occurred_at":
            if dialect == "postgresql":
                column = sa.func.to_char(column, PG_TIME_FORMAT).label(name)
            else:
                column = sa.type_coerce(column, sa.String).label(name)
        columns.append(column)
    return columns


_CASE_COLUMNS = (_cases.c.id, _cases.c.reference, _cases.c.last_event_seq, _cases.c.chain_head)

DEFAULT_BATCH_SIZE = 10_000


class CaseNotFound(LookupError):
    """No case with the given id or reference."""


@dataclass
class VerifyResult:
    ok: bool
    events: int = 0
    cases: int = 0
    # The first event that does not match (lowest case id, then lowest seq):
    # {"case": reference, "case_id": id, "seq": n, "problem": "..."}. A checkpoint problem has
    # case, case_id and seq None and names the checkpoint ("checkpoint": id).
    first_bad: dict | None = None
    bad_cases: int = 0  # cases with at least one problem
    checkpoints: int = 0  # checkpoints verified
    seconds: float = 0.0
    workers: int = 1
    checkpoint_problems: list[dict] = field(default_factory=list)

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict:
        data = asdict(self)
        data["events_per_second"] = round(self.events_per_second)
        return data


@dataclass
class _Scan:
    events: int = 0
    cases: int = 0
    bad_cases: int = 0
    first_bad: dict | None = None
    head_lines: list[str] = field(default_factory=list)  # as of the checkpoint's global_seq

    def problem(self, case_id, reference, seq, text: str) -> None:
        self.bad_cases += 1
        if self.first_bad is None:
            self.first_bad = {"case": reference, "case_id": case_id, "seq": seq, "problem": text}


SQLITE_MMAP_BYTES = 1 << 30


@contextmanager
def _snapshot(engine=None):
    """A connection reading one consistent snapshot (REPEATABLE READ on PostgreSQL).

    On SQLite the read goes through a memory map while it lasts: the (case_id, seq) order jumps
    between table pages, which mmap serves without a copy per page.
    """
    conn = (engine or db.engine).connect()
    mmap_size = None
    try:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            conn.exec_driver_sql("SET TRANSACTION READ ONLY")
        elif conn.dialect.name == "sqlite":
            mmap_size = conn.exec_driver_sql("PRAGMA mmap_size").scalar()
            conn.exec_driver_sql(f"PRAGMA mmap_size = {SQLITE_MMAP_BYTES}")
        yield conn
    finally:
        conn.rollback()
        if mmap_size is not None:
            conn.exec_driver_sql(f"PRAGMA mmap_size = {int(mmap_size)}")
        conn.close()


def _stream(conn, stmt, batch_size: int):
    return conn.execution_options(stream_results=True, yield_per=batch_size).execute(stmt)


def _event_batches(conn, stmt, batch_size: int):
    """The rows of ``stmt`` in lists of ``batch_size``, as plain tuples from the driver's cursor
    (a server-side one on PostgreSQL): the selected columns need no result processing, and
    skipping SQLAlchemy's rows saves about a microsecond per event."""
    compiled = stmt.compile(dialect=conn.dialect)
    params = compiled.construct_params()
    if compiled.positional:
        params = tuple(params[name] for name in compiled.positiontup)
    dbapi_connection = conn.connection.dbapi_connection
    if conn.dialect.name == "postgresql":
        cursor = dbapi_connection.cursor(name=f"caseflow_verify_{id(stmt):x}")
        cursor.itersize = batch_size
    else:
        cursor = dbapi_connection.cursor()
    try:
        cursor.execute(compiled.string, params)
        fetch = cursor.fetchmany
        while rows := fetch(batch_size):
            yield rows
    finally:
        cursor.close()


def _check_case_row(scan: _Scan, case_row, last_seq: int, last_hash: str | None) -> None:
    """Compare the case row's chain head with the last event read."""
    case_id, reference, recorded_seq, recorded_head = case_row
    if recorded_seq == last_seq and (recorded_head or None) == (last_hash if last_seq else None):
        return
    if recorded_seq > last_seq:
        scan.problem(
            case_id,
            reference,
            last_seq + 1,
            f"chain head mismatch: the case records seq {recorded_seq} as its last event but "
            f"the chain ends at seq {last_seq} (events missing at the end)",
        )
    elif recorded_seq < last_seq:
        scan.problem(
            case_id,
            reference,
            recorded_seq + 1,
            f"chain head mismatch: the case records seq {recorded_seq} as its last event but "
            f"the chain continues to seq {last_seq} (events added after the head)",
        )
    else:
        scan.problem(
            case_id,
            reference,
            last_seq,
            "chain head mismatch: the case's chain_head is not the hash of its last event",
        )


def _scan(
    conn,
    *,
    case_id: int | None = None,
    lo: int | None = None,
    hi: int | None = None,
    checkpoint_seq: int = 0,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> _Scan:
    """Check the chains of all cases, of the case ``case_id`` or of the cases ``lo <= id < hi``,
    in case id order."""
    scan = _Scan()
    case_stmt = sa.select(*_CASE_COLUMNS).order_by(_cases.c.id)
    event_stmt = sa.select(*_event_columns(conn.dialect.name)).order_by(
        _events.c.case_id, _events.c.seq
    )
    if case_id is not None:
        case_stmt = case_stmt.where(_cases.c.id == case_id)
        event_stmt = event_stmt.where(_events.c.case_id == case_id)
    if lo is not None:
        case_stmt = case_stmt.where(_cases.c.id >= lo)
        event_stmt = event_stmt.where(_events.c.case_id >= lo)
    if hi is not None:
        case_stmt = case_stmt.where(_cases.c.id < hi)
        event_stmt = event_stmt.where(_events.c.case_id < hi)
    case_rows = iter(_stream(conn, case_stmt, batch_size))
    event_batches = _event_batches(conn, event_stmt, batch_size)

    hash_rows = chain.hash_stored_rows
    genesis = chain.GENESIS
    head_lines = scan.head_lines
    problem = scan.problem
    events = 0
    case_row = next(case_rows, None)
    current = None  # the row of the case whose events are being read (None: no such case)
    current_id = None
    reference = None
    expect = 1  # the next seq
    last_hash = genesis
    bad = False  # the current case has a problem: skip its remaining events
    cp_head = None  # "seq:hash" of the case's last event with id <= checkpoint_seq
    for rows in event_batches:
        events += len(rows)
        computed_hashes = hash_rows(rows)
        for index, row in enumerate(rows):
            event_id, digest, prev_hash, row_case_id, seq = row[0], row[1], row[2], row[3], row[4]
            if row_case_id != current_id:
                # Close the previous case, then pass the cases that have no events at all.
                if current_id is not None:
                    if current is not None and not bad:
                        _check_case_row(scan, current, expect - 1, last_hash)
                    if cp_head is not None:
                        head_lines.append(f"{current_id}:{cp_head}")
                while case_row is not None and case_row[0] < row_case_id:
                    scan.cases += 1
                    _check_case_row(scan, case_row, 0, None)
                    case_row = next(case_rows, None)
                current_id = row_case_id
                if case_row is not None and case_row[0] == row_case_id:
                    current, reference = case_row, case_row[1]
                    scan.cases += 1
                    case_row = next(case_rows, None)
                    bad = False
                else:
                    current = reference = None
                    problem(current_id, None, seq, "unknown case: events of a missing case")
                    bad = True
                expect = 1
                last_hash = genesis
                cp_head = None
            if event_id <= checkpoint_seq:
                cp_head = f"{seq}:{digest}"
            if bad:
                continue
            if seq != expect:
                if seq > expect:
                    gap = f"seq {expect}" if seq == expect + 1 else f"seq {expect} to {seq - 1}"
                    text = f"sequence gap: {gap} missing before this event"
                else:
                    text = f"sequence out of order: expected seq {expect}, found seq {seq} again"
                problem(current_id, reference, seq, text)
                bad = True
            elif (prev_hash or genesis) != last_hash:
                if seq == 1:
                    text = "broken link: the first event's prev_hash is not empty"
                else:
                    text = (
                        f"broken link: prev_hash is not the hash of event {seq - 1} "
                        "(an event was inserted, deleted or reordered)"
                    )
                problem(current_id, reference, seq, text)
                bad = True
            else:
                computed = computed_hashes[index]
                if computed != digest:
                    if isinstance(computed, chain.NotCanonical):
                        text = f"not canonical: {computed}"
                    else:
                        text = "hash mismatch: the event's content does not match its hash"
                    problem(current_id, reference, seq, text)
                    bad = True
                else:
                    last_hash = digest
                    expect = seq + 1
    if current_id is not None:
        if current is not None and not bad:
            _check_case_row(scan, current, expect - 1, last_hash)
        if cp_head is not None:
            head_lines.append(f"{current_id}:{cp_head}")
    while case_row is not None:
        scan.cases += 1
        _check_case_row(scan, case_row, 0, None)
        case_row = next(case_rows, None)
    scan.events = events
    return scan


def _find_case(conn, case_id_or_reference) -> int:
    """The id of the case with this id (an int) or reference (a string; digits: also an id)."""
    select_id = sa.select(_cases.c.id)
    if isinstance(case_id_or_reference, int):
        found = conn.scalar(select_id.where(_cases.c.id == case_id_or_reference))
    else:
        text = str(case_id_or_reference).strip()
        found = conn.scalar(select_id.where(_cases.c.reference == text))
        if found is None and text.isdigit():
            found = conn.scalar(select_id.where(_cases.c.id == int(text)))
    if found is None:
        raise CaseNotFound(f"no case with reference or id {case_id_or_reference!r}")
    return found


def verify_case(case_id_or_reference, *, batch_size: int = DEFAULT_BATCH_SIZE) -> VerifyResult:
    """Verify one case's chain and head (``CaseNotFound`` when there is no such case).

    Checkpoints cover all cases at once, so they are checked by :func:`verify_all` only.
    """
    started = time.perf_counter()
    with _snapshot() as conn:
        case_id = _find_case(conn, case_id_or_reference)
        scan = _scan(conn, case_id=case_id, batch_size=batch_size)
    return VerifyResult(
        ok=scan.first_bad is None,
        events=scan.events,
        cases=scan.cases,
        first_bad=scan.first_bad,
        bad_cases=scan.bad_cases,
        seconds=time.perf_counter() - started,
    )


def verify_all(
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    all_checkpoints: bool = False,
    workers: int = 1,
) -> VerifyResult:
    """Verify every chain and the latest checkpoint (or all of them with ``all_checkpoints``).

    ``first_bad`` is the first event that does not match (lowest case id, then lowest seq); a
    checkpoint problem is reported there only when every chain matches. ``workers > 1`` checks
    parts of the case id range in parallel processes (see :func:`auto_workers`).
    """
    started = time.perf_counter()
    with _snapshot() as conn:
        rows = conn.execute(sa.select(_checkpoints).order_by(_checkpoints.c.id.desc()))
        checkpoints = [checkpoint_fields(SimpleNamespace(**row)) for row in rows.mappings()]
        latest = checkpoints[0] if checkpoints else None
        checkpoint_seq = latest["global_seq"] if latest else 0
        ranges = _case_ranges(conn, workers) if workers > 1 and _shareable(conn) else []
        if len(ranges) > 1:
            scan = _parallel_scan(conn, ranges, checkpoint_seq, batch_size, workers)
        else:
            ranges = [(None, None)]
            scan = _scan(conn, checkpoint_seq=checkpoint_seq, batch_size=batch_size)
        problems = []
        if latest is not None:
            lines = scan.head_lines
            problem = check_mac(latest) or compare_heads(
                latest, len(lines), heads_digest(lines), max_event_id(conn)
            )
            if problem:
                problems.append({"checkpoint": latest["id"], "problem": problem})
        for fields in checkpoints[1:] if all_checkpoints else ():
            problem = verify_fields(conn, fields)
            if problem:
                problems.append({"checkpoint": fields["id"], "problem": problem})
    first_bad = scan.first_bad
    if first_bad is None and problems:
        first_bad = {"case": None, "case_id": None, "seq": None, **problems[0]}
    return VerifyResult(
        ok=first_bad is None,
        events=scan.events,
        cases=scan.cases,
        first_bad=first_bad,
        bad_cases=scan.bad_cases,
        checkpoints=len(checkpoints) if all_checkpoints else min(1, len(checkpoints)),
        seconds=time.perf_counter() - started,
        workers=len(ranges),
        checkpoint_problems=problems,
    )


# --- Parallel verification ----------------------------------------------------------------------

PARALLEL_MIN_EVENTS = 100_000


def auto_workers() -> int:
    """Worker processes worth using here: one per CPU (at most 4) for large databases."""
    with _snapshot() as conn:
        if not _shareable(conn) or max_event_id(conn) < PARALLEL_MIN_EVENTS:
            return 1
    return max(1, min(os.cpu_count() or 1, 4))


def _shareable(conn) -> bool:
    """Whether other processes can open the database (not an in-memory SQLite database)."""
    url = conn.engine.url
    return not (url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"))


def _case_ranges(conn, parts: int) -> list[tuple[int | None, int | None]]:
    """``parts`` case id ranges ``[lo, hi)`` holding about the same number of events."""
    total = conn.scalar(sa.select(sa.func.count()).select_from(_events)) or 0
    bounds = []
    for part in range(1, parts):
        bound = conn.scalar(
            sa.select(_events.c.case_id)
            .order_by(_events.c.case_id)
            .offset(total * part // parts)
            .limit(1)
        )
        if bound is not None and (not bounds or bound > bounds[-1]):
            bounds.append(bound)
    edges = [None, *bounds, None]
    return list(itertools.pairwise(edges))


def _scan_range(url: str, lo, hi, checkpoint_seq: int, batch_size: int) -> _Scan:
    """One part of a parallel verification, in a worker process with its own connection."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with _snapshot(engine) as conn:
            return _scan(conn, lo=lo, hi=hi, checkpoint_seq=checkpoint_seq, batch_size=batch_size)
    finally:
        engine.dispose()


def _parallel_scan(conn, ranges, checkpoint_seq: int, batch_size: int, workers: int) -> _Scan:
    url = conn.engine.url.render_as_string(hide_password=False)
    # fork starts a worker in milliseconds; the workers open their own connections and never
    # touch the parent's. Elsewhere (macOS, Windows) spawn is the safe choice.
    method = "fork" if sys.platform == "linux" else "spawn"
    context = multiprocessing.get_context(method)
    with ProcessPoolExecutor(max_workers=min(workers, len(ranges)), mp_context=context) as pool:
        futures = [
            pool.submit(_scan_range, url, lo, hi, checkpoint_seq, batch_size) for lo, hi in ranges
        ]
        parts = [future.result() for future in futures]
    merged = _Scan()
    for part in parts:  # in case id order: the first part with a problem has the first one
        merged.events += part.events
        merged.cases += part.cases
        merged.bad_cases += part.bad_cases
        merged.first_bad = merged.first_bad or part.first_bad
        merged.head_lines.extend(part.head_lines)
    return merged
