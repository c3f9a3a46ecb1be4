"""caseflow: workflow and approval case management for public skills programmes.

``create_app()`` builds the Flask application: configuration, extensions, blueprints, the
request-wide security rules and the ``flask caseflow`` command group.
"""

from __future__ import annotations

from flask import Flask, request, session
from flask_login import current_user

from config import Config, ConfigError, load_config

__version__ = "0.1.0"


def select_locale() -> str:
    from flask import current_app

    languages = current_app.config["LANGUAGES"]
    if request:
        if request.path.startswith("/api/"):
            best = request.accept_languages.best_match(["zh-CN", "zh", "en"])
            return "en" if best == "en" else "zh_CN"
        if current_user.is_authenticated and current_user.locale in languages:
            return current_user.locale
        if session.get("lang") in languages:
            return session["lang"]
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def create_app(config: Config | str | None = None) -> Flask:
    cfg = config if isinstance(config, Config) else load_config(config)
    problems = cfg.validate()
    if problems:
        raise ConfigError("; ".join(problems))

    app = Flask(__name__, instance_path=cfg.INSTANCE_DIR, instance_relative_config=False)
    app.config.from_object(cfg)
    app.config["CASEFLOW_PROFILE"] = cfg.NAME
    app.config["VERSION"] = __version__

    from caseflow.audit.chain import canonical_json
    from caseflow.extensions import babel, csrf, db, limiter, login_manager, migrate

    # JSON columns are written in the canonical form of the audit chain (sorted keys, compact,
    # UTF-8), so that verification hashes event JSON as stored. Other options are kept.
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        "json_serializer": canonical_json,
        **(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {}),
    }
    db.init_app(app)
    migrate.init_app(app, db, directory=str(_migrations_dir()), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: "Asia/Shanghai")
    limiter.init_app(app)
    _init_login(app, login_manager)

    from caseflow import (
        documents,  # noqa: F401  (registers the document kinds)
        models,  # noqa: F401  (register the tables)
    )
    from caseflow.workflows import notices, registry, school_establishment  # noqa: F401

    if app.config.get("SAMPLE_WORKFLOW"):
        from caseflow.workflows import sample  # noqa: F401  (registers the sample workflow)
    registry.validate_or_raise()  # a broken workflow table must not start
    from caseflow import policy

    # Broken policy data (or a workflow naming an unknown policy) must not start either; the
    # message names the file, the policy, the version and the key.
    policy.validate_or_raise(app.config.get("POLICY_DIR"), registry.WORKFLOWS)

    if app.config.get("PROXY_HOPS"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    _bound_integer_urls(app)
    app.json.ensure_ascii = False  # readable Chinese in JSON answers
    _register_blueprints(app)
    _register_request_hooks(app)
    _register_template_helpers(app)

    from caseflow.jobs import outbox

    outbox.install()

    from caseflow.errors import register_error_handlers

    register_error_handlers(app)

    from caseflow.cli import caseflow_cli

    app.cli.add_command(caseflow_cli)
    return app


def _migrations_dir():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent / "migrations"


def _init_login(app, login_manager):
    from caseflow.api.auth import add_www_authenticate, is_api_request, load_user_from_request
    from caseflow.auth.service import validate_session

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(user_id: str):
        if is_api_request():
            return None  # the API takes Bearer tokens only, never the session cookie
        try:
            return validate_session(int(user_id))
        except ValueError:
            return None

    login_manager.request_loader(load_user_from_request)
    app.after_request(add_www_authenticate)


def _bound_integer_urls(app):
    """``<int:…>`` URL parts above the database's integer range are a 404, not a driver error."""
    from werkzeug.routing import IntegerConverter

    class BoundedInteger(IntegerConverter):
        def __init__(self, url_map, *args, **kwargs):
            kwargs.setdefault("max", 2**31 - 1)
            super().__init__(url_map, *args, **kwargs)

    app.url_map.converters["int"] = BoundedInteger


def _register_blueprints(app):
    from caseflow.admin.routes import bp as admin_bp
    from caseflow.api import bp as api_bp
    from caseflow.applicant import filing  # noqa: F401  (filing routes on the applicant bp)
    from caseflow.applicant.routes import bp as applicant_bp
    from caseflow.audit.routes import bp as audit_bp
    from caseflow.auth.routes import bp as auth_bp
    from caseflow.cases import bp as cases_bp
    from caseflow.main.routes import bp as main_bp
    from caseflow.notify.routes import bp as notify_bp
    from caseflow.public.routes import bp as public_bp
    from caseflow.review.routes import bp as review_bp

    blueprints = (main_bp, auth_bp, admin_bp, audit_bp, cases_bp, review_bp, applicant_bp,
                  public_bp, notify_bp, api_bp)  # fmt: skip
    from caseflow.extensions import csrf

    csrf.exempt(api_bp)  # bearer tokens only; cookies never authenticate the API
    for bp in blueprints:
        app.register_blueprint(bp)


def _register_request_hooks(app):
    from caseflow.security import enforce_login, security_headers

    app.before_request(enforce_login)
    app.after_request(security_headers)


def _register_template_helpers(app):
    from caseflow import labels
    from caseflow.navigation import navigation_for
    from caseflow.roles import ROLES
    from caseflow.timeutil import to_local

    def lookup(table):
        return lambda key: table.get(key, key) if key else "—"

    helpers = {
        "ROLES": ROLES,
        "region_name": labels.region_name,
        "scope_label": labels.scope_label,
        "org_kind_label": lookup(labels.ORG_KIND_LABELS),
        "tier_label": lookup(labels.TIER_LABELS),
        "ownership_label": lookup(labels.OWNERSHIP_LABELS),
        "auth_kind_label": lookup(labels.AUTH_KIND_LABELS),
        "outcome_label": lookup(labels.OUTCOME_LABELS),
    }

    @app.context_processor
    def inject():
        from flask_babel import get_locale

        return {
            **helpers,
            "nav_items": navigation_for(current_user) if current_user.is_authenticated else [],
            "current_locale": str(get_locale()),
        }

    @app.template_global("page_url")
    def page_url(number: int) -> str:
        """The current page's URL with its query string, at page ``number``."""
        from flask import url_for

        args = {**request.args.to_dict(), "page": number}
        return url_for(request.endpoint, **(request.view_args or {}), **args)

    @app.template_filter("local_time")
    def local_time(value, fmt="%Y-%m-%d %H:%M"):
        local = to_local(value)
        return local.strftime(fmt) if local else ""
