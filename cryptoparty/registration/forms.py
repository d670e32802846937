"""Forms of anonymous registration, ticket changes and check-in (shape only, no queries)."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, RadioField, SelectChoice, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from cryptoparty.core import validation
from cryptoparty.core.forms import Form, IdempotencyKeyField


def session_field_name(session_id: int) -> str:
    """The form field that holds the workshop chosen in a session."""
    return f"session_{session_id}"


class TicketChoicesForm(Form):
    """One radio group per session (added by ``ticket_choices_form``)."""


class RegistrationForm(TicketChoicesForm):
    """Choices and a party size (added by ``ticket_choices_form``, its maximum per event).

    ``idempotency_key``: a random nonce, new with each form shown; posting the
    same form twice answers with the ticket of the first post (core.idempotency).
    """

    idempotency_key = IdempotencyKeyField()


def _party_field(max_party: int):
    return IntegerField(
        _l("Number of people"),
        description=_l("Yourself, and anyone coming with you on this ticket."),
        default=1, render_kw={"min": 1, "max": max_party, "inputmode": "numeric"},
        validators=[InputRequired(message=_l("Give the number of people.")),
                    NumberRange(min=1, max=max_party,
                                message=_l("Between %(min)s and %(max)s people."))])


def ticket_choices_form(form_class, event, **kwargs):
    """A form of ``form_class`` with one optional radio group per session of ``event``."""

    class Form(form_class):
        pass

    for session in event.sessions:
        choices = [SelectChoice("", _l("None in this session"))] + [
            SelectChoice(str(w.id), w.title) for w in session.workshops]
        # No ``Optional()``: it would stop the choice check for a value of spaces only
        # (``session_4=%20``), which then reached ``int()`` (issue 14). "" is a choice.
        setattr(Form, session_field_name(session.id),
                RadioField(session.label, choices=choices, default=""))
    if issubclass(form_class, RegistrationForm):
        Form.party = _party_field(event.max_party)
    return Form(**kwargs)


def chosen_workshop_ids(form, event) -> list[int]:
    """The workshop ids picked in a choices form, in session order."""
    picked = []
    for session in event.sessions:
        value = form[session_field_name(session.id)].data
        if value:
            workshop_id = validation.parse_id(value)
            if workshop_id is None:  # the form's choice check let it through: refuse anyway
                raise validation.InvalidValue()
            picked.append(workshop_id)
    return picked


class PartyForm(Form):
    party = IntegerField(_l("New number of people"),
                         validators=[InputRequired(message=_l("Give the number of people."))])


class CancelTicketForm(Form):
    confirm = BooleanField(_l("Yes, cancel this ticket and free its seats"),
                           validators=[DataRequired(message=_l("Tick the box to confirm."))])


class TicketLookupForm(Form):
    code = StringField(_l("Ticket code"), validators=[DataRequired(), Length(max=64)],
                       render_kw={"autocomplete": "off", "autocapitalize": "characters",
                                  "spellcheck": "false"})


class DoorCheckInForm(Form):
    ticket = StringField(_l("Ticket code or check-in tag"),
                         validators=[DataRequired(), Length(max=64)],
                         render_kw={"autocomplete": "off", "autocapitalize": "characters",
                                    "spellcheck": "false"})


class WalkInForm(Form):
    idempotency_key = IdempotencyKeyField()
    delta = IntegerField(validators=[InputRequired()])
