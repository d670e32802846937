"""Forms every area uses, and the base class of every form."""

from flask import g
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.csrf.core import CSRFTokenField
from wtforms.fields import FieldList, HiddenField, StringField
from wtforms.fields.core import UnboundField
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
    """A creating form's random key (core.idempotency.idempotent_form), new on each display."""

    def __init__(self, **kwargs):
        from cryptoparty.core import idempotency

        kwargs.setdefault("default", idempotency.new_key)
        kwargs.setdefault("validators", [Optional(), Length(max=128)])
        super().__init__(**kwargs)


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
