"""Forms every area uses, and the base class of every form."""

from flask import g
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.csrf.core import CSRFTokenField
from wtforms.fields import FieldList, HiddenField
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
