"""``flask --app wsgi caseflow …`` commands. Every command has ``--help``."""

import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from caseflow.extensions import db


@click.group("caseflow")
def caseflow_cli():
    """caseflow administration commands."""


@caseflow_cli.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when organisations already exist.")
@with_appcontext
def seed_demo_command(if_empty):
    """Create demo organisations in several cities and one user for every role (embedded only)."""
    from caseflow.demo import seed_demo
    from caseflow.models import Organisation

    if current_app.config["CASEFLOW_PROFILE"] == "production":
        raise click.ClickException("seed-demo refuses to run in the production configuration")
    if db.session.scalar(select(Organisation.id).limit(1)) is not None:
        if if_empty:
            click.echo("Demo data: the database already has organisations; nothing seeded.")
            _print_demo_accounts()
            return
        raise click.ClickException(
            "the database already has organisations; seed-demo needs an "
            "empty database (or pass --if-empty)"
        )
    seed_demo()
    db.session.commit()
    from caseflow.demo_cases import seed_demo_cases

    cases = seed_demo_cases()
    from caseflow.demo_schools import seed_demo_schools

    schools = seed_demo_schools()
    click.echo(f"Demo data created ({cases} sample cases, {schools} school cases).")
    _print_demo_accounts()


def _print_demo_accounts():
    from caseflow.demo import DEMO_PASSWORD, USERS

    click.echo("Demo accounts (user name — roles):")
    for username, display, _org, roles in USERS:
        click.echo(f"  {username:<22} {', '.join(roles):<20} {display}")
    click.echo(f"Password for all demo accounts: {DEMO_PASSWORD}")


@caseflow_cli.command("create-org")
@click.option("--name", required=True, help="Full registered name.")
@click.option(
    "--kind",
    required=True,
    type=click.Choice(
        ["school", "sponsor", "enterprise", "training_provider", "evaluation_body", "department"]
    ),
)
@click.option("--region", "region", required=True, help="GB/T 2260 code, e.g. 510100.")
@click.option("--credit-code", required=True, help="Unified social credit code (18 characters).")
@click.option(
    "--tier",
    type=click.Choice(["technical_school", "senior_technical_school", "technician_college"]),
    help="Schools only.",
)
@click.option("--ownership", type=click.Choice(["public", "private", "enterprise"]))
@click.option(
    "--supervised-by",
    "supervisor_code",
    help="Credit code of the provincial industry department supervising a school (its first "
    "review then goes to that department).",
)
@with_appcontext
def create_org_command(name, kind, region, credit_code, tier, ownership, supervisor_code):
    """Create an organisation."""
    from caseflow.accounts import AccountError, create_organisation
    from caseflow.models import Organisation

    supervising = None
    if supervisor_code:
        supervising = db.session.scalar(
            select(Organisation).where(Organisation.credit_code == supervisor_code.strip().upper())
        )
        if supervising is None:
            raise click.ClickException(f"no organisation with credit code {supervisor_code!r}")
    try:
        org = create_organisation(
            name=name,
            kind=kind,
            region_code=region,
            credit_code=credit_code,
            tier=tier,
            ownership=ownership,
            supervising=supervising,
        )
    except AccountError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created organisation {org.id}: {org.name} ({org.credit_code})")


@caseflow_cli.command("create-user")
@click.option("--username", required=True)
@click.option(
    "--role",
    "roles",
    required=True,
    multiple=True,
    help="ROLE, ROLE:REGIONCODE or ROLE:org (city_reviewer at a provincial industry department: "
    "the schools it supervises); may repeat. Without a scope the role's natural scope is used.",
)
@click.option("--org", "org_code", required=True, help="Credit code of the user's organisation.")
@click.option("--name", "display_name", help="Full name (defaults to the user name).")
@click.option("--email")
@click.option("--password-stdin", is_flag=True, help="Read the initial password from stdin.")
@with_appcontext
def create_user_command(username, roles, org_code, display_name, email, password_stdin):
    """Create a user who must change the password at first login."""
    from caseflow.accounts import AccountError, create_user
    from caseflow.auth.service import record
    from caseflow.models import Organisation
    from caseflow.validators import normalise_credit_code

    org = db.session.scalar(
        select(Organisation).where(Organisation.credit_code == normalise_credit_code(org_code))
    )
    if org is None:
        raise click.ClickException(f"no organisation with credit code {org_code}")
    password = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        user, password = create_user(
            username=username,
            org=org,
            role_specs=list(roles),
            display_name=display_name,
            email=email,
            password=password,
        )
    except AccountError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    record("user_created", "info", user=user, detail="by_cli")
    db.session.commit()
    click.echo(
        f"Created user {user.username} with roles {', '.join(r.describe() for r in user.roles)}"
    )
    if not password_stdin:
        click.echo(f"Initial password (shown once, must be changed at first login): {password}")


@caseflow_cli.group("workflow")
def workflow_group():
    """Workflow definitions."""


@workflow_group.command("list")
@with_appcontext
def workflow_list():
    """List the registered workflows."""
    from caseflow.workflows import registry

    for key, wf in sorted(registry.WORKFLOWS.items()):
        click.echo(f"{key:<24} {wf.prefix:<4} {len(wf.states):>3} states  {wf.label_en}")


@workflow_group.command("diagram")
@click.argument("key")
@click.option("--lang", type=click.Choice(["zh_CN", "en"]), default="zh_CN")
@with_appcontext
def workflow_diagram(key, lang):
    """Print workflow KEY as a Mermaid state diagram."""
    from caseflow.workflows import registry
    from caseflow.workflows.diagram import mermaid

    if key not in registry.WORKFLOWS:
        raise click.ClickException(
            f"unknown workflow {key!r}; known: {', '.join(sorted(registry.WORKFLOWS)) or 'none'}"
        )
    click.echo(mermaid(registry.get(key), english=lang == "en"), nl=False)


@caseflow_cli.group("timers")
def timers_group():
    """Durable timers (deadlines, reminders, notice periods)."""


@timers_group.command("fire")
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%d %H:%M"]),
    help="Fire what is due by this Asia/Shanghai date (and time) instead of now: for rehearsals "
    "and demonstrations, e.g. to end a public notice; refused in the production profile.",
)
@with_appcontext
def timers_fire(as_of):
    """Fire every timer that is due now (the scheduler does this every minute)."""
    from datetime import UTC

    from caseflow.timeutil import SHANGHAI, utcnow
    from caseflow.workdays import local_end_of_day_utc
    from caseflow.workflows.clock import fire_due_timers

    now = None
    if as_of is not None:
        if current_app.config.get("NAME") == "production":
            raise click.ClickException("--as-of is refused in the production profile")
        if as_of.hour == 0 and as_of.minute == 0:
            now = local_end_of_day_utc(as_of.date())
        else:
            now = as_of.replace(tzinfo=SHANGHAI).astimezone(UTC)
        now = max(now, utcnow())
    result = fire_due_timers(now=now)
    click.echo(
        f"fired {result.fired}: applied {result.applied}, notified {result.notified}, "
        f"skipped {result.skipped}, refused {result.refused}"
    )


@caseflow_cli.command("worker")
@click.option(
    "--cron/--no-cron",
    default=True,
    help="Also run the periodic schedule (run it in exactly one worker).",
)
@click.option("--burst", is_flag=True, help="Work until the queues are empty, then stop.")
@with_appcontext
def worker_command(cron, burst):
    """Run an RQ worker on caseflow's queues, with the periodic schedule (RQ CronScheduler)."""
    import threading

    from rq import Worker
    from rq.cron import CronScheduler

    from caseflow.jobs import QUEUES, redis_connection
    from caseflow.jobs.schedule import register_cron
    from caseflow.jobs.tasks import use_app

    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException(
            "the worker needs CASEFLOW_REDIS_URL; without Redis, "
            "`flask caseflow serve` runs jobs in-process"
        )
    use_app(current_app._get_current_object())
    connection = redis_connection()
    if cron:
        scheduler = CronScheduler(connection=connection, name="caseflow")
        register_cron(scheduler)
        threading.Thread(target=scheduler.start, name="caseflow-cron", daemon=True).start()
    Worker(list(QUEUES), connection=connection).work(burst=burst, with_scheduler=True)


@caseflow_cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def serve_command(host, port):
    """Serve the embedded profile with the periodic jobs in a background thread (no Redis)."""
    from caseflow.jobs.schedule import InlineScheduler

    app = current_app._get_current_object()
    if app.config.get("REDIS_URL"):
        click.echo("CASEFLOW_REDIS_URL is set: run `flask caseflow worker` for the jobs.")
    else:
        InlineScheduler(app).start()
        click.echo("Periodic jobs run in-process (timers every minute, checkpoints hourly).")
    from werkzeug.serving import run_simple

    run_simple(host, port, app, threaded=True, use_reloader=False)


@caseflow_cli.command("check")
@with_appcontext
def check_command():
    """Validate configuration and that the database is at the migration head."""
    from caseflow.checks import run_checks

    problems = run_checks()
    for line in problems:
        click.echo(f"problem: {line}", err=True)
    if problems:
        sys.exit(1)
    click.echo("caseflow check: configuration and database are in order.")


def _register_groups():
    from caseflow.audit.cli import audit_group
    from caseflow.calendar_cli import calendar
    from caseflow.roster_cli import roster_group
    from caseflow.token_cli import token_group

    caseflow_cli.add_command(calendar)
    caseflow_cli.add_command(audit_group)
    caseflow_cli.add_command(token_group)
    caseflow_cli.add_command(roster_group)


_register_groups()
