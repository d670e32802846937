"""Forms every area uses."""

from flask_wtf import FlaskForm


class ActionForm(FlaskForm):
    """A button that only needs its CSRF token (publish, cancel, delete, logout)."""
