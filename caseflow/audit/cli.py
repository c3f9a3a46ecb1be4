"""``flask audit …``: verify the audit hash chains, write and check checkpoints.

Exit status: 0 when everything matches, 1 when something does not (the first bad event or
checkpoint is printed), 2 for a usage error such as an unknown case.
"""

import json
from pathlib import Path

import click
from flask.cli import with_appcontext

from caseflow.audit.checkpoint import (
    CheckpointError,
    export_checkpoint,
    parse_exported,
    verify_checkpoint,
    write_checkpoint,
)
from caseflow.audit.verify import CaseNotFound, auto_workers, verify_all, verify_case


@click.group("audit")
def audit():
    """Audit trail: hash-chain verification and checkpoints."""


audit_group = audit  # the same group, under both names


def _describe_bad(first_bad: dict) -> str:
    if first_bad.get("case_id") is None and "checkpoint" in first_bad:
        return f"checkpoint {first_bad['checkpoint']}: {first_bad['problem']}"
    case = first_bad.get("case") or f"(case id {first_bad.get('case_id')})"
    return f"case {case}, seq {first_bad.get('seq')}: {first_bad['problem']}"


@audit.command("verify")
@click.option("--case", "case_ref", metavar="REF", help="Verify only this case (reference or id).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option(
    "--all-checkpoints", is_flag=True, help="Check every checkpoint, not only the latest."
)
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Worker processes for a full verification (0: one per CPU for large databases).",
)
@with_appcontext
def verify_command(case_ref, as_json, all_checkpoints, workers):
    """Recompute every event hash and check links, sequence numbers, heads and checkpoints.

    Exits 0 when everything matches, 1 otherwise (printing the first event that does not).
    """
    if case_ref:
        try:
            result = verify_case(case_ref)
        except CaseNotFound as exc:
            raise click.BadParameter(str(exc), param_hint="--case") from None
    else:
        result = verify_all(all_checkpoints=all_checkpoints, workers=workers or auto_workers())
    if as_json:
        data = {
            "ok": result.ok,
            "events": result.events,
            "cases": result.cases,
            "first_bad": result.first_bad,
            "events_per_second": round(result.events_per_second),
            "bad_cases": result.bad_cases,
            "checkpoints": result.checkpoints,
        }
        click.echo(json.dumps(data, ensure_ascii=False))
    else:
        summary = (
            f"{result.events:,} events in {result.cases:,} cases, "
            f"{result.checkpoints} checkpoint(s) checked, {result.seconds:.2f} s "
            f"({result.events_per_second:,.0f} events/s)"
        )
        if result.ok:
            click.echo(f"OK: the audit trail matches: {summary}.")
        else:
            click.echo(f"MISMATCH: {_describe_bad(result.first_bad)}")
            if result.bad_cases > 1:
                click.echo(f"{result.bad_cases:,} cases have problems; the first is shown.")
            others = result.checkpoint_problems
            if "checkpoint" in result.first_bad:  # the first of them is shown above
                others = others[1:]
            for other in others:
                click.echo(f"Also: checkpoint {other['checkpoint']}: {other['problem']}")
            click.echo(f"Checked {summary}.")
    if not result.ok:
        click.get_current_context().exit(1)


@audit.command("checkpoint")
@click.option(
    "--export",
    "export_path",
    metavar="FILE",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the checkpoint to FILE, to be kept outside the database.",
)
@with_appcontext
def checkpoint_command(export_path):
    """Write a checkpoint over the heads of all case chains (HMAC with AUDIT_KEY)."""
    cp = write_checkpoint()
    click.echo(
        f"Checkpoint {cp.id}: global_seq {cp.global_seq}, {cp.case_count} cases, "
        f"heads_digest {cp.heads_digest}"
    )
    click.echo(f"mac {cp.mac}")
    if export_path is not None:
        export_path.write_text(export_checkpoint(cp), encoding="utf-8")
        click.echo(f"Exported to {export_path}; keep a copy outside the database.")


@audit.command("verify-checkpoint")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def verify_checkpoint_command(file):
    """Check an exported checkpoint against the events table (exit 0 when it matches)."""
    text = file.read_text(encoding="utf-8")
    ok, problem = verify_checkpoint(text)
    if not ok:
        click.echo(f"MISMATCH: {problem}")
        click.get_current_context().exit(1)
    try:
        fields = parse_exported(text)
    except CheckpointError:  # pragma: no cover - verify_checkpoint parsed it already
        fields = {"id": "?", "global_seq": "?"}
    click.echo(
        f"OK: checkpoint {fields['id']} (global_seq {fields['global_seq']}) matches the events."
    )
