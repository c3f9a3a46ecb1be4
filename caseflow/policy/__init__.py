"""Policy data: dated, versioned figures with their sources (house rule 6).

Every amount, threshold, time limit, standard and scoring sheet lives in a TOML file in
``caseflow/policy/data/`` (one file per policy, see ``schema.py`` for the format and
``docs/policy.md`` for the sources). Code asks for the version in effect on a day::

    from caseflow import policy

    limits = policy.current("school_time_limits", on=day)   # a frozen PolicyVersion
    limits.value("city_review")                              # 10
    limits.id                                                # "school_time_limits@2024-1"
    policy.snapshot_id(("school_standards", "expert_scoring"), on=day)
    # "school_standards@2012-1+expert_scoring@2024-1" — stamped on a case and its events

Map: ``model.py`` (frozen values, units, operators), ``schema.py`` (one value, the file
format), ``rules.py`` (a whole file and the rules of each kind), ``loader.py`` (directory, cache,
start-up and ``caseflow check`` validation).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from caseflow.policy.loader import (
    DEFAULT_DIR,
    clear_cache,
    load,
    policy_dir,
    problems,
    reload,
    validate_or_raise,
)
from caseflow.policy.model import (
    NoVersionInEffect,
    Policy,
    PolicyError,
    PolicyValue,
    PolicyVersion,
    UnknownPolicy,
    UnsetValue,
)

__all__ = [
    "DEFAULT_DIR", "NoVersionInEffect", "Policy", "PolicyError", "PolicyValue", "PolicyVersion",
    "UnknownPolicy", "UnsetValue", "all_policies", "clear_cache", "current", "get_policy", "load",
    "policy_dir", "problems", "reload", "snapshot_id", "today", "validate_or_raise",
]  # fmt: skip


def today() -> date:
    """Today's date in Asia/Shanghai, the day policy versions are chosen by."""
    from caseflow.timeutil import to_local, utcnow

    return to_local(utcnow()).date()


def all_policies() -> tuple[Policy, ...]:
    return tuple(sorted(load().values(), key=lambda p: p.name))


def get_policy(name: str) -> Policy:
    policies = load()
    try:
        return policies[name]
    except KeyError:
        known = ", ".join(sorted(policies))
        raise UnknownPolicy(f"unknown policy {name!r} (known: {known})") from None


def current(name: str, on: date | None = None) -> PolicyVersion:
    """The version of policy ``name`` in effect on ``on`` (default: today in Shanghai).

    Raises UnknownPolicy for a name without a file and NoVersionInEffect for a day no version
    covers.
    """
    return get_policy(name).version_on(on or today())


def snapshot_id(names: Iterable[str], on: date | None = None) -> str:
    """The ids of several policies in effect on ``on``, joined by ``+`` in the order given."""
    day = on or today()
    return "+".join(current(name, on=day).id for name in names)
