"""Refusals carry a stable code and a reason a person can read, in Chinese and English."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Reason:
    code: str
    zh: str
    en: str

    def text(self, english: bool) -> str:
        return self.en if english else self.zh


class WorkflowError(Exception):
    status = 400

    def __init__(self, reason: Reason, errors: dict[str, Reason] | None = None):
        super().__init__(f"{reason.code}: {reason.en}")
        self.reason = reason
        self.errors = errors or {}

    @property
    def code(self) -> str:
        return self.reason.code

    def message(self, english: bool) -> str:
        return self.reason.text(english)


class ActionRefused(WorkflowError):
    """Not permitted: role, scope, separation of duties, or a guard said no (HTTP 403)."""

    status = 403


class StaleCase(WorkflowError):
    """The case changed since it was read (HTTP 409)."""

    status = 409


class InvalidInput(WorkflowError):
    """The input is incomplete or invalid; ``errors`` maps field → reason (HTTP 422)."""

    status = 422


def refused(code: str, zh: str, en: str) -> ActionRefused:
    return ActionRefused(Reason(code, zh, en))


STALE = Reason(
    "stale", "案件已被他人更新，请刷新后重试。", "The case has changed; reload and try again."
)
