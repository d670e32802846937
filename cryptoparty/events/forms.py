"""Forms of the back office's planning: events, sessions, workshops (shape only, no queries).

Times typed in a form are the event's local wall-clock time; the views turn
them into UTC before calling a service.
"""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
    widgets,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from cryptoparty.core.forms import DateAndTimeField, Form, IdempotencyKeyField
from cryptoparty.events import labels
from cryptoparty.events.models import EventKind, WorkshopFormat, WorkshopLevel
from cryptoparty.events.services import MAX_WORKSHOP_CAPACITY

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
END_HINT = _l("Leave the date empty for an event within one day; for an event over several "
              "days (Saturday 10:00 to Sunday 18:00), give its last day.")


def event_kind_choices():
    """The kinds of event, labelled in the reader's language."""
    return labels.choices(EventKind)


def workshop_format_choices():
    """The formats of an activity, labelled in the reader's language."""
    return labels.choices(WorkshopFormat)


def level_choices():
    """The levels of an activity, labelled in the reader's language."""
    return labels.choices(WorkshopLevel)


def accessibility_choices():
    """The venue's accessibility features, labelled in the reader's language."""
    return [("step_free", _l("Step-free access")),
            ("accessible_toilets", _l("Accessible toilets")),
            ("induction_loop", _l("Induction loop")),
            ("sign_language", _l("Sign language interpretation")),
            ("quiet_room", _l("Quiet room"))]


def audience_choices():
    """Who the event is meant for."""
    return [("all", _l("Everyone")), ("teens", _l("Teenagers")), ("adults", _l("Adults")),
            ("seniors", _l("Seniors")), ("professionals", _l("Professionals"))]


def attendance_choices():
    """On site, online or both."""
    return [("onsite", _l("On site")), ("online", _l("Online")),
            ("mixed", _l("On site and online"))]


def schedule_status_choices():
    """What changed in the schedule, for search engines and agendas."""
    return [("scheduled", _l("As planned")), ("postponed", _l("Postponed (new date to come)")),
            ("rescheduled", _l("Moved to a new date")), ("moved_online", _l("Moved online"))]


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes (no script needed)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def _https_link(form, field):
    if field.data and not field.data.strip().startswith("https://"):
        raise ValidationError(_l("The online link must start with https://."))
    if form.attendance_mode.data in ("online", "mixed") and not (field.data or "").strip():
        raise ValidationError(_l("An online or mixed event needs the link to attend online."))


def _after(field_name, message):
    def check(form, field):
        other = form[field_name].data
        if field.data and other and field.data <= other:
            raise ValidationError(message)
    return check


class EventForm(Form):
    idempotency_key = IdempotencyKeyField()
    kind = SelectField(_l("Kind"), choices=event_kind_choices, validators=[InputRequired()])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    slug = StringField(
        _l("Web address"),
        description=_l("Lowercase letters, digits and hyphens; leave empty to derive it "
                       "from the title."),
        validators=[Optional(), Length(max=80),
                    Regexp(SLUG_PATTERN, message=_l("Use lowercase letters, digits and "
                                                    "hyphens only."))])
    description = TextAreaField(_l("Description"), validators=[Length(max=5000)])
    venue = StringField(_l("Venue"), validators=[DataRequired(), Length(max=200)])
    address = StringField(_l("Address"), validators=[Length(max=300)])
    starts_at = DateAndTimeField(_l("Starts"), validators=[InputRequired()])
    ends_at = DateAndTimeField(
        _l("Ends"), same_day_as="starts_at", description=END_HINT,
        validators=[InputRequired(), _after("starts_at", _l("The end must come after the "
                                                            "start."))])
    registration_opens_at = DateTimeLocalField(_l("Registration opens"), format=DATETIME_FORMAT,
                                               validators=[Optional()])
    registration_closes_at = DateTimeLocalField(
        _l("Registration closes"), format=DATETIME_FORMAT,
        validators=[Optional(), _after("registration_opens_at",
                                       _l("Registration must close after it opens."))])
    move_registration_window = BooleanField(
        _l("Move the registration window with the event"),
        description=_l("When you change the dates: registration opens and closes as long "
                       "before the start as it did."))
    move_program = BooleanField(
        _l("Move the sessions with the event"),
        description=_l("When you change the start: every session moves by as much (ticket "
                       "holders are told)."))
    max_party = IntegerField(
        _l("Largest party per ticket"),
        description=_l("So that a parent can register with a child, for instance."),
        default=4, validators=[InputRequired(), NumberRange(min=1, max=20)])
    retention_days = IntegerField(
        _l("Days tickets are kept after the event"), default=7,
        validators=[InputRequired(), NumberRange(min=0, max=365)])
    volunteer_withdraw_hours = IntegerField(
        _l("Volunteers may withdraw until (hours before the start)"), default=48,
        validators=[InputRequired(), NumberRange(min=0, max=24 * 60)])
    accessibility = MultiCheckboxField(_l("Accessibility of the venue"),
                                       choices=accessibility_choices, default=[])
    accessibility_notes = TextAreaField(
        _l("More about accessibility"),
        description=_l("Which entrance, lift, seats, what to ask for on arrival..."),
        validators=[Length(max=2000)])
    audience = SelectField(_l("Audience"), choices=audience_choices, default="all",
                           validators=[Optional()])
    minimum_age = IntegerField(_l("Minimum age"), validators=[Optional(),
                                                             NumberRange(min=0, max=120)])
    attendance_mode = RadioField(_l("Attendance"), choices=attendance_choices, default="onsite",
                                 validators=[Optional()])
    online_url = URLField(_l("Link to attend online"),
                          description=_l("For online and mixed events; https:// only."),
                          validators=[Length(max=500), _https_link])
    # Unticked means free, so that a form without this box keeps an event free.
    paid = BooleanField(_l("Not free: there is a price"), default=False)
    price = StringField(_l("Price"), description=_l("Only if it is not free."),
                        validators=[Length(max=200)])
    schedule_status = SelectField(_l("Schedule"), choices=schedule_status_choices,
                                  default="scheduled", validators=[Optional()])


class DuplicateForm(Form):
    idempotency_key = IdempotencyKeyField()
    # Its own id: the event's form on the same page has a starts_at field too.
    starts_at = DateAndTimeField(
        _l("New start"), validators=[InputRequired()], id="duplicate_starts_at",
        description=_l("The copy keeps the event's length: over several days, it ends as many "
                       "days later."))


class SessionForm(Form):
    idempotency_key = IdempotencyKeyField()
    label = StringField(_l("Label"), validators=[DataRequired(), Length(max=100)])
    starts_at = DateAndTimeField(
        _l("Starts"), description=_l("The day of the event it falls on, and its time."),
        validators=[InputRequired()])
    ends_at = DateAndTimeField(
        _l("Ends"), same_day_as="starts_at",
        description=_l("Leave the date empty for the same day as the start."),
        validators=[InputRequired(), _after("starts_at", _l("The end must come after the "
                                                            "start."))])


class WorkshopForm(Form):
    idempotency_key = IdempotencyKeyField()
    session_id = SelectField(_l("Session"), coerce=int, validators=[InputRequired()])
    format = SelectField(_l("Format"), choices=workshop_format_choices,
                         validators=[InputRequired()])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    summary = TextAreaField(_l("Summary"), validators=[Length(max=2000)])
    topics = StringField(_l("Topics"), description=_l("Separated by commas."),
                         validators=[Length(max=300)])
    level = SelectField(_l("Level"), choices=level_choices, validators=[InputRequired()])
    room = StringField(_l("Room"), validators=[Length(max=100)])
    capacity = IntegerField(
        _l("Capacity"), validators=[
            InputRequired(message=_l("Give the number of seats.")),
            NumberRange(min=1, max=MAX_WORKSHOP_CAPACITY,
                        message=_l("The capacity must be between %(min)s and %(max)s."))])
    materials = TextAreaField(_l("Materials"), validators=[Length(max=2000)])
    needs_facilitator = BooleanField(
        _l("Run by a volunteer facilitator"), default=True,
        description=_l("It appears in the call for facilitators until a volunteer's claim is "
                       "confirmed. Untick it for a talk, a meal or a workshop you run "
                       "yourselves."))
    allow_cofacilitators = BooleanField(_l("Several volunteers may facilitate it together"))


class SeriesForm(Form):
    idempotency_key = IdempotencyKeyField()
    kind = SelectField(_l("Kind"), choices=event_kind_choices, validators=[InputRequired()])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Length(max=5000)])
    venue = StringField(_l("Venue"), validators=[DataRequired(), Length(max=200)])
    address = StringField(_l("Address"), validators=[Length(max=300)])
    starts_at = DateAndTimeField(_l("First date starts"), validators=[InputRequired()])
    ends_at = DateAndTimeField(
        _l("First date ends"), same_day_as="starts_at", description=END_HINT,
        validators=[InputRequired(), _after("starts_at", _l("The end must come after the "
                                                            "start."))])
    rrule = StringField(
        _l("Repeat (RRULE)"),
        description=_l("For instance “FREQ=MONTHLY;BYDAY=1SA;UNTIL=20260630” (every first "
                       "Saturday until June) or “FREQ=WEEKLY;COUNT=10”. At most 100 dates."),
        validators=[DataRequired(), Length(max=500)])
    template = SelectField(
        _l("Program of every date"),
        description=_l("Each date gets a copy of the sessions and workshops of the event "
                       "you choose, at the same times of day; you then edit each date on its "
                       "own. Or leave it empty, plan the first date, and copy its program to "
                       "the others from its page."),
        choices=[], default="", validators=[Optional()])
    publish = BooleanField(_l("Publish every date at once"))
