"""The public showcase: what past events achieved, per year and per organization.

For reluctant institutions: a board member sees attendees, workshops, how full
they were, the feedback average and the quotes the organizers chose. Only the
aggregated figures are used, those that survive the purge of the tickets
(``EventFigures``) and the anonymous feedback: never a ticket.
"""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Integer, case, cast, extract, func, select, true
from sqlalchemy.orm import joinedload, selectinload

from cryptoparty.accounts.models import Organization
from cryptoparty.core import pagination
from cryptoparty.core.extensions import db
from cryptoparty.events.models import Event, EventSession
from cryptoparty.feedback.models import Feedback
from cryptoparty.figures.services import event_figures
from cryptoparty.registration.models import EventFigures, Ticket

MAX_QUOTES = 3


@dataclass
class ShowcaseRow:
    """The past events of one organization in one year, added up."""

    year: int
    organization: str
    organization_slug: str
    events: int = 0
    registered: int = 0
    attendees: int = 0
    workshops: int = 0
    capacity: int = 0
    confirmed: int = 0
    rated: int = 0
    rating_total: float = 0.0
    quotes: list[str] = field(default_factory=list)

    @property
    def fill_rate(self) -> float | None:
        """Confirmed seats over the seats offered, from 0 to 1."""
        return self.confirmed / self.capacity if self.capacity else None

    @property
    def average_rating(self) -> float | None:
        """Mean rating (1 to 5) over every rated feedback, or None."""
        return self.rating_total / self.rated if self.rated else None


SHOWCASE_PER_PAGE = 10  # rows (an organization's year) per page of the public showcase


def _past(now: datetime):
    return (Event.ends_at < now, Event.status.in_(("published", "archived")))


def _past_events(now: datetime, organization=None):
    query = select(Event).where(*_past(now))
    if organization is not None:
        query = query.where(Event.organization_id == organization.id)
    return query


def showcase_state(now: datetime, organization=None) -> tuple:
    """What the showcase is computed from, in one query: its cache's key.

    It changes when an event ends (one more past event), when a past event or its
    program or organization changes (``Event.version``), when figures are recorded
    or purged (``EventFigures.version``, the rows), when feedback is given, hidden
    or quoted, and when a past event's tickets change before their purge.
    """
    past = _past_events(now, organization).with_only_columns(Event.id).scalar_subquery()
    events = _past_events(now, organization).with_only_columns(
        func.count(Event.id), func.coalesce(func.sum(Event.version), 0),
        func.coalesce(func.max(Event.id), 0)).subquery()
    figures = select(func.count(EventFigures.event_id),
                     func.coalesce(func.sum(EventFigures.version), 0),
                     func.coalesce(func.sum(EventFigures.walk_ins), 0),
                     func.count(EventFigures.purged_on)).where(
        EventFigures.event_id.in_(past)).subquery()
    feedback = select(func.count(Feedback.id), func.coalesce(func.max(Feedback.id), 0),
                      func.coalesce(func.sum(case((Feedback.quoted, Feedback.id), else_=0)), 0),
                      func.coalesce(func.sum(case((Feedback.hidden, Feedback.id), else_=0)), 0)
                      ).where(Feedback.event_id.in_(past)).subquery()
    tickets = select(func.count(Ticket.id), func.coalesce(func.sum(Ticket.party), 0),
                     func.coalesce(func.sum(case((Ticket.checked_in, Ticket.party), else_=0)),
                                   0),
                     func.coalesce(func.sum(case((Ticket.status == "active", Ticket.id),
                                                 else_=0)), 0)
                     ).where(Ticket.event_id.in_(past)).subquery()
    joined = (events.join(figures, true()).join(feedback, true()).join(tickets, true()))
    row = db.session.execute(select(joined)).one()
    return tuple(int(value) for value in row)


class ShowcaseCache:
    """The showcase's rows per organization (or all), kept while their state is the same.

    A worker keeps one entry per organization (and one for ``/showcase``); an entry
    is used only while ``showcase_state`` still gives the key it was computed under,
    so a new figure shows at once, in every worker.
    """

    def __init__(self, size: int = 256):
        from collections import OrderedDict
        from threading import Lock

        self.size = size
        self._entries: OrderedDict = OrderedDict()
        self._lock = Lock()

    def get(self, scope, state):
        with self._lock:
            entry = self._entries.get(scope)
            if entry is None or entry[0] != state:
                return None
            self._entries.move_to_end(scope)
            return entry[1]

    def put(self, scope, state, rows) -> None:
        with self._lock:
            self._entries[scope] = (state, rows)
            self._entries.move_to_end(scope)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)


def cached_showcase(now: datetime, organization=None,
                    cache: ShowcaseCache | None = None) -> list[ShowcaseRow]:
    """``showcase``, from ``cache`` while what it is computed from has not changed."""
    if cache is None:
        return showcase(now, organization)
    scope = organization.id if organization is not None else None
    state = showcase_state(now, organization)
    rows = cache.get(scope, state)
    if rows is None:
        rows = showcase(now, organization)
        cache.put(scope, state, rows)
    return rows


def showcase(now: datetime, organization=None) -> list[ShowcaseRow]:
    """Past events that took place (not cancelled), summed per year and organization.

    Newest year first, then organizations by name.
    """
    query = _past_events(now, organization)
    return _rows(db.session.scalars(_with_program(query.order_by(Event.starts_at, Event.id))),
                 now)


def showcase_page(now: datetime, number: int,
                  per_page: int | None = None) -> pagination.Page:
    """Page ``number`` of the public showcase: its rows first (one grouped query, in
    SQL), then the figures of the events of those rows only, so that a page costs the
    same whatever the number of organizations and years (issue 19: growth)."""
    per_page = per_page or SHOWCASE_PER_PAGE
    year = cast(extract("year", Event.starts_at), Integer).label("year")
    groups = db.session.execute(
        select(year, Event.organization_id)
        .join(Organization, Organization.id == Event.organization_id)
        .where(*_past(now))
        .group_by(year, Event.organization_id, Organization.name)
        .order_by(year.desc(), func.lower(Organization.name), Event.organization_id)
        .limit(per_page + 1).offset((number - 1) * per_page)).all()
    page = pagination.page_of(groups, number, per_page)
    keys = {(row.year, row.organization_id) for row in page.items}
    if not keys:
        page.items = []
        return page
    query = (select(Event).where(*_past(now),
                                 Event.organization_id.in_({org for _year, org in keys}),
                                 year.in_({y for y, _org in keys}))
             .order_by(Event.starts_at, Event.id))
    events = [e for e in db.session.scalars(_with_program(query))
              if (e.starts_at.year, e.organization_id) in keys]
    page.items = _rows(events, now)
    return page


def _with_program(query):
    return query.options(joinedload(Event.organization),
                         selectinload(Event.sessions).selectinload(EventSession.workshops))


def _rows(events, now: datetime) -> list[ShowcaseRow]:
    rows: dict[tuple[int, int], ShowcaseRow] = {}
    for event in events:
        year = event.starts_at.replace(tzinfo=None).year
        key = (year, event.organization_id)
        row = rows.get(key)
        if row is None:
            row = rows[key] = ShowcaseRow(year=year, organization=event.organization.name,
                                          organization_slug=event.organization.slug)
        report = event_figures(event, now)
        row.events += 1
        row.registered += report.registered
        row.attendees += report.attendance
        row.workshops += sum(1 for w in report.workshops if w.format != "meal")
        row.capacity += report.capacity
        row.confirmed += sum(w.confirmed for w in report.workshops)
        if report.feedback.average is not None:
            row.rated += report.feedback.rated
            row.rating_total += report.feedback.average * report.feedback.rated
        for quote in report.feedback.quotes:
            if len(row.quotes) < MAX_QUOTES:
                row.quotes.append(quote)
    return sorted(rows.values(), key=lambda r: (-r.year, r.organization.casefold()))


def render_showcase_pdf(html: str, stylesheet_path: str, base_url: str) -> bytes:
    """The showcase page as a one-page PDF (WeasyPrint)."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    return HTML(string=html, base_url=base_url).write_pdf(
        stylesheets=[CSS(filename=stylesheet_path, font_config=fonts)], font_config=fonts)
