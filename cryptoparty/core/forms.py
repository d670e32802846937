"""Forms every area uses, and the base class of every form."""

from datetime import date, datetime, time

from flask import g
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.csrf.core import CSRFTokenField
from wtforms.fields import DateTimeField, FieldList, HiddenField, StringField
from wtforms.fields.core import UnboundField
from wtforms.utils import unset_value
from wtforms.validators import Length, Optional
from wtforms.widgets import HiddenInput

from cryptoparty.core import validation


class _HiddenInputWithoutId(HiddenInput):
    """A hidden input with no ``id``: a page with two forms would hold two
    ``id="csrf_token"`` otherwise, which HTML forbids (and nothing points at it)."""

    def __call__(self, field, **kwargs):
        kwargs["id"] = False
        return super().__call__(field, **kwargs)


CSRFTokenField.widget = _HiddenInputWithoutId()


CSRF_EXPIRED = _l("The form had expired (or your session ended) before it was sent, so nothing "
                   "was done. What you chose is kept below: check it and send it again.")


def rerender_on_csrf_error(view):
    """Mark a view whose form comes back filled in when its CSRF token has expired.

    The CSRF error handler (core.errors) calls the view again instead of showing an
    error page; ``Form.validate`` then fails with ``CSRF_EXPIRED`` above the form,
    the fields keep what was posted and the page carries a fresh token.
    """
    view.rerender_on_csrf_error = True
    return view


class IdempotencyKeyField(HiddenField):
    """A creating form's random key (core.idempotency.idempotent_form).

    Each rendering carries a new key (two buttons of one page never share one,
    and a form that comes back after an error can be sent again). Its name has
    no prefix (the decorator reads ``idempotency_key``) and its input no ``id``.
    A post without a well-formed key is refused with ``idempotency.MISSING``,
    shown above the form: nothing personal is in the key, it is a random nonce.
    """

    widget = _HiddenInputWithoutId()

    def __init__(self, **kwargs):
        from cryptoparty.core import idempotency

        kwargs.setdefault("default", idempotency.new_key)
        kwargs.setdefault("validators", [Optional(), Length(max=128)])
        super().__init__(**kwargs)
        self.name = idempotency.FIELD

    def process(self, formdata, data=unset_value, extra_filters=None):
        super().process(formdata, data, extra_filters)
        if formdata is not None and self.name not in formdata:
            self.data = None  # a posted form without its key, not a fresh default

    def _value(self):
        from cryptoparty.core import idempotency

        return idempotency.new_key()

    def post_validate(self, form, validation_stopped):
        from cryptoparty.core import idempotency

        try:
            ok = idempotency.check_key(self.data) is not None
        except idempotency.InvalidIdempotencyKey:
            ok = False
        if not ok:
            self.errors = [str(idempotency.MISSING)]


class Form(FlaskForm):
    """The base of every form of the application (never ``FlaskForm`` directly).

    Each field, when it is bound, gets the validators that its kind requires
    (``validation.validators_for``): single-line text refuses control characters,
    long text allows only tab and newlines, integers fit in 64 bits, dates lie in
    the accepted range. They run before the field's own validators, so no form
    can forget them and the person reads one clear message.
    """

    def process(self, formdata=None, obj=None, data=None, extra_filters=None, **kwargs):
        super().process(formdata, obj, data, extra_filters, **kwargs)
        formdata = self.meta.wrap_formdata(self, formdata)
        if formdata is None:
            return
        # A text field left out of a posted form (a client that is not a browser,
        # which always sends its inputs) reads as empty, as when it is sent empty:
        # ``None`` would reach a NOT NULL column on an edit (issue 14), where the
        # column's default does not apply as it does on a create.
        for field in self:
            if isinstance(field, StringField) and field.data is None \
                    and field.name not in formdata:
                field.data = ""

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        for field in self:
            if isinstance(field, IdempotencyKeyField) and field.errors:
                # Above the form: the hidden field has no label to point at.
                self.form_errors.extend(str(e) for e in field.errors if e not in self.form_errors)
                field.errors = []
        if getattr(g, "csrf_expired", False) and "csrf_token" in self:
            self.csrf_token.errors = []
            self.form_errors.append(str(CSRF_EXPIRED))
            return False
        return valid

    class Meta(FlaskForm.Meta):
        def bind_field(self, form, unbound_field, options):
            field = super().bind_field(form, unbound_field, options)
            field.validators = with_required_validators(type(field), field.validators)
            if isinstance(field, FieldList):
                # Its entries are bound later, without this hook: give their
                # unbound field the validators now.
                inner = field.unbound_field
                validators = with_required_validators(
                    inner.field_class, inner.kwargs.get("validators") or [])
                field.unbound_field = UnboundField(
                    inner.field_class, *inner.args, **{**inner.kwargs, "validators": validators})
            return field


def with_required_validators(field_class, validators) -> list:
    """``validators``, preceded by those that every field of ``field_class`` must carry."""
    required = validation.validators_for(field_class)
    missing = [v for v in required if not any(type(v) is type(own) for own in validators)]
    return [*missing, *validators]


class ActionForm(Form):
    """A button that only needs its CSRF token (publish, cancel, delete, logout)."""


class CreatingActionForm(ActionForm):
    """A button that creates something (draft, sign, a new link): it carries a key too."""

    idempotency_key = IdempotencyKeyField()


def first_error(form) -> str | None:
    """The first error message of a validated form (nested lists of fields included)."""
    def walk(errors):
        if isinstance(errors, dict):
            for value in errors.values():
                found = walk(value)
                if found:
                    return found
        elif isinstance(errors, (list, tuple)):
            for value in errors:
                found = walk(value)
                if found:
                    return found
        elif errors:
            return str(errors)
        return None
    return walk(form.errors)


class _DateAndTimeInputs:
    """Two inputs for one moment: ``<input type=date>`` then "at" ``<input type=time>``.

    The field's label points at the date; the time has its own small label. No
    script: an end whose date is left empty takes the start's date (the server
    fills it, see ``DateAndTimeField``).
    """

    def __call__(self, field, **kwargs):
        from markupsafe import Markup, escape
        from wtforms.widgets import html_params

        kwargs.pop("id", None)
        required = kwargs.pop("required", None)
        if required is None:
            required = bool(getattr(field.flags, "required", False))
        date_text, time_text = field.shown_parts()
        date_attrs = dict(kwargs, id=field.id, name=f"{field.name}-date", type="date",
                          value=date_text)
        time_attrs = dict(kwargs, id=f"{field.id}-time", name=f"{field.name}-time",
                          type="time", value=time_text)
        if required:
            time_attrs["required"] = True
            if not field.same_day_as:
                date_attrs["required"] = True
        # html_params escapes every attribute's value; the id and label are escaped here.
        return Markup(  # nosec B704
            f'<span class="date-and-time"><input {html_params(**date_attrs)}> '
            f'<label for="{escape(field.id)}-time">{escape(field.time_label)}</label> '
            f'<input {html_params(**time_attrs)}></span>')


class DateAndTimeField(DateTimeField):
    """A local date and time typed in two inputs, ``<name>-date`` and ``<name>-time``.

    ``same_day_as`` names the form's start field: an end whose date is left empty
    falls on the start's day (an evening), and one with a later date spans
    several days (Saturday 10:00 to Sunday 18:00). The combined value
    ``<name>=2026-05-16T10:00`` (a ``datetime-local`` input, a script) is
    accepted too. ``data`` is a naive local ``datetime``, as with
    ``DateTimeLocalField``.
    """

    widget = _DateAndTimeInputs()

    def __init__(self, label=None, validators=None, *, same_day_as: str | None = None,
                 time_label=None, **kwargs):
        kwargs.setdefault("format", ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"])
        super().__init__(label, validators, **kwargs)
        self.same_day_as = same_day_as
        self.time_label = time_label or _l("at")
        self._typed: tuple[str, str] | None = None
        self._time_only = None

    def process(self, formdata, data=unset_value, extra_filters=None):
        super().process(formdata, data, extra_filters)
        self._typed, self._time_only = None, None
        if formdata is None or self.name in formdata:
            return
        date_key, time_key = f"{self.name}-date", f"{self.name}-time"
        if date_key not in formdata and time_key not in formdata:
            return
        date_text = (formdata.get(date_key) or "").strip()
        time_text = (formdata.get(time_key) or "").strip()
        self._typed = (date_text, time_text)
        self.data = None
        self.raw_data = [f"{date_text} {time_text}".strip()] if (date_text or time_text) else []
        if not date_text and not time_text:
            return
        try:
            moment = _parse_time(time_text)
        except ValueError as error:
            self.process_errors.append(str(error.args[0]))
            return
        if not date_text:
            if self.same_day_as:
                self._time_only = moment
            else:
                self.process_errors.append(str(_l("Give the date as well.")))
            return
        try:
            day = _parse_date(date_text)
        except ValueError as error:
            self.process_errors.append(str(error.args[0]))
            return
        self.data = datetime.combine(day, moment)

    def pre_validate(self, form):
        from wtforms.validators import StopValidation

        if self.process_errors:
            raise StopValidation()
        if self._time_only is not None:
            start = form[self.same_day_as].data
            if start is None:
                # The start says what is wrong; this field has nothing to add.
                raise StopValidation()
            self.data = datetime.combine(start.date(), self._time_only)
            self._time_only = None

    def shown_parts(self) -> tuple[str, str]:
        """What the two inputs show: the value, or the readable part of what was typed."""
        if self.data is not None:
            return self.data.strftime("%Y-%m-%d"), self.data.strftime("%H:%M")
        if self._typed is None:
            return "", ""
        # Only what HTML accepts as a value comes back (an unreadable one is left empty,
        # the message says why).
        date_text, time_text = self._typed
        try:
            date_text = _parse_date(date_text).isoformat()
        except ValueError:
            date_text = ""
        try:
            time_text = _parse_time(time_text).strftime("%H:%M")
        except ValueError:
            time_text = ""
        return date_text, time_text


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(_l("This date cannot be read: type it as YYYY-MM-DD "
                            "(for instance 2026-05-16).")) from None


def _parse_time(text: str) -> time:
    if not text:
        raise ValueError(_l("Give the time as well."))
    try:
        value = time.fromisoformat(text)
    except ValueError:
        raise ValueError(_l("This time cannot be read: type it as HH:MM "
                            "(for instance 10:30).")) from None
    return value.replace(second=0, microsecond=0, tzinfo=None)
