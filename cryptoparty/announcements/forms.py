"""Forms of the organization's key and of the announcements (shape only)."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    HiddenField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from cryptoparty.core.forms import Form, IdempotencyKeyField

REVOCATION_CHOICES = [
    SelectChoice("superseded", _l("Replaced by a new key")),
    SelectChoice("compromised", _l("The secret key may be known to someone else")),
    SelectChoice("retired", _l("No longer used")),
    SelectChoice("unspecified", _l("No reason given")),
]


class GenerateKeyForm(Form):
    idempotency_key = IdempotencyKeyField()
    name = StringField(_l("Name on the key"), validators=[DataRequired(), Length(max=200)],
                       description=_l("Usually the organization's name."))
    email = StringField(_l("Address on the key"),
                        validators=[DataRequired(), Length(max=254)],
                        description=_l("People find the key with gpg --locate-keys and this "
                                       "address: choose one on this site's domain, or on a "
                                       "domain that points its Web Key Directory here."))
    rotate = BooleanField(_l("Replace the current key (it stays published for the "
                             "announcements it signed)"))


class ContactsKeyForm(Form):
    """Generate the contacts key here, once, and take its secret part away."""
    idempotency_key = IdempotencyKeyField()

    name = StringField(_l("Name on the key"), validators=[DataRequired(), Length(max=200)])
    email = StringField(_l("Address on the key"), validators=[DataRequired(), Length(max=254)])
    understood = BooleanField(
        _l("I understand: the secret key is downloaded once, the server deletes it, and "
           "nobody can send it again"), validators=[DataRequired()])


class KeyUploadForm(Form):
    idempotency_key = IdempotencyKeyField()
    key_file = FileField(_l("Key file"), validators=[Optional()])
    key_text = TextAreaField(_l("…or paste the armored key"), validators=[Optional()],
                             render_kw={"rows": 6, "spellcheck": "false"})


class RevokeKeyForm(Form):
    fingerprint = HiddenField(validators=[DataRequired()])
    reason = SelectField(_l("Reason"), choices=REVOCATION_CHOICES, default="superseded")
    certificate = TextAreaField(
        _l("Revocation certificate, or the revoked public key"), validators=[Optional()],
        description=_l("For a key whose secret part is not on this server: revoke it on your "
                       "own machine (gpg --gen-revoke), then paste the result here."),
        render_kw={"rows": 5, "spellcheck": "false"})
    confirm = BooleanField(_l("Yes, revoke this key: it can never be used again"),
                           validators=[DataRequired(
                               message=_l("Tick the box to confirm the revocation."))])


class AnnouncementTextForm(Form):
    text = TextAreaField(_l("Text"), render_kw={"rows": 14, "spellcheck": "true"})


class SignedUploadForm(Form):
    idempotency_key = IdempotencyKeyField()
    signed_file = FileField(_l("Signed file (.asc)"), validators=[Optional()])
    signed_text = TextAreaField(_l("…or paste the signed text"), validators=[Optional()],
                                render_kw={"rows": 6, "spellcheck": "false"})
