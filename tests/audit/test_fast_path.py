"""Verification in the database (caseflow.audit.sqlhash) agrees with verification in Python.

On PostgreSQL ``verify`` hashes and links the events in SQL and only reads cases that fail there;
``verify.DATABASE_HASHING = False`` makes it read and hash everything in Python instead. These
tests build chains with random content (quotes, backslashes, control characters, non-BMP
characters, Chinese, empty strings, NULLs, nested JSON) and check that the SQL text is byte for
byte the canonical text, that tampering with any hashed field fails in SQL, and that both paths
give the same results. On SQLite, where verification always runs in Python, the same scenarios
check the Python path against itself and that the database path is not taken.
"""

import hashlib
import itertools
import json
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caseflow.audit import sqlhash, verify
from caseflow.audit.chain import (
    GENESIS,
    HASHED_FIELDS,
    append_event,
    canonical_content,
    canonical_json,
    compute_hash,
)
from caseflow.audit.checkpoint import (
    CHECKPOINT_VERSION,
    checkpoint_fields,
    compute_mac,
    head_lines,
    heads_digest,
    write_checkpoint,
)
from caseflow.audit.verify import verify_all, verify_case
from caseflow.extensions import db
from caseflow.models import AuditCheckpoint, Case, Organisation, User
from tests.audit.conftest import CASES, EVENTS, T0, build_case, event_rows, rehash_chain, tampering

FUZZ = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Pieces that JSON escapes, or that look like syntax, or that are more than one UTF-16 unit.
TRICKY = (
    '"', "\\", '\\"', "\\u0041", "\n", "\r\n", "\t", "\b", "\f", "\x01", "\x1f", "\x7f", "\x80",
    "😀", "𝄞", "👩‍👩‍👧", "中文", "审计事件：同意。", "\u2028", "\u2029", "\ufeff", "\xa0", "'",
    "</script>", "{}", "null", '":', ",", " ", "",
)  # fmt: skip


def texts(max_size: int, *, nul: bool = False):
    """Text that fits a column of ``max_size`` characters; NUL only where the database can hold
    it (inside JSON, escaped; PostgreSQL text cannot)."""
    characters = st.characters(
        exclude_categories=("Cs",), exclude_characters=() if nul else ("\x00",)
    )
    return st.one_of(
        st.text(characters, max_size=max_size),
        st.lists(st.sampled_from(TRICKY), max_size=6).map(lambda s: "".join(s)[:max_size]),
    )


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | texts(12, nul=True),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(texts(8, nul=True), inner, max_size=3)
    ),
    max_leaves=8,
)
# A JSON column's value. A bare number beyond 64 bits is left out at the top: SQLite's NUMERIC
# affinity would store its text as a float.
JSON_COLUMNS = st.none() | JSON_VALUES.filter(
    lambda value: not isinstance(value, int) or -(2**63) <= value < 2**63
)
# Years from 1000: below, Python writes the year without leading zeros and the SQL text differs
# (such events are checked by the Python path; see test_odd_stored_forms_fall_back_to_python).
TIMES = st.datetimes(
    min_value=datetime(1000, 1, 1), max_value=datetime(9999, 12, 31), timezones=st.just(UTC)
)


# The text columns and the length drawn for each (within the column's).
TEXT_LIMITS = {
    "action": 40,
    "from_state": 40,
    "to_state": 40,
    "actor_name": 120,
    "actor_role": 30,
    "comment": 200,
    "policy_version": 80,
}


@st.composite
def event_contents(draw, users: list[int], orgs: list[int]) -> dict:
    """The hashed fields of an event but its place in the chain (case_id, seq)."""
    return {
        "action": draw(texts(TEXT_LIMITS["action"])),
        "from_state": draw(st.none() | texts(TEXT_LIMITS["from_state"])),
        "to_state": draw(st.none() | texts(TEXT_LIMITS["to_state"])),
        "actor_id": draw(st.sampled_from([None, *users])),
        "actor_name": draw(texts(TEXT_LIMITS["actor_name"])),
        "actor_role": draw(st.none() | texts(TEXT_LIMITS["actor_role"])),
        "actor_org_id": draw(st.sampled_from([None, *orgs])),
        "occurred_at": draw(TIMES),
        "comment": draw(st.none() | texts(TEXT_LIMITS["comment"])),
        "changes": draw(JSON_COLUMNS),
        "details": draw(JSON_COLUMNS),
        "policy_version": draw(st.none() | texts(TEXT_LIMITS["policy_version"])),
        "format_version": draw(st.sampled_from([1, 1, 1, 0, 2, -1, 32767])),
    }


_references = itertools.count(1)


def new_case(contents: list[dict], *, sql_null: bool = False) -> tuple[int, list[dict]]:
    """A case whose chain holds events with ``contents`` (inside an app context); returns its id
    and the stored fields of its events. JSON None is stored as SQL NULL with ``sql_null``."""
    case_id = build_case(f"FP-2026-510100-{next(_references):06d}", 0)
    prev, stored = None, []
    with db.engine.begin() as conn:
        for seq, content in enumerate(contents, start=1):
            fields = {**content, "case_id": case_id, "seq": seq}
            digest = compute_hash(prev, fields)
            values = dict(fields, prev_hash=prev, hash=digest)
            for name in ("changes", "details"):
                if sql_null and values[name] is None:
                    values[name] = sa.null()
            conn.execute(sa.insert(EVENTS).values(**values))
            stored.append(dict(fields, prev_hash=prev, hash=digest))
            prev = digest
        conn.execute(
            sa.update(CASES)
            .where(CASES.c.id == case_id)
            .values(last_event_seq=len(contents), chain_head=prev)
        )
    return case_id, stored


def remove_cases(app, *case_ids) -> None:
    with tampering(app) as conn:
        conn.execute(sa.delete(EVENTS).where(EVENTS.c.case_id.in_(case_ids)))
        conn.execute(sa.delete(CASES).where(CASES.c.id.in_(case_ids)))


@contextmanager
def python_path():
    """Verification without the database path (every event read and hashed in Python)."""
    saved = verify.DATABASE_HASHING
    verify.DATABASE_HASHING = False
    try:
        yield
    finally:
        verify.DATABASE_HASHING = saved


def comparable(result) -> dict:
    data = asdict(result)
    del data["seconds"]
    return data


def both_paths(app, run=None) -> dict:
    """``run`` (default: verify_all) through the database path and the Python path; asserts
    that both give the same result and returns it."""
    run = run or verify_all
    with app.app_context():
        fast = comparable(run())
        db.session.remove()
        with python_path():
            slow = comparable(run())
        db.session.remove()
    assert fast == slow
    return fast


def is_postgresql(app) -> bool:
    with app.app_context():
        return db.engine.dialect.name == "postgresql"


def database_checks(app, case_id: int) -> dict | None:
    """seq -> (SQL text, SQL hash check) of a case's events; None where the database does not
    hash (SQLite)."""
    with app.app_context(), verify._snapshot() as conn:
        if not sqlhash.supported(conn):
            return None
        return {seq: (text, ok) for seq, text, ok in sqlhash.event_checks(conn, case_id)}


def ids(app) -> tuple[list[int], list[int]]:
    with app.app_context():
        users = list(db.session.scalars(sa.select(User.id).order_by(User.id)))[:4]
        orgs = list(db.session.scalars(sa.select(Organisation.id).order_by(Organisation.id)))[:3]
        db.session.remove()
    return users, orgs


def test_the_database_path_is_taken_on_postgresql_only(chains, monkeypatch):
    calls = []
    python_scan = verify._python_scan
    monkeypatch.setattr(
        verify, "_python_scan", lambda *a, **k: calls.append(k) or python_scan(*a, **k)
    )
    result = both_paths(chains.app)
    assert result["ok"] and result["events"] == chains.events and result["cases"] == chains.cases
    with chains.app.app_context(), verify._snapshot() as conn:
        supported = sqlhash.supported(conn)
    assert supported == is_postgresql(chains.app)
    # The Python path ran once (DATABASE_HASHING off); the database path read no event itself.
    assert len(calls) == (1 if supported else 2)


@FUZZ
@given(data=st.data())
def test_sql_text_is_the_canonical_text(demo, data):
    users, orgs = ids(demo)
    contents = data.draw(st.lists(event_contents(users, orgs), min_size=1, max_size=4))
    with demo.app_context():
        case_id, stored = new_case(contents, sql_null=data.draw(st.booleans()))
    try:
        checks = database_checks(demo, case_id)
        if checks is not None:
            for fields in stored:
                text, ok = checks[fields["seq"]]
                expected = (
                    (fields["prev_hash"] or GENESIS) + "\n" + canonical_content(fields).decode()
                )
                assert text == expected
                assert ok is True
        result = both_paths(demo, lambda: verify_case(case_id))
        assert result["ok"], result["first_bad"]
        assert result["events"] == len(contents)
    finally:
        remove_cases(demo, case_id)


def tampered_value(data, field: str, old, users: list[int], orgs: list[int], moves: list[int]):
    """A value of ``field`` whose canonical form differs from ``old``'s."""
    if field == "case_id":
        return data.draw(st.sampled_from(moves))
    if field == "seq":
        return old + 100
    if field == "occurred_at":
        return old + timedelta(microseconds=1)
    if field in ("changes", "details"):
        return data.draw(JSON_COLUMNS.filter(lambda v: canonical_json(v) != canonical_json(old)))
    if field in ("actor_id", "actor_org_id"):
        pool = users if field == "actor_id" else orgs
        return data.draw(st.sampled_from([None, *pool, 999_999]).filter(lambda v: v != old))
    if field == "format_version":
        return data.draw(st.sampled_from([0, 1, 2, 7, -1]).filter(lambda v: v != old))
    strategy = texts(TEXT_LIMITS[field])
    if field not in ("action", "actor_name"):  # the nullable ones
        strategy = st.none() | strategy
    return data.draw(strategy.filter(lambda v: v != old))


@FUZZ
@given(data=st.data())
def test_tampering_with_any_hashed_field_fails_in_the_database(demo, data):
    users, orgs = ids(demo)
    contents = data.draw(st.lists(event_contents(users, orgs), min_size=2, max_size=4))
    with demo.app_context():
        case_id, stored = new_case(contents)
        empty_case = build_case(f"FP-2026-510100-{next(_references):06d}", 0)
    field = data.draw(st.sampled_from(HASHED_FIELDS))
    target = stored[data.draw(st.integers(min_value=0, max_value=len(stored) - 1))]
    value = tampered_value(
        data, field, target[field], users, orgs, moves=[empty_case, empty_case + 1000]
    )
    raw_json = field in ("changes", "details") and data.draw(st.booleans())
    try:
        with tampering(demo) as conn:
            where = (EVENTS.c.case_id == case_id, EVENTS.c.seq == target["seq"])
            if raw_json:  # stored as another serializer would (spaces, unsorted keys)
                cast = "CAST(:value AS json)" if conn.dialect.name == "postgresql" else ":value"
                conn.execute(
                    sa.text(f"UPDATE case_events SET {field} = {cast} WHERE id = :id"),
                    {"value": json.dumps(value, ensure_ascii=False), "id": row_id(conn, where)},
                )
            else:
                conn.execute(sa.update(EVENTS).where(*where).values({field: value}))
        # The tampered event fails the row-local check in SQL …
        moved_to = value if field == "case_id" else case_id
        seq = value if field == "seq" else target["seq"]
        checks = database_checks(demo, moved_to)
        if checks is not None:
            assert checks[seq][1] is False
        # … and both paths name the same first bad event.
        single = both_paths(demo, lambda: verify_case(case_id))
        everything = both_paths(demo)
        assert not single["ok"] and not everything["ok"]
        if field not in ("case_id", "seq"):
            assert single["first_bad"]["seq"] == target["seq"]
            assert single["first_bad"]["problem"].startswith("hash mismatch")
            assert everything["first_bad"] == single["first_bad"]
    finally:
        remove_cases(demo, case_id, empty_case, empty_case + 1000)


def row_id(conn, where) -> int:
    return conn.scalar(sa.select(EVENTS.c.id).where(*where))


def test_odd_stored_forms_fall_back_to_python(demo):
    """Rows the SQL text cannot reproduce are checked by the Python path, with its result."""
    with demo.app_context():
        base = {
            "action": "edit",
            "from_state": "draft",
            "to_state": "draft",
            "actor_id": None,
            "actor_name": "system",
            "actor_role": None,
            "actor_org_id": None,
            "occurred_at": T0,
            "comment": "改",
            "changes": {"b": [1, None], "a": {"z": "中", "y": [True]}},
            "details": {"kind": "standard"},
            "policy_version": None,
            "format_version": 1,
        }
        reformatted, _ = new_case([base, base])
        early, _ = new_case(
            [base, {**base, "occurred_at": datetime(44, 3, 15, 1, 2, 3, tzinfo=UTC)}]
        )
        as_stored, _ = new_case([base, base])
        untouched, _ = new_case([base])
    with tampering(demo) as conn:
        # JSON written by another serializer: same content, other text.
        reformatted_id = row_id(conn, (EVENTS.c.case_id == reformatted, EVENTS.c.seq == 2))
        cast = "CAST(:value AS json)" if conn.dialect.name == "postgresql" else ":value"
        conn.execute(
            sa.text(f"UPDATE case_events SET changes = {cast} WHERE id = :id"),
            {"value": json.dumps(base["changes"], indent=1), "id": reformatted_id},
        )
    checks = database_checks(demo, reformatted)
    if checks is not None:
        assert checks[1][1] is True and checks[2][1] is False  # not as stored: Python decides
        assert database_checks(demo, early)[2][1] is False  # the year 44 AD
    result = both_paths(demo)
    assert result["ok"], result["first_bad"]
    assert (result["events"], result["cases"]) == (7, 4)

    if checks is not None:
        # A last event hashed over its JSON text as stored (not canonical) verifies on both
        # paths: the SQL text is the text the Python path hashes first.
        with tampering(demo) as conn:
            last = (EVENTS.c.case_id == as_stored, EVENTS.c.seq == 2)
            conn.execute(
                sa.text("UPDATE case_events SET details = CAST(:value AS json) WHERE id = :id"),
                {"value": '{"kind" :  "standard"}', "id": row_id(conn, last)},
            )
        text = database_checks(demo, as_stored)[2][0]
        assert ',"details":{"kind" :  "standard"},' in text
        with tampering(demo) as conn:
            digest = hashlib.sha256(text.encode()).hexdigest()
            conn.execute(sa.update(EVENTS).where(*last).values(hash=digest))
            conn.execute(sa.update(CASES).where(CASES.c.id == as_stored).values(chain_head=digest))
        assert database_checks(demo, as_stored)[2][1] is True
        assert both_paths(demo)["ok"]
        # Times PostgreSQL can hold but Python cannot read the same way.
        for when in ("0044-03-15 01:02:03 BC", "12026-01-01 00:00:00"):
            with tampering(demo) as conn:
                first = (EVENTS.c.case_id == untouched, EVENTS.c.seq == 1)
                conn.execute(
                    sa.text(
                        "UPDATE case_events SET occurred_at = CAST(:when AS timestamp) "
                        "WHERE id = :id"
                    ),
                    {"when": when, "id": row_id(conn, first)},
                )
            assert database_checks(demo, untouched)[1][1] is None
            result = both_paths(demo)
            assert not result["ok"] and result["first_bad"]["case_id"] == untouched


def test_first_bad_is_lowest_case_across_database_and_python_checks(chains):
    """A head mismatch (worded from the database's check) and an edited event (decided by the
    Python path) in either order of case ids: the lower case is named."""
    with tampering(chains.app) as conn:
        conn.execute(
            sa.update(CASES).where(CASES.c.id == chains.ids["C"]).values(chain_head="f" * 64)
        )
        conn.execute(
            sa.update(EVENTS)
            .where(EVENTS.c.case_id == chains.ids["B"], EVENTS.c.seq == 4)
            .values(comment="改")
        )
    result = both_paths(chains.app)
    assert result["first_bad"]["case_id"] == chains.ids["B"] and result["bad_cases"] == 2
    with tampering(chains.app) as conn:
        conn.execute(sa.update(CASES).where(CASES.c.id == chains.ids["A"]).values(last_event_seq=9))
    result = both_paths(chains.app)
    assert result["first_bad"]["case_id"] == chains.ids["A"] and result["bad_cases"] == 3
    assert result["first_bad"]["problem"].startswith("chain head mismatch")
    # Events of a case that does not exist.
    with tampering(chains.app) as conn:
        conn.execute(sa.update(CASES).where(CASES.c.id == chains.ids["A"]).values(last_event_seq=5))
        conn.execute(sa.delete(CASES).where(CASES.c.id == chains.ids["D"]))
        conn.execute(
            sa.update(EVENTS)
            .where(EVENTS.c.case_id == chains.ids["C"], EVENTS.c.seq == 5)
            .values(case_id=chains.ids["D"], seq=1)
        )
    result = both_paths(chains.app)
    assert result["first_bad"]["case_id"] == chains.ids["B"]
    assert result["cases"] == 3 and result["bad_cases"] == 3


def checkpoint_at(app, global_seq: int) -> None:
    """A checkpoint (valid MAC) over the heads as of ``global_seq``, not the latest event."""
    with app.app_context():
        lines = head_lines(db.session.connection(), global_seq)
        cp = AuditCheckpoint(
            created_at=T0,
            global_seq=global_seq,
            case_count=len(lines),
            heads_digest=heads_digest(lines),
            format_version=CHECKPOINT_VERSION,
        )
        cp.mac = compute_mac(checkpoint_fields(cp))
        db.session.add(cp)
        db.session.commit()
        db.session.remove()


def database_check(app, case_id: int, checkpoint_seq: int = 0):
    """The database's check of one case (None on SQLite)."""
    with app.app_context(), verify._snapshot() as conn:
        if not sqlhash.supported(conn):
            return None
        (found,) = sqlhash.case_checks(conn, case_id=case_id, checkpoint_seq=checkpoint_seq)
        return found


def test_checkpoint_heads_in_the_middle_of_chains(chains):
    """A checkpoint taken while chains were growing: the head of each chain as of its global_seq
    is an event in the middle, picked in SQL where ids rise with seq."""
    with chains.app.app_context():
        with db.engine.connect() as conn:
            b_ids = [row.id for row in event_rows(conn, chains.ids["B"])]
        db.session.remove()
    checkpoint_at(chains.app, b_ids[2])  # A complete, B up to seq 3, C not started
    result = both_paths(chains.app)
    assert result["ok"], result["first_bad"]
    assert result["checkpoints"] == 1
    found = database_check(chains.app, chains.ids["B"], checkpoint_seq=b_ids[2])
    if found is not None:
        assert (found.status, found.events) == (sqlhash.OK, 5)
        head = head_hash(chains.app, chains.ids["B"], 3)
        assert found.head_line == f"{chains.ids['B']}:3:{head}"


def head_hash(app, case_id: int, seq: int) -> str:
    with app.app_context(), db.engine.connect() as conn:
        return conn.scalar(
            sa.select(EVENTS.c.hash).where(EVENTS.c.case_id == case_id, EVENTS.c.seq == seq)
        )


def test_ids_not_rising_with_seq_are_checked_in_python(chains):
    """The database picks the checkpoint head assuming ids rise with seq; a chain rewritten in
    another order fails there and is checked by the Python path."""
    case_id = chains.ids["B"]
    with tampering(chains.app) as conn:
        case = EVENTS.c.case_id == case_id
        conn.execute(sa.update(EVENTS).where(case, EVENTS.c.seq == 2).values(seq=-2))
        conn.execute(sa.update(EVENTS).where(case, EVENTS.c.seq == 4).values(seq=2))
        conn.execute(sa.update(EVENTS).where(case, EVENTS.c.seq == -2).values(seq=4))
        rehash_chain(conn, case_id, comment="重排")
        ids_in_seq_order = [row.id for row in event_rows(conn, case_id)]
    first, fourth, third, second, fifth = ids_in_seq_order
    assert first < second < third < fourth < fifth
    result = both_paths(chains.app)
    assert result["ok"], result["first_bad"]
    found = database_check(chains.app, case_id)
    if found is not None:
        assert found.status == sqlhash.RECHECK  # the chain is fine, but left to Python
        assert database_check(chains.app, chains.ids["A"]).status == sqlhash.OK
    # As of the third id, the last event in seq order is seq 4 (ids: 1st, 4th, 3rd, 2nd, 5th).
    checkpoint_at(chains.app, third)
    result = both_paths(chains.app)
    assert result["ok"], result["first_bad"]
    with chains.app.app_context():
        write_checkpoint()
        build_case("SE-2026-510100-0005", 2)
        case = db.session.get(Case, case_id)
        append_event(case, action="note", occurred_at=T0 + timedelta(days=3))
        db.session.commit()
        db.session.remove()
    result = both_paths(chains.app, lambda: verify_all(all_checkpoints=True))
    assert result["ok"] and result["checkpoints"] == 2


def test_slices_rechecks_and_sampled_ranges_give_the_same_result(chains, monkeypatch):
    with chains.app.app_context():
        extra = [build_case(f"SE-2026-510100-{n:04d}", n % 4 + 1) for n in range(5, 12)]
        write_checkpoint()
        db.session.remove()
    with tampering(chains.app) as conn:
        for case_id in (chains.ids["A"], chains.ids["B"], extra[3]):  # a run of two, and one
            conn.execute(
                sa.update(EVENTS)
                .where(EVENTS.c.case_id == case_id, EVENTS.c.seq == 1)
                .values(comment="改")
            )
        conn.execute(sa.delete(CASES).where(CASES.c.id == chains.ids["D"]))  # a gap in the ids
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("ANALYZE case_events"))
    expected = both_paths(chains.app)
    assert expected["bad_cases"] == 3 and expected["first_bad"]["case_id"] == chains.ids["A"]
    monkeypatch.setattr(sqlhash, "CASES_PER_QUERY", 2)
    for run_min, per_query in ((1, 500), (2, 1), (50, 1), (50, 2)):
        monkeypatch.setattr(verify, "RECHECK_RANGE_MIN_CASES", run_min)
        monkeypatch.setattr(verify, "RECHECK_CASES_PER_QUERY", per_query)
        assert both_paths(chains.app) == expected
    monkeypatch.setattr(verify, "SAMPLE_MIN_EVENTS", 1)  # sampled ranges and probe
    for workers in (2, 3):
        parallel = both_paths(chains.app, lambda w=workers: verify_all(workers=w))
        assert parallel["workers"] > 1
        assert {**parallel, "workers": 1} == expected


def test_mostly_failing_events_are_hashed_in_python(demo, monkeypatch):
    """Where most events do not match as stored (written before JSON columns were stored
    canonically), verify_all skips the database's pass: checking nearly every case again in
    Python would cost more than it saves."""
    base = {
        "action": "edit",
        "from_state": None,
        "to_state": "draft",
        "actor_id": None,
        "actor_name": "system",
        "actor_role": None,
        "actor_org_id": None,
        "occurred_at": T0,
        "comment": None,
        "changes": {"amount": ["1", "2"]},
        "details": {"kind": "standard", "items": ["营业执照"]},
        "policy_version": None,
        "format_version": 1,
    }
    with demo.app_context():
        case_ids = [new_case([base] * 3)[0] for _ in range(4)]
    with tampering(demo) as conn:
        cast = "CAST(:value AS json)" if conn.dialect.name == "postgresql" else ":value"
        for case_id in case_ids[:3]:  # the old serializer's text: same content, other bytes
            conn.execute(
                sa.text(f"UPDATE case_events SET details = {cast} WHERE case_id = :case_id"),
                {"value": json.dumps(base["details"]), "case_id": case_id},
            )
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("ANALYZE case_events"))
    used = []
    database_scan = verify._database_scan
    monkeypatch.setattr(
        verify, "_database_scan", lambda *a, **k: used.append(k) or database_scan(*a, **k)
    )
    expected = both_paths(demo)
    assert expected["ok"] and expected["events"] == 12
    in_database = is_postgresql(demo)
    assert len(used) == (1 if in_database else 0)
    monkeypatch.setattr(verify, "SAMPLE_MIN_EVENTS", 1)
    used.clear()
    assert both_paths(demo) == expected
    assert not used  # 9 of 12 events fail as stored: Python hashes everything
    monkeypatch.setattr(verify, "MAX_FAILING_SHARE", 0.9)
    assert both_paths(demo) == expected
    assert len(used) == (1 if in_database else 0)


def test_rewrites_that_keep_every_event_hash_valid(chains):
    """Events whose own hashes match but whose order or links do not: caught by the window
    checks in SQL, worded by the Python path."""
    with tampering(chains.app) as conn:
        # B: event 3 deleted, the rest of the chain rehashed around the gap.
        conn.execute(
            sa.delete(EVENTS).where(EVENTS.c.case_id == chains.ids["B"], EVENTS.c.seq == 3)
        )
        rehash_chain(conn, chains.ids["B"], comment="同意。")
        # C: event 3 rehashed over a prev_hash that is not event 2's hash.
        # A: event 1 rehashed over a prev_hash although it starts the chain.
        for name, seq, prev in (("C", 3, "ab" * 32), ("A", 1, "cd" * 32)):
            (row,) = [r for r in event_rows(conn, chains.ids[name]) if r.seq == seq]
            fields = {field: getattr(row, field) for field in HASHED_FIELDS}
            conn.execute(
                sa.update(EVENTS)
                .where(EVENTS.c.id == row.id)
                .values(prev_hash=prev, hash=compute_hash(prev, fields))
            )
    for name, seq in (("B", 4), ("C", 3), ("A", 1)):
        found = database_check(chains.app, chains.ids[name])
        assert found is None or found.status == sqlhash.RECHECK
        single = both_paths(chains.app, lambda n=name: verify_case(chains.ids[n]))
        assert single["first_bad"]["seq"] == seq
    result = both_paths(chains.app)
    assert result["bad_cases"] == 3
    assert result["first_bad"]["case_id"] == chains.ids["A"]
    assert result["first_bad"]["problem"].startswith("broken link: the first event")
    with chains.app.app_context():
        single = verify_case(chains.ids["B"])
    assert single.first_bad["problem"] == "sequence gap: seq 3 missing before this event"


def test_case_rows_that_do_not_match_their_chains(chains):
    """Chains that pass in the database but whose case rows record another head: the problem
    is worded from the case row, as the Python path words it."""
    with tampering(chains.app) as conn:
        for name, values in (
            ("D", {"chain_head": "e" * 64}),  # no events, but a head
            ("A", {"chain_head": ""}),
            ("C", {"last_event_seq": 4}),
        ):
            conn.execute(sa.update(CASES).where(CASES.c.id == chains.ids[name]).values(values))
    for name, status in (("A", sqlhash.CHECK_HEAD), ("B", sqlhash.OK), ("D", sqlhash.CHECK_HEAD)):
        found = database_check(chains.app, chains.ids[name])
        assert found is None or found.status == status
    result = both_paths(chains.app)
    assert result["bad_cases"] == 3 and result["first_bad"]["case_id"] == chains.ids["A"]
    for name, seq, problem in (
        ("A", 5, "the case's chain_head is not the hash of its last event"),
        ("C", 5, "the chain continues to seq 5"),
        ("D", 0, "the case's chain_head is not the hash of its last event"),
    ):
        single = both_paths(chains.app, lambda n=name: verify_case(chains.ids[n]))
        assert single["first_bad"]["seq"] == seq and problem in single["first_bad"]["problem"]
    # A chain that passes in full, of a case row that is gone.
    with tampering(chains.app) as conn:
        conn.execute(sa.delete(CASES).where(CASES.c.id == chains.ids["B"]))
    found = database_check(chains.app, chains.ids["B"])
    assert found is None or found.status == sqlhash.RECHECK
    result = both_paths(chains.app)
    assert (result["cases"], result["events"], result["bad_cases"]) == (3, 15, 4)
    single = both_paths(chains.app, lambda: verify_case(chains.ids["C"]))
    assert single["first_bad"]["seq"] == 5
    with chains.app.app_context(), verify._snapshot() as conn:
        unknown = verify._scan(conn, case_id=chains.ids["B"])
    assert unknown.first_bad["problem"].startswith("unknown case")
