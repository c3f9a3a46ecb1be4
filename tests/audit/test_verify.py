"""Tampering with the audit trail is detected, and the first bad event is named."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from caseflow.audit.chain import HASHED_FIELDS, compute_hash
from caseflow.audit.checkpoint import write_checkpoint
from caseflow.audit.verify import CaseNotFound, VerifyResult, auto_workers, verify_all, verify_case
from caseflow.extensions import db
from tests.audit.conftest import CASES, EVENTS, T0, build_case, event_rows, rehash_chain, tampering


def verify(app, **kwargs) -> VerifyResult:
    with app.app_context():
        result = verify_all(**kwargs)
        db.session.remove()
    return result


def assert_first_bad(result: VerifyResult, chains, name: str, seq: int, problem: str):
    assert not result.ok
    assert result.first_bad == {
        "case": chains.refs[name],
        "case_id": chains.ids[name],
        "seq": seq,
        "problem": result.first_bad["problem"],
    }
    assert result.first_bad["problem"].startswith(problem), result.first_bad["problem"]


def test_untouched_trail_verifies(chains):
    result = verify(chains.app)
    assert result.ok and result.first_bad is None
    assert (result.events, result.cases, result.bad_cases) == (chains.events, chains.cases, 0)
    assert result.checkpoints == 0
    data = result.as_dict()
    assert data["ok"] is True and data["events"] == chains.events
    assert data["events_per_second"] >= 0
    with chains.app.app_context():
        for name in "ABCD":
            by_reference = verify_case(chains.refs[name])
            assert by_reference.ok and by_reference.cases == 1
            assert by_reference.events == (0 if name == "D" else 5)
            assert verify_case(chains.ids[name]).ok
            assert verify_case(str(chains.ids[name])).ok
        with pytest.raises(CaseNotFound):
            verify_case("SE-2026-510100-9999")


def test_empty_database_verifies(app):
    result = verify(app)
    assert result.ok and (result.events, result.cases) == (0, 0)


def test_edited_content_is_a_hash_mismatch(chains):
    with tampering(chains.app) as conn:
        conn.execute(
            sa.update(EVENTS)
            .where(EVENTS.c.case_id == chains.ids["B"], EVENTS.c.seq == 3)
            .values(comment="材料不齐全")
        )
    result = verify(chains.app)
    assert_first_bad(result, chains, "B", 3, "hash mismatch")
    assert result.bad_cases == 1 and result.events == chains.events
    with chains.app.app_context():
        assert verify_case(chains.refs["A"]).ok
        single = verify_case(chains.refs["B"])
        assert not single.ok and single.first_bad == result.first_bad


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("details", {"task_id": 8}),
        ("changes", {"amount": ["1", "2"]}),
        ("actor_id", None),
        ("occurred_at", "shift"),
        ("action", "approve"),
        ("seq_only", None),
    ],
)
def test_every_hashed_column_is_covered(chains, column, value):
    case_id = chains.ids["B"]
    with tampering(chains.app) as conn:
        where = (EVENTS.c.case_id == case_id, EVENTS.c.seq == 4)
        if column == "occurred_at":
            (row,) = [r for r in event_rows(conn, case_id) if r.seq == 4]
            conn.execute(
                sa.update(EVENTS)
                .where(*where)
                .values(occurred_at=row.occurred_at + timedelta(microseconds=1))
            )
        elif column == "seq_only":  # move the last event one seq up, and the case head with it
            conn.execute(sa.update(EVENTS).where(EVENTS.c.case_id == case_id,
                                                 EVENTS.c.seq == 5).values(seq=6))  # fmt: skip
            conn.execute(sa.update(CASES).where(CASES.c.id == case_id).values(last_event_seq=6))
        else:
            conn.execute(sa.update(EVENTS).where(*where).values({column: value}))
    result = verify(chains.app)
    if column == "seq_only":
        assert_first_bad(result, chains, "B", 6, "sequence gap")
    else:
        assert_first_bad(result, chains, "B", 4, "hash mismatch")


def test_float_smuggled_into_the_table_is_not_canonical(chains):
    with tampering(chains.app) as conn:
        conn.execute(sa.text(
            "UPDATE case_events SET details = '{\"score\": 85.5}' WHERE case_id = :case AND seq = 2"
        ).bindparams(case=chains.ids["C"]))  # fmt: skip
    result = verify(chains.app)
    assert_first_bad(result, chains, "C", 2, "not canonical")
    assert "float" in result.first_bad["problem"]


def test_first_bad_is_the_lowest_case_then_lowest_seq(chains):
    with tampering(chains.app) as conn:
        for name, seq in (("C", 1), ("B", 5), ("B", 2)):
            conn.execute(
                sa.update(EVENTS)
                .where(EVENTS.c.case_id == chains.ids[name], EVENTS.c.seq == seq)
                .values(actor_name="someone else")
            )
    result = verify(chains.app)
    assert_first_bad(result, chains, "B", 2, "hash mismatch")
    assert result.bad_cases == 2


def test_deleted_event_is_a_sequence_gap(chains):
    with tampering(chains.app) as conn:
        conn.execute(
            sa.delete(EVENTS).where(EVENTS.c.case_id == chains.ids["B"], EVENTS.c.seq == 3)
        )
    result = verify(chains.app)
    assert_first_bad(result, chains, "B", 4, "sequence gap")
    assert "seq 3 missing" in result.first_bad["problem"]
    assert result.events == chains.events - 1


def test_deleted_first_event_is_a_sequence_gap(chains):
    with tampering(chains.app) as conn:
        conn.execute(
            sa.delete(EVENTS).where(EVENTS.c.case_id == chains.ids["A"], EVENTS.c.seq <= 2)
        )
    result = verify(chains.app)
    assert_first_bad(result, chains, "A", 3, "sequence gap")
    assert "seq 1 to 2 missing" in result.first_bad["problem"]


def test_inserted_event_is_a_broken_link(chains):
    """A forged event with a valid hash slid in at seq 3; the later events renumbered and the
    case head moved on, as a careful forger would."""
    case_id = chains.ids["B"]
    with tampering(chains.app) as conn:
        rows = event_rows(conn, case_id)
        conn.execute(
            sa.update(EVENTS)
            .where(EVENTS.c.case_id == case_id, EVENTS.c.seq >= 3)
            .values(seq=EVENTS.c.seq + 100)
        )
        conn.execute(
            sa.update(EVENTS)
            .where(EVENTS.c.case_id == case_id, EVENTS.c.seq >= 100)
            .values(seq=EVENTS.c.seq - 99)
        )
        fields = {name: getattr(rows[1], name) for name in HASHED_FIELDS}
        fields.update(seq=3, action="approve", comment="同意。", occurred_at=T0 + timedelta(1))
        forged_hash = compute_hash(rows[1].hash, fields)
        conn.execute(sa.insert(EVENTS).values(**fields, prev_hash=rows[1].hash, hash=forged_hash))
        conn.execute(sa.update(CASES).where(CASES.c.id == case_id).values(last_event_seq=6))
    result = verify(chains.app)
    assert_first_bad(result, chains, "B", 4, "broken link")
    assert result.events == chains.events + 1


def test_appended_event_without_head_is_detected(chains):
    """An event added at the end of a chain without moving the case head."""
    case_id = chains.ids["A"]
    with tampering(chains.app) as conn:
        last = event_rows(conn, case_id)[-1]
        fields = {name: getattr(last, name) for name in HASHED_FIELDS}
        fields.update(seq=6, action="approve")
        conn.execute(
            sa.insert(EVENTS).values(
                **fields, prev_hash=last.hash, hash=compute_hash(last.hash, fields)
            )
        )
    result = verify(chains.app)
    assert_first_bad(result, chains, "A", 6, "chain head mismatch")


def test_reordered_events_are_a_broken_link(chains):
    case_id = chains.ids["B"]
    with tampering(chains.app) as conn:
        case = EVENTS.c.case_id == case_id
        conn.execute(sa.update(EVENTS).where(case, EVENTS.c.seq == 2).values(seq=-2))
        conn.execute(sa.update(EVENTS).where(case, EVENTS.c.seq == 3).values(seq=2))
        conn.execute(sa.update(EVENTS).where(case, EVENTS.c.seq == -2).values(seq=3))
    result = verify(chains.app)
    assert_first_bad(result, chains, "B", 2, "broken link")


def test_truncated_tail_is_a_head_mismatch(chains):
    with tampering(chains.app) as conn:
        conn.execute(
            sa.delete(EVENTS).where(EVENTS.c.case_id == chains.ids["B"], EVENTS.c.seq >= 4)
        )
    result = verify(chains.app)
    assert_first_bad(result, chains, "B", 4, "chain head mismatch")
    assert "seq 5" in result.first_bad["problem"]


def test_whole_chain_deleted_is_a_head_mismatch(chains):
    with tampering(chains.app) as conn:
        conn.execute(sa.delete(EVENTS).where(EVENTS.c.case_id == chains.ids["C"]))
    result = verify(chains.app)
    assert_first_bad(result, chains, "C", 1, "chain head mismatch")
    assert result.cases == chains.cases


def test_changed_case_head_is_detected(chains):
    with tampering(chains.app) as conn:
        conn.execute(
            sa.update(CASES).where(CASES.c.id == chains.ids["A"]).values(chain_head="f" * 64)
        )
    result = verify(chains.app)
    assert_first_bad(result, chains, "A", 5, "chain head mismatch")


def test_consistent_rewrite_is_caught_only_by_the_checkpoint(chains):
    with chains.app.app_context():
        checkpoint = write_checkpoint()
        db.session.remove()
    with tampering(chains.app) as conn:
        rehash_chain(conn, chains.ids["B"], comment="同意。")
    with chains.app.app_context():
        assert verify_case(chains.refs["B"]).ok  # the chain alone looks fine …
    result = verify(chains.app)
    assert not result.ok  # … but not against the checkpoint
    assert result.first_bad["case"] is None and result.first_bad["seq"] is None
    assert result.first_bad["checkpoint"] == checkpoint.id
    assert result.first_bad["problem"].startswith("checkpoint mismatch")
    assert "chain heads differ" in result.first_bad["problem"]
    assert result.checkpoints == 1 and result.bad_cases == 0


def test_truncation_with_head_moved_back_is_caught_by_the_checkpoint(chains):
    case_id = chains.ids["A"]
    with chains.app.app_context():
        write_checkpoint()
        db.session.remove()
    with tampering(chains.app) as conn:
        rows = event_rows(conn, case_id)
        conn.execute(sa.delete(EVENTS).where(EVENTS.c.case_id == case_id, EVENTS.c.seq == 5))
        conn.execute(
            sa.update(CASES)
            .where(CASES.c.id == case_id)
            .values(last_event_seq=4, chain_head=rows[3].hash)
        )
    with chains.app.app_context():
        assert verify_case(case_id).ok
    result = verify(chains.app)
    assert not result.ok and result.first_bad["problem"].startswith("checkpoint mismatch")


def test_events_after_the_checkpoint_are_fine(chains):
    with chains.app.app_context():
        write_checkpoint()
        build_case("SE-2026-510100-0005", 3)
        db.session.remove()
    result = verify(chains.app)
    assert result.ok, result.first_bad
    assert (result.events, result.cases, result.checkpoints) == (18, 5, 1)


def test_parallel_workers_find_the_same(chains):
    with chains.app.app_context():
        for number in range(5, 12):
            build_case(f"SE-2026-510100-{number:04d}", number % 4 + 1)
        write_checkpoint()
        db.session.remove()
    serial, parallel = verify(chains.app), verify(chains.app, workers=2)
    assert serial.ok and parallel.ok and parallel.workers == 2 and serial.workers == 1
    assert (parallel.events, parallel.cases) == (serial.events, serial.cases)
    with tampering(chains.app) as conn:
        for name in ("C", "B"):
            conn.execute(
                sa.update(EVENTS)
                .where(EVENTS.c.case_id == chains.ids[name], EVENTS.c.seq == 5)
                .values(comment="改")
            )
    serial, parallel = verify(chains.app), verify(chains.app, workers=2)
    assert not parallel.ok and parallel.first_bad == serial.first_bad
    assert parallel.first_bad["case"] == chains.refs["B"]
    assert parallel.bad_cases == serial.bad_cases == 2
    # A consistent rewrite in the second part is caught through the merged checkpoint heads.
    with tampering(chains.app) as conn:
        last_case = conn.scalar(sa.select(sa.func.max(CASES.c.id)))
        rehash_chain(conn, last_case, comment="改")
        for name in ("C", "B"):
            rehash_chain(conn, chains.ids[name], comment="改")
    serial, parallel = verify(chains.app), verify(chains.app, workers=2)
    assert not parallel.ok and parallel.first_bad == serial.first_bad
    assert parallel.first_bad["problem"].startswith("checkpoint mismatch")


def test_auto_workers_is_one_for_a_small_database(chains):
    with chains.app.app_context():
        assert auto_workers() == 1
