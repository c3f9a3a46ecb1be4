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

On PostgreSQL the database does the per-event work (:mod:`caseflow.audit.sqlhash`): it hashes
every event, checks seq numbers and links with window functions and returns one summary per case;
only cases that do not pass there are read row by row and checked by the Python path below, which
decides and words every problem. Elsewhere (SQLite), or with ``DATABASE_HASHING = False``, the
Python path reads everything: rows are streamed with a Core select of the needed columns ordered
by (case_id, seq) (a server-side cursor on PostgreSQL, in one REPEATABLE READ snapshot) and hashed
in batches with ``chain.hash_stored_rows``, never through ORM objects. With ``workers > 1`` the
case id range is split and each part is checked on its own connection (each case entirely in
one): in threads when the database hashes, in processes when Python does.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from types import SimpleNamespace

import sqlalchemy as sa

from caseflow.audit import chain, sqlhash
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

PG_TIME_FORMAT = sqlhash.PG_TIME_FORMAT

# Let PostgreSQL hash and link the events (see caseflow.audit.sqlhash); False: Python does it all.
DATABASE_HASHING = True
# Cases that fail in the database are checked again by the Python path: runs of at least
# RECHECK_RANGE_MIN_CASES neighbouring cases by id range, the others this many per query.
RECHECK_CASES_PER_QUERY = 500
RECHECK_RANGE_MIN_CASES = 50
# verify_all hashes in Python when more than this share of a sample of events does not match as
# stored (events written before JSON columns were stored canonically): checking most cases again
# after the database's pass would cost more than the pass saves.
MAX_FAILING_SHARE = 0.25


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

    def add(self, other: _Scan) -> None:
        """Add the results of ``other``, a scan of other cases. Each case has at most one
        problem, so the first bad event is the one of the lower case id."""
        self.events += other.events
        self.cases += other.cases
        self.bad_cases += other.bad_cases
        self.head_lines.extend(other.head_lines)
        if other.first_bad is not None and (
            self.first_bad is None or other.first_bad["case_id"] < self.first_bad["case_id"]
        ):
            self.first_bad = other.first_bad


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
    # Options of this statement only: Connection.execution_options() would set them on the
    # connection for every later statement (a cursor rules out a parallel plan on PostgreSQL).
    options = {"stream_results": True, "yield_per": batch_size}
    return conn.execute(stmt, execution_options=options)


def _event_batches(conn, stmt, batch_size: int):
    """The rows of ``stmt`` in lists of ``batch_size``, as plain tuples from the driver's cursor
    (a server-side one on PostgreSQL): the selected columns need no result processing, and
    skipping SQLAlchemy's rows saves about a microsecond per event."""
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
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


def _database_hashing(conn) -> bool:
    return DATABASE_HASHING and sqlhash.supported(conn)


def _scan(
    conn,
    *,
    case_id: int | None = None,
    lo: int | None = None,
    hi: int | None = None,
    checkpoint_seq: int = 0,
    batch_size: int = DEFAULT_BATCH_SIZE,
    in_database: bool | None = None,
) -> _Scan:
    """Check the chains of all cases, of the case ``case_id`` or of the cases ``lo <= id < hi``,
    in the database (:func:`_database_scan`) or in Python (``in_database``; None: in the
    database when it can)."""
    if in_database is None:
        in_database = _database_hashing(conn)
    if in_database:
        return _database_scan(
            conn,
            case_id=case_id,
            lo=lo,
            hi=hi,
            checkpoint_seq=checkpoint_seq,
            batch_size=batch_size,
        )
    return _python_scan(
        conn,
        case_ids=None if case_id is None else [case_id],
        lo=lo,
        hi=hi,
        checkpoint_seq=checkpoint_seq,
        batch_size=batch_size,
    )


def _case_statement(*, case_ids=None, lo=None, hi=None):
    stmt = sa.select(*_CASE_COLUMNS).order_by(_cases.c.id)
    if case_ids is not None:
        stmt = stmt.where(_cases.c.id.in_(case_ids))
    if lo is not None:
        stmt = stmt.where(_cases.c.id >= lo)
    if hi is not None:
        stmt = stmt.where(_cases.c.id < hi)
    return stmt


def _database_scan(
    conn,
    *,
    case_id: int | None = None,
    lo: int | None = None,
    hi: int | None = None,
    checkpoint_seq: int = 0,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> _Scan:
    """:func:`_python_scan`'s results, with the events hashed and linked by PostgreSQL.

    The database checks every case (see :mod:`caseflow.audit.sqlhash`). A case that passed there
    needs no more work; for one whose events passed but whose case row does not match, the
    problem is worded here from the row; every other case (an event that failed, or no case row)
    is checked again by the Python path.
    """
    scan = _Scan()
    head_lines = scan.head_lines
    runs = []  # runs of neighbouring cases to check again (their ids)
    run = None
    cases = events = 0
    for check in sqlhash.case_checks(
        conn, case_id=case_id, lo=lo, hi=hi, checkpoint_seq=checkpoint_seq
    ):
        check_case, status, check_events, head_line = check[0], check[1], check[2], check[3]
        if status != sqlhash.RECHECK:
            run = None
        if status == sqlhash.OK:
            cases += 1
            events += check_events
            if head_line is not None:
                head_lines.append(head_line)
        elif status == sqlhash.CHECK_HEAD:
            cases += 1
            events += check_events
            _, _, _, _, reference, last_event_seq, chain_head, last_hash = check
            case_row = (check_case, reference, last_event_seq, chain_head)
            _check_case_row(scan, case_row, check_events, last_hash if check_events else None)
            if head_line is not None:
                head_lines.append(head_line)
        elif check_case is None:  # events without a case id: the Python path words it
            return _python_scan(
                conn,
                case_ids=None if case_id is None else [case_id],
                lo=lo,
                hi=hi,
                checkpoint_seq=checkpoint_seq,
                batch_size=batch_size,
            )
        elif run is None:  # counted and checked by the Python path
            run = [check_case]
            runs.append(run)
        else:
            run.append(check_case)
    scan.cases += cases
    scan.events += events
    # Every case with a case row or events is in the checks, so a run of neighbours is a range
    # holding no other case.
    singles = []
    for run_ids in runs:
        if len(run_ids) >= RECHECK_RANGE_MIN_CASES:
            part = _python_scan(
                conn,
                lo=run_ids[0],
                hi=run_ids[-1] + 1,
                checkpoint_seq=checkpoint_seq,
                batch_size=batch_size,
            )
            scan.add(part)
        else:
            singles.extend(run_ids)
    for start in range(0, len(singles), RECHECK_CASES_PER_QUERY):
        scan.add(
            _python_scan(
                conn,
                case_ids=singles[start : start + RECHECK_CASES_PER_QUERY],
                checkpoint_seq=checkpoint_seq,
                batch_size=batch_size,
            )
        )
    return scan


def _python_scan(
    conn,
    *,
    case_ids: list[int] | None = None,
    lo: int | None = None,
    hi: int | None = None,
    checkpoint_seq: int = 0,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> _Scan:
    """Check the chains of all cases, of the cases ``case_ids`` or of the cases
    ``lo <= id < hi``, in case id order, reading and hashing every event here."""
    scan = _Scan()
    case_stmt = _case_statement(case_ids=case_ids, lo=lo, hi=hi)
    event_stmt = sa.select(*_event_columns(conn.dialect.name)).order_by(
        _events.c.case_id, _events.c.seq
    )
    if case_ids is not None:
        event_stmt = event_stmt.where(_events.c.case_id.in_(case_ids))
    if lo is not None:
        event_stmt = event_stmt.where(_events.c.case_id >= lo)
    if hi is not None:
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
    parts of the case id range in parallel (see :func:`auto_workers`).
    """
    started = time.perf_counter()
    with _snapshot() as conn:
        rows = conn.execute(sa.select(_checkpoints).order_by(_checkpoints.c.id.desc()))
        checkpoints = [checkpoint_fields(SimpleNamespace(**row)) for row in rows.mappings()]
        latest = checkpoints[0] if checkpoints else None
        checkpoint_seq = latest["global_seq"] if latest else 0
        in_database = _database_hashing(conn) and not _mostly_failing(conn)
        ranges = _case_ranges(conn, workers) if workers > 1 and _shareable(conn) else []
        if len(ranges) > 1:
            scan = _parallel_scan(conn, ranges, checkpoint_seq, batch_size, workers, in_database)
        else:
            ranges = [(None, None)]
            scan = _scan(
                conn, checkpoint_seq=checkpoint_seq, batch_size=batch_size, in_database=in_database
            )
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
    """Workers worth using here: one per CPU (at most 4) for large databases (threads, each on
    its own connection, when the database hashes; processes when Python does)."""
    with _snapshot() as conn:
        if not _shareable(conn) or max_event_id(conn) < PARALLEL_MIN_EVENTS:
            return 1
    return max(1, min(os.cpu_count() or 1, 4))


# Events sampled to estimate the share that fails the database's hash check.
FAILING_SAMPLE_EVENTS = 2_000


def _mostly_failing(conn) -> bool:
    """Whether more than MAX_FAILING_SHARE of a sample of the events fails the database's hash
    check (on a table large enough for it to matter), so that Python should hash instead."""
    estimate = _estimated_events(conn)
    if estimate < SAMPLE_MIN_EVENTS:
        return False
    percent = min(100.0, 100.0 * FAILING_SAMPLE_EVENTS / estimate)
    sampled, failing = sqlhash.sample_failures(conn, percent)
    return sampled > 0 and failing > MAX_FAILING_SHARE * sampled


def _estimated_events(conn) -> float:
    """The planner's estimate of the rows in case_events (PostgreSQL; -1 when not analysed)."""
    return conn.scalar(
        sa.text("SELECT reltuples FROM pg_class WHERE oid = CAST('case_events' AS regclass)")
    )


def _shareable(conn) -> bool:
    """Whether other processes can open the database (not an in-memory SQLite database)."""
    url = conn.engine.url
    return not (url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"))


def _case_ranges(conn, parts: int) -> list[tuple[int | None, int | None]]:
    """``parts`` case id ranges ``[lo, hi)`` holding about the same number of events."""
    found = _sampled_bounds(conn, parts) if conn.dialect.name == "postgresql" else None
    if found is None:
        total = conn.scalar(sa.select(sa.func.count()).select_from(_events)) or 0
        found = [
            conn.scalar(
                sa.select(_events.c.case_id)
                .order_by(_events.c.case_id)
                .offset(total * part // parts)
                .limit(1)
            )
            for part in range(1, parts)
        ]
    bounds = []
    for bound in found:
        if bound is not None and (not bounds or bound > bounds[-1]):
            bounds.append(bound)
    edges = [None, *bounds, None]
    return list(itertools.pairwise(edges))


# On PostgreSQL a large events table (by the planner's estimate) is split at percentiles of a
# sample of its pages: counting and skipping rows through the index costs about a tenth of the
# database-side verification. A sample also decides whether the database hashes (_mostly_failing).
SAMPLE_MIN_EVENTS = 100_000
SAMPLE_EVENTS = 20_000
_SAMPLED_PERCENTILES = sa.text(
    "SELECT percentile_disc(CAST(:fractions AS float8[])) WITHIN GROUP (ORDER BY case_id) "
    "FROM case_events TABLESAMPLE SYSTEM (CAST(:percent AS float4)) REPEATABLE (0)"
)


def _sampled_bounds(conn, parts: int) -> list | None:
    estimate = _estimated_events(conn)
    if not estimate or estimate < SAMPLE_MIN_EVENTS:  # small, or never analysed (-1)
        return None
    fractions = [part / parts for part in range(1, parts)]
    percent = min(100.0, 100.0 * SAMPLE_EVENTS / estimate)
    found = conn.scalar(_SAMPLED_PERCENTILES, {"fractions": fractions, "percent": percent})
    if not found or None in found:
        return None
    return list(found)


def _scan_range(url: str, lo, hi, checkpoint_seq: int, batch_size: int) -> _Scan:
    """One part of a parallel verification, in a worker process with its own connection."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with _snapshot(engine) as conn:
            return _python_scan(
                conn, lo=lo, hi=hi, checkpoint_seq=checkpoint_seq, batch_size=batch_size
            )
    finally:
        engine.dispose()


def _scan_range_here(engine, lo, hi, checkpoint_seq: int, batch_size: int) -> _Scan:
    """One part of a parallel verification, in a thread with its own connection."""
    with _snapshot(engine) as conn:
        return _database_scan(
            conn, lo=lo, hi=hi, checkpoint_seq=checkpoint_seq, batch_size=batch_size
        )


def _parallel_scan(
    conn, ranges, checkpoint_seq: int, batch_size: int, workers: int, in_database: bool
) -> _Scan:
    if in_database:
        # The work is in the database: threads (waiting on their connections) are enough.
        with ThreadPoolExecutor(max_workers=min(workers, len(ranges))) as pool:
            futures = [
                pool.submit(_scan_range_here, conn.engine, lo, hi, checkpoint_seq, batch_size)
                for lo, hi in ranges
            ]
            parts = [future.result() for future in futures]
    else:
        url = conn.engine.url.render_as_string(hide_password=False)
        # fork starts a worker in milliseconds; the workers open their own connections and
        # never touch the parent's. Elsewhere (macOS, Windows) spawn is the safe choice.
        method = "fork" if sys.platform == "linux" else "spawn"
        context = multiprocessing.get_context(method)
        with ProcessPoolExecutor(max_workers=min(workers, len(ranges)), mp_context=context) as pool:
            futures = [
                pool.submit(_scan_range, url, lo, hi, checkpoint_seq, batch_size)
                for lo, hi in ranges
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
