"""The one error tree, and every HTTP and JSON error handler.

Services raise :class:`DomainError` subclasses; views let them through or catch them
to show ``error.describe()`` beside a field; what is not caught becomes an error page
(or a JSON body under ``/api/``) with ``error.status``.
"""

from flask import g, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError


class DomainError(Exception):
    """A rule of the domain refused the operation; nothing was written."""

    status = 400
    message = _l("This operation is not possible.")

    def __init__(self, message=None, **params):
        super().__init__(message or self.message)
        if message is not None:
            self.message = message
        self.params = params

    def describe(self) -> str:
        """The message in the current language, with its parameters filled in."""
        text = str(self.message)
        return text % self.params if self.params else text


class NotFound(DomainError):
    status = 404
    message = _l("Not found.")


class EventNotFound(NotFound):
    message = _l("There is no such event.")


class SessionNotFound(NotFound):
    message = _l("There is no such session.")


class WorkshopNotFound(NotFound):
    message = _l("There is no such workshop.")


class Forbidden(DomainError):
    status = 403
    message = _l("You are not allowed to do this.")


class InvalidSchedule(DomainError):
    message = _l("These dates are not possible.")


class SessionOutsideEvent(InvalidSchedule):
    message = _l("The session must lie within the event: between its start and its end.")


class SessionNoLongerInside(InvalidSchedule):
    message = _l("The session “%(label)s” would no longer lie within the event: move it first.")


class EndsBeforeStart(InvalidSchedule):
    message = _l("The end must come after the start.")


class RegistrationOpensAfterStart(InvalidSchedule):
    status = 409
    message = _l("Registration would open after the event starts. Tick “Move the registration "
                 "window with the event” to shift it by the same amount, or change its dates.")


class TooManyFacilitators(DomainError):
    status = 409
    message = _l("%(count)d volunteers facilitate this workshop together: it cannot go back to "
                 "one facilitator. Withdraw or decline co-facilitators first, then try again.")


class InvalidCapacity(DomainError):
    message = _l("The capacity must be between 1 and %(maximum)d.")


class CapacityBelowTaken(DomainError):
    message = _l("%(taken)d seats are already taken: the capacity cannot be lower.")

    def describe(self) -> str:
        """« 1 place est déjà prise », « 3 places sont déjà prises »."""
        return ngettext("%(num)d seat is already taken: the capacity cannot be lower.",
                        "%(num)d seats are already taken: the capacity cannot be lower.",
                        self.params["taken"])


class HasRegistrations(DomainError):
    status = 409
    message = _l("People have registered for it: it cannot be deleted.")


class InvalidTransition(DomainError):
    status = 409
    message = _l("This change is not possible in the event’s current state.")


class EventArchived(DomainError):
    status = 409
    message = _l("This event is archived: its program can no longer change.")


class DuplicateSlug(DomainError):
    status = 409
    message = _l("The address “%(slug)s” is already taken.")


class InvalidCredentials(DomainError):
    status = 401
    message = _l("Unknown login or wrong password.")


class WeakPassword(DomainError):
    message = _l("The password must have at least %(minimum)d characters.")


# --------------------------------------------------------------------------- the log of a 500

def log_unexpected_error(logger, exc_info) -> None:
    """Log an unexpected error by the route's name and the error's class, never a value.

    The request's path (a ticket code, a slug a person typed), its arguments and
    the exception's message (a database error quotes the value that broke it)
    are left out; the traceback keeps its frames (file, line, function) so that
    the bug can still be found (``log_masking.safe_traceback``).
    """
    from cryptoparty.core.log_masking import error_name, safe_traceback

    endpoint = request.endpoint if request else None
    logger.error("Unexpected %s in %s [%s]\n%s", error_name(exc_info[1]), endpoint or "(no route)",
                 request.method if request else "-", safe_traceback(exc_info))


# --------------------------------------------------------------------------- pages

TITLES = {
    400: lambda: _("This request is not valid"),
    403: lambda: _("You may not see this page"),
    404: lambda: _("This page does not exist"),
    405: lambda: _("This action is not allowed here"),
    409: lambda: _("This conflicts with the current state"),
    413: lambda: _("This is too large"),
    429: lambda: _("Too many requests"),
    500: lambda: _("Something went wrong on our side"),
    503: lambda: _("Too busy for a moment"),
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
        view = app.view_functions.get(request.endpoint)
        if view is not None and getattr(view, "rerender_on_csrf_error", False) \
                and not getattr(g, "csrf_expired", False):
            # The form comes back with what was chosen and a fresh token (core.forms).
            g.csrf_expired = True
            try:
                return app.make_response(view(**(request.view_args or {})))
            except DomainError as refused:
                return render_error(refused.status, refused.describe())
            except HTTPException as refused:
                return http_error(refused)
        return render_error(400, _("The form expired or was sent from elsewhere. Reload the "
                                   "page and send it again."))

    @app.errorhandler(DomainError)
    def domain_error(error):
        return render_error(error.status, error.describe())

    @app.errorhandler(HTTPException)
    def http_error(error):
        if error.code and error.code < 400:
            return error
        body, status = render_error(error.code or 500)
        response = make_response(body, status)
        # RFC 9110: a 405 says which methods the resource allows (Allow), a 429 or
        # 503 when to come back (Retry-After): keep the headers werkzeug computed.
        for name, value in error.get_headers():
            if name.lower() in ("allow", "retry-after", "www-authenticate"):
                response.headers[name] = value
        return response

    @app.errorhandler(InternalServerError)
    def internal_error(error):
        return render_error(500)
