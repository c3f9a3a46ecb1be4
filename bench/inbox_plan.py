"""Query plans and timings of the reviewer inbox (``caseflow.review.queries``) on a large database.

    .venv/bin/python bench/inbox_plan.py [--cases N] [--repeat K] [--keep]

Creates the PostgreSQL database ``caseflow_inbox_bench`` on the server of ``CASEFLOW_TEST_PG_URL``
(dropped at the end unless ``--keep``), builds the schema with the migrations, seeds the demo
users plus reviewers for every city, and bulk-loads N synthetic cases (default 200,000) with
their task history through COPY: about 85 % closed, the rest open at every kind of stage, the
single tasks of the open ones partly claimed, due dates around today so some are overdue.

Then, for a city reviewer (chengdu_reviewer) and a province reviewer (province_reviewer), it
prints for every tab the page query (25 rows) and the one-statement tab counts: the
``EXPLAIN (ANALYZE, BUFFERS)`` summary (plan nodes, rows, buffers, seq scans and sorts worth a
look), the median time, and a baseline measured in the same run — the same statement with index
and bitmap scans disabled — with the ratio. Last, the whole ``GET /review/inbox`` request.
Figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

PG_URL = os.environ.get("CASEFLOW_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PG_DATABASE = "caseflow_inbox_bench"
CHUNK = 20_000
BASELINE = ("SET enable_indexscan = off", "SET enable_bitmapscan = off",
            "SET enable_indexonlyscan = off")  # fmt: skip
INDEXED = ("RESET enable_indexscan", "RESET enable_bitmapscan", "RESET enable_indexonlyscan")


def make_app(url: str):
    from caseflow import create_app
    from config import TestConfig

    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = url
    config.SAMPLE_WORKFLOW = True
    return create_app(config)


def admin_execute(*statements: str) -> None:
    engine = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        for statement in statements:
            conn.execute(sa.text(statement))
    engine.dispose()


def prepare_database() -> str:
    from flask_migrate import upgrade

    from caseflow.extensions import db

    admin_execute(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)',
                  f'CREATE DATABASE "{PG_DATABASE}"')  # fmt: skip
    url = sa.make_url(PG_URL).set(database=PG_DATABASE).render_as_string(hide_password=False)
    app = make_app(url)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url


# ---------------------------------------------------------------------------------------------
# People and organisations


def seed_people(app, rng: random.Random) -> dict:
    """Demo users, a reviewer bureau with reviewers in every city, experts and applicants.

    Returns the pools the generator draws from: applicant organisations by city, city
    reviewers and finance reviewers by city, province reviewers, experts, leaders."""
    from caseflow.accounts import create_organisation, create_user
    from caseflow.demo import DEMO_PASSWORD, code, seed_demo
    from caseflow.extensions import db
    from caseflow.models import Organisation, Region, User

    with app.app_context():
        seed_demo()
        cities = db.session.scalars(
            sa.select(Region.code).where(Region.level == "city").order_by(Region.code)
        ).all()
        serial = 800_000_000
        orgs: dict[str, list[int]] = {c: [] for c in cities}
        city_reviewers: dict[str, list[int]] = {c: [] for c in cities}
        finance: dict[str, list[int]] = {c: [] for c in cities}
        for city in cities:
            serial += 1
            credit = code("11", city, str(serial))
            bureau = create_organisation(name=f"{city} 人社局", kind="department",
                                         region_code=city, credit_code=credit)  # fmt: skip
            for n in range(3):
                create_user(username=f"city_{city}_{n}", org=bureau, password=DEMO_PASSWORD,
                            role_specs=["city_reviewer"], must_change=False)  # fmt: skip
            create_user(username=f"finance_{city}", org=bureau, password=DEMO_PASSWORD,
                        role_specs=["finance_reviewer"], must_change=False)  # fmt: skip
            for n in range(60 if city == "510100" else 20):
                serial += 1
                org = create_organisation(name=f"{city} 申报单位 {n}", kind="enterprise",
                                          region_code=city,
                                          credit_code=code("91", city, str(serial)))  # fmt: skip
                orgs[city].append(org.id)
        hrss = db.session.scalar(
            sa.select(Organisation).where(Organisation.region_code == "510000")
        )
        for n in range(6):
            create_user(username=f"province_{n}", org=hrss, password=DEMO_PASSWORD,
                        role_specs=["province_reviewer"], must_change=False)  # fmt: skip
        for n in range(30):
            create_user(username=f"expert_{n}", org=hrss, password=DEMO_PASSWORD,
                        role_specs=["expert"], must_change=False)  # fmt: skip
        db.session.commit()
        province, experts, leaders = [], [], []
        for user in db.session.scalars(sa.select(User)):
            for a in user.roles:
                if a.role == "city_reviewer":
                    city_reviewers[a.region_code].append(user.id)
                elif a.role == "finance_reviewer" and a.scope_kind == "region":
                    finance[a.region_code].append(user.id)
                elif a.role == "province_reviewer":
                    province.append(user.id)
                elif a.role == "expert":
                    experts.append(user.id)
                elif a.role == "leader":
                    leaders.append(user.id)
        db.session.remove()
        db.engine.dispose()
    weights = [30 if c == "510100" else 3 for c in cities]
    return {"cities": cities, "weights": weights, "orgs": orgs, "city": city_reviewers,
            "finance": finance, "province": province, "experts": experts,
            "leaders": leaders}  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Cases and tasks

PATH = ("intake", "review", "panel", "board", "notice", "finance")
OPEN_STATES = (("draft", 5), ("intake", 30), ("supplement", 8), ("review", 25), ("panel", 12),
               ("board", 6), ("notice", 6), ("finance", 8))  # fmt: skip
CLOSED_STATES = (("approved", 60), ("rejected", 20), ("withdrawn", 12), ("lapsed", 8))
CASE_COLUMNS = ("id", "reference", "workflow", "kind", "state", "version", "applicant_org_id",
                "region_code", "data", "entered_seq", "last_event_seq", "created_at",
                "updated_at", "closed_at")  # fmt: skip
TASK_COLUMNS = ("case_id", "stage", "kind", "visit", "mode", "role", "region_code",
                "assignee_id", "claimed_by_id", "claimed_at", "status", "position",
                "opened_at", "due_on", "due_provisional", "completed_at", "completed_by_id",
                "outcome")  # fmt: skip


def _pick(rng, table):
    return rng.choices([k for k, _ in table], [w for _, w in table])[0]


def generate(first_id: int, count: int, pools: dict, now: datetime, rng: random.Random):
    """Rows for cases ``first_id .. first_id + count - 1`` and their tasks."""
    cases, tasks = [], []
    for case_id in range(first_id, first_id + count):
        city = rng.choices(pools["cities"], pools["weights"])[0]
        open_case = rng.random() < 0.15
        state = _pick(rng, OPEN_STATES) if open_case else _pick(rng, CLOSED_STATES)
        age = rng.uniform(0, 25) if open_case else rng.uniform(25, 3 * 365)
        created = now - timedelta(days=age)
        if open_case:
            stages = [] if state in ("draft", "supplement") else list(PATH[: PATH.index(state)])
            if state == "supplement":
                stages = ["intake"]
        else:
            stages = list(PATH[: rng.randint(0, len(PATH))])
        when, visit = created, 1
        for stage in stages:
            visit += 1
            when = when + timedelta(hours=rng.uniform(2, 72))
            tasks += _tasks(case_id, stage, visit, city, pools, when, rng, done=True)
        if open_case and state in PATH:
            visit += 1
            opened = now - timedelta(days=rng.uniform(0, 12))
            tasks += _tasks(case_id, state, visit, city, pools, opened, rng, done=False)
        cases.append((case_id, f"TP-{created.year}-{city}-{case_id:07d}", "test_permit",
                      "standard", state, 1, rng.choice(pools["orgs"][city]), city, "{}", visit,
                      visit, created, max(when, created),
                      None if open_case else when + timedelta(hours=1)))  # fmt: skip
    return cases, tasks


def _tasks(case_id, stage, visit, city, pools, opened, rng, *, done):
    if stage == "notice":
        if done or rng.random() > 0.2:
            return []
        # An objection (异议) filed during the public notice.
        return [_row(case_id, stage, visit, "single", "province_reviewer", "510000", None,
                     None, opened, rng, done, kind="objection")]  # fmt: skip
    if stage in ("intake", "review", "finance"):
        role, region, people = {
            "intake": ("city_reviewer", city, pools["city"][city]),
            "review": ("province_reviewer", "510000", pools["province"]),
            "finance": ("finance_reviewer", city, pools["finance"][city]),
        }[stage]
        claimed = rng.choice(people) if done or rng.random() < 0.35 else None
        return [_row(case_id, stage, visit, "single", role, region, None, claimed, opened,
                     rng, done)]  # fmt: skip
    if stage == "panel":
        experts = rng.sample(pools["experts"], 3)
        return [_row(case_id, stage, visit, "all", "expert", city, e, None, opened, rng, done)
                for e in experts]  # fmt: skip
    leader = rng.choice(pools["leaders"])
    return [_row(case_id, stage, visit, "any", "leader", city, leader, None, opened, rng, done)]


def _row(case_id, stage, visit, mode, role, region, assignee, claimed, opened, rng, done,
         kind="stage"):  # fmt: skip
    due = (opened + timedelta(days=rng.randint(5, 14))).date()
    holder = assignee or claimed
    completed = opened + timedelta(hours=rng.uniform(1, 200)) if done else None
    return (case_id, stage, kind, visit, mode, role, region, assignee, claimed,
            opened if claimed else None, "done" if done else "open", 0, opened, due, False,
            completed, holder if done else None, "recommend" if done else None)  # fmt: skip


def load(url: str, n_cases: int, pools: dict, seed: int) -> tuple[int, float]:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    engine = sa.create_engine(url)
    started = time.perf_counter()
    n_tasks = 0
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        for first in range(1, n_cases + 1, CHUNK):
            cases, tasks = generate(first, min(CHUNK, n_cases - first + 1), pools, now, rng)
            with cur.copy(f"COPY cases ({', '.join(CASE_COLUMNS)}) FROM STDIN") as copy:
                for row in cases:
                    copy.write_row(row)
            with cur.copy(f"COPY tasks ({', '.join(TASK_COLUMNS)}) FROM STDIN") as copy:
                for row in tasks:
                    copy.write_row(row)
            n_tasks += len(tasks)
        cur.execute("SELECT setval('cases_id_seq', (SELECT max(id) FROM cases))")
        raw.commit()
    finally:
        raw.close()
    engine.dispose()
    vacuum = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with vacuum.connect() as conn:
        conn.execute(sa.text("VACUUM ANALYZE cases"))
        conn.execute(sa.text("VACUUM ANALYZE tasks"))
    vacuum.dispose()
    return n_tasks, time.perf_counter() - started


# ---------------------------------------------------------------------------------------------
# Plans and timings


def plan_summary(plan: dict) -> tuple[str, list[str], dict]:
    """(the node chain, warnings about seq scans and big sorts, top-level buffer counts)."""
    nodes, warnings = [], []

    def walk(node, depth):
        kind = node["Node Type"]
        rows = node.get("Actual Rows", 0) * node.get("Actual Loops", 1)
        where = node.get("Index Name") or node.get("Relation Name") or ""
        nodes.append(f"{kind}{' ' + where if where else ''} ({rows:,.0f})")
        if kind == "Seq Scan" and node.get("Relation Name") in ("tasks", "cases"):
            removed = node.get("Rows Removed by Filter", 0) * node.get("Actual Loops", 1)
            warnings.append(f"seq scan on {node['Relation Name']}: {rows + removed:,.0f} rows read")
        if kind in ("Sort", "Incremental Sort") and rows > 1000:
            method = node.get("Sort Method", "")
            warnings.append(f"{kind.lower()} of {rows:,.0f} rows ({method})")
        for child in node.get("Plans", ()):
            walk(child, depth + 1)

    walk(plan["Plan"], 0)
    buffers = {k: plan["Plan"].get(f"Shared {k.title()} Blocks", 0) for k in ("hit", "read")}
    return " > ".join(nodes), warnings, buffers


def explain(conn, sql: str, params: dict) -> dict:
    raw = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}", params).scalar()
    return (json.loads(raw) if isinstance(raw, str) else raw)[0]


def timed(conn, sql: str, params: dict, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        conn.exec_driver_sql(sql, params).fetchall()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def measure(conn, label: str, stmt, repeat: int) -> None:
    compiled = stmt.compile(dialect=conn.dialect)
    sql, params = str(compiled), compiled.params
    for statement in INDEXED:
        conn.exec_driver_sql(statement)
    conn.exec_driver_sql(sql, params).fetchall()  # warm the cache
    plan = explain(conn, sql, params)
    indexed = timed(conn, sql, params, repeat)
    for statement in BASELINE:
        conn.exec_driver_sql(statement)
    baseline = timed(conn, sql, params, max(1, repeat // 2))
    base_plan = explain(conn, sql, params)
    for statement in INDEXED:
        conn.exec_driver_sql(statement)
    chain, warnings, buffers = plan_summary(plan)
    print(f"  {label:<34} {indexed:8.2f} ms   baseline {baseline:8.1f} ms   "
          f"×{baseline / indexed:,.0f}   (plan {plan['Execution Time']:.2f} ms, "
          f"buffers hit {buffers['hit']:,} read {buffers['read']:,}; "
          f"baseline plan {base_plan['Execution Time']:.1f} ms)")  # fmt: skip
    print(f"      {chain}")
    for warning in warnings:
        print(f"      ! {warning}")


def run_queries(app, repeat: int) -> None:
    from caseflow.extensions import db
    from caseflow.models import User
    from caseflow.review import queries
    from caseflow.timeutil import utcnow
    from caseflow.workdays import to_local_date

    with app.app_context():
        today = to_local_date(utcnow())
        conn = db.session.connection()
        # No server-side prepared statements: psycopg prepares a statement run five times, and
        # a plan cached while the baseline settings were on would then time the baseline.
        conn.connection.driver_connection.prepare_threshold = None
        people = (("chengdu_reviewer", {"due": "overdue"}),
                  ("province_reviewer", {"region": "510700", "due": "soon"}))  # fmt: skip
        for username, extra in people:
            user = db.session.scalar(sa.select(User).where(User.username == username))
            none = queries.InboxFilters()
            counts = queries.tab_counts(user, none, today)
            print(f"\n{username}: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
            for tab in queries.TABS:
                stmt = queries.tab_query(tab, user, none, today).limit(queries.PER_PAGE)
                measure(conn, f"{tab} page (25 rows)", stmt, repeat)
                if tab == "unclaimed":
                    last = stmt.offset(max(0, counts[tab] - queries.PER_PAGE))
                    measure(conn, f"{tab} last page", last, repeat)
            measure(conn, "tab counts (one statement)", queries.count_query(user, none, today),
                    repeat)  # fmt: skip
            filtered = queries.InboxFilters(**extra)
            label = ", ".join(f"{k}={v}" for k, v in extra.items())
            for tab in ("mine", "unclaimed"):
                stmt = queries.tab_query(tab, user, filtered, today).limit(queries.PER_PAGE)
                measure(conn, f"{tab} page, {label}", stmt, repeat)
            open_tabs = queries.counted_tabs("mine", filtered)
            stmt = queries.count_query(user, filtered, today, open_tabs)
            measure(conn, f"tab counts ({len(open_tabs)}), {label}", stmt, repeat)
            stmt = queries.tab_query("done", user, filtered, today).limit(queries.PER_PAGE)
            measure(conn, f"done page, {label}", stmt, repeat)
            stmt = queries.count_query(
                user, filtered, today, queries.counted_tabs("done", filtered)
            )
            measure(conn, f"tab counts on the done tab, {label}", stmt, repeat)
        db.session.remove()


def run_requests(app, repeat: int) -> None:
    """The whole page: session, counts, rows, colleagues, template."""
    from tests.helpers import login

    print("\nGET /review/inbox (whole request, median)")
    for username in ("chengdu_reviewer", "province_reviewer"):
        client = app.test_client()
        login(client, username)
        for tab in ("mine", "unclaimed", "overdue", "done"):
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                response = client.get(f"/review/inbox?tab={tab}")
                times.append(time.perf_counter() - started)
                assert response.status_code == 200, response.status_code
            print(f"  {username:<18} {tab:<10} {statistics.median(times) * 1000:8.1f} ms")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=7, help="runs per query (median shown)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args(argv)
    url = prepare_database()
    try:
        app = make_app(url)
        started = time.perf_counter()
        pools = seed_people(app, random.Random(args.seed))
        n_tasks, loaded = load(url, args.cases, pools, args.seed)
        print(f"database: {sa.make_url(url).render_as_string(hide_password=True)}, "
              f"{os.cpu_count()} CPUs")  # fmt: skip
        total = time.perf_counter() - started
        print(f"data: {args.cases:,} cases, {n_tasks:,} tasks; seeded and loaded in "
              f"{total:.1f} s (COPY + VACUUM ANALYZE {loaded:.1f} s)")  # fmt: skip
        print("each line: median of the statement as the inbox runs it | the same statement with "
              "index and bitmap scans off | ratio")  # fmt: skip
        run_queries(app, args.repeat)
        run_requests(app, args.repeat)
    finally:
        from caseflow.extensions import db

        with make_app(url).app_context():
            db.engine.dispose()
        if not args.keep:
            admin_execute(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(main())
