"""Being built (issue 4)."""

from caseflow.cases import bp  # noqa: F401
