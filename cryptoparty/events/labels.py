"""Labels of the events' coded values (kinds, formats, levels, statuses), in the reader's language.

One table for the forms' choices and for the templates' ``label`` filter.
"""

from enum import StrEnum

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice

from cryptoparty.events.models import EventKind, EventStatus, WorkshopFormat, WorkshopLevel

# Translated one at a time, when shown: a page calls the filter dozens of times and
# translating the whole table on each call was a fifth of the event page's time.
LABELS = {
    EventKind.CRYPTOPARTY: _l("CryptoParty"), EventKind.CAFE_VIE_PRIVEE: _l("Privacy café"),
    EventKind.INSTALL_PARTY: _l("Install party"), EventKind.CONFERENCE: _l("Conference"),
    WorkshopFormat.WORKSHOP: _l("Workshop"), WorkshopFormat.TALK: _l("Talk"),
    WorkshopFormat.DISCUSSION: _l("Discussion"), WorkshopFormat.INSTALL: _l("Install session"),
    WorkshopFormat.MEAL: _l("Meal"),
    WorkshopLevel.BEGINNER: _l("Beginner"), WorkshopLevel.INTERMEDIATE: _l("Intermediate"),
    WorkshopLevel.ADVANCED: _l("Advanced"),
    EventStatus.DRAFT: _l("Draft"), EventStatus.PUBLISHED: _l("Published"),
    EventStatus.CANCELLED: _l("Cancelled"), EventStatus.ARCHIVED: _l("Archived"),
    # Who an event is for, and how its venue welcomes everyone (issue 17).
    "all": _l("Everyone"), "teens": _l("Teenagers"), "adults": _l("Adults"),
    "seniors": _l("Seniors"), "professionals": _l("Professionals"),
    "step_free": _l("Step-free access"), "accessible_toilets": _l("Accessible toilets"),
    "induction_loop": _l("Induction loop"), "sign_language": _l("Sign language interpretation"),
    "quiet_room": _l("Quiet room"),
}


_translated: dict[tuple[str, str], str] = {}


def label(value: str) -> str:
    """Human label of a coded value (event kind, workshop format, level, status).

    Translated once per process and language, then read from a dictionary: a page
    calls this dozens of times (issue 19).
    """
    found = LABELS.get(value)
    if found is None:
        return value
    key = (str(get_locale()), value)
    text = _translated.get(key)
    if text is None:
        text = _translated[key] = str(found)
    return text


def choices(values: type[StrEnum]) -> list[SelectChoice]:
    """The members of an enum as a form's choices, labelled in the reader's language."""
    return [SelectChoice(member.value, LABELS[member]) for member in values]
