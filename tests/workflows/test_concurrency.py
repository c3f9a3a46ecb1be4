"""Concurrent approvals on PostgreSQL: exactly one succeeds, exactly one event is written."""

import threading

import pytest
from sqlalchemy import func, select

from caseflow.extensions import db
from caseflow.models import Case, CaseEvent, User
from caseflow.workflows import engine
from caseflow.workflows.errors import StaleCase
from tests.workflows.conftest import drive, new_case

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
@pytest.mark.parametrize("threads", [2, 8, 32])
@pytest.mark.config(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 40, "max_overflow": 0})
def test_only_one_of_many_simultaneous_approvals_wins(demo, threads):
    rounds = 50
    with demo.app_context():
        reviewers = [
            u.id
            for u in db.session.scalars(
                select(User).where(User.username.in_(["chengdu_reviewer", "chengdu_reviewer2"]))
            )
        ]
        case_ids = [drive(new_case(), "intake").id for _ in range(rounds)]  # fmt: skip
    for case_id in case_ids:
        barrier = threading.Barrier(threads)
        outcomes = []

        def approve(i, case_id=case_id, barrier=barrier, outcomes=outcomes):
            with demo.app_context():
                case = db.session.get(Case, case_id)
                actor = db.session.get(User, reviewers[i % 2])
                version = case.version
                barrier.wait()
                try:
                    engine.apply(case, "recommend", actor, {}, expected_version=version)
                    outcomes.append("ok")
                except StaleCase:
                    outcomes.append("stale")
                finally:
                    db.session.remove()

        workers = [threading.Thread(target=approve, args=(i,)) for i in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        assert sorted(outcomes) == ["ok"] + ["stale"] * (threads - 1), outcomes
        with demo.app_context():
            n = db.session.scalar(select(func.count()).select_from(CaseEvent).where(
                CaseEvent.case_id == case_id, CaseEvent.action == "recommend"))  # fmt: skip
            assert n == 1
