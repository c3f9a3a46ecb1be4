"""Checkpoints: keyed digests over the chain heads, in the database and exported."""

import hashlib
import hmac
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from caseflow.audit.chain import append_event
from caseflow.audit.checkpoint import (
    canonical_text,
    checkpoint_fields,
    export_checkpoint,
    head_lines,
    heads_digest,
    parse_exported,
    verify_checkpoint,
    write_checkpoint,
)
from caseflow.audit.verify import verify_all
from caseflow.extensions import db
from caseflow.models import AuditCheckpoint, Case, CaseEvent
from tests.audit.conftest import CASES, EVENTS, build_case, event_rows, rehash_chain, tampering

CHECKPOINTS = AuditCheckpoint.__table__
NOW = datetime(2026, 3, 3, 8, 0, 0, 123456, tzinfo=UTC)


def write(app, now=NOW) -> tuple[AuditCheckpoint, str]:
    with app.app_context():
        cp = write_checkpoint(now=now)
        text = export_checkpoint(cp)
        db.session.remove()
    return cp, text


def check(app, cp_or_text) -> tuple[bool, str | None]:
    with app.app_context():
        if isinstance(cp_or_text, int):
            cp_or_text = db.session.get(AuditCheckpoint, cp_or_text)
        result = verify_checkpoint(cp_or_text)
        db.session.remove()
    return result


def test_checkpoint_covers_the_heads(chains):
    cp, text = write(chains.app)
    with chains.app.app_context():
        heads = db.session.execute(
            sa.select(CaseEvent.case_id, CaseEvent.seq, CaseEvent.hash).where(CaseEvent.seq == 5)
        ).all()
    assert cp.global_seq == chains.events and cp.case_count == 3
    assert (
        cp.heads_digest
        == hashlib.sha256(
            "".join(sorted(f"{c}:{s}:{h}\n" for c, s, h in heads)).encode()
        ).hexdigest()
    )
    assert cp.heads_digest == heads_digest(f"{c}:{s}:{h}" for c, s, h in heads)
    key = chains.app.config["AUDIT_KEY"].encode()
    message = canonical_text(
        format_version=1,
        created_at="2026-03-03T08:00:00.123456Z",
        global_seq=cp.global_seq,
        case_count=3,
        heads_digest=cp.heads_digest,
    )
    assert cp.mac == hmac.new(key, message.encode(), hashlib.sha256).hexdigest()
    assert chains.app.config["AUDIT_KEY"] not in text
    fields = parse_exported(text)
    assert fields["mac"] == cp.mac and fields["global_seq"] == cp.global_seq
    assert check(chains.app, cp.id) == (True, None)
    assert check(chains.app, text) == (True, None)


def test_checkpoint_of_an_empty_trail(app):
    cp, text = write(app)
    assert (cp.global_seq, cp.case_count) == (0, 0)
    assert cp.heads_digest == hashlib.sha256(b"").hexdigest()
    assert check(app, text) == (True, None)
    assert verify_all_ok(app)


def verify_all_ok(app) -> bool:
    with app.app_context():
        return verify_all().ok


def test_heads_are_taken_as_of_global_seq(chains):
    cp, text = write(chains.app)
    with chains.app.app_context():
        build_case("SE-2026-510100-0005", 2)
        case = db.session.get(Case, chains.ids["A"])
        append_event(case, action="note", occurred_at=NOW, comment="之后的事件")
        db.session.commit()
        db.session.remove()
    assert check(chains.app, text) == (True, None)
    assert check(chains.app, cp.id) == (True, None)
    assert verify_all_ok(chains.app)


def test_forged_checkpoint_row_fails_its_mac(chains):
    cp, _text = write(chains.app)
    # Someone rewrites a chain and recomputes the checkpoint's digest, without the key.
    with tampering(chains.app) as conn:
        rehash_chain(conn, chains.ids["B"], comment="同意。")
    with chains.app.app_context():
        lines = head_lines(db.session.connection(), cp.global_seq)
        db.session.execute(
            sa.update(CHECKPOINTS)
            .where(CHECKPOINTS.c.id == cp.id)
            .values(heads_digest=heads_digest(lines))
        )
        db.session.commit()
        db.session.remove()
    ok, problem = check(chains.app, cp.id)
    assert not ok and "MAC" in problem
    with chains.app.app_context():
        result = verify_all()
    assert not result.ok and "MAC" in result.first_bad["problem"]
    assert result.first_bad["checkpoint"] == cp.id


def test_checkpoint_with_another_key_fails(chains):
    _cp, text = write(chains.app)
    chains.app.config["AUDIT_KEY"] = "another-key-0123456789abcdef0123456789"
    ok, problem = check(chains.app, text)
    assert not ok and "MAC" in problem and "AUDIT_KEY" in problem
    assert not verify_all_ok(chains.app)


def test_swapped_checkpoints_fail(chains):
    first, _ = write(chains.app)
    with chains.app.app_context():
        build_case("SE-2026-510100-0005", 2)
        db.session.remove()
    second, _ = write(chains.app, now=NOW.replace(hour=9))
    assert check(chains.app, first.id) == (True, None)
    # Swap the digests (and MACs) of the two rows: each MAC covers its own row's other fields.
    with chains.app.app_context():
        for cp, other in ((first, second), (second, first)):
            db.session.execute(
                sa.update(CHECKPOINTS)
                .where(CHECKPOINTS.c.id == cp.id)
                .values(heads_digest=other.heads_digest, mac=other.mac)
            )
        db.session.commit()
        db.session.remove()
    for cp in (first, second):
        ok, problem = check(chains.app, cp.id)
        assert not ok and "MAC" in problem
    with chains.app.app_context():
        latest = verify_all()
        everything = verify_all(all_checkpoints=True)
    assert not latest.ok and latest.first_bad["checkpoint"] == second.id
    assert latest.checkpoints == 1 and everything.checkpoints == 2
    assert {p["checkpoint"] for p in everything.checkpoint_problems} == {first.id, second.id}


def test_exported_checkpoint_then_database_changed(chains):
    cp, text = write(chains.app)
    # The row in the database is made to match a tampered trail; the exported copy is not.
    with tampering(chains.app) as conn:
        rows = event_rows(conn, chains.ids["C"])
        conn.execute(
            sa.delete(EVENTS).where(EVENTS.c.case_id == chains.ids["C"], EVENTS.c.seq >= 4)
        )
        conn.execute(
            sa.update(CASES)
            .where(CASES.c.id == chains.ids["C"])
            .values(last_event_seq=3, chain_head=rows[2].hash)
        )
    ok, problem = check(chains.app, text)
    assert not ok and problem.startswith("checkpoint mismatch")
    assert "events were deleted" in problem  # C's last event had the highest id
    ok, problem = check(chains.app, cp.id)
    assert not ok


def test_exported_checkpoint_and_altered_row(chains):
    cp, text = write(chains.app)
    with chains.app.app_context():
        db.session.execute(
            sa.update(CHECKPOINTS).where(CHECKPOINTS.c.id == cp.id).values(mac="0" * 64)
        )
        db.session.commit()
        db.session.remove()
    ok, problem = check(chains.app, text)
    assert not ok and "differs from the exported copy" in problem
    with chains.app.app_context():
        db.session.execute(sa.delete(CHECKPOINTS))
        db.session.commit()
        db.session.remove()
    ok, problem = check(chains.app, text)
    assert not ok and "not in the database" in problem


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda t: t.replace("global_seq: 15", "global_seq: 14"), "MAC"),
        (lambda t: t.replace("case_count: 3", "case_count: 4"), "MAC"),
        (lambda t: "\n".join(x for x in t.splitlines() if not x.startswith("mac")), "missing mac"),
        (lambda t: t.replace("format: caseflow-audit-checkpoint", "format: other"), "format"),
        (lambda t: t.replace("global_seq: 15", "global_seq: many"), "not a checkpoint file"),
        (lambda t: "hello", "not a checkpoint file"),
    ],
)
def test_edited_export_is_refused(chains, edit, expected):
    _cp, text = write(chains.app)
    ok, problem = check(chains.app, edit(text))
    assert not ok and expected in problem


def test_checkpoint_fields_round_trip(chains):
    cp, text = write(chains.app)
    with chains.app.app_context():
        row = db.session.get(AuditCheckpoint, cp.id)
        assert checkpoint_fields(row) == parse_exported(text)
