"""Error pages in the site's style, and JSON errors under /api/."""

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from cryptoparty.services.errors import DomainError

TITLES = {
    400: lambda: _("This request is not valid"),
    403: lambda: _("You may not see this page"),
    404: lambda: _("This page does not exist"),
    405: lambda: _("This action is not allowed here"),
    409: lambda: _("This conflicts with the current state"),
    413: lambda: _("This is too large"),
    429: lambda: _("Too many requests"),
    500: lambda: _("Something went wrong on our side"),
}
DETAILS = {
    400: lambda: _("Something in the request could not be understood. Go back and check "
                   "what you typed."),
    403: lambda: _("This page belongs to someone else."),
    404: lambda: _("Check the address, or start again from the list of events."),
    405: lambda: _("Use the buttons of the page instead."),
    409: lambda: _("Reload the page and try again."),
    413: lambda: _("Send something smaller."),
    429: lambda: _("Wait a little, then try again."),
    500: lambda: _("The error has been noted, without anything about you. Please try again "
                   "later."),
}


def wants_json() -> bool:
    """Whether the error should be answered as JSON (the API)."""
    return request.path.startswith("/api/")


def render_error(status: int, message: str | None = None):
    """An error page (or JSON body) with the given status."""
    title = TITLES.get(status, TITLES[400])()
    detail = message or DETAILS.get(status, DETAILS[400])()
    if wants_json():
        return jsonify(error={"status": status, "title": title, "message": detail}), status
    return render_template("error.html", status=status, title=title, detail=detail), status


def init_app(app):
    """Install the handlers."""

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(400, _("The form expired or was sent from elsewhere. Reload the "
                                   "page and send it again."))

    @app.errorhandler(DomainError)
    def domain_error(error):
        return render_error(error.status, error.describe())

    @app.errorhandler(HTTPException)
    def http_error(error):
        if error.code and error.code < 400:
            return error
        return render_error(error.code or 500)

    @app.errorhandler(InternalServerError)
    def internal_error(error):
        return render_error(500)
