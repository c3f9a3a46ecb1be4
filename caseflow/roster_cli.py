"""``flask --app wsgi caseflow roster …``: check a subsidy roster (花名册) file without saving it.

``roster check FILE --type TYPE`` reads the file, runs the line rules that need only the roster
and policy data (caseflow/rosters/rules.py) and prints a summary, or JSON with ``--json``.
Exit status: 0 no errors, 1 errors, 2 the file cannot be read, the type or organisation is unknown.
"""

import json
import sys
from datetime import date
from pathlib import Path

import click
from flask.cli import with_appcontext

EXIT_ERRORS, EXIT_UNUSABLE = 1, 2


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(EXIT_UNUSABLE)


def _parse_on(text: str | None) -> date:
    from caseflow import policy

    if text is None:
        return policy.today()
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        _fail(f"invalid date {text!r}: expected YYYY-MM-DD, e.g. 2025-06-30")


def _organisation(credit_code: str):
    from sqlalchemy import select

    from caseflow.extensions import db
    from caseflow.models import Organisation
    from caseflow.validators import normalise_credit_code

    return db.session.scalar(
        select(Organisation).where(Organisation.credit_code == normalise_credit_code(credit_code))
    )


@click.group("roster")
def roster_group():
    """Subsidy rosters (花名册): check a file against the claim type's line rules."""


@roster_group.command("check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--type", "claim_type", required=True, help="Claim type, e.g. skill_upgrade.")
@click.option("--org", "credit_code", help="Credit code of the filing organisation.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--on", "on_text", help="Check as of this date (YYYY-MM-DD); default today.")
@click.option("--lang", type=click.Choice(["zh_CN", "en"]), default="zh_CN", show_default=True)
@with_appcontext
def roster_check(file, claim_type, credit_code, as_json, on_text, lang):
    """Read FILE (.xlsx or .csv), check every line and print the result; nothing is saved."""
    from caseflow.rosters import RosterUnreadable, read_roster
    from caseflow.rosters.rules import ORGANISATION_RULES, NoRoster, check_roster

    english = lang == "en"
    on = _parse_on(on_text)
    org = None
    if credit_code:
        org = _organisation(credit_code)
        if org is None:
            _fail(f"no organisation with credit code {credit_code!r}")
    try:
        read = read_roster(file.read_bytes(), file.name)
    except RosterUnreadable as err:
        _fail(f"{file.name}: {err.message(english)}")
    try:
        result = check_roster(read, claim_type, on=on)
    except NoRoster as err:
        _fail(str(err))
    skipped = [(s.code, s.message(english)) for s in result.skipped]
    if org is not None:
        note = (
            f"（单位 {org.name}：单位相关规则同样需要历史申领记录）"
            if not english
            else f" (organisation {org.name}: the organisation rules need the claim history too)"
        )
        skipped = [(c, m + note if c in ORGANISATION_RULES else m) for c, m in skipped]
    if as_json:
        _print_json(result, skipped, english)
    else:
        _print_summary(result, skipped, english, file.name, org)
    sys.exit(EXIT_ERRORS if result.errors else 0)


def _findings(problems, english: bool) -> list[dict]:
    return [
        {"row": p.row, "column": p.column, "code": p.code, "message": p.message(english)}
        for p in problems
    ]


def _print_json(result, skipped, english: bool) -> None:
    out = {
        "rows": result.rows,
        "accepted": len(result.accepted),
        "errors": _findings(result.errors, english),
        "warnings": _findings(result.warnings, english),
        "skipped": [{"code": code, "reason": reason} for code, reason in skipped],
        "total_amount": str(result.total_amount),
    }
    click.echo(json.dumps(out, ensure_ascii=False, indent=2))


def _print_summary(result, skipped, english: bool, name: str, org) -> None:
    if english:
        click.echo(f"{name}: {result.rows} rows, {len(result.accepted)} accepted, "
                   f"{len(result.errors)} errors, {len(result.warnings)} warnings; "
                   f"total of accepted rows {result.total_amount} yuan")  # fmt: skip
        headings = ("Errors:", "Warnings:", "Not checked:")
    else:
        click.echo(f"{name}：共 {result.rows} 行，通过 {len(result.accepted)} 行，"
                   f"错误 {len(result.errors)} 条，提示 {len(result.warnings)} 条；"
                   f"通过行合计金额 {result.total_amount} 元")  # fmt: skip
        headings = ("错误：", "提示：", "未校验：")
    if org is not None:
        click.echo(f"{'Organisation' if english else '单位'}: {org.name} ({org.credit_code})")
    for heading, items in zip(headings[:2], (result.errors, result.warnings), strict=True):
        if items:
            click.echo(heading)
            for problem in items:
                click.echo(f"  [{problem.code}] {problem.message(english)}")
    if skipped:
        click.echo(headings[2])
        for code, reason in skipped:
            click.echo(f"  [{code}] {reason}")
