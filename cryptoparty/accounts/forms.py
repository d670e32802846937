"""Forms of organizer accounts: login and the one-time code of the second factor."""

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from cryptoparty.core.forms import Form


class OneTimeCodeForm(Form):
    """Six digits from an authenticator app."""

    code = StringField(
        _l("One-time code"), description=_l("The six digits your authenticator app shows."),
        validators=[DataRequired(message=_l("Type the code.")), Length(max=12)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric",
                   "spellcheck": "false"})


class LoginForm(Form):
    login = StringField(_l("Login"), validators=[DataRequired(), Length(max=64)],
                        render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})
