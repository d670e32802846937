"""What the areas above ``events`` show on its pages, handed to the templates by its views.

An event's public page shows whether registration is open (``registration``),
who facilitates each workshop (``volunteers``), whether feedback is open
(``feedback``) and the signed announcement (``announcements``); once archived,
the figures that outlive its tickets (``figures``); its back-office page shows
whether the signed announcement is stale. ``events`` imports none of these
areas. Each registers, with its blueprint, a function ``(event, now) -> dict`` of
template variables for a page; the event views call them and render the merged
result. Templates only show what they receive: they call no service and run no
query.
"""

from collections.abc import Callable
from datetime import datetime

from flask import current_app

PUBLIC_EVENT = "public_event"
ARCHIVED_EVENT = "archived_event"
MANAGE_EVENT = "manage_event"

Part = Callable[..., dict]


def add_part(blueprint, page: str, part: Part) -> None:
    """Have ``part(event, now)`` add its variables to ``page`` once ``blueprint`` is registered."""

    def record(state):
        parts = state.app.extensions.setdefault("event_page_parts", {})
        parts.setdefault(page, []).append(part)

    blueprint.record_once(record)


def context(page: str, event, now: datetime) -> dict:
    """The template variables that the registered areas add to ``page`` for ``event``."""
    merged = {}
    for part in current_app.extensions.get("event_page_parts", {}).get(page, ()):
        merged.update(part(event, now))
    return merged
