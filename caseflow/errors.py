"""Error pages (HTML, both languages) and RFC 9457 problem bodies for the API."""

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

TITLES = {
    400: lambda: _("Bad request"),
    401: lambda: _("Login required"),
    403: lambda: _("Not allowed"),
    404: lambda: _("Not found"),
    405: lambda: _("Method not allowed"),
    409: lambda: _("The case has changed"),
    410: lambda: _("No longer public"),
    413: lambda: _("Upload too large"),
    422: lambda: _("Invalid input"),
    429: lambda: _("Too many requests"),
    500: lambda: _("Something went wrong"),
    503: lambda: _("Service unavailable"),
}

DETAILS = {
    400: lambda: _("The request could not be understood."),
    401: lambda: _("Please log in first."),
    403: lambda: _("You do not have permission to do this."),
    404: lambda: _("The page or record you asked for does not exist, or you may not see it."),
    405: lambda: _("This address does not accept that kind of request."),
    409: lambda: _(
        "Someone else changed this record while you were working. Reload and try again."
    ),
    410: lambda: _("This notice has ended and is no longer published."),
    413: lambda: _("The upload is larger than the allowed size."),
    422: lambda: _("Some of the input is not valid."),
    429: lambda: _("Too many requests. Please wait a moment and try again."),
    500: lambda: _("An unexpected error occurred. It has been logged."),
    503: lambda: _("The service is temporarily unavailable."),
}


def problem(status: int, detail: str | None = None, errors=None, **extra):
    body = {
        "type": "about:blank",
        "title": TITLES.get(status, TITLES[500])(),
        "status": status,
        "detail": detail or DETAILS.get(status, DETAILS[500])(),
    }
    if errors:
        body["errors"] = errors
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def render_error(status: int, detail: str | None = None):
    if request.path.startswith("/api/"):
        return problem(status, detail)
    code = status if status in TITLES else 500
    return (
        render_template(
            "errors/error.html",
            status=code,
            title=TITLES[code](),
            detail=detail or DETAILS[code](),
        ),
        code,
    )


def register_error_handlers(app):
    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return render_error(
            400,
            _(
                "The form has expired or was not sent from this site. "
                "Reload the page and try again."
            ),
        )

    @app.errorhandler(HTTPException)
    def http_error(exc):
        return render_error(exc.code or 500)

    @app.errorhandler(Exception)
    def unhandled(exc):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return render_error(500)
