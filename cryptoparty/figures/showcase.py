"""The public showcase: what past events achieved, per year and per organization.

For reluctant institutions: a board member sees attendees, workshops, how full
they were, the feedback average and the quotes the organizers chose. Only the
aggregated figures are used, those that survive the purge of the tickets
(``EventFigures``) and the anonymous feedback: never a ticket.
"""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Integer, cast, extract, func, select
from sqlalchemy.orm import joinedload, selectinload

from cryptoparty.accounts.models import Organization
from cryptoparty.core import pagination
from cryptoparty.core.extensions import db
from cryptoparty.events.models import Event, EventSession
from cryptoparty.figures.services import event_figures

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


def showcase(now: datetime, organization=None) -> list[ShowcaseRow]:
    """Past events that took place (not cancelled), summed per year and organization.

    Newest year first, then organizations by name.
    """
    query = select(Event).where(*_past(now))
    if organization is not None:
        query = query.where(Event.organization_id == organization.id)
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
