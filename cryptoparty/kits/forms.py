"""Forms of the workshop catalogue (shape only)."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField
from wtforms import TextAreaField
from wtforms.validators import Length

from cryptoparty.core.forms import Form, IdempotencyKeyField


class RecipeForm(Form):
    """An organization's own recipe: TOML pasted in the text area, or a file."""
    idempotency_key = IdempotencyKeyField()

    source = TextAreaField(_l("Recipe (TOML)"), validators=[Length(max=64 * 1024)],
                           render_kw={"rows": 24, "spellcheck": "false"})
    upload = FileField(_l("Or upload a .toml file"),
                       validators=[FileAllowed(["toml"], _l("Choose a .toml file."))])
