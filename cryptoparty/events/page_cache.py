"""A rendered-page cache for an event's public program (issue 19).

The busiest page of the platform is an event's program, on the morning its
announcement goes out. Each worker keeps the HTML it rendered, keyed on what
the page shows:

* the event's ``version``, bumped in the same transaction as any ORM write
  that changes the page: the event itself, its sessions and workshops, its
  volunteers' claims, its announcements, its organization (and that
  organization's key). ``bump_versions`` below does it for every session, at
  commit, so no service has to remember;
* the live seats and facilitator counts of every workshop, which change
  through guarded ``UPDATE`` statements (the capacity invariant) that the ORM
  does not see: they are read by the same single query as the version, so a
  registration shows on the page at once;
* the language of the page and the ``?lang=`` its links carry on;
* the instants at which the page changes by itself (registration opens or
  closes, the event starts or ends): an entry is not served past the next one.

A hit costs that one query and a dictionary look-up; the response carries an
``ETag``, so a repeat visit gets a ``304`` without the page.

Only anonymous visits are cached: a request with a session cookie (an
organizer, a flashed message) is rendered as before, and the cached page
touches neither the session nor the login, so it sets no cookie. Pages that
show a code or a form (tickets, registration, the call for facilitators) are
never cached; the program has neither. Archived events show the report and
are rendered each time; drafts are not public.

The cache lives in the worker's memory (``PAGE_CACHE_SIZE`` entries, oldest
dropped first); ``PAGE_CACHE = False`` turns it off.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
from collections import OrderedDict

from flask import current_app, g, make_response, request
from flask_babel import get_locale
from sqlalchemy import event as sa_event
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from cryptoparty.core.i18n import requested_lang
from cryptoparty.events.models import Event, Workshop

#: Writes to these tables never change an event's public page, or change it only
#: through columns read live by the key (``seats_taken``): no version bump, so that
#: registrations do not also lock the event's row.
PAGE_NEUTRAL_TABLES = frozenset({"tickets", "ticket_choices", "event_figures", "feedback"})
CACHED_STATUSES = ("published", "cancelled")
_PENDING = "cryptoparty_page_versions"


# Versions ------------------------------------------------------------------------

def _collect_changed(session, _flush_context, _instances) -> None:
    """Before a flush: changed and deleted objects (their rows can still be read)."""
    _collect(session, itertools.chain(session.dirty, session.deleted))


def _collect_new(session, _flush_context) -> None:
    """After a flush: new objects (their foreign keys are filled in by then)."""
    _collect(session, session.new)


def _collect(session, objects) -> None:
    """Remember which events these objects belong to."""
    pending = session.info.setdefault(_PENDING, (set(), set(), set()))
    events, workshops, organizations = pending
    for obj in objects:
        table = getattr(obj, "__tablename__", None)
        if table is None or table in PAGE_NEUTRAL_TABLES:
            continue
        if table == "events":
            if obj.id is not None:
                events.add(obj.id)
            continue
        if table == "organizations":
            organizations.add(obj.id)
            continue
        for attribute, ids in (("event_id", events), ("workshop_id", workshops),
                               ("organization_id", organizations)):
            value = getattr(obj, attribute, None)
            if isinstance(value, int):
                ids.add(value)
                break


def _bump(session) -> None:
    """Before commit: flush, then add one to the version of every event touched.

    Done last in the transaction, so the event's row is locked after the rows
    the transaction changed, always in that order.
    """
    session.flush()
    pending = session.info.pop(_PENDING, None)
    if not pending or not any(pending):
        return
    events, workshops, organizations = pending
    table = Event.__table__
    conditions = []
    if events:
        conditions.append(table.c.id.in_(sorted(events)))
    if workshops:
        conditions.append(table.c.id.in_(
            select(Workshop.__table__.c.event_id).where(Workshop.__table__.c.id.in_(sorted(workshops)))))
    if organizations:
        conditions.append(table.c.organization_id.in_(sorted(organizations)))
    session.connection().execute(
        update(table).where(or_(*conditions)).values(version=table.c.version + 1))


def _forget(session, *_args) -> None:
    session.info.pop(_PENDING, None)


_installed = threading.Lock()


def install(app) -> None:
    """Bump versions in every session of the process (once) and make the app's cache."""
    with _installed:
        if not sa_event.contains(Session, "after_flush", _collect_new):
            sa_event.listen(Session, "before_flush", _collect_changed)
            sa_event.listen(Session, "after_flush", _collect_new)
            sa_event.listen(Session, "before_commit", _bump)
            sa_event.listen(Session, "after_rollback", _forget)
    app.config.setdefault("PAGE_CACHE", True)
    app.config.setdefault("PAGE_CACHE_SIZE", 512)
    app.extensions["page_cache"] = PageCache(app.config["PAGE_CACHE_SIZE"])


# The cache -----------------------------------------------------------------------

class PageCache:
    """A small thread-safe LRU of rendered pages: key -> (html, etag, valid_until)."""

    def __init__(self, size: int):
        self.size = size
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key, now):
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[2] is not None and now >= entry[2]:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry

    def put(self, key, entry) -> None:
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def _cacheable_request() -> bool:
    config = current_app.config
    if not config.get("PAGE_CACHE", True) or "page_cache" not in current_app.extensions:
        return False
    if request.cookies.get(config.get("SESSION_COOKIE_NAME", "session")):
        return False
    return not (set(request.args) - {"lang"})


def _next_change(row, now):
    """The first instant after ``now`` at which the page changes by itself (or None)."""
    instants = [t for t in (row.registration_opens_at, row.registration_closes_at,
                            row.starts_at, row.ends_at) if t is not None and t > now]
    return min(instants) if instants else None


def serve_event_page(slug: str, now, render):
    """The event's program: from the cache when it may be, else ``render()`` (and kept)."""
    if not _cacheable_request():
        return render()
    from cryptoparty.events import services as event_service

    rows = event_service.public_page_state(slug)
    if not rows or rows[0].status not in CACHED_STATUSES:
        return render()
    first = rows[0]
    g.organization_locale = first.default_locale
    key = (slug, str(get_locale()), requested_lang(), first.id, first.version,
           (first.color_primary, first.color_background, first.logo_type),
           tuple((r.workshop_id, r.seats_taken, r.facilitators) for r in rows))
    cache: PageCache = current_app.extensions["page_cache"]
    entry = cache.get(key, now)
    if entry is None:
        html = render()
        if not isinstance(html, str):
            return html
        etag = hashlib.blake2b(html.encode(), digest_size=12).hexdigest()
        entry = (html, etag, _next_change(first, now))
        cache.put(key, entry)
    response = make_response(entry[0])
    response.set_etag(entry[1])
    return response.make_conditional(request)
