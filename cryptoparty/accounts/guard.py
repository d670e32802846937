"""The view side of the one authorization function (``accounts.roles.require``).

``permission_required(permission)`` logs the visitor in (a redirection to the
login page) and refuses with 403 a staff account that holds ``permission`` in
none of its organizations; the view then checks the object it reaches with
``roles.require`` (through its area's service), which answers 404 outside the
account's organizations and 403 for a role without the permission.
"""

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from cryptoparty.accounts import roles
from cryptoparty.accounts.roles import Permission


def permission_required(*permissions: Permission):
    """Decorate a view: a logged-in account holding one of ``permissions`` somewhere."""
    def decorate(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not any(roles.organizations_with(current_user, p) for p in permissions):
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorate


def require_here(organization, permission: Permission, **kwargs) -> roles.Role:
    """``roles.require`` for the logged-in account (a DomainError becomes its error page)."""
    return roles.require(current_user, organization, permission, **kwargs)
