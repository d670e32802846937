"""Forms every area uses."""

from flask_wtf import FlaskForm
from wtforms.csrf.core import CSRFTokenField
from wtforms.widgets import HiddenInput


class _HiddenInputWithoutId(HiddenInput):
    """A hidden input with no ``id``: a page with two forms would hold two
    ``id="csrf_token"`` otherwise, which HTML forbids (and nothing points at it)."""

    def __call__(self, field, **kwargs):
        kwargs["id"] = False
        return super().__call__(field, **kwargs)


CSRFTokenField.widget = _HiddenInputWithoutId()


class ActionForm(FlaskForm):
    """A button that only needs its CSRF token (publish, cancel, delete, logout)."""
