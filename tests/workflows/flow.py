"""The engine tests use the sample workflow (``caseflow/workflows/sample.py``)."""

from caseflow.workflows.sample import TEST_FLOW  # noqa: F401  (registers it)
