"""Loading the policy directory: every ``*.toml`` file, validated, cached per directory.

The directory is ``app.config["POLICY_DIR"]`` when set, else ``caseflow/policy/data/``. The
application reads it fresh at start-up (a broken file stops the start with a message naming the
file and the problem); ``flask caseflow check`` reads it again without the cache; everything else
uses the cached, frozen result.
"""

from __future__ import annotations

import threading
import tomllib
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from types import MappingProxyType

from flask import current_app, has_app_context

from caseflow.policy.model import NoVersionInEffect, Policy, PolicyError
from caseflow.policy.rules import parse_policy

DEFAULT_DIR = Path(__file__).resolve().parent / "data"
_CACHE: dict[Path, Mapping[str, Policy]] = {}
_LOCK = threading.Lock()


def policy_dir() -> Path:
    configured = current_app.config.get("POLICY_DIR") if has_app_context() else None
    return Path(configured) if configured else DEFAULT_DIR


def read_dir(directory: Path) -> tuple[dict[str, Policy], list[str]]:
    """Every policy in ``directory`` and every problem found (no cache)."""
    directory = Path(directory)
    if not directory.is_dir():
        return {}, [f"{directory}: the policy directory does not exist"]
    files = sorted(directory.glob("*.toml"))
    if not files:
        return {}, [f"{directory}: no policy files (*.toml)"]
    policies: dict[str, Policy] = {}
    problems: list[str] = []
    for path in files:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            problems.append(f"{path.name}: not valid TOML (UTF-8): {exc}")
            continue
        policy, found = parse_policy(data, path.name, path.stem)
        problems.extend(found)
        if policy is not None:
            policies[policy.name] = policy
    return policies, problems


def _raise(directory: Path, problems: list[str]):
    lines = "\n  ".join(problems)
    raise PolicyError(f"invalid policy data in {directory}:\n  {lines}", problems)


def reload(directory: Path | str | None = None) -> Mapping[str, Policy]:
    """Read ``directory`` afresh, cache it and return it; raise PolicyError if anything is wrong."""
    directory = Path(directory or policy_dir()).resolve()
    policies, problems = read_dir(directory)
    if problems:
        _raise(directory, problems)
    frozen = MappingProxyType(policies)
    with _LOCK:
        _CACHE[directory] = frozen
    return frozen


def load(directory: Path | str | None = None) -> Mapping[str, Policy]:
    """The policies of ``directory`` (default: the configured one), read once and cached."""
    directory = Path(directory or policy_dir()).resolve()
    cached = _CACHE.get(directory)
    return cached if cached is not None else reload(directory)


def clear_cache() -> None:
    with _LOCK:
        _CACHE.clear()


def workflow_problems(workflows, policies: Mapping[str, Policy], *, on: date | None = None,
                      max_id_length: int | None = None) -> list[str]:  # fmt: skip
    """Workflows that declare unknown policies (and, given ``on``, policies not in effect)."""
    out = []
    for wf in workflows.values():
        names = tuple(getattr(wf, "policies", ()) or ())
        if len(set(names)) != len(names):
            out.append(f"workflow {wf.key!r} declares a policy twice")
        unknown = [n for n in names if n not in policies]
        for name in unknown:
            out.append(f"workflow {wf.key!r} declares policy {name!r}, which has no {name}.toml")
        if on is None or unknown or not names:
            continue
        try:
            ids = "+".join(policies[n].version_on(on).id for n in names)
        except NoVersionInEffect as exc:
            out.append(f"workflow {wf.key!r}: {exc}")
            continue
        if max_id_length is not None and len(ids) > max_id_length:
            out.append(f"workflow {wf.key!r}: the policy snapshot id {ids!r} has {len(ids)} "
                       f"characters; cases.policy_version holds {max_id_length}")  # fmt: skip
    return out


def validate_or_raise(directory: Path | str | None, workflows) -> Mapping[str, Policy]:
    """Start-up: read the policy data afresh; broken data or unknown declarations stop the app."""
    directory = Path(directory or DEFAULT_DIR).resolve()
    policies = reload(directory)
    problems = workflow_problems(workflows, policies)
    if problems:
        _raise(directory, problems)
    return policies


def problems(directory: Path | str | None, workflows, *, on: date | None = None,
             max_id_length: int | None = None) -> list[str]:  # fmt: skip
    """Everything wrong with the policy data, read without the cache (``caseflow check``)."""
    directory = Path(directory or DEFAULT_DIR).resolve()
    policies, found = read_dir(directory)
    if found:
        return found
    return workflow_problems(workflows, policies, on=on, max_id_length=max_id_length)
