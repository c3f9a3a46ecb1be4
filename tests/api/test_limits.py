"""Rate limits: a budget per token and one per client address, over the whole API; a refusal
is a 429 problem with Retry-After. (TestConfig turns the limiter off; these tests turn it on.)"""

import pytest

from caseflow.extensions import limiter
from tests.api.conftest import assert_problem


@pytest.fixture
def fresh_limits(demo):
    limiter.reset()
    yield
    limiter.reset()


@pytest.mark.config(RATELIMIT_ENABLED=True, API_RATE_LIMIT="3 per minute",
                    API_IP_RATE_LIMIT="100 per minute")  # fmt: skip
def test_each_token_has_a_budget_over_every_endpoint(api_client, fresh_limits):
    clerk, reviewer = api_client("school_clerk"), api_client("chengdu_reviewer")
    for path in ("/me", "/workflows", "/cases"):
        assert clerk.get(path).status_code == 200
    limited = clerk.get("/workflows/test_permit")
    body = assert_problem(limited, 429)
    assert body["title"] == "Too many requests"
    assert 0 < int(limited.headers["Retry-After"]) <= 60
    assert reviewer.get("/me").status_code == 200  # another token, its own budget


@pytest.mark.config(RATELIMIT_ENABLED=True, API_RATE_LIMIT="100 per minute",
                    API_IP_RATE_LIMIT="4 per minute")  # fmt: skip
def test_each_address_has_a_budget_with_or_without_a_token(api_client, fresh_limits):
    anonymous, clerk = api_client(None), api_client("school_clerk")
    assert anonymous.get("/openapi.json").status_code == 200
    assert_problem(anonymous.get("/me"), 401)
    assert_problem(anonymous.get("/me", headers={"Authorization": "Bearer wrong"}), 401)
    assert clerk.get("/me").status_code == 200
    limited = clerk.get("/me")
    assert_problem(limited, 429)
    assert int(limited.headers["Retry-After"]) > 0
    assert_problem(anonymous.get("/openapi.json"), 429)
    other = api_client(None)
    other_address = {"REMOTE_ADDR": "127.0.0.2"}
    assert other.client.get("/api/v1/openapi.json", environ_base=other_address).status_code == 200
