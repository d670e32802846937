"""Forms of the anonymous feedback: shape only, the rules live in ``services.feedback``.

They carry no CSRF token: attendees get no cookie, and a forged post could
only add one anonymous, rate-limited entry that anyone may add directly.
"""

from flask_babel import lazy_gettext as _l
from wtforms import FieldList, RadioField, SelectChoice, TextAreaField

from cryptoparty.core.forms import Form, IdempotencyKeyField
from cryptoparty.feedback.models import MAX_COMMENT, MAX_MISSING, MAX_NOTE, MAX_USEFUL
from cryptoparty.feedback.services import MAX_NOTES_AT_ONCE


def rating_choices():
    """The five ratings, labelled in the reader's language."""
    return [SelectChoice("5", _l("5 — excellent")), SelectChoice("4", _l("4 — good")),
            SelectChoice("3", _l("3 — fair")), SelectChoice("2", _l("2 — disappointing")),
            SelectChoice("1", _l("1 — poor"))]


class FeedbackForm(Form):
    idempotency_key = IdempotencyKeyField()
    class Meta:
        csrf = False

    rating = RadioField(_l("Your rating"), choices=rating_choices, validate_choice=False)
    useful = TextAreaField(_l("What was useful"), render_kw={"maxlength": MAX_USEFUL, "rows": 3})
    missing = TextAreaField(_l("What was missing"),
                            description=_l("A topic, more time, a slower pace…"),
                            render_kw={"maxlength": MAX_MISSING, "rows": 3})
    comment = TextAreaField(_l("Anything else"),
                            description=_l("The organizers may quote it, without your name "
                                           "(they do not know it)."),
                            render_kw={"maxlength": MAX_COMMENT, "rows": 4})


class NotesForm(Form):
    idempotency_key = IdempotencyKeyField()
    class Meta:
        csrf = False

    notes = FieldList(TextAreaField(_l("Note"), render_kw={"maxlength": MAX_NOTE, "rows": 3}),
                      min_entries=3, max_entries=MAX_NOTES_AT_ONCE)
