"""``flask --app wsgi caseflow token …``: personal access tokens for the JSON API.

``token create`` prints the token once; the database keeps only its hash. Every command has
``--help``. Creations and revocations from here are recorded as authentication events
"from the command line".
"""

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from caseflow.api import tokens
from caseflow.auth.service import must_change_password
from caseflow.extensions import db
from caseflow.models import ApiToken, User
from caseflow.timeutil import to_local, utcnow


def _user(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        raise click.ClickException(f"no user named {username!r}")
    return user


def _when(value) -> str:
    return to_local(value).strftime("%Y-%m-%d %H:%M") if value else "-"


@click.group("token")
def token_group():
    """Personal access tokens for the JSON API (Authorization: Bearer …)."""


@token_group.command("create")
@click.option("--username", required=True, help="The user the token acts as.")
@click.option(
    "--expires-days",
    type=click.IntRange(1, tokens.MAX_DAYS),
    default=tokens.DEFAULT_DAYS,
    show_default=True,
    help=f"Days until the token expires (1-{tokens.MAX_DAYS}).",
)
@click.option("--name", default="command line", show_default=True, help="A label for the token.")
@with_appcontext
def token_create(username, expires_days, name):
    """Create a token for USERNAME and print it once."""
    user = _user(username)
    try:
        token, plaintext = tokens.create_token(user, name=name, expires_days=expires_days)
    except tokens.TokenError as exc:
        db.session.commit()  # keep the recorded refusal
        raise click.ClickException(f"token not created: {exc}") from exc
    db.session.commit()
    # The messages go to stderr and only the token to stdout, so that a script can capture it.
    click.echo(
        f"Created token {token.id} ({token.display}) for {user.username}, "
        f"expires {_when(token.expires_at)} (Asia/Shanghai).",
        err=True,
    )
    if must_change_password(user):
        click.echo(
            f"Warning: {user.username} must change the password first; until then the API "
            "refuses the token.",
            err=True,
        )
    click.echo("The token follows. It will not be shown again: copy it now.", err=True)
    click.echo(plaintext)


@token_group.command("list")
@click.option("--username", required=True)
@with_appcontext
def token_list(username):
    """List USERNAME's tokens (never the tokens themselves)."""
    user = _user(username)
    rows = tokens.tokens_of(user)
    if not rows:
        click.echo(f"{user.username} has no tokens.")
        return
    now = utcnow()
    click.echo(f"{'id':>5}  {'token':<14} {'status':<8} {'expires':<16} {'last used':<16} name")
    for t in rows:
        click.echo(
            f"{t.id:>5}  {t.display:<14} {t.status(now):<8} {_when(t.expires_at):<16} "
            f"{_when(t.last_used_at):<16} {t.name}"
        )


@token_group.command("revoke")
@click.option("--id", "token_id", required=True, type=int, help="The id shown by `token list`.")
@with_appcontext
def token_revoke(token_id):
    """Revoke a token at once."""
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise click.ClickException(f"no token with id {token_id}")
    if not tokens.revoke(token, by=None):
        click.echo(f"Token {token.id} ({token.display}) was already revoked.")
        return
    db.session.commit()
    click.echo(f"Revoked token {token.id} ({token.display}) of {token.user.username}.")
