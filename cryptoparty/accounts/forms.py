"""Forms of organizer accounts: login and the one-time code of the second factor."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
)

from cryptoparty.core.forms import Form, IdempotencyKeyField


class OneTimeCodeForm(Form):
    """Six digits from an authenticator app."""

    code = StringField(
        _l("One-time code"), description=_l("The six digits your authenticator app shows."),
        validators=[DataRequired(message=_l("Type the code.")), Length(max=12)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric",
                   "spellcheck": "false"})


class DisableTwoFactorForm(OneTimeCodeForm):
    """Turning the second factor off: the password, then a current code."""

    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})


class LoginForm(Form):
    login = StringField(_l("Login"), validators=[DataRequired(), Length(max=64)],
                        render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})


# Staff, settings and the instance administration (issue 16) ---------------------------------

ROLE_CHOICES = [("owner", _l("Owner")), ("organizer", _l("Organizer")), ("door", _l("Door")),
                ("board", _l("Board (read-only)"))]


class InviteForm(Form):
    idempotency_key = IdempotencyKeyField()
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default="organizer")
    can_read_contacts = BooleanField(_l("May read volunteers' contacts (organizers only)"))


class RoleForm(Form):
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    can_read_contacts = BooleanField(_l("May read volunteers' contacts (organizers only)"))


class JoinForm(Form):
    idempotency_key = IdempotencyKeyField()
    login = StringField(_l("Login"), validators=[DataRequired(), Length(min=3, max=64)],
                        description=_l("3 to 64 characters: lowercase letters, digits, dots, "
                                       "dashes or underscores."),
                        render_kw={"autocomplete": "username", "spellcheck": "false"})
    display_name = StringField(_l("Name shown to your colleagues"),
                               validators=[Optional(), Length(max=100)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=12, max=200)],
                             description=_l("At least 12 characters."),
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("The same password again"),
                            validators=[DataRequired(), EqualTo("password",
                                        message=_l("The two passwords differ."))],
                            render_kw={"autocomplete": "new-password"})
    code = StringField(
        _l("One-time code (optional)"),
        description=_l("To turn the second factor on now: the six digits your app shows "
                       "after scanning the QR code. Leave empty to do without."),
        validators=[Optional(), Length(max=12)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric",
                   "spellcheck": "false"})


class ResetForm(JoinForm):
    """A reset keeps the login: only the password is chosen."""

    login = None
    display_name = None


class SettingsForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    address = StringField(_l("Public address"), validators=[Optional(), Length(max=300)])
    city = StringField(_l("City"), validators=[Optional(), Length(max=100)])
    website = StringField(_l("Website"), validators=[Optional(), Length(max=300)])
    default_locale = SelectField(_l("Default language"),
                                 choices=[SelectChoice("fr", "Français"),
                                          SelectChoice("en", "English")])
    default_retention_days = IntegerField(
        _l("Default retention of tickets and contacts (days after an event)"),
        validators=[InputRequired(), NumberRange(min=0, max=366)])
    contact_email = StringField(_l("Contact e-mail shown on the privacy page"),
                                validators=[Optional(), Length(max=254)])
    color_primary = StringField(_l("Brand colour (#rrggbb)"),
                                validators=[Optional(), Length(max=7)])
    color_background = StringField(_l("Background colour (#rrggbb)"),
                                   validators=[Optional(), Length(max=7)])
    logo = FileField(_l("Logo (PNG, JPEG or SVG, at most 512 KB)"))
    remove_logo = BooleanField(_l("Remove the logo"))
    embed_origins = TextAreaField(
        _l("Origins allowed to embed its pages"),
        description=_l("One bare https:// origin a line, for instance https://www.example.org "
                       "(http:// only for localhost and 127.0.0.1, to try a site locally)."),
        validators=[Optional(), Length(max=4000)])
    audit_retention_days = IntegerField(_l("Audit trail kept for (days)"),
                                        validators=[InputRequired(),
                                                    NumberRange(min=1, max=3660)])


class NewOrganizationForm(Form):
    idempotency_key = IdempotencyKeyField()
    slug = StringField(_l("Short name in addresses"),
                       validators=[DataRequired(), Length(min=2, max=64),
                                   Regexp(r"^[a-z0-9][a-z0-9-]*$",
                                          message=_l("Lowercase letters, digits and dashes."))])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
