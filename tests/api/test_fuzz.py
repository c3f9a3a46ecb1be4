"""Schemathesis against ``/api/v1/openapi.json``: requests generated from the description for
every operation, sent in-process (WSGI) with a valid token of a province reviewer (broad read
rights, acts in province stages) and of an applicant. Path parameters are either generated or
real references of seeded cases, so bodies reach the engine too.

Every response must be no 5xx, have a documented status and content type, and match its schema
and declared headers. Positive (schema-valid) and negative (schema-violating) inputs both run;
at least 1,000 requests in all. Marked ``slow``; SQLite only (the API, not the database, is
under test here).
"""

from __future__ import annotations

import time
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import make_token

pytestmark = pytest.mark.slow

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
USERS = ("province_reviewer", "school_clerk")
EXAMPLES = {GenerationMode.POSITIVE: 60, GenerationMode.NEGATIVE: 15}
MINIMUM_REQUESTS = 1000


@pytest.fixture(params=["sqlite"])
def backend(request):
    return request.param


def strategy(operation, mode, references):
    """Generated values, or the seeded references for ``{ref}`` (so real cases are hit)."""
    options = [operation.as_strategy(generation_mode=mode)]
    if "ref" in operation.path and mode is GenerationMode.POSITIVE:
        for ref in references:
            options.append(
                operation.as_strategy(generation_mode=mode, path_parameters={"ref": ref})
            )
    return st.one_of(options)


def fuzz(operation, cases, examples: int, headers: dict, sent: dict) -> None:
    """Send ``examples`` generated requests; count them by status."""

    @given(case=cases)
    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    def run(case):
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)
        sent.setdefault(operation.label, Counter())[response.status_code] += 1

    run()


def test_fuzz_every_operation(demo, case_at):
    references = [case_at("draft"), case_at("intake"), case_at("review"), case_at("board")]
    tokens = {name: make_token(demo, name) for name in USERS}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", demo)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    sent: dict[str, Counter] = {}
    started = time.monotonic()

    for operation in operations:
        for mode, examples in EXAMPLES.items():
            for username in USERS:
                headers = {"Authorization": f"Bearer {tokens[username]}", "Accept-Language": "en"}
                fuzz(operation, strategy(operation, mode, references), examples, headers, sent)

    seconds = time.monotonic() - started
    total = sum(sum(statuses.values()) for statuses in sent.values())
    print(f"\nfuzz: {total} requests over {len(sent)} operations in {seconds:.0f} s")
    for label, statuses in sorted(sent.items()):
        print(f"  {label}: {dict(sorted(statuses.items()))}")
    assert set(sent) == {op.label for op in operations}
    assert total >= MINIMUM_REQUESTS
