"""Benchmark of the audit chain verification (``caseflow.audit.verify.verify_all``).

    .venv/bin/python bench/audit_verify.py [--events N] [--cases M] [--db sqlite|postgresql]

Builds the schema with the migrations in a throw-away database (a temporary SQLite file, or the
database ``caseflow_bench`` on the PostgreSQL server of ``CASEFLOW_TEST_PG_URL``, created and
dropped here), bulk-generates valid hash chains with Core inserts, then times:

* ``verify_all`` (events/s), end to end, with 1 worker and with ``--workers`` (default: automatic):
  on PostgreSQL first as it runs (events hashed and linked in the database, see
  ``caseflow.audit.sqlhash``), then with ``verify.DATABASE_HASHING = False`` (every event read and
  hashed in Python, the only path on SQLite), in the same run;
* a baseline in the same run: SHA-256 alone over the same canonical bytes, without the database;
* the Python canonical path alone (``chain.hash_stored_rows`` over in-memory column values);
* ``write_checkpoint`` and ``verify_checkpoint``.

It prints figures only; nothing is asserted about speed.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

PG_URL = os.environ.get("CASEFLOW_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PG_DATABASE = "caseflow_bench"

ACTIONS = (
    ("submit", "draft", "intake", "applicant"),
    ("recommend", "intake", "review", "city_reviewer"),
    ("send_to_panel", "review", "panel", "province_reviewer"),
    ("score", "panel", "panel", "expert"),
    ("approve", "board", "notice", "leader"),
    ("return", "review", "supplement", "province_reviewer"),
    ("edit", "draft", "draft", "applicant"),
    ("claim", "review", "review", "province_reviewer"),
)
COMMENTS = (
    "同意。",
    "材料齐全，符合申报条件，同意推荐。",
    "请补充近三年的培训计划和师资情况说明。",
    "经审核，该单位具备相应资质。",
    "Documents complete.",
)


def make_app(url: str):
    from caseflow import create_app
    from config import TestConfig

    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = url
    return create_app(config)


def prepare_database(kind: str, workdir: Path) -> str:
    """A migrated, empty database; returns its URL."""
    from flask_migrate import upgrade

    from caseflow.extensions import db

    if kind == "sqlite":
        url = f"sqlite:///{workdir / 'bench.db'}"
    else:
        admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{PG_DATABASE}"'))
        admin.dispose()
        url = sa.make_url(PG_URL).set(database=PG_DATABASE).render_as_string(hide_password=False)
    app = make_app(url)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url


def drop_database(kind: str) -> None:
    if kind != "postgresql":
        return
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)'))
    admin.dispose()


def generate(n_events: int, n_cases: int, actors: list[tuple], org_id: int, region: str, seed=7):
    """Valid chains for ``n_cases`` cases holding ``n_events`` events in all, interleaved in time.

    Returns (case rows, event rows in insertion order, blobs hashed by the baseline).
    """
    from caseflow.audit.chain import FORMAT_VERSION, GENESIS, canonical_content

    rng = random.Random(seed)
    n_cases = max(1, min(n_cases, n_events))
    # Every case gets one event, the rest go to random cases; the shuffled slots give the
    # global (time) order in which the events are appended.
    slots = list(range(1, n_cases + 1)) + [
        rng.randint(1, n_cases) for _ in range(n_events - n_cases)
    ]
    rng.shuffle(slots)
    seqs = [0] * (n_cases + 1)
    heads: list[str | None] = [None] * (n_cases + 1)
    start = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
    events, blobs = [], []
    for index, case_id in enumerate(slots):
        seq = seqs[case_id] + 1
        action, from_state, to_state, role = ACTIONS[rng.randrange(len(ACTIONS))]
        actor_id, actor_name, actor_org = actors[rng.randrange(len(actors))]
        system = rng.random() < 0.05
        changes = None
        if rng.random() < 0.4:
            amount = rng.randint(1, 900) * 1000
            changes = {"amount": [str(amount), str(amount + rng.randint(1, 99) * 100)]}
            if rng.random() < 0.3:
                changes["contact"] = [None, f"联系人{rng.randint(1, 500)}"]
        details = None
        roll = rng.random()
        if roll < 0.35:
            details = {"kind": "standard", "workflow": "test_permit"}
        elif roll < 0.65:
            details = {"task_id": index + 1, "outcome": action, "visit": seq}
        elif roll < 0.75:
            details = {"items": [f"补正事项{i}：请补充材料" for i in range(rng.randint(1, 3))]}
        fields = {
            "case_id": case_id,
            "seq": seq,
            "action": action,
            "from_state": None if seq == 1 else from_state,
            "to_state": to_state,
            "actor_id": None if system else actor_id,
            "actor_name": "system" if system else actor_name,
            "actor_role": None if system else role,
            "actor_org_id": None if system else actor_org,
            "occurred_at": start
            + timedelta(seconds=index * 37, microseconds=rng.randint(0, 999_999)),
            "comment": COMMENTS[rng.randrange(len(COMMENTS))] if rng.random() < 0.6 else None,
            "changes": changes,
            "details": details,
            "policy_version": "permit-2026.1" if rng.random() < 0.8 else None,
            "format_version": FORMAT_VERSION,
        }
        prev = heads[case_id]
        blob = (prev or GENESIS).encode("ascii") + b"\n" + canonical_content(fields)
        digest = hashlib.sha256(blob).hexdigest()
        fields["prev_hash"] = prev
        fields["hash"] = digest
        events.append(fields)
        blobs.append(blob)
        seqs[case_id] = seq
        heads[case_id] = digest
    cases = [
        {
            "id": case_id,
            "reference": f"BENCH-2026-{region}-{case_id:07d}",
            "workflow": "test",
            "kind": "k",
            "state": "draft",
            "version": 1,
            "applicant_org_id": org_id,
            "region_code": region,
            "data": {},
            "entered_seq": 0,
            "last_event_seq": seqs[case_id],
            "chain_head": heads[case_id],
            "created_at": start,
            "updated_at": start,
        }
        for case_id in range(1, n_cases + 1)
    ]
    return cases, events, blobs


def load(app, cases, events, chunk=5000) -> float:
    from caseflow.extensions import db
    from caseflow.models import Case, CaseEvent

    started = time.perf_counter()
    with app.app_context():
        with db.engine.begin() as conn:
            for i in range(0, len(cases), chunk):
                conn.execute(sa.insert(Case.__table__), cases[i : i + chunk])
            for i in range(0, len(events), chunk):
                conn.execute(sa.insert(CaseEvent.__table__), events[i : i + chunk])
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT setval('cases_id_seq', (SELECT max(id) FROM cases))"))
                conn.execute(sa.text("ANALYZE"))
        db.engine.dispose()
    return time.perf_counter() - started


def baseline(blobs) -> float:
    sha256 = hashlib.sha256
    started = time.perf_counter()
    for blob in blobs:
        sha256(blob).hexdigest()
    return time.perf_counter() - started


def fast_path_only(events) -> float:
    """``chain.hash_stored_rows`` over in-memory rows as SQLite returns them (no database)."""
    from caseflow.audit import chain

    rows = []
    for event in events:
        stored = {
            **event,
            "id": 0,
            "occurred_at": f"{event['occurred_at']:%Y-%m-%d %H:%M:%S.%f}",
            "changes": chain.canonical_json(event["changes"]),  # as the engines store it
            "details": chain.canonical_json(event["details"]),
        }
        rows.append(tuple(stored[name] for name in chain.STORED_ROW))
    chain._json_cache.clear()
    started = time.perf_counter()
    for i in range(0, len(rows), 10_000):
        chain.hash_stored_rows(rows[i : i + 10_000])
    return time.perf_counter() - started


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--repeat", type=int, default=3, help="runs of verify_all (best shown)")
    parser.add_argument(
        "--workers", type=int, default=0, help="parallel verify_all workers (0: automatic)"
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="caseflow-bench-") as tmp:
        url = prepare_database(args.db, Path(tmp))
        try:
            return run(args, url)
        finally:
            drop_database(args.db)


def time_verify(app, workers: int, repeat: int, *, in_database: bool = True):
    """The best of ``repeat`` runs of verify_all (the JSON cache emptied before each), with the
    events hashed in the database where it can (``in_database``), else in Python."""
    from caseflow.audit import chain, verify
    from caseflow.extensions import db

    best = None
    saved, verify.DATABASE_HASHING = verify.DATABASE_HASHING, in_database
    try:
        with app.app_context():
            for _ in range(max(1, repeat)):
                chain._json_cache.clear()
                result = verify.verify_all(workers=workers)
                if not result.ok:
                    raise SystemExit(f"verify_all FAILED: {result.first_bad}")
                if best is None or result.seconds < best.seconds:
                    best = result
                db.session.remove()
            db.engine.dispose()
    finally:
        verify.DATABASE_HASHING = saved
    return best


def run(args, url: str) -> int:
    from caseflow.audit import sqlhash, verify
    from caseflow.audit.checkpoint import verify_checkpoint, write_checkpoint
    from caseflow.audit.verify import auto_workers
    from caseflow.demo import seed_demo
    from caseflow.extensions import db
    from caseflow.models import Organisation, User

    app = make_app(url)
    with app.app_context():
        seed_demo()
        db.session.commit()
        users = db.session.scalars(sa.select(User).order_by(User.id)).all()
        actors = [(u.id, u.display_name, u.organisation_id) for u in users]
        org = db.session.scalars(sa.select(Organisation).order_by(Organisation.id)).first()
        org_id, region = org.id, org.region_code
        db.session.remove()
        db.engine.dispose()

    started = time.perf_counter()
    cases, events, blobs = generate(args.events, args.cases, actors, org_id, region)
    generated = time.perf_counter() - started
    loaded = load(app, cases, events)
    n = len(events)
    print(f"database: {args.db} ({sa.make_url(url).render_as_string(hide_password=True)})")
    print(f"data: {n:,} events over {len(cases):,} cases, {os.cpu_count()} CPUs")
    print(f"  generated in {generated:.1f} s, inserted in {loaded:.1f} s")

    base = baseline(blobs)
    fast = fast_path_only(events)
    del blobs, events

    with app.app_context():
        cp_started = time.perf_counter()
        checkpoint = write_checkpoint()
        cp_time = time.perf_counter() - cp_started
        vc_started = time.perf_counter()
        cp_ok, cp_problem = verify_checkpoint(checkpoint)
        vc_time = time.perf_counter() - vc_started
        workers = args.workers or auto_workers()
        with verify._snapshot() as conn:
            in_database = sqlhash.supported(conn)
            parallel = (
                conn.exec_driver_sql("SHOW max_parallel_workers_per_gather").scalar()
                if in_database
                else None
            )
        db.session.remove()
    if in_database:
        print(f"hashing: in PostgreSQL (max_parallel_workers_per_gather = {parallel})")
    else:
        print("hashing: in Python (the database cannot)")

    runs = []
    for hashing_in_database in (True, False) if in_database else (False,):
        for count in (1, workers) if workers > 1 else (1,):
            result = time_verify(app, count, args.repeat, in_database=hashing_in_database)
            runs.append(("database" if hashing_in_database else "Python", count, result))

    base_rate = n / base
    fast_rate = n / fast
    for where, count, result in runs:
        rate = result.events_per_second
        print(
            f"verify_all, {count} worker(s), hashing in {where}: {rate:>10,.0f} events/s  "
            f"({result.seconds:.3f} s, best of {args.repeat}; {result.events:,} events, "
            f"{result.cases:,} cases, 1 checkpoint, ok={result.ok}; "
            f"verify/baseline {rate / base_rate:.3f})"
        )
    print(
        f"baseline SHA-256:     {base_rate:>10,.0f} events/s  ({base:.3f} s, the same canonical "
        "bytes, no database, no decoding)"
    )
    print(
        f"Python path, no DB:   {fast_rate:>10,.0f} events/s  ({fast:.3f} s, "
        "chain.hash_stored_rows over in-memory rows: canonical form + SHA-256)"
    )
    print(
        f"write_checkpoint:     {cp_time * 1000:>10.1f} ms  "
        f"(id {checkpoint.id}, global_seq {checkpoint.global_seq:,}, "
        f"{checkpoint.case_count:,} cases)"
    )
    print(
        f"verify_checkpoint:    {vc_time * 1000:>10.1f} ms  (ok={cp_ok}"
        + (f", {cp_problem})" if cp_problem else ")")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
