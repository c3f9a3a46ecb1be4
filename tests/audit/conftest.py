"""Fixtures for the audit tests: cases with hash chains built directly with ``append_event``
(not through the workflow engine), and a way past the append-only triggers to tamper with them.
"""

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from caseflow.audit.chain import HASHED_FIELDS, append_event, compute_hash
from caseflow.extensions import db
from caseflow.models import Case, CaseEvent, Organisation, User

T0 = datetime(2026, 3, 2, 1, 30, 0, 250000, tzinfo=UTC)
EVENTS = CaseEvent.__table__
CASES = Case.__table__

STEPS = (
    # action, from_state, to_state, actor (username or None = system), comment, changes, details
    ("create", None, "draft", "school_clerk", None, {"amount": [None, "120000"]}, None),
    ("edit", "draft", "draft", "school_clerk", "修改申报金额", {"amount": ["120000", "98000"]},
     None),
    ("submit", "draft", "intake", "school_clerk", "材料齐全，请审核。", None, {"kind": "standard"}),
    ("recommend", "intake", "review", "chengdu_reviewer", "同意推荐。", None, {"task_id": 7}),
    ("return", "review", "supplement", None, None, None,
     {"items": ["补充师资情况", "补充场地证明"]}),
    ("resubmit", "supplement", "review", "school_clerk", "已补正。", None,
     {"nested": {"b": 2, "a": [1, True, None]}}),
)  # fmt: skip


def organisation() -> Organisation:
    return db.session.scalar(
        sa.select(Organisation).where(Organisation.kind == "school").order_by(Organisation.id)
    )


def user(username: str) -> User:
    return db.session.scalar(sa.select(User).where(User.username == username))


def build_case(reference: str, events: int = 5, *, start: datetime = T0, case_id=None) -> int:
    """Insert a case and append ``events`` events to its chain (inside an app context)."""
    org = organisation()
    case = Case(
        reference=reference,
        workflow="test",
        kind="k",
        state="draft",
        applicant_org_id=org.id,
        region_code=org.region_code,
    )
    if case_id is not None:
        case.id = case_id
    db.session.add(case)
    db.session.flush()
    for index in range(events):
        action, from_state, to_state, who, comment, changes, details = STEPS[index % len(STEPS)]
        append_event(
            case,
            action=action,
            occurred_at=start + timedelta(minutes=7 * index, microseconds=index),
            actor=user(who) if who else None,
            actor_role="applicant" if who == "school_clerk" else None,
            from_state=from_state,
            to_state=to_state,
            comment=comment,
            changes=changes,
            details=details,
            policy_version="permit-2026.1" if index % 2 else None,
        )
    db.session.commit()
    return case.id


@pytest.fixture
def chains(demo):
    """Cases A, B and C with five events each, and D without events (D was never started)."""
    with demo.app_context():
        refs = {
            "A": "SE-2026-510100-0001",
            "B": "SE-2026-510100-0002",
            "C": "SE-2026-510100-0003",
            "D": "SE-2026-510100-0004",
        }
        ids = {name: build_case(ref, 0 if name == "D" else 5) for name, ref in refs.items()}
        db.session.remove()
    return SimpleNamespace(app=demo, refs=refs, ids=ids, events=15, cases=4)


@contextmanager
def tampering(app):
    """A transaction past the append-only triggers, as someone with database access could.

    SQLite: the triggers are dropped (each test has its own copy of the database). PostgreSQL:
    ``session_replication_role = replica`` for this transaction only.
    """
    with app.app_context():
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
            else:
                conn.execute(sa.text("DROP TRIGGER IF EXISTS case_events_no_update"))
                conn.execute(sa.text("DROP TRIGGER IF EXISTS case_events_no_delete"))
            yield conn
        db.session.remove()


def event_rows(conn, case_id: int) -> list:
    return conn.execute(
        sa.select(EVENTS).where(EVENTS.c.case_id == case_id).order_by(EVENTS.c.seq)
    ).all()


def rehash_chain(conn, case_id: int, comment: str) -> None:
    """Rewrite a case's chain consistently: new comments, every hash recomputed, head updated."""
    prev = None
    rows = event_rows(conn, case_id)
    for row in rows:
        fields = {name: getattr(row, name) for name in HASHED_FIELDS}
        fields["comment"] = comment
        digest = compute_hash(prev, fields)
        conn.execute(
            sa.update(EVENTS)
            .where(EVENTS.c.id == row.id)
            .values(comment=comment, prev_hash=prev, hash=digest)
        )
        prev = digest
    conn.execute(
        sa.update(CASES)
        .where(CASES.c.id == case_id)
        .values(chain_head=prev, last_event_seq=rows[-1].seq)
    )
