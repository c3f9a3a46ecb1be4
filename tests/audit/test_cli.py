"""The ``flask audit`` commands (invoked on the group; caseflow/cli.py registers it)."""

import json

import sqlalchemy as sa

from caseflow.audit.cli import audit_group
from tests.audit.conftest import EVENTS, rehash_chain, tampering


def run(app, *args):
    return app.test_cli_runner().invoke(audit_group, list(args))


def test_every_command_has_help(app):
    for command in ("verify", "checkpoint", "verify-checkpoint"):
        result = run(app, command, "--help")
        assert result.exit_code == 0 and "Usage" in result.output


def test_verify_good_trail(chains):
    result = run(chains.app, "verify")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK:") and "15 events in 4 cases" in result.output
    result = run(chains.app, "verify", "--case", chains.refs["B"])
    assert result.exit_code == 0 and "5 events in 1 cases" in result.output


def test_verify_names_the_first_bad_event(chains):
    with tampering(chains.app) as conn:
        conn.execute(
            sa.update(EVENTS)
            .where(EVENTS.c.case_id == chains.ids["B"], EVENTS.c.seq == 3)
            .values(comment="篡改")
        )
    result = run(chains.app, "verify")
    assert result.exit_code == 1
    first_line = result.output.splitlines()[0]
    assert first_line == f"MISMATCH: case {chains.refs['B']}, seq 3: " + (
        "hash mismatch: the event's content does not match its hash"
    )
    assert run(chains.app, "verify", "--case", chains.refs["A"]).exit_code == 0
    result = run(chains.app, "verify", "--case", chains.refs["B"])
    assert result.exit_code == 1 and "seq 3" in result.output


def test_verify_json(chains):
    result = run(chains.app, "verify", "--json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert {"ok", "events", "cases", "first_bad", "events_per_second"} <= set(data)
    assert data["ok"] is True and data["first_bad"] is None
    assert (data["events"], data["cases"]) == (15, 4)
    assert isinstance(data["events_per_second"], int)

    with tampering(chains.app) as conn:
        conn.execute(
            sa.delete(EVENTS).where(EVENTS.c.case_id == chains.ids["C"], EVENTS.c.seq == 2)
        )
    result = run(chains.app, "verify", "--json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["ok"] is False and data["events"] == 14
    assert data["first_bad"] == {
        "case": chains.refs["C"],
        "case_id": chains.ids["C"],
        "seq": 3,
        "problem": "sequence gap: seq 2 missing before this event",
    }


def test_verify_unknown_case_is_a_usage_error(chains):
    result = run(chains.app, "verify", "--case", "SE-2026-000000-0000")
    assert result.exit_code == 2 and "no case" in result.output


def test_checkpoint_export_and_verify_checkpoint(chains, tmp_path):
    path = tmp_path / "checkpoint.txt"
    result = run(chains.app, "checkpoint", "--export", str(path))
    assert result.exit_code == 0, result.output
    assert "Checkpoint 1: global_seq 15, 3 cases" in result.output
    mac = result.output.split("mac ")[1].split()[0]
    assert len(mac) == 64 and f"mac: {mac}" in path.read_text(encoding="utf-8")

    result = run(chains.app, "verify-checkpoint", str(path))
    assert result.exit_code == 0, result.output
    assert "OK: checkpoint 1 (global_seq 15)" in result.output
    result = run(chains.app, "verify", "--all-checkpoints")
    assert result.exit_code == 0 and "1 checkpoint(s) checked" in result.output

    # A chain rewritten consistently: the chains match, the checkpoint does not.
    with tampering(chains.app) as conn:
        rehash_chain(conn, chains.ids["A"], comment="同意")
    assert run(chains.app, "verify", "--case", chains.refs["A"]).exit_code == 0
    result = run(chains.app, "verify")
    assert result.exit_code == 1
    assert result.output.startswith("MISMATCH: checkpoint 1: checkpoint mismatch")
    result = run(chains.app, "verify-checkpoint", str(path))
    assert result.exit_code == 1 and "chain heads differ" in result.output


def test_verify_checkpoint_refuses_other_files(chains, tmp_path):
    path = tmp_path / "not-a-checkpoint.txt"
    path.write_text("hello: world\n", encoding="utf-8")
    result = run(chains.app, "verify-checkpoint", str(path))
    assert result.exit_code == 1 and "not a checkpoint file" in result.output
    assert run(chains.app, "verify-checkpoint", str(tmp_path / "missing.txt")).exit_code == 2
