"""Domain exceptions. Views show ``error.describe()`` and answer ``error.status``."""

from flask_babel import lazy_gettext as _l


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


class InvalidCapacity(DomainError):
    message = _l("The capacity must be between 1 and %(maximum)d.")


class CapacityBelowTaken(DomainError):
    message = _l("%(taken)d seats are already taken: the capacity cannot be lower.")


class HasRegistrations(DomainError):
    status = 409
    message = _l("People have registered for it: it cannot be deleted.")


class InvalidTransition(DomainError):
    status = 409
    message = _l("This change is not possible in the event’s current state.")


class DuplicateSlug(DomainError):
    status = 409
    message = _l("The address “%(slug)s” is already taken.")


class InvalidCredentials(DomainError):
    status = 401
    message = _l("Unknown login or wrong password.")


class WeakPassword(DomainError):
    message = _l("The password must have at least %(minimum)d characters.")
