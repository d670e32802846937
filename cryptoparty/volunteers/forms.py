"""Forms of the volunteer pages and of their back-office side (shape only, no queries).

Limits echo ``services.volunteers``, which enforces them again.
"""

from flask_babel import lazy_gettext as _l
from wtforms import (
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange
from wtforms.widgets import CheckboxInput, ListWidget

from cryptoparty.core.forms import Form, IdempotencyKeyField
from cryptoparty.events.forms import level_choices, workshop_format_choices
from cryptoparty.events.services import MAX_WORKSHOP_CAPACITY
from cryptoparty.volunteers.models import MAX_PROPOSAL_MINUTES, MIN_PROPOSAL_MINUTES
from cryptoparty.volunteers.services import (
    MAX_CONTACT,
    MAX_OTHER_SKILLS,
    MAX_PSEUDONYM,
    MAX_TEXT,
    MAX_TITLE,
    SKILLS,
)


class CheckboxesField(SelectMultipleField):
    """Several choices, shown as a list of checkboxes (works without JavaScript)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class SignUpForm(Form):
    idempotency_key = IdempotencyKeyField()
    pseudonym = StringField(
        _l("Pseudonym"),
        description=_l("Any name you like: it is shown in the program if you facilitate a "
                       "workshop."),
        filters=[_strip],
        validators=[DataRequired(message=_l("Choose a pseudonym.")),
                    Length(max=MAX_PSEUDONYM,
                           message=_l("At most %(max)d characters."))],
        render_kw={"autocomplete": "off", "maxlength": MAX_PSEUDONYM})
    # Unknown codes are left to the service, which names the problem.
    skills = CheckboxesField(_l("What you can explain"),
                             choices=[SelectChoice(code, label) for code, label in SKILLS],
                             validate_choice=False)
    other_skills = StringField(_l("Other skills"), filters=[_strip],
                               validators=[Length(max=MAX_OTHER_SKILLS)])
    contact = TextAreaField(
        _l("A way to reach you (optional)"),
        description=_l("E-mail, Signal, Matrix…: free text. It is encrypted to the "
                       "organization’s contacts key before it is stored; only the organizers "
                       "who hold that key’s secret part can read it, on their own computer: "
                       "not this server."),
        validators=[Length(max=MAX_CONTACT)], render_kw={"rows": 2, "autocomplete": "off"})
    public_key = TextAreaField(
        _l("Your OpenPGP public key (optional)"),
        description=_l("Paste the block that starts with -----BEGIN PGP PUBLIC KEY "
                       "BLOCK-----, so that the organizers can write to you encrypted."),
        validators=[Length(max=64 * 1024)], render_kw={"rows": 4, "spellcheck": "false"})


class ClaimForm(Form):
    idempotency_key = IdempotencyKeyField()
    workshop_id = HiddenField(validators=[InputRequired()])


class ProposalForm(Form):
    idempotency_key = IdempotencyKeyField()
    title = StringField(_l("Title"), filters=[_strip],
                        validators=[DataRequired(message=_l("Give a title.")),
                                    Length(max=MAX_TITLE)])
    summary = TextAreaField(_l("Summary"), validators=[Length(max=MAX_TEXT)],
                            render_kw={"rows": 3})
    format = SelectField(_l("Format"), choices=workshop_format_choices,
                         validators=[InputRequired()])
    duration_minutes = IntegerField(
        _l("Duration (minutes)"),
        validators=[InputRequired(message=_l("Give the duration in minutes.")),
                    NumberRange(min=MIN_PROPOSAL_MINUTES, max=MAX_PROPOSAL_MINUTES,
                                message=_l("Between %(min)s and %(max)s minutes."))],
        render_kw={"min": MIN_PROPOSAL_MINUTES, "max": MAX_PROPOSAL_MINUTES,
                   "inputmode": "numeric"})
    level = SelectField(_l("Level"), choices=level_choices, validators=[InputRequired()])
    needs = TextAreaField(_l("What you need"),
                          description=_l("A projector, power strips, a room with Wi-Fi…"),
                          validators=[Length(max=MAX_TEXT)], render_kw={"rows": 2})


class AssignForm(Form):
    idempotency_key = IdempotencyKeyField()
    volunteer_id = SelectField(_l("Volunteer"), coerce=int, validators=[InputRequired()])
    workshop_id = SelectField(_l("Workshop"), coerce=int, validators=[InputRequired()])


class AcceptProposalForm(Form):
    idempotency_key = IdempotencyKeyField()
    session_id = SelectField(_l("Session"), coerce=int, validators=[InputRequired()])
    capacity = IntegerField(
        _l("Capacity"), default=15,
        validators=[InputRequired(message=_l("Give the number of seats.")),
                    NumberRange(min=1, max=MAX_WORKSHOP_CAPACITY,
                                message=_l("The capacity must be between %(min)s and "
                                           "%(max)s."))])
    room = StringField(_l("Room"), validators=[Length(max=100)])
